/**
 * Apache Kafka 3.9.x single-node KRaft broker (combined broker+controller) built from Maven Central jars
 * (no distribution download): `kafka/pom.xml` resolves `kafka_2.13` plus the reload4j logging backend, and
 * `start` runs `kafka.Kafka` with a `server.properties` generated into the data directory, bound to 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import type { ServiceContext, ServiceDef } from './types.js';
import { javaBin, mavenCopyDeps, portFrom, run, spawnDetached } from './util.js';

/** Kafka version `kafka/pom.xml` pins (newest 3.9.x on Maven Central). */
export const KAFKA_VERSION = '3.9.2';

const supportDir = join(dirname(fileURLToPath(import.meta.url)), 'kafka');

const ports = (env: NodeJS.ProcessEnv) => ({
  broker: portFrom(env, 'KAFKA_PORT', 9092),
  controller: portFrom(env, 'KAFKA_CONTROLLER_PORT', 9093),
});

const paths = (ctx: Pick<ServiceContext, 'cacheDir' | 'dataDir'>) => ({
  lib: `${ctx.cacheDir}/kafka/lib`,
  config: `${ctx.dataDir}/server.properties`,
  logDir: `${ctx.dataDir}/kraft-logs`,
  clusterIdFile: `${ctx.dataDir}/cluster-id`,
});

/** One topic the project needs: name (env-overridable), partition count and topic configs. */
export interface KafkaTopic {
  name: string;
  partitions: number;
  config?: Record<string, string>;
}

/** The project's topics with their partition counts; names follow KAFKA_TOPIC_EVENTS/AGGREGATES/DLQ. */
export const kafkaTopics = (env: NodeJS.ProcessEnv): KafkaTopic[] => [
  { name: env.KAFKA_TOPIC_EVENTS || 'web-events', partitions: 3 },
  // Update-mode aggregates: latest value per window key, so compaction keeps the topic small.
  {
    name: env.KAFKA_TOPIC_AGGREGATES || 'viewership-aggregates',
    partitions: 3,
    config: { 'cleanup.policy': 'compact' },
  },
  { name: env.KAFKA_TOPIC_DLQ || 'web-events-dlq', partitions: 1 },
  // The ad-analytics stream: both inputs keyed by impression id with the same partition count (the join needs it).
  { name: env.ADS_TOPIC_IMPRESSIONS || 'ad-impressions', partitions: 3 },
  { name: env.ADS_TOPIC_CLICKS || 'ad-clicks', partitions: 3 },
  { name: env.ADS_TOPIC_DLQ || 'ad-events-dlq', partitions: 1 },
  { name: env.ADS_TOPIC_METRICS || 'ad-metrics', partitions: 3, config: { 'cleanup.policy': 'compact' } },
];

/** server.properties for one combined broker+controller node on 127.0.0.1. */
function serverProperties(ctx: ServiceContext): string {
  const pt = ports(ctx.env);
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${pt.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${pt.broker},CONTROLLER://127.0.0.1:${pt.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${pt.broker}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    `log.dirs=${paths(ctx).logDir}`,
    'num.partitions=3',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics come from setup(); internal topics (__consumer_offsets, ...) are created by the broker regardless.
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

/** Cluster id kept in the data dir (a Kafka Uuid: 16 random bytes, base64url, not starting with '-'). */
function clusterId(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  let id: string;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  writeFileSync(file, `${id}\n`);
  return id;
}

/** Run `fn` with a quiet, fast-failing admin client; always disconnects. */
async function withAdmin<T>(env: NodeJS.ProcessEnv, fn: (admin: Admin) => Promise<T>, timeoutMs = 2000): Promise<T> {
  const kafka = new Kafka({
    clientId: 'viewership-services',
    brokers: [`127.0.0.1:${ports(env).broker}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The Kafka service definition (PLAINTEXT on 127.0.0.1:$KAFKA_PORT, default 9092; controller on $KAFKA_CONTROLLER_PORT, 9093). */
export const kafkaService: ServiceDef = {
  name: 'kafka',
  version: `Kafka ${KAFKA_VERSION} (KRaft)`,
  address: (ctx) => `127.0.0.1:${ports(ctx.env).broker}`,
  async install(ctx) {
    await mavenCopyDeps({
      pomFile: join(supportDir, 'pom.xml'),
      libDir: paths(ctx).lib,
      cacheDir: ctx.cacheDir,
      log: ctx.log,
      label: 'kafka',
    });
  },
  async start(ctx) {
    const p = paths(ctx);
    mkdirSync(ctx.dataDir, { recursive: true });
    writeFileSync(p.config, serverProperties(ctx));
    const java = javaBin(ctx.env);
    const jvm = [`-Dlog4j.configuration=file:${join(supportDir, 'log4j.properties')}`, '-cp', `${p.lib}/*`];
    if (!existsSync(`${p.logDir}/meta.properties`)) {
      ctx.log('kafka: formatting KRaft storage');
      const id = clusterId(p.clusterIdFile);
      await run(
        java,
        ['-Xmx256m', ...jvm, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', p.config, '--ignore-formatted'],
        {
          cwd: ctx.dataDir,
          timeoutMs: 60_000,
        },
      );
    }
    const args = [
      `-Xmx${ctx.env.KAFKA_HEAP || '512m'}`,
      // As the distribution's kafka-run-class.sh.
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:InitiatingHeapOccupancyPercent=35',
      '-XX:+ExplicitGCInvokesConcurrent',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      '-Djava.net.preferIPv4Stack=true',
      ...jvm,
      'kafka.Kafka',
      p.config,
    ];
    // Stays in the foreground of its own process group; the provisioner kills the group.
    return spawnDetached(java, args, { cwd: ctx.dataDir, logFile: ctx.logFile });
  },
  async ready(ctx) {
    try {
      const cluster = await withAdmin(ctx.env, (admin) => admin.describeCluster());
      return cluster.brokers.length > 0 && cluster.controller !== null;
    } catch {
      return false;
    }
  },
  async setup(ctx) {
    const topics = kafkaTopics(ctx.env);
    await withAdmin(
      ctx.env,
      async (admin) => {
        const existing = new Set(await admin.listTopics());
        const missing: ITopicConfig[] = topics
          .filter((t) => !existing.has(t.name))
          .map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: 1,
            configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
          }));
        if (missing.length) {
          ctx.log(`kafka: creating topics ${missing.map((t) => t.topic).join(', ')}`);
          await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: 15_000 });
        }
        // Topics created earlier with fewer partitions (e.g. by hand) are grown; Kafka cannot shrink them.
        const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
        const grow = topics.filter(
          (t) => (meta.topics.find((m) => m.name === t.name)?.partitions.length ?? 0) < t.partitions,
        );
        if (grow.length)
          await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions })) });
      },
      15_000,
    );
  },
  startTimeoutMs: 120_000,
};
