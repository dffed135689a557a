/**
 * A growable byte buffer that CSV rows are encoded into field by field, without a string per row: the lake
 * stage's writer (`stage.ts`). Strings are copied in as UTF-8, integers written digit by digit, and the bytes
 * are handed to a file descriptor when the caller decides.
 */
import { writeSync } from 'node:fs';

const QUOTE = 34;
const COMMA = 44;
const NEWLINE = 10;
const MINUS = 45;
const ZERO = 48;
/** Strings up to this length are tried char by char first. */
const SHORT_CHARS = 48;

/** CSV bytes of rows being built (see module doc). */
export class CsvRowBuffer {
  private buf: Buffer;
  private pos = 0;
  constructor(capacityBytes: number) {
    this.buf = Buffer.allocUnsafe(capacityBytes);
  }

  /** Bytes held. */
  get length(): number {
    return this.pos;
  }

  /** Make room for `bytes` more bytes (grows the buffer; a row is never split). */
  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A field separator. */
  comma(): void {
    this.buf[this.pos++] = COMMA;
  }

  /** A row end. */
  newline(): void {
    this.buf[this.pos++] = NEWLINE;
  }

  /** Text as is (the caller knows it needs no quoting). */
  raw(s: string): void {
    const at = this.ascii(s, this.pos);
    this.pos = at >= 0 ? at : this.pos + this.buf.write(s, this.pos);
  }

  /** A string field, always quoted, quotes doubled (DuckDB reads it back with quote = '"', escape = '"'). */
  quoted(s: string): void {
    const b = this.buf;
    b[this.pos] = QUOTE;
    const at = this.ascii(s, this.pos + 1);
    if (at >= 0) {
      b[at] = QUOTE;
      this.pos = at + 1;
      return;
    }
    this.pos += 1 + b.write(s.includes('"') ? s.replaceAll('"', '""') : s, this.pos + 1);
    b[this.pos++] = QUOTE;
  }

  /**
   * Copy a short string of ASCII without quotes (ids, dimensions) char by char at `pos` — cheaper than a call
   * into C++ for it; returns the position after it, or −1 (nothing usable written) for any other string.
   */
  private ascii(s: string, pos: number): number {
    const n = s.length;
    if (n > SHORT_CHARS) return -1;
    const b = this.buf;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === QUOTE) return -1;
      b[pos++] = c;
    }
    return pos;
  }

  /** A number as JavaScript prints it (`String(n)`); integers without a string. */
  number(n: number): void {
    if (Number.isSafeInteger(n)) this.int(n);
    else this.raw(String(n));
  }

  /** An integer, as `String(n)` prints it (anything but a safe integer is printed by `String`). */
  int(n: number): void {
    if (!Number.isSafeInteger(n)) return this.raw(String(n));
    const b = this.buf;
    let pos = this.pos;
    if (n < 0) {
      b[pos++] = MINUS;
      n = -n;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    const end = pos + digits;
    for (let i = end - 1; i >= pos; i--) {
      const q = Math.floor(n / 10);
      b[i] = ZERO + (n - q * 10);
      n = q;
    }
    this.pos = end;
  }

  /** Drop every held byte. */
  clear(): void {
    this.pos = 0;
  }

  /** Write every held byte to `fd` and empty the buffer. */
  drainTo(fd: number): void {
    let at = 0;
    while (at < this.pos) at += writeSync(fd, this.buf, at, this.pos - at);
    this.pos = 0;
  }
}
