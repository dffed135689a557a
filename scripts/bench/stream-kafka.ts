/**
 * Kafka sides of `npm run bench:stream`: pre-loading a topic with generated events, a producer holding a
 * steady rate that records when each partition's messages were produced, and the bare-consumer ceiling.
 */
import { Partitioners, type Kafka, type Message, type PartitionMetadata } from 'kafkajs';
import { createEventGenerator } from '../../lib/generate/events.js';
import { log, onCleanup, sleep } from './stream-env.js';

/** Valid events only (no bad, late, duplicate or unknown-customer messages), keyed by customer id. */
function validEvents(customers: number, seed: number) {
  return createEventGenerator({ customers, badRate: 0, lateRate: 0, duplicateRate: 0, unknownRate: 0, seed });
}

/** kafkajs' default (murmur2) partitioner, so the bench knows which partition each keyed message goes to. */
function partitionerFor(topic: string, partitions: number): (m: Message) => number {
  const choose = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, p): PartitionMetadata => ({
    partitionErrorCode: 0,
    partitionId: p,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  return (message) => choose({ topic, partitionMetadata, message });
}

/** Produce `count` valid events as fast as the broker takes them (several sends in flight); returns ms taken. */
export async function preload(
  kafka: Kafka,
  topic: string,
  o: { count: number; customers: number; seed: number },
): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const gen = validEvents(o.customers, o.seed);
  const chunk = 6000; // ~1.3 MB per send, ~420 KB per partition (kafkajs fails above ~1 MB per partition)
  const inFlight = new Set<Promise<unknown>>();
  const t0 = performance.now();
  let sent = 0;
  try {
    while (sent < o.count) {
      const k = Math.min(chunk, o.count - sent);
      const now = Date.now();
      const messages = Array.from({ length: k }, () => {
        const m = gen.next(now);
        return { key: m.key, value: m.value };
      });
      const p = producer.send({ topic, acks: -1, messages }).finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent += k;
      if (inFlight.size >= 4) await Promise.race(inFlight);
      if (sent % 500_000 < chunk) log(`  pre-loaded ${sent.toLocaleString('en')} events`);
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return performance.now() - t0;
}

/** When each partition's cumulative message count was produced: `[timeMs, cumulativeCount]` in order. */
export type ProductionTimeline = Map<number, [number, number][]>;

/**
 * Produce valid events at a steady `ratePerS` for `durationS` seconds (sends of what is due every 50 ms,
 * awaited in order with acks=-1 on an idempotent producer, as `viewership generate events` does). Each message
 * is stamped with the wall time its send was issued, recorded per partition in the returned timeline.
 */
export async function produceSteady(
  kafka: Kafka,
  topic: string,
  o: { ratePerS: number; durationS: number; partitions: number; customers: number; seed: number },
): Promise<{
  timeline: ProductionTimeline;
  produced: number;
  achievedPerS: number;
  perPartition: Record<number, number>;
}> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const gen = validEvents(o.customers, o.seed);
  const partitionOf = partitionerFor(topic, o.partitions);
  const counts: Record<number, number> = {};
  const timeline: ProductionTimeline = new Map();
  const total = Math.round(o.ratePerS * o.durationS);
  const t0 = Date.now();
  let sent = 0;
  try {
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * o.ratePerS));
      while (sent < due) {
        const k = Math.min(5000, due - sent);
        const now = Date.now();
        const messages = Array.from({ length: k }, () => {
          const m = gen.next(now);
          const msg: Message = { key: m.key, value: m.value };
          msg.partition = partitionOf(msg);
          return msg;
        });
        await producer.send({ topic, acks: -1, messages });
        for (const m of messages) counts[m.partition!] = (counts[m.partition!] ?? 0) + 1;
        for (const [p, n] of Object.entries(counts)) {
          const t = timeline.get(Number(p)) ?? timeline.set(Number(p), []).get(Number(p))!;
          if (t.at(-1)?.[1] !== n) t.push([now, n]);
        }
        sent += k;
      }
      if (sent < total) await sleep(50);
    }
  } finally {
    await producer.disconnect();
  }
  return { timeline, produced: sent, achievedPerS: sent / ((Date.now() - t0) / 1000), perPartition: counts };
}

/**
 * The ceiling: a bare kafkajs consumer (own consumer group, eachBatch) that only JSON-parses every value of
 * `topic` until `count` messages were read. Returns events/s from `run()` and from the first message.
 */
export async function bareConsumer(
  kafka: Kafka,
  topic: string,
  count: number,
): Promise<{ ms: number; fromFirstMs: number; perS: number; perSFromFirst: number }> {
  const groupId = `${topic}-bare-${Date.now().toString(36)}`;
  const consumer = kafka.consumer({ groupId });
  const admin = kafka.admin();
  const done = onCleanup(`bare consumer ${groupId}`, async () => {
    await consumer.disconnect().catch(() => undefined);
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let n = 0;
  let first = 0;
  let parsedFields = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const t0 = performance.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (!first) first = performance.now();
      for (const m of batch.messages)
        parsedFields += Object.keys(JSON.parse(m.value!.toString()) as object).length > 0 ? 1 : 0;
      n += batch.messages.length;
      if (n >= count) finish();
    },
  });
  await finished;
  const end = performance.now();
  await done();
  if (parsedFields !== n) throw new Error(`bare consumer parsed ${parsedFields} objects of ${n} messages`);
  return {
    ms: end - t0,
    fromFirstMs: end - first,
    perS: count / ((end - t0) / 1000),
    perSFromFirst: count / ((end - first) / 1000),
  };
}
