/**
 * The daily batch DAG as Temporal workflows: `batchDay` (land → validate → partition → aggregate → index,
 * one run per date with id `batch-YYYY-MM-DD`), `validateFiles` (fan-out child for days with many files),
 * `scheduledBatch` (what the daily Schedule starts: the previous day) and `batchBackfill` (a date range).
 */
import {
  ApplicationFailure,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createLakeActivities } from '../activities/lake.js';
import type { createLandingActivities } from '../activities/landing.js';
import type { createSearchActivities } from '../activities/search.js';
import {
  batchWorkflowId,
  combineValidation,
  type BatchDayInput,
  type BatchDayResult,
  type BatchProgress,
  type LandedFile,
  type ValidateResult,
} from '../common/batch.js';
import { progressQuery } from '../common/batch-api.js';
import {
  backfillInputProblem,
  batchDayInputProblem,
  rejectWorkflowInput,
  scheduledInputProblem,
  validateFilesInputProblem,
} from '../common/batch-input.js';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';
import { dateRange } from '../common/weblog.js';
import { batchEventsDay, batchEventsWorkflowId, type BatchEventsResult } from './batch-events.js';
import { ordersDay } from './orders.js';
import { ordersWorkflowId, type OrdersDayResult } from '../common/orders.js';

const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
};

// Every batch activity heartbeats every 10 s while it runs (activities/heartbeating.ts; the SDK sends at most one
// per 0.8 × the timeout): a killed worker's step is retried elsewhere after 45 s, not after its start-to-close.
const landing = proxyActivities<ReturnType<typeof createLandingActivities>>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '45 seconds',
  retry,
});
const lake = proxyActivities<ReturnType<typeof createLakeActivities>>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '45 seconds',
  retry,
});
// The search engine restarts in 25–45 s here, longer than `retry` waits in all (~30 s between 5 attempts): the
// index step retries for ~5 minutes instead (10 attempts, the interval capped at 1 minute).
const search = proxyActivities<ReturnType<typeof createSearchActivities>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '45 seconds',
  retry: { ...retry, maximumAttempts: 10 },
});

/** Files validated per child workflow when a day has many files (keeps each history small). */
export const FILES_PER_CHILD = 25;
/** Default rejected-share threshold when the starter passes none. */
export const DEFAULT_REJECT_THRESHOLD = 0.05;

/**
 * Patch id of the lake-catalog steps (withdraw before the partition step, register after the index step): runs
 * started by an older worker replay without them, and they register nothing (the date's next run does).
 */
export const LAKE_CATALOG_PATCH = 'lake-catalog-registration';

/** Patch id of the profile snapshot and the day aggregates counted while validating (see {@link batchDay}). */
export const DAY_AGGREGATES_PATCH = 'day-aggregates-while-validating';

/** Patch id of the index step started beside the partition step, once the merged aggregates are there. */
export const INDEX_BESIDE_PARTITION_PATCH = 'index-beside-partition';

// The progress Query is defined in common/batch-api.ts (callers import it from there); re-exported here.
export { progressQuery };

/** Validate a slice of a day's files in parallel (child workflow of `batchDay`). */
export async function validateFiles(input: {
  date: string;
  files: LandedFile[];
  format?: 'csv' | 'combined';
  dayAggregates?: boolean;
}): Promise<ValidateResult[]> {
  rejectWorkflowInput('validateFiles', validateFilesInputProblem(input));
  const { date, format, dayAggregates } = input;
  return Promise.all(input.files.map((file) => landing.validateLandedFile({ date, file, format, dayAggregates })));
}

