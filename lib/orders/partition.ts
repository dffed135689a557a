/**
 * The lake side of the orders import: changed rows read from the database are staged in DuckDB, then each
 * created date they touch gets its partition rewritten as the union of its current file and the changes,
 * keeping the latest version of every order (`orders/date=YYYY-MM-DD/part-0.parquet`, rows ordered by
 * order id). Written aside and swapped in: a re-import replaces the date, never duplicates an order, and the
 * same rows give a byte-identical file.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { ORDER_COLUMNS } from '../../common/lake.js';
import { utcDate } from '../../common/orders.js';
import type { Order } from '../../adapters/profiles/orders-types.js';
import type { DuckSession } from '../batch/duckdb.js';
import { sqlLiteral, swapDirectory } from '../fsutil.js';

/** Directory of a date's partition of the lake's `orders` table. */
export const ordersPartitionDir = (lakeDir: string, date: string): string => `${lakeDir}/orders/date=${date}`;
/** The one file of a date's partition. */
export const ordersPartitionFile = (lakeDir: string, date: string): string =>
  `${ordersPartitionDir(lakeDir, date)}/part-0.parquet`;

/** Create the staging table of changed rows (`order_changes`). */
export async function createChangesTable(db: DuckSession): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE order_changes (order_id VARCHAR, customer_id VARCHAR, kind VARCHAR, content_id VARCHAR, amount VARCHAR,
    currency VARCHAR, status VARCHAR, created_us BIGINT, updated_us BIGINT, created_date VARCHAR)`);
}

/** Append a page of changed rows to `order_changes`; returns the created dates they belong to. */
export async function appendChanges(db: DuckSession, rows: Order[]): Promise<Set<string>> {
  const dates = new Set<string>();
  const a = await db.conn.createAppender('order_changes');
  try {
    for (const o of rows) {
      const date = utcDate(o.createdAt);
      dates.add(date);
      a.appendVarchar(o.orderId);
      a.appendVarchar(o.customerId);
      a.appendVarchar(o.kind);
      if (o.contentId === null) a.appendNull();
      else a.appendVarchar(o.contentId);
      a.appendVarchar(o.amount);
      a.appendVarchar(o.currency);
      a.appendVarchar(o.status);
      a.appendBigInt(BigInt(o.createdAt.getTime()) * 1000n);
      a.appendBigInt(BigInt(o.updatedAt!.getTime()) * 1000n);
      a.appendVarchar(date);
      a.endRow();
    }
  } finally {
    a.closeSync();
  }
  return dates;
}

const COLS = ORDER_COLUMNS.map(([c]) => c).join(', ');
/** Staged changes as lake rows: exact decimals (the string is cast, never a float) and UTC instants. */
const CHANGE_ROWS = `SELECT order_id, customer_id, kind, content_id, CAST(amount AS DECIMAL(12,2)) AS amount, currency, status,
  make_timestamptz(created_us) AS created_at, make_timestamptz(updated_us) AS updated_at, 1 AS src FROM order_changes`;

/**
 * Rewrite `date`'s partition with the staged changes of that date merged in (latest `updated_at` wins; on a tie
 * the change). Returns the rows of the new file.
 */
export async function mergeDatePartition(db: DuckSession, lakeDir: string, date: string): Promise<number> {
  const dir = ordersPartitionDir(lakeDir, date);
  const current = `${dir}/part-0.parquet`;
  const staged = `${dir}.staging-${process.pid}`;
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  const old = existsSync(current)
    ? `SELECT ${COLS}, 0 AS src FROM read_parquet(${sqlLiteral(current)}, hive_partitioning = false) UNION ALL `
    : '';
  const out = `${staged}/part-0.parquet`;
  await db.run(
    `COPY (SELECT ${COLS} FROM (
       SELECT *, row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC, src DESC) AS rn
       FROM (${old}${CHANGE_ROWS} WHERE created_date = ${sqlLiteral(date)})
     ) WHERE rn = 1 ORDER BY order_id) TO ${sqlLiteral(out)} (FORMAT parquet, COMPRESSION snappy)`,
  );
  const [r] = await db.rows<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlLiteral(out)})`);
  swapDirectory(staged, dir);
  return r!.n;
}
