/**
 * The lake DDL and the DuckDB views over registered partitions, on a small lake written by the batch layer's
 * own partition step (generated logs → validation → writePartition): the declared `weblogs` columns are the
 * ones the files have, the views read exactly the registered files, and the Hive/Spark text quotes right.
 * (test/lake.test.ts runs the printed Hive and Spark DDL in a real Spark with a Hive metastore.)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogPartition, LakeCatalog } from '../../adapters/catalog/types.js';
import { partitionFingerprint } from '../../adapters/catalog/postgres.js';
import { LAKE_COLUMNS, WEB_EVENT_COLUMNS, WEBLOG_COLUMNS, partitionPath } from '../../common/lake.js';
import { withDuckDb, type DuckSession } from '../batch/duckdb.js';
import { writePartition } from '../batch/partition.js';
import { validatedDay } from '../batch/validated-day.js';
import { BadInputError } from '../errors.js';
import { describeParquetFiles } from './files.js';
import { duckdbViews, duckIdent, duckString, hiveIdent, hiveString, lakeDdl, splitStatements } from './ddl.js';
import { formatTable, lakeQuery } from './query.js';

const DATE = '2030-02-03';
const root = mkdtempSync(`${tmpdir()}/lake-ddl-`);
const lakeDir = `${root}/lake`;
const duck = { memoryLimit: '512MB', threads: 1, tempDir: `${root}/duck-tmp` };
afterAll(() => rmSync(root, { recursive: true, force: true }));

let registered: CatalogPartition[] = [];
let allHours: string[] = [];

/** Catalog entries as the catalog would return them, for the given hours of the date. */
async function register(db: DuckSession, hours: string[]): Promise<CatalogPartition[]> {
  const out: CatalogPartition[] = [];
  for (const hour of hours) {
    const files = await describeParquetFiles(db, `${lakeDir}/weblogs`, [
      `${lakeDir}/weblogs/date=${DATE}/hour=${hour}/part-0.parquet`,
    ]);
    const values = { date: DATE, hour };
    out.push({
      table: 'weblogs',
      path: partitionPath(values),
      values,
      files,
      rows: files.reduce((n, f) => n + f.rows, 0),
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      fingerprint: partitionFingerprint(files),
      registeredAt: new Date(),
      producer: 'test/run',
    });
  }
  return out;
}

const counts = async (db: DuckSession, table = 'weblogs') =>
  Object.fromEntries(
    (
      await db.rows<{ p: string; n: number }>(
        `SELECT 'date=' || date || '/hour=' || hour AS p, count(*)::INTEGER AS n FROM ${table} GROUP BY ALL ORDER BY ALL`,
      )
    ).map((r) => [r.p, r.n]),
  );

beforeAll(async () => {
  await validatedDay(root, { date: DATE, rows: 3000, badRate: 0, customers: 50, seed: 5 });
  await withDuckDb(duck, async (db) => {
    await writePartition(db, `${root}/clean`, `${lakeDir}/weblogs/date=${DATE}`);
    allHours = readdirSync(`${lakeDir}/weblogs/date=${DATE}`)
      .map((h) => h.slice(5))
      .sort();
    // Registered: every hour but the last. Unregistered on disk: the last hour, a stray file inside a
    // registered hour, and a whole other date.
    registered = await register(db, allHours.slice(0, -1));
  });
  copyFileSync(
    `${lakeDir}/weblogs/date=${DATE}/hour=${allHours[0]}/part-0.parquet`,
    `${lakeDir}/weblogs/date=${DATE}/hour=${allHours[0]}/part-7.parquet`,
  );
  mkdirSync(`${lakeDir}/weblogs/date=2030-02-04/hour=00`, { recursive: true });
  copyFileSync(
    `${lakeDir}/weblogs/date=${DATE}/hour=${allHours[0]}/part-0.parquet`,
    `${lakeDir}/weblogs/date=2030-02-04/hour=00/part-0.parquet`,
  );
}, 60_000);

