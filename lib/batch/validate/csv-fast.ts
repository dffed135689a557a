/**
 * Fast path of CSV validation on bytes: accepts the common, clearly valid line and writes its clean row
 * by copying the line's bytes through, byte-identical to what the string path (`validateCsvLine` plus
 * re-serialization) would write. Any line it is not sure about — non-ASCII bytes, unusual quoting, a
 * timestamp outside the strict ISO form, any invalid field — is declined and goes to the string path,
 * which stays the reference for reasons and details.
 */
import { isAscii } from 'node:buffer';
import { deviceFromUserAgent } from '../../../common/weblog.js';
import { byteFields } from './bytes.js';
import type { HourlyOutput } from './outputs.js';
import { deviceIndex, type DayAggregator } from '../day-agg/day-aggregator.js';
import { RowBatch } from '../day-agg/row-batch.js';

// Bound once: worker threads load this code through tsx's CommonJS hook, where every use of an imported
// function is a call of an export getter — measurable at a few calls per row.
const { copyBytes, isIpBytes, numberKind, strictIsoMs, writeUint } = byteFields;

const FIELDS = 11;
/** Longer lines are declined (they still validate, through the string path). */
const MAX_LINE = 1 << 16;
const DEVICE_CACHE_MAX = 10_000;
/** Field kinds: written as is, quoted and kept quoted (needs quoting), quoted but written unquoted. */
const PLAIN = 0,
  QUOTED = 1,
  UNQUOTE = 2;
const C_QUOTE = 34,
  C_COMMA = 44,
  C_CR = 13,
  C_DASH = 45,
  C_ZERO = 48;

/** Byte-level CSV accept path writing clean rows to an {@link HourlyOutput}. */
export class CsvFastPath {
  private readonly start = new Int32Array(FIELDS);
  private readonly end = new Int32Array(FIELDS);
  private readonly kind = new Uint8Array(FIELDS);
  private readonly devices = new Map<number, { key: Buffer; device: Buffer; index: number }>();
  private readonly deviceNames = new Map<string, Buffer>();
  /** Device class index of the last {@link device} call. */
  private deviceIdx = 0;
  /** Accepted rows on their way to the day aggregates (when the run counts them). */
  private readonly batch: RowBatch | undefined;
  private readonly enabled: boolean;
  private chunkAscii = false;
  private chunkCrFree = false;
  /** Bit i set: field i is quoted needlessly (written without its quotes). */
  private unquote = 0;
  /** The output's arena while the current line lies in it, else undefined. */
  private arena: Buffer | undefined;

  /** @param agg the day aggregates counting every accepted row, when the run has a profile snapshot. */
  constructor(
    private readonly dayStartMs: number,
    private readonly out: HourlyOutput,
    private readonly agg?: DayAggregator,
  ) {
    this.batch = agg && new RowBatch(agg);
    this.enabled = dayStartMs >= 0;
  }

  /**
   * Facts about the buffer region the next lines come from (set per input chunk): all ASCII, and free of
   * CR bytes. They spare per-byte checks; when false, lines are checked individually.
   */
  setChunk(ascii: boolean, crFree: boolean): void {
    this.chunkAscii = ascii;
    this.chunkCrFree = crFree;
  }

