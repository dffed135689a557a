/**
 * The stream → lake sink's second half, on the activity's thread: what makes `web_events` exactly once.
 *
 * - A batch stages its accepted rows per hour in the partition's open area (`stage.ts`), before its checkpoint
 *   is written. A batch that does not commit (its attempt failed, its worker died, a rewind) is retried from
 *   its start offset on restored state, and the retry first {@link discardStaged}s every staged file from that
 *   offset on — so the open area only ever holds committed batches plus the running one.
 * - Once the watermark has passed an hour, {@link compactClosedHours} folds the partition's staged files of that
 *   hour (and the hour's earlier compacted file, if a rewind reopened it) into one Parquet file per stream and
 *   partition in the table's `date=D/hour=H/` directory, keeping one row per Kafka offset (staged files whose
 *   names show disjoint offset ranges, with no earlier compacted file — the usual case — are copied as read; any
 *   other set goes through a de-duplication by offset); it is written under a hidden name and renamed, and only
 *   then are the staged files removed. A crash at any step leaves either the staged files (compacted again, same
 *   result) or the final file (and maybe staged files it already holds, which the next compaction absorbs
 *   without duplicates since rows are keyed by offset).
 * - No batch accepts an event behind the watermark, so a closed hour gains no rows after its compaction.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { parsePartitionPath, partitionPath, partitionStartMs, WEB_EVENT_COLUMNS } from '../../../common/lake.js';
import { withDuckDb, type DuckDbSettings } from '../../batch/duckdb.js';
import { sqlLiteral } from '../../fsutil.js';
import { failpoint } from '../../failpoints.js';
import { stagedRange } from './stage.js';

const HOUR_MS = 3_600_000;

/** Where the sink writes, for one lake root. */
export interface LakeSinkLayout {
  /** `<LAKE_DIR>/web_events`. */
  tableDir: string;
}

/** The `web_events` layout under a lake root. */
export const webEventsLayout = (lakeDir: string): LakeSinkLayout => ({ tableDir: `${lakeDir}/web_events` });

/** A partition's open area (hidden from Hive/Spark partition discovery by its leading underscore). */
export const openDir = (l: LakeSinkLayout, streamId: string, partition: number): string =>
  `${l.tableDir}/_open/${streamId}/p${partition}`;

/** Name of a stream partition's compacted file in an hour directory. */
export const compactedName = (streamId: string, partition: number): string => `${streamId}-p${partition}.parquet`;

/** Hour directories (`date=…/hour=…`) under `dir`, with their start times. */
export function hourDirs(dir: string): { path: string; hourMs: number }[] {
  if (!existsSync(dir)) return [];
  const out: { path: string; hourMs: number }[] = [];
  for (const d of readdirSync(dir)) {
    if (!d.startsWith('date=')) continue;
    for (const h of readdirSync(`${dir}/${d}`)) {
      const v = parsePartitionPath(`${d}/${h}`);
      if (v) out.push({ path: `${d}/${h}`, hourMs: partitionStartMs(v) });
    }
  }
  return out.sort((a, b) => a.hourMs - b.hourMs);
}

const stagedStart = (name: string): number | undefined => stagedRange(name)?.start;

/**
 * Whether staged files (sorted by name) hold disjoint offset ranges in offset order, by their names: then, with
 * no earlier compacted file, reading them in order gives one row per offset in offset order. Anything else —
 * an older name without its last offset, an overlap (e.g. a stale attempt's file next to its retry's) — takes
 * the compaction that keeps one row per offset.
 */
function disjointInOrder(names: string[]): boolean {
  let prevLast = -1;
  for (const n of names) {
    const r = stagedRange(n);
    if (r?.last === undefined || r.start <= prevLast || r.last < r.start) return false;
    prevLast = r.last;
  }
  return true;
}

/** Remove the partition's staged files of batches starting at or after `fromOffset` (and any half-written file). */
export function discardStaged(l: LakeSinkLayout, streamId: string, partition: number, fromOffset: number): number {
  const root = openDir(l, streamId, partition);
  let removed = 0;
  for (const h of hourDirs(root)) {
    const dir = `${root}/${h.path}`;
    for (const f of readdirSync(dir)) {
      const start = stagedStart(f);
      if (f.endsWith('.tmp') || (start !== undefined && start >= fromOffset)) {
        rmSync(`${dir}/${f}`, { force: true });
        removed++;
      }
    }
  }
  return removed;
}

