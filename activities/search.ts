/** Activities that talk to the search engine through the engine-neutral search sink. */
import type { SearchSink } from '../adapters/search/types.js';
import { ServiceUnavailableError, toTemporalFailure } from '../lib/errors.js';

/** Dependencies of the search activities. */
export interface SearchActivityDeps {
  search: SearchSink;
}

/** Create the search activities. */
export function createSearchActivities({ search }: SearchActivityDeps) {
  return {
    /** Engine identity from a real round trip. */
    async searchHealth(): Promise<{ engine: string; version: string; clusterName: string }> {
      try {
        return await search.info();
      } catch (err) {
        throw toTemporalFailure(new ServiceUnavailableError(`search engine health check failed: ${(err as Error).message}`, { service: search.engine }, { cause: err }));
      }
    },
  };
}
