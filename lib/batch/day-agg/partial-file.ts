/**
 * On-disk form of a {@link DayAggregator}: `<4-byte header length><JSON header>` then the typed arrays (masks,
 * address and pair sets), each 8-byte aligned. One file per validated byte range, beside the range's clean
 * rows; written under a temporary name and renamed, so a file present is complete.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DayAggregator } from './day-aggregator.js';

/** A range's aggregates as read back (typed arrays are views of the file's bytes). */
export interface DayPartial {
  snapshotId: string;
  rows: number;
  /** Customers known to the snapshot (customer keys below it are snapshot indices). */
  known: number;
  unknownCustomers: string[];
  paths: string[];
  pathStats: Float64Array;
  dims: Float64Array;
  hours: Float64Array;
  status: Float64Array;
  hourMask: Int32Array;
  deviceMask: Uint8Array;
  /** Distinct IPv4 addresses, sorted. */
  ips: Uint32Array;
  otherIps: string[];
  /** Distinct (path, customer) pairs as `customer * pairStride + path`, sorted, in one of the two arrays. */
  pairStride: number;
  pairs32: Uint32Array;
  pairs64: Float64Array;
}

type ArrayName = 'pathStats' | 'dims' | 'hours' | 'status' | 'hourMask' | 'deviceMask' | 'ips' | 'pairs32' | 'pairs64';
const ARRAYS: Record<
  ArrayName,
  Float64ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor
> = {
  pathStats: Float64Array,
  dims: Float64Array,
  hours: Float64Array,
  status: Float64Array,
  hourMask: Int32Array,
  deviceMask: Uint8Array,
  ips: Uint32Array,
  pairs32: Uint32Array,
  pairs64: Float64Array,
};

/** The partial of the clean output part named `cleanFileName` (`<sha256>[.pNN].csv`) in `dir`. */
export const dayPartialPath = (dir: string, cleanFileName: string): string =>
  `${dir}/${cleanFileName.replace(/\.csv$/, '')}.agg`;

/** Serialize `agg` to `path` (via `<path>.tmp`). */
export function writeDayPartial(path: string, agg: DayAggregator): void {
  const { hourMask, deviceMask, ips, pairStride, pairs32, pairs64 } = agg.finish();
  const arrays: Record<ArrayName, ArrayBufferView> = {
    pathStats: agg.pathMeasures,
    dims: agg.dims,
    hours: agg.hours,
    status: agg.status,
    hourMask,
    deviceMask,
    ips,
    pairs32,
    pairs64,
  };
  const layout: Record<string, [offset: number, length: number]> = {};
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    layout[name] = [offset, a.byteLength];
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const header = Buffer.from(
    JSON.stringify({
      snapshotId: agg.snapshot.id,
      rows: agg.rows,
      known: agg.snapshot.size,
      unknownCustomers: agg.unknown.keys(),
      paths: agg.paths.keys(),
      otherIps: agg.otherIps.keys(),
      pairStride,
      layout,
    }),
  );
  const start = Math.ceil((4 + header.length) / 8) * 8;
  const out = Buffer.alloc(start + offset);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  for (const [name, a] of Object.entries(arrays)) {
    const [off, len] = layout[name]!;
    Buffer.from(a.buffer, a.byteOffset, len).copy(out, start + off);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, out);
  renameSync(`${path}.tmp`, path);
}

/** Read a partial written by {@link writeDayPartial}. */
export function readDayPartial(path: string): DayPartial {
  const file = readFileSync(path);
  const headerLength = file.readUInt32LE(0);
  const header = JSON.parse(file.toString('utf8', 4, 4 + headerLength)) as Omit<DayPartial, ArrayName> & {
    layout: Record<ArrayName, [number, number]>;
  };
  const start = Math.ceil((4 + headerLength) / 8) * 8;
  // A fresh, aligned copy of the body: the typed arrays are views of it.
  const body = new Uint8Array(file.length - start);
  body.set(file.subarray(start));
  const arrays = {} as Record<ArrayName, ArrayBufferView>;
  for (const name of Object.keys(ARRAYS) as ArrayName[]) {
    const [off, len] = header.layout[name];
    const Type = ARRAYS[name];
    arrays[name] = new Type(body.buffer, off, len / Type.BYTES_PER_ELEMENT);
  }
  const { layout: _layout, ...rest } = header;
  return { ...rest, ...(arrays as Pick<DayPartial, ArrayName>) };
}
