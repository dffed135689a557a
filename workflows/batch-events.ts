/**
 * `batchEventsDay`: the batch layer recomputing a date's view from the lake's master dataset — the stream's
 * `web_events` hours registered in the catalog — instead of the web-log files (workflow id
 * `batch-events-YYYY-MM-DD`). aggregate (DuckDB over the registered files) → index (replaces the date's
 * batch-view documents, so the serving layer answers the date from them). A date with no registered hour is
 * left as it is. Idempotent: the same registered files give the same documents.
 */
import { ApplicationFailure, proxyActivities, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { createLakeActivities } from '../activities/lake.js';
import type { createSearchActivities } from '../activities/search.js';
import { dateProblem } from '../common/batch-input.js';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';

const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
};
const lake = proxyActivities<ReturnType<typeof createLakeActivities>>({ startToCloseTimeout: '1 hour', retry });
const search = proxyActivities<ReturnType<typeof createSearchActivities>>({ startToCloseTimeout: '30 minutes', retry });

/** Workflow id of a date's recomputation from events. */
export const batchEventsWorkflowId = (date: string): string => `batch-events-${date}`;

/** What a recomputation did. */
export interface BatchEventsResult {
  date: string;
  /** Registered `web_events` hours the view was computed from (`HH`). */
  hours: string[];
  files: number;
  events: number;
  /** Batch-view documents written (0 when no hour of the date is registered: nothing was replaced). */
  documents: number;
}

/** Recompute `input.date`'s batch view from its registered `web_events` hours. */
export async function batchEventsDay(input: { date: string }): Promise<BatchEventsResult> {
  const problem = dateProblem((input as { date?: unknown } | undefined)?.date);
  if (problem)
    throw ApplicationFailure.create({
      type: FailureType.BadInput,
      nonRetryable: true,
      message: `batchEventsDay: ${problem}`,
    });
  upsertSearchAttributes({ Pipeline: ['batch'], BatchDate: [input.date] });
  const agg = await lake.computeEventAggregates({ date: input.date });
  upsertMemo({ source: 'events', hours: agg.hours, files: agg.files, events: agg.events });
  if (agg.hours.length === 0) return { date: input.date, hours: [], files: 0, events: 0, documents: 0 };
  const idx = await search.indexDailyAggregates({ date: input.date, aggregatesPath: agg.aggregatesPath });
  upsertMemo({ documents: idx.indexed });
  return { date: input.date, hours: agg.hours, files: agg.files, events: agg.events, documents: idx.indexed };
}
