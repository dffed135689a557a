/** The lake stage's CSV byte writer: numbers as `String` prints them, quoting, growth, draining to a file. */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CsvRowBuffer } from './csv-buffer.js';

const text = (fill: (b: CsvRowBuffer) => void, capacity = 64): string => {
  const dir = mkdtempSync(`${tmpdir()}/csv-buffer-`);
  try {
    const b = new CsvRowBuffer(capacity);
    fill(b);
    const fd = openSync(`${dir}/f`, 'w');
    b.drainTo(fd);
    expect(b.length).toBe(0);
    closeSync(fd);
    return readFileSync(`${dir}/f`, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('CsvRowBuffer', () => {
  it('prints every number exactly as String(n) does', () => {
    const values = [
      0,
      -0,
      7,
      10,
      99,
      100,
      1_795_990_009_055,
      -1_795_990_009_055,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 53,
      1e21,
      1.5,
      0.1,
      -2.75,
      123_456.789,
      5e-7,
      Number.MIN_VALUE,
    ];
    for (const v of values) {
      expect(text((b) => b.number(v))).toBe(String(v));
      expect(text((b) => b.int(v))).toBe(String(v));
    }
  });

  it('quotes strings, doubles quotes, encodes UTF-8, and grows for a long row', () => {
    const long = 'é"x'.repeat(100);
    const out = text((b) => {
      b.reserve(6 * long.length + 16);
      b.quoted('a "b",\nc');
      b.comma();
      b.quoted('');
      b.comma();
      b.quoted('né');
      b.comma();
      b.raw('true');
      b.comma();
      b.quoted(long);
      b.comma();
      b.raw('2xx');
      b.newline();
    }, 8);
    expect(out).toBe(`"a ""b"",\nc","","né",true,"${long.replaceAll('"', '""')}",2xx\n`);
  });
});
