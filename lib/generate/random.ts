/** Small seeded PRNG helpers so generated data is reproducible (same seed → same files). */

/** A seeded random source. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(xs: readonly T[]): T;
  /** One key of a weight table, proportionally to its weight. */
  weighted<K extends string | number>(table: readonly (readonly [K, number])[]): K;
}

/** mulberry32: fast, good enough for test data, fully deterministic per seed. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    weighted(table) {
      const total = table.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [k, w] of table) if ((r -= w) < 0) return k;
      return table[table.length - 1]![0];
    },
  };
}

/** Customer id for profile number n (1-based): C000001 … — shared by the profile and log generators. */
export const customerId = (n: number): string => `C${String(n).padStart(6, '0')}`;
