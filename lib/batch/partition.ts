/**
 * partition step: the day's validated rows (hourly clean CSVs) become Hive-style Parquet in the lake,
 * `weblogs/date=YYYY-MM-DD/hour=HH/part-0.parquet`. Written aside and swapped in, so a re-run replaces the
 * date's partition whole and never duplicates it. The lake's `source_file` (the landed file's name) is added
 * per clean file here, from the file's name (`<sha256>[.pNN].csv`): the clean rows do not repeat it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { CLEAN_COLUMNS } from './validate-file.js';
import type { DuckSession } from './duckdb.js';
import { sqlLiteral, swapDirectory } from '../fsutil.js';
import { describeWrittenFile, type WrittenFile } from '../lake/files.js';
import { BadInputError } from '../errors.js';

const TYPES: Record<(typeof CLEAN_COLUMNS)[number], string> = {
  event_time_ms: 'BIGINT',
  customer_id: 'VARCHAR',
  session_id: 'VARCHAR',
  ip: 'VARCHAR',
  method: 'VARCHAR',
  path: 'VARCHAR',
  http_status: 'SMALLINT',
  bytes_sent: 'BIGINT',
  response_ms: 'BIGINT',
  user_agent: 'VARCHAR',
  referrer: 'VARCHAR',
  device: 'VARCHAR',
  content_id: 'VARCHAR',
  status_category: 'VARCHAR',
};

/** Read options for the clean CSVs (no header, fixed schema, RFC 4180 quotes); `filename = true` adds each row's file path. */
export function cleanCsvReader(files: string[]): string {
  const cols = CLEAN_COLUMNS.map((c) => `'${c}': '${TYPES[c]}'`).join(', ');
  return `read_csv([${files.map(sqlLiteral).join(', ')}], header = false, auto_detect = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', filename = true, columns = {${cols}})`;
}

/** The landed file name of each staged file (by sha256), from the staging manifest `landDay` writes. */
export type SourceNames = ReadonlyMap<string, string>;

/**
 * Lake columns: event_time as TIMESTAMPTZ (UTC), every validated and derived field, and `source_file` mapped
 * from each row's clean file (a constant per file, so the CASE is evaluated per chunk, not per row). A clean
 * file whose sha256 is not in `sources` keeps its stem (callers without a manifest, e.g. unit tests).
 */
function projection(inputs: string[], sources: SourceNames): string {
  const cases = inputs.map((f) => {
    const stem = basename(f).split('.')[0]!;
    return `WHEN ${sqlLiteral(f)} THEN ${sqlLiteral(sources.get(stem) ?? stem)}`;
  });
  return (
    `make_timestamptz(event_time_ms * 1000) AS event_time, ${CLEAN_COLUMNS.filter((c) => c !== 'event_time_ms').join(', ')}, ` +
    `(CASE filename ${cases.join(' ')} END)::VARCHAR AS source_file`
  );
}

/**
 * Write the date's Parquet partition from `cleanDir` into `partitionDir` (replacing it); `sources` names each
 * staged file (sha256 → landed name) for `source_file`. Returns files and rows written, and each file described
 * for the catalog (hashed as soon as it is written, while the other hours are still being written). With
 * `expectedRows` (the rows validation kept), a different count fails the step before the swap.
 */
export async function writePartition(
  db: DuckSession,
  cleanDir: string,
  partitionDir: string,
  sources: SourceNames = new Map(),
  expectedRows?: number,
): Promise<{ files: number; rows: number; written: WrittenFile[] }> {
  const staged = `${partitionDir}.staging-${process.pid}`;
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  let files = 0;
  let rows = 0;
  const hashed: Promise<{ hour: string; file: WrittenFile }>[] = [];
  const hours = existsSync(cleanDir)
    ? readdirSync(cleanDir)
        .filter((d) => /^hour=\d\d$/.test(d))
        .sort()
    : [];
  // Hours are written concurrently, one connection each (as many as DuckDB has threads): an hour is a few row
  // groups, which one COPY writes with little parallelism.
  const queue = [...hours];
  const writeHours = async (conn: DuckSession): Promise<void> => {
    for (let hour = queue.shift(); hour !== undefined; hour = queue.shift()) {
      const inputs = readdirSync(`${cleanDir}/${hour}`)
        .filter((f) => f.endsWith('.csv'))
        .sort()
        .map((f) => `${cleanDir}/${hour}/${f}`);
      if (inputs.length === 0) continue;
      mkdirSync(`${staged}/${hour}`, { recursive: true });
      const out = `${staged}/${hour}/part-0.parquet`;
      // Inputs in a fixed order and DuckDB's preserve_insertion_order: the same input yields the same file.
      // COPY answers the rows it wrote (no second read of the file's footer).
      const [r] = await conn.rows<{ Count: number | bigint }>(
        `COPY (SELECT ${projection(inputs, sources)} FROM ${cleanCsvReader(inputs)}) TO ${sqlLiteral(out)} (FORMAT parquet, COMPRESSION snappy)`,
      );
      const n = Number(r!.Count);
      rows += n;
      files++;
      // Hashed while this connection writes its next hour (awaited below, before the swap).
      const described = describeWrittenFile(out, n).then((file) => ({ hour, file }));
      described.catch(() => undefined); // a failure surfaces where it is awaited
      hashed.push(described);
    }
  };
  const conns = [db];
  while (conns.length < Math.min(Math.max(1, db.threads), hours.length)) conns.push(await db.fork());
  // Every connection finishes (or fails) before the session may be closed; the first failure is reported.
  const failed = (await Promise.allSettled(conns.map(writeHours))).find(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  const descriptions = await Promise.allSettled(hashed);
  const failedHash = descriptions.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  // The Parquet must hold exactly the rows validation kept: a shortfall or a surplus never replaces the lake.
  const miscount =
    expectedRows !== undefined && rows !== expectedRows
      ? new BadInputError(
          `${cleanDir}: the Parquet written holds ${rows} rows, but validation kept ${expectedRows}; the lake partition is left as it was`,
          { file: cleanDir, reason: 'row_count_mismatch' },
        )
      : undefined;
  if (failed || failedHash || miscount) {
    rmSync(staged, { recursive: true, force: true });
    throw failed?.reason ?? failedHash?.reason ?? miscount;
  }
  mkdirSync(`${partitionDir}/..`, { recursive: true });
  swapDirectory(staged, partitionDir);
  // Renaming the directory keeps each file's size and modification time: the descriptions hold for the new paths.
  const written = descriptions.map((r) => {
    const { hour, file } = (r as PromiseFulfilledResult<{ hour: string; file: WrittenFile }>).value;
    return { ...file, path: `${partitionDir}/${hour}/part-0.parquet` };
  });
  return { files, rows, written };
}

/** sha256 → landed name of the files in a staging manifest (`<stagingDir>/manifest.json`); empty when there is none. */
export function stagedSourceNames(stagingDir: string): SourceNames {
  let manifest: { files?: { name: string; sha256: string }[] };
  try {
    manifest = JSON.parse(readFileSync(`${stagingDir}/manifest.json`, 'utf8')) as typeof manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  return new Map((manifest.files ?? []).map((f) => [f.sha256, f.name]));
}
