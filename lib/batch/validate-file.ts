/**
 * Validates one staged web-log file (plain or gzip): valid rows go to hourly clean CSV files (for DuckDB
 * to turn into Parquet), rejected rows to the quarantine with file name, physical line number, reason
 * code, detail and the raw line.
 *
 * Lines are cut and (for CSV) checked on bytes, clean rows copied through — see validate/csv-fast.ts; the
 * string validators of lib/weblog-validate.ts remain the reference for every line the fast path declines.
 * Uncompressed files of at least `parallelMinBytes` are split over worker threads (validate/parallel.ts);
 * gzip and smaller files are streamed on the calling thread, yielding between chunks.
 */
import { createReadStream, mkdirSync, openSync, closeSync, readSync, renameSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createGunzip } from 'node:zlib';
import type { LandedFile, ValidateResult } from '../../common/batch.js';
import { dayBoundsMs } from '../../common/weblog.js';
import { BadInputError, fileInputError } from '../errors.js';
import { detectFormat } from '../weblog-validate.js';
import { csvQuote, HourlyOutput, RejectOutput } from './validate/outputs.js';
import { validateInParallel } from './validate/parallel.js';
import type { DayAggTarget } from './validate/range.js';
import { DayAggregator } from './day-agg/day-aggregator.js';
import { dayPartialPath, writeDayPartial } from './day-agg/partial-file.js';
import { loadSnapshotLookup } from './day-agg/profile-snapshot.js';
import { LineSplitter, RowScanner, type ScanCounts } from './validate/row-scanner.js';

/**
 * Columns of the clean CSV files, in order (no header row). The lake's `source_file` is not among them: it is
 * the same for every row of a clean file (named `<sha256>[.pNN].csv` after its landed file), so the partition
 * step adds it per file instead of parsing it from every row.
 */
export const CLEAN_COLUMNS = [
  'event_time_ms',
  'customer_id',
  'session_id',
  'ip',
  'method',
  'path',
  'http_status',
  'bytes_sent',
  'response_ms',
  'user_agent',
  'referrer',
  'device',
  'content_id',
  'status_category',
] as const;

const QUARANTINE_HEADER = 'file,line,reason,detail,raw';
/** Default size from which an uncompressed file is validated by worker threads. */
export const PARALLEL_MIN_BYTES = 64 << 20;
const MAX_WORKERS = 4;

/** Options of one file's validation. */
export interface ValidateFileOptions {
  date: string;
  file: LandedFile;
  format?: 'csv' | 'combined';
  cleanDir: string;
  quarantineDir: string;
  /** Called about once a second with the (uncompressed) bytes processed so far. */
  onProgress?: (bytesRead: number) => void;
  /** Uncompressed files of at least this size are split over worker threads (default {@link PARALLEL_MIN_BYTES}). */
  parallelMinBytes?: number;
  /**
   * Count the day aggregates while validating: the run's profile snapshot file, and the directory that gets one
   * partial per clean output part (`<sha256>[.pNN].agg`). Without it only clean rows and rejects are written.
   */
  dayAgg?: { snapshotPath: string; dir: string };
}

/** Validate one file; returns its counts. Outputs are complete only when this resolves (atomic renames). */
export async function validateFileToHourlyCsv(o: ValidateFileOptions): Promise<ValidateResult> {
  const [dayStartMs] = dayBoundsMs(o.date);
  mkdirSync(o.quarantineDir, { recursive: true });
  const quarantinePath = `${o.quarantineDir}/${o.file.name}.rejects.csv`;
  const source = csvQuote(o.file.name);
  let lastBeat = 0;
  const beat = (bytes: number) => {
    if (o.onProgress && Date.now() - lastBeat > 1000) {
      lastBeat = Date.now();
      o.onProgress(bytes);
    }
  };

  const size = stagedSize(o.file);
  const workers = Math.min(availableParallelism(), MAX_WORKERS);
  const parallel = !o.file.gzip && workers > 1 && size >= (o.parallelMinBytes ?? PARALLEL_MIN_BYTES);
  const format = parallel ? (o.format ?? firstLineFormat(o.file.stagedPath)) : undefined;
  let counts: ScanCounts;
  if (format) {
    counts = await validateInParallel({
      path: o.file.stagedPath,
      size,
      parts: workers,
      sha256: o.file.sha256,
      format,
      dayStartMs,
      source,
      cleanDir: o.cleanDir,
      rejectsPath: `${quarantinePath}.tmp`,
      rejectsHeader: QUARANTINE_HEADER,
      onBytes: beat,
      dayAgg: o.dayAgg,
    });
  } else {
    counts = await validateStream(o, dayStartMs, source, `${quarantinePath}.tmp`, beat);
  }
  renameSync(`${quarantinePath}.tmp`, quarantinePath);
  const { rows, valid, byReason } = counts;
  return { file: o.file.name, format: counts.format, rows, valid, rejected: rows - valid, byReason, quarantinePath };
}

