/**
 * Binary format of a partition's checkpoint records. A *snapshot* holds the whole state at an offset; a *delta*
 * holds what one micro-batch changed (the watermark it applied, new event ids and customers per window as sets,
 * and the absolute values of the cells it touched), so applying it to the state at its start offset gives the
 * state at its end offset. Applying is idempotent (sets and absolute values), which makes restores safe to retry.
 *
 * Layout: `VSC1` | uint32 CRC-32 of the rest | uint32 header length | header JSON | blobs (id sets and sketches,
 * referenced from the header by offset and length). A record that fails the checks is a `CorruptCheckpointError`.
 */
import { crc32 } from 'node:zlib';
import { CustomerSketch } from '../sketch.js';
import type { FoldResult } from './fold.js';
import { cubeKey, PartitionState, type CubeCell, type WindowState } from './partition-state.js';

const MAGIC = 'VSC1';

/** Kind of a checkpoint record. */
export type CheckpointKind = 'snapshot' | 'delta';

type CubeRow = [
  eventType: string,
  country: string,
  plan: string,
  device: string,
  statusCategory: string,
  events: number,
  watchMs: number,
  unknown: number,
  firstOffset: number,
];
type ContentRow = [contentId: string, events: number, watchMs: number, unknown: number, firstOffset: number];
interface WindowRow {
  w: number;
  firstOffset: number;
  events: number;
  ids: [number, number];
  customers: [number, number];
  cube: CubeRow[];
  content: ContentRow[];
}
interface Header {
  kind: CheckpointKind;
  partition: number;
  windowMs: number;
  start: number;
  end: number;
  watermarkMs: number;
  maxEventMs: number | null;
  windows: WindowRow[];
}

/** A record that cannot be decoded (truncated, altered, or of an unknown format). */
export class CorruptCheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptCheckpointError';
  }
}

function encode(h: Header, blobs: Uint8Array[]): Buffer {
  const json = Buffer.from(JSON.stringify(h));
  const body = Buffer.concat([Buffer.alloc(4), json, ...blobs]);
  body.writeUInt32BE(json.length, 0);
  const head = Buffer.alloc(8);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([head, body]);
}

/** Collects blobs and hands out their [offset, length] within the blob area. */
function blobSink() {
  const blobs: Uint8Array[] = [];
  let at = 0;
  return {
    blobs,
    put(b: Uint8Array): [number, number] {
      blobs.push(b);
      at += b.length;
      return [at - b.length, b.length];
    },
  };
}

const cubeRow = (c: CubeCell): CubeRow => [
  c.eventType,
  c.country,
  c.plan,
  c.device,
  c.statusCategory,
  c.events,
  c.watchMs,
  c.unknownCustomerEvents,
  c.firstOffset,
];

/** Snapshot of the whole state (at `state.offset`). */
export function encodeSnapshot(state: PartitionState): Buffer {
  const sink = blobSink();
  const windows = [...state.windows.values()].map((win: WindowState): WindowRow => ({
    w: win.startMs,
    firstOffset: win.firstOffset,
    events: win.events,
    ids: sink.put(win.ids.toBytes()),
    customers: sink.put(win.customers.toBytes()),
    cube: [...win.cube.values()].map(cubeRow),
    content: [...win.content.values()].map((c) => [
      c.contentId,
      c.events,
      c.watchMs,
      c.unknownCustomerEvents,
      c.firstOffset,
    ]),
  }));
  const h: Header = {
    kind: 'snapshot',
    partition: state.partition,
    windowMs: state.windowMs,
    start: state.offset,
    end: state.offset,
    watermarkMs: state.watermarkMs,
    maxEventMs: state.maxEventMs,
    windows,
  };
  return encode(h, sink.blobs);
}

