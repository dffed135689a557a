/**
 * The day's aggregates of one validated byte range, built while the validator writes its clean rows: accepted
 * rows are counted here in batches, joined with the run's profile snapshot on their customer id, so the
 * aggregate step merges a few of these instead of scanning the lake's Parquet again. Distinct counts are exact:
 * per-customer bit masks (hours; device × status category), and the IPv4 addresses (as integers; other
 * addresses as strings) and (path, customer) pairs of every row, sorted and de-duplicated by {@link finish}.
 */
import { contentFromPath } from '../../../common/weblog.js';
import { BytesDict } from './bytes-dict.js';
import type { CustomerTable } from './customer-table.js';
import type { SnapshotLookup } from './profile-snapshot.js';
import { distinctPairs, sortUint32, Uint32Bag, uniqueSorted } from './sorted.js';

/** Device classes of `deviceFromUserAgent`, in mask order. */
export const DEVICES = ['bot', 'tv', 'console', 'tablet', 'mobile', 'desktop', 'other'] as const;
/** Bytes per customer in a partial's device mask (one per device class; bits are status categories 1xx–5xx). */
export const DEVICE_STRIDE = 8;
/** Status categories 1xx–5xx. */
export const CATS = 5;
/** Measures per dimension group: requests, bytes, unknown-customer requests, content views. */
export const DIM_MEASURES = 4;
/** Measures per hour: as a dimension group, plus error requests (status ≥ 400). */
export const HOUR_MEASURES = 5;
/** Measures per path: requests, bytes, unknown-customer requests. */
export const PATH_MEASURES = 3;
/** Numbers per row in a batch (see {@link DayAggregator.addBatch}). */
export const BATCH_FIELDS = 7;
const DEVICE_INDEX = new Map<string, number>(DEVICES.map((d, i) => [d, i]));

/** Index of a device class name (as written to the clean rows); throws for a name outside {@link DEVICES}. */
export function deviceIndex(name: string): number {
  const i = DEVICE_INDEX.get(name);
  if (i === undefined) throw new Error(`device class ${JSON.stringify(name)} is not one of ${DEVICES.join(', ')}`);
  return i;
}

/** Counts of one byte range (see the module comment). */
export class DayAggregator {
  rows = 0;
  /** Customers missing from the snapshot, by id; their customer key is `snapshot size + index`. */
  readonly unknown = new BytesDict();
  readonly paths = new BytesDict();
  /** Per path index: 1 when the path names content (`contentFromPath` non-empty). */
  private pathContent = new Uint8Array(1024);
  private pathStats = new Float64Array(1024 * PATH_MEASURES);
  readonly dims: Float64Array;
  readonly hours = new Float64Array(24 * HOUR_MEASURES);
  /** Requests and bytes per HTTP status code (index `code * 2`). */
  readonly status = new Float64Array(600 * 2);
  /** The snapshot's customers with their day masks (taken from the look-up's pool, returned by {@link finish}). */
  private readonly table: CustomerTable;
  /** Per unknown customer: hour mask, device masks 0–5 (5 bits each), device 6. */
  private unknownRec = new Int32Array(1024 * 3);
  private readonly ipBag = new Uint32Bag();
  /** Client addresses other than dotted-quad IPv4 (IPv6), by their bytes: no string per row. */
  readonly otherIps = new BytesDict();
  /** (path index, customer key) of every row with a customer, interleaved. */
  private readonly pairBag = new Uint32Bag();
  private readonly known: number;
  /** Customer id hashes of the batch being counted. */
  private hashes = new Int32Array(0);
  /** Sink of the batch's slot prefetch (kept so the loads are not optimized away). */
  touched = 0;

  constructor(readonly snapshot: SnapshotLookup) {
    this.known = snapshot.size;
    this.table = snapshot.take();
    this.dims = new Float64Array(snapshot.combos.length * DEVICES.length * CATS * DIM_MEASURES);
  }

