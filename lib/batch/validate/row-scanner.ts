/**
 * Per-line logic of file validation, shared by the single-threaded path and the worker threads: physical
 * line numbering, format detection and the CSV header on the file's first line, blank lines, the byte
 * fast path for CSV and the string validators (the reference) for every other line, counts per reason.
 */
import { isAscii } from 'node:buffer';
import { readSync } from 'node:fs';
import type { RejectReason } from '../../../common/weblog.js';
import { contentFromPath, deviceFromUserAgent } from '../../../common/weblog.js';
import { statusCategory } from '../../../common/status.js';
import { detectFormat, validateCombinedLine, validateCsvLine } from '../../weblog-validate.js';
import { CsvFastPath } from './csv-fast.js';
import { csvQuote as q, type HourlyOutput, type RejectOutput } from './outputs.js';
import type { DayAggregator } from '../day-agg/day-aggregator.js';

/** Counts of one scanned file or byte range. */
export interface ScanCounts {
  /** Physical lines seen (including the header and blank lines). */
  lines: number;
  /** Data lines (not header, not blank). */
  rows: number;
  valid: number;
  byReason: Partial<Record<RejectReason, number>>;
  /** Format used (detected on the first line unless given). */
  format: 'csv' | 'combined';
}

/** Options of a {@link RowScanner}. */
export interface RowScannerOptions {
  /** Start of the run date (UTC epoch ms). */
  dayStartMs: number;
  /** Known format; detected from the first line when absent (only where `firstLine` is set). */
  format?: 'csv' | 'combined';
  /** True when the scanner starts at the file's first line (format detection and CSV header, on its first non-blank line). */
  firstLine: boolean;
  /** The file name, CSV-quoted (clean rows do not carry it: the partition step adds `source_file` per file). */
  source: string;
  out: HourlyOutput;
  rejects: RejectOutput;
  /** Written before each quarantine record's line number: `<file>,` for final records, '' for records fixed up later. */
  rejectPrefix: string;
  /** Day aggregates counting every accepted row (absent: the aggregate step computes them from the lake). */
  agg?: DayAggregator;
}

/** Validates lines handed to it in order, writing clean rows and quarantine records. */
export class RowScanner {
  private lineNo = 0;
  private rows = 0;
  private valid = 0;
  private readonly byReason: Partial<Record<RejectReason, number>> = {};
  private format: 'csv' | 'combined' | undefined;
  private firstLine: boolean;
  private readonly fast: CsvFastPath;
  private readonly deviceCache = new Map<string, string>();

  constructor(private readonly o: RowScannerOptions) {
    this.format = o.format;
    this.firstLine = o.firstLine;
    this.fast = new CsvFastPath(o.dayStartMs, o.out, o.agg);
  }

  /** Declare facts about the buffer region the next lines come from (see {@link CsvFastPath.setChunk}). */
  setChunk(ascii: boolean, crFree: boolean): void {
    this.fast.setChunk(ascii, crFree);
  }

  /** The lines handed so far are done with: their bytes may move (see {@link CsvFastPath.flush}). */
  flush(): void {
    this.fast.flush();
  }

  /** Handle the physical line `buf[ls, le)` (without its `\n`). */
  line(buf: Buffer, ls: number, le: number): void {
    this.lineNo++;
    if (le > ls && buf[le - 1] === 13) le--;
    if (le === ls) return; // blank lines carry no request (nor the format: it is detected on the first non-blank line)
    if (this.firstLine) {
      this.firstLine = false;
      const text = buf.toString('utf8', ls, le);
      this.format ??= detectFormat(text);
      if (this.format === 'csv' && text.replace(/^\uFEFF/, '').startsWith('event_time,')) return; // header
    }
    this.rows++;
    if (this.format === 'csv' && this.fast.accept(buf, ls, le)) this.valid++;
    else this.slow(buf.toString('utf8', ls, le));
  }

  /**
   * Handle a physical line longer than {@link MAX_LINE_BYTES} (`bytes` long, `head` its first bytes): it is
   * quarantined as `malformed_row` with only its head as the raw text, never read whole.
   */
  overlong(head: string, bytes: number): void {
    this.lineNo++;
    if (this.firstLine) {
      this.firstLine = false;
      this.format ??= detectFormat(head);
    }
    this.rows++;
    this.byReason.malformed_row = (this.byReason.malformed_row ?? 0) + 1;
    const detail = `line of ${bytes} bytes is longer than the ${MAX_LINE_BYTES}-byte limit; raw holds its first ${HEAD_BYTES} bytes`;
    this.o.rejects.push(`${this.o.rejectPrefix}${this.lineNo},malformed_row,${q(detail)},${q(head)}\n`);
  }

