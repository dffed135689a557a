import { describe, expect, it } from 'vitest';
import { GENERATED_REASONS, generateWeblogLines } from './generate/weblogs.js';
import { detectFormat, parseClfTime, splitCsvLine, validateCombinedLine, validateCsvLine } from './weblog-validate.js';

const DAY = Date.parse('2024-09-13T00:00:00Z');
const good =
  '2024-09-13T06:49:12.345Z,C000042,s1,203.0.113.5,GET,/watch/V42,200,5123,87,"Mozilla/5.0 (X11, Linux)",https://ref.example/';

describe('CSV lines', () => {
  it('splits RFC 4180 quoting', () => {
    expect(splitCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
    expect(splitCsvLine('a,"open')).toBeUndefined();
    expect(splitCsvLine('a,"x"y')).toBeUndefined();
  });

  it('uses the zone: 2024-09-14T01:49+02:00 is still 2024-09-13 in UTC', () => {
    expect(validateCsvLine(good.replace('2024-09-13T06:49:12.345Z', '2024-09-14T01:49:12.345+02:00'), DAY).ok).toBe(
      true,
    );
  });

  it('accepts a valid row and maps - and empty numbers to 0', () => {
    const r = validateCsvLine(good, DAY);
    expect(r).toMatchObject({
      ok: true,
      row: {
        customerId: 'C000042',
        httpStatus: 200,
        bytesSent: 5123,
        responseMs: 87,
        userAgent: 'Mozilla/5.0 (X11, Linux)',
      },
    });
    const dash = validateCsvLine(good.replace(',5123,87,', ',-,,'), DAY);
    expect(dash).toMatchObject({ ok: true, row: { bytesSent: 0, responseMs: 0 } });
    expect(validateCsvLine(good.replace(',C000042,', ',,'), DAY)).toMatchObject({ ok: true, row: { customerId: '' } });
    expect(validateCsvLine(good.replace('.345Z', '.345+02:00'), DAY)).toMatchObject({
      ok: true,
      row: { eventTimeMs: Date.parse('2024-09-13T04:49:12.345Z') },
    });
  });

  it.each([
    ['a,b,c', 'malformed_row'],
    [good.replace(',203.0.113.5,', ',,'), 'missing_field'],
    [good.replace('.345Z', '.345'), 'bad_timestamp'],
    [good.replace('2024-09-13T06', '2024-09-12T23'), 'wrong_date'],
    [good.replace('2024-09-13T06:49:12.345Z', '2024-09-14T03:49:12.345+02:00'), 'wrong_date'],
    [good.replace(',200,', ',99,'), 'bad_status'],
    [good.replace(',200,', ',600,'), 'bad_status'],
    [good.replace(',5123,', ',-3,'), 'bad_number'],
    [good.replace(',87,', ',1.5,'), 'bad_number'],
    [good.replace('203.0.113.5', '300.1.1.1'), 'bad_ip'],
  ])('rejects %s as %s', (line, reason) => {
    expect(validateCsvLine(line, DAY)).toMatchObject({ ok: false, reason });
  });
});

describe('combined log format', () => {
  const line =
    '203.0.113.5 - C000042 [13/Sep/2024:08:49:12 +0200] "GET /watch/V42?x=\\"1\\" HTTP/1.1" 200 - "-" "Roku/DVP-12.5"';
  it('parses real-world lines, with escapes and - bytes', () => {
    expect(validateCombinedLine(line, DAY)).toMatchObject({
      ok: true,
      row: {
        ip: '203.0.113.5',
        customerId: 'C000042',
        method: 'GET',
        path: '/watch/V42?x="1"',
        httpStatus: 200,
        bytesSent: 0,
        eventTimeMs: Date.parse('2024-09-13T06:49:12Z'),
        userAgent: 'Roku/DVP-12.5',
      },
    });
    expect(validateCombinedLine(line.replace(' C000042 ', ' - '), DAY)).toMatchObject({
      ok: true,
      row: { customerId: '' },
    });
  });
  it('rejects broken lines with reasons', () => {
    expect(validateCombinedLine('garbage', DAY)).toMatchObject({ ok: false, reason: 'malformed_row' });
    expect(validateCombinedLine('203.0.113.5 - - [13/Sep/2024:08:49:12 +0000] "-" 408 0 "-" "-"', DAY)).toMatchObject({
      ok: false,
      reason: 'missing_field',
    });
    expect(
      validateCombinedLine('203.0.113.5 - - [13/Sep/2024:08:49:12 +0000] "\\x16\\x03\\x01" 400 0 "-" "-"', DAY),
    ).toMatchObject({ ok: false, reason: 'malformed_row' });
    expect(validateCombinedLine(line.replace('13/Sep/2024:08', '12/Sep/2024:08'), DAY)).toMatchObject({
      ok: false,
      reason: 'wrong_date',
    });
    expect(parseClfTime('32/Sep/2024:08:49:12 +0000')).toBeNaN();
  });
});

describe('generator and validator agree', () => {
  for (const format of ['csv', 'combined'] as const) {
    it(`every injected bad ${format} row is rejected with its reason, every other row is valid`, () => {
      const bad = new Map<number, string>();
      const lines = [
        ...generateWeblogLines(
          { date: '2024-09-13', rows: 3000, format, badRate: 0.1, customers: 100, seed: 7 },
          (l, r) => bad.set(l, r),
        ),
      ];
      expect(detectFormat(lines[0]!)).toBe(format);
      expect(new Set(bad.values())).toEqual(new Set(GENERATED_REASONS));
      lines.forEach((text, i) => {
        const lineNo = i + 1;
        if (format === 'csv' && lineNo === 1) return;
        const r = format === 'csv' ? validateCsvLine(text, DAY) : validateCombinedLine(text, DAY);
        const want = bad.get(lineNo);
        expect(r.ok ? 'ok' : r.reason, `line ${lineNo}: ${text}`).toBe(want ?? 'ok');
      });
    });
  }
});
