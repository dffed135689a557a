/**
 * The profile dimension (SCD type 1) as one batch run sees it: every customer's country and plan, read once
 * at the start of the run and written as a JSON file that the validator's day aggregates join against (each
 * worker thread builds a byte-keyed look-up from it) and that the aggregate step checks them by (`id`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { ProfilesStore } from '../../../adapters/profiles/types.js';
import { writeFileAtomic } from '../../fsutil.js';
import { CustomerTable } from './customer-table.js';

/** Country and plan of customers missing from the snapshot (as the DuckDB join's `coalesce`). */
export const UNKNOWN = 'unknown';

/** A run's profile snapshot: customer ids with the index of their (country, plan) pair. */
export interface ProfileSnapshot {
  /** Random id: the day aggregates record it, the aggregate step accepts only those made with its snapshot. */
  id: string;
  /** Distinct (country, plan) pairs; the last one is always (unknown, unknown), the group of unknown customers. */
  combos: [country: string, plan: string][];
  ids: string[];
  /** `combos` index of each of `ids`. */
  combo: number[];
}

const PAGE = 50_000;

/**
 * Read every profile's country and plan from the store: by `dimensions()` (one statement, one consistent read)
 * when the store has it, else by pages of `changedSince`, keeping the last version read of each customer (pages
 * are read by (updated_at, customer_id), so a profile updated meanwhile comes again in a later page).
 */
export async function readProfileSnapshot(
  store: Pick<ProfilesStore, 'changedSince'> & Partial<Pick<ProfilesStore, 'dimensions'>>,
  onPage?: (rows: number) => void,
): Promise<ProfileSnapshot> {
  const latest = new Map<string, string>();
  if (store.dimensions) {
    const d = await store.dimensions();
    for (let i = 0; i < d.customerIds.length; i++)
      latest.set(d.customerIds[i]!, `${d.countries[i] ?? UNKNOWN}\u0000${d.plans[i] ?? UNKNOWN}`);
    onPage?.(latest.size);
    return fromLatest(latest);
  }
  let after = null;
  for (;;) {
    const page = await store.changedSince(after, PAGE);
    for (const p of page.rows) {
      latest.delete(p.customerId); // re-inserted: iteration order is the order of last reads
      latest.set(p.customerId, `${p.country ?? UNKNOWN}\u0000${p.plan ?? UNKNOWN}`);
    }
    onPage?.(latest.size);
    if (page.rows.length < PAGE || !page.next) break;
    after = page.next;
  }
  return fromLatest(latest);
}

/** The snapshot of `latest` (customer id → country and plan joined by NUL). */
function fromLatest(latest: Map<string, string>): ProfileSnapshot {
  const comboIndex = new Map<string, number>();
  const ids: string[] = [];
  const combo: number[] = [];
  for (const [id, key] of latest) {
    let k = comboIndex.get(key);
    if (k === undefined) comboIndex.set(key, (k = comboIndex.size));
    ids.push(id);
    combo.push(k);
  }
  const unknownKey = `${UNKNOWN}\u0000${UNKNOWN}`;
  const combos = [...comboIndex.keys()].map((k) => k.split('\u0000') as [string, string]);
  // Unknown customers get their own last pair; a profile whose country and plan are literally `unknown` shares
  // that group (the DuckDB join groups them the same way, by value).
  const unknownPair = comboIndex.get(unknownKey);
  if (unknownPair !== undefined) {
    combos.push([UNKNOWN, UNKNOWN]);
    for (let i = 0; i < combo.length; i++) if (combo[i] === unknownPair) combo[i] = combos.length - 1;
  } else combos.push([UNKNOWN, UNKNOWN]);
  return { id: randomUUID(), combos, ids, combo };
}

/** Write a snapshot file (atomically). */
export function writeProfileSnapshot(path: string, snap: ProfileSnapshot): void {
  writeFileAtomic(path, JSON.stringify(snap));
}

/** Read a snapshot file. */
export function readProfileSnapshotFile(path: string): ProfileSnapshot {
  return JSON.parse(readFileSync(path, 'utf8')) as ProfileSnapshot;
}

/**
 * A snapshot ready for per-row joins: its (country, plan) pairs and a pool of {@link CustomerTable}s (a table
 * carries one aggregator's running masks; one is built per concurrent aggregator and reset when handed back).
 */
export interface SnapshotLookup {
  id: string;
  /** Customers in the snapshot. */
  size: number;
  combos: ProfileSnapshot['combos'];
  /** Index of the (unknown, unknown) pair. */
  unknownCombo: number;
  /** A table with cleared masks, from the pool or new. */
  take(): CustomerTable;
  /** Hand a table back (its masks are cleared). */
  release(table: CustomerTable): void;
}

/** Build the look-up of a snapshot. */
export function snapshotLookup(snap: ProfileSnapshot): SnapshotLookup {
  const pool: CustomerTable[] = [];
  return {
    id: snap.id,
    size: snap.ids.length,
    combos: snap.combos,
    unknownCombo: snap.combos.length - 1,
    take: () => pool.pop() ?? new CustomerTable(snap.ids, snap.combo),
    release: (table) => {
      table.clearMasks();
      pool.push(table);
    },
  };
}

let cached: { key: string; lookup: SnapshotLookup } | undefined;

/**
 * The look-up of the snapshot file at `path`, kept for the next call with the same file (a day's many small
 * files are validated one after another on one thread: the look-up is built once).
 */
export function loadSnapshotLookup(path: string): SnapshotLookup {
  const st = statSync(path);
  const key = `${path}:${st.size}:${st.mtimeMs}`;
  if (cached?.key !== key) cached = { key, lookup: snapshotLookup(readProfileSnapshotFile(path)) };
  return cached.lookup;
}
