/** Describe lake files for the catalog: size, content hash and Parquet row count (from the file's footer). */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { relative } from 'node:path';
import type { CatalogFile } from '../../adapters/catalog/types.js';
import type { DuckSession } from '../batch/duckdb.js';
import { sqlLiteral } from '../fsutil.js';

/** SHA-256 of a file's content, hex (streamed: constant memory). */
export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Catalog entries of Parquet files under `tableDir` (paths stored relative to it). */
export async function describeParquetFiles(db: DuckSession, tableDir: string, paths: string[]): Promise<CatalogFile[]> {
  const out: CatalogFile[] = [];
  for (const path of [...paths].sort()) {
    const [r] = await db.rows<{ n: number }>(
      `SELECT coalesce(sum(num_rows), 0)::BIGINT::DOUBLE AS n FROM parquet_file_metadata(${sqlLiteral(path)})`,
    );
    out.push({
      path: relative(tableDir, path),
      rows: Number(r!.n),
      bytes: statSync(path).size,
      sha256: await fileSha256(path),
    });
  }
  return out;
}
