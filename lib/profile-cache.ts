/**
 * In-memory customer-profile cache of a stream worker: customer id → (country, plan), refreshed from the
 * profiles store incrementally by `updated_at` watermark, with a periodic full reload to catch deletes.
 * Keys are 64-bit hashes of the customer ids in a typed-array table and (country, plan) pairs are interned, so an
 * entry costs 12–24 bytes and no JS object; the stream looks profiles up by the hash it already computed for the
 * customer sketch. (An id whose 64-bit hash equals a cached one would get its profile: with 1M cached ids, a chance
 * of about 5 × 10^-14 per look-up — the price of not keeping the ids.)
 */
import type { ProfilesStore, ProfileWatermark } from '../adapters/profiles/types.js';
import { HashMap64 } from './stream/hash-map64.js';
import { hash64, lastLow } from './stream/hash64.js';

/** What enrichment reads for one customer. */
export interface CachedProfile {
  country: string;
  plan: string;
}

const PAGE = 20_000;
/**
 * Re-read window before the watermark on incremental refreshes: a row committed late by a slow transaction can
 * carry an `updated_at` slightly older than rows already read; re-reading a few seconds is idempotent.
 */
export const OVERLAP_MS = 5_000;

/** A copy of the cache's contents (see `ProfileCache.snapshot` and `profileLookup`). */
export interface ProfileSnapshot {
  table: Uint32Array;
  values: CachedProfile[];
}

/** A look-up by customer-id hash over a snapshot (used inside a stream state thread). */
export function profileLookup(s: ProfileSnapshot): (hi: number, lo: number) => CachedProfile | undefined {
  const map = HashMap64.fromTable(s.table);
  return (hi, lo) => {
    const v = map.get(hi, lo);
    return v < 0 ? undefined : s.values[v];
  };
}

/** The cache; one instance per worker process. */
export class ProfileCache {
  private entries = new HashMap64();
  private readonly values: CachedProfile[] = [];
  private readonly valueIndex = new Map<string, number>();
  private watermark: ProfileWatermark | null = null;
  private lastFullReloadMs = 0;

  /** Cached profile of a customer, or undefined when unknown. */
  get(customerId: string): CachedProfile | undefined {
    const hi = hash64(customerId);
    return this.getByHash(hi, lastLow());
  }

  /** Cached profile by the customer id's `hash64` (hi, lo): the stream's look-up, with no hashing of its own. */
  getByHash(hi: number, lo: number): CachedProfile | undefined {
    const v = this.entries.get(hi, lo);
    return v < 0 ? undefined : this.values[v];
  }

  private readonly listeners: (() => void)[] = [];

  /** Call `listener` after every refresh (stream state threads take a copy of the cache then). */
  onRefresh(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** A copy of the cache to hand to another thread: the key table and the interned (country, plan) values. */
  snapshot(): ProfileSnapshot {
    return { table: this.entries.toTable(), values: [...this.values] };
  }

  /** Number of cached profiles. */
  get size(): number {
    return this.entries.size;
  }

  private intern(country: string, plan: string): number {
    const key = `${country}\u0000${plan}`;
    let i = this.valueIndex.get(key);
    if (i === undefined) {
      i = this.values.push({ country, plan }) - 1;
      this.valueIndex.set(key, i);
    }
    return i;
  }

  /**
   * Refresh from the store: a full reload when none happened within `fullReloadEveryMs` (or never), otherwise
   * only rows changed since the watermark (minus a small overlap). Returns the counts.
   */
  async refresh(
    store: ProfilesStore,
    fullReloadEveryMs: number,
    nowMs = Date.now(),
  ): Promise<{ mode: 'incremental' | 'full'; changed: number; removed: number }> {
    const full = this.watermark === null || nowMs - this.lastFullReloadMs >= fullReloadEveryMs;
    const target = full ? new HashMap64(this.entries.size) : this.entries;
    let after: ProfileWatermark | null = full
      ? null
      : { updatedAt: new Date(this.watermark!.updatedAt.getTime() - OVERLAP_MS), customerId: '' };
    let changed = 0;
    let newest = this.watermark;
    for (;;) {
      const page = await store.changedSince(after, PAGE);
      for (const p of page.rows) {
        const v = this.intern(p.country, p.plan);
        const hi = hash64(p.customerId);
        const lo = lastLow();
        if (this.entries.get(hi, lo) !== v) changed++; // new or different from what was cached
        target.set(hi, lo, v);
      }
      if (page.next && (!newest || page.next.updatedAt > newest.updatedAt)) newest = page.next;
      if (page.rows.length < PAGE || !page.next) break;
      after = page.next;
    }
    if (full) {
      // Profiles cached before but absent from the store now were deleted there.
      let gone = 0;
      this.entries.forEach((hi, lo) => void (target.get(hi, lo) < 0 && gone++));
      this.entries = target;
      this.lastFullReloadMs = nowMs;
      this.watermark = newest;
      for (const l of this.listeners) l();
      return { mode: 'full', changed, removed: gone };
    }
    this.watermark = newest;
    for (const l of this.listeners) l();
    return { mode: 'incremental', changed, removed: 0 };
  }
}
