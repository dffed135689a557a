/**
 * Property test of file validation: files built from arbitrary lines (quotes, commas, CR/LF mixes, invalid
 * UTF-8, long lines, blank lines, a BOM, with or without a header and a final newline) are counted exactly.
 *
 * The invariant, for a file of L physical lines (split on `\n`; a last line without `\n` counts, an empty
 * piece after a final `\n` does not), where a line is blank when it is empty after dropping one trailing CR
 * (a line over MAX_LINE_BYTES is never blank), and the header is the first non-blank line when the format
 * detected from that line is CSV and it (BOM removed) starts with `event_time,`:
 *
 *   rows     = L − blank lines − header
 *   valid + rejected = rows,  rejected = Σ byReason = quarantine records,  valid = clean rows written
 *
 * and each data line's outcome is the reference string validator's on its UTF-8 text (an overlong line:
 * malformed_row), quarantined under its physical line number — on the streaming, gzip and worker-thread paths.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ValidateResult } from '../../common/batch.js';
import { WEBLOG_CSV_COLUMNS } from '../../common/weblog.js';
import { detectFormat, validateCombinedLine, validateCsvLine } from '../weblog-validate.js';
import { validateFileToHourlyCsv } from './validate-file.js';
import { MAX_LINE_BYTES } from './validate/row-scanner.js';

const DATE = '2030-01-15';
const DAY = Date.parse(`${DATE}T00:00:00Z`);
const root = mkdtempSync(`${tmpdir()}/validate-file-prop-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HEADER = WEBLOG_CSV_COLUMNS.join(',');
const validCsv = fc
  .tuple(
    fc.integer({ min: DAY - 3_600_000, max: DAY + 90_000_000 }),
    fc.constantFrom('C1', '-', '', '"C,1"'),
    fc.constantFrom('10.0.0.1', '::1', '300.1.1.1'),
    fc.constantFrom('200', '404', '99', '"200"'),
    fc.constantFrom('5', '-', '', '1.5'),
  )
  .map(
    ([t, c, ip, st, n]) =>
      `${new Date(t).toISOString()},${c},s1,${ip},GET,/watch/V1,${st},${n},7,"Mozilla/5.0 (X11, Linux)",-`,
  );
const validCombined = fc
  .tuple(fc.integer({ min: 0, max: 86_399 }), fc.constantFrom('200', '404', '700'))
  .map(
    ([s, st]) =>
      `203.0.113.5 - C1 [15/Jan/2030:${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')} +0000] "GET /watch/V1 HTTP/1.1" ${st} 12 "-" "Roku/DVP"`,
  );
const junkText = fc
  .array(
    fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(',', '"', '""', '\r', '\\"', 'é', '\uFEFF', 'event_time,')),
    { maxLength: 15 },
  )
  .map((p) => p.join(''));

/** One line's bytes (no `\n`). */
const lineBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: validCsv.map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: validCombined.map((s) => Buffer.from(s)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '\r', HEADER, `\uFEFF${HEADER}`, ` ${HEADER}`).map((s) => Buffer.from(s)),
  },
  { weight: 3, arbitrary: junkText.map((s) => Buffer.from(s)) },
  // invalid UTF-8: random bytes without `\n`
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b.map((x) => (x === 10 ? 0xff : x)))),
  },
  // long lines: past the fast path's 64 KiB limit, and rarely past the 1 MiB line limit
  {
    weight: 1,
    arbitrary: fc
      .tuple(validCsv, fc.constantFrom(70_000, 200_000))
      .map(([s, n]) => Buffer.from(s.replace('Mozilla', 'M'.repeat(n)))),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(MAX_LINE_BYTES, MAX_LINE_BYTES + 1, MAX_LINE_BYTES + 5000)
      .map((n) => Buffer.alloc(n, 0x61)),
  },
);

/** A file: lines, each ended by `\n` or `\r\n`; the last maybe unterminated. */
const file = fc
  .record({
    header: fc.constantFrom('none', 'csv', 'bom'),
    lines: fc.array(fc.tuple(lineBytes, fc.constantFrom('\n', '\r\n', '\r\r\n')), { maxLength: 25 }),
    finalNewline: fc.boolean(),
  })
  .filter((f) => f.lines.filter(([l]) => l.length > 60_000).length <= 2)
  .map(({ header, lines, finalNewline }) => {
    const parts: Buffer[] = [];
    if (header !== 'none') parts.push(Buffer.from(`${header === 'bom' ? '\uFEFF' : ''}${HEADER}\n`));
    lines.forEach(([l, eol], i) => {
      parts.push(l);
      if (i < lines.length - 1 || finalNewline) parts.push(Buffer.from(eol));
    });
    return Buffer.concat(parts);
  });

type Outcome = string; // 'ok' or a reason code

/** What the invariant says for `bytes`: rows and, per physical line number, the outcome of each data line. */
function expected(bytes: Buffer): { lines: number; rows: number; outcomes: Map<number, Outcome> } {
  const pieces: Buffer[] = [];
  for (let s = 0; s < bytes.length;) {
    const nl = bytes.indexOf(10, s);
    pieces.push(bytes.subarray(s, nl < 0 ? bytes.length : nl));
    s = nl < 0 ? bytes.length : nl + 1;
  }
  const outcomes = new Map<number, Outcome>();
  let format: 'csv' | 'combined' = 'csv';
  let first = true;
  pieces.forEach((raw, i) => {
    const b = raw.length > 0 && raw[raw.length - 1] === 13 ? raw.subarray(0, -1) : raw;
    const overlong = raw.length > MAX_LINE_BYTES;
    if (!overlong && b.length === 0) return; // blank
    const text = overlong ? raw.toString('utf8', 0, 1024) : b.toString('utf8');
    if (first) {
      first = false;
      format = detectFormat(text);
      if (!overlong && format === 'csv' && text.replace(/^\uFEFF/, '').startsWith('event_time,')) return; // header
    }
    if (overlong) return outcomes.set(i + 1, 'malformed_row');
    const r = format === 'csv' ? validateCsvLine(text, DAY) : validateCombinedLine(text, DAY);
    outcomes.set(i + 1, r.ok ? 'ok' : r.reason);
  });
  return { lines: pieces.length, rows: outcomes.size, outcomes };
}

