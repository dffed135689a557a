/** Activities that talk to the customer-profiles store (PostgreSQL or Oracle). */
import type { ProfilesStore } from '../adapters/profiles/types.js';
import { ServiceUnavailableError, toTemporalFailure } from '../lib/errors.js';

/** Dependencies of the profiles activities. */
export interface ProfilesActivityDeps {
  profiles: ProfilesStore;
}

/** Create the profiles activities. */
export function createProfilesActivities({ profiles }: ProfilesActivityDeps) {
  return {
    /** Server version and number of profiles. */
    async profilesHealth(): Promise<{ store: string; version: string; profiles: number }> {
      try {
        return { store: profiles.kind, version: await profiles.ping(), profiles: await profiles.count() };
      } catch (err) {
        throw toTemporalFailure(
          new ServiceUnavailableError(
            `profiles store health check failed: ${(err as Error).message}`,
            { service: profiles.kind },
            { cause: err },
          ),
        );
      }
    },
  };
}
