/** Describe lake files for the catalog: size, content hash and Parquet row count (from the file's footer). */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { CatalogFile } from '../../adapters/catalog/types.js';
import type { DuckSession } from '../batch/duckdb.js';
import { sqlLiteral } from '../fsutil.js';

/** SHA-256 of a file's content, hex (a file over 64 MiB is streamed: bounded memory). */
export async function fileSha256(path: string): Promise<string> {
  // Files up to 64 MiB (a lake hour) are read whole, off this thread, and hashed in one call (1.2 GB/s here;
  // WebCrypto on the thread pool measured slower); larger ones are streamed.
  if (statSync(path).size <= 64 << 20)
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Files hashed at once by {@link describeParquetFiles} (each up to 64 MiB in memory). */
const HASHES_IN_FLIGHT = 4;

/** Catalog entries of Parquet files under `tableDir` (paths stored relative to it). */
export async function describeParquetFiles(db: DuckSession, tableDir: string, paths: string[]): Promise<CatalogFile[]> {
  const out: CatalogFile[] = [];
  const sorted = [...paths].sort();
  // Files are read for their content hashes HASHES_IN_FLIGHT at a time, while the row counts are read.
  const hashes: Promise<string>[] = [];
  const startHash = (i: number) => {
    if (i >= sorted.length) return;
    const h = fileSha256(sorted[i]!);
    h.catch(() => undefined); // a failure surfaces where the hash is awaited
    hashes[i] = h;
  };
  for (let i = 0; i < HASHES_IN_FLIGHT; i++) startHash(i);
  for (const [i, path] of sorted.entries()) {
    startHash(i + HASHES_IN_FLIGHT);
    const [r] = await db.rows<{ n: number }>(
      `SELECT coalesce(sum(num_rows), 0)::BIGINT::DOUBLE AS n FROM parquet_file_metadata(${sqlLiteral(path)})`,
    );
    out.push({
      path: relative(tableDir, path),
      rows: Number(r!.n),
      bytes: statSync(path).size,
      sha256: await hashes[i]!,
    });
  }
  return out;
}
