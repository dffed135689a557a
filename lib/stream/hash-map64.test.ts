import { describe, expect, it } from 'vitest';
import { HashMap64 } from './hash-map64.js';
import { hash64, lastLow } from './hash64.js';

describe('HashMap64', () => {
  it('stores, overwrites and finds values like a Map, through growth, and iterates every key once', () => {
    const m = new HashMap64();
    const ref = new Map<string, number>();
    for (let i = 0; i < 200_000; i++) {
      const id = `C${i % 150_000}`;
      const hi = hash64(id);
      m.set(hi, lastLow(), i % 7);
      ref.set(id, i % 7);
    }
    expect(m.size).toBe(ref.size);
    let wrong = 0;
    for (const [id, v] of ref) if (m.get(hash64(id), lastLow()) !== v) wrong++;
    for (let i = 0; i < 1000; i++) if (m.get(hash64(`U${i}`), lastLow()) !== -1) wrong++;
    expect(wrong).toBe(0);
    let seen = 0;
    m.forEach(() => void seen++);
    expect(seen).toBe(ref.size);
  });

  it('keeps the zero key and value 0 apart from empty slots', () => {
    const m = new HashMap64();
    expect(m.get(0, 0)).toBe(-1);
    m.set(0, 0, 0);
    expect(m.get(0, 0)).toBe(0);
    expect(m.size).toBe(1);
  });
});
