/**
 * `viewership lake query`: DuckDB over the lake catalog's registered partitions only. Each lake table is a
 * view over its registered files (lib/lake/ddl.ts `duckdbViews`), so a file that sits in the lake directory
 * but is not registered (a half-written hour, a stray copy) is never read.
 */
import { existsSync } from 'node:fs';
import type { DuckDBResultReader } from '@duckdb/node-api';
import type { LakeCatalog } from '../../adapters/catalog/types.js';
import { LAKE_TABLES, type LakeTable } from '../../common/lake.js';
import { withDuckDb, type DuckDbSettings, type DuckSession } from '../batch/duckdb.js';
import { BadInputError } from '../errors.js';
import { duckdbViews, registeredFiles } from './ddl.js';

/** Result of a query: column names and rows (JSON-safe values). */
export interface LakeQueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

/** Where the lake is and how DuckDB may run. */
export interface LakeQueryOptions {
  lakeDir: string;
  duckdb: DuckDbSettings;
  /** Tables to expose (default every lake table). */
  tables?: readonly LakeTable[];
}

/**
 * Run `f` on a DuckDB session whose lake tables are views over the catalog's registered partitions. A
 * registered file missing from the lake is an error naming it (the catalog and LAKE_DIR disagree).
 */
export async function withLakeViews<T>(
  catalog: LakeCatalog,
  o: LakeQueryOptions,
  f: (db: DuckSession) => Promise<T>,
): Promise<T> {
  const partitions = await catalog.list();
  const missing = (o.tables ?? LAKE_TABLES)
    .flatMap((t) => registeredFiles(o.lakeDir, t, partitions))
    .filter((f) => !existsSync(f));
  if (missing.length) {
    throw new BadInputError(
      `${missing.length} registered lake file(s) missing (the catalog and LAKE_DIR=${o.lakeDir} disagree), e.g. ${missing[0]}`,
      { file: missing[0] },
    );
  }
  return withDuckDb(o.duckdb, async (db) => {
    for (const stmt of duckdbViews(o.lakeDir, partitions, { tables: o.tables })) await db.run(stmt);
    return f(db);
  });
}

/** JSON-safe rows: DuckDB's JSON values, with 64-bit integers as numbers when they fit (strings otherwise). */
function jsonRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  const js = reader.getRowObjectsJS();
  return reader.getRowObjectsJson().map((row, i) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => {
        const raw = js[i]![k];
        return [k, typeof raw === 'bigint' && Number.isSafeInteger(Number(raw)) ? Number(raw) : v];
      }),
    ),
  );
}

/** Run `sql` (one or more statements; the last one's result is returned) over the registered partitions. */
export async function lakeQuery(catalog: LakeCatalog, o: LakeQueryOptions, sql: string): Promise<LakeQueryResult> {
  return withLakeViews(catalog, o, async (db) => {
    try {
      const statements = await db.conn.extractStatements(sql);
      if (statements.count === 0) throw new BadInputError('no SQL statement to run');
      let reader: DuckDBResultReader | undefined;
      for (let i = 0; i < statements.count; i++) {
        const prepared = await statements.prepare(i);
        try {
          reader = await prepared.runAndReadAll();
        } finally {
          prepared.destroySync();
        }
      }
      return { columns: reader!.deduplicatedColumnNames(), rows: jsonRows(reader!) };
    } catch (err) {
      if (err instanceof BadInputError) throw err;
      // A SQL error, or a registered file that is gone (the catalog and the lake disagree): one clear line.
      throw new BadInputError(
        `lake query failed: ${(err as Error).message.split('\n')[0]!.replace(/^Failed to extract statements: /, '')}`,
        {},
        { cause: err },
      );
    }
  });
}

/** Rows as an aligned text table (header, rule, rows; NULL for nulls). */
export function formatTable(r: LakeQueryResult): string {
  const cell = (v: unknown): string =>
    v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const cells = r.rows.map((row) => r.columns.map((c) => cell(row[c])));
  const widths = r.columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, j) => v.padEnd(widths[j]!))
      .join('  ')
      .trimEnd();
  return [
    line(r.columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map(line),
    `(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`,
  ].join('\n');
}
