/** `viewership lake ls|ddl|query`: the lake catalog for operators (logic in lib/lake/). */
import type { CatalogPartition, LakeCatalog } from '../adapters/catalog/types.js';
import { LAKE_TABLES, type LakeTable } from '../common/lake.js';
import { createLakeCatalog } from '../lib/clients.js';
import type { AppConfig } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { DDL_DIALECTS, lakeDdl, type DdlDialect } from '../lib/lake/ddl.js';
import { formatTable, lakeQuery, type LakeQueryResult } from '../lib/lake/query.js';

function checkTable(t: string | undefined): LakeTable | undefined {
  if (t !== undefined && !(LAKE_TABLES as readonly string[]).includes(t))
    throw new BadInputError(`--table must be one of ${LAKE_TABLES.join(', ')} (got "${t}")`);
  return t as LakeTable | undefined;
}

async function withCatalog<T>(cfg: AppConfig, f: (c: LakeCatalog) => Promise<T>): Promise<T> {
  const catalog = createLakeCatalog(cfg);
  try {
    return await f(catalog);
  } finally {
    await catalog.close();
  }
}

/** Registered partitions (optionally of one table). */
export function lakeList(cfg: AppConfig, o: { table?: string }): Promise<CatalogPartition[]> {
  const table = checkTable(o.table);
  return withCatalog(cfg, (c) => c.list({ table }));
}

/** One line per partition: table, partition, files, rows, bytes, registered at, producer. */
export function formatPartitions(parts: CatalogPartition[]): string {
  if (parts.length === 0) return 'no registered partitions';
  return formatTable({
    columns: ['table', 'partition', 'files', 'rows', 'bytes', 'registered_at', 'producer'],
    rows: parts.map((p) => ({
      table: p.table,
      partition: p.path,
      files: p.files.length,
      rows: p.rows,
      bytes: p.bytes,
      registered_at: p.registeredAt.toISOString(),
      producer: p.producer,
    })),
  }).replace(
    /\n\(\d+ rows?\)$/,
    `\n(${parts.length} partition${parts.length === 1 ? '' : 's'}, ${parts.reduce((n, p) => n + p.rows, 0)} rows)`,
  );
}

/** The DDL registering the current partitions in `dialect`. */
export async function lakeDdlCommand(
  cfg: AppConfig,
  o: { dialect: string; table?: string; database?: string; replace?: boolean },
): Promise<string> {
  if (!(DDL_DIALECTS as readonly string[]).includes(o.dialect))
    throw new BadInputError(`--dialect must be one of ${DDL_DIALECTS.join(', ')} (got "${o.dialect}")`);
  const table = checkTable(o.table);
  const parts = await withCatalog(cfg, (c) => c.list({ table }));
  return lakeDdl(o.dialect as DdlDialect, cfg.paths.lakeDir, parts, {
    tables: table ? [table] : undefined,
    database: o.database,
    replace: o.replace,
  });
}

/** Run SQL over the registered partitions with DuckDB. */
export function lakeQueryCommand(cfg: AppConfig, sql: string): Promise<LakeQueryResult> {
  if (sql.trim() === '')
    throw new BadInputError('lake query needs SQL, e.g. viewership lake query "SELECT count(*) FROM weblogs"');
  return withCatalog(cfg, (c) =>
    lakeQuery(
      c,
      {
        lakeDir: cfg.paths.lakeDir,
        duckdb: {
          memoryLimit: cfg.batch.duckdbMemoryLimit,
          threads: cfg.batch.duckdbThreads,
          tempDir: `${cfg.paths.workDir}/duckdb-tmp`,
        },
      },
      sql,
    ),
  );
}