/** Read options of the staged CSV files (fixed schema, every string quoted, nothing read as NULL). */
function stagedReader(files: string[]): string {
  const cols = WEB_EVENT_COLUMNS.map(([c, t]) => `'${c}': '${t}'`).join(', ');
  return `read_csv([${files.map(sqlLiteral).join(', ')}], header = false, auto_detect = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', nullstr = '\\N', columns = {${cols}})`;
}

/** One hour's compaction result. */
export interface CompactedHour {
  hourMs: number;
  path: string;
  rows: number;
}

/**
 * Compact every hour of the partition's open area that ends at or before `watermarkMs` (see module doc).
 * `heartbeat` is called between hours (a long compaction must not look like a dead worker).
 */
export async function compactClosedHours(
  l: LakeSinkLayout,
  streamId: string,
  partition: number,
  watermarkMs: number,
  duck: DuckDbSettings,
  heartbeat: () => void = () => undefined,
): Promise<CompactedHour[]> {
  const root = openDir(l, streamId, partition);
  const closed = hourDirs(root).filter((h) => h.hourMs + HOUR_MS <= watermarkMs);
  if (closed.length === 0) return [];
  const cols = WEB_EVENT_COLUMNS.map(([c]) => c).join(', ');
  return withDuckDb(duck, async (db) => {
    const out: CompactedHour[] = [];
    for (const h of closed) {
      heartbeat();
      const src = `${root}/${h.path}`;
      const names = readdirSync(src)
        .filter((f) => stagedStart(f) !== undefined)
        .sort();
      const staged = names.map((f) => `${src}/${f}`);
      const dir = `${l.tableDir}/${h.path}`;
      const final = `${dir}/${compactedName(streamId, partition)}`;
      const tmp = `${dir}/.${compactedName(streamId, partition)}.tmp`;
      const hasFinal = existsSync(final);
      if (staged.length || hasFinal) {
        rmSync(tmp, { force: true });
        mkdirSync(dir, { recursive: true });
        // The usual case: staged files only, disjoint and in order — copied as read (insertion order is kept).
        // Otherwise one row per Kafka offset (a staged file the previous compaction already absorbed, or an
        // overlapping one, adds nothing; a staged row wins over the compacted one), in offset order.
        const direct = !hasFinal && disjointInOrder(names);
        if (!direct) {
          const inputs = [
            ...(staged.length ? [`SELECT ${cols}, 1 AS newer FROM ${stagedReader(staged)}`] : []),
            ...(hasFinal ? [`SELECT ${cols}, 0 AS newer FROM read_parquet(${sqlLiteral(final)})`] : []),
          ];
          await db.run(`CREATE OR REPLACE TEMP TABLE hour_rows AS ${inputs.join(' UNION ALL ')}`);
        }
        // Test-only: SIGKILL this worker while DuckDB writes the compacted file (test/stream-lake.test.ts).
        if (failpoint('lake-compact-write')) setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2);
        const rows = direct
          ? `SELECT ${cols} FROM ${stagedReader(staged)}`
          : `SELECT ${cols} FROM hour_rows QUALIFY row_number() OVER (PARTITION BY kafka_offset ORDER BY newer DESC) = 1 ORDER BY kafka_offset`;
        await db.run(`COPY (${rows}) TO ${sqlLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
        const [r] = await db.rows<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM read_parquet(${sqlLiteral(tmp)})`);
        renameSync(tmp, final);
        // Test-only: SIGKILL between the compacted file's rename and the staged files' removal.
        if (failpoint('lake-compacted')) process.kill(process.pid, 'SIGKILL');
        out.push({
          hourMs: h.hourMs,
          path: `${partitionPath({ date: h.path.slice(5, 15), hour: h.path.slice(-2) })}/${compactedName(streamId, partition)}`,
          rows: r!.n,
        });
      }
      for (const f of staged) rmSync(f, { force: true });
      removeEmpty(src);
    }
    return out;
  });
}

/** Remove an emptied hour directory and its date directory when empty too. */
function removeEmpty(hourDir: string): void {
  for (const d of [hourDir, hourDir.slice(0, hourDir.lastIndexOf('/'))]) {
    try {
      if (readdirSync(d).length === 0) rmdirSync(d);
    } catch {
      return;
    }
  }
}
