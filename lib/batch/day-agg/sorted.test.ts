import { describe, expect, it } from 'vitest';
import { countDistinctSorted, sortUint32, Uint32Bag, uniqueSorted } from './sorted.js';

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
});
