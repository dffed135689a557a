/**
 * Durable state of the lake's incremental imports (`lake_import_state`, migration 005) in the catalog's
 * PostgreSQL database: per lake root and source, the high-water mark of the last committed import and the dates
 * it rewrote that are not yet aggregated and indexed. An advisory lock per lake root and source serializes
 * the imports (and registrations) of one lake, so two runs never rewrite the same partition at once.
 */
import { resolve } from 'node:path';
import pg from 'pg';
import { migratePostgres, type PostgresProfilesOptions } from '../profiles/postgres.js';

/** Position of the last imported row in the (updated_at, key) order. */
export interface ImportWatermark {
  updatedAt: Date;
  key: string;
}

/** The committed state of one source's import into one lake. */
export interface ImportState {
  hwm: ImportWatermark | null;
  /** Dates rewritten by committed imports and not yet indexed, sorted. */
  pendingDates: string[];
  /** Rows read by every committed import so far. */
  rowsImported: number;
}

/** Where the import state of one lake (LAKE_DIR root) is kept. */
export interface ImportStateStore {
  /** Run `f` holding the lock of `source` in this lake (waits for another holder). */
  withLock<T>(source: string, f: () => Promise<T>): Promise<T>;
  get(source: string): Promise<ImportState>;
  /** Commit an import: the new mark (kept when null), dates added to the pending ones, rows added; returns the new state. */
  commit(
    source: string,
    c: { hwm: ImportWatermark | null; addPending: string[]; rows: number; producer: string },
  ): Promise<ImportState>;
  /** Remove dates from the pending ones (they are indexed). */
  clearPending(source: string, dates: string[]): Promise<void>;
  close(): Promise<void>;
}

interface Row {
  hwm_updated_at: Date | null;
  hwm_key: string | null;
  pending_dates: string[];
  rows_imported: string;
}

const toState = (r: Row | undefined): ImportState => ({
  hwm: r?.hwm_updated_at && r.hwm_key !== null ? { updatedAt: r.hwm_updated_at, key: r.hwm_key } : null,
  pendingDates: [...(r?.pending_dates ?? [])].sort(),
  rowsImported: Number(r?.rows_imported ?? 0),
});

/** Build the import-state store of the lake at `lakeRoot` (own small pool; schema migrated on first use). */
export function createImportStateStore(opts: PostgresProfilesOptions, lakeRoot: string): ImportStateStore {
  const root = resolve(lakeRoot);
  const pool = new pg.Pool({ ...opts, max: opts.maxConnections ?? 2, connectionTimeoutMillis: 5000 });
  let ready: Promise<unknown> | undefined;
  const init = () => (ready ??= migratePostgres(pool).catch((err) => ((ready = undefined), Promise.reject(err))));
  const lockKey = (source: string) => `lake-import:${root}:${source}`;

  return {
    async withLock(source, f) {
      await init();
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock(727012, hashtext($1))', [lockKey(source)]);
        try {
          return await f();
        } finally {
          await client
            .query('SELECT pg_advisory_unlock(727012, hashtext($1))', [lockKey(source)])
            .catch(() => undefined);
        }
      } finally {
        client.release();
      }
    },
    async get(source) {
      await init();
      const r = await pool.query<Row>(
        'SELECT hwm_updated_at, hwm_key, pending_dates, rows_imported FROM lake_import_state WHERE lake_root = $1 AND source = $2',
        [root, source],
      );
      return toState(r.rows[0]);
    },
    async commit(source, c) {
      await init();
      const r = await pool.query<Row>(
        `INSERT INTO lake_import_state AS s (lake_root, source, hwm_updated_at, hwm_key, pending_dates, rows_imported, producer)
         VALUES ($1, $2, $3::timestamptz, $4, $5::text[], $6, $7)
         ON CONFLICT (lake_root, source) DO UPDATE SET
           hwm_updated_at = coalesce(EXCLUDED.hwm_updated_at, s.hwm_updated_at), hwm_key = coalesce(EXCLUDED.hwm_key, s.hwm_key),
           pending_dates = ARRAY(SELECT DISTINCT d FROM unnest(s.pending_dates || EXCLUDED.pending_dates) AS d ORDER BY d),
           rows_imported = s.rows_imported + EXCLUDED.rows_imported, updated_at = now(), producer = EXCLUDED.producer
         RETURNING hwm_updated_at, hwm_key, pending_dates, rows_imported`,
        [
          root,
          source,
          c.hwm?.updatedAt.toISOString() ?? null,
          c.hwm?.key ?? null,
          [...new Set(c.addPending)].sort(),
          c.rows,
          c.producer,
        ],
      );
      return toState(r.rows[0]);
    },
    async clearPending(source, dates) {
      if (dates.length === 0) return;
      await init();
      await pool.query(
        `UPDATE lake_import_state SET pending_dates = ARRAY(SELECT d FROM unnest(pending_dates) AS d WHERE d <> ALL($3::text[]) ORDER BY d), updated_at = now()
         WHERE lake_root = $1 AND source = $2`,
        [root, source, dates],
      );
    },
    async close() {
      await pool.end();
    },
  };
}
