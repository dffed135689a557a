/** Activities that talk to the search engine through the engine-neutral search sink. */
import { readFileSync } from 'node:fs';
import type { SearchSink } from '../adapters/search/types.js';
import type { BatchDoc } from '../lib/batch/aggregate.js';
import { BadInputError, ServiceUnavailableError, toTemporalFailure } from '../lib/errors.js';
import { BATCH_TEMPLATE, batchIndex } from '../lib/search-templates.js';

/** Dependencies of the search activities. */
export interface SearchActivityDeps {
  search: SearchSink;
  indexPrefix: string;
}

const BULK_CHUNK = 2000;

/** Create the search activities. */
export function createSearchActivities({ search, indexPrefix }: SearchActivityDeps) {
  return {
    /** Engine identity from a real round trip. */
    async searchHealth(): Promise<{ engine: string; version: string; clusterName: string }> {
      try {
        return await search.info();
      } catch (err) {
        throw toTemporalFailure(new ServiceUnavailableError(`search engine health check failed: ${(err as Error).message}`, { service: search.engine }, { cause: err }));
      }
    },

    /** Input fingerprint of the date's batch view in the index (undefined when the date was never indexed). */
    async indexedFingerprint(input: { date: string }): Promise<string | undefined> {
      try {
        const doc = await search.get<{ input_fingerprint?: string }>(batchIndex(indexPrefix), `${input.date}:total`);
        return doc?.input_fingerprint;
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Index the date's batch-view documents (deterministic ids) and remove the date's documents that the new
     * run did not produce, so a re-run leaves exactly the new run's documents.
     */
    async indexDailyAggregates(input: { date: string; aggregatesPath: string }): Promise<{ indexed: number; removed: number; index: string }> {
      try {
        const index = batchIndex(indexPrefix);
        await search.putIndexTemplate(`${indexPrefix}-batch`, [`${indexPrefix}-batch-*`], BATCH_TEMPLATE);
        await search.ensureIndex(index);
        const docs = JSON.parse(readFileSync(input.aggregatesPath, 'utf8')) as BatchDoc[];
        let indexed = 0;
        for (let i = 0; i < docs.length; i += BULK_CHUNK) {
          const r = await search.bulkIndex(index, docs.slice(i, i + BULK_CHUNK));
          if (r.failed.length) {
            const f = r.failed[0]!;
            const Err = f.status >= 400 && f.status < 500 && f.status !== 429 ? BadInputError : ServiceUnavailableError;
            throw new Err(`${r.failed.length} document(s) rejected by ${search.engine}, first ${f.id}: ${f.reason}`, { index });
          }
          indexed += r.written;
        }
        const removed = await search.deleteByQuery(
          index,
          { bool: { filter: [{ term: { date: input.date } }], must_not: [{ ids: { values: docs.map((d) => d.id) } }] } },
          { refresh: true },
        );
        await search.refresh(index);
        return { indexed, removed, index };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  };
}
