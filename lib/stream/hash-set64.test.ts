import { describe, expect, it } from 'vitest';
import { HashSet64 } from './hash-set64.js';

/** Deterministic uint32 generator (mulberry32). */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
};

/** Random keys with plenty of repeats and structure: zero halves, small values, and full-range values. */
const randomKeys = (n: number, seed: number): Array<[number, number]> => {
  const next = rng(seed);
  const keys: Array<[number, number]> = [
    [0, 0],
    [0, 1],
    [1, 0],
    [0xffffffff, 0xffffffff],
  ];
  while (keys.length < n) {
    const r = next() & 3;
    const hi = r === 0 ? 0 : r === 1 ? next() & 0xff : next();
    const lo = r === 2 ? 0 : r === 3 ? next() : next() & 0xffff;
    keys.push([hi, lo]);
  }
  return keys;
};

/** Byte equality without vitest's slow element-by-element deep diff of large typed arrays. */
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);

describe('HashSet64', () => {
  it('agrees with a JS Set on add/has over 300k random keys including (0, 0)', () => {
    const keys = randomKeys(300_000, 7);
    const set = new HashSet64();
    const reference = new Set<string>();
    let mismatches = 0; // counted rather than expect()ed per key, to keep the test fast
    for (const [hi, lo] of keys) {
      const k = `${hi}:${lo}`;
      if (set.add(hi, lo) !== !reference.has(k)) mismatches++;
      reference.add(k);
    }
    expect(set.size).toBe(reference.size);
    expect(reference.size).toBeLessThan(keys.length); // the generator produced duplicates
    for (const [hi, lo] of keys) if (!set.has(hi, lo)) mismatches++;
    for (const [hi, lo] of randomKeys(50_000, 99)) if (set.has(hi, lo) !== reference.has(`${hi}:${lo}`)) mismatches++;
    expect(mismatches).toBe(0);
    const seen = new Set<string>();
    set.forEach((hi, lo) => seen.add(`${hi}:${lo}`));
    expect(seen).toEqual(reference);
  });

  it('treats negative int32 inputs as their unsigned values', () => {
    const set = new HashSet64();
    expect(set.add(-1, -2)).toBe(true);
    expect(set.has(0xffffffff, 0xfffffffe)).toBe(true);
    expect(set.add(0xffffffff, 0xfffffffe)).toBe(false);
  });

  it('doubles its power-of-two capacity so the load stays ≤ 0.5', () => {
    const set = new HashSet64();
    expect(set.capacity).toBe(16);
    let maxLoad = 0;
    for (let i = 1; i <= 5000; i++) {
      set.add(i, i * 7);
      maxLoad = Math.max(maxLoad, set.size / set.capacity);
    }
    expect(maxLoad).toBeLessThanOrEqual(0.5);
    expect(set.capacity).toBe(16384);
    expect(new HashSet64(5000).capacity).toBe(16384);
  });

  it('round-trips through canonical big-endian bytes, independent of insertion order', () => {
    const keys = randomKeys(20_000, 3);
    const a = new HashSet64();
    for (const [hi, lo] of keys) a.add(hi, lo);
    const b = new HashSet64();
    for (let i = keys.length - 1; i >= 0; i--) b.add(keys[i]![0], keys[i]![1]);
    const bytes = a.toBytes();
    expect(sameBytes(bytes, b.toBytes())).toBe(true);
    expect(bytes.byteLength).toBe(4 + 8 * a.size);
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint32(0)).toBe(a.size);
    expect([dv.getUint32(4), dv.getUint32(8)]).toEqual([0, 0]); // sorted: (0, 0) first
    expect([dv.getUint32(bytes.byteLength - 8), dv.getUint32(bytes.byteLength - 4)]).toEqual([0xffffffff, 0xffffffff]);
    const back = HashSet64.fromBytes(bytes);
    expect(back.size).toBe(a.size);
    expect(keys.every(([hi, lo]) => back.has(hi, lo))).toBe(true);
    expect(sameBytes(back.toBytes(), bytes)).toBe(true);
    expect(new HashSet64().toBytes()).toEqual(new Uint8Array(4));
    // A subarray view at an offset parses too.
    const framed = new Uint8Array(bytes.byteLength + 3);
    framed.set(bytes, 3);
    expect(HashSet64.fromBytes(framed.subarray(3)).size).toBe(a.size);
  });

  it('unions byte strings into an existing set with addAllFromBytes', () => {
    const a = new HashSet64();
    const b = new HashSet64();
    for (let i = 0; i < 3000; i++) a.add(i, 1);
    for (let i = 2000; i < 9000; i++) b.add(i, 1);
    a.addAllFromBytes(b.toBytes());
    expect(a.size).toBe(9000);
    let missing = 0;
    for (let i = 0; i < 9000; i++) if (!a.has(i, 1)) missing++;
    expect(missing).toBe(0);
    expect(a.has(9000, 1)).toBe(false);
  });

  it('rejects truncated or oversized bytes with an Error naming the problem', () => {
    const set = new HashSet64();
    set.add(1, 2);
    const bytes = set.toBytes();
    expect(() => HashSet64.fromBytes(bytes.subarray(0, 2))).toThrow(/truncated input: 2 bytes/);
    expect(() => HashSet64.fromBytes(bytes.subarray(0, 11))).toThrow(/truncated input: header says 1 keys/);
    expect(() => HashSet64.fromBytes(new Uint8Array([...bytes, 0]))).toThrow(/oversized input/);
    expect(() => set.addAllFromBytes(new Uint8Array([0, 0, 0, 9]))).toThrow(/HashSet64.addAllFromBytes: truncated/);
    expect(set.size).toBe(1);
  });

  it('holds 1,000,000 keys in at most 32 MB of typed arrays', () => {
    const set = new HashSet64();
    const next = rng(11);
    for (let i = 0; i < 1_000_000; i++) set.add(next(), i);
    expect(set.size).toBe(1_000_000);
    expect(set.capacity * 8).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(set.capacity * 8).toBe(16 * 1024 * 1024); // 2^21 slots × 8 bytes
  });
});
