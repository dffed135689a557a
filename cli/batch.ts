/** `viewership batch run|backfill|status`: operate the daily batch DAG on Temporal. */
import { existsSync } from 'node:fs';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { batchWorkflowId, type BatchDayInput } from '../common/batch.js';
import { progressQuery } from '../common/batch-api.js';
import { dateRange } from '../common/weblog.js';
import { createSearchSink } from '../adapters/search/index.js';
import type { AppConfig } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { batchIndex } from '../lib/search-templates.js';
import { workflowUrl } from '../lib/temporal.js';
import { batchBackfill as batchBackfillWorkflow, batchDay, type BackfillItem } from '../workflows/batch.js';
import { count, progress, whilePending } from './progress.js';
import { checkDateFlag, withTemporal } from './temporal-client.js';
import { compareDate, type DateComparison } from '../lib/batch/compare.js';
import { batchEventsDay, batchEventsWorkflowId, type BatchEventsResult } from '../workflows/batch-events.js';
import { searchSinkOptions } from '../lib/adapter-options.js';

/** Start `batchDay` for a date; with `wait`, show progress until it ends. */
export async function batchRun(
  cfg: AppConfig,
  o: { date: string; landing?: string; format?: 'csv' | 'combined'; wait: boolean },
): Promise<void> {
  checkDateFlag('--date', o.date);
  const landing = o.landing ?? cfg.paths.landingDir;
  if (!existsSync(`${landing}/${o.date}`))
    throw new BadInputError(`landing directory ${landing}/${o.date} does not exist`);
  const input: BatchDayInput = {
    date: o.date,
    landingDir: o.landing,
    format: o.format,
    rejectThreshold: cfg.batch.rejectThreshold,
  };
  await withTemporal(cfg, async (client) => {
    const workflowId = batchWorkflowId(o.date);
    let handle;
    try {
      handle = await client.workflow.start(batchDay, {
        taskQueue: cfg.temporal.taskQueues.batch,
        workflowId,
        args: [input],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new BadInputError(
          `a batch run for ${o.date} is already running: ${workflowUrl(cfg.temporal, workflowId)}`,
        );
      throw err;
    }
    console.error(`started ${workflowId}: ${workflowUrl(cfg.temporal, workflowId, handle.firstExecutionRunId)}`);
    if (!o.wait) return;
    const p = progress(`[batch ${o.date}]`, 2000);
    try {
      const r = await whilePending(handle.result(), async () => {
        const pr = await handle.query(progressQuery);
        p.update(`${pr.step}: files ${pr.filesValidated}/${pr.filesTotal}, rows ${count(pr.rows)}`);
      });
      p.done(
        `completed: ${r.report.rows} rows, ${r.report.valid} valid, ${r.report.rejected} rejected, ${r.lakeFiles} lake files, ${r.documents} index docs`,
      );
    } catch (err) {
      p.done('failed');
      throw new BadInputError(`batch run ${o.date} failed: ${String((err as Error).cause ?? err)}`);
    }
  });
}

/** Start `batchEventsDay` (the date recomputed from the lake's registered `web_events`); with `wait`, until it ends. */
export async function batchRunEvents(
  cfg: AppConfig,
  o: { date: string; wait: boolean },
): Promise<BatchEventsResult | undefined> {
  checkDateFlag('--date', o.date);
  return withTemporal(cfg, async (client) => {
    const workflowId = batchEventsWorkflowId(o.date);
    let handle;
    try {
      handle = await client.workflow.start(batchEventsDay, {
        taskQueue: cfg.temporal.taskQueues.batch,
        workflowId,
        args: [{ date: o.date }],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new BadInputError(
          `a recomputation of ${o.date} is already running: ${workflowUrl(cfg.temporal, workflowId)}`,
        );
      throw err;
    }
    console.error(`started ${workflowId}: ${workflowUrl(cfg.temporal, workflowId, handle.firstExecutionRunId)}`);
    if (!o.wait) return undefined;
    const p = progress(`[batch ${o.date} from events]`, 2000);
    try {
      const r = await whilePending(handle.result(), async () => p.update('aggregate → index'));
      p.done(
        r.hours.length
          ? `completed: ${count(r.events)} events from ${r.hours.length} registered hours (${r.files} files), ${r.documents} index docs`
          : 'no web_events hour of the date is registered in the lake: batch view left as it was',
      );
      return r;
    } catch (err) {
      p.done('failed');
      throw new BadInputError(`recomputation of ${o.date} from events failed: ${String((err as Error).cause ?? err)}`);
    }
  });
}

/** Compare the date's speed view with its batch view, per hour (`batch compare`). */
export async function batchCompare(cfg: AppConfig, date: string): Promise<DateComparison> {
  checkDateFlag('--date', date);
  const sink = createSearchSink(searchSinkOptions(cfg));
  try {
    return await compareDate(sink, cfg.search.indexPrefix, date);
  } finally {
    await sink.close();
  }
}

/** Run `batchBackfill` over a date range, waiting with progress unless `wait` is false. */
export async function batchBackfill(
  cfg: AppConfig,
  o: { from: string; to: string; parallel: number; landing?: string; wait: boolean },
): Promise<BackfillItem[] | undefined> {
  checkDateFlag('--from', o.from);
  checkDateFlag('--to', o.to);
  if (o.to < o.from) throw new BadInputError(`--to (${o.to}) is before --from (${o.from})`);
  if (!Number.isInteger(o.parallel) || o.parallel < 1)
    throw new BadInputError(`--parallel must be a positive integer (got ${o.parallel})`);
  const days = dateRange(o.from, o.to).length;
  return withTemporal(cfg, async (client) => {
    const workflowId = `backfill-${o.from}-to-${o.to}-${Date.now()}`;
    const handle = await client.workflow.start(batchBackfillWorkflow, {
      taskQueue: cfg.temporal.taskQueues.batch,
      workflowId,
      args: [
        {
          from: o.from,
          to: o.to,
          parallel: o.parallel,
          landingDir: o.landing,
          rejectThreshold: cfg.batch.rejectThreshold,
        },
      ],
    });
    console.error(
      `started ${workflowId} (${days} days, ${o.parallel} at a time): ${workflowUrl(cfg.temporal, workflowId)}`,
    );
    if (!o.wait) return undefined;
    const p = progress(`[backfill]`, 2000);
    const items = await whilePending(handle.result(), async () => {
      const memo = (await handle.describe()).memo as { done?: number } | undefined;
      p.update(`${memo?.done ?? 0}/${days} days`);
    });
    p.done(`${items.filter((i) => i.state === 'completed').length}/${days} days completed`);
    for (const i of items) console.log(`${i.date}  ${i.state}${i.error ? `  ${i.error}` : ''}`);
    if (items.some((i) => i.state === 'failed')) process.exitCode = 1;
    return items;
  });
}

/** Shape printed by `batch status --json`. */
export interface BatchStatus {
  date: string;
  state: 'running' | 'completed' | 'failed' | 'not_found';
  landed: { files: number; rows: number };
  valid: number;
  rejected: { total: number; byReason: Record<string, number> };
  totals: {
    requests: number;
    bytes: number;
    uniqueCustomers: number;
    uniqueIps: number;
    unknownCustomerRequests: number;
    byStatusCategory: Record<string, number>;
  };
}

/** State from Temporal, totals read back from the batch-view index (the authoritative daily numbers). */
export async function batchStatus(cfg: AppConfig, date: string): Promise<BatchStatus> {
  checkDateFlag('--date', date);
  const { state, memo } = await withTemporal(cfg, async (client) => {
    try {
      const d = await client.workflow.getHandle(batchWorkflowId(date)).describe();
      const s = d.status.name;
      return {
        state: (s === 'RUNNING' ? 'running' : s === 'COMPLETED' ? 'completed' : 'failed') as BatchStatus['state'],
        memo: (d.memo ?? {}) as Record<string, any>,
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { state: 'not_found' as const, memo: {} as Record<string, any> };
      throw err;
    }
  });
  const sink = createSearchSink(searchSinkOptions(cfg));
  let t: Record<string, any> | undefined;
  try {
    t = await sink.get<Record<string, any>>(batchIndex(cfg.search.indexPrefix), `${date}:total`);
  } finally {
    await sink.close();
  }
  const n = (v: unknown) => Number(v ?? 0);
  return {
    date,
    state,
    landed: { files: n(t?.landed_files ?? memo.files), rows: n(t?.landed_rows ?? memo.rows) },
    valid: n(t?.valid_rows ?? memo.valid),
    rejected: {
      total: n(t?.rejected_rows ?? memo.rejected),
      byReason: (t?.rejected_by_reason ?? memo.rejectedByReason ?? {}) as Record<string, number>,
    },
    totals: {
      requests: n(t?.requests),
      bytes: n(t?.bytes),
      uniqueCustomers: n(t?.unique_customers),
      uniqueIps: n(t?.unique_ips),
      unknownCustomerRequests: n(t?.unknown_customer_requests),
      byStatusCategory: (t?.by_status_category ?? {}) as Record<string, number>,
    },
  };
}
