/**
 * The chaos run's isolated environment: its own topics, index prefix, task queues, workflow id and data dirs
 * (under `.data/chaos-<id>`), so it can run beside other tests on the shared services; created and removed here.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import { createSearchSink } from '../../adapters/search/index.js';
import { effectiveEnv, loadConfig, type AppConfig } from '../../lib/config.js';
import { batchIndex, speedIndices } from '../../lib/search-templates.js';
import { searchSinkOptions } from '../../lib/adapter-options.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** The settings a chaos run overrides (passed to its child processes as environment variables). */
export type ChaosVars = Record<
  | 'KAFKA_TOPIC_EVENTS'
  | 'KAFKA_TOPIC_AGGREGATES'
  | 'KAFKA_TOPIC_DLQ'
  | 'SEARCH_INDEX_PREFIX'
  | 'TASK_QUEUE_STREAM'
  | 'TASK_QUEUE_BATCH'
  | 'STREAM_WORKFLOW_ID'
  | 'LANDING_DIR'
  | 'LAKE_DIR'
  | 'WORK_DIR'
  | 'QUARANTINE_DIR'
  | 'SCHEDULE_ID_BATCH'
  | 'SCHEDULE_ID_PROFILE_CACHE',
  string
>;

/** Names, env overrides (for child processes) and config of one chaos run. */
export interface ChaosEnv {
  id: string;
  dir: string;
  env: ChaosVars;
  cfg: AppConfig;
  streamWorkflowId: string;
  topics: string[];
}

/** A fresh environment named `chaos-<base36 time>-<random>` (nothing is created yet). */
export function chaosEnv(): ChaosEnv {
  const id = `chaos-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  const dir = `${ROOT}/.data/${id}`;
  const env: ChaosVars = {
    KAFKA_TOPIC_EVENTS: `${id}-events`,
    KAFKA_TOPIC_AGGREGATES: `${id}-aggregates`,
    KAFKA_TOPIC_DLQ: `${id}-dlq`,
    SEARCH_INDEX_PREFIX: id,
    TASK_QUEUE_STREAM: `${id}-stream`,
    TASK_QUEUE_BATCH: `${id}-batch`,
    STREAM_WORKFLOW_ID: `${id}-stream`,
    LANDING_DIR: `${dir}/landing`,
    LAKE_DIR: `${dir}/lake`,
    WORK_DIR: `${dir}/work`,
    QUARANTINE_DIR: `${dir}/quarantine`,
    // Never repoint the real Schedules at this run's queues.
    SCHEDULE_ID_BATCH: `${id}-batch-daily`,
    SCHEDULE_ID_PROFILE_CACHE: `${id}-profile-cache`,
  };
  const cfg = loadConfig({ ...effectiveEnv(process.env), ...env });
  return {
    id,
    dir,
    env,
    cfg,
    streamWorkflowId: env.STREAM_WORKFLOW_ID,
    topics: [env.KAFKA_TOPIC_EVENTS, env.KAFKA_TOPIC_AGGREGATES, env.KAFKA_TOPIC_DLQ],
  };
}

/** Create the data dirs and the topics (events and aggregates with 3 partitions, the DLQ with 1). */
export async function createChaosEnv(e: ChaosEnv, admin: Admin): Promise<void> {
  for (const d of ['landing', 'lake', 'work', 'quarantine']) mkdirSync(`${e.dir}/${d}`, { recursive: true });
  await admin.createTopics({
    topics: e.topics.map((topic, i) => ({ topic, numPartitions: i < 2 ? 3 : 1 })),
    waitForLeaders: true,
  });
}

/** Delete the topics, the run's indices and its data dir (`keepDir` keeps the files for a look afterwards). */
export async function removeChaosEnv(e: ChaosEnv, admin: Admin, keepDir = false): Promise<void> {
  await admin.deleteTopics({ topics: e.topics }).catch(() => undefined);
  const sink = createSearchSink(searchSinkOptions(e.cfg));
  try {
    for (const index of [...speedIndices(e.id), batchIndex(e.id)]) await sink.deleteIndex(index).catch(() => undefined);
  } finally {
    await sink.close();
  }
  if (!keepDir) rmSync(e.dir, { recursive: true, force: true });
}
