/**
 * DDL that makes a query engine see exactly the lake catalog's registered partitions (`viewership lake ddl`):
 * - duckdb: one view per table over `read_parquet([registered files], hive_partitioning = true)` — the file
 *   list comes from the catalog, so files in the directory that are not registered are never read;
 * - hive / spark: an external table over the table's directory plus `ALTER TABLE … ADD IF NOT EXISTS
 *   PARTITION … LOCATION …` for each registered partition, one statement per date (these engines read
 *   partitions as directories: a directory that is not registered is not read; a registered one is read whole).
 * The partition columns `date` and `hour` (`date` only for the daily `orders`; `network_id` and `minute` for
 * `ad_views_report`) are strings in every dialect ('2024-09-13', '06', '2024-09-13T06:49').
 */
import type { CatalogPartition } from '../../adapters/catalog/types.js';
import {
  LAKE_COLUMNS,
  LAKE_TABLES,
  TABLE_PARTITION_COLUMNS,
  partitionDay,
  type LakeColumnType,
  type LakeTable,
} from '../../common/lake.js';

/** SQL dialects `lake ddl` prints. */
export const DDL_DIALECTS = ['duckdb', 'hive', 'spark'] as const;
/** One of the dialects. */
export type DdlDialect = (typeof DDL_DIALECTS)[number];

/** Options of the printed DDL. */
export interface DdlOptions {
  /** Tables to print (default: every lake table). */
  tables?: readonly LakeTable[];
  /** Schema/database to create the tables in (default: the engine's current one). */
  database?: string;
  /**
   * Drop each table first (hive/spark), so the engine's partitions become exactly the registered ones even
   * when partitions were withdrawn since the DDL was last applied. The tables are external: dropping them
   * never deletes lake files. DuckDB views are always replaced.
   */
  replace?: boolean;
  /** Header comment's timestamp (default now). */
  now?: Date;
}

/** DuckDB identifier: double quotes, embedded ones doubled. */
export const duckIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;
/** DuckDB string literal: single quotes, embedded ones doubled (no backslash escapes in DuckDB). */
export const duckString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** Hive/Spark identifier: backquotes, embedded ones doubled (`date` and `hour` are reserved words there). */
export const hiveIdent = (s: string): string => `\`${s.replace(/`/g, '``')}\``;
/**
 * Hive/Spark string literal: both parse backslash escapes in quoted strings (Spark with its default
 * spark.sql.parser.escapedStringLiterals=false), so backslashes and single quotes are backslash-escaped.
 */
export const hiveString = (s: string): string =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;

/** Hive/Spark type of a lake column's DuckDB type. */
const HIVE_TYPES: Record<LakeColumnType, string> = {
  TIMESTAMPTZ: 'TIMESTAMP',
  VARCHAR: 'STRING',
  SMALLINT: 'SMALLINT',
  BIGINT: 'BIGINT',
  INTEGER: 'INT',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  'DECIMAL(12,2)': 'DECIMAL(12,2)',
  'DECIMAL(18,6)': 'DECIMAL(18,6)',
};

/** Directory of a lake table. */
export const tableDir = (lakeDir: string, table: LakeTable): string => `${lakeDir.replace(/\/+$/, '')}/${table}`;

/** A local path as the `file:` URI Hadoop-based engines take in LOCATION (not percent-encoded: Hadoop's Path does not decode). */
const fileUri = (path: string): string => `file://${path.startsWith('/') ? '' : '/'}${path}`;

/** Absolute paths of a table's registered files, in partition then file order. */
export function registeredFiles(lakeDir: string, table: LakeTable, partitions: readonly CatalogPartition[]): string[] {
  return partitions
    .filter((p) => p.table === table)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .flatMap((p) => p.files.map((f) => `${tableDir(lakeDir, table)}/${f.path}`));
}

/**
 * DuckDB statements (one per table) creating a view over the table's registered files only; a table
 * without registered partitions gets an empty view with the same columns, so queries still plan.
 */
export function duckdbViews(
  lakeDir: string,
  partitions: readonly CatalogPartition[],
  opts: Pick<DdlOptions, 'tables' | 'database'> = {},
): string[] {
  const out: string[] = [];
  if (opts.database) out.push(`CREATE SCHEMA IF NOT EXISTS ${duckIdent(opts.database)};`);
  for (const table of opts.tables ?? LAKE_TABLES) {
    const name = opts.database ? `${duckIdent(opts.database)}.${duckIdent(table)}` : duckIdent(table);
    const files = registeredFiles(lakeDir, table, partitions);
    const partitionCols = TABLE_PARTITION_COLUMNS[table];
    const cols = [...LAKE_COLUMNS[table].map(([c]) => c), ...partitionCols].map(duckIdent).join(', ');
    if (files.length === 0) {
      const nulls = [...LAKE_COLUMNS[table], ...partitionCols.map((c) => [c, 'VARCHAR'] as const)].map(
        ([c, t]) => `CAST(NULL AS ${t}) AS ${duckIdent(c)}`,
      );
      out.push(`CREATE OR REPLACE VIEW ${name} AS SELECT ${nulls.join(', ')} WHERE false; -- no registered partitions`);
      continue;
    }
    const hiveTypes = partitionCols.map((c) => `${duckString(c)}: VARCHAR`).join(', ');
    out.push(
      `CREATE OR REPLACE VIEW ${name} AS SELECT ${cols} FROM read_parquet([\n  ${files.map(duckString).join(',\n  ')}\n], hive_partitioning = true, hive_types = {${hiveTypes}});`,
    );
  }
  return out;
}

