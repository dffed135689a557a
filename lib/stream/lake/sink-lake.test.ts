/** The lake sink's staging, discard and compaction on a real directory and DuckDB (no services). */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { withDuckDb } from '../../batch/duckdb.js';
import { LakeStage, stagedFileName, stagedRange, type LakeRow } from './stage.js';
import { compactClosedHours, compactedName, discardStaged, openDir, webEventsLayout } from './sink-lake.js';

const root = mkdtempSync(`${tmpdir()}/lake-sink-`);
const layout = webEventsLayout(`${root}/lake`);
const duck = { memoryLimit: '128MB', threads: 1, tempDir: `${root}/tmp` };
const H0 = Date.parse('2031-03-04T05:00:00Z');
const row = (offset: number, tMs: number, extra: Partial<LakeRow['event']> = {}): LakeRow => ({
  event: {
    eventId: `e${offset}`,
    customerId: 'C1',
    eventTimeMs: tMs,
    eventType: 'play',
    contentId: '',
    device: 'tv',
    httpStatus: 200,
    watchMs: 1.5,
    ...extra,
  },
  country: 'FR',
  plan: 'basic',
  unknownCustomer: false,
  statusCategory: '2xx',
  partition: 0,
  offset,
});
const stage = (start: number, rows: LakeRow[]) => {
  const s = new LakeStage(openDir(layout, 's1', 0), start);
  for (const r of rows) s.add(r);
  return s.finish();
};
const read = (sql: string) => withDuckDb(duck, (db) => db.rows<Record<string, unknown>>(sql));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('lake sink', () => {
  it('stages rows per hour, discards uncommitted batches, compacts closed hours once per offset', async () => {
    // Batch 0..3 spans two hours; a field with quotes, commas and a newline survives the CSV round trip.
    const staged = stage(0, [row(0, H0 + 1), row(1, H0 + 2, { contentId: 'a "b",\nc' }), row(2, H0 + 3_600_000 + 5)]);
    expect(staged.map((s) => [s.hourMs, s.rows])).toEqual([
      [H0, 2],
      [H0 + 3_600_000, 1],
    ]);
    // A batch from offset 3 that never committed (its worker died) leaves a file; its retry discards it first.
    stage(3, [row(3, H0 + 10), row(4, H0 + 11)]);
    expect(discardStaged(layout, 's1', 0, 3)).toBe(1);
    stage(3, [row(3, H0 + 10)]);
    // The watermark passed hour H0 only: it is compacted, the next hour stays open.
    const c = await compactClosedHours(layout, 's1', 0, H0 + 3_600_000 + 1000, duck);
    expect(c).toEqual([{ hourMs: H0, path: `date=2031-03-04/hour=05/${compactedName('s1', 0)}`, rows: 3 }]);
    expect(existsSync(`${openDir(layout, 's1', 0)}/date=2031-03-04/hour=05`)).toBe(false);
    expect(readdirSync(`${openDir(layout, 's1', 0)}/date=2031-03-04/hour=06`)).toHaveLength(1);
    const rows = await read(
      `SELECT kafka_offset::INTEGER AS o, content_id AS c, watch_ms AS w, unknown_customer AS u FROM read_parquet('${layout.tableDir}/date=2031-03-04/hour=05/*.parquet') ORDER BY 1`,
    );
    expect(rows).toEqual([
      { o: 0, c: '', w: 1.5, u: false },
      { o: 1, c: 'a "b",\nc', w: 1.5, u: false },
      { o: 3, c: '', w: 1.5, u: false },
    ]);
  });

  it('names staged files by their offsets; overlapping staged files still give one row per offset', async () => {
    expect(stagedFileName(3, 12)).toBe('o00000000000000000003-00000000000000000012.csv');
    expect(stagedRange(stagedFileName(3, 12))).toEqual({ start: 3, last: 12 });
    expect(stagedRange('o00000000000000000003.csv')).toEqual({ start: 3 });
    expect(stagedRange('.o00000000000000000003.csv.tmp')).toBeUndefined();
    // A stale attempt's file (offsets 20..22) beside its retry's, which read further (20..23); no compacted file yet.
    const hour = H0 + 5 * 3_600_000;
    stage(20, [row(20, hour + 1), row(21, hour + 2), row(22, hour + 3)]);
    const retry = new LakeStage(openDir(layout, 's1', 0), 20);
    for (const r of [row(20, hour + 1), row(21, hour + 2), row(22, hour + 3), row(23, hour + 4)]) retry.add(r);
    // Same start, different last offset: both files exist.
    expect(retry.finish()[0]!.path).toMatch(/o0+20-0+23\.csv$/);
    expect(readdirSync(`${openDir(layout, 's1', 0)}/date=2031-03-04/hour=10`)).toHaveLength(2);
    const c = await compactClosedHours(layout, 's1', 0, hour + 3_600_000, duck);
    // Hour 06 of the first test (one row) closes too.
    expect(c.map((h) => [h.hourMs, h.rows])).toEqual([
      [H0 + 3_600_000, 1],
      [hour, 4],
    ]);
    const rows = await read(
      `SELECT kafka_offset::INTEGER AS o FROM read_parquet('${layout.tableDir}/date=2031-03-04/hour=10/*.parquet')`,
    );
    expect(rows).toEqual([{ o: 20 }, { o: 21 }, { o: 22 }, { o: 23 }]);
  });

  it('a compaction repeated after a crash (staged files still there) and a reopened hour add no duplicates', async () => {
    // Reopen hour 05 as a rewind would (offset 1 again, and a new offset 9); offset 1's newer copy wins.
    stage(9, [row(1, H0 + 2, { contentId: 'x' }), row(9, H0 + 20)]);
    const again = async () => (await compactClosedHours(layout, 's1', 0, H0 + 3_600_000 + 1000, duck))[0]!.rows;
    expect(await again()).toBe(4);
    // Staged file re-created as if the crash came between the rename and the removal: same result.
    stage(9, [row(1, H0 + 2, { contentId: 'x' }), row(9, H0 + 20)]);
    expect(await again()).toBe(4);
    const rows = await read(
      `SELECT kafka_offset::INTEGER AS o, content_id AS c FROM read_parquet('${layout.tableDir}/date=2031-03-04/hour=05/*.parquet') ORDER BY 1`,
    );
    expect(rows).toEqual([
      { o: 0, c: '' },
      { o: 1, c: 'x' },
      { o: 3, c: '' },
      { o: 9, c: '' },
    ]);
  });
});
