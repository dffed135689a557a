/**
 * Registration of `web_events` hours in the lake catalog once every partition of the stream has compacted them
 * (the workflow calls it after a round of micro-batches whose watermark passed the hours). Idempotent: an hour
 * whose files (names and sizes) equal its registration is left alone; a changed or new one is (re)registered,
 * all in one transaction.
 */
import { readdirSync, statSync } from 'node:fs';
import type { LakeCatalog, PartitionRegistration } from '../../../adapters/catalog/types.js';
import { parsePartitionPath } from '../../../common/lake.js';
import { withDuckDb, type DuckDbSettings } from '../../batch/duckdb.js';
import { describeParquetFiles } from '../../lake/files.js';
import { hourDirs, type LakeSinkLayout } from './sink-lake.js';

const HOUR_MS = 3_600_000;

/** Register the closed hours ending at or before `throughMs`; returns the partitions (re)registered. */
export async function registerClosedHours(
  catalog: LakeCatalog,
  l: LakeSinkLayout,
  throughMs: number,
  producer: string,
  duck: DuckDbSettings,
): Promise<string[]> {
  const registered = new Map((await catalog.list({ table: 'web_events' })).map((p) => [p.path, p]));
  const todo: { path: string; files: string[] }[] = [];
  for (const h of hourDirs(l.tableDir)) {
    if (h.hourMs + HOUR_MS > throughMs) continue;
    const dir = `${l.tableDir}/${h.path}`;
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.parquet') && !f.startsWith('.') && !f.startsWith('_'))
      .sort();
    if (files.length === 0) continue;
    const known = registered.get(h.path);
    const same =
      known &&
      known.files.length === files.length &&
      known.files.every(
        (f) => files.includes(f.path.slice(h.path.length + 1)) && statSync(`${l.tableDir}/${f.path}`).size === f.bytes,
      );
    if (!same) todo.push({ path: h.path, files: files.map((f) => `${dir}/${f}`) });
  }
  if (todo.length === 0) return [];
  const parts: PartitionRegistration[] = await withDuckDb(duck, async (db) => {
    const out: PartitionRegistration[] = [];
    for (const t of todo)
      out.push({ values: parsePartitionPath(t.path)!, files: await describeParquetFiles(db, l.tableDir, t.files) });
    return out;
  });
  await catalog.register('web_events', parts, producer);
  return todo.map((t) => t.path);
}
