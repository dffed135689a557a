/**
 * partition step: the day's validated rows (hourly clean CSVs) become Hive-style Parquet in the lake,
 * `weblogs/date=YYYY-MM-DD/hour=HH/part-0.parquet`. Written aside and swapped in, so a re-run replaces the
 * date's partition whole and never duplicates it.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { CLEAN_COLUMNS } from './validate-file.js';
import type { DuckSession } from './duckdb.js';
import { sqlLiteral, swapDirectory } from '../fsutil.js';

const TYPES: Record<(typeof CLEAN_COLUMNS)[number], string> = {
  event_time_ms: 'BIGINT', customer_id: 'VARCHAR', session_id: 'VARCHAR', ip: 'VARCHAR', method: 'VARCHAR', path: 'VARCHAR',
  http_status: 'SMALLINT', bytes_sent: 'BIGINT', response_ms: 'BIGINT', user_agent: 'VARCHAR', referrer: 'VARCHAR',
  device: 'VARCHAR', content_id: 'VARCHAR', status_category: 'VARCHAR', source_file: 'VARCHAR',
};

/** Read options for the clean CSVs (no header, fixed schema, RFC 4180 quotes). */
export function cleanCsvReader(files: string[]): string {
  const cols = CLEAN_COLUMNS.map((c) => `'${c}': '${TYPES[c]}'`).join(', ');
  return `read_csv([${files.map(sqlLiteral).join(', ')}], header = false, auto_detect = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', columns = {${cols}})`;
}

/** Lake columns: event_time as TIMESTAMPTZ (UTC) plus every validated and derived field. */
const PROJECTION = `make_timestamptz(event_time_ms * 1000) AS event_time, ${CLEAN_COLUMNS.filter((c) => c !== 'event_time_ms').join(', ')}`;

/** Write the date's Parquet partition from `cleanDir` into `partitionDir` (replacing it). Returns files and rows written. */
export async function writePartition(db: DuckSession, cleanDir: string, partitionDir: string): Promise<{ files: number; rows: number }> {
  const staged = `${partitionDir}.staging-${process.pid}`;
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  let files = 0;
  let rows = 0;
  const hours = existsSync(cleanDir) ? readdirSync(cleanDir).filter((d) => /^hour=\d\d$/.test(d)).sort() : [];
  for (const hour of hours) {
    const inputs = readdirSync(`${cleanDir}/${hour}`).filter((f) => f.endsWith('.csv')).sort().map((f) => `${cleanDir}/${hour}/${f}`);
    if (inputs.length === 0) continue;
    mkdirSync(`${staged}/${hour}`, { recursive: true });
    const out = `${staged}/${hour}/part-0.parquet`;
    // Inputs in a fixed order and DuckDB's preserve_insertion_order: the same input yields the same file.
    await db.run(`COPY (SELECT ${PROJECTION} FROM ${cleanCsvReader(inputs)}) TO ${sqlLiteral(out)} (FORMAT parquet, COMPRESSION snappy)`);
    const [r] = await db.rows<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlLiteral(out)})`);
    rows += r!.n;
    files++;
  }
  mkdirSync(`${partitionDir}/..`, { recursive: true });
  swapDirectory(staged, partitionDir);
  return { files, rows };
}