/** Hive or Spark statements: per table, the external table and its registered partitions. */
function hiveLikeStatements(
  dialect: 'hive' | 'spark',
  lakeDir: string,
  partitions: readonly CatalogPartition[],
  opts: DdlOptions,
): string[] {
  const out: string[] = [];
  if (opts.database) out.push(`CREATE DATABASE IF NOT EXISTS ${hiveIdent(opts.database)};`);
  for (const table of opts.tables ?? LAKE_TABLES) {
    const name = opts.database ? `${hiveIdent(opts.database)}.${hiveIdent(table)}` : hiveIdent(table);
    const partitionCols = TABLE_PARTITION_COLUMNS[table];
    const dataCols = LAKE_COLUMNS[table].map(([c, t]) => `  ${hiveIdent(c)} ${HIVE_TYPES[t]}`);
    const partCols = partitionCols.map((c) => `${hiveIdent(c)} STRING`);
    const location = `LOCATION ${hiveString(fileUri(tableDir(lakeDir, table)))}`;
    if (opts.replace) out.push(`DROP TABLE IF EXISTS ${name};`);
    if (dialect === 'hive') {
      out.push(
        `CREATE EXTERNAL TABLE IF NOT EXISTS ${name} (\n${dataCols.join(',\n')}\n)\nPARTITIONED BY (${partCols.join(', ')})\nSTORED AS PARQUET\n${location};`,
      );
    } else {
      // Spark data-source tables list the partition columns with the others and name them in PARTITIONED BY;
      // with LOCATION the table is external, and its partitions are those added below (not discovered).
      out.push(
        `CREATE TABLE IF NOT EXISTS ${name} (\n${[...dataCols, ...partCols.map((c) => `  ${c}`)].join(',\n')}\n)\nUSING parquet\nPARTITIONED BY (${partitionCols.map(hiveIdent).join(', ')})\n${location};`,
      );
    }
    // One ALTER TABLE per date (per network and day for the ad report), with a PARTITION … LOCATION clause per
    // registered hour or minute: the metastore adds them in one call (one statement per partition costs a
    // metastore round trip each).
    const byDate = new Map<string, CatalogPartition[]>();
    for (const p of partitions
      .filter((x) => x.table === table)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      const key = `${p.values.network_id ?? ''}\u0000${partitionDay(p.values) ?? ''}`;
      byDate.set(key, [...(byDate.get(key) ?? []), p]);
    }
    for (const parts of byDate.values()) {
      const clauses = parts.map((p) => {
        const spec = partitionCols.map((c) => `${hiveIdent(c)} = ${hiveString(p.values[c] ?? '')}`).join(', ');
        return `  PARTITION (${spec}) LOCATION ${hiveString(fileUri(`${tableDir(lakeDir, table)}/${p.path}`))}`;
      });
      out.push(`ALTER TABLE ${name} ADD IF NOT EXISTS\n${clauses.join('\n')};`);
    }
  }
  return out;
}

/** The DDL text `viewership lake ddl --dialect D` prints: a header comment, then one statement per line group, each ending in `;`. */
export function lakeDdl(
  dialect: DdlDialect,
  lakeDir: string,
  partitions: readonly CatalogPartition[],
  opts: DdlOptions = {},
): string {
  const tables = opts.tables ?? LAKE_TABLES;
  const counts = tables.map((t) => `${t} ${partitions.filter((p) => p.table === t).length}`).join(', ');
  const header = [
    `-- viewership lake catalog, ${dialect} DDL, ${(opts.now ?? new Date()).toISOString()}`,
    `-- registered partitions: ${counts}`,
  ];
  const body =
    dialect === 'duckdb'
      ? duckdbViews(lakeDir, partitions, opts)
      : hiveLikeStatements(dialect, lakeDir, partitions, opts);
  return `${[...header, ...body].join('\n')}\n`;
}

/**
 * Split printed DDL into statements (engines like Spark's `sql()` take one at a time): comment lines are
 * dropped and a statement ends with the line that ends in `;` (outside string literals, which never span lines here).
 */
export function splitStatements(ddl: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of ddl.split('\n')) {
    if (cur.length === 0 && (line.trim() === '' || line.trimStart().startsWith('--'))) continue;
    cur.push(line);
    if (/;\s*(--[^']*)?$/.test(line)) {
      out.push(cur.join('\n').replace(/;\s*(--[^']*)?$/, ''));
      cur = [];
    }
  }
  if (cur.length) out.push(cur.join('\n'));
  return out;
}
