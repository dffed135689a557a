/**
 * Activities of the orders import (`workflows/orders.ts`): import the rows changed since the durable
 * high-water mark into the lake's date partitions, register those partitions in the lake catalog, and
 * aggregate dates into revenue documents. The import and the registration hold the lake's import lock.
 */
import { existsSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import type { LakeCatalog, PartitionRegistration } from '../adapters/catalog/types.js';
import type { ImportStateStore } from '../adapters/catalog/import-state.js';
import type { OrdersStore } from '../adapters/profiles/orders-types.js';
import type { ProfilesStore } from '../adapters/profiles/types.js';
import { ORDERS_SOURCE, type HighWaterMark } from '../common/orders.js';
import { loadProfileSnapshot } from '../lib/batch/aggregate.js';
import { withDuckDb, type DuckDbSettings } from '../lib/batch/duckdb.js';
import { requireDate } from '../lib/batch/input-checks.js';
import { BadInputError, toTemporalFailure } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fsutil.js';
import { describeParquetFiles } from '../lib/lake/files.js';
import { computeRevenueDocs } from '../lib/orders/aggregate.js';
import { appendChanges, createChangesTable, mergeDatePartition, ordersPartitionFile } from '../lib/orders/partition.js';

/** Dependencies of the orders activities. */
export interface OrdersActivityDeps {
  lakeDir: string;
  workDir: string;
  orders: () => OrdersStore;
  profiles: ProfilesStore;
  catalog: () => LakeCatalog;
  importState: () => ImportStateStore;
  duckdb: Omit<DuckDbSettings, 'tempDir'>;
  /** Changed rows read per database round trip (default 5000). */
  pageSize?: number;
}

/** Where a date's revenue documents are written for the index step. */
export const revenueDocsPath = (workDir: string, date: string): string => `${workDir}/orders/${date}/revenue.json`;

const producer = (): string => {
  const { workflowExecution: w, activityId } = Context.current().info;
  return w ? `${w.workflowId}/${w.runId}` : `activity/${activityId}`;
};
const shown = (h: { updatedAt: Date; key: string } | null): HighWaterMark | null =>
  h ? { updatedAt: h.updatedAt.toISOString(), orderId: h.key } : null;

function requireDates(activity: string, dates: unknown): string[] {
  if (!Array.isArray(dates) || dates.length > 10_000)
    throw new BadInputError(`${activity}: dates must be a list of dates YYYY-MM-DD`, { argument: 'dates' });
  return dates.map((d) => requireDate(activity, d, 'dates'));
}

/** Create the orders activities. */
export function createOrdersActivities(deps: OrdersActivityDeps) {
  const settings = (): DuckDbSettings => ({ ...deps.duckdb, tempDir: `${deps.workDir}/duckdb-tmp` });
  const pageSize = deps.pageSize ?? 5000;
  return {
    /**
     * Read the rows changed since the high-water mark (up to the database clock minus `settleMs`), rewrite the
     * partitions of their created dates (each withdrawn from the catalog first), then commit the new mark and
     * the rewritten dates as pending in one statement. Returns the dates to register, aggregate and index:
     * every pending one, plus `date`.
     */
    async importOrderChanges(input: {
      date: string;
      settleMs: number;
    }): Promise<{ rows: number; rewritten: string[]; dates: string[]; highWaterMark: HighWaterMark | null }> {
      try {
        const date = requireDate('importOrderChanges', input?.date);
        const settleMs = Number.isSafeInteger(input.settleMs) && input.settleMs >= 0 ? input.settleMs : 5000;
        const state = deps.importState();
        return await state.withLock(ORDERS_SOURCE, async () => {
          const before = await state.get(ORDERS_SOURCE);
          const until = new Date((await deps.orders().serverTime()).getTime() - settleMs);
          const { rows, dates, hwm } = await withDuckDb(settings(), async (db) => {
            await createChangesTable(db);
            const touched = new Set<string>();
            let after = before.hwm ? { updatedAt: before.hwm.updatedAt, orderId: before.hwm.key } : null;
            let n = 0;
            for (;;) {
              const page = await deps.orders().changedSince(after, until, pageSize);
              for (const d of await appendChanges(db, page.rows)) touched.add(d);
              n += page.rows.length;
              Context.current().heartbeat({ step: 'read', rows: n });
              if (!page.next || page.rows.length < pageSize) {
                after = page.next ?? after;
                break;
              }
              after = page.next;
            }
            const sorted = [...touched].sort();
            for (const d of sorted) {
              // Readers never see a file whose content differs from its registration: withdraw, rewrite, register later.
              await deps.catalog().register('orders', [], producer(), { date: d });
              await mergeDatePartition(db, deps.lakeDir, d);
              Context.current().heartbeat({ step: 'partition', date: d });
            }
            return { rows: n, dates: sorted, hwm: after ? { updatedAt: after.updatedAt, key: after.orderId } : null };
          });
          const committed = await state.commit(ORDERS_SOURCE, {
            hwm,
            addPending: [...dates, date],
            rows,
            producer: producer(),
          });
          return { rows, rewritten: dates, dates: committed.pendingDates, highWaterMark: shown(committed.hwm) };
        });
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /** Register each date's partition file (or nothing, for a date without orders) in one transaction per date. */
    async registerOrderPartitions(input: {
      dates: string[];
    }): Promise<{ dates: { date: string; rows: number; fingerprint: string }[] }> {
      try {
        const dates = requireDates('registerOrderPartitions', input?.dates);
        const tableDir = `${deps.lakeDir}/orders`;
        return await deps.importState().withLock(ORDERS_SOURCE, () =>
          withDuckDb(settings(), async (db) => {
            const out: { date: string; rows: number; fingerprint: string }[] = [];
            for (const date of dates) {
              const file = ordersPartitionFile(deps.lakeDir, date);
              const parts: PartitionRegistration[] = existsSync(file)
                ? [{ values: { date }, files: await describeParquetFiles(db, tableDir, [file]) }]
                : [];
              await deps.catalog().register('orders', parts, producer(), { date });
              const [reg] = await deps.catalog().list({ table: 'orders', fromDate: date, toDate: date });
              out.push({ date, rows: reg?.rows ?? 0, fingerprint: reg?.fingerprint ?? '' });
            }
            return { dates: out };
          }),
        );
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /** Compute each date's revenue documents from its registered files into the run's file per date. */
    async aggregateOrderDays(input: { dates: string[] }): Promise<{
      days: { date: string; aggregatesPath: string; orders: number; fingerprint: string; documents: number }[];
    }> {
      try {
        const dates = requireDates('aggregateOrderDays', input?.dates);
        const days = await withDuckDb(settings(), async (db) => {
          Context.current().heartbeat({ step: 'profiles' });
          await loadProfileSnapshot(db, deps.profiles);
          const out = [];
          for (const date of dates) {
            const [part] = await deps.catalog().list({ table: 'orders', fromDate: date, toDate: date });
            const files = (part?.files ?? []).map((f) => `${deps.lakeDir}/orders/${f.path}`);
            const docs = await computeRevenueDocs(db, { date, files, fingerprint: part?.fingerprint ?? '' });
            const aggregatesPath = revenueDocsPath(deps.workDir, date);
            writeFileAtomic(aggregatesPath, JSON.stringify(docs));
            out.push({
              date,
              aggregatesPath,
              orders: Number(docs[0]!.doc.orders),
              fingerprint: part?.fingerprint ?? '',
              documents: docs.length,
            });
            Context.current().heartbeat({ step: 'aggregate', date });
          }
          return out;
        });
        return { days };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /** Take dates off the pending list once indexed — only those still registered with the fingerprint that was indexed. */
    async completeOrderDates(input: {
      days: { date: string; fingerprint: string }[];
    }): Promise<{ completed: string[] }> {
      try {
        const days = Array.isArray(input?.days) ? input.days : [];
        requireDates(
          'completeOrderDates',
          days.map((d) => d?.date),
        );
        const done: string[] = [];
        for (const d of days) {
          const [part] = await deps.catalog().list({ table: 'orders', fromDate: d.date, toDate: d.date });
          if ((part?.fingerprint ?? '') === d.fingerprint) done.push(d.date);
        }
        await deps.importState().clearPending(ORDERS_SOURCE, done);
        return { completed: done };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  };
}
