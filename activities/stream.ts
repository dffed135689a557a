/**
 * The speed layer's micro-batch activity: read Kafka from the offsets the workflow holds, fold each partition
 * (dead letters, late, duplicates, enrichment, windows), and write idempotently — contribution documents whose
 * ids derive from (window cell, partition, batch start offset), so a retried batch overwrites what a failed
 * attempt wrote — then publish the touched cells' current totals to the output topic. Returns a small summary.
 */
import { Context } from '@temporalio/activity';
import type { Kafka, Producer } from 'kafkajs';
import type { SearchSink } from '../adapters/search/types.js';
import type { WebEvent } from '../common/events.js';
import { inPartitionGroup, type PartitionGroup } from '../common/stream.js';
import type { GroupSummary } from '../common/stream-merge.js';
import { toTemporalFailure, ServiceUnavailableError } from '../lib/errors.js';
import type { ProfileCache } from '../lib/profile-cache.js';
import { OffsetReader, type Offsets, type ReadMessage } from '../lib/stream/kafka-reader.js';
import { foldPartition, parseMessages, type ParsedMessage, type PartitionOutcome } from '../lib/stream/microbatch.js';
import { offsetsAtTime, rewindSpeedView, type PartitionRewind } from '../lib/stream/rewind.js';
import { SPEED_TEMPLATE, speedCountersIndex, speedIndex, speedSeenIndex } from '../lib/search-templates.js';

/** Dependencies of the stream activities. */
export interface StreamActivityDeps {
  kafka: Kafka;
  search: SearchSink;
  cache: ProfileCache;
  indexPrefix: string;
  topics: { events: string; aggregates: string; dlq: string };
  /** This worker's identity, reported in each summary (shows which worker ran which partitions). */
  identity: string;
  /** Registers the reader's and producer's shutdown with the process's clients. */
  onClose?: (close: () => Promise<void>) => void;
}

/** Input of one micro-batch (decided by the workflow). */
export interface MicroBatchInput {
  start: Offsets;
  watermarkMs: number;
  windowMs: number;
  maxMessages: number;
  /** Only this partition group's partitions (all when omitted). */
  group?: PartitionGroup;
}

/** What a micro-batch returns (small: offsets, counts, timings; see `GroupSummary`). */
export type MicroBatchSummary = GroupSummary;

