/**
 * The index step of the orders import: replace a date's revenue documents by a run's, with the date's total
 * document (its marker) withdrawn first and written last — readers take a date as complete only when its
 * marker exists, so they never see a mix of old and new documents.
 */
import { readFileSync } from 'node:fs';
import type { SearchSink } from '../adapters/search/types.js';
import { requireDate } from '../lib/batch/input-checks.js';
import { BadInputError, IndexRejectedError, ServiceUnavailableError, toTemporalFailure } from '../lib/errors.js';
import {
  REVENUE_TEMPLATE,
  revenueIndex,
  revenueMarkerId,
  revenueTemplate,
  type RevenueDoc,
  type RevenueTotalDoc,
} from '../lib/orders/revenue.js';
import { revenueDocsPath } from './orders.js';

/** Dependencies of the revenue index activity. */
export interface RevenueIndexDeps {
  search: SearchSink;
  indexPrefix: string;
  workDir: string;
}

function readDocs(path: unknown, date: string, workDir: string): RevenueDoc[] {
  const expected = revenueDocsPath(workDir, date);
  if (path !== expected)
    throw new BadInputError(
      `indexRevenueDay: aggregatesPath ${JSON.stringify(path)} is not the revenue file of ${date} (${expected})`,
      { argument: 'aggregatesPath' },
    );
  let docs: unknown;
  try {
    docs = JSON.parse(readFileSync(expected, 'utf8'));
  } catch (err) {
    throw new BadInputError(
      `indexRevenueDay: ${expected} is not a readable revenue file (${(err as Error).message}); run the date again`,
      { file: expected },
      { cause: err },
    );
  }
  const ok =
    Array.isArray(docs) &&
    docs.every(
      (d: Partial<RevenueDoc> | null) =>
        typeof d?.id === 'string' && d.id.startsWith(`${date}:`) && d.doc?.date === date,
    );
  if (!ok || !(docs as RevenueDoc[]).some((d) => d.id === revenueMarkerId(date)))
    throw new BadInputError(`indexRevenueDay: ${expected} does not hold ${date}'s revenue documents`, {
      file: expected,
    });
  return docs as RevenueDoc[];
}

/** Create the revenue index activities. */
export function createRevenueIndexActivities({ search, indexPrefix, workDir }: RevenueIndexDeps) {
  const index = revenueIndex(indexPrefix);
  const bulk = async (docs: RevenueDoc[]): Promise<number> => {
    if (docs.length === 0) return 0;
    const r = await search.bulkIndex(index, docs);
    const f = r.failed[0];
    if (f) {
      const Err = f.status >= 400 && f.status < 500 && f.status !== 429 ? IndexRejectedError : ServiceUnavailableError;
      throw new Err(`${r.failed.length} revenue document(s) rejected by ${search.engine}, first ${f.id}: ${f.reason}`, {
        index,
        id: f.id,
        status: f.status,
      });
    }
    return r.written;
  };
  return {
    /** Replace `date`'s revenue documents by the run's (marker last); returns documents written and stale ones removed. */
    async indexRevenueDay(input: {
      date: string;
      aggregatesPath: string;
    }): Promise<{ indexed: number; removed: number; index: string }> {
      try {
        const date = requireDate('indexRevenueDay', input?.date);
        const docs = readDocs(input.aggregatesPath, date, workDir);
        const t = revenueTemplate(indexPrefix);
        await search.putIndexTemplate(t.name, [t.pattern], REVENUE_TEMPLATE);
        await search.ensureIndex(index);
        const marker = revenueMarkerId(date);
        await search.deleteByQuery(index, { ids: { values: [marker] } }, { refresh: true });
        let indexed = await bulk(docs.filter((d) => d.id !== marker));
        const removed = await search.deleteByQuery(
          index,
          { bool: { filter: [{ term: { date } }], must_not: [{ ids: { values: docs.map((d) => d.id) } }] } },
          { refresh: true },
        );
        await search.refresh(index);
        indexed += await bulk(docs.filter((d) => d.id === marker));
        await search.refresh(index);
        return { indexed, removed, index };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  };
}

/** A date's total revenue document, or undefined while the date is not (completely) indexed. */
export async function readRevenueTotal(
  search: SearchSink,
  indexPrefix: string,
  date: string,
): Promise<RevenueTotalDoc | undefined> {
  return search.get<RevenueTotalDoc>(revenueIndex(indexPrefix), revenueMarkerId(date));
}
