/**
 * A mergeable distinct-count sketch of customer ids for the stream processor's state: exact while small, then a
 * HyperLogLog, with order-independent, canonical bytes so partial states from any partitions and batches can be
 * merged and persisted (e.g. as base64 in workflow state). Pure: no I/O, no Node built-ins.
 *
 * - Sparse (exact): a {@link HashSet64} of the 64-bit {@link hash64} values while it holds ≤ {@link SPARSE_MAX}.
 * - Dense: HyperLogLog with precision p = 16: 65,536 one-byte registers; register index = top 16 bits of the hash;
 *   rank = 1 + leading zeros of the remaining 48 bits (low 16 of hi, then lo), capped at 49. Estimated with Otmar
 *   Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog sketches", 2017), which needs
 *   no empirical bias tables; standard error ≈ 1.04 / √65,536 ≈ 0.41 %.
 *
 * Byte format (version 1): one kind byte, then
 * - 0x11 sparse: {@link HashSet64.toBytes} (big-endian uint32 count, then sorted big-endian (hi, lo) pairs);
 * - 0x12 dense: the 65,536 registers packed 6 bits each, big-endian bit order (49,152 bytes).
 */
import { HashSet64 } from './hash-set64.js';
import { hash64, lastLow } from './hash64.js';

/** Largest number of distinct hashes kept exactly; one more switches the sketch to the dense HyperLogLog form. */
export const SPARSE_MAX = 10_000;

const P = 16;
const M = 1 << P; // registers
const Q = 64 - P; // hash bits left for the rank
const MAX_RANK = Q + 1;
const KIND_SPARSE = 0x11;
const KIND_DENSE = 0x12;
const DENSE_BYTES = 1 + (M * 6) / 8;
const histogram = new Float64Array(MAX_RANK + 1);