/** Create the stream activities (one reader and producer per worker process). */
export function createStreamActivities(deps: StreamActivityDeps) {
  const reader = new OffsetReader(deps.kafka);
  let producer: Promise<Producer> | undefined;
  const getProducer = () =>
    (producer ??= (async () => {
      const p = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    })().catch((err) => {
      producer = undefined;
      throw err;
    }));
  deps.onClose?.(async () => {
    await reader.close().catch(() => undefined);
    const p = await producer?.catch(() => undefined);
    await p?.disconnect().catch(() => undefined);
  });
  let templateReady = false;
  const ensureTemplate = async () => {
    if (templateReady) return;
    await deps.search.putIndexTemplate(`${deps.indexPrefix}-speed`, [`${deps.indexPrefix}-speed-*`], SPEED_TEMPLATE);
    // Both views exist from the first batch on, so readers never meet a missing index (e.g. no counters yet).
    for (const index of [speedIndex(deps.indexPrefix), speedCountersIndex(deps.indexPrefix)]) await deps.search.ensureIndex(index);
    // Claims are only ever read by id (real-time), never searched: refreshing them every second is wasted work.
    await deps.search.ensureIndex(speedSeenIndex(deps.indexPrefix), { settings: { refresh_interval: '30s' } });
    templateReady = true;
  };

  /** Claim event ids: returns the set of `partition:offset` of messages that are duplicates of an earlier claim. */
  async function claimEventIds(items: { e: WebEvent; msg: ReadMessage }[]): Promise<Set<string>> {
    const index = speedSeenIndex(deps.indexPrefix);
    const own = (m: ReadMessage) => `${m.partition}:${m.offset}`;
    const r = await deps.search.bulkCreate(index, items.map(({ e, msg }) => ({ id: e.eventId, doc: { event_id: e.eventId, partition: msg.partition, offset: msg.offset, event_time: e.eventTimeMs } })));
    if (r.failed.length) throw new ServiceUnavailableError(`dedupe claims failed: ${r.failed[0]!.reason}`, { service: deps.search.engine });
    const owners = await deps.search.mget<{ partition: number; offset: number }>(index, [...new Set(r.conflicts)]);
    const dups = new Set<string>();
    const firstInBatch = new Map<string, string>();
    for (const { e, msg } of items) {
      const owner = owners.get(e.eventId);
      const ownerKey = owner ? `${owner.partition}:${owner.offset}` : (firstInBatch.get(e.eventId) ?? own(msg));
      if (!owner && !firstInBatch.has(e.eventId)) firstInBatch.set(e.eventId, own(msg));
      if (ownerKey !== own(msg)) dups.add(own(msg));
    }
    return dups;
  }

  return {
    /** Run one micro-batch from `input.start`; see the module doc for the exactly-once argument. */
    async runMicroBatch(input: MicroBatchInput): Promise<MicroBatchSummary> {
      const t0 = Date.now();
      try {
        await ensureTemplate();
        const byPartition = new Map<number, ParsedMessage[]>();
        const read = await reader.read({
          topic: deps.topics.events,
          start: input.start,
          maxMessages: input.maxMessages,
          include: (p) => inPartitionGroup(p, input.group),
          onMessages: (partition, msgs) => void (byPartition.get(partition) ?? byPartition.set(partition, []).get(partition)!).push(...parseMessages(msgs)),
        });
        // Durable dedupe: claim the ids of valid, on-time events (a retry finds its own claims).
        const candidates: { e: WebEvent; msg: ReadMessage }[] = [];
        for (const items of byPartition.values())
          for (const { msg, parsed } of items) if (parsed.ok && parsed.event.eventTimeMs >= input.watermarkMs) candidates.push({ e: parsed.event, msg });
        const beat = (stage: string) => Context.current().heartbeat({ stage, read: read.count });
        beat('read');
        const dups = await claimEventIds(candidates);
        beat('dedupe');
        const outcomes = new Map<number, PartitionOutcome>();
        for (const [partition, messages] of byPartition) {
          outcomes.set(partition, foldPartition({
            messages, watermarkMs: input.watermarkMs, windowMs: input.windowMs,
            lookup: (id) => deps.cache.get(id),
            isDuplicate: (_e, msg) => dups.has(`${msg.partition}:${msg.offset}`),
          }));
        }
        await writeOutcomes(deps, input.start, outcomes);
        beat('index');
        await publish(deps, await getProducer(), outcomes);
        const sum = (f: (o: PartitionOutcome) => number) => [...outcomes.values()].reduce((n, o) => n + f(o), 0);
        const counters = (k: 'late' | 'deadLettered' | 'duplicates') => sum((o) => [...o.counters.values()].reduce((n, c) => n + c[k], 0));
        return {
          next: read.next,
          maxEventTimeMs: Object.fromEntries([...outcomes].filter(([, o]) => o.maxEventTimeMs !== undefined).map(([p, o]) => [p, o.maxEventTimeMs!])),
          read: read.count,
          accepted: sum((o) => o.accepted),
          deadLettered: counters('deadLettered'),
          late: counters('late'),
          duplicates: counters('duplicates'),
          lag: Object.keys(read.end).reduce((n, k) => n + Math.max(0, read.end[Number(k)]! - read.next[Number(k)]!), 0),
          behind: Object.keys(read.end).map(Number).filter((p) => read.next[p]! < read.end[p]!),
          tookMs: Date.now() - t0,
          worker: deps.identity,
        };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Rewind the speed view to stream time `toMs` (Kafka record timestamps): per partition, delete what the
     * micro-batches from the one containing the first record at or after `toMs` wrote, and return the offsets to
     * restart from. Run by the workflow between micro-batches; idempotent, so a retry is safe.
     */
    async rewindSpeedLayer(input: { toMs: number; current: Offsets }): Promise<Record<number, PartitionRewind>> {
      const admin = deps.kafka.admin();
      try {
        await ensureTemplate();
        await admin.connect();
        const targets = await offsetsAtTime(admin, deps.topics.events, input.toMs);
        return await rewindSpeedView(deps.search, deps.indexPrefix, targets, input.current);
      } catch (err) {
        throw toTemporalFailure(err);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}

/** Contribution and counter documents with ids fixed by (cell or minute, partition, batch start offset). */
async function writeOutcomes(deps: StreamActivityDeps, start: Offsets, outcomes: Map<number, PartitionOutcome>): Promise<void> {
  const cells = [];
  const counters = [];
  for (const [partition, o] of outcomes) {
    const startOffset = start[partition] ?? 0;
    for (const [cell, c] of o.contributions) {
      cells.push({
        id: `${cell}|p${partition}|o${startOffset}`,
        doc: {
          cell, window_start: c.windowStartMs, event_type: c.eventType, country: c.country, plan: c.plan, device: c.device,
          status_category: c.statusCategory, content_id: c.contentId, partition, start_offset: startOffset,
          events: c.events, watch_ms: c.watchMs, unknown_customer_events: c.unknownCustomerEvents, customers: [...c.customers],
        },
      });
    }
    for (const [minute, c] of o.counters) {
      counters.push({ id: `${minute}|p${partition}|o${startOffset}`, doc: { minute, partition, start_offset: startOffset, late: c.late, dead_lettered: c.deadLettered, duplicates: c.duplicates } });
    }
  }
  for (const [index, docs] of [[speedIndex(deps.indexPrefix), cells], [speedCountersIndex(deps.indexPrefix), counters]] as const) {
    for (let i = 0; i < docs.length; i += 5000) {
      const r = await deps.search.bulkIndex(index, docs.slice(i, i + 5000));
      if (r.failed.length) throw new ServiceUnavailableError(`${r.failed.length} speed-view writes failed: ${r.failed[0]!.reason}`, { service: deps.search.engine });
    }
  }
}

/** Dead letters (original bytes + reason headers) and the touched cells' current totals (update mode). */
async function publish(deps: StreamActivityDeps, producer: Producer, outcomes: Map<number, PartitionOutcome>): Promise<void> {
  const dead = [...outcomes.values()].flatMap((o) => o.deadLetters);
  for (let i = 0; i < dead.length; i += 500) {
    await producer.send({
      topic: deps.topics.dlq,
      messages: dead.slice(i, i + 500).map(({ msg, reason }) => ({
        key: `${msg.partition}:${msg.offset}`,
        value: msg.value,
        headers: { reason, source_topic: deps.topics.events, source_partition: String(msg.partition), source_offset: String(msg.offset) },
      })),
    });
  }
  const cells = [...new Set([...outcomes.values()].flatMap((o) => [...o.contributions.keys()]))];
  if (cells.length === 0) return;
  const index = speedIndex(deps.indexPrefix);
  await deps.search.refresh(index);
  for (let i = 0; i < cells.length; i += CELLS_PER_READ) {
    const totals = await cellTotals(deps.search, index, cells.slice(i, i + CELLS_PER_READ));
    await producer.send({ topic: deps.topics.aggregates, messages: [...totals].map(([cell, t]) => ({ key: cell, value: JSON.stringify({ cell, ...t }) })) });
  }
}

/** Cells read back per search when publishing (their contribution documents are summed here, not by the engine). */
const CELLS_PER_READ = 1000;
/** The engines' default `index.max_result_window`. */
const MAX_HITS = 10_000;

/** Current totals of window cells: every contribution document of the cells, summed (customers as an exact union). */
async function cellTotals(search: SearchSink, index: string, cells: string[]): Promise<Map<string, { events: number; watchMs: number; unknownCustomerEvents: number; uniqueCustomers: number }>> {
  type Doc = { cell: string; events: number; watch_ms: number; unknown_customer_events: number; customers: string[] };
  const r = await search.search<Doc>(index, { size: MAX_HITS, query: { terms: { cell: cells } }, fields: ['cell', 'events', 'watch_ms', 'unknown_customer_events', 'customers'] });
  if (r.total > r.hits.length) {
    // More contributions than one page holds (cells touched by many batches): halve and read again.
    const half = Math.ceil(cells.length / 2);
    if (cells.length === 1) throw new Error(`window cell ${cells[0]} has more than ${MAX_HITS} contribution documents`);
    return new Map([...(await cellTotals(search, index, cells.slice(0, half))), ...(await cellTotals(search, index, cells.slice(half)))]);
  }
  const acc = new Map<string, { events: number; watchMs: number; unknownCustomerEvents: number; customers: Set<string> }>();
  for (const { source: d } of r.hits) {
    const t = acc.get(d.cell) ?? acc.set(d.cell, { events: 0, watchMs: 0, unknownCustomerEvents: 0, customers: new Set() }).get(d.cell)!;
    t.events += d.events;
    t.watchMs += d.watch_ms;
    t.unknownCustomerEvents += d.unknown_customer_events;
    for (const c of d.customers) t.customers.add(c);
  }
  return new Map([...acc].map(([cell, t]) => [cell, { events: t.events, watchMs: t.watchMs, unknownCustomerEvents: t.unknownCustomerEvents, uniqueCustomers: t.customers.size }]));
}