  /** Validate the CSV data line `buf[ls, le)` (no line terminator) and write its clean row; false when declined. */
  accept(buf: Buffer, ls: number, le: number): boolean {
    if (!this.enabled || le - ls > MAX_LINE || !this.split(buf, ls, le)) return false;
    const { start, end, kind } = this;
    if (kind[0]! | kind[3]! | kind[6]! | kind[7]! | kind[8]!) return false; // parsed fields must be unquoted
    // Aggregated keys with `""` or `,` inside are unescaped by the string path (rare).
    if (this.agg !== undefined && (kind[1] === QUOTED || kind[5] === QUOTED)) return false;
    const t = strictIsoMs(buf, start[0]!, end[0]!) - this.dayStartMs;
    if (!(t >= 0 && t < 86_400_000)) return false;
    const st = start[6]!;
    if (
      end[6]! - st !== 3 ||
      (buf[st]! - 49) >>> 0 > 4 ||
      (buf[st + 1]! - 48) >>> 0 > 9 ||
      (buf[st + 2]! - 48) >>> 0 > 9
    )
      return false;
    const bytesKind = numberKind(buf, start[7]!, end[7]!);
    const msKind = numberKind(buf, start[8]!, end[8]!);
    if (
      bytesKind < 0 ||
      msKind < 0 ||
      !isIpBytes(buf, start[3]!, end[3]!) ||
      !this.present(buf, 4) ||
      !this.present(buf, 5)
    )
      return false;

    const hour = (t / 3_600_000) | 0;
    const out = this.out;
    const b = out.reserve(hour, le - ls + 128);
    // Moves within the output's arena when the line sits in its input buffer (it does, unless a very long line grew it).
    this.arena = buf === out.input ? out.arena : undefined;
    let p = writeUint(b, out.pos[hour]!, this.dayStartMs + t);
    b[p++] = C_COMMA;
    // Fields 1-10 are copied in runs; only a customer `-`, empty/`-` numbers and needlessly quoted fields are rewritten.
    const dashCustomer = this.isDash(buf, 1);
    let rewrite = this.unquote;
    if (dashCustomer) rewrite |= 1 << 1;
    if (bytesKind === 0) rewrite |= 1 << 7;
    if (msKind === 0) rewrite |= 1 << 8;
    let run = start[1]!;
    for (let i = 1; rewrite >> i !== 0; i++) {
      if ((rewrite & (1 << i)) === 0) continue;
      p = this.move(buf, run, start[i]!, b, p);
      if (i === 7 || i === 8) b[p++] = C_ZERO;
      else if (i !== 1 || !dashCustomer) p = this.move(buf, start[i]! + 1, end[i]! - 1, b, p); // drop the quotes
      run = end[i]!;
    }
    p = this.move(buf, run, end[10]!, b, p);
    b[p++] = C_COMMA;
    const device = this.device(buf, start[9]!, end[9]!, kind[9] !== PLAIN);
    p = copyBytes(device, 0, device.length, b, p);
    b[p++] = C_COMMA;
    p = this.content(buf, b, p);
    b[p++] = C_COMMA;
    b[p++] = buf[st]!;
    b[p++] = 120; // 'x'
    b[p++] = 120;
    b[p++] = 10; // '\n'
    out.pos[hour] = p;
    this.batch?.add(
      buf,
      dashCustomer ? 0 : this.valueStart(1),
      dashCustomer ? 0 : this.valueEnd(1),
      this.valueStart(5),
      this.valueEnd(5),
      start[3]!,
      end[3]!,
      hour,
      this.deviceIdx,
      (buf[st]! - 48) * 100 + (buf[st + 1]! - 48) * 10 + buf[st + 2]! - 48,
      bytesKind === 0 ? 0 : digits(buf, start[7]!, end[7]!),
    );
    return true;
  }

  /** Count the batched rows in the day aggregates; called before the input buffer's bytes move or change. */
  flush(): void {
    this.batch?.flush();
  }

  /** Copy `buf[s, e)` to `b` at `p` (one `copyWithin` inside the arena); returns the position after it. */
  private move(buf: Buffer, s: number, e: number, b: Buffer, p: number): number {
    const arena = this.arena;
    if (arena === undefined || e - s < 16) return copyBytes(buf, s, e, b, p);
    arena.copyWithin(b.byteOffset + p, buf.byteOffset + s, buf.byteOffset + e);
    return p + e - s;
  }

  /**
   * Split into exactly 11 fields as `splitCsvLine` does, recording each field's raw bounds and kind;
   * false for another field count, broken quoting, non-ASCII bytes, or an unquoted field with `"` or CR.
   */
  private split(buf: Buffer, ls: number, le: number): boolean {
    if (!this.chunkAscii && !isAscii(buf.subarray(ls, le))) return false;
    const { start, end, kind } = this;
    let p = ls;
    let n = 0;
    let unquote = 0;
    for (;;) {
      if (n === FIELDS) return false;
      start[n] = p;
      if (p < le && buf[p] === C_QUOTE) {
        // Closing quote and "needs quoting" (a `""`, `,` or CR inside) found with native searches.
        let q = buf.indexOf(C_QUOTE, p + 1);
        let special = false;
        while (q >= 0 && q + 1 < le && buf[q + 1] === C_QUOTE) {
          special = true;
          q = buf.indexOf(C_QUOTE, q + 2);
        }
        if (q < 0 || q >= le) return false;
        const comma = buf.indexOf(C_COMMA, p + 1);
        if (comma >= 0 && comma < q) special = true;
        else if (!this.chunkCrFree) for (let i = p + 1; i < q; i++) if (buf[i] === C_CR) special = true;
        end[n] = q + 1;
        if (!special) unquote |= 1 << n;
        kind[n++] = special ? QUOTED : UNQUOTE;
        p = q + 1;
        if (p === le) break;
        if (buf[p] !== C_COMMA) return false;
        p++;
      } else {
        let q = p;
        for (; q < le; q++) {
          const c = buf[q]!;
          if (c <= C_COMMA) {
            if (c === C_COMMA) break;
            if (c === C_QUOTE || c === C_CR) return false;
          }
        }
        end[n] = q;
        kind[n++] = PLAIN;
        if (q === le) break;
        p = q + 1;
      }
    }
    this.unquote = unquote;
    return n === FIELDS;
  }

