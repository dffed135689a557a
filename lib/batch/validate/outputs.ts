/**
 * Output sinks of the validator: one byte buffer per UTC hour of clean rows (written to
 * `<cleanDir>/hour=HH/<name>` in large synchronous writes, via `<name>.tmp` renamed on close) and a
 * buffered writer of quarantine records. Synchronous I/O keeps the scan loop free of promises; callers on
 * the main thread yield between input chunks.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';

/** Bytes buffered per hour before a write (and the most a caller may reserve at once). */
export const HOUR_BUFFER = 1 << 20;
/** Initial input buffer of the line reader. */
const INPUT_BUFFER = 4 << 20;
/** Characters of quarantine records buffered before a write. */
const REJECT_BUFFER = 1 << 20;

/** RFC 4180 quoting of one CSV field: quoted only when it contains `"`, `,`, CR or LF. */
export const csvQuote = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Write all of `buf[0, len)` to `fd`. */
function writeAll(fd: number, buf: Buffer, len: number): void {
  for (let off = 0; off < len;) off += writeSync(fd, buf, off, len - off);
}

/**
 * Per-hour clean-row buffers of one output part; files are opened on the first row of their hour. The hour
 * buffers and the reader's input buffer ({@link HourlyOutput.input}) are views of one allocation, the
 * {@link HourlyOutput.arena}, so the fast path moves row bytes from input to output with one `copyWithin`.
 */
export class HourlyOutput {
  /** The allocation holding the 24 hour buffers, then the input buffer. */
  readonly arena: Buffer;
  /** Input buffer for the line reader (it may outgrow it for very long lines). */
  readonly input: Buffer;
  /** Write position in each hour's buffer (the fast path writes bytes directly, then advances it). */
  readonly pos = new Int32Array(24);
  private readonly bufs: (Buffer | undefined)[] = new Array(24).fill(undefined);
  private readonly fds: number[] = new Array(24).fill(-1);

  /** @param fileName file name inside each `hour=HH` directory, e.g. `<sha256>.csv`. */
  constructor(
    private readonly cleanDir: string,
    private readonly fileName: string,
  ) {
    this.arena = Buffer.allocUnsafeSlow(24 * HOUR_BUFFER + INPUT_BUFFER);
    this.input = this.arena.subarray(24 * HOUR_BUFFER);
  }

  /** The buffer of `hour` with at least `need` (at most {@link HOUR_BUFFER}) free bytes from `pos[hour]`, flushing first when full. */
  reserve(hour: number, need: number): Buffer {
    let b = this.bufs[hour];
    if (b === undefined) {
      const dir = `${this.cleanDir}/hour=${String(hour).padStart(2, '0')}`;
      mkdirSync(dir, { recursive: true });
      this.fds[hour] = openSync(`${dir}/${this.fileName}.tmp`, 'w');
      b = this.bufs[hour] = this.arena.subarray(hour * HOUR_BUFFER, (hour + 1) * HOUR_BUFFER);
    } else if (this.pos[hour]! + need > b.length) {
      this.flush(hour);
    }
    return b;
  }

  /** Append text (UTF-8) to `hour`. */
  writeString(hour: number, s: string): void {
    const n = Buffer.byteLength(s);
    const b = this.reserve(hour, Math.min(n, HOUR_BUFFER));
    if (n <= HOUR_BUFFER) {
      this.pos[hour] = this.pos[hour]! + b.write(s, this.pos[hour]!);
      return;
    }
    this.flush(hour); // a row longer than the buffer is written on its own
    const big = Buffer.from(s, 'utf8');
    writeAll(this.fds[hour]!, big, big.length);
  }

  private flush(hour: number): void {
    if (this.pos[hour]! > 0) writeAll(this.fds[hour]!, this.bufs[hour]!, this.pos[hour]!);
    this.pos[hour] = 0;
  }

  /** Flush and close every hour file, renaming each into place. */
  close(): void {
    for (let h = 0; h < 24; h++) {
      if (this.fds[h] === -1) continue;
      this.flush(h);
      closeSync(this.fds[h]!);
      this.fds[h] = -1;
      const path = `${this.cleanDir}/hour=${String(h).padStart(2, '0')}/${this.fileName}`;
      renameSync(`${path}.tmp`, path);
    }
  }

  /** After a failure: close the files without renaming them into place. */
  discard(): void {
    for (let h = 0; h < 24; h++) if (this.fds[h] !== -1) closeSync(this.fds[h]!);
    this.fds.fill(-1);
  }
}

/** Buffered writer of quarantine records (one CSV record per line) to a file it creates. */
export class RejectOutput {
  private parts: string[] = [];
  private size = 0;
  private readonly fd: number;

  constructor(path: string, header?: string) {
    this.fd = openSync(path, 'w');
    if (header !== undefined) this.push(`${header}\n`);
  }

  /** Append one record (including its newline). */
  push(record: string): void {
    this.parts.push(record);
    this.size += record.length;
    if (this.size >= REJECT_BUFFER) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const b = Buffer.from(this.parts.join(''), 'utf8');
    writeAll(this.fd, b, b.length);
    this.parts = [];
    this.size = 0;
  }

  /** Flush and close the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  /** After a failure: close the file, dropping what is buffered. */
  discard(): void {
    this.parts = [];
    closeSync(this.fd);
  }
}
