/**
 * Property tests of the web-log line validators: any string gives either a row or a reject with a known reason
 * code (never an exception), and generated valid rows round-trip to the same fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECT_REASONS, type WebLogRow } from '../common/weblog.js';
import { csvQuote } from './batch/validate/outputs.js';
import {
  detectFormat,
  parseClfTime,
  splitCsvLine,
  validateCombinedLine,
  validateCsvLine,
  type LineResult,
} from './weblog-validate.js';

const DATE = '2024-09-13';
const DAY = Date.parse(`${DATE}T00:00:00Z`);
const RUNS = { numRuns: 400 };

/** Characters that matter to the parsers, mixed with arbitrary text (incl. lone surrogates, U+FFFD from invalid UTF-8). */
const tricky = fc.constantFrom(
  ',',
  '"',
  '""',
  '\r',
  '\n',
  '\\',
  '\\"',
  '-',
  ' ',
  '[',
  ']',
  '\uFEFF',
  '\uFFFD',
  '\uD800',
  'é',
  'event_time,',
  ':',
  '.',
  '+02:00',
  'Z',
  'T',
);
const piece = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  tricky,
  fc.integer({ min: -1000, max: 100_000 }).map(String),
);
const messyLine = fc.array(piece, { maxLength: 30 }).map((p) => p.join(''));

/** A line built from CSV-ish fields: mostly near-valid shapes with arbitrary pieces spliced in. */
const csvishLine = fc
  .array(
    fc.oneof(piece, fc.constantFrom('2024-09-13T06:49:12Z', '203.0.113.5', 'GET', '/watch/V1', '200', '0', '::1')),
    { minLength: 8, maxLength: 13 },
  )
  .chain((fields) =>
    fc
      .array(fc.boolean(), { minLength: fields.length, maxLength: fields.length })
      .map((quote) => fields.map((f, i) => (quote[i] ? `"${f}"` : f)).join(',')),
  );

function checkTyped(r: LineResult): void {
  if (r.ok) {
    const row = r.row;
    expect(Number.isSafeInteger(row.eventTimeMs)).toBe(true);
    expect(row.eventTimeMs).toBeGreaterThanOrEqual(DAY);
    expect(row.eventTimeMs).toBeLessThan(DAY + 86_400_000);
    expect(row.httpStatus).toBeGreaterThanOrEqual(100);
    expect(row.httpStatus).toBeLessThanOrEqual(599);
    expect(Number.isSafeInteger(row.bytesSent) && row.bytesSent >= 0).toBe(true);
    expect(Number.isSafeInteger(row.responseMs) && row.responseMs >= 0).toBe(true);
    for (const v of [row.ip, row.method, row.path]) expect(v === '' || v === '-').toBe(false);
  } else {
    expect(Object.keys(REJECT_REASONS)).toContain(r.reason);
    expect(typeof r.detail).toBe('string');
  }
}

describe('web-log line validators: any input gives a row or a typed reject', () => {
  it('validateCsvLine', () => {
    fc.assert(
      fc.property(fc.oneof(messyLine, csvishLine), (line) => checkTyped(validateCsvLine(line, DAY))),
      RUNS,
    );
  });

  it('validateCombinedLine', () => {
    const combinedish = fc
      .tuple(piece, piece, piece, messyLine, messyLine, piece, piece, messyLine, messyLine)
      .map(([ip, l, u, t, req, st, b, ref, ua]) => `${ip} ${l} ${u} [${t}] "${req}" ${st} ${b} "${ref}" "${ua}"`);
    fc.assert(
      fc.property(fc.oneof(messyLine, combinedish), (line) => checkTyped(validateCombinedLine(line, DAY))),
      RUNS,
    );
  });

  it('splitCsvLine, parseClfTime and detectFormat never throw', () => {
    fc.assert(
      fc.property(fc.oneof(messyLine, csvishLine), (line) => {
        const f = splitCsvLine(line);
        expect(f === undefined || (Array.isArray(f) && f.length >= 1)).toBe(true);
        const t = parseClfTime(line);
        expect(typeof t).toBe('number');
        expect(['csv', 'combined']).toContain(detectFormat(line));
      }),
      RUNS,
    );
  });
});

// ---- round trips -------------------------------------------------------------------------------------------

