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

/** The speed layer's activities (also registered alone on each stream worker's own state queue). */
export function streamActivities(cfg: AppConfig, clients: Clients, profileCache: ProfileCache, identity: string) {
  return createStreamActivities({
    kafka: clients.kafka, search: clients.search, cache: profileCache, checkpoints: () => clients.checkpoints, indexPrefix: cfg.search.indexPrefix, topics: cfg.kafka.topics, identity,
    snapshotEvery: cfg.stream.checkpoints.snapshotEvery, checkpointRetentionMs: cfg.stream.checkpoints.retentionMs, stateThreads: cfg.stream.stateThreads,
    onClose: clients.onClose,
  });
}

/** All activities a worker registers, keyed by activity name. */
export function buildActivities(cfg: AppConfig, clients: Clients, profileCache: ProfileCache, identity: string) {
  return {
    ...createKafkaActivities({ kafka: clients.kafka, topics: Object.values(cfg.kafka.topics) }),
    ...createSearchActivities({ search: clients.search, indexPrefix: cfg.search.indexPrefix }),
    ...createProfilesActivities({ profiles: clients.profiles }),
    ...createLandingActivities(cfg.paths),
    ...streamActivities(cfg, clients, profileCache, identity),
    ...createTemporalActivities({ address: cfg.temporal.address, namespace: cfg.temporal.namespace, streamQueue: cfg.temporal.taskQueues.stream }),
    ...createLakeActivities({
      ...cfg.paths,
      profiles: clients.profiles,
      statusReferencePath: cfg.paths.statusReference,
      duckdb: { memoryLimit: cfg.batch.duckdbMemoryLimit, threads: cfg.batch.duckdbThreads },
    }),
  };
}