describe('lake columns', () => {
  it('WEBLOG_COLUMNS are exactly the columns and types of the Parquet the partition step writes', async () => {
    const file = `${lakeDir}/weblogs/date=${DATE}/hour=${allHours[0]}/part-0.parquet`;
    const cols = await withDuckDb(duck, (db) =>
      db.rows<{ column_name: string; column_type: string }>(
        `DESCRIBE SELECT * FROM read_parquet(${duckString(file)}, hive_partitioning = false)`,
      ),
    );
    expect(cols.map((c) => [c.column_name, c.column_type.replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ')])).toEqual(
      WEBLOG_COLUMNS.map(([c, t]) => [c, t]),
    );
  });
});

describe('DuckDB views over registered partitions', () => {
  it('read exactly the registered files: no unregistered hour, stray file or date', async () => {
    expect(registered.length).toBeGreaterThan(5);
    await withDuckDb(duck, async (db) => {
      for (const s of duckdbViews(lakeDir, registered)) await db.run(s);
      expect(await counts(db)).toEqual(Object.fromEntries(registered.map((p) => [p.path, p.rows])));
      const [types] = await db.rows<{ d: string; h: string }>(
        `SELECT typeof(date) AS d, typeof(hour) AS h FROM weblogs LIMIT 1`,
      );
      expect(types).toEqual({ d: 'VARCHAR', h: 'VARCHAR' });
      expect((await db.rows<{ column_name: string }>('DESCRIBE weblogs')).map((c) => c.column_name)).toEqual([
        ...WEBLOG_COLUMNS.map(([c]) => c),
        'date',
        'hour',
      ]);
    });
  });

  it('a table with no registered partitions is an empty view with its columns and types', async () => {
    await withDuckDb(duck, async (db) => {
      for (const s of duckdbViews(lakeDir, registered)) await db.run(s);
      expect(await db.rows('SELECT * FROM web_events')).toEqual([]);
      const cols = await db.rows<{ column_name: string; column_type: string }>('DESCRIBE web_events');
      expect(cols.map((c) => [c.column_name, c.column_type])).toEqual([
        ...WEB_EVENT_COLUMNS.map(([c, t]) => [c, t]),
        ['date', 'VARCHAR'],
        ['hour', 'VARCHAR'],
      ]);
    });
  });

  it('the printed duckdb DDL, run as one script in a fresh DuckDB, sees the same rows (in its own schema too)', async () => {
    for (const database of [undefined, 'lake x']) {
      const ddl = lakeDdl('duckdb', lakeDir, registered, { database });
      await withDuckDb(duck, async (db) => {
        await db.run(ddl);
        expect(await counts(db, database ? `${duckIdent(database)}.weblogs` : 'weblogs')).toEqual(
          Object.fromEntries(registered.map((p) => [p.path, p.rows])),
        );
      });
    }
  });

  it('lake query: rows JSON-safe (integers as numbers), last statement answers, errors as one clear line', async () => {
    const catalog: LakeCatalog = {
      list: async () => registered,
      register: async () => undefined,
      unregister: async () => 0,
      close: async () => undefined,
    };
    const o = { lakeDir, duckdb: duck };
    const r = await lakeQuery(
      catalog,
      o,
      "SET threads = 1; SELECT count(*) AS n, min(event_time) AS t, 'x' AS s FROM weblogs",
    );
    expect(r.columns).toEqual(['n', 't', 's']);
    expect(r.rows).toEqual([
      { n: registered.reduce((n, p) => n + p.rows, 0), t: expect.stringMatching(new RegExp(`^${DATE} `)), s: 'x' },
    ]);
    expect(formatTable(r)).toMatch(/^n +t +s\n-+ +-+ +-\n\d+ +2030-02-03 .* x\n\(1 row\)$/);
    await expect(lakeQuery(catalog, o, 'SELECT nope FROM weblogs')).rejects.toThrow(
      /^lake query failed: Binder Error: .*nope/,
    );
    await expect(lakeQuery(catalog, o, '  ')).rejects.toBeInstanceOf(BadInputError);
    // The catalog names a file that is gone: a clear error, not a partial answer.
    const gone = [
      { ...registered[0]!, files: [{ ...registered[0]!.files[0]!, path: 'date=2030-02-03/hour=99/part-0.parquet' }] },
    ];
    await expect(lakeQuery({ ...catalog, list: async () => gone }, o, 'SELECT count(*) FROM weblogs')).rejects.toThrow(
      /^1 registered lake file\(s\) missing .*, e\.g\. .*hour=99\/part-0\.parquet$/,
    );
  });
});

describe('Hive and Spark DDL text', () => {
  const parts = (): CatalogPartition[] => registered.slice(0, 2);

  it('quotes identifiers and literals per dialect', () => {
    expect(duckIdent('a"b')).toBe('"a""b"');
    expect(duckString("it's")).toBe("'it''s'");
    expect(hiveIdent('date')).toBe('`date`');
    expect(hiveIdent('a`b')).toBe('`a``b`');
    expect(hiveString("it's a \\ path")).toBe("'it\\'s a \\\\ path'");
  });

  it.each(['hive', 'spark'] as const)(
    '%s: one external table per lake table over its directory, one ADD PARTITION per registered partition',
    (dialect) => {
      const ddl = lakeDdl(dialect, `${lakeDir}/`, parts(), { now: new Date('2030-01-01T00:00:00Z') });
      const stmts = splitStatements(ddl);
      expect(ddl.split('\n')[1]).toBe('-- registered partitions: weblogs 2, web_events 0, orders 0, ad_views_report 0');
      expect(stmts).toHaveLength(4 + 1); // a CREATE per table, an ALTER per date
      const create = stmts.filter((s) => s.startsWith('CREATE'));
      expect(create).toHaveLength(4);
      expect(create[3]).toContain(`LOCATION 'file://${lakeDir}/ad_views_report'`);
      expect(create[3]).toContain('`cost` DECIMAL(18,6)');
      expect(create[0]).toContain(`LOCATION 'file://${lakeDir}/weblogs'`);
      expect(create[1]).toContain(`LOCATION 'file://${lakeDir}/web_events'`);
      if (dialect === 'hive') {
        expect(create[0]).toMatch(
          /^CREATE EXTERNAL TABLE IF NOT EXISTS `weblogs` \(\n {2}`event_time` TIMESTAMP,\n {2}`customer_id` STRING,/,
        );
        expect(create[0]).toContain('PARTITIONED BY (`date` STRING, `hour` STRING)\nSTORED AS PARQUET\n');
        expect(create[0]).not.toMatch(/`date` STRING,\n/);
      } else {
        expect(create[0]).toMatch(/^CREATE TABLE IF NOT EXISTS `weblogs` \(\n {2}`event_time` TIMESTAMP,/);
        expect(create[0]).toContain(
          '  `source_file` STRING,\n  `date` STRING,\n  `hour` STRING\n)\nUSING parquet\nPARTITIONED BY (`date`, `hour`)\n',
        );
      }
      expect(create[1]).toContain('`http_status` SMALLINT');
      expect(create[1]).toContain('`kafka_partition` INT');
      expect(create[1]).toContain('`unknown_customer` BOOLEAN');
      expect(create[1]).toContain('`watch_ms` DOUBLE');
      const adds = stmts.filter((s) => s.startsWith('ALTER'));
      expect(adds).toEqual([
        `ALTER TABLE \`weblogs\` ADD IF NOT EXISTS\n${parts()
          .map(
            (p) =>
              `  PARTITION (\`date\` = '${p.values.date}', \`hour\` = '${p.values.hour}') LOCATION 'file://${lakeDir}/weblogs/${p.path}'`,
          )
          .join('\n')}`,
      ]);
      for (const [table] of Object.entries(LAKE_COLUMNS)) expect(ddl).not.toContain(`TABLE ${table} `); // never unquoted
    },
  );

  it('--database and --replace: qualified names, external tables dropped first; quotes in paths escaped', () => {
    const ddl = lakeDdl('spark', "/data/it's/lake", parts(), {
      database: 'lake_db',
      replace: true,
      tables: ['weblogs'],
    });
    const stmts = splitStatements(ddl);
    expect(stmts.slice(0, 3).map((s) => s.split('\n')[0])).toEqual([
      'CREATE DATABASE IF NOT EXISTS `lake_db`',
      'DROP TABLE IF EXISTS `lake_db`.`weblogs`',
      'CREATE TABLE IF NOT EXISTS `lake_db`.`weblogs` (',
    ]);
    expect(stmts[2]).toContain("LOCATION 'file:///data/it\\'s/lake/weblogs'");
    expect(stmts[3]).toContain("LOCATION 'file:///data/it\\'s/lake/weblogs/date=");
    expect(stmts).toHaveLength(4);
  });

  it("one ALTER TABLE per date and table, each listing that date's registered hours only", () => {
    const other = { ...registered[0]!, values: { date: '2030-02-05', hour: '07' }, path: 'date=2030-02-05/hour=07' };
    const events = { ...registered[1]!, table: 'web_events' as const };
    const adds = splitStatements(lakeDdl('hive', lakeDir, [other, ...parts(), events])).filter((x) =>
      x.startsWith('ALTER'),
    );
    expect(adds.map((a) => [a.split('\n')[0], (a.match(/PARTITION \(/g) ?? []).length])).toEqual([
      ['ALTER TABLE `weblogs` ADD IF NOT EXISTS', 2],
      ['ALTER TABLE `weblogs` ADD IF NOT EXISTS', 1],
      ['ALTER TABLE `web_events` ADD IF NOT EXISTS', 1],
    ]);
    expect(adds[1]).toContain("PARTITION (`date` = '2030-02-05', `hour` = '07') LOCATION");
    expect(adds[2]).toContain(`LOCATION 'file://${lakeDir}/web_events/${registered[1]!.path}'`);
  });

  it('splitStatements drops comments and keeps multi-line statements whole', () => {
    expect(splitStatements("-- head\nCREATE X (\n  a INT\n);\nSELECT ';' ; -- trailing\n\nSELECT 2;\n")).toEqual([
      'CREATE X (\n  a INT\n)',
      "SELECT ';' ",
      'SELECT 2',
    ]);
  });
});
