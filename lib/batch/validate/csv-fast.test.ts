import { describe, expect, it } from 'vitest';
import { contentFromPath, deviceFromUserAgent } from '../../../common/weblog.js';
import { statusCategory } from '../../../common/status.js';
import { generateWeblogLines } from '../../generate/weblogs.js';
import { validateCsvLine } from '../../weblog-validate.js';
import { strictIsoMs } from './bytes.js';
import { CsvFastPath } from './csv-fast.js';
import { csvQuote as q, type HourlyOutput } from './outputs.js';

const DATE = '2030-01-15';
const DAY = Date.parse(`${DATE}T00:00:00Z`);

/** The clean row the string path writes for a line (the reference the fast path must match byte for byte). */
function referenceRow(line: string): string | undefined {
  const r = validateCsvLine(line, DAY);
  if (!r.ok) return undefined;
  const w = r.row;
  return (
    `${w.eventTimeMs},${q(w.customerId)},${q(w.sessionId)},${w.ip},${q(w.method)},${q(w.path)},${w.httpStatus},${w.bytesSent},${w.responseMs},` +
    `${q(w.userAgent)},${q(w.referrer)},${deviceFromUserAgent(w.userAgent)},${q(contentFromPath(w.path))},${statusCategory(w.httpStatus)}\n`
  );
}

/** A fast path writing into one scratch buffer; returns the row it wrote, or undefined when it declined. */
function fastPath(): (line: string) => string | undefined {
  const arena = Buffer.alloc(2 << 20);
  const scratch = arena.subarray(0, 1 << 20);
  const out = {
    arena,
    input: arena.subarray(1 << 20),
    pos: new Int32Array(24),
    reserve: (h: number) => ((out.pos[h] = 0), scratch),
  };
  const fast = new CsvFastPath(DAY, out as unknown as HourlyOutput);
  return (line) => {
    const n = out.input.write(line, 'utf8');
    out.pos.fill(-1);
    if (!fast.accept(out.input, 0, n)) return undefined;
    const end = out.pos.find((p) => p >= 0)!;
    return scratch.toString('utf8', 0, end);
  };
}

const VARIANTS: Record<number, string[]> = {
  0: [
    '2030-01-15T10:00:00.5Z',
    '2030-01-15T10:00:00.123456Z',
    '2030-01-15T10:00:00Z',
    '2030-01-16T01:00:00+02:00',
    '2030-01-14T23:00:00-05:30',
    '2030-01-15 10:00:00Z',
    '2030-01-15T10:00Z',
    '2030-01-15T24:00:00Z',
    '2030-01-15T10:00:00+0200',
    '2030-02-30T10:00:00Z',
    '2030-01-15T23:59:59.999Z',
    '2030-01-16T00:00:00.000Z',
    '"2030-01-15T10:00:00Z"',
    '',
    '-',
  ],
  1: ['-', '"-"', '', '"C1,2"', '"C1"', 'C"1'],
  3: [
    '01.2.3.4',
    '255.255.255.255',
    '256.1.1.1',
    '::1',
    '2001:DB8::1',
    'g::1',
    '"1.2.3.4"',
    '0.0.0.0',
    '1.2.3',
    ':',
    '9.99.199.249',
  ],
  4: ['-', '', '"GET"', 'get', '"-"', '"PO,ST"'],
  5: [
    '"/watch/V1,2"',
    '"/watch/""x"""',
    '/video/ABC_-x?y',
    '/play/',
    `/play/${'x'.repeat(70)}`,
    '"/watch/V9"',
    '-',
    '/Watch/V1',
    '/wätch/V1',
    'a\rb',
  ],
  6: ['099', '600', '"200"', '2000', '-', '', '599', '100'],
  7: ['', '-', '007', '0', '"12"', '1234567890123456', '123456789012345', '-1', '1.5'],
  9: [
    'Mozilla/5.0 ünïcode',
    'a\rb',
    '"x""y"',
    'un"quoted',
    '"plain quoted"',
    '""',
    '"Roku, TV"',
    'Googlebot',
    '',
    '-',
    '"-"',
    '"a\rb"',
  ],
};

describe('CSV fast path', () => {
  it('writes exactly the reference row for every line it accepts, and accepts plain generated rows', () => {
    const fast = fastPath();
    const lines = [
      ...generateWeblogLines({ date: DATE, rows: 4000, format: 'csv', badRate: 0.1, customers: 100, seed: 5 }),
    ].slice(1);
    const mutated: string[] = [];
    lines.forEach((line, i) => {
      const f = line.split(',');
      for (const [field, values] of Object.entries(VARIANTS)) {
        const copy = [...f];
        copy[Number(field)] = values[i % values.length]!;
        mutated.push(copy.join(','));
      }
      mutated.push(`${line},`, f.slice(0, 10).join(','), line.replace(',', ',"'));
    });
    let accepted = 0;
    for (const line of [...lines, ...mutated]) {
      const got = fast(line);
      if (got === undefined) continue;
      accepted++;
      expect(got, line).toBe(referenceRow(line));
    }
    const plainValid = lines.filter((l) => validateCsvLine(l, DAY).ok);
    expect(plainValid.filter((l) => fast(l) !== undefined).length).toBe(plainValid.length);
    expect(accepted).toBeGreaterThan(plainValid.length + mutated.length / 4);
  });

  it('parses strict ISO timestamps exactly as Date.parse', () => {
    const samples = [
      '2030-01-15T10:00:00.5Z',
      '2030-01-15T10:00:00.12Z',
      '2030-01-15T10:00:00.123456789Z',
      '2000-02-29T00:00:00Z',
      '2024-12-31T23:59:59.999+23:59',
      '0001-01-01T00:00:00-00:30',
    ];
    for (let i = 0; i < 2000; i++)
      samples.push(new Date(Date.UTC(1990, 0, 1) + ((i * 7_919_000_003) % 1.5e12) + (i % 1000)).toISOString());
    for (const s of samples) expect(strictIsoMs(Buffer.from(s), 0, s.length), s).toBe(Date.parse(s));
    for (const s of [
      '2030-02-29T10:00:00Z',
      '2030-01-15T24:00:00Z',
      '2030-01-15T10:00:60Z',
      '2030-01-15T10:00:00+24:00',
      '2030-01-15T10:00:00.Z',
      '2030-01-15T10:00:00z',
      '2030-1-15T10:00:00Z',
    ]) {
      expect(strictIsoMs(Buffer.from(s), 0, s.length), s).toBeNaN();
    }
  });
});