  /** Value bounds of field `i` (inside the quotes of a quoted field). */
  private valueStart(i: number): number {
    return this.kind[i] === PLAIN ? this.start[i]! : this.start[i]! + 1;
  }
  private valueEnd(i: number): number {
    return this.kind[i] === PLAIN ? this.end[i]! : this.end[i]! - 1;
  }

  /** True when field `i` is neither empty nor `-` (the `missing_field` rule). */
  private present(buf: Buffer, i: number): boolean {
    const n = this.valueEnd(i) - this.valueStart(i);
    return n > 1 || (n === 1 && buf[this.valueStart(i)] !== C_DASH);
  }

  private isDash(buf: Buffer, i: number): boolean {
    return this.valueEnd(i) - this.valueStart(i) === 1 && buf[this.valueStart(i)] === C_DASH;
  }

  /** Device class of the user agent `buf[s, e)` (raw field bytes), cached by those bytes (keyed by length and sampled bytes). */
  private device(buf: Buffer, s: number, e: number, quoted: boolean): Buffer {
    const len = e - s;
    let h = len;
    if (len > 0) {
      for (let k = 0; k < 8; k++) h = Math.imul(h ^ buf[s + ((len * k) >> 3)]!, 16777619);
      h = Math.imul(h ^ buf[e - 1]!, 16777619) & 0x3fffffff; // a small integer: no boxing as a Map key
    }
    const hit = this.devices.get(h);
    if (hit !== undefined && hit.key.length === len && buf.compare(hit.key, 0, len, s, e) === 0) {
      this.deviceIdx = hit.index;
      return hit.device;
    }
    const raw = buf.toString('latin1', s, e);
    const name = deviceFromUserAgent(quoted ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    let device = this.deviceNames.get(name);
    if (device === undefined) this.deviceNames.set(name, (device = Buffer.from(name, 'latin1')));
    this.deviceIdx = deviceIndex(name);
    if (hit === undefined && this.devices.size < DEVICE_CACHE_MAX)
      this.devices.set(h, { key: Buffer.from(buf.subarray(s, e)), device, index: this.deviceIdx });
    return device;
  }

  /** Write the content id of the path (field 5), as `contentFromPath`: `/watch|video|play/` + 1-64 of `[A-Za-z0-9_-]`. */
  private content(buf: Buffer, b: Buffer, p: number): number {
    const s = this.valueStart(5);
    const e = this.valueEnd(5);
    const from =
      hasPrefix(buf, s, e, WATCH) || hasPrefix(buf, s, e, VIDEO) ? s + 7 : hasPrefix(buf, s, e, PLAY) ? s + 6 : 0;
    if (from === 0) return p;
    let q = from;
    for (; q < e && q - from < 64; q++) {
      const c = buf[q]!;
      if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45)) break;
    }
    return copyBytes(buf, from, q, b, p);
  }
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const WATCH = ascii('/watch/'),
  VIDEO = ascii('/video/'),
  PLAY = ascii('/play/');

/** The value of the 1–15 ASCII digits `buf[s, e)` (checked by `numberKind`). */
function digits(buf: Buffer, s: number, e: number): number {
  let v = 0;
  for (let p = s; p < e; p++) v = v * 10 + buf[p]! - 48;
  return v;
}

function hasPrefix(buf: Buffer, s: number, e: number, prefix: number[]): boolean {
  if (e - s <= prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[s + i] !== prefix[i]) return false;
  return true;
}
