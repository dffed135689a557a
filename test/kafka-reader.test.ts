/**
 * The offset reader against the real broker: consecutive calls from the returned offsets hand over every
 * message exactly once, in offset order per partition — also while a producer keeps writing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../lib/clients.js';
import { OffsetReader, type Offsets, type ReadMessage } from '../lib/stream/kafka-reader.js';
import { testConfig, uniqueName } from './helpers.js';

const cfg = testConfig();
const kafka = createKafka(cfg.kafka, '-reader-test');
const topic = uniqueName('reader');
const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

async function produce(from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 1000) {
    const msgs = Array.from({ length: Math.min(1000, from + n - i) }, (_, k) => ({
      key: `c${(i + k) % 13}`,
      value: JSON.stringify({ seq: i + k }),
    }));
    await producer.send({ topic, messages: msgs });
  }
}

describe('OffsetReader', () => {
  const reader = new OffsetReader(kafka);
  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    await producer.connect();
  });
  afterAll(async () => {
    await reader.close();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('reads [start, end) exactly once across consecutive capped calls, during production', async () => {
    await produce(0, 5000);
    const seen: ReadMessage[] = [];
    let offsets: Offsets = {};
    const writer = produce(5000, 5000); // keeps writing while we read
    for (let calls = 0; calls < 200; calls++) {
      const r = await reader.read({
        topic,
        start: offsets,
        maxMessages: 700,
        onMessages: (_p, msgs) => void seen.push(...msgs),
      });
      expect(r.count).toBeLessThanOrEqual(700);
      offsets = r.next;
      if (seen.length >= 10_000) break;
      if (r.count === 0) await writer;
    }
    await writer;
    const seqs = seen.map((m) => JSON.parse(m.value!.toString()).seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    for (const p of [0, 1, 2]) {
      const offs = seen.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offs).toEqual(offs.map((_, i) => i)); // contiguous from 0, in order, no gaps or repeats
    }
    expect(Object.values(offsets).reduce((a, b) => a + b, 0)).toBe(10_000);
    const again = await reader.read({ topic, start: offsets, maxMessages: 700, onMessages: () => undefined });
    expect(again.count).toBe(0);
  });

  it('re-reading from the same start (a retried micro-batch) returns the same messages', async () => {
    const start = { 0: 10, 1: 20, 2: 30 };
    const a: string[] = [];
    const b: string[] = [];
    const r1 = await reader.read({
      topic,
      start,
      maxMessages: 500,
      onMessages: (p, m) => void a.push(...m.map((x) => `${p}:${x.offset}`)),
    });
    const r2 = await reader.read({
      topic,
      start,
      maxMessages: 500,
      onMessages: (p, m) => void b.push(...m.map((x) => `${p}:${x.offset}`)),
    });
    expect(b).toEqual(a);
    expect(r2.next).toEqual(r1.next);
  });

  it('a start offset behind the log start is a typed, non-retryable error', async () => {
    await admin.fetchTopicMetadata({ topics: [topic] }); // the admin client needs the topic's leaders first
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '100' }] });
    const err = await reader.read({ topic, start: { 0: 5 }, maxMessages: 10, onMessages: () => undefined }).then(
      () => undefined,
      (e) => e,
    );
    expect(err?.type).toBe('BadInputError');
    expect(err?.message).toMatch(/out of range/);
  });
});
