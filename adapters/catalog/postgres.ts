/**
 * The lake catalog in PostgreSQL (`lake_partitions`, migration 003), next to the profiles and the stream
 * checkpoints: one small table, transactional registration (a date's partitions change together or not at all),
 * and no extra service to run. See docs/lake.md for why not an open table format.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { partitionPath, type LakeTable, type PartitionValues } from '../../common/lake.js';
import { migratePostgres, type PostgresProfilesOptions } from '../profiles/postgres.js';
import type { CatalogFile, CatalogPartition, LakeCatalog, PartitionRegistration } from './types.js';

/** Fingerprint of a partition: SHA-256 over its files' relative paths and content hashes, in path order. */
export function partitionFingerprint(files: CatalogFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    h.update(`${f.path}\0${f.sha256}\n`);
  return h.digest('hex');
}

interface Row {
  table_name: LakeTable;
  partition_path: string;
  partition_values: PartitionValues;
  files: CatalogFile[];
  rows: string;
  bytes: string;
  fingerprint: string;
  registered_at: Date;
  producer: string;
}

/** Build the PostgreSQL catalog of the lake at `lakeRoot` (own small pool; the schema is migrated on first use). */
export function createPostgresCatalog(opts: PostgresProfilesOptions, lakeRoot: string): LakeCatalog {
  const root = resolve(lakeRoot);
  const pool = new pg.Pool({ ...opts, max: opts.maxConnections ?? 2, connectionTimeoutMillis: 5000 });
  let ready: Promise<unknown> | undefined;
  const init = () => (ready ??= migratePostgres(pool).catch((err) => ((ready = undefined), Promise.reject(err))));

  return {
    async register(
      table: LakeTable,
      partitions: PartitionRegistration[],
      producer: string,
      replace?: { date?: string; paths?: readonly string[] },
      hooks?: { beforeCommit?: () => Promise<void> },
    ): Promise<void> {
      await init();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        if (replace?.date !== undefined) {
          await client.query(
            `DELETE FROM lake_partitions WHERE lake_root = $1 AND table_name = $2 AND partition_values->>'date' = $3`,
            [root, table, replace.date],
          );
        }
        if (replace?.paths?.length) {
          await client.query(
            'DELETE FROM lake_partitions WHERE lake_root = $1 AND table_name = $2 AND partition_path = ANY($3::text[])',
            [root, table, [...replace.paths]],
          );
        }
        for (const p of partitions) {
          const rows = p.files.reduce((n, f) => n + f.rows, 0);
          const bytes = p.files.reduce((n, f) => n + f.bytes, 0);
          await client.query(
            `INSERT INTO lake_partitions (lake_root, table_name, partition_path, partition_values, files, rows, bytes, fingerprint, producer)
             VALUES ($9, $1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (lake_root, table_name, partition_path) DO UPDATE SET partition_values = EXCLUDED.partition_values, files = EXCLUDED.files,
               rows = EXCLUDED.rows, bytes = EXCLUDED.bytes, fingerprint = EXCLUDED.fingerprint, registered_at = now(), producer = EXCLUDED.producer`,
            [
              table,
              partitionPath(p.values),
              JSON.stringify(p.values),
              JSON.stringify(p.files),
              rows,
              bytes,
              partitionFingerprint(p.files),
              producer,
              root,
            ],
          );
        }
        await hooks?.beforeCommit?.();
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },

    async unregister(table: LakeTable, paths: string[]): Promise<number> {
      if (paths.length === 0) return 0;
      await init();
      const r = await pool.query(
        'DELETE FROM lake_partitions WHERE lake_root = $1 AND table_name = $2 AND partition_path = ANY($3::text[])',
        [root, table, paths],
      );
      return r.rowCount ?? 0;
    },

    async list(filter = {}): Promise<CatalogPartition[]> {
      await init();
      const r = await pool.query<Row>(
        `SELECT * FROM lake_partitions
         WHERE lake_root = $4 AND ($1::text IS NULL OR table_name = $1)
           AND ($2::text IS NULL OR coalesce(partition_values->>'date', left(partition_values->>'minute', 10)) >= $2)
           AND ($3::text IS NULL OR coalesce(partition_values->>'date', left(partition_values->>'minute', 10)) <= $3)
         ORDER BY table_name, partition_path`,
        [filter.table ?? null, filter.fromDate ?? null, filter.toDate ?? null, root],
      );
      return r.rows.map((row) => ({
        table: row.table_name,
        path: row.partition_path,
        values: row.partition_values,
        files: row.files,
        rows: Number(row.rows),
        bytes: Number(row.bytes),
        fingerprint: row.fingerprint,
        registeredAt: row.registered_at,
        producer: row.producer,
      }));
    },

    async close(): Promise<void> {
      await pool.end();
    },
  };
}