/** One date through the whole DAG; idempotent (a re-run replaces the lake partition and the index docs). */
export async function batchDay(input: BatchDayInput): Promise<BatchDayResult> {
  rejectWorkflowInput('batchDay', batchDayInputProblem(input));
  const timingsMs: Record<string, number> = {};
  const progress: BatchProgress = { step: 'land', filesTotal: 0, filesValidated: 0, rows: 0 };
  setHandler(progressQuery, () => progress);
  upsertSearchAttributes({ Pipeline: ['batch'], BatchDate: [input.date] });
  const timed = async <T>(step: BatchProgress['step'], f: () => Promise<T>): Promise<T> => {
    progress.step = step;
    const t0 = Date.now();
    const r = await f();
    timingsMs[step] = Date.now() - t0;
    return r;
  };

  // The profile snapshot is read while the day lands; the validator joins its day aggregates against it, so the
  // aggregate step merges them instead of scanning the lake again (older runs replay without it).
  const dayAggregates = patched(DAY_AGGREGATES_PATCH);
  const [land, snapshot] = await timed('land', () =>
    Promise.all([
      landing.landDayFiles({ date: input.date, landingDir: input.landingDir }),
      dayAggregates ? lake.snapshotProfiles({ date: input.date }) : undefined,
    ]),
  );
  progress.filesTotal = land.files.length;
  upsertMemo({ files: land.files.length, fingerprint: land.fingerprint });

  const results = await timed('validate', async () => {
    if (land.files.length <= FILES_PER_CHILD) {
      return Promise.all(
        land.files.map(async (file) => {
          const r = await landing.validateLandedFile({ date: input.date, file, format: input.format, dayAggregates });
          progress.filesValidated++;
          progress.rows += r.rows;
          return r;
        }),
      );
    }
    const slices: LandedFile[][] = [];
    for (let i = 0; i < land.files.length; i += FILES_PER_CHILD) slices.push(land.files.slice(i, i + FILES_PER_CHILD));
    const parts = await Promise.all(
      slices.map(async (files, i) => {
        const r = await executeChild(validateFiles, {
          workflowId: `${workflowInfo().workflowId}-validate-${i + 1}`,
          args: [{ date: input.date, files, format: input.format, dayAggregates }],
        });
        progress.filesValidated += r.length;
        progress.rows += r.reduce((s, x) => s + x.rows, 0);
        return r;
      }),
    );
    return parts.flat();
  });
  const report = combineValidation(results);
  upsertSearchAttributes({ RowsLanded: [report.rows], RowsRejected: [report.rejected] });
  upsertMemo({ rows: report.rows, valid: report.valid, rejected: report.rejected, rejectedByReason: report.byReason });

  const threshold = input.rejectThreshold ?? DEFAULT_REJECT_THRESHOLD;
  const share = report.rows === 0 ? 0 : report.rejected / report.rows;
  if (share > threshold) {
    throw ApplicationFailure.create({
      type: FailureType.RejectThreshold,
      nonRetryable: true,
      message: `${input.date}: ${report.rejected} of ${report.rows} rows rejected (${(share * 100).toFixed(2)} % > ${(threshold * 100).toFixed(2)} %); by reason: ${JSON.stringify(report.byReason)}`,
      details: [report],
    });
  }

  // The lake catalog: readers (lake query, the printed DDL, the batch recomputation) see only registered
  // partitions. The date is withdrawn before its files are rewritten (a reader never gets files whose content
  // differs from their registration) and registered again only after the index step, i.e. once the whole DAG
  // succeeded for it: a date is visible in the lake exactly when it is complete and its batch view is served.
  const catalogSteps = patched(LAKE_CATALOG_PATCH);
  if (catalogSteps) await lake.withdrawLakePartitions({ date: input.date });
  // With the validator's day aggregates the aggregate step merges them beside the partition step (it reads no
  // lake file); without them (or when they do not cover the day) it computes the day from the written partition.
  const aggregateInput = { date: input.date, fingerprint: land.fingerprint, report, landedFiles: land.files.length };
  const mergeStart = Date.now();
  const merging = snapshot
    ? lake.mergeDayAggregates({ ...aggregateInput, snapshotId: snapshot.snapshotId }).then((r) => {
        timingsMs.aggregate = Date.now() - mergeStart;
        return r;
      })
    : undefined;
  void merging?.catch(() => undefined); // a failure is reported where it is awaited, after the partition step
  const index = (aggregatesPath: string) => search.indexDailyAggregates({ date: input.date, aggregatesPath });
  // The merged aggregates are indexed as soon as they are there, beside the partition step too (the index step
  // reads no lake file): the register step, after both, is all that waits for the partition. Older runs replay
  // the index step after the partition step.
  const indexing =
    merging && patched(INDEX_BESIDE_PARTITION_PATCH)
      ? merging.then(async (merged) => {
          if (!('aggregatesPath' in merged)) return undefined; // computed from the lake below, then indexed
          const t0 = Date.now();
          const r = await index(merged.aggregatesPath);
          timingsMs.index = Date.now() - t0;
          return r;
        })
      : undefined;
  void indexing?.catch(() => undefined); // reported where it is awaited, after the partition step
  const part = await timed('partition', () =>
    lake.writeLakePartition({ date: input.date, expectedRows: report.valid }),
  );
  const merged = await merging;
  const agg =
    merged && 'aggregatesPath' in merged
      ? merged
      : await timed('aggregate', () => lake.computeDailyAggregates(aggregateInput));
  if (merged && 'problem' in merged) upsertMemo({ aggregatesFromLake: merged.problem });
  progress.step = 'index';
  const idx = (await indexing) ?? (await timed('index', () => index(agg.aggregatesPath)));
  if (catalogSteps) {
    const t0 = Date.now();
    const reg = await lake.registerLakePartitions({ date: input.date, expectedRows: part.rows });
    timingsMs.register = Date.now() - t0;
    upsertMemo({ lakePartitionsRegistered: reg.partitions });
  }
  progress.step = 'done';
  const result: BatchDayResult = {
    date: input.date,
    fingerprint: land.fingerprint,
    report,
    lakeFiles: part.files,
    documents: idx.indexed,
    timingsMs,
  };
  upsertMemo({ lakeFiles: part.files, documents: idx.indexed, staleRemoved: idx.removed, timingsMs });
  return result;
}

