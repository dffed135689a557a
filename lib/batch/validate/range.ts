/**
 * One byte range of an uncompressed file, validated synchronously (inside a worker thread): lines are
 * read straight into the line buffer, clean rows go to this range's own hourly files and rejects to
 * this range's own quarantine file.
 */
import { closeSync, openSync } from 'node:fs';
import { HourlyOutput, RejectOutput } from './outputs.js';
import { LineSplitter, READ_CHUNK, RowScanner, type ScanCounts } from './row-scanner.js';
import { DayAggregator } from '../day-agg/day-aggregator.js';
import { writeDayPartial } from '../day-agg/partial-file.js';
import { loadSnapshotLookup } from '../day-agg/profile-snapshot.js';

/** What a worker validates: `[start, end)` of `path`, beginning and ending at line boundaries. */
export interface RangeTask {
  path: string;
  start: number;
  end: number;
  dayStartMs: number;
  format: 'csv' | 'combined';
  /** True for the range holding the file's first line (CSV header). */
  firstLine: boolean;
  /** CSV-quoted file name (see {@link RowScannerOptions.source}). */
  source: string;
  cleanDir: string;
  /** File name inside each `hour=HH` directory. */
  cleanFileName: string;
  rejectsPath: string;
  rejectsHeader?: string;
  /** See {@link RowScannerOptions.rejectPrefix}. */
  rejectPrefix: string;
  /** Day aggregates: the run's profile snapshot file and where this range's partial goes (both or neither). */
  dayAgg?: DayAggTarget;
}

/** Where a validation's day aggregates come from and go. */
export interface DayAggTarget {
  snapshotPath: string;
  partialPath: string;
}

/** Validate one range; `onBytes` gets the bytes done so far after every read. */
export function scanRange(t: RangeTask, onBytes: (bytes: number) => void): ScanCounts {
  const out = new HourlyOutput(t.cleanDir, t.cleanFileName);
  const rejects = new RejectOutput(t.rejectsPath, t.rejectsHeader);
  const agg = t.dayAgg ? new DayAggregator(loadSnapshotLookup(t.dayAgg.snapshotPath)) : undefined;
  const scanner = new RowScanner({
    agg,
    dayStartMs: t.dayStartMs,
    format: t.format,
    firstLine: t.firstLine,
    source: t.source,
    out,
    rejects,
    rejectPrefix: t.rejectPrefix,
  });
  const lines = new LineSplitter(scanner, out.input);
  const fd = openSync(t.path, 'r');
  try {
    for (let pos = t.start; pos < t.end;) {
      const n = lines.read(fd, pos, Math.min(READ_CHUNK, t.end - pos));
      if (n === 0)
        throw new Error(`${t.path} ended at byte ${pos}, before ${t.end}: was it changed while being validated?`);
      pos += n;
      onBytes(pos - t.start);
    }
    lines.end();
  } catch (err) {
    out.discard();
    rejects.discard();
    throw err;
  } finally {
    closeSync(fd);
  }
  if (agg) writeDayPartial(t.dayAgg!.partialPath, agg);
  out.close();
  rejects.close();
  return scanner.counts();
}
