/**
 * Streams one staged web-log file (plain or gzip) line by line through the validator: valid rows are
 * appended to hourly clean CSV files (for DuckDB to turn into Parquet), rejected rows to the quarantine
 * with file name, physical line number, reason code, detail and the raw line.
 */
import { createReadStream, createWriteStream, mkdirSync, renameSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { LandedFile, ValidateResult } from '../../common/batch.js';
import { statusCategory } from '../../common/status.js';
import { contentFromPath, dayBoundsMs, deviceFromUserAgent, type RejectReason, type WebLogRow } from '../../common/weblog.js';
import { detectFormat, validateCombinedLine, validateCsvLine, type LineResult } from '../weblog-validate.js';

/** Columns of the clean CSV files, in order (no header row). */
export const CLEAN_COLUMNS = [
  'event_time_ms', 'customer_id', 'session_id', 'ip', 'method', 'path', 'http_status', 'bytes_sent', 'response_ms',
  'user_agent', 'referrer', 'device', 'content_id', 'status_category', 'source_file',
] as const;

const FLUSH_CHARS = 1 << 20;
const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Buffered appender to one output file, written to `<path>.tmp` and renamed on close. */
class Sink {
  private parts: string[] = [];
  private size = 0;
  private readonly out: WriteStream;
  constructor(private readonly path: string, header?: string) {
    this.out = createWriteStream(`${path}.tmp`);
    if (header) this.push(header + '\n');
  }
  /** Buffer text; call `flushIfFull` between input chunks so the hot loop stays synchronous. */
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
  }
  flushIfFull(): Promise<void> | undefined {
    return this.size >= FLUSH_CHARS ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const ok = this.out.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    if (!ok) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/** Options of one file's validation. */
export interface ValidateFileOptions {
  date: string;
  file: LandedFile;
  format?: 'csv' | 'combined';
  cleanDir: string;
  quarantineDir: string;
  onProgress?: (bytesRead: number) => void;
}

/** Validate one file; returns its counts. Outputs are complete only when this resolves (atomic renames). */
export async function validateFileToHourlyCsv(o: ValidateFileOptions): Promise<ValidateResult> {
  const [dayStart] = dayBoundsMs(o.date);
  const hours = new Map<number, Sink>();
  mkdirSync(o.quarantineDir, { recursive: true });
  const quarantinePath = `${o.quarantineDir}/${o.file.name}.rejects.csv`;
  const rejects = new Sink(quarantinePath, 'file,line,reason,detail,raw');
  const byReason: Partial<Record<RejectReason, number>> = {};
  const deviceCache = new Map<string, string>();
  const source = q(o.file.name);
  let format = o.format;
  let rows = 0;
  let valid = 0;
  let lineNo = 0;
  let validate: (line: string, day: number) => LineResult = validateCsvLine;

  const sinkFor = (hour: number): Sink => {
    let s = hours.get(hour);
    if (!s) {
      const dir = `${o.cleanDir}/hour=${String(hour).padStart(2, '0')}`;
      mkdirSync(dir, { recursive: true });
      s = new Sink(`${dir}/${o.file.sha256}.csv`);
      hours.set(hour, s);
    }
    return s;
  };

  const handle = (raw: string): void => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1) {
      format ??= detectFormat(line);
      validate = format === 'csv' ? validateCsvLine : validateCombinedLine;
      if (format === 'csv' && line.replace(/^\uFEFF/, '').startsWith('event_time,')) return; // header
    }
    if (line === '') return; // blank lines carry no request
    rows++;
    const r = validate(line, dayStart);
    if (!r.ok) {
      byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
      rejects.push(`${source},${lineNo},${r.reason},${q(r.detail)},${q(line)}\n`);
      return;
    }
    valid++;
    const w: WebLogRow = r.row;
    let device = deviceCache.get(w.userAgent);
    if (device === undefined) {
      device = deviceFromUserAgent(w.userAgent);
      if (deviceCache.size < 10_000) deviceCache.set(w.userAgent, device);
    }
    const hour = Math.floor((w.eventTimeMs - dayStart) / 3_600_000);
    sinkFor(hour).push(
      `${w.eventTimeMs},${q(w.customerId)},${q(w.sessionId)},${w.ip},${q(w.method)},${q(w.path)},${w.httpStatus},${w.bytesSent},${w.responseMs},` +
        `${q(w.userAgent)},${q(w.referrer)},${device},${q(contentFromPath(w.path))},${statusCategory(w.httpStatus)},${source}\n`,
    );
  };

  const input = createReadStream(o.file.stagedPath, { highWaterMark: 1 << 20 });
  const stream = o.file.gzip ? input.pipe(createGunzip()) : input;
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let bytes = 0;
  let lastBeat = 0;
  for await (const chunk of stream) {
    bytes += (chunk as Buffer).length;
    const text = carry + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      handle(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
    await Promise.all([rejects, ...hours.values()].map((k) => k.flushIfFull()));
    if (o.onProgress && Date.now() - lastBeat > 1000) {
      lastBeat = Date.now();
      o.onProgress(bytes);
    }
  }
  carry += decoder.end();
  if (carry !== '') handle(carry);
  await Promise.all([...hours.values()].map((s) => s.close()));
  await rejects.close();
  return { file: o.file.name, format: format ?? 'csv', rows, valid, rejected: rows - valid, byReason, quarantinePath };
}
