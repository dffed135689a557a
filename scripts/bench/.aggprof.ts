import { withDuckDb } from '../../lib/batch/duckdb.js';
const dir = process.argv[2]!;
const q = (process.argv[3] ?? '').split(';;').filter(Boolean);
await withDuckDb({ memoryLimit: '600MB', threads: 2, tempDir: '/tmp/prof/tmp' }, async (db) => {
  await db.run(`CREATE TABLE profiles AS SELECT 'C' || lpad(i::VARCHAR, 6, '0') AS customer_id, 'US' AS country, 'basic' AS plan FROM range(1, 100001) t(i)`);
  await db.run(`CREATE OR REPLACE TEMP VIEW day AS
    SELECT l.customer_id, l.ip, l.http_status, l.bytes_sent, l.device, l.status_category, l.path, l.content_id, l.hour AS hour_utc,
           coalesce(p.country, 'unknown') AS country, coalesce(p.plan, 'unknown') AS plan,
           (l.customer_id = '' OR p.customer_id IS NULL) AS unknown_customer
    FROM read_parquet('${dir}/*/*.parquet', hive_partitioning = true, hive_types = {'hour': INTEGER}) l
    LEFT JOIN profiles p ON p.customer_id = l.customer_id`);
  for (const sql of q) {
    const t0 = performance.now();
    const r = await db.rows(sql);
    console.log(((performance.now() - t0) / 1000).toFixed(2), 's', r.length, sql.slice(0, 120).replace(/\s+/g, ' '));
  }
});