/** Ertl's σ(x) = x + Σ_{k≥1} x^(2^k)·2^(k−1), for the fraction x of zero registers. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (let prev = -1; z !== prev; y += y) {
    x *= x;
    prev = z;
    z += x * y;
  }
  return z;
}

/** Ertl's τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))²·2^−k) / 3, for the fraction x of saturated registers. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (let prev = -1; z !== prev;) {
    x = Math.sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  }
  return z / 3;
}

/** Ertl's improved HyperLogLog estimator over the register histogram (distinct ids, unrounded). */
function ertlEstimate(registers: Uint8Array): number {
  histogram.fill(0);
  for (let i = 0; i < M; i++) histogram[registers[i]!]!++;
  let z = M * tau(1 - histogram[MAX_RANK]! / M);
  for (let k = Q; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
  z += M * sigma(histogram[0]! / M);
  return (M * M) / (2 * Math.LN2 * z);
}

/**
 * Distinct count of customer ids that is exact up to {@link SPARSE_MAX} distinct 64-bit hashes and a p = 16
 * HyperLogLog (~0.4 % standard error) beyond; `add` allocates nothing and results do not depend on the order of
 * adds or the grouping of merges.
 */
export class CustomerSketch {
  private sparse: HashSet64 | null = new HashSet64();
  private registers: Uint8Array | null = null;

  /** Adds a 64-bit hash given as unsigned 32-bit halves; returns true when the sketch changed. */
  add(hi: number, lo: number): boolean {
    const regs = this.registers;
    if (regs !== null) {
      const rest = hi & 0xffff;
      const rank = rest !== 0 ? Math.clz32(rest) - 15 : lo !== 0 ? 17 + Math.clz32(lo) : MAX_RANK;
      const idx = hi >>> P;
      if (rank <= regs[idx]!) return false;
      regs[idx] = rank;
      return true;
    }
    const sparse = this.sparse!;
    if (sparse.size < SPARSE_MAX) return sparse.add(hi, lo);
    if (sparse.has(hi, lo)) return false;
    this.toDense();
    return this.add(hi, lo);
  }

  /** Adds a customer id via its {@link hash64}; returns true when the sketch changed. */
  addString(id: string): boolean {
    const hi = hash64(id);
    return this.add(hi, lastLow());
  }

  /** Folds `other` into this sketch (a union); sparse stays sparse while the union has ≤ {@link SPARSE_MAX} hashes. */
  merge(other: CustomerSketch): void {
    if (other.sparse !== null) {
      other.sparse.forEach((hi, lo) => this.add(hi, lo));
      return;
    }
    const theirs = other.registers!;
    if (this.registers === null) this.toDense();
    const mine = this.registers!;
    for (let i = 0; i < M; i++) if (theirs[i]! > mine[i]!) mine[i] = theirs[i]!;
  }

  /** Distinct ids: the exact count while {@link CustomerSketch.exact}, else the rounded HyperLogLog estimate. */
  estimate(): number {
    return this.sparse !== null ? this.sparse.size : Math.round(ertlEstimate(this.registers!));
  }

  /** Whether {@link CustomerSketch.estimate} is exact (the sketch is still in its sparse form). */
  get exact(): boolean {
    return this.sparse !== null;
  }

  /** Canonical bytes (see the module doc): equal sets of hashes give equal bytes, whatever the history. */
  toBytes(): Uint8Array {
    if (this.sparse !== null) {
      const keys = this.sparse.toBytes();
      const out = new Uint8Array(1 + keys.byteLength);
      out[0] = KIND_SPARSE;
      out.set(keys, 1);
      return out;
    }
    const regs = this.registers!;
    const out = new Uint8Array(DENSE_BYTES);
    out[0] = KIND_DENSE;
    for (let i = 0, at = 1; i < M; i += 4, at += 3) {
      const bits = (regs[i]! << 18) | (regs[i + 1]! << 12) | (regs[i + 2]! << 6) | regs[i + 3]!;
      out[at] = bits >>> 16;
      out[at + 1] = bits >>> 8;
      out[at + 2] = bits;
    }
    return out;
  }

  /** Parses {@link CustomerSketch.toBytes} output; throws an Error naming the problem on corrupt or truncated input. */
  static fromBytes(b: Uint8Array): CustomerSketch {
    const where = 'CustomerSketch.fromBytes';
    if (b.byteLength === 0) throw new Error(`${where}: empty input`);
    const sketch = new CustomerSketch();
    if (b[0] === KIND_SPARSE) {
      let set: HashSet64;
      try {
        set = HashSet64.fromBytes(b.subarray(1));
      } catch (e) {
        throw new Error(`${where}: corrupt sparse sketch: ${(e as Error).message}`);
      }
      const count = (b.byteLength - 5) / 8;
      if (count > SPARSE_MAX) throw new Error(`${where}: corrupt sparse sketch: ${count} hashes exceed ${SPARSE_MAX}`);
      if (set.size !== count) throw new Error(`${where}: corrupt sparse sketch: ${count - set.size} duplicate hashes`);
      sketch.sparse = set;
      return sketch;
    }
    if (b[0] !== KIND_DENSE)
      throw new Error(`${where}: unknown version/kind byte 0x${b[0]!.toString(16).padStart(2, '0')}`);
    if (b.byteLength !== DENSE_BYTES) {
      throw new Error(
        `${where}: ${b.byteLength < DENSE_BYTES ? 'truncated' : 'oversized'} dense sketch: ${b.byteLength} bytes, expected ${DENSE_BYTES}`,
      );
    }
    const regs = new Uint8Array(M);
    for (let i = 0, at = 1; i < M; i += 4, at += 3) {
      const bits = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
      regs[i] = bits >>> 18;
      regs[i + 1] = (bits >>> 12) & 63;
      regs[i + 2] = (bits >>> 6) & 63;
      regs[i + 3] = bits & 63;
    }
    for (let i = 0; i < M; i++) {
      if (regs[i]! > MAX_RANK)
        throw new Error(`${where}: corrupt dense sketch: register ${i} = ${regs[i]} exceeds ${MAX_RANK}`);
    }
    sketch.sparse = null;
    sketch.registers = regs;
    return sketch;
  }

  /** {@link CustomerSketch.toBytes} as standard base64 (with padding), e.g. for JSON or workflow state. */
  toBase64(): string {
    return encodeBase64(this.toBytes());
  }

  /** Parses {@link CustomerSketch.toBase64} output; throws an Error on invalid base64 or a corrupt sketch. */
  static fromBase64(s: string): CustomerSketch {
    return CustomerSketch.fromBytes(decodeBase64(s));
  }

  /** Switches to the dense form, folding in every sparse hash. */
  private toDense(): void {
    const sparse = this.sparse!;
    this.registers = new Uint8Array(M);
    this.sparse = null;
    sparse.forEach((hi, lo) => this.add(hi, lo));
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Standard base64 (RFC 4648, with `=` padding) of binary bytes, without `btoa` or `Buffer`. */
function encodeBase64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]! + ALPHABET[(v >>> 6) & 63]! + ALPHABET[v & 63]!;
  }
  if (i < b.length) {
    const v = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8);
    s += ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]! + (i + 1 < b.length ? ALPHABET[(v >>> 6) & 63]! : '=') + '=';
  }
  return s;
}

/** Decodes standard base64 (padding optional); throws an Error naming the first invalid character. */
function decodeBase64(s: string): Uint8Array {
  const end = s.endsWith('==') ? s.length - 2 : s.endsWith('=') ? s.length - 1 : s.length;
  if (end % 4 === 1 || (end < s.length && s.length % 4 !== 0))
    throw new Error(`CustomerSketch.fromBase64: invalid base64 length ${s.length}`);
  const out = new Uint8Array((end * 3) >>> 2);
  let acc = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) throw new Error(`CustomerSketch.fromBase64: invalid base64 character ${JSON.stringify(s[i])} at ${i}`);
    acc = (acc << 6) | v;
    if ((i & 3) === 3) {
      out[o++] = acc >>> 16;
      out[o++] = acc >>> 8;
      out[o++] = acc;
      acc = 0;
    }
  }
  const rest = end & 3;
  if (rest === 2) out[o] = acc >>> 4;
  if (rest === 3) {
    out[o] = acc >>> 10;
    out[o + 1] = acc >>> 2;
  }
  return out;
}
