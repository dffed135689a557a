/**
 * The partition step's row check: the Parquet it writes must hold exactly the rows validation kept; a different
 * count fails the step with a typed, non-retryable error and leaves the date's lake partition as it was.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { withDuckDb } from './duckdb.js';
import { writePartition } from './partition.js';
import { validatedDay } from './validated-day.js';

const DATE = '2030-03-04';
const root = mkdtempSync(`${tmpdir()}/partition-`);
const partitionDir = `${root}/lake/weblogs/date=${DATE}`;
const duck = { memoryLimit: '512MB', threads: 1, tempDir: `${root}/duck-tmp` };
let kept = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  kept = (await validatedDay(root, { date: DATE, rows: 2000, badRate: 0.01, customers: 40, seed: 9 })).valid;
});

describe('writePartition row check', () => {
  it('writes the partition when the rows equal what validation kept', async () => {
    expect(kept).toBeGreaterThan(1900);
    const r = await withDuckDb(duck, (db) => writePartition(db, `${root}/clean`, partitionDir, new Map(), kept));
    expect(r.rows).toBe(kept);
    expect(readdirSync(partitionDir).length).toBe(r.files);
  });

  it('fails with a BadInputError naming both counts, and leaves the existing partition untouched', async () => {
    const before = readdirSync(partitionDir).map((h) => statSync(`${partitionDir}/${h}/part-0.parquet`).mtimeMs);
    const err = await withDuckDb(duck, (db) =>
      writePartition(db, `${root}/clean`, partitionDir, new Map(), kept + 1),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).retryable).toBe(false);
    expect((err as Error).message).toContain(`holds ${kept} rows, but validation kept ${kept + 1}`);
    const after = readdirSync(partitionDir).map((h) => statSync(`${partitionDir}/${h}/part-0.parquet`).mtimeMs);
    expect(after).toEqual(before);
    expect(readdirSync(`${root}/lake/weblogs`).filter((d) => d.includes('staging'))).toEqual([]);
    expect(existsSync(partitionDir)).toBe(true);
  });
});
