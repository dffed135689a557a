/**
 * The profile snapshot's customers as one open-addressing table built for the validator's hot loop: a slot
 * holds the id's hash, length and first 8 bytes, its snapshot index, and the customer's running day masks and
 * (country, plan) pair — 32 bytes, so counting a row touches one memory line for its customer (ids longer than
 * 8 bytes also compare their tail in an arena). The validation loop streams far more bytes through the cache
 * than the table's size, so a line per row instead of five is what makes counting while validating cheap.
 */

/** Ints per slot: hash, length, key bytes 0–3, 4–7, index + 1 (0: empty), hour mask, device masks 0–5, device 6 | pair << 8. */
const SLOT = 8;

/** Customer id bytes → snapshot index, with per-customer day masks (see the module comment). */
export class CustomerTable {
  /** The slots (exposed for the aggregator's loop). */
  readonly slots: Int32Array;
  private readonly mask: number;
  /** Arena offset of each index's id (for the bytes after the first 8). */
  private readonly offsets: Int32Array;
  private readonly arena: Buffer;
  readonly size: number;

  /** Build the table of `ids` (index order) with their (country, plan) pair indices `combo`. */
  constructor(ids: readonly string[], combo: ArrayLike<number>) {
    let cap = 1024;
    while (cap * 0.75 < ids.length) cap *= 2;
    this.slots = new Int32Array(cap * SLOT);
    this.mask = cap - 1;
    this.size = ids.length;
    const bytes = ids.map((id) => Buffer.from(id, 'utf8'));
    this.arena = Buffer.concat(bytes);
    this.offsets = new Int32Array(ids.length);
    let off = 0;
    bytes.forEach((b, k) => {
      this.offsets[k] = off;
      off += b.length;
      const h = hashBytes(b, 0, b.length);
      let i = h & this.mask;
      while (this.slots[i * SLOT + 4] !== 0) {
        if (this.matches(i, b, 0, b.length, h))
          throw new Error(`customer id ${JSON.stringify(ids[k])} twice in the snapshot`);
        i = (i + 1) & this.mask;
      }
      const s = i * SLOT;
      this.slots[s] = h;
      this.slots[s + 1] = b.length;
      this.slots[s + 2] = word(b, 0, b.length);
      this.slots[s + 3] = word(b, 4, b.length);
      this.slots[s + 4] = k + 1;
      this.slots[s + 7] = combo[k]! << 8;
    });
  }

  /** Slot (offset into {@link slots}) of the id `buf[s, e)`, or -1 when it is not in the snapshot. */
  find(buf: Buffer, s: number, e: number): number {
    return this.findHashed(buf, s, e, hashBytes(buf, s, e));
  }

  /**
   * Hash each of `n` ids (bounds at `bounds[i * stride]`, `bounds[i * stride + 1]`; empty: 0) into `hashes`, and
   * load each one's first slot: the loads do not depend on each other, so their cache misses overlap, and the
   * per-row {@link findHashed} that follows finds the lines in cache.
   */
  prefetch(buf: Buffer, bounds: Int32Array, stride: number, n: number, hashes: Int32Array): number {
    const { slots, mask } = this;
    let touched = 0;
    for (let i = 0; i < n; i++) {
      const s = bounds[i * stride]!;
      const e = bounds[i * stride + 1]!;
      const h = e > s ? hashBytes(buf, s, e) : 0;
      hashes[i] = h;
      touched ^= slots[(h & mask) * SLOT]!;
    }
    return touched;
  }

  /** {@link find} with the id's hash already known. */
  findHashed(buf: Buffer, s: number, e: number, h: number): number {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      if (this.slots[i * SLOT + 4] === 0) return -1;
      if (this.matches(i, buf, s, e, h)) return i * SLOT;
    }
  }

  /** Hour mask (bit h: a row in hour h) of each snapshot index. */
  hourMasks(): Int32Array {
    const out = new Int32Array(this.size);
    for (let s = 0; s < this.slots.length; s += SLOT)
      if (this.slots[s + 4] !== 0) out[this.slots[s + 4]! - 1] = this.slots[s + 5]!;
    return out;
  }

  /** Device masks of each snapshot index: 5 status-category bits per device class 0–6, as two ints (devices 0–5, 6). */
  deviceMasks(): [lo: Int32Array, hi: Int32Array] {
    const lo = new Int32Array(this.size);
    const hi = new Int32Array(this.size);
    for (let s = 0; s < this.slots.length; s += SLOT) {
      const k = this.slots[s + 4]! - 1;
      if (k < 0) continue;
      lo[k] = this.slots[s + 6]!;
      hi[k] = this.slots[s + 7]! & 255;
    }
    return [lo, hi];
  }

  /** Clear every customer's masks (the table is reused for another byte range). */
  clearMasks(): void {
    for (let s = 0; s < this.slots.length; s += SLOT) {
      this.slots[s + 5] = 0;
      this.slots[s + 6] = 0;
      this.slots[s + 7]! &= ~255;
    }
  }

  private matches(i: number, buf: Buffer, s: number, e: number, h: number): boolean {
    const slot = i * SLOT;
    const len = e - s;
    const sl = this.slots;
    if (sl[slot] !== h || sl[slot + 1] !== len) return false;
    if (sl[slot + 2] !== word(buf, s, e) || sl[slot + 3] !== word(buf, s + 4, e)) return false;
    if (len <= 8) return true;
    const off = this.offsets[sl[slot + 4]! - 1]! - s;
    for (let p = s + 8; p < e; p++) if (this.arena[p + off] !== buf[p]) return false;
    return true;
  }
}

/** Bytes `[p, p + 4)` of `buf` below `e` as a little-endian int (missing bytes are 0). */
function word(buf: Buffer, p: number, e: number): number {
  return (
    (p < e ? buf[p]! : 0) |
    (p + 1 < e ? buf[p + 1]! << 8 : 0) |
    (p + 2 < e ? buf[p + 2]! << 16 : 0) |
    (p + 3 < e ? buf[p + 3]! << 24 : 0)
  );
}

/** FNV-1a over `buf[s, e)`, finalised so the low bits spread. */
export function hashBytes(buf: Buffer, s: number, e: number): number {
  let h = 0x811c9dc5 ^ (e - s);
  for (let p = s; p < e; p++) h = Math.imul(h ^ buf[p]!, 16777619);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 12);
}