  /** The string path: the reference validators, and the row serialized from the parsed fields. */
  private slow(line: string): void {
    const r =
      this.format === 'csv' ? validateCsvLine(line, this.o.dayStartMs) : validateCombinedLine(line, this.o.dayStartMs);
    if (!r.ok) {
      this.byReason[r.reason] = (this.byReason[r.reason] ?? 0) + 1;
      this.o.rejects.push(`${this.o.rejectPrefix}${this.lineNo},${r.reason},${q(r.detail)},${q(line)}\n`);
      return;
    }
    this.valid++;
    const w = r.row;
    let device = this.deviceCache.get(w.userAgent);
    if (device === undefined) {
      device = deviceFromUserAgent(w.userAgent);
      if (this.deviceCache.size < 10_000) this.deviceCache.set(w.userAgent, device);
    }
    const hour = Math.floor((w.eventTimeMs - this.o.dayStartMs) / 3_600_000);
    this.o.out.writeString(
      hour,
      `${w.eventTimeMs},${q(w.customerId)},${q(w.sessionId)},${w.ip},${q(w.method)},${q(w.path)},${w.httpStatus},${w.bytesSent},${w.responseMs},` +
        `${q(w.userAgent)},${q(w.referrer)},${device},${q(contentFromPath(w.path))},${statusCategory(w.httpStatus)}\n`,
    );
    this.o.agg?.addStrings(w.customerId, w.path, w.ip, hour, w.httpStatus, w.bytesSent, device);
  }

  /** Counts so far (final once the input ended). */
  counts(): ScanCounts {
    return {
      lines: this.lineNo,
      rows: this.rows,
      valid: this.valid,
      byReason: this.byReason,
      format: this.format ?? 'csv',
    };
  }
}

/** Most bytes read at once. */
export const READ_CHUNK = 4 << 20;
const MIN_READ = 1 << 16;
/** Longest line validated (bytes before its `\n`); a longer one is quarantined as `malformed_row`. */
export const MAX_LINE_BYTES = 1 << 20;
/** Bytes of an overlong line kept for its quarantine record. */
export const HEAD_BYTES = 1024;

/**
 * Cuts a byte stream into lines for a {@link RowScanner} without decoding: complete lines are handed over
 * in place, a partial last line is carried to the front of the buffer for the next input. A line longer than
 * {@link MAX_LINE_BYTES} is never buffered whole: its head is kept and the rest skipped up to its `\n`, so
 * the buffer stays within `MAX_LINE_BYTES` plus one input chunk whatever the input.
 */
export class LineSplitter {
  private have = 0;
  /** Bytes seen so far of an overlong line being skipped, or -1. */
  private skipped = -1;
  /** Head of the overlong line being skipped. */
  private head = '';

  /** @param buf initial buffer (replaced by a bigger one when a line does not fit). */
  constructor(
    private readonly scanner: RowScanner,
    private buf: Buffer,
  ) {}

  /** Append a chunk (from a stream) and scan the lines it completes. */
  append(chunk: Buffer): void {
    this.room(chunk.length);
    chunk.copy(this.buf, this.have);
    this.have += chunk.length;
    this.scan();
  }

  /** Read up to `maxLength` bytes of `fd` at `position` straight into the buffer and scan them; returns bytes read. */
  read(fd: number, position: number, maxLength: number): number {
    if (this.buf.length - this.have < MIN_READ) this.room(this.buf.length);
    const n = readSync(fd, this.buf, this.have, Math.min(maxLength, this.buf.length - this.have), position);
    this.have += n;
    this.scan();
    return n;
  }

  /** Size of the line buffer (bounded, see the class comment). */
  get capacity(): number {
    return this.buf.length;
  }

  /** Input ended: a last line without `\n` is still a line. */
  end(): void {
    if (this.skipped >= 0) {
      this.scanner.overlong(this.head, this.skipped);
      this.skipped = -1;
      return;
    }
    if (this.have === 0) return;
    const rest = this.buf.subarray(0, this.have);
    this.scanner.setChunk(isAscii(rest), rest.indexOf(13) < 0);
    this.scanner.line(this.buf, 0, this.have);
    this.scanner.flush();
    this.have = 0;
  }

  private room(n: number): void {
    if (this.have + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.have + n));
    this.buf.copy(bigger, 0, 0, this.have);
    this.buf = bigger;
  }

  private scan(): void {
    const { buf, have, scanner } = this;
    const filled = buf.subarray(0, have);
    let ls = 0;
    if (this.skipped >= 0) {
      const nl = filled.indexOf(10);
      if (nl < 0) {
        this.skipped += have;
        this.have = 0;
        return;
      }
      scanner.overlong(this.head, this.skipped + nl);
      this.skipped = -1;
      ls = nl + 1;
    }
    scanner.setChunk(isAscii(filled), filled.indexOf(13) < 0);
    for (let nl = filled.indexOf(10, ls); nl >= 0; nl = filled.indexOf(10, ls)) {
      if (nl - ls > MAX_LINE_BYTES) scanner.overlong(buf.toString('utf8', ls, ls + HEAD_BYTES), nl - ls);
      else scanner.line(buf, ls, nl);
      ls = nl + 1;
    }
    scanner.flush();
    if (have - ls > MAX_LINE_BYTES) {
      // The partial line is already too long: keep its head, skip the rest up to its end.
      this.head = buf.toString('utf8', ls, ls + HEAD_BYTES);
      this.skipped = have - ls;
      this.have = 0;
      return;
    }
    if (ls > 0) buf.copyWithin(0, ls, have);
    this.have = have - ls;
  }
}
