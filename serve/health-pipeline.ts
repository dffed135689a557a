/**
 * Pipeline parts of `/api/health`, read from Temporal: the streaming workflow (running?, last micro-batch, lag per
 * partition = events topic end offset − the workflow's checkpoint offset), the latest batch runs (visibility
 * list) and the Schedules' next runs — each with its Temporal UI link.
 */
import { WorkflowNotFoundError, ScheduleNotFoundError } from '@temporalio/client';
import { scheduleDefinitions } from '../lib/schedules.js';
import { SA } from '../common/search-attributes.js';
import { streamStatusQuery } from '../common/stream-api.js';
import type { StreamState } from '../common/stream.js';
import { workflowUrl } from '../lib/temporal.js';
import { batchDay } from '../workflows/batch.js';
import type { EndOffsets } from './health-services.js';
import { withTimeout } from './health-services.js';
import type { ServeResources } from './resources.js';

/** The streaming workflow's state for operators. */
export interface StreamHealth {
  workflowId: string;
  url: string;
  status: string;
  running: boolean;
  paused: boolean | null;
  lastBatchAt: string | null;
  lastBatch: StreamState['lastBatch'] | null;
  lagTotal: number | null;
  lagByPartition: Record<string, number> | null;
  totals: StreamState['totals'] | null;
  /** Problems Temporal reports on the run (e.g. a workflow task failing on non-determinism). */
  problems: string[];
  error?: string;
}

/** State of the stream (`status` query when it runs, the memo otherwise). */
export async function streamHealth(
  r: ServeResources,
  workflowId: string,
  endOffsetsP: Promise<EndOffsets | undefined>,
  timeoutMs: number,
): Promise<StreamHealth> {
  const base = { workflowId, url: workflowUrl(r.cfg.temporal, workflowId) };
  const empty = {
    paused: null,
    lastBatchAt: null,
    lastBatch: null,
    lagTotal: null,
    lagByPartition: null,
    totals: null,
    problems: [] as string[],
  };
  try {
    const client = await withTimeout(r.temporal(), timeoutMs, 'temporal');
    const handle = client.workflow.getHandle(workflowId);
    const d = await withTimeout(handle.describe(), timeoutMs, 'describe stream');
    const memo = (d.memo ?? {}) as Partial<StreamState> & { lag?: number };
    const running = d.status.name === 'RUNNING';
    const problems = ((d.searchAttributes as Record<string, unknown[] | undefined>).TemporalReportedProblems ?? []).map(
      String,
    );
    let queryError: string | undefined;
    const s = running
      ? await withTimeout(handle.query(streamStatusQuery), timeoutMs, 'stream status query').catch(
          (err: Error) => void (queryError = err.message.split('\n')[0]),
        )
      : undefined;
    const lastBatch = s?.lastBatch ?? memo.lastBatch ?? null;
    let lagByPartition: Record<string, number> | null = null;
    const endOffsets = await endOffsetsP;
    if (s && endOffsets) {
      lagByPartition = Object.fromEntries(
        Object.entries(endOffsets).map(([p, end]) => [p, Math.max(0, end - (s.offsets[Number(p)] ?? 0))]),
      );
    }
    return {
      ...base,
      ...empty,
      status: d.status.name,
      running,
      paused: s?.paused ?? null,
      lastBatchAt: lastBatch ? new Date(lastBatch.atMs).toISOString() : null,
      lastBatch,
      lagTotal: lagByPartition
        ? Object.values(lagByPartition).reduce((a, b) => a + b, 0)
        : (lastBatch?.lag ?? memo.lag ?? null),
      lagByPartition,
      totals: s?.totals ?? memo.totals ?? null,
      problems,
      ...(queryError ? { error: queryError } : {}),
    };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...base, ...empty, status: 'NOT_FOUND', running: false };
    return { ...base, ...empty, status: 'UNKNOWN', running: false, error: (err as Error).message };
  }
}

/** One batch run as listed by Temporal visibility. */
export interface BatchRun {
  workflowId: string;
  url: string;
  date: string | null;
  status: string;
  startTime: string;
  closeTime: string | null;
  rowsLanded: number | null;
  rowsRejected: number | null;
}

/** The latest `batchDay` runs on the configured batch task queue (newest first), and the UI link of the list. */
export async function batchRuns(
  r: ServeResources,
  limit: number,
  timeoutMs: number,
): Promise<{ url: string; runs: BatchRun[]; error?: string }> {
  const query = `WorkflowType='${batchDay.name}' AND TaskQueue='${r.cfg.temporal.taskQueues.batch.replace(/'/g, '')}'`;
  const url = `${r.cfg.temporal.uiUrl}/namespaces/${encodeURIComponent(r.cfg.temporal.namespace)}/workflows?query=${encodeURIComponent(query)}`;
  try {
    const client = await withTimeout(r.temporal(), timeoutMs, 'temporal');
    const list = async () => {
      const runs: BatchRun[] = [];
      for await (const w of client.workflow.list({ query, pageSize: limit })) {
        const memo = (w.memo ?? {}) as { rows?: number; rejected?: number };
        runs.push({
          workflowId: w.workflowId,
          url: workflowUrl(r.cfg.temporal, w.workflowId, w.runId),
          date: w.typedSearchAttributes.get(SA.BatchDate) ?? null,
          status: w.status.name,
          startTime: w.startTime.toISOString(),
          closeTime: w.closeTime?.toISOString() ?? null,
          rowsLanded: w.typedSearchAttributes.get(SA.RowsLanded) ?? memo.rows ?? null,
          rowsRejected: w.typedSearchAttributes.get(SA.RowsRejected) ?? memo.rejected ?? null,
        });
        if (runs.length >= limit) break;
      }
      return runs;
    };
    return { url, runs: await withTimeout(list(), timeoutMs, 'list batch runs') };
  } catch (err) {
    return { url, runs: [], error: (err as Error).message };
  }
}

/** A Schedule's state. */
export interface ScheduleHealth {
  id: string;
  url: string;
  exists: boolean;
  paused: boolean | null;
  nextRuns: string[];
  lastRunAt: string | null;
  error?: string;
}

/** The project's Schedules: next run times and the last action. */
export async function scheduleHealth(r: ServeResources, timeoutMs: number): Promise<ScheduleHealth[]> {
  const ns = encodeURIComponent(r.cfg.temporal.namespace);
  return Promise.all(
    scheduleDefinitions(r.cfg).map(async ({ scheduleId: id }) => {
      const base = { id, url: `${r.cfg.temporal.uiUrl}/namespaces/${ns}/schedules/${encodeURIComponent(id)}` };
      try {
        const client = await withTimeout(r.temporal(), timeoutMs, 'temporal');
        const d = await withTimeout(client.schedule.getHandle(id).describe(), timeoutMs, `describe schedule ${id}`);
        const last = d.info.recentActions[d.info.recentActions.length - 1];
        return {
          ...base,
          exists: true,
          paused: d.state.paused,
          nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
          lastRunAt: last?.takenAt.toISOString() ?? null,
        };
      } catch (err) {
        if (err instanceof ScheduleNotFoundError)
          return { ...base, exists: false, paused: null, nextRuns: [], lastRunAt: null };
        return { ...base, exists: false, paused: null, nextRuns: [], lastRunAt: null, error: (err as Error).message };
      }
    }),
  );
}
