/**
 * Search-index sink of the stream state: documents with absolute values per (window cell, partition), written
 * for the cells a batch touched, under ids derived only from the cell's key and the partition — so a retried or
 * replayed batch overwrites what it wrote. Documents a failed attempt or a rewound stretch created are removed
 * by `discardAfter` (they carry the start offset of the batch that created them).
 */
import type { DocWrite, SearchSink } from '../../../adapters/search/types.js';
import { IndexRejectedError, ServiceUnavailableError } from '../../errors.js';
import { speedContentIndex, speedCountersIndex, speedIndex, speedUniquesIndex } from '../../search-templates.js';
import type { FoldResult } from './fold.js';
import { cubeKey, type PartitionState, type WindowState } from './partition-state.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Documents of one partition's batch, by index. */
export function batchDocuments(
  prefix: string,
  state: PartitionState,
  batchStart: number,
  fold: FoldResult,
): Map<string, DocWrite[]> {
  const p = state.partition;
  const cube: DocWrite[] = [...fold.dirtyCube].map((c) => {
    const cell = `${iso(c.windowStartMs)}|${cubeKey(c)}`;
    return {
      id: `${cell}|p${p}`,
      doc: {
        cell,
        window_start: c.windowStartMs,
        event_type: c.eventType,
        country: c.country,
        plan: c.plan,
        device: c.device,
        status_category: c.statusCategory,
        partition: p,
        first_offset: c.firstOffset,
        last_offset: batchStart,
        events: c.events,
        watch_ms: c.watchMs,
        unknown_customer_events: c.unknownCustomerEvents,
      },
    };
  });
  const content: DocWrite[] = [...fold.dirtyContent].map((c) => {
    const cell = `${iso(c.windowStartMs)}|${c.contentId}`;
    return {
      id: `${cell}|p${p}`,
      doc: {
        cell,
        window_start: c.windowStartMs,
        content_id: c.contentId,
        partition: p,
        first_offset: c.firstOffset,
        last_offset: batchStart,
        events: c.events,
        watch_ms: c.watchMs,
        unknown_customer_events: c.unknownCustomerEvents,
      },
    };
  });
  const uniques = [...fold.windows.keys()].flatMap((w) => {
    const win = state.windows.get(w);
    return win ? [uniquesDocument(p, win, batchStart)] : [];
  });
  const counters = [...fold.counters].map(([minute, c]) => ({
    id: `${iso(minute)}|p${p}|o${batchStart}`,
    doc: {
      minute,
      partition: p,
      start_offset: batchStart,
      late: c.late,
      dead_lettered: c.deadLettered,
      duplicates: c.duplicates,
    },
  }));
  return new Map([
    [speedIndex(prefix), cube],
    [speedContentIndex(prefix), content],
    [speedUniquesIndex(prefix), uniques],
    [speedCountersIndex(prefix), counters],
  ]);
}

function uniquesDocument(partition: number, win: WindowState, batchStart: number) {
  return {
    id: `${iso(win.startMs)}|p${partition}`,
    doc: {
      window_start: win.startMs,
      partition,
      first_offset: win.firstOffset,
      last_offset: batchStart,
      events: win.events,
      unique_customers: win.customers.estimate(),
      customers_sketch: win.customers.toBase64(),
    },
  };
}

/** Documents per bulk request. */
const BULK = 5000;

/**
 * Write documents. A 4xx on an item (other than 429) is an `IndexRejectedError` naming the document — sending it
 * again cannot help; anything else is a retryable `ServiceUnavailableError`.
 */
export async function writeDocuments(search: SearchSink, docs: Map<string, DocWrite[]>): Promise<number> {
  let written = 0;
  for (const [index, list] of docs) {
    for (let i = 0; i < list.length; i += BULK) {
      const r = await search.bulkIndex(index, list.slice(i, i + BULK));
      const rejected = r.failed.find((f) => f.status >= 400 && f.status < 500 && f.status !== 429);
      if (rejected)
        throw new IndexRejectedError(
          `${search.engine} rejected document ${rejected.id} of ${index} (${rejected.status}): ${rejected.reason}`,
          { index, id: rejected.id, status: rejected.status },
        );
      if (r.failed.length)
        throw new ServiceUnavailableError(`${r.failed.length} speed-view writes failed: ${r.failed[0]!.reason}`, {
          service: search.engine,
        });
      written += r.written;
    }
  }
  return written;
}

/**
 * Delete what a partition's batches from `offset` on created (cells, windows, counters): run before a restored
 * state resumes at `offset`, after a failover, a failed attempt or a rewind. Returns the documents deleted.
 */
export async function discardAfter(
  search: SearchSink,
  prefix: string,
  partition: number,
  offset: number,
): Promise<number> {
  const since = (field: string) => ({
    bool: { filter: [{ term: { partition } }, { range: { [field]: { gte: offset } } }] },
  });
  let deleted = 0;
  for (const index of [speedIndex(prefix), speedContentIndex(prefix), speedUniquesIndex(prefix)])
    deleted += await search.deleteByQuery(index, since('first_offset'), { refresh: true });
  deleted += await search.deleteByQuery(speedCountersIndex(prefix), since('start_offset'), { refresh: true });
  return deleted;
}
