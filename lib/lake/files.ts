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

/** A file as its writer described it, with the size and modification time that identify that content. */
export interface WrittenFile {
  path: string;
  bytes: number;
  mtimeMs: number;
  rows: number;
  sha256: string;
}

/** Describe a file just written (row count given by the writer): size, modification time and content hash. */
export async function describeWrittenFile(path: string, rows: number): Promise<WrittenFile> {
  const sha256 = await fileSha256(path);
  const st = statSync(path);
  return { path, bytes: st.size, mtimeMs: st.mtimeMs, rows, sha256 };
}

/**
 * Catalog entries of Parquet files under `tableDir` (paths stored relative to it). A file described by its writer
 * in `written` (by absolute path) and unchanged since (same size and modification time, as the landing hash cache
 * trusts) keeps that description; any other file is read: row count from its footer, content hash.
 */
export async function describeParquetFiles(
  db: DuckSession,
  tableDir: string,
  paths: string[],
  written: ReadonlyMap<string, WrittenFile> = new Map(),
): Promise<CatalogFile[]> {
  const out: CatalogFile[] = [];
  const known = new Map<string, CatalogFile>();
  for (const path of paths) {
    const w = written.get(path);
    const st = w && statSync(path, { throwIfNoEntry: false });
    if (w && st && st.size === w.bytes && st.mtimeMs === w.mtimeMs)
      known.set(path, { path: relative(tableDir, path), rows: w.rows, bytes: w.bytes, sha256: w.sha256 });
  }
  const sorted = [...paths].filter((p) => !known.has(p)).sort();
  // Files are read for their content hashes HASHES_IN_FLIGHT at a time, while the row counts are read.
  const hashes: Promise<string>[] = [];
  const startHash = (i: number) => {
    if (i >= sorted.length) return;
    const h = fileSha256(sorted[i]!);
    h.catch(() => undefined); // a failure surfaces where the hash is awaited
    hashes[i] = h;
  };
  for (let i = 0; i < HASHES_IN_FLIGHT; i++) startHash(i);
  // Row counts from the footers, all files in one query.
  const counts = new Map<string, number>();
  if (sorted.length > 0)
    for (const r of await db.rows<{ file: string; n: number }>(
      `SELECT file_name AS file, coalesce(sum(num_rows), 0)::BIGINT::DOUBLE AS n
       FROM parquet_file_metadata([${sorted.map(sqlLiteral).join(', ')}]) GROUP BY file_name`,
    ))
      counts.set(r.file, Number(r.n));
  for (const [i, path] of sorted.entries()) {
    startHash(i + HASHES_IN_FLIGHT);
    out.push({
      path: relative(tableDir, path),
      rows: counts.get(path) ?? 0,
      bytes: statSync(path).size,
      sha256: await hashes[i]!,
    });
  }
  return [...out, ...known.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
