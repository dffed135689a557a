import { describe, expect, it } from 'vitest';
import { countDistinctSorted, distinctPairs, sortUint32, Uint32Bag, uniqueSorted } from './sorted.js';

describe('sorted distinct counting', () => {
  it('radix-sorts 32-bit values as a numeric sort does, and counts distinct values across arrays', () => {
    const bag = new Uint32Bag();
    let x = 12345;
    for (let i = 0; i < 200_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      bag.push(i % 3 === 0 ? 0xffffffff : i % 5 === 0 ? 0 : x % 150_000);
    }
    const values = bag.values();
    const expected = Uint32Array.from(values).sort();
    expect(sortUint32(Uint32Array.from(values))).toEqual(expected);
    const a = uniqueSorted(sortUint32(Uint32Array.from(values.subarray(0, 120_000))));
    const b = uniqueSorted(sortUint32(Uint32Array.from(values.subarray(100_000))));
    expect(countDistinctSorted([a, b])).toBe(new Set(values).size);
    expect(uniqueSorted(Float64Array.of(1, 1, 2, 5, 5, 5))).toEqual(Float64Array.of(1, 2, 5));
  });

  it('packs distinct (path, customer) pairs the same in 32-bit and in 64-bit keys', () => {
    const stride = 700;
    const raw = new Uint32Array(2 * 50_000);
    for (let i = 0; i < 50_000; i++) {
      raw[2 * i] = (i * 7919) % stride;
      raw[2 * i + 1] = (i * 104_729) % 3_000;
    }
    const expected = new Set(Array.from({ length: 50_000 }, (_, i) => `${raw[2 * i]}:${raw[2 * i + 1]}`));
    const decode = (keys: ArrayLike<number>) => Array.from(keys, (k) => `${k % stride}:${Math.floor(k / stride)}`);
    const narrow = distinctPairs(raw, stride, false);
    const wide = distinctPairs(raw, stride, true);
    expect(narrow.pairs64).toHaveLength(0);
    expect(wide.pairs32).toHaveLength(0);
    expect(new Set(decode(narrow.pairs32))).toEqual(expected);
    expect(decode(wide.pairs64)).toEqual(decode(narrow.pairs32));
    expect(narrow.pairs32.length).toBe(expected.size);
  });
});