  /** Path measures, `PATH_MEASURES` per path index. */
  get pathMeasures(): Float64Array {
    return this.pathStats.subarray(0, this.paths.size * PATH_MEASURES);
  }

  /**
   * Count `n` accepted rows of `buf`: per row {@link BATCH_FIELDS} numbers in `rows` — the bounds of its customer
   * id (empty: no customer), path and client address values, then `hour | device << 5 | status << 8` — and its
   * bytes sent in `bytes`.
   */
  addBatch(buf: Buffer, rows: Int32Array, bytes: Float64Array, n: number): void {
    const { dims, hours, status, ipBag, pairBag, known, table } = this;
    const slots = table.slots;
    const unknownCombo = this.snapshot.unknownCombo;
    if (this.hashes.length < n) this.hashes = new Int32Array(n);
    const hashes = this.hashes;
    this.touched ^= table.prefetch(buf, rows, BATCH_FIELDS, n, hashes);
    for (let i = 0; i < n; i++) {
      const o = i * BATCH_FIELDS;
      const x = rows[o + 6]!;
      const hour = x & 31;
      const device = (x >>> 5) & 7;
      const code = x >>> 8;
      const cat = ((code / 100) | 0) - 1;
      const sent = bytes[i]!;
      const cs = rows[o]!;
      const ce = rows[o + 1]!;
      // The customer: a snapshot slot, an unknown customer's record, or none (empty id).
      let combo = unknownCombo;
      let unknown = 1;
      let key = -1;
      const bit = device < 6 ? 1 << (device * 5 + cat) : 0;
      const bit6 = device < 6 ? 0 : 1 << cat;
      if (ce > cs) {
        const slot = table.findHashed(buf, cs, ce, hashes[i]!);
        if (slot >= 0) {
          const last = slots[slot + 7]!;
          combo = last >>> 8;
          unknown = 0;
          key = slots[slot + 4]! - 1;
          slots[slot + 5]! |= 1 << hour;
          slots[slot + 6]! |= bit;
          slots[slot + 7] = last | bit6;
        } else {
          const u = this.unknown.intern(buf, cs, ce);
          if (u * 3 + 3 > this.unknownRec.length) this.growUnknown();
          const rec = this.unknownRec;
          rec[u * 3]! |= 1 << hour;
          rec[u * 3 + 1]! |= bit;
          rec[u * 3 + 2]! |= bit6;
          key = known + u;
        }
      }
      let path = this.paths.get(buf, rows[o + 2]!, rows[o + 3]!);
      if (path < 0) path = this.newPath(buf, rows[o + 2]!, rows[o + 3]!);
      const content = this.pathContent[path]!;

      const g = ((combo * DEVICES.length + device) * CATS + cat) * DIM_MEASURES;
      dims[g]!++;
      dims[g + 1]! += sent;
      dims[g + 2]! += unknown;
      dims[g + 3]! += content;
      const h = hour * HOUR_MEASURES;
      hours[h]!++;
      hours[h + 1]! += sent;
      hours[h + 2]! += unknown;
      hours[h + 3]! += content;
      if (code >= 400) hours[h + 4]!++;
      status[code * 2]!++;
      status[code * 2 + 1]! += sent;
      const pathStats = this.pathStats;
      const p = path * PATH_MEASURES;
      pathStats[p]!++;
      pathStats[p + 1]! += sent;
      pathStats[p + 2]! += unknown;
      if (key >= 0) {
        pairBag.push(path);
        pairBag.push(key);
      }
      const v4 = ipv4(buf, rows[o + 4]!, rows[o + 5]!);
      if (v4 >= 0) ipBag.push(v4);
      else this.otherIps.intern(buf, rows[o + 4]!, rows[o + 5]!);
    }
    this.rows += n;
  }

