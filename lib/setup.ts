/**
 * `viewership setup`: prepares an environment for the product, idempotently — the Temporal namespace and the
 * search attributes the workflows set, the Kafka topics, the search-engine index templates and the PostgreSQL
 * schema — and the check workers run at start, so that a missing piece stops them with a message naming it and
 * the command that fixes it (instead of workflow tasks failing forever).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SEARCH_ATTRIBUTES } from '../common/search-attributes.js';
import { migratePostgres } from '../adapters/profiles/postgres.js';
import { BATCH_TEMPLATE, SPEED_TEMPLATE } from './search-templates.js';
import { createClients } from './clients.js';
import type { AppConfig } from './config.js';
import pg from 'pg';
import type { ConnectionLike } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';

/** What a step found or did. */
export interface SetupStep {
  what: string;
  result: 'created' | 'present' | 'updated';
}

/** The Temporal services `setup` and the start check use (a client `Connection` or a worker `NativeConnection`). */
export type TemporalServices = Pick<ConnectionLike, 'workflowService' | 'operatorService'>;

/** Temporal's IndexedValueType numbers of the project's attribute types. */
const INDEXED_VALUE_TYPE: Record<string, number> = { Keyword: 2, Int: 3 };

const isNotFound = (err: unknown) =>
  (err as { code?: number }).code === 5 || /not ?found/i.test(String((err as Error).message));

/**
 * What the workflows need in the namespace and lacks: `namespace` when it does not exist, else the names of the
 * missing custom search attributes. Empty when all is there.
 */
export async function missingInNamespace(t: TemporalServices, namespace: string): Promise<string[]> {
  try {
    await t.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (isNotFound(err)) return ['namespace'];
    throw err;
  }
  const have = (await t.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  return Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in have));
}

/** Message of the start check: what is missing, where, and the command that fixes it. */
export function missingMessage(namespace: string, missing: string[]): string {
  if (missing.includes('namespace'))
    return `Temporal namespace "${namespace}" does not exist (TEMPORAL_NAMESPACE): run \`viewership setup\` to create and prepare it`;
  return `Temporal namespace "${namespace}" lacks the search attribute(s) ${missing.join(', ')} that the workflows set: run \`viewership setup\``;
}

async function setupTemporal(t: TemporalServices, namespace: string, retentionDays: number): Promise<SetupStep[]> {
  const steps: SetupStep[] = [];
  const missing = await missingInNamespace(t, namespace);
  if (missing.includes('namespace')) {
    await t.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(retentionDays * 86_400_000),
    });
    steps.push({ what: `Temporal namespace ${namespace}`, result: 'created' });
  } else steps.push({ what: `Temporal namespace ${namespace}`, result: 'present' });
  // A namespace just registered may take a moment to be visible to the operator service.
  for (let attempt = 0; ; attempt++) {
    try {
      const todo = (await missingInNamespace(t, namespace)).filter((n) => n !== 'namespace');
      if (todo.length)
        await t.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(
            todo.map((n) => [n, INDEXED_VALUE_TYPE[SEARCH_ATTRIBUTES[n as keyof typeof SEARCH_ATTRIBUTES]]!]),
          ) as never,
        });
      steps.push({
        what: `search attributes ${Object.keys(SEARCH_ATTRIBUTES).join(', ')}`,
        result: todo.length ? 'created' : 'present',
      });
      return steps;
    } catch (err) {
      if (attempt >= 10 || !isNotFound(err)) throw err;
      await sleep(500);
    }
  }
}

/** Prepare the configured environment (idempotent); returns what each step found or did. */
export async function setupEnvironment(cfg: AppConfig, t: TemporalServices): Promise<SetupStep[]> {
  const steps = await setupTemporal(t, cfg.temporal.namespace, 3);
  const clients = createClients(cfg);
  try {
    const admin = clients.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const { events, aggregates, dlq } = cfg.kafka.topics;
      const topics = [
        { topic: events, numPartitions: 3 },
        // Update mode: the latest value per key, so compaction keeps the topic small.
        { topic: aggregates, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: dlq, numPartitions: 1 },
        // The ad-analytics stream's topics (inputs co-partitioned by impression id; metrics in update mode).
        { topic: cfg.ads.topics.impressions, numPartitions: 3 },
        { topic: cfg.ads.topics.clicks, numPartitions: 3 },
        { topic: cfg.ads.topics.dlq, numPartitions: 1 },
        {
          topic: cfg.ads.topics.metrics,
          numPartitions: 3,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ];
      const missing = topics.filter((x) => !existing.has(x.topic));
      if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true });
      for (const x of topics)
        steps.push({ what: `Kafka topic ${x.topic}`, result: missing.includes(x) ? 'created' : 'present' });
    } finally {
      await admin.disconnect();
    }
    const prefix = cfg.search.indexPrefix;
    await clients.search.putIndexTemplate(`${prefix}-batch`, [`${prefix}-batch-*`], BATCH_TEMPLATE);
    await clients.search.putIndexTemplate(`${prefix}-speed`, [`${prefix}-speed-*`], SPEED_TEMPLATE);
    steps.push({ what: `${cfg.search.engine} index templates ${prefix}-batch, ${prefix}-speed`, result: 'updated' });
    const pgc = cfg.stream.checkpoints.postgres;
    if (pgc.password) {
      const pool = new pg.Pool({ ...pgc, max: 1 });
      try {
        const applied = await migratePostgres(pool);
        steps.push({
          what: `PostgreSQL schema at ${pgc.host}:${pgc.port}/${pgc.database}`,
          result: applied.length ? 'updated' : 'present',
        });
      } finally {
        await pool.end();
      }
    }
  } finally {
    await clients.close();
  }
  return steps;
}
