/** Assembles the activity implementations of every external system from the process's clients. */
import { createKafkaActivities } from '../activities/kafka.js';
import { createLakeActivities } from '../activities/lake.js';
import { createLandingActivities } from '../activities/landing.js';
import { createTemporalActivities } from '../activities/profile-cache.js';
import { createProfilesActivities } from '../activities/profiles.js';
import { createSearchActivities } from '../activities/search.js';
import { createStreamActivities } from '../activities/stream.js';
import type { ProfileCache } from '../lib/profile-cache.js';
import type { Clients } from '../lib/clients.js';
import type { AppConfig } from '../lib/config.js';

/** All activities a worker registers, keyed by activity name. */
export function buildActivities(cfg: AppConfig, clients: Clients, profileCache: ProfileCache, identity: string) {
  return {
    ...createKafkaActivities({ kafka: clients.kafka, topics: Object.values(cfg.kafka.topics) }),
    ...createSearchActivities({ search: clients.search, indexPrefix: cfg.search.indexPrefix }),
    ...createProfilesActivities({ profiles: clients.profiles }),
    ...createLandingActivities(cfg.paths),
    ...createStreamActivities({ kafka: clients.kafka, search: clients.search, cache: profileCache, indexPrefix: cfg.search.indexPrefix, topics: cfg.kafka.topics, identity, onClose: clients.onClose }),
    ...createTemporalActivities({ address: cfg.temporal.address, namespace: cfg.temporal.namespace, streamQueue: cfg.temporal.taskQueues.stream }),
    ...createLakeActivities({
      ...cfg.paths,
      profiles: clients.profiles,
      statusReferencePath: cfg.paths.statusReference,
      duckdb: { memoryLimit: cfg.batch.duckdbMemoryLimit, threads: cfg.batch.duckdbThreads },
    }),
  };
}
