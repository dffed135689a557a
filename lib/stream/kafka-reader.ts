/**
 * Reads a Kafka topic from offsets the caller holds (per partition: start in, next offsets out), with no
 * consumer group: the streaming workflow keeps the offsets as its checkpoint, so a micro-batch activity can be
 * retried from the same start. Uses kafkajs' internal cluster/broker fetch path (the same one its consumer
 * uses) — measured fastest here (see docs/speed-layer-notes.md) — so kafkajs is pinned to 2.2.4 exactly and
 * this module is covered by an integration test against the real broker.
 */
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { BadInputError } from '../errors.js';

const require = createRequire(import.meta.url);
// kafkajs' record-batch wrapper: decodes a fetch response partition and filters control/aborted records.
const Batch = require('kafkajs/src/consumer/batch') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: unknown,
) => KafkaBatch;

interface KafkaBatch {
  partition: number;
  messages: { offset: string; key: Buffer | null; value: Buffer | null; timestamp: string }[];
  isEmptyIncludingFiltered(): boolean;
  lastOffset(): string;
}

/** One message as handed to the caller. */
export interface ReadMessage {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Broker/producer timestamp, epoch ms. */
  timestampMs: number;
}

/** Offsets per partition (next offset to read). */
export type Offsets = Record<number, number>;

/** Result of one read: the next offsets and how far the topic went when the read started. */
export interface ReadResult {
  next: Offsets;
  count: number;
  /** End (high watermark / last stable offset) per partition when the read started. */
  end: Offsets;
}

/** kafkajs error type of a fetch below the log start or past the end. */
const OFFSET_OUT_OF_RANGE = 'OFFSET_OUT_OF_RANGE';

/** A reader bound to one kafkajs client; keep one per process (the connection is reused across calls). */
export class OffsetReader {
  private cluster: Promise<any> | undefined;
  constructor(private readonly kafka: Kafka) {}

  private getCluster(): Promise<any> {
    if (!this.cluster) {
      const sym = Object.getOwnPropertySymbols(this.kafka).find((s) => s.description === 'private:Kafka:createCluster');
      if (!sym)
        throw new Error('kafkajs internals changed: private:Kafka:createCluster not found (kafkajs must be 2.2.4)');
      const cluster = (this.kafka as any)[sym]({
        isolationLevel: 1 /* read committed */,
        allowAutoTopicCreation: false,
      });
      this.cluster = cluster.connect().then(() => cluster);
      this.cluster!.catch(() => (this.cluster = undefined));
    }
    return this.cluster!;
  }

  /** Partition ids and end offsets (last stable offset) of `topic`. */
  async endOffsets(topic: string): Promise<Offsets> {
    const cluster = await this.getCluster();
    await cluster.addTargetTopic(topic);
    const partitions = cluster
      .findTopicPartitionMetadata(topic)
      .map((m: { partitionId: number }) => ({ partition: m.partitionId }));
    const [r] = await cluster.fetchTopicsOffset([{ topic, fromBeginning: false, partitions }]);
    return Object.fromEntries(
      r.partitions.map((p: { partition: number; offset: string }) => [p.partition, Number(p.offset)]),
    );
  }

  /**
   * Read up to `maxMessages` from `start` (partitions missing from `start` begin at 0) up to the end offsets
   * seen when the call begins; `onMessages` gets each partition's messages in offset order. Never skips or
   * repeats: the returned `next` is exactly one past the last offset handed over (or stepped over as control).
   * `include` restricts the read to some partitions (a partition group); `next` and `end` then hold only those.
   */
  async read(o: {
    topic: string;
    start: Offsets;
    maxMessages: number;
    include?: (partition: number) => boolean;
    onMessages: (partition: number, msgs: ReadMessage[]) => Promise<void> | void;
  }): Promise<ReadResult> {
    const cluster = await this.getCluster();
    const allEnd = await this.endOffsets(o.topic);
    const end: Offsets = {};
    const next: Offsets = {};
    for (const p of Object.keys(allEnd).map(Number)) {
      if (o.include && !o.include(p)) continue;
      end[p] = allEnd[p]!;
      next[p] = o.start[p] ?? 0;
    }
    const perPartitionBytes = Math.min(
      4 << 20,
      Math.max(64 << 10, Math.ceil((o.maxMessages * 300) / Math.max(1, Object.keys(end).length))),
    );
    let count = 0;
    let idleRounds = 0;
    const pending = () =>
      Object.keys(next)
        .map(Number)
        .filter((p) => next[p]! < end[p]!);
    // Stop after a few fetch rounds without progress (e.g. only uncommitted transactional data up to `end`).
    while (count < o.maxMessages && pending().length && idleRounds < 3) {
      const before = Object.values(next).reduce((a, b) => a + b, 0);
      await cluster.refreshMetadataIfNecessary();
      const byLeader: Record<string, number[]> = cluster.findLeaderForPartitions(o.topic, pending());
      const batches: KafkaBatch[] = (
        await Promise.all(
          Object.entries(byLeader).map(async ([nodeId, partitions]) => {
            const broker = await cluster.findBroker({ nodeId });
            const { responses } = await broker
              .fetch({
                maxWaitTime: 100,
                minBytes: 1,
                maxBytes: perPartitionBytes * partitions.length,
                isolationLevel: 1,
                topics: [
                  {
                    topic: o.topic,
                    partitions: partitions.map((p) => ({
                      partition: p,
                      fetchOffset: String(next[p]),
                      maxBytes: perPartitionBytes,
                    })),
                  },
                ],
              })
              .catch((err: { type?: string }) => {
                if (err?.type !== OFFSET_OUT_OF_RANGE) throw err;
                const asked = partitions.map((p) => `${p}@${next[p]}`).join(', ');
                throw new BadInputError(
                  `offsets out of range for ${o.topic} (${asked}): below the log start (deleted by retention?) or past the end`,
                  { topic: o.topic },
                ).toFailure();
              });
            return responses.flatMap((r: { partitions: unknown[] }) =>
              r.partitions.map((pd) => new Batch(o.topic, String(next[(pd as { partition: number }).partition]), pd)),
            );
          }),
        )
      ).flat();
      for (const b of batches.sort((x, y) => x.partition - y.partition)) {
        const p = b.partition;
        const out: ReadMessage[] = [];
        let capped = false;
        for (const m of b.messages) {
          const off = Number(m.offset);
          if (off < next[p]!) continue;
          if (off >= end[p]!) break;
          if (count >= o.maxMessages) {
            capped = true;
            break;
          }
          out.push({ partition: p, offset: off, key: m.key, value: m.value, timestampMs: Number(m.timestamp) });
          next[p] = off + 1;
          count++;
        }
        // Step over control records / aborted data at the tail of the batch (never past the end offset).
        if (!capped && !b.isEmptyIncludingFiltered())
          next[p] = Math.max(next[p]!, Math.min(end[p]!, Number(b.lastOffset()) + 1));
        if (out.length) await o.onMessages(p, out);
      }
      idleRounds = Object.values(next).reduce((a, b) => a + b, 0) === before ? idleRounds + 1 : 0;
    }
    return { next, count, end };
  }

  /** Close the connection. */
  async close(): Promise<void> {
    if (this.cluster) await (await this.cluster).disconnect();
    this.cluster = undefined;
  }
}
