/**
 * A compact set of 64-bit keys (e.g. {@link hash64} values) given as unsigned 32-bit (hi, lo) pairs, for exact
 * dedupe and exact distinct counts in the stream processor's state. Pure: no I/O, no Node built-ins.
 *
 * Layout: one `Uint32Array` of `capacity` slots × 2 words (hi, lo) with open addressing and linear probing; the
 * capacity is a power of two and the table doubles before the load would exceed 0.5, so a lookup touches ~1.5 slots
 * on average and 1,000,000 keys take a 2^21-slot (16 MiB) table. The all-zero word pair marks an empty slot, so the
 * key (0, 0) is kept out of the table in a separate flag.
 */

const MIN_CAPACITY = 16;
const HEADER_BYTES = 4;
const KEY_BYTES = 8;
/** Whether this platform stores typed-array words little-endian (decides which 32-bit half of a u64 is `hi`). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Slot hash of a key: an fmix32-style avalanche of both halves, so structured keys (e.g. lo = 0) still spread. */
export function slotHash(hi: number, lo: number): number {
  let h = Math.imul(lo, 0xcc9e2d51) ^ hi;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Validates the `count, pairs…` layout and returns the key count (throws naming the problem otherwise). */
function checkedCount(b: Uint8Array, where: string): number {
  if (b.byteLength < HEADER_BYTES)
    throw new Error(`${where}: truncated input: ${b.byteLength} bytes, need a 4-byte key count`);
  const count = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0);
  const want = HEADER_BYTES + count * KEY_BYTES;
  if (b.byteLength !== want) {
    throw new Error(
      `${where}: ${b.byteLength < want ? 'truncated' : 'oversized'} input: header says ${count} keys (${want} bytes) but got ${b.byteLength} bytes`,
    );
  }
  return count;
}

/**
 * An open-addressing hash set of 64-bit keys as (hi, lo) uint32 pairs in a single growing `Uint32Array`; `add` and
 * `has` allocate nothing (except when the table doubles), which keeps per-event dedupe cheap and memory at 16–32
 * bytes per key.
 */
export class HashSet64 {
  private table: Uint32Array;
  private mask: number;
  /** Keys stored in the table (all except (0, 0)). */
  private count = 0;
  private hasZero = false;

  /** Creates an empty set whose table can take `expectedKeys` keys before its first doubling. */
  constructor(expectedKeys = 0) {
    const capacity = HashSet64.capacityFor(expectedKeys);
    this.table = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  /** Number of distinct keys in the set. */
  get size(): number {
    return this.count + (this.hasZero ? 1 : 0);
  }

  /** Table capacity in slots (a power of two); the table uses `capacity × 8` bytes. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** Adds the key (hi, lo) (each an unsigned 32-bit integer); returns true when it was not yet in the set. */
  add(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if ((hi | lo) === 0) {
      if (this.hasZero) return false;
      this.hasZero = true;
      return true;
    }
    let t = this.table;
    let mask = this.mask;
    let i = slotHash(hi, lo) & mask;
    for (;;) {
      const j = i << 1;
      const h = t[j]!;
      const l = t[j + 1]!;
      if (h === hi && l === lo) return false;
      if ((h | l) === 0) break;
      i = (i + 1) & mask;
    }
    if (this.count + 1 > (mask + 1) >>> 1) {
      this.resize((mask + 1) * 2);
      t = this.table;
      mask = this.mask;
      i = slotHash(hi, lo) & mask;
      while ((t[i << 1]! | t[(i << 1) + 1]!) !== 0) i = (i + 1) & mask;
    }
    t[i << 1] = hi;
    t[(i << 1) + 1] = lo;
    this.count++;
    return true;
  }

  /** Whether the key (hi, lo) (unsigned 32-bit halves) is in the set. */
  has(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if ((hi | lo) === 0) return this.hasZero;
    const t = this.table;
    const mask = this.mask;
    let i = slotHash(hi, lo) & mask;
    for (;;) {
      const j = i << 1;
      const h = t[j]!;
      const l = t[j + 1]!;
      if (h === hi && l === lo) return true;
      if ((h | l) === 0) return false;
      i = (i + 1) & mask;
    }
  }

  /** Calls `cb(hi, lo)` once per key, in unspecified (table) order; the set must not be modified meanwhile. */
  forEach(cb: (hi: number, lo: number) => void): void {
    if (this.hasZero) cb(0, 0);
    const t = this.table;
    for (let j = 0; j < t.length; j += 2) {
      const h = t[j]!;
      const l = t[j + 1]!;
      if ((h | l) !== 0) cb(h, l);
    }
  }

  /**
   * Serialises the set compactly and canonically: a big-endian uint32 key count, then each key as big-endian
   * uint32 hi, lo, sorted ascending as unsigned 64-bit numbers, so equal sets always give equal bytes.
   */
  toBytes(): Uint8Array {
    const n = this.size;
    // Sort as native u64s: place each key's halves in a BigUint64Array's words (no BigInt per key).
    const keys = new BigUint64Array(n);
    const words = new Uint32Array(keys.buffer);
    const hiAt = LITTLE_ENDIAN ? 1 : 0;
    let w = 0;
    this.forEach((hi, lo) => {
      words[w + hiAt] = hi;
      words[w + 1 - hiAt] = lo;
      w += 2;
    });
    keys.sort();
    const out = new Uint8Array(HEADER_BYTES + n * KEY_BYTES);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, n);
    for (let k = 0, at = HEADER_BYTES; k < words.length; k += 2, at += KEY_BYTES) {
      dv.setUint32(at, words[k + hiAt]!);
      dv.setUint32(at + 4, words[k + 1 - hiAt]!);
    }
    return out;
  }

  /** Parses {@link HashSet64.toBytes} output (keys in any order); throws an Error naming the problem if malformed. */
  static fromBytes(b: Uint8Array): HashSet64 {
    const set = new HashSet64(checkedCount(b, 'HashSet64.fromBytes'));
    set.addAllFromBytes(b);
    return set;
  }

  /** Adds every key of a {@link HashSet64.toBytes} byte string (a set union); throws before adding if malformed. */
  addAllFromBytes(b: Uint8Array): void {
    const count = checkedCount(b, 'HashSet64.addAllFromBytes');
    if (count * 2 > this.capacity) this.resize(HashSet64.capacityFor(Math.max(count, this.count)));
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let at = HEADER_BYTES; at < b.byteLength; at += KEY_BYTES) this.add(dv.getUint32(at), dv.getUint32(at + 4));
  }

  /** The smallest allowed capacity (slots) holding `keys` keys at load ≤ 0.5. */
  private static capacityFor(keys: number): number {
    let capacity = MIN_CAPACITY;
    while (capacity < keys * 2) capacity *= 2;
    return capacity;
  }

  /** Rehashes every table key into a fresh table of `capacity` slots (a power of two). */
  private resize(capacity: number): void {
    const old = this.table;
    const t = new Uint32Array(capacity * 2);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 2) {
      const h = old[j]!;
      const l = old[j + 1]!;
      if ((h | l) === 0) continue;
      let i = slotHash(h, l) & mask;
      while ((t[i << 1]! | t[(i << 1) + 1]!) !== 0) i = (i + 1) & mask;
      t[i << 1] = h;
      t[(i << 1) + 1] = l;
    }
    this.table = t;
    this.mask = mask;
  }
}
