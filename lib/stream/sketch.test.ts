import { describe, expect, it } from 'vitest';
import { hash64, lastLow } from './hash64.js';
import { CustomerSketch, SPARSE_MAX } from './sketch.js';

/** Deterministic [0, 1) generator (mulberry32). */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};
const randInt = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const shuffle = <T>(xs: T[], r: () => number): T[] => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
};
const sketchOf = (ids: Iterable<string>) => {
  const s = new CustomerSketch();
  for (const id of ids) s.addString(id);
  return s;
};
const ids = (from: number, to: number, prefix = 'C') =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
const relErr = (estimate: number, truth: number) => Math.abs(estimate / truth - 1);
/** Byte equality without vitest's slow element-by-element deep diff of large typed arrays. */
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);

describe('CustomerSketch', () => {
  it('counts exactly up to SPARSE_MAX distinct ids, and reports changes', () => {
    const r = rng(1);
    for (const n of [
      0,
      1,
      2,
      17,
      999,
      randInt(r, 1, SPARSE_MAX),
      randInt(r, 1, SPARSE_MAX),
      SPARSE_MAX - 1,
      SPARSE_MAX,
    ]) {
      const start = randInt(r, 0, 1e9);
      const s = new CustomerSketch();
      let changes = 0;
      for (const id of shuffle([...ids(start, start + n), ...ids(start, start + n)], r)) if (s.addString(id)) changes++;
      expect([s.exact, s.estimate(), changes]).toEqual([true, n, n]);
    }
    const full = sketchOf(ids(0, SPARSE_MAX));
    expect(full.addString('C0')).toBe(false);
    expect(full.exact).toBe(true);
    expect(full.addString('one more')).toBe(true);
    expect(full.exact).toBe(false);
    expect(relErr(full.estimate(), SPARSE_MAX + 1)).toBeLessThan(0.02);
  });

  it('addString(id) is add(hash64(id))', () => {
    const a = sketchOf(['x', 'y']);
    const b = new CustomerSketch();
    for (const id of ['y', 'x']) b.add(hash64(id), lastLow());
    expect(b.toBase64()).toBe(a.toBase64());
  });

  it('stays exact when merging sketches whose union has ≤ SPARSE_MAX ids, and goes dense beyond', () => {
    const r = rng(2);
    for (let trial = 0; trial < 6; trial++) {
      const ranges = Array.from({ length: randInt(r, 2, 6) }, () => {
        const from = randInt(r, 0, SPARSE_MAX - 1);
        return ids(from, randInt(r, from, SPARSE_MAX));
      });
      const truth = new Set(ranges.flat()).size;
      const all = new CustomerSketch();
      for (const part of shuffle(
        ranges.map((range) => sketchOf(range)),
        r,
      ))
        all.merge(part);
      expect([all.exact, all.estimate()]).toEqual([true, truth]);
    }
    const crossing = sketchOf(ids(0, 6000));
    crossing.merge(sketchOf(ids(5000, 12_000)));
    expect(crossing.exact).toBe(false);
    expect(relErr(crossing.estimate(), 12_000)).toBeLessThan(0.02);
  });

  it('estimates dense counts within 1 % for 20k–3M sequential ids', () => {
    const s = new CustomerSketch();
    const errors: Record<number, number> = {};
    let n = 0;
    for (const checkpoint of [20_000, 50_000, 100_000, 300_000, 1_000_000, 3_000_000]) {
      for (; n < checkpoint; n++) s.addString(`C${n}`);
      errors[checkpoint] = relErr(s.estimate(), checkpoint);
    }
    expect(s.exact).toBe(false);
    for (const e of Object.values(errors)) expect(e).toBeLessThan(0.01);
  });

  it('estimates 20 random subsets of 100k–500k ids with max error < 1.5 %', () => {
    const r = rng(3);
    let maxErr = 0;
    for (let trial = 0; trial < 20; trial++) {
      // A random arithmetic progression of ids: distinct, so the true count is n.
      const n = randInt(r, 100_000, 500_000);
      const start = randInt(r, 0, 1e9);
      const stride = randInt(r, 1, 1000);
      const s = new CustomerSketch();
      for (let i = 0; i < n; i++) s.addString(`C${start + i * stride}`);
      maxErr = Math.max(maxErr, relErr(s.estimate(), n));
    }
    expect(maxErr).toBeLessThan(0.015);
  });

  it('gives identical bytes for the same hashes in any add order or merge grouping', () => {
    const r = rng(4);
    for (const total of [8000, SPARSE_MAX + 500, 40_000]) {
      const pool = ids(0, total, 'u');
      const canonical = sketchOf(pool).toBytes();
      expect(sameBytes(sketchOf(shuffle([...pool], r)).toBytes(), canonical)).toBe(true);
      for (let trial = 0; trial < 3; trial++) {
        // Random overlapping groups covering the pool, merged as a random binary tree.
        const sketches = Array.from({ length: randInt(r, 2, 7) }, () => new CustomerSketch());
        for (const id of pool)
          for (let k = randInt(r, 1, 2); k > 0; k--) sketches[randInt(r, 0, sketches.length - 1)]!.addString(id);
        while (sketches.length > 1) {
          shuffle(sketches, r);
          const [a, b] = sketches.splice(0, 2) as [CustomerSketch, CustomerSketch];
          a.merge(b);
          sketches.push(a);
        }
        expect(sameBytes(sketches[0]!.toBytes(), canonical)).toBe(true);
      }
    }
  });

  it('merges dense and sparse sketches either way round', () => {
    const dense = () => sketchOf(ids(0, 50_000));
    const sparse = () => sketchOf([...ids(40_000, 45_000), ...ids(100_000, 105_000)]);
    const a = dense();
    a.merge(sparse());
    const b = sparse();
    b.merge(dense());
    expect(b.exact).toBe(false);
    expect(sameBytes(a.toBytes(), b.toBytes())).toBe(true);
    expect(sameBytes(a.toBytes(), sketchOf(ids(0, 50_000).concat(ids(100_000, 105_000))).toBytes())).toBe(true);
    expect(relErr(a.estimate(), 55_000)).toBeLessThan(0.02);
  });

  it('round-trips through bytes and base64 (standard alphabet, padding optional)', () => {
    for (const s of [new CustomerSketch(), sketchOf(['a']), sketchOf(ids(0, SPARSE_MAX)), sketchOf(ids(0, 70_000))]) {
      const bytes = s.toBytes();
      const b64 = s.toBase64();
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      for (const back of [
        CustomerSketch.fromBytes(bytes),
        CustomerSketch.fromBase64(b64),
        CustomerSketch.fromBase64(b64.replace(/=+$/, '')),
      ]) {
        expect([back.exact, back.estimate()]).toEqual([s.exact, s.estimate()]);
        expect(sameBytes(back.toBytes(), bytes)).toBe(true);
      }
    }
    expect(sketchOf(ids(0, 70_000)).toBytes().byteLength).toBe(1 + 49_152); // 65,536 registers × 6 bits
    const back = CustomerSketch.fromBytes(sketchOf(ids(0, 100)).toBytes());
    expect(back.addString('C5')).toBe(false);
    expect(back.addString('C100')).toBe(true);
  });

  it('rejects corrupt or truncated input with an Error naming the problem', () => {
    const sparse = sketchOf(['a', 'b', 'c']).toBytes();
    const dense = sketchOf(ids(0, 20_000)).toBytes();
    const withDuplicate = sparse.slice();
    withDuplicate.copyWithin(13, 5, 13);
    const badRegister = dense.slice();
    badRegister[1] = 0xff;
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array(0), /empty input/],
      [Uint8Array.of(0x42, 0, 0), /unknown version\/kind byte 0x42/],
      [sparse.subarray(0, sparse.byteLength - 1), /corrupt sparse sketch: .*truncated/],
      [sparse.subarray(0, 3), /corrupt sparse sketch: .*truncated/],
      [withDuplicate, /1 duplicate hashes/],
      [dense.subarray(0, 1000), /truncated dense sketch: 1000 bytes/],
      [Uint8Array.of(...dense, 0), /oversized dense sketch/],
      [badRegister, /register 0 = 63 exceeds 49/],
    ];
    for (const [bytes, message] of cases) expect(() => CustomerSketch.fromBytes(bytes)).toThrow(message);
    expect(() => CustomerSketch.fromBase64('EQAA*AAA')).toThrow(/invalid base64 character "\*" at 4/);
    expect(() => CustomerSketch.fromBase64('EQAAA')).toThrow(/invalid base64 length/);
  });
});
