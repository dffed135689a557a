/**
 * `loadProfileSnapshot` keeps one row per customer even when the store hands a profile out twice: pages are read
 * by (updated_at, customer_id), so a profile updated while they are read comes again in a later page (seen in
 * the chaos run: every request of such a customer was counted twice by the day's aggregates).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ChangedProfiles, CustomerProfile, ProfilesStore } from '../../adapters/profiles/types.js';
import { loadProfileSnapshot } from './aggregate.js';
import { withDuckDb } from './duckdb.js';

const profile = (n: number, country: string, at: number): CustomerProfile => ({
  customerId: `C${String(n).padStart(6, '0')}`,
  name: `n${n}`,
  email: null,
  country,
  plan: 'basic',
  signupDate: null,
  updatedAt: new Date(at),
});

/** A store whose first page is full (50,000 profiles) and whose second page repeats C000007, updated meanwhile. */
function storeWithRepeat(): ProfilesStore {
  const first = Array.from({ length: 50_000 }, (_, i) => profile(i + 1, 'DE', 1000 + i));
  const second = [profile(7, 'FR', 999_999), profile(50_001, 'IT', 1_000_000)];
  const pages: ChangedProfiles[] = [
    { rows: first, next: { updatedAt: first.at(-1)!.updatedAt!, customerId: first.at(-1)!.customerId } },
    { rows: second, next: { updatedAt: second.at(-1)!.updatedAt!, customerId: second.at(-1)!.customerId } },
  ];
  let call = 0;
  return { changedSince: async () => pages[call++] ?? { rows: [], next: null } } as unknown as ProfilesStore;
}

describe('loadProfileSnapshot', () => {
  it('keeps the last version of a profile read twice, once', async () => {
    const settings = { memoryLimit: '256MB', threads: 1, tempDir: mkdtempSync(`${tmpdir()}/snap-`) };
    const out = await withDuckDb(settings, async (db) => {
      const loaded = await loadProfileSnapshot(db, storeWithRepeat());
      const rows = await db.rows<{ n: number; distinct_ids: number }>(
        'SELECT count(*)::INTEGER AS n, count(DISTINCT customer_id)::INTEGER AS distinct_ids FROM profiles',
      );
      const c7 = await db.rows<{ country: string }>("SELECT country FROM profiles WHERE customer_id = 'C000007'");
      return { loaded, rows: rows[0], c7 };
    });
    expect(out).toEqual({ loaded: 50_001, rows: { n: 50_001, distinct_ids: 50_001 }, c7: [{ country: 'FR' }] });
  });
});
