import { describe, expect, it } from 'vitest';
import { hash64, hash64Into, lastLow } from './hash64.js';

const both = (s: string): [number, number] => {
  const hi = hash64(s);
  return [hi, lastLow()];
};
const popcount32 = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
};

/** Pearson chi-square of `counts` against a uniform expectation. */
const chiSquare = (counts: Uint32Array, total: number) => {
  const expected = total / counts.length;
  let chi = 0;
  for (const c of counts) chi += (c - expected) ** 2 / expected;
  return chi;
};

describe('hash64', () => {
  it('is deterministic, returns unsigned 32-bit halves, and agrees with hash64Into', () => {
    const out = new Uint32Array(4);
    for (const s of ['', 'a', 'ab', 'abc', 'C000123', 'evt-123-45', 'ünïcødé 😀', 'x'.repeat(1001)]) {
      const [hi, lo] = both(s);
      expect(both(s)).toEqual([hi, lo]);
      for (const v of [hi, lo]) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
      hash64Into(s, out, 1);
      expect([out[1], out[2]]).toEqual([hi, lo]);
    }
    // Pinned values: the hash is persisted inside sketches and sets, so it must never change silently.
    expect(both('')).toEqual([0x1f80df3b, 0x8f64aba9]);
    expect(both('C000123')).toEqual([0x77a9ad5a, 0x15d1b67e]);
    expect(both('evt-123-45')).toEqual([0x0e1efa5f, 0x40781a5b]);
    expect(both('ünïcødé 😀')).toEqual([0x5c1cd963, 0x67450998]);
  });

  it('gives different values for different strings, including near-identical ones', () => {
    const cases = [
      '',
      'a',
      'b',
      'ab',
      'ba',
      'a\u0000',
      '\u0000a',
      'aa',
      'abc',
      'abd',
      'C1',
      'C01',
      'C10',
      '\u0000',
      '\u0000\u0000',
    ];
    const seen = new Set(cases.map((s) => both(s).join(':')));
    expect(seen.size).toBe(cases.length);
  });

  it('avalanches: changing one character flips about half of the 64 bits', () => {
    let flipped = 0;
    let trials = 0;
    for (let i = 0; i < 2000; i++) {
      const s = `C${String(i).padStart(6, '0')}`;
      const [h1, l1] = both(s);
      const [h2, l2] = both(`${s.slice(0, -1)}${String.fromCharCode(s.charCodeAt(s.length - 1) ^ 1)}`);
      flipped += popcount32(h1 ^ h2) + popcount32(l1 ^ l2);
      trials++;
    }
    expect(flipped / trials).toBeGreaterThan(31);
    expect(flipped / trials).toBeLessThan(33);
  });

  it('spreads the top 16 bits of each half uniformly over 200k structured ids (chi-square)', () => {
    const n = 200_000;
    const top = new Uint32Array(65536);
    const topLow = new Uint32Array(65536);
    for (let i = 0; i < n; i++) {
      const s = i % 2 === 0 ? `C${String(i).padStart(6, '0')}` : `evt-${i >>> 3}-${i & 7}`;
      top[hash64(s) >>> 16]!++;
      topLow[lastLow() >>> 16]!++;
    }
    // 65,535 degrees of freedom: mean 65,535, sd ≈ 362. Bound both sides at ~6 sd: a broken hash is far off either
    // way (clumping gives a huge value, an order-preserving "hash" of sequential ids an implausibly small one).
    for (const counts of [top, topLow]) {
      const chi = chiSquare(counts, n);
      expect(chi).toBeGreaterThan(63_400);
      expect(chi).toBeLessThan(67_700);
    }
  });

  it('has no 64-bit collisions over 1M sequential ids', () => {
    const n = 1_000_000;
    // Sort the 64-bit values natively: write (hi, lo) into the words of a BigUint64Array (native endianness).
    const keys = new BigUint64Array(n);
    const words = new Uint32Array(keys.buffer);
    const hiAt = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;
    const pair = new Uint32Array(2);
    for (let i = 0; i < n; i++) {
      hash64Into(`C${i}`, pair, 0);
      words[2 * i + hiAt] = pair[0]!;
      words[2 * i + 1 - hiAt] = pair[1]!;
    }
    keys.sort();
    let collisions = 0;
    for (let i = 1; i < n; i++) if (keys[i] === keys[i - 1]) collisions++;
    expect(collisions).toBe(0);
  });
});
