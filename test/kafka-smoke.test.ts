/** Kafka smoke: produce and consume keyed messages through kafkajs on a real broker. */
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../lib/clients.js';
import { testConfig, uniqueName } from './helpers.js';

const cfg = testConfig();
const kafka = createKafka(cfg.kafka, '-test');
const topic = uniqueName('smoke');

describe('kafka produce/consume', () => {
  const admin = kafka.admin();
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('delivers every produced message once, per-key order kept, across 3 partitions', async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 60 }, (_, i) => ({
      key: `customer-${i % 7}`,
      value: JSON.stringify({ seq: i }),
    }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: { key: string; seq: number; partition: number }[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          got.push({ key: message.key!.toString(), seq: JSON.parse(message.value!.toString()).seq, partition });
          if (got.length === sent.length) resolve();
        },
      });
    });
    await Promise.race([
      done,
      new Promise((_, rej) =>
        setTimeout(() => rej(new Error(`only ${got.length} of ${sent.length} consumed`)), 60_000),
      ),
    ]);
    await consumer.disconnect();

    expect(got.map((g) => g.seq).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
    expect(new Set(got.map((g) => g.partition)).size).toBeGreaterThan(1);
    for (const key of new Set(got.map((g) => g.key))) {
      const seqs = got.filter((g) => g.key === key);
      expect(new Set(seqs.map((s) => s.partition)).size).toBe(1); // a key stays on one partition
      expect(seqs.map((s) => s.seq)).toEqual([...seqs.map((s) => s.seq)].sort((a, b) => a - b));
    }
  });
});
