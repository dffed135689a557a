/**
 * `ordersDay`: the incremental import of the transactional database's orders for a date (workflow id
 * `orders-YYYY-MM-DD`): import the rows changed since the durable high-water mark into the lake's date
 * partitions → register the partitions in the lake catalog → aggregate (DuckDB, exact decimals) → index the
 * revenue documents (day marker last) → mark the dates done. Every date an import rewrote — an order updated
 * after its date was imported — is re-aggregated in the same run, or in the next one if this run fails after
 * the import. Idempotent: a re-run with no new changes writes the same files and documents.
 */
import { proxyActivities, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { createOrdersActivities } from '../activities/orders.js';
import type { createRevenueIndexActivities } from '../activities/revenue-index.js';
import { rejectWorkflowInput } from '../common/batch-input.js';
import { NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';
import {
  DEFAULT_SETTLE_MS,
  ordersDayInputProblem,
  type OrdersDayInput,
  type OrdersDayResult,
} from '../common/orders.js';

const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
};
const orders = proxyActivities<ReturnType<typeof createOrdersActivities>>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '5 minutes',
  retry,
});
const revenue = proxyActivities<ReturnType<typeof createRevenueIndexActivities>>({
  startToCloseTimeout: '30 minutes',
  retry,
});

/** Import, register, aggregate and index the orders of `input.date` and of every date whose orders changed. */
export async function ordersDay(input: OrdersDayInput): Promise<OrdersDayResult> {
  rejectWorkflowInput('ordersDay', ordersDayInputProblem(input));
  upsertSearchAttributes({ Pipeline: ['orders'], BatchDate: [input.date] });
  const imp = await orders.importOrderChanges({ date: input.date, settleMs: input.settleMs ?? DEFAULT_SETTLE_MS });
  upsertMemo({
    imported: { rows: imp.rows, highWaterMark: imp.highWaterMark },
    rewritten: imp.rewritten,
    dates: imp.dates,
  });
  const reg = await orders.registerOrderPartitions({ dates: imp.dates });
  upsertMemo({ registered: reg.dates });
  const agg = await orders.aggregateOrderDays({ dates: imp.dates });
  let documents = 0;
  for (const day of agg.days)
    documents += (await revenue.indexRevenueDay({ date: day.date, aggregatesPath: day.aggregatesPath })).indexed;
  const done = await orders.completeOrderDates({
    days: agg.days.map(({ date, fingerprint }) => ({ date, fingerprint })),
  });
  const own = agg.days.find((d) => d.date === input.date);
  upsertMemo({ documents, completed: done.completed, orders: own?.orders ?? 0 });
  return {
    date: input.date,
    rows: imp.rows,
    highWaterMark: imp.highWaterMark,
    dates: imp.dates,
    orders: own?.orders ?? 0,
  };
}