/** Any text without a line break (a web-log record is one physical line). */
const oneLineText = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ''));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.ipV6().filter((s) => s.length <= 39 && /^[0-9a-fA-F:]+$/.test(s));
const present = (s: string) => s !== '' && s !== '-';

/** A valid row of the run date (the fields the validator should give back). */
const validRow: fc.Arbitrary<WebLogRow> = fc.record({
  eventTimeMs: fc.integer({ min: DAY, max: DAY + 86_400_000 - 1 }),
  customerId: fc.oneof(
    fc.constant(''),
    oneLineText.filter((s) => s !== '-'),
  ),
  sessionId: oneLineText,
  ip: fc.oneof(ipv4, ipv6),
  method: fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'OPTIONS'),
  path: oneLineText.filter(present),
  httpStatus: fc.integer({ min: 100, max: 599 }),
  bytesSent: fc.nat(999_999_999_999_999), // up to 15 digits
  responseMs: fc.nat(1_000_000),
  userAgent: oneLineText,
  referrer: oneLineText,
});

/** ISO text of `ms` in a zone `offsetMin` minutes east of UTC (`+HH:MM` or `Z`). */
function isoInZone(ms: number, offsetMin: number): string {
  if (offsetMin === 0) return new Date(ms).toISOString();
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, -1);
  const a = Math.abs(offsetMin);
  return `${local}${offsetMin < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

describe('round trips', () => {
  it('splitCsvLine inverts RFC 4180 quoting of any fields (quoted when needed or at random)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 10 }), fc.boolean()), { minLength: 1, maxLength: 15 }),
        (fields) => {
          const line = fields.map(([f, force]) => (force ? `"${f.replace(/"/g, '""')}"` : csvQuote(f))).join(',');
          expect(splitCsvLine(line)).toEqual(fields.map(([f]) => f));
        },
      ),
      RUNS,
    );
  });

  it('a valid CSV row (any zone, quoting, `-` or empty numbers) is accepted with the same fields', () => {
    fc.assert(
      fc.property(
        validRow,
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        fc.array(fc.boolean(), { minLength: 11, maxLength: 11 }),
        fc.constantFrom('', '-', 'n'),
        (row, offset, quoteAll, zeroForm) => {
          const bytes = row.bytesSent === 0 && zeroForm !== 'n' ? zeroForm : String(row.bytesSent);
          const fields = [
            isoInZone(row.eventTimeMs, offset),
            row.customerId,
            row.sessionId,
            row.ip,
            row.method,
            row.path,
            String(row.httpStatus),
            bytes,
            String(row.responseMs),
            row.userAgent,
            row.referrer,
          ];
          // Fields the validator parses (time, ip, status, numbers) are quoted only when the generator quotes them: quoting is transparent.
          const line = fields.map((f, i) => (quoteAll[i] ? `"${f.replace(/"/g, '""')}"` : csvQuote(f))).join(',');
          expect(validateCsvLine(line, DAY)).toEqual({ ok: true, row });
        },
      ),
      RUNS,
    );
  });

  it('a valid combined-format row is accepted with the same fields', () => {
    const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const clf = (ms: number, offsetMin: number): string => {
      const d = new Date(ms + offsetMin * 60_000);
      const p = (n: number) => String(n).padStart(2, '0');
      const a = Math.abs(offsetMin);
      return `${p(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${offsetMin < 0 ? '-' : '+'}${p(Math.floor(a / 60))}${p(a % 60)}`;
    };
    const esc = (s: string) => s.replace(/[\\"]/g, '\\$&');
    const noSpace = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-.~'.split('')), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        validRow,
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        noSpace.filter((s) => s !== '-'),
        oneLineText.filter((s) => present(s) && !/^\s|\s$/.test(s) && !/ HTTP\/\d/.test(s) && !s.includes(' ')),
        (r, offset, customer, path) => {
          const row: WebLogRow = {
            ...r,
            eventTimeMs: r.eventTimeMs - (r.eventTimeMs % 1000),
            customerId: customer,
            sessionId: '',
            path,
            responseMs: 0,
          };
          const line = `${row.ip} - ${customer} [${clf(row.eventTimeMs, offset)}] "${row.method} ${esc(path)} HTTP/1.1" ${row.httpStatus} ${row.bytesSent} "${esc(row.referrer)}" "${esc(row.userAgent)}"`;
          expect(validateCombinedLine(line, DAY)).toEqual({ ok: true, row });
        },
      ),
      RUNS,
    );
  });
});
