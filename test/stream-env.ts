/** An isolated speed-layer environment per test file: own topics, index prefix and task queue, created and removed. */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Admin } from 'kafkajs';
import { createSearchSink } from '../adapters/search/index.js';
import { speedIndices } from '../lib/search-templates.js';
import { testConfig, uniqueName } from './helpers.js';

/** Env overrides, config and setup/cleanup of one isolated stream environment. */
export function isolatedStreamEnv(prefix: string) {
  const id = uniqueName(prefix).replace(/[^a-z0-9-]/g, '');
  const env = {
    KAFKA_TOPIC_EVENTS: `${id}-events`,
    KAFKA_TOPIC_AGGREGATES: `${id}-aggregates`,
    KAFKA_TOPIC_DLQ: `${id}-dlq`,
    SEARCH_INDEX_PREFIX: id,
    TASK_QUEUE_STREAM: `${id}-queue`,
    TASK_QUEUE_BATCH: `${id}-batch`,
    // Each stream sinks into a lake of its own (web_events files and catalog rows are per lake root).
    LAKE_DIR: `${tmpdir()}/viewership-test-lakes/${id}`,
  };
  const cfg = testConfig(env);
  const topics = [env.KAFKA_TOPIC_EVENTS, env.KAFKA_TOPIC_AGGREGATES, env.KAFKA_TOPIC_DLQ];
  return {
    id,
    env,
    cfg,
    /** Create the topics (events and aggregates with 3 partitions, DLQ with 1). */
    async create(admin: Admin): Promise<void> {
      await admin.createTopics({
        topics: topics.map((topic, i) => ({ topic, numPartitions: i < 2 ? 3 : 1 })),
        waitForLeaders: true,
      });
    },
    /** Delete the topics and the speed-view indices. */
    async remove(admin: Admin): Promise<void> {
      await admin.deleteTopics({ topics }).catch(() => undefined);
      const sink = createSearchSink(cfg.search);
      for (const index of speedIndices(id)) await sink.deleteIndex(index);
      await sink.close();
      rmSync(env.LAKE_DIR, { recursive: true, force: true });
    },
  };
}
