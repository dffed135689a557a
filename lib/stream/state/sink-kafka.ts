/**
 * Kafka sinks of the stream state: dead letters (original bytes, reason and source position in headers) and the
 * output topic in update mode, published from the state with no read-back — per (window cell, partition) the
 * cell's current absolute totals (`kind: "cube"`), and per (window, partition) the window's events and distinct
 * customers (`kind: "window"`). A compacted topic keeps the latest value per key; summing the latest `cube`
 * values over partitions gives a cell's totals.
 */
import type { Producer } from 'kafkajs';
import type { DlqReason } from '../../../common/events.js';
import type { FoldResult } from './fold.js';
import { cubeKey, type PartitionState } from './partition-state.js';

const iso = (ms: number) => new Date(ms).toISOString();
/** Messages per produce request. */
const SEND = 2000;

/** Topics of the sinks. */
export interface SinkTopics {
  events: string;
  aggregates: string;
  dlq: string;
}

/** A message for the output topic. */
export interface OutMessage {
  key: string;
  value: string;
}

/** A dead letter: the source message's position and bytes, and the reason. */
export interface DeadLetterOut {
  partition: number;
  offset: number;
  value: Uint8Array | null;
  reason: DlqReason;
}

async function sendAll(
  producer: Producer,
  topic: string,
  messages: { key: string; value: string | Buffer | null; headers?: Record<string, string> }[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += SEND) await producer.send({ topic, messages: messages.slice(i, i + SEND) });
}

/** The dead letters of a batch's fold, with their source positions and bytes. */
export function deadLetters(fold: FoldResult): DeadLetterOut[] {
  return fold.deadLetters.map(({ msg, reason }) => ({
    partition: msg.partition,
    offset: msg.offset,
    value: msg.value,
    reason,
  }));
}

/** Dead letters of a batch, keyed `partition:offset` of the source message. */
export async function publishDeadLetters(producer: Producer, topics: SinkTopics, dead: DeadLetterOut[]): Promise<void> {
  await sendAll(
    producer,
    topics.dlq,
    dead.map(({ partition, offset, value, reason }) => ({
      key: `${partition}:${offset}`,
      value: value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      headers: {
        reason,
        source_topic: topics.events,
        source_partition: String(partition),
        source_offset: String(offset),
      },
    })),
  );
}

/** Current totals of the cells and windows a batch touched (update mode), as output-topic messages. */
export function aggregateMessages(state: PartitionState, fold: FoldResult): OutMessage[] {
  const p = state.partition;
  const cube = [...fold.dirtyCube].map((c) => {
    const cell = `${iso(c.windowStartMs)}|${cubeKey(c)}`;
    return {
      key: `${cell}|p${p}`,
      value: JSON.stringify({
        kind: 'cube',
        cell,
        partition: p,
        windowStart: iso(c.windowStartMs),
        eventType: c.eventType,
        country: c.country,
        plan: c.plan,
        device: c.device,
        statusCategory: c.statusCategory,
        events: c.events,
        watchMs: c.watchMs,
        unknownCustomerEvents: c.unknownCustomerEvents,
      }),
    };
  });
  const windows = [...fold.windows.keys()].flatMap((w) => {
    const win = state.windows.get(w);
    if (!win) return [];
    return [
      {
        key: `${iso(w)}|p${p}`,
        value: JSON.stringify({
          kind: 'window',
          partition: p,
          windowStart: iso(w),
          events: win.events,
          uniqueCustomers: win.customers.estimate(),
        }),
      },
    ];
  });
  return [...cube, ...windows];
}

/** Publish output-topic messages. */
export async function publishAggregates(producer: Producer, topic: string, messages: OutMessage[]): Promise<void> {
  await sendAll(producer, topic, messages);
}
