import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { LandedFile } from '../../common/batch.js';
import { BadInputError } from '../errors.js';
import { generateWeblogLines } from '../generate/weblogs.js';
import { validateFileToHourlyCsv } from './validate-file.js';
import { validateInParallel } from './validate/parallel.js';

const DATE = '2030-01-15';
const root = mkdtempSync(`${tmpdir()}/validate-file-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A CSV day with bad rows, CRLF and bare CR endings, blank lines, non-ASCII text and no final newline. */
function writeInput(): { plain: string; gz: string; bad: Map<number, string>; rows: number } {
  const bad = new Map<number, string>();
  const lines = [
    ...generateWeblogLines(
      { date: DATE, rows: 20_000, format: 'csv', badRate: 0.05, customers: 100, seed: 3 },
      (l, r) => bad.set(l, r),
    ),
  ];
  const edited = lines.map((l, i) =>
    i % 501 === 9 ? '' : i % 97 === 5 ? `${l}\r` : i % 89 === 7 ? l.replace('Mozilla', 'Mözilla') : l,
  );
  edited.forEach((l, i) => l === '' && bad.delete(i + 1)); // blank lines are not rows
  const text = edited.join('\n');
  const plain = `${root}/day.csv`;
  writeFileSync(plain, text);
  writeFileSync(`${root}/day.csv.gz`, gzipSync(text));
  return { plain, gz: `${root}/day.csv.gz`, bad, rows: edited.filter((l) => l !== '').length - 1 };
}
const input = writeInput();

const landed = (stagedPath: string, gzip: boolean): LandedFile => ({
  name: 'day.csv',
  size: statSync(stagedPath).size,
  sha256: 'abc',
  stagedPath,
  gzip,
});

/** Each hour's clean rows (part files concatenated in name order, as the partition step reads them). */
function hours(cleanDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of readdirSync(cleanDir).sort())
    out[h] = readdirSync(`${cleanDir}/${h}`)
      .sort()
      .map((f) => readFileSync(`${cleanDir}/${h}/${f}`, 'utf8'))
      .join('');
  return out;
}

describe('validateFileToHourlyCsv', () => {
  it('streams a file on this thread: injected bad rows quarantined with their physical line numbers', async () => {
    let beats = 0;
    const r = await validateFileToHourlyCsv({
      date: DATE,
      file: landed(input.plain, false),
      cleanDir: `${root}/s/clean`,
      quarantineDir: `${root}/s/q`,
      parallelMinBytes: Infinity,
      onProgress: () => beats++,
    });
    expect(r).toMatchObject({ format: 'csv', rows: input.rows, rejected: input.bad.size });
    const records = readFileSync(r.quarantinePath, 'utf8').trim().split('\n');
    expect(records[0]).toBe('file,line,reason,detail,raw');
    expect(new Map(records.slice(1).map((l) => [Number(l.split(',')[1]), l.split(',')[2]]))).toEqual(input.bad);
    expect(beats).toBeGreaterThan(0);
    expect(Object.keys(hours(`${root}/s/clean`))).toHaveLength(24);
  });

  it('gives the same clean rows and quarantine for gzip input', async () => {
    const r = await validateFileToHourlyCsv({
      date: DATE,
      file: landed(input.gz, true),
      cleanDir: `${root}/g/clean`,
      quarantineDir: `${root}/g/q`,
    });
    expect(hours(`${root}/g/clean`)).toEqual(hours(`${root}/s/clean`));
    expect(readFileSync(r.quarantinePath, 'utf8')).toBe(readFileSync(`${root}/s/q/day.csv.rejects.csv`, 'utf8'));
  });

  it('gives the same result on worker threads over byte ranges (line numbers carried across ranges)', async () => {
    const rejectsPath = `${root}/p/q/day.csv.rejects.csv`;
    mkdirSync(`${root}/p/q`, { recursive: true });
    let done = 0;
    const counts = await validateInParallel({
      path: input.plain,
      size: statSync(input.plain).size,
      parts: 3,
      sha256: 'abc',
      format: 'csv',
      dayStartMs: Date.parse(`${DATE}T00:00:00Z`),
      source: 'day.csv',
      cleanDir: `${root}/p/clean`,
      rejectsPath,
      rejectsHeader: 'file,line,reason,detail,raw',
      onBytes: (b) => (done = b),
    });
    expect(counts).toMatchObject({ rows: input.rows, valid: input.rows - input.bad.size });
    expect(done).toBe(statSync(input.plain).size);
    expect(readdirSync(`${root}/p/clean/hour=05`).sort()).toEqual(['abc.csv', 'abc.p01.csv', 'abc.p02.csv']);
    expect(hours(`${root}/p/clean`)).toEqual(hours(`${root}/s/clean`));
    expect(readFileSync(rejectsPath, 'utf8')).toBe(readFileSync(`${root}/s/q/day.csv.rejects.csv`, 'utf8'));
    expect(readdirSync(`${root}/p/q`)).toEqual(['day.csv.rejects.csv']);
  });
});

describe('lines longer than 1 MiB', () => {
  const MiB = 1 << 20;
  /** A valid CSV row of exactly `bytes` bytes (the user agent is padded). */
  const row = (bytes: number): string => {
    const head = `${DATE}T05:00:00Z,C000001,S1,10.0.0.1,GET,/watch/V1,200,100,5,UA`;
    return `${head}${'x'.repeat(bytes - head.length - 2)},-`;
  };
  const dir = `${root}/long`;
  mkdirSync(dir, { recursive: true });
  // Lines: 1 header, 2 valid, 3 valid of exactly 1 MiB, 4 one byte too long, 5 a 40 MiB line, 6 valid, 7 a 3 MiB last line without `\n`.
  const text = [
    'event_time,customer_id,session_id,ip,method,path,http_status,bytes_sent,response_ms,user_agent,referrer',
    row(200),
    row(MiB),
    row(MiB + 1),
    'j'.repeat(40 * MiB),
    row(300),
    row(3 * MiB),
  ].join('\n');
  writeFileSync(`${dir}/long.csv`, text);
  writeFileSync(`${dir}/long.csv.gz`, gzipSync(text));

  const check = (quarantinePath: string) => {
    const records = readFileSync(quarantinePath, 'utf8').trim().split('\n').slice(1);
    expect(records.map((r) => r.split(',').slice(0, 3).join(','))).toEqual([
      'day.csv,4,malformed_row',
      'day.csv,5,malformed_row',
      'day.csv,7,malformed_row',
    ]);
    expect(records[1]).toContain(`line of ${40 * MiB} bytes is longer than the ${MiB}-byte limit`);
    expect(records[2]).toContain(`line of ${3 * MiB} bytes is longer`);
    for (const r of records) expect(r.length).toBeLessThan(2000); // the head of the line, never the line
  };

  it('quarantines them as malformed_row with file, line and reason (stream, gzip and worker threads alike)', async () => {
    const stream = await validateFileToHourlyCsv({
      date: DATE,
      file: landed(`${dir}/long.csv`, false),
      cleanDir: `${dir}/s/clean`,
      quarantineDir: `${dir}/s/q`,
      parallelMinBytes: Infinity,
    });
    expect(stream).toMatchObject({ rows: 6, valid: 3, rejected: 3, byReason: { malformed_row: 3 } });
    check(stream.quarantinePath);
    const gz = await validateFileToHourlyCsv({
      date: DATE,
      file: landed(`${dir}/long.csv.gz`, true),
      cleanDir: `${dir}/g/clean`,
      quarantineDir: `${dir}/g/q`,
    });
    expect(gz).toMatchObject({ rows: 6, valid: 3, rejected: 3 });
    check(gz.quarantinePath);
    mkdirSync(`${dir}/p/q`, { recursive: true });
    const counts = await validateInParallel({
      path: `${dir}/long.csv`,
      size: statSync(`${dir}/long.csv`).size,
      parts: 3,
      sha256: 'abc',
      format: 'csv',
      dayStartMs: Date.parse(`${DATE}T00:00:00Z`),
      source: 'day.csv',
      cleanDir: `${dir}/p/clean`,
      rejectsPath: `${dir}/p/q/day.csv.rejects.csv`,
      rejectsHeader: 'file,line,reason,detail,raw',
      onBytes: () => undefined,
    });
    expect(counts).toMatchObject({ rows: 6, valid: 3 });
    check(`${dir}/p/q/day.csv.rejects.csv`);
    expect(hours(`${dir}/p/clean`)).toEqual(hours(`${dir}/s/clean`));
    expect(hours(`${dir}/g/clean`)).toEqual(hours(`${dir}/s/clean`));
  });
});

describe('gzip input that does not decompress', () => {
  it('a truncated file is a BadInputError naming it, not a retryable stream error', async () => {
    writeFileSync(`${root}/trunc.csv.gz`, gzipSync(readFileSync(input.plain)).subarray(0, 5000));
    const err = await validateFileToHourlyCsv({
      date: DATE,
      file: { ...landed(`${root}/trunc.csv.gz`, true), name: 'trunc.csv.gz' },
      cleanDir: `${root}/t/clean`,
      quarantineDir: `${root}/t/q`,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).message).toMatch(
      /^trunc\.csv\.gz: not a complete gzip file \(unexpected end of file\)/,
    );
    expect((err as BadInputError).context).toMatchObject({ file: 'trunc.csv.gz', reason: 'bad_gzip' });
  });
});
