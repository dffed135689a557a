/**
 * A fast, well-mixed, allocation-free 64-bit hash of a JS string, for hot paths (dedupe sets and distinct-count
 * sketches fed at 100,000+ events/s). Pure: no I/O and no Node built-ins, so it also runs in the Temporal workflow
 * sandbox and in browsers.
 *
 * Algorithm: the string's UTF-16 code units are read two at a time as little-endian 32-bit blocks and fed to two
 * MurmurHash3-x86_32-style lanes that use different seeds, multipliers and rotations (so a block difference that
 * cancels in one lane does not cancel in the other). The lanes are cross-added, each is run through the MurmurHash3
 * 32-bit finaliser (`fmix32`), and cross-added again, as MurmurHash3 x86_128 does with its lanes. The result is the
 * 64-bit value `hi * 2^32 + lo`, both halves unsigned 32-bit. Not cryptographic: do not use against adversaries.
 *
 * A 64-bit value cannot be returned in one JS number (53-bit mantissa) and returning an array or BigInt would
 * allocate on every call, so two allocation-free conventions are offered:
 *
 * - "two registers": {@link hash64} returns `hi` and leaves `lo` in a module-level register that {@link lastLow}
 *   reads. Read it immediately, before any other call to `hash64`/`hash64Into`:
 *   `const hi = hash64(id); const lo = lastLow();`
 * - "out array": {@link hash64Into} writes `hi` to `out[at]` and `lo` to `out[at + 1]` of a caller-owned
 *   `Uint32Array`.
 *
 * Both give identical values. The output is stable across versions: it is persisted inside sketches and sets.
 */

// Lane A: MurmurHash3 x86_32 block constants. Lane B: the third and fourth block constants of MurmurHash3 x86_128.
const A_MUL1 = 0xcc9e2d51;
const A_MUL2 = 0x1b873593;
const A_ADD = 0xe6546b64;
const B_MUL1 = 0x38b34ae5;
const B_MUL2 = 0xa1e38b93;
const B_ADD = 0x96cd1c35;
const SEED_A = 0x2f693b5d;
const SEED_B = 0x6b43a9b5;

/** The low 32 bits of the most recent hash (the second "register" of the two-register convention). */
let lowRegister = 0;

/** MurmurHash3's 32-bit finaliser: an invertible avalanche mix of one 32-bit word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Hashes `s`; returns hi (unsigned) and stores lo (unsigned) in `lowRegister`. */
function hashCore(s: string): number {
  const n = s.length;
  const pairsEnd = n & ~1;
  let h1 = SEED_A;
  let h2 = SEED_B;
  let k1: number;
  let k2: number;
  let i = 0;
  for (; i < pairsEnd; i += 2) {
    const k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k1 = Math.imul(k, A_MUL1);
    k1 = Math.imul((k1 << 15) | (k1 >>> 17), A_MUL2);
    h1 ^= k1;
    h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + A_ADD) | 0;
    k2 = Math.imul(k, B_MUL1);
    k2 = Math.imul((k2 << 17) | (k2 >>> 15), B_MUL2);
    h2 ^= k2;
    h2 = (Math.imul((h2 << 15) | (h2 >>> 17), 5) + B_ADD) | 0;
  }
  if (i < n) {
    // Odd tail: one code unit, mixed in without the state rotation (as MurmurHash3 does for its tail bytes).
    const k = s.charCodeAt(i);
    k1 = Math.imul(k, A_MUL1);
    h1 ^= Math.imul((k1 << 15) | (k1 >>> 17), A_MUL2);
    k2 = Math.imul(k, B_MUL1);
    h2 ^= Math.imul((k2 << 17) | (k2 >>> 15), B_MUL2);
  }
  h1 ^= n;
  h2 ^= n;
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  lowRegister = h2 >>> 0;
  return h1 >>> 0;
}

/**
 * Hashes `s` to 64 bits without allocating and returns the HIGH 32 bits as an unsigned number (0 ≤ hi < 2^32);
 * the LOW 32 bits are left for {@link lastLow}, which must be read before the next hash call.
 */
export function hash64(s: string): number {
  return hashCore(s);
}

/**
 * The unsigned LOW 32 bits of the 64-bit hash computed by the most recent {@link hash64} or {@link hash64Into}
 * call (0 before any call); the second register of the two-register convention.
 */
export function lastLow(): number {
  return lowRegister;
}

/**
 * Hashes `s` to 64 bits without allocating and writes the unsigned halves into a caller-owned array:
 * hi at `out[at]`, lo at `out[at + 1]` (same values as {@link hash64} / {@link lastLow}).
 */
export function hash64Into(s: string, out: Uint32Array, at: number): void {
  out[at] = hashCore(s);
  out[at + 1] = lowRegister;
}
