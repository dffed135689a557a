/** Assembles the activity implementations of every external system from the process's clients. */
import { createKafkaActivities } from '../activities/kafka.js';
import { createLakeActivities } from '../activities/lake.js';
import { createLandingActivities } from '../activities/landing.js';
import { createTemporalActivities } from '../activities/profile-cache.js';
import { createProfilesActivities } from '../activities/profiles.js';
import { createSearchActivities } from '../activities/search.js';
import { createStreamActivities } from '../activities/stream.js';
import { ordersActivities } from '../activities/orders-deps.js';
import type { ProfileCache } from '../lib/profile-cache.js';
import { createLakeCatalog, createPgPool, type Clients } from '../lib/clients.js';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import type pg from 'pg';
import { createAdsActivities } from '../activities/ads.js';
import { CampaignDirectory } from '../lib/ads/campaigns.js';
import type { AppConfig } from '../lib/config.js';
import { temporalConnectionOptions } from '../lib/security.js';

/** The speed layer's activities (also registered alone on each stream worker's own state queue). */
export function streamActivities(cfg: AppConfig, clients: Clients, profileCache: ProfileCache, identity: string) {
  let catalog: LakeCatalog | undefined;
  clients.onClose(async () => void (await catalog?.close()));
  const lake = cfg.stream.lakeSink
    ? {
        dir: cfg.paths.lakeDir,
        // Compaction of one hour per partition at a time: small next to the batch layer's sessions.
        duckdb: { memoryLimit: '256MB', threads: 1, tempDir: `${cfg.paths.workDir}/duckdb-tmp` },
        catalog: () => (catalog ??= createLakeCatalog(cfg)),
      }
    : undefined;
  return createStreamActivities({
    lake,
    kafka: clients.kafka,
    search: clients.search,
    cache: profileCache,
    checkpoints: () => clients.checkpoints,
    indexPrefix: cfg.search.indexPrefix,
    topics: cfg.kafka.topics,
    identity,
    snapshotEvery: cfg.stream.checkpoints.snapshotEvery,
    checkpointRetentionMs: cfg.stream.checkpoints.retentionMs,
    stateThreads: cfg.stream.stateThreads,
    onClose: clients.onClose,
  });
}

/**
 * The ad-analytics stream's activities: a pool on the profiles database, the campaigns file and the lake catalog
 * (the report's registrations), each on first use.
 */
export function adsActivities(cfg: AppConfig, clients: Clients, identity: string) {
  let pool: pg.Pool | undefined;
  let campaigns: CampaignDirectory | undefined;
  let catalog: LakeCatalog | undefined;
  clients.onClose(async () => {
    campaigns?.stop();
    await pool?.end();
    await catalog?.close();
  });
  const directory = () => {
    if (!campaigns) {
      campaigns = new CampaignDirectory(cfg.ads.campaignsPath, { quarantineDir: cfg.paths.quarantineDir });
      campaigns.start(); // a changed file shows within a minute
    }
    return campaigns;
  };
  return createAdsActivities({
    kafka: clients.kafka,
    pool: () => (pool ??= createPgPool(cfg)),
    networkOf: (id) => directory().get(id)?.networkId,
    topics: cfg.ads.topics,
    joinWindowMs: cfg.ads.joinWindowMs,
    identity,
    snapshotEvery: cfg.stream.checkpoints.snapshotEvery,
    checkpointRetentionMs: cfg.stream.checkpoints.retentionMs,
    report: {
      lakeDir: cfg.paths.lakeDir,
      catalog: () => (catalog ??= createLakeCatalog(cfg)),
      duckdb: { memoryLimit: '256MB', threads: 1, tempDir: `${cfg.paths.workDir}/duckdb-tmp` },
    },
    onClose: clients.onClose,
  });
}

/** All activities a worker registers, keyed by activity name. */
export function buildActivities(cfg: AppConfig, clients: Clients, profileCache: ProfileCache, identity: string) {
  // The lake catalog's pool is opened on first use and closed with the process's clients.
  let catalog: LakeCatalog | undefined;
  const lakeCatalog = (): LakeCatalog => {
    if (!catalog) {
      const c = (catalog = createLakeCatalog(cfg));
      clients.onClose(() => c.close());
    }
    return catalog;
  };
  return {
    ...createKafkaActivities({ kafka: clients.kafka, topics: Object.values(cfg.kafka.topics) }),
    ...createSearchActivities({
      search: clients.search,
      indexPrefix: cfg.search.indexPrefix,
      workDir: cfg.paths.workDir,
    }),
    ...createProfilesActivities({ profiles: clients.profiles }),
    ...createLandingActivities(cfg.paths),
    ...streamActivities(cfg, clients, profileCache, identity),
    ...adsActivities(cfg, clients, identity),
    ...createTemporalActivities({
      connection: temporalConnectionOptions(cfg.temporal),
      namespace: cfg.temporal.namespace,
      streamQueue: cfg.temporal.taskQueues.stream,
    }),
    ...createLakeActivities({
      ...cfg.paths,
      profiles: clients.profiles,
      statusReferencePath: cfg.paths.statusReference,
      duckdb: { memoryLimit: cfg.batch.duckdbMemoryLimit, threads: cfg.batch.duckdbThreads },
      catalog: lakeCatalog,
    }),
    ...ordersActivities(cfg, clients, lakeCatalog),
  };
}
