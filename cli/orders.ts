/** `viewership orders run|status`: the incremental orders import and a date's revenue totals. */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { createSearchSink } from '../adapters/search/index.js';
import { createLakeCatalog } from '../lib/clients.js';
import { ordersWorkflowId, type HighWaterMark, type OrdersDayResult, type OrdersStatus } from '../common/orders.js';
import type { AppConfig } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { totalsFromDoc } from '../lib/orders/revenue.js';
import { workflowUrl } from '../lib/temporal.js';
import { readRevenueTotal } from '../activities/revenue-index.js';
import { ordersDay } from '../workflows/orders.js';
import { checkDateFlag, withTemporal } from './temporal-client.js';
import { searchSinkOptions } from '../lib/adapter-options.js';

/** Start `ordersDay` for a date (workflow id `orders-YYYY-MM-DD`); with `wait`, until it ends. */
export async function ordersRun(
  cfg: AppConfig,
  o: { date: string; wait: boolean; settleMs?: number },
): Promise<OrdersDayResult | undefined> {
  checkDateFlag('--date', o.date);
  return withTemporal(cfg, async (client) => {
    const workflowId = ordersWorkflowId(o.date);
    let handle;
    try {
      handle = await client.workflow.start(ordersDay, {
        taskQueue: cfg.temporal.taskQueues.batch,
        workflowId,
        args: [{ date: o.date, settleMs: o.settleMs }],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new BadInputError(
          `an orders import for ${o.date} is already running: ${workflowUrl(cfg.temporal, workflowId)}`,
        );
      throw err;
    }
    console.error(`started ${workflowId}: ${workflowUrl(cfg.temporal, workflowId, handle.firstExecutionRunId)}`);
    if (!o.wait) return undefined;
    try {
      const r = await handle.result();
      console.error(
        `completed: ${r.rows} changed rows imported, dates ${r.dates.join(', ')}; ${r.orders} orders on ${r.date}`,
      );
      return r;
    } catch (err) {
      throw new BadInputError(`orders import ${o.date} failed: ${String((err as Error).cause ?? err)}`);
    }
  });
}

/**
 * State from Temporal (`orders-D`), the high-water mark from its memo, rows from the lake catalog's registration
 * of the date, totals from the revenue index's total document (zeros while the date is not indexed).
 */
export async function ordersStatus(cfg: AppConfig, date: string): Promise<OrdersStatus> {
  checkDateFlag('--date', date);
  const { state, memo } = await withTemporal(cfg, async (client) => {
    try {
      const d = await client.workflow.getHandle(ordersWorkflowId(date)).describe();
      const s = d.status.name;
      return {
        state: (s === 'RUNNING' ? 'running' : s === 'COMPLETED' ? 'completed' : 'failed') as OrdersStatus['state'],
        memo: (d.memo ?? {}) as { imported?: { highWaterMark?: HighWaterMark | null } },
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { state: 'not_found' as const, memo: {} };
      throw err;
    }
  });
  const catalog = createLakeCatalog(cfg);
  const sink = createSearchSink(searchSinkOptions(cfg));
  try {
    const [parts, total] = await Promise.all([
      catalog.list({ table: 'orders', fromDate: date, toDate: date }),
      readRevenueTotal(sink, cfg.search.indexPrefix, date),
    ]);
    return {
      date,
      state,
      imported: { rows: parts.reduce((n, p) => n + p.rows, 0), highWaterMark: memo.imported?.highWaterMark ?? null },
      totals: totalsFromDoc(total),
    };
  } finally {
    await Promise.allSettled([catalog.close(), sink.close()]);
  }
}