function cleanRows(cleanDir: string): number {
  let n = 0;
  if (!existsSync(cleanDir)) return 0;
  for (const h of readdirSync(cleanDir))
    for (const f of readdirSync(`${cleanDir}/${h}`))
      n += readFileSync(`${cleanDir}/${h}/${f}`).filter((b) => b === 10).length;
  return n;
}

function check(bytes: Buffer, r: ValidateResult, cleanDir: string): void {
  const want = expected(bytes);
  const rejectedWant = [...want.outcomes].filter(([, o]) => o !== 'ok');
  expect(r.rows).toBe(want.rows);
  expect(r.valid + r.rejected).toBe(r.rows);
  expect(Object.values(r.byReason).reduce((a, b) => a + (b ?? 0), 0)).toBe(r.rejected);
  expect(r.rejected).toBe(rejectedWant.length);
  const records = parse(readFileSync(r.quarantinePath), { columns: true }) as { line: string; reason: string }[];
  expect(records.map((q) => [Number(q.line), q.reason])).toEqual(rejectedWant);
  expect(cleanRows(cleanDir)).toBe(r.valid);
}

let run = 0;
async function validate(
  bytes: Buffer,
  mode: 'stream' | 'gzip' | 'parallel',
): Promise<{ r: ValidateResult; cleanDir: string }> {
  const dir = `${root}/${run++}`;
  mkdirSync(dir);
  const stagedPath = `${dir}/in${mode === 'gzip' ? '.gz' : ''}`;
  writeFileSync(stagedPath, mode === 'gzip' ? gzipSync(bytes) : bytes);
  const r = await validateFileToHourlyCsv({
    date: DATE,
    file: { name: 'in.log', size: bytes.length, sha256: 'h', stagedPath, gzip: mode === 'gzip' },
    cleanDir: `${dir}/clean`,
    quarantineDir: `${dir}/q`,
    parallelMinBytes: mode === 'parallel' ? 0 : Infinity,
  });
  return { r, cleanDir: `${dir}/clean` };
}

const cleanup = () => {
  for (const d of readdirSync(root)) rmSync(`${root}/${d}`, { recursive: true, force: true });
};

describe('validateFileToHourlyCsv: round trip', () => {
  // Regression: a blank first line (e.g. a leading CRLF) made the file "combined", its header and every row malformed_row.
  it('a CSV file of valid rows with blank lines anywhere (CR/LF endings, also before the header) keeps every row', async () => {
    const row = fc
      .integer({ min: DAY, max: DAY + 86_399_999 })
      .map((t) => `${new Date(t).toISOString()},C1,s1,10.0.0.1,GET,/watch/V1,200,5,7,"Mozilla/5.0 (X11, Linux)",-`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(row, fc.constantFrom('', '\r')), { maxLength: 30 }),
        fc.array(fc.constantFrom('', '\r'), { maxLength: 2 }),
        async (body, before) => {
          const bytes = Buffer.from([...before, HEADER, ...body].join('\n'));
          const s = await validate(bytes, 'stream');
          const rows = body.filter((l) => l.length > 1).length;
          expect(s.r).toMatchObject({ format: 'csv', rows, valid: rows, rejected: 0 });
          cleanup();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('regression example, also on worker threads: a leading CRLF before the header', async () => {
    const rows = Array.from(
      { length: 50 },
      (_, i) => `${DATE}T${String(i % 24).padStart(2, '0')}:00:00Z,C1,s1,10.0.0.1,GET,/watch/V1,200,5,7,UA,-`,
    );
    const bytes = Buffer.from(`\r\n\n${HEADER}\r\n${rows.join('\r\n')}\r\n`);
    for (const mode of ['stream', 'gzip', 'parallel'] as const) {
      const { r } = await validate(bytes, mode);
      expect(r, mode).toMatchObject({ format: 'csv', rows: 50, valid: 50, rejected: 0 });
    }
    cleanup();
  });
});

describe('validateFileToHourlyCsv: every physical line is counted once', () => {
  it('on the streaming path (and gzip gives the same counts)', async () => {
    await fc.assert(
      fc.asyncProperty(file, async (bytes) => {
        const s = await validate(bytes, 'stream');
        check(bytes, s.r, s.cleanDir);
        const g = await validate(bytes, 'gzip');
        expect({ ...g.r, quarantinePath: '' }).toEqual({ ...s.r, quarantinePath: '' });
        expect(readFileSync(g.r.quarantinePath, 'utf8')).toBe(readFileSync(s.r.quarantinePath, 'utf8'));
        cleanup();
      }),
      { numRuns: 70 },
    );
  }, 60_000);

  it('on worker threads over byte ranges', async () => {
    await fc.assert(
      fc.asyncProperty(file, async (bytes) => {
        const p = await validate(bytes, 'parallel');
        check(bytes, p.r, p.cleanDir);
        cleanup();
      }),
      { numRuns: 15 },
    );
  }, 60_000);
});