  /** Count one row parsed by the string validators (rare lines and the combined log format). */
  addStrings(
    customer: string,
    path: string,
    ip: string,
    hour: number,
    code: number,
    bytesSent: number,
    device: string,
  ): void {
    const c = Buffer.from(customer, 'utf8');
    const p = Buffer.from(path, 'utf8');
    const b = Buffer.concat([c, p, Buffer.from(ip, 'utf8')]);
    const pe = c.length + p.length;
    const row = Int32Array.of(0, c.length, c.length, pe, pe, b.length, hour | (deviceIndex(device) << 5) | (code << 8));
    this.addBatch(b, row, Float64Array.of(bytesSent), 1);
  }

  /**
   * The customer masks (per customer key: hours; {@link DEVICE_STRIDE} bytes of status-category bits per device),
   * the distinct IPv4 addresses (sorted) and (path, customer) pairs, each pair as `customer * pairStride + path`
   * (sorted; 32-bit keys when they fit, else 64-bit floats). Call once, after the last row: the snapshot's table
   * goes back to the look-up's pool.
   */
  finish(): {
    hourMask: Int32Array;
    deviceMask: Uint8Array;
    ips: Uint32Array;
    pairStride: number;
    pairs32: Uint32Array;
    pairs64: Float64Array;
  } {
    const customers = this.known + this.unknown.size;
    const hourMask = new Int32Array(customers);
    const deviceMask = new Uint8Array(customers * DEVICE_STRIDE);
    const put = (c: number, hours: number, lo: number, hi: number) => {
      hourMask[c] = hours;
      for (let d = 0; d < 6; d++) deviceMask[c * DEVICE_STRIDE + d] = (lo >>> (d * 5)) & 31;
      deviceMask[c * DEVICE_STRIDE + 6] = hi & 31;
    };
    const tableHours = this.table.hourMasks();
    const [lo, hi] = this.table.deviceMasks();
    for (let c = 0; c < this.known; c++) put(c, tableHours[c]!, lo[c]!, hi[c]!);
    for (let u = 0; u < this.unknown.size; u++)
      put(this.known + u, this.unknownRec[u * 3]!, this.unknownRec[u * 3 + 1]!, this.unknownRec[u * 3 + 2]!);
    this.snapshot.release(this.table);

    const ips = uniqueSorted(sortUint32(this.ipBag.values()));
    const stride = Math.max(1, this.paths.size);
    const pairs = distinctPairs(this.pairBag.values(), stride, stride * customers > 0xffffffff);
    return { hourMask, deviceMask, ips, pairStride: stride, ...pairs };
  }

  private growUnknown(): void {
    const bigger = new Int32Array(this.unknownRec.length * 2);
    bigger.set(this.unknownRec);
    this.unknownRec = bigger;
  }

  private newPath(buf: Buffer, s: number, e: number): number {
    const k = this.paths.intern(buf, s, e);
    if (k >= this.pathContent.length) {
      const c = new Uint8Array(this.pathContent.length * 2);
      c.set(this.pathContent);
      this.pathContent = c;
      const st = new Float64Array(c.length * PATH_MEASURES);
      st.set(this.pathStats);
      this.pathStats = st;
    }
    this.pathContent[k] = contentFromPath(buf.toString('utf8', s, e)) === '' ? 0 : 1;
    return k;
  }
}

/** The dotted-quad IPv4 address `buf[s, e)` (no leading zeros, as the validator accepts) as an integer, or -1. */
export function ipv4(buf: Buffer, s: number, e: number): number {
  let v = 0;
  let p = s;
  for (let part = 0; part < 4; part++) {
    const from = p;
    let x = 0;
    for (; p < e && p - from < 3; p++) {
      const d = buf[p]! - 48;
      if (d < 0 || d > 9) break;
      x = x * 10 + d;
    }
    if (p === from || x > 255 || (p - from > 1 && buf[from] === 48)) return -1;
    v = v * 256 + x;
    if (part < 3) {
      if (p >= e || buf[p] !== 46) return -1;
      p++;
    }
  }
  return p === e ? v : -1;
}
