/** Activities that talk to Kafka. Built by a factory receiving the client so tests inject real instances. */
import type { Kafka } from 'kafkajs';
import { ServiceUnavailableError, toTemporalFailure } from '../lib/errors.js';

/** Dependencies of the Kafka activities. */
export interface KafkaActivityDeps {
  kafka: Kafka;
  /** Topics the pipeline needs to exist. */
  topics: string[];
}

/** Health of Kafka as seen by a worker: brokers and partitions of each project topic. */
export interface KafkaHealth {
  brokers: number;
  topics: Record<string, number>;
}

/** Create the Kafka activities. */
export function createKafkaActivities({ kafka, topics }: KafkaActivityDeps) {
  return {
    /** Describe the cluster and count partitions of every project topic (fails when one is missing). */
    async kafkaHealth(): Promise<KafkaHealth> {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        const meta = await admin.fetchTopicMetadata({ topics });
        return {
          brokers: cluster.brokers.length,
          topics: Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length])),
        };
      } catch (err) {
        throw toTemporalFailure(
          new ServiceUnavailableError(
            `Kafka health check failed: ${(err as Error).message}`,
            { service: 'kafka' },
            { cause: err },
          ),
        );
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