/** Delta of one batch from `start` to the state's offset, built from the batch's fold result. */
export function encodeDelta(state: PartitionState, start: number, fold: FoldResult): Buffer {
  const sink = blobSink();
  const rows = new Map<number, WindowRow>();
  for (const [w, d] of fold.windows) {
    const win = state.windows.get(w);
    if (!win) continue; // cannot happen: a window the batch touched is open until the next watermark
    rows.set(w, {
      w,
      firstOffset: win.firstOffset,
      events: win.events,
      ids: sink.put(d.ids.toBytes()),
      customers: sink.put(d.customers.toBytes()),
      cube: [],
      content: [],
    });
  }
  for (const c of fold.dirtyCube) rows.get(c.windowStartMs)?.cube.push(cubeRow(c));
  for (const c of fold.dirtyContent)
    rows.get(c.windowStartMs)?.content.push([c.contentId, c.events, c.watchMs, c.unknownCustomerEvents, c.firstOffset]);
  const h: Header = {
    kind: 'delta',
    partition: state.partition,
    windowMs: state.windowMs,
    start,
    end: state.offset,
    watermarkMs: state.watermarkMs,
    maxEventMs: state.maxEventMs,
    windows: [...rows.values()],
  };
  return encode(h, sink.blobs);
}

/** Header fields of a record, checked (magic, checksum, JSON). */
export function decodeHeader(record: Uint8Array): { header: Header; blobs: Buffer } {
  const b = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  if (b.length < 12 || b.toString('latin1', 0, 4) !== MAGIC)
    throw new CorruptCheckpointError(`not a checkpoint record (${b.length} bytes, bad magic)`);
  const body = b.subarray(8);
  if (crc32(body) !== b.readUInt32BE(4))
    throw new CorruptCheckpointError('checksum mismatch (truncated or altered record)');
  const len = body.readUInt32BE(0);
  if (4 + len > body.length) throw new CorruptCheckpointError('header length past the end of the record');
  try {
    return { header: JSON.parse(body.toString('utf8', 4, 4 + len)) as Header, blobs: body.subarray(4 + len) };
  } catch (err) {
    throw new CorruptCheckpointError(`header is not JSON: ${(err as Error).message}`);
  }
}

/**
 * Apply a record: a snapshot gives a new state; a delta must start where `state` is. Returns the state at the
 * record's end offset.
 */
export function applyRecord(state: PartitionState | undefined, record: Uint8Array): PartitionState {
  const { header: h, blobs } = decodeHeader(record);
  const slice = ([at, len]: [number, number]) => {
    if (at + len > blobs.length) throw new CorruptCheckpointError('blob past the end of the record');
    return blobs.subarray(at, at + len);
  };
  let s: PartitionState;
  if (h.kind === 'snapshot') s = new PartitionState(h.partition, h.windowMs, h.end, h.watermarkMs, h.maxEventMs);
  else {
    if (!state) throw new CorruptCheckpointError(`delta ${h.start}→${h.end} has no base state`);
    if (state.offset !== h.start)
      throw new CorruptCheckpointError(`delta ${h.start}→${h.end} applied to the state at ${state.offset}`);
    s = state;
    s.advanceWatermark(h.watermarkMs);
    s.offset = h.end;
    s.maxEventMs = h.maxEventMs;
  }
  for (const row of h.windows) {
    const win = s.window(row.w, row.firstOffset);
    win.events = row.events;
    win.ids.addAllFromBytes(slice(row.ids));
    win.customers.merge(CustomerSketch.fromBytes(slice(row.customers)));
    for (const [
      eventType,
      country,
      plan,
      device,
      statusCategory,
      events,
      watchMs,
      unknownCustomerEvents,
      firstOffset,
    ] of row.cube) {
      const dims = { eventType, country, plan, device, statusCategory };
      win.cube.set(cubeKey(dims), {
        ...dims,
        windowStartMs: row.w,
        events,
        watchMs,
        unknownCustomerEvents,
        firstOffset,
      });
    }
    for (const [contentId, events, watchMs, unknownCustomerEvents, firstOffset] of row.content) {
      win.content.set(contentId, {
        windowStartMs: row.w,
        contentId,
        events,
        watchMs,
        unknownCustomerEvents,
        firstOffset,
      });
    }
  }
  return s;
}

/** The state a chain applies to: none when it begins with a snapshot, else the empty state at offset 0. */
export function startState(chain: Uint8Array[], partition: number, windowMs: number): PartitionState | undefined {
  return chain.length && decodeHeader(chain[0]!).header.kind === 'snapshot'
    ? undefined
    : new PartitionState(partition, windowMs, 0);
}
