/**
 * The lake side of the orders import without services: changes merged into date partitions keep the latest
 * version of each order (never a duplicate), the same rows give the same file bytes, and the revenue
 * documents are exact (integer cents from DECIMAL sums).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { Order } from '../../adapters/profiles/orders-types.js';
import { withDuckDb, type DuckSession } from '../batch/duckdb.js';
import { computeRevenueDocs } from './aggregate.js';
import { appendChanges, createChangesTable, mergeDatePartition, ordersPartitionFile } from './partition.js';
import { totalsFromDoc } from './revenue.js';

const root = mkdtempSync(`${tmpdir()}/orders-partition-`);
const lakeDir = `${root}/lake`;
const duck = { memoryLimit: '256MB', threads: 1, tempDir: `${root}/tmp` };
afterAll(() => rmSync(root, { recursive: true, force: true }));

let clock = Date.parse('2030-05-01T12:00:00Z');
const order = (id: string, day: string, amount: string, over: Partial<Order> = {}): Order => ({
  orderId: id,
  customerId: 'C1',
  kind: 'rental',
  contentId: 'V1',
  amount,
  currency: 'USD',
  status: 'paid',
  createdAt: new Date(`${day}T10:00:00.123Z`),
  updatedAt: new Date((clock += 1000)),
  ...over,
});

async function importRound(db: DuckSession, rows: Order[]): Promise<Record<string, number>> {
  await createChangesTable(db);
  const dates = [...(await appendChanges(db, rows))].sort();
  const out: Record<string, number> = {};
  for (const d of dates) out[d] = await mergeDatePartition(db, lakeDir, d);
  return out;
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('orders partitions and revenue documents', () => {
  it('merges rounds of changes: latest version per order, exact sums, byte-identical re-runs', async () => {
    await withDuckDb(duck, async (db) => {
      expect(
        await importRound(db, [
          order('a', '2030-05-01', '0.10'),
          order('b', '2030-05-01', '0.20', { customerId: 'C2', kind: 'purchase' }),
          order('c', '2030-05-02', '19.99', { kind: 'subscription', contentId: null }),
        ]),
      ).toEqual({ '2030-05-01': 2, '2030-05-02': 1 });
      const file = ordersPartitionFile(lakeDir, '2030-05-01');
      const first = sha(file);
      // A later version of "a" (refunded), a new order on the same date, the old version of "b" replayed (older: loses).
      expect(
        await importRound(db, [
          order('a', '2030-05-01', '0.10', { status: 'refunded' }),
          order('d', '2030-05-01', '9999999999.99', { customerId: 'C3' }),
        ]),
      ).toEqual({ '2030-05-01': 3 });
      const rows = await db.rows<{ order_id: string; status: string; amount: string }>(
        `SELECT order_id, status, amount::VARCHAR AS amount FROM read_parquet('${file}') ORDER BY order_id`,
      );
      expect(rows).toEqual([
        { order_id: 'a', status: 'refunded', amount: '0.10' },
        { order_id: 'b', status: 'paid', amount: '0.20' },
        { order_id: 'd', status: 'paid', amount: '9999999999.99' },
      ]);
      expect(sha(file)).not.toBe(first);
      // Re-importing the same versions changes nothing, byte for byte.
      const second = sha(file);
      await importRound(db, [
        order('d', '2030-05-01', '9999999999.99', { customerId: 'C3', updatedAt: new Date(clock) }),
      ]);
      expect(sha(file)).toBe(second);

      await db.run(
        `CREATE OR REPLACE TABLE profiles AS SELECT * FROM (VALUES ('C1', 'DE', 'basic'), ('C3', 'US', 'premium')) t(customer_id, country, plan)`,
      );
      const docs = await computeRevenueDocs(db, { date: '2030-05-01', files: [file], fingerprint: 'f' });
      const total = docs[0]!.doc;
      expect(total).toMatchObject({
        kind: 'total',
        orders: 3,
        paid_orders: 2,
        refunded_orders: 1,
        paid_cents: 1_000_000_000_019,
        refunded_cents: 10,
        max_cents: 999_999_999_999,
        unique_customers: 3,
        currencies: ['USD'],
        input_fingerprint: 'f',
      });
      expect(totalsFromDoc(total as never)).toMatchObject({
        paidAmount: '10000000000.19',
        refundedAmount: '0.10',
        maxAmount: '9999999999.99',
      });
      expect(docs.filter((d) => d.doc.kind === 'plan').map((d) => [d.doc.plan, d.doc.orders])).toEqual([
        ['basic', 1],
        ['premium', 1],
        ['unknown', 1],
      ]);
      expect(docs.filter((d) => d.doc.kind === 'order_kind').map((d) => d.id)).toEqual([
        '2030-05-01:order_kind:purchase',
        '2030-05-01:order_kind:rental',
      ]);
      const empty = await computeRevenueDocs(db, { date: '2030-05-09', files: [], fingerprint: '' });
      expect(empty.map((d) => d.id)).toEqual(['2030-05-09:total']);
      expect(totalsFromDoc(empty[0]!.doc as never)).toEqual(totalsFromDoc(undefined));
    });
  });
});