/** Size of the file's staged copy; a missing or unreadable copy is bad input naming the file (re-running the day stages it again). */
function stagedSize(file: LandedFile): number {
  try {
    return statSync(file.stagedPath).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileInputError(err, file.stagedPath);
    throw new BadInputError(`${file.name}: staged copy ${file.stagedPath} is missing; run the day again to stage it`, {
      file: file.name,
      reason: 'not_staged',
    });
  }
}

/**
 * A gzip stream error (zlib's `Z_*` codes: truncated, corrupt, not gzip at all) is bad input naming the file;
 * retrying reads the same bytes again.
 */
function gzipInputError(err: unknown, name: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return err;
  return new BadInputError(
    `${name}: not a complete gzip file (${(err as Error).message}): it is truncated or corrupt; land a complete copy`,
    { file: name, reason: 'bad_gzip' },
    { cause: err },
  );
}

/** Format from a plain file's first non-blank line; undefined when none ends in its first 64 KiB (left to the stream path). */
function firstLineFormat(path: string): 'csv' | 'combined' | undefined {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.allocUnsafe(1 << 16);
    const head = b.subarray(0, readSync(fd, b, 0, b.length, 0));
    for (let ls = 0, nl = head.indexOf(10); nl >= 0; ls = nl + 1, nl = head.indexOf(10, ls)) {
      const le = nl > ls && head[nl - 1] === 13 ? nl - 1 : nl;
      if (le > ls) return detectFormat(head.toString('utf8', ls, le));
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Validate on this thread from a (possibly gunzipped) stream; the thread yields between chunks. */
async function validateStream(
  o: ValidateFileOptions,
  dayStartMs: number,
  source: string,
  rejectsPath: string,
  beat: (bytes: number) => void,
): Promise<ScanCounts> {
  const out = new HourlyOutput(o.cleanDir, `${o.file.sha256}.csv`);
  const rejects = new RejectOutput(rejectsPath, QUARANTINE_HEADER);
  const target: DayAggTarget | undefined = o.dayAgg && {
    snapshotPath: o.dayAgg.snapshotPath,
    partialPath: dayPartialPath(o.dayAgg.dir, `${o.file.sha256}.csv`),
  };
  const agg = target ? new DayAggregator(loadSnapshotLookup(target.snapshotPath)) : undefined;
  const scanner = new RowScanner({
    agg,
    dayStartMs,
    format: o.format,
    firstLine: true,
    source,
    out,
    rejects,
    rejectPrefix: `${source},`,
  });
  const lines = new LineSplitter(scanner, out.input);
  const input = createReadStream(o.file.stagedPath, { highWaterMark: 1 << 20 });
  let stream: NodeJS.ReadableStream = input;
  if (o.file.gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    input.on('error', (err) => gunzip.destroy(err));
    stream = input.pipe(gunzip);
  }
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      lines.append(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      beat(bytes);
    }
    lines.end();
  } catch (err) {
    out.discard();
    rejects.discard();
    throw gzipInputError(err, o.file.name);
  }
  if (agg) writeDayPartial(target!.partialPath, agg);
  out.close();
  rejects.close();
  return scanner.counts();
}
