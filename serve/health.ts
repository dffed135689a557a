/**
 * `GET /api/health`: services up/down with latency, the streaming workflow, the latest batch runs, the
 * Schedules, dead-letter counts (speed counters) and quarantine counts (batch rejected rows). Every check has
 * its own time limit, so the answer comes within about two limits even when services are down.
 */
import { batchIndex, speedCountersIndex } from '../lib/search-templates.js';
import { isIndexMissing } from '../lib/views/composite.js';
import { adsHealth, type AdsHealth } from './health-ads.js';
import {
  batchRuns,
  scheduleHealth,
  streamHealth,
  type BatchRun,
  type ScheduleHealth,
  type StreamHealth,
} from './health-pipeline.js';
import { checkServices, withTimeout, type ServiceCheck } from './health-services.js';
import type { ServeResources } from './resources.js';

/** The health document. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  checkedAt: string;
  tookMs: number;
  temporalUiUrl: string;
  services: ServiceCheck[];
  stream: StreamHealth;
  batch: { url: string; runs: BatchRun[]; error?: string };
  schedules: ScheduleHealth[];
  deadLetters: { total: number; lastHour: number; late: number; duplicates: number; error?: string };
  quarantine: {
    rejectedRows: number;
    days: { date: string; rejectedRows: number; byReason: Record<string, number> }[];
    error?: string;
  };
  /** The ad-analytics stream (ADS_STREAM_WORKFLOW_ID) and its campaigns file. */
  ads: AdsHealth;
}

type Sum = { value: number };

async function deadLetters(r: ServeResources, nowMs: number, timeoutMs: number): Promise<HealthReport['deadLetters']> {
  const sum = (field: string) => ({ sum: { field } });
  try {
    const res = await withTimeout(
      r.search.search(speedCountersIndex(r.cfg.search.indexPrefix), {
        size: 0,
        aggs: {
          dead: sum('dead_lettered'),
          late: sum('late'),
          dups: sum('duplicates'),
          hour: { filter: { range: { minute: { gte: nowMs - 3_600_000 } } }, aggs: { dead: sum('dead_lettered') } },
        },
      }),
      timeoutMs,
      'speed counters',
    );
    const a = (res.aggregations ?? {}) as { dead?: Sum; late?: Sum; dups?: Sum; hour?: { dead: Sum } };
    return {
      total: a.dead?.value ?? 0,
      lastHour: a.hour?.dead.value ?? 0,
      late: a.late?.value ?? 0,
      duplicates: a.dups?.value ?? 0,
    };
  } catch (err) {
    if (isIndexMissing(err)) return { total: 0, lastHour: 0, late: 0, duplicates: 0 };
    return { total: 0, lastHour: 0, late: 0, duplicates: 0, error: (err as Error).message };
  }
}

async function quarantine(r: ServeResources, timeoutMs: number): Promise<HealthReport['quarantine']> {
  try {
    const res = await withTimeout(
      r.search.search<{ date: string; rejected_rows?: number; rejected_by_reason?: Record<string, number> }>(
        batchIndex(r.cfg.search.indexPrefix),
        {
          size: 7,
          query: { term: { kind: 'total' } },
          sort: [{ date: 'desc' }],
          fields: ['date', 'rejected_rows', 'rejected_by_reason'],
          aggs: { rejected: { sum: { field: 'rejected_rows' } } },
        },
      ),
      timeoutMs,
      'batch view',
    );
    return {
      rejectedRows: ((res.aggregations ?? {}) as { rejected?: Sum }).rejected?.value ?? 0,
      days: res.hits.map((h) => ({
        date: h.source.date,
        rejectedRows: h.source.rejected_rows ?? 0,
        byReason: h.source.rejected_by_reason ?? {},
      })),
    };
  } catch (err) {
    if (isIndexMissing(err)) return { rejectedRows: 0, days: [] };
    return { rejectedRows: 0, days: [], error: (err as Error).message };
  }
}

/** Build the health report. */
export async function healthReport(
  r: ServeResources,
  o: { streamWorkflowId: string; timeoutMs: number },
): Promise<HealthReport> {
  const t0 = Date.now();
  const services = checkServices(r, o.timeoutMs);
  const [svc, stream, batch, schedules, dead, quar, ads] = await Promise.all([
    services,
    streamHealth(
      r,
      o.streamWorkflowId,
      services.then((s) => s.endOffsets),
      o.timeoutMs,
    ),
    batchRuns(r, 10, o.timeoutMs),
    scheduleHealth(r, o.timeoutMs),
    deadLetters(r, t0, o.timeoutMs),
    quarantine(r, o.timeoutMs),
    adsHealth(r, o.timeoutMs),
  ]);
  // The ad stream is optional: not started or stopped is no problem; a running one with problems (or with an unusable campaigns file) is.
  const adsOk = !ads.stream.running || (ads.stream.problems.length === 0 && !ads.campaigns.problem);
  return {
    status:
      svc.services.every((s) => s.up) && stream.running && stream.problems.length === 0 && adsOk ? 'ok' : 'degraded',
    checkedAt: new Date(t0).toISOString(),
    tookMs: Date.now() - t0,
    temporalUiUrl: r.cfg.temporal.uiUrl,
    services: svc.services,
    stream,
    batch,
    schedules,
    deadLetters: dead,
    quarantine: quar,
    ads,
  };
}