/** Day before `t` in time zone `tz`, as YYYY-MM-DD. */
export function previousDay(t: Date, tz: string): string {
  const local = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(t);
  const d = new Date(`${local}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** What a scheduled run did: the previous day, and earlier days reprocessed because their files changed. */
export interface ScheduledBatchResult {
  date: string;
  result: BatchDayResult;
  reprocessed: string[];
  /** The recomputation of `date` from the lake's `web_events` (absent in runs started before it existed). */
  events?: BatchEventsResult;
  /** The date's orders import (absent in runs started before it existed). */
  orders?: OrdersDayResult;
}

/**
 * Started by the daily Schedule: runs `batchDay` for the previous day (in the schedule's time zone) as a
 * child, then re-runs any of the `lookbackDays` days before it whose landing files changed since they were
 * indexed (a late or replaced file makes its date reprocess).
 */
export async function scheduledBatch(input: {
  timezone: string;
  rejectThreshold?: number;
  lookbackDays?: number;
}): Promise<ScheduledBatchResult> {
  rejectWorkflowInput('scheduledBatch', scheduledInputProblem(input));
  const date = previousDay(workflowInfo().startTime, input.timezone);
  upsertSearchAttributes({ Pipeline: ['batch'], BatchDate: [date] });
  const result = await executeChild(batchDay, {
    workflowId: batchWorkflowId(date),
    args: [{ date, rejectThreshold: input.rejectThreshold }],
  });
  const reprocessed: string[] = [];
  const back = dateRange(shiftDate(date, -(input.lookbackDays ?? 3)), shiftDate(date, -1));
  for (const d of back) {
    const [landed, indexed] = await Promise.all([
      landing.landingFingerprint({ date: d }),
      search.indexedFingerprint({ date: d }),
    ]);
    if (landed && landed !== indexed) {
      await executeChild(batchDay, {
        workflowId: batchWorkflowId(d),
        args: [{ date: d, rejectThreshold: input.rejectThreshold }],
      });
      reprocessed.push(d);
    }
  }
  upsertMemo({ reprocessed });
  // Then the date's view recomputed from the lake's master dataset (the stream's registered web_events hours);
  // a date the stream did not see keeps the web-log view.
  let events: BatchEventsResult | undefined;
  if (patched('batch-events')) {
    events = await executeChild(batchEventsDay, { workflowId: batchEventsWorkflowId(date), args: [{ date }] });
    upsertMemo({ eventsRecomputed: events.events, eventHours: events.hours.length });
  }
  // Then the date's orders import: changed orders into the lake, every date they touch re-aggregated (issue 12).
  let orders: OrdersDayResult | undefined;
  if (patched('orders-import')) {
    orders = await executeChild(ordersDay, { workflowId: ordersWorkflowId(date), args: [{ date }] });
    upsertMemo({ ordersImported: orders.rows, orderDates: orders.dates });
  }
  return { date, result, reprocessed, events, orders };
}

function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Outcome of one date in a backfill. */
export interface BackfillItem {
  date: string;
  state: 'completed' | 'failed';
  error?: string;
}

/** Run `batchDay` for every date from `from` to `to`, at most `parallel` at a time; failures are reported, not fatal. */
export async function batchBackfill(input: {
  from: string;
  to: string;
  parallel: number;
  landingDir?: string;
  rejectThreshold?: number;
}): Promise<BackfillItem[]> {
  rejectWorkflowInput('batchBackfill', backfillInputProblem(input));
  upsertSearchAttributes({ Pipeline: ['batch'] });
  const dates = dateRange(input.from, input.to);
  const out: BackfillItem[] = [];
  const queue = [...dates];
  const worker = async () => {
    for (let date = queue.shift(); date; date = queue.shift()) {
      try {
        await executeChild(batchDay, {
          workflowId: batchWorkflowId(date),
          args: [{ date, landingDir: input.landingDir, rejectThreshold: input.rejectThreshold }],
        });
        out.push({ date, state: 'completed' });
      } catch (err) {
        out.push({ date, state: 'failed', error: String((err as Error).cause ?? err) });
      }
      upsertMemo({ done: out.length, total: dates.length });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.parallel, dates.length)) }, worker));
  return out.sort((a, b) => a.date.localeCompare(b.date));
}
