/** Activities that talk to the search engine through the engine-neutral search sink. */
import { readFileSync } from 'node:fs';
import type { SearchSink } from '../adapters/search/types.js';
import type { BatchDoc } from '../lib/batch/aggregate.js';
import { requireDate } from '../lib/batch/input-checks.js';
import { batchPaths } from '../lib/batch/paths.js';
import { BadInputError, ServiceUnavailableError, toTemporalFailure } from '../lib/errors.js';
import { BATCH_TEMPLATE, batchIndex } from '../lib/search-templates.js';
import { heartbeating } from './heartbeating.js';

/** Dependencies of the search activities. */
export interface SearchActivityDeps {
  search: SearchSink;
  indexPrefix: string;
  /** Work root (WORK_DIR): the only place aggregates files are read from. When absent, only the path's shape is checked. */
  workDir?: string;
  /** Documents per bulk request (default 2000). */
  bulkChunk?: number;
}

/** Id of a date's total document: its presence marks the day complete for readers (lib/views/batch-view.ts). */
export const dayMarkerId = (date: string): string => `${date}:total`;

/** The aggregates file of `date`, checked to be the run's own file (under WORK_DIR) and to hold only that date's documents. */
function readAggregates(path: unknown, date: string, workDir: string | undefined): BatchDoc[] {
  const expected = workDir === undefined ? undefined : batchPaths({ workDir, quarantineDir: '' }, date).aggregates;
  const ok =
    typeof path === 'string' &&
    (expected ? path === expected : path.endsWith(`/runs/${date}/aggregates.json`) && !path.split('/').includes('..'));
  if (!ok)
    throw new BadInputError(
      `indexDailyAggregates: aggregatesPath ${JSON.stringify(path)} is not the aggregates file of ${date}${expected ? ` (${expected})` : ''}`,
      { argument: 'aggregatesPath' },
    );
  let docs: unknown;
  try {
    docs = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new BadInputError(
      `indexDailyAggregates: ${path} is not a readable aggregates file (${(err as Error).message}); run the day again`,
      { file: path },
      { cause: err },
    );
  }
  const wrong = Array.isArray(docs)
    ? docs.find(
        (d: Partial<BatchDoc> | null) =>
          typeof d?.id !== 'string' || !d.id.startsWith(`${date}:`) || d.doc?.date !== date,
      )
    : docs;
  if (wrong !== undefined)
    throw new BadInputError(
      `indexDailyAggregates: ${path} holds a document not of ${date}: ${JSON.stringify(wrong).slice(0, 120)}`,
      { file: path },
    );
  if (!(docs as BatchDoc[]).some((d) => d.id === dayMarkerId(date)))
    throw new BadInputError(`indexDailyAggregates: ${path} has no total document for ${date}`, { file: path });
  return docs as BatchDoc[];
}

/** Create the search activities. */
export function createSearchActivities({ search, indexPrefix, workDir, bulkChunk = 2000 }: SearchActivityDeps) {
  /** Index `docs` in bulk requests; a refused document stops the run (4xx: non-retryable, else retryable). */
  const bulk = async (index: string, docs: BatchDoc[]): Promise<number> => {
    let written = 0;
    for (let i = 0; i < docs.length; i += bulkChunk) {
      const r = await search.bulkIndex(index, docs.slice(i, i + bulkChunk));
      if (r.failed.length) {
        const f = r.failed[0]!;
        const Err = f.status >= 400 && f.status < 500 && f.status !== 429 ? BadInputError : ServiceUnavailableError;
        throw new Err(`${r.failed.length} document(s) rejected by ${search.engine}, first ${f.id}: ${f.reason}`, {
          index,
        });
      }
      written += r.written;
    }
    return written;
  };

  return heartbeating({
    /** Engine identity from a real round trip. */
    async searchHealth(): Promise<{ engine: string; version: string; clusterName: string }> {
      try {
        return await search.info();
      } catch (err) {
        throw toTemporalFailure(
          new ServiceUnavailableError(
            `search engine health check failed: ${(err as Error).message}`,
            { service: search.engine },
            { cause: err },
          ),
        );
      }
    },

    /** Input fingerprint of the date's batch view in the index (undefined when the date was never indexed, or its last run did not finish). */
    async indexedFingerprint(input: { date: string }): Promise<string | undefined> {
      try {
        const date = requireDate('indexedFingerprint', input?.date);
        const doc = await search.get<{ input_fingerprint?: string }>(batchIndex(indexPrefix), dayMarkerId(date));
        return doc?.input_fingerprint;
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Replace the date's batch-view documents by the new run's. Readers take a day as complete when its total
     * document exists, so that marker is withdrawn first and written last: while the other documents are
     * written and the date's stale ones deleted — or after a run that failed half-way — the day is not
     * complete to readers (they use the speed view), and never a mix of old and new.
     */
    async indexDailyAggregates(input: {
      date: string;
      aggregatesPath: string;
    }): Promise<{ indexed: number; removed: number; index: string }> {
      try {
        const date = requireDate('indexDailyAggregates', input?.date);
        const docs = readAggregates(input.aggregatesPath, date, workDir);
        const index = batchIndex(indexPrefix);
        await search.putIndexTemplate(`${indexPrefix}-batch`, [`${indexPrefix}-batch-*`], BATCH_TEMPLATE);
        await search.ensureIndex(index);
        const marker = docs.filter((d) => d.id === dayMarkerId(date));
        await search.deleteByQuery(index, { ids: { values: [dayMarkerId(date)] } }, { refresh: true });
        let indexed = await bulk(
          index,
          docs.filter((d) => d.id !== dayMarkerId(date)),
        );
        const removed = await search.deleteByQuery(
          index,
          { bool: { filter: [{ term: { date } }], must_not: [{ ids: { values: docs.map((d) => d.id) } }] } },
          { refresh: true },
        );
        await search.refresh(index);
        indexed += await bulk(index, marker);
        await search.refresh(index);
        return { indexed, removed, index };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  });
}
