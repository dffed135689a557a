/** The daily `orders` lake table in the printed DDL: partitioned by `date` only, exact DECIMAL amounts. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogPartition } from '../../adapters/catalog/types.js';
import { ORDER_COLUMNS, partitionPath } from '../../common/lake.js';
import { withDuckDb } from '../batch/duckdb.js';
import { describeParquetFiles } from './files.js';
import { duckdbViews, lakeDdl, splitStatements } from './ddl.js';

const root = mkdtempSync(`${tmpdir()}/lake-ddl-orders-`);
const duck = { memoryLimit: '256MB', threads: 1, tempDir: `${root}/tmp` };
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('orders in the lake DDL', () => {
  it('duckdb: a view over the registered daily files, with a date column and DECIMAL(12,2) amounts', async () => {
    const dir = `${root}/lake/orders/date=2030-05-01`;
    mkdirSync(dir, { recursive: true });
    await withDuckDb(duck, async (db) => {
      await db.run(`COPY (SELECT 'o1' AS order_id, 'C1' AS customer_id, 'rental' AS kind, NULL::VARCHAR AS content_id, 0.10::DECIMAL(12,2) AS amount, 'USD' AS currency,
        'paid' AS status, TIMESTAMPTZ '2030-05-01 10:00:00+00' AS created_at, TIMESTAMPTZ '2030-05-01 10:00:00+00' AS updated_at) TO '${dir}/part-0.parquet' (FORMAT parquet)`);
      const files = await describeParquetFiles(db, `${root}/lake/orders`, [`${dir}/part-0.parquet`]);
      expect(files.map((f) => f.path)).toEqual(['date=2030-05-01/part-0.parquet']);
      const values = { date: '2030-05-01' };
      expect(partitionPath(values)).toBe('date=2030-05-01');
      const part: CatalogPartition = {
        table: 'orders',
        path: partitionPath(values),
        values,
        files,
        rows: 1,
        bytes: files[0]!.bytes,
        fingerprint: 'f',
        registeredAt: new Date(),
        producer: 't',
      };
      for (const s of duckdbViews(`${root}/lake`, [part], { tables: ['orders'] })) await db.run(s);
      const cols = await db.rows<{ column_name: string; column_type: string }>('DESCRIBE orders');
      expect(
        cols.map((c) => [c.column_name, c.column_type.replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ')]),
      ).toEqual([...ORDER_COLUMNS.map(([c, t]) => [c, t]), ['date', 'VARCHAR']]);
      expect(await db.rows(`SELECT date, sum(amount)::VARCHAR AS a FROM orders GROUP BY date`)).toEqual([
        { date: '2030-05-01', a: '0.10' },
      ]);
    });
  });

  it('hive and spark: PARTITIONED BY date only, one PARTITION clause per registered date', () => {
    const part = {
      table: 'orders',
      path: 'date=2030-05-01',
      values: { date: '2030-05-01' },
      files: [],
      rows: 0,
      bytes: 0,
      fingerprint: 'f',
      registeredAt: new Date(),
      producer: 't',
    } as CatalogPartition;
    const hive = splitStatements(lakeDdl('hive', '/lake', [part], { tables: ['orders'] }));
    expect(hive[0]).toContain('`amount` DECIMAL(12,2)');
    expect(hive[0]).toContain('PARTITIONED BY (`date` STRING)\nSTORED AS PARQUET');
    expect(hive[1]).toBe(
      "ALTER TABLE `orders` ADD IF NOT EXISTS\n  PARTITION (`date` = '2030-05-01') LOCATION 'file:///lake/orders/date=2030-05-01'",
    );
    const spark = splitStatements(lakeDdl('spark', '/lake', [part], { tables: ['orders'] }));
    expect(spark[0]).toContain('  `updated_at` TIMESTAMP,\n  `date` STRING\n)\nUSING parquet\nPARTITIONED BY (`date`)');
  });
});
