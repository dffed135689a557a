/** Response schema of `GET /api/health` (see `schemas.ts`): services, stream, batch runs, Schedules, ads. */
import { z } from 'zod/v4';
import { counts, dateTime } from './schemas.js';

const num = () => z.number();
/** `T`, plus the `error` a check that failed reports. */
const withError = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject({ ...shape, error: z.string().optional() });

const SERVICE_CHECK = z
  .strictObject({
    name: z.enum(['kafka', 'search', 'profiles', 'temporal']),
    up: z.boolean(),
    latencyMs: num(),
    detail: z.string().optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'ServiceCheck' });

const LAST_BATCH = z
  .strictObject({
    atMs: num(),
    read: num(),
    accepted: num(),
    lag: num(),
    tookMs: num(),
    checkpointBytes: num().optional().describe('bytes of state checkpoint records the tick wrote'),
    checkpointMs: num().optional().describe('ms the slowest group spent writing its checkpoint records'),
  })
  .meta({ id: 'LastBatch' });

const STREAM_TOTALS = z
  .strictObject({ batches: num(), events: num(), deadLettered: num(), late: num(), duplicates: num() })
  .meta({ id: 'StreamTotals' });

const STREAM = withError({
  workflowId: z.string(),
  url: z.string(),
  status: z.string(),
  running: z.boolean(),
  paused: z.boolean().nullable(),
  lastBatchAt: dateTime().nullable(),
  lastBatch: LAST_BATCH.nullable(),
  lagTotal: num().nullable(),
  lagByPartition: counts().nullable().describe('events topic end offset − the stream checkpoint, per partition'),
  totals: STREAM_TOTALS.nullable(),
  problems: z.array(z.string()).describe('Problems Temporal reports on the run, e.g. category=WorkflowTaskFailed'),
}).meta({ id: 'Stream' });

const BATCH_RUN = z
  .strictObject({
    workflowId: z.string(),
    url: z.string(),
    date: z.string().nullable(),
    status: z.string(),
    startTime: dateTime(),
    closeTime: dateTime().nullable(),
    rowsLanded: num().nullable(),
    rowsRejected: num().nullable(),
  })
  .meta({ id: 'BatchRun' });

const SCHEDULE = withError({
  id: z.string(),
  url: z.string(),
  exists: z.boolean(),
  paused: z.boolean().nullable(),
  nextRuns: z.array(dateTime()),
  lastRunAt: dateTime().nullable(),
}).meta({ id: 'Schedule' });

const CAMPAIGNS_FILE = z
  .strictObject({
    path: z.string(),
    loadedAt: dateTime().nullable().describe('When the version in use was loaded; null when none ever was'),
    campaigns: z.int().describe('Campaigns of the version in use'),
    rejected: z.int().describe('Rows of the version in use that were quarantined'),
    problem: z
      .string()
      .optional()
      .describe(
        'Why the file on disk is not in use (missing, unreadable, wrong header, no valid rows); the last good version stays in use',
      ),
  })
  .meta({ id: 'CampaignsFile' });

const ADS_HEALTH = z
  .strictObject({
    state: z.enum(['running', 'paused', 'stopped', 'not started', 'unknown']),
    stream: STREAM,
    campaigns: CAMPAIGNS_FILE,
  })
  .meta({
    id: 'AdsHealth',
    description:
      'The ad-analytics stream (ADS_STREAM_WORKFLOW_ID; lagByPartition keys impressions/<p>, clicks/<p>) and its campaigns file',
  });

/** The `/api/health` answer. */
export const HEALTH = z
  .strictObject({
    status: z.enum(['ok', 'degraded']),
    checkedAt: dateTime(),
    tookMs: num(),
    temporalUiUrl: z.string(),
    services: z.array(SERVICE_CHECK),
    stream: STREAM,
    batch: withError({ url: z.string(), runs: z.array(BATCH_RUN) }),
    schedules: z.array(SCHEDULE),
    deadLetters: withError({ total: num(), lastHour: num(), late: num(), duplicates: num() }),
    quarantine: withError({
      rejectedRows: num(),
      days: z.array(z.strictObject({ date: z.string(), rejectedRows: num(), byReason: counts() })),
    }),
    ads: ADS_HEALTH,
  })
  .meta({ id: 'Health' });
