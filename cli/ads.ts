/**
 * `viewership ads …`: the ad-analytics stream — the streaming workflow run with `pipeline: 'ads'` under its own id
 * (ADS_STREAM_WORKFLOW_ID, default `stream-ads`) — started, commanded and inspected like `stream`, with totals
 * read back from PostgreSQL.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { StreamSettings, StreamState } from '../common/stream.js';
import type { AppConfig } from '../lib/config.js';
import { adTotals, type AdTotals } from '../lib/ads/totals.js';
import { createPgPool } from '../lib/clients.js';
import { BadInputError } from '../lib/errors.js';
import { connectTemporal, workflowUrl } from '../lib/temporal.js';
import { streamViewership } from '../workflows/stream.js';
import { migratePostgres } from '../adapters/profiles/postgres.js';
import { missingInNamespace, missingMessage } from '../lib/setup.js';

/** The config as the `stream` commands see it, pointed at the ad stream's workflow. */
export const adsStreamConfig = (cfg: AppConfig): AppConfig => ({
  ...cfg,
  stream: { ...cfg.stream, workflowId: cfg.ads.workflowId },
});

/**
 * Start the ad stream. A stopped one resumes from the offsets its last run returned; `fromScratch` clears what
 * the stream wrote (metrics, joined clicks, counters, checkpoints of its id) and reads both topics from 0.
 */
export async function adsStart(
  cfg: AppConfig,
  settings: Partial<StreamSettings>,
  fromScratch = false,
): Promise<string> {
  const id = cfg.ads.workflowId;
  const client = await connectTemporal(cfg.temporal);
  try {
    const missing = await missingInNamespace(client.connection, cfg.temporal.namespace);
    if (missing.length) throw new BadInputError(missingMessage(cfg.temporal.namespace, missing));
    const last = client.workflow.getHandle<typeof streamViewership>(id);
    const prev = await last
      .describe()
      .catch((err) => (err instanceof WorkflowNotFoundError ? undefined : Promise.reject(err)));
    let state: StreamState | undefined;
    if (fromScratch) {
      const pool = createPgPool(cfg, 1);
      try {
        await migratePostgres(pool);
        for (const t of ['ad_metrics_minute_partition', 'ad_clicks_joined', 'ad_stream_counters', 'ad_checkpoints'])
          await pool.query(`DELETE FROM ${t} WHERE stream_id = $1`, [id]);
      } finally {
        await pool.end();
      }
    } else if (prev?.status.name === 'COMPLETED') {
      const s = await last.result();
      state = { ...s, settings: { ...s.settings, ...settings, pipeline: 'ads' }, paused: false };
    } else if (prev && prev.status.name !== 'RUNNING') {
      throw new BadInputError(
        `the last ad stream run ended ${prev.status.name} without a checkpoint; start with --from-scratch to re-read both topics into cleared tables`,
      );
    }
    await client.workflow.start(streamViewership, {
      taskQueue: cfg.temporal.taskQueues.stream,
      workflowId: id,
      args: [
        state
          ? { state }
          : { settings: { allowedLatenessMs: cfg.ads.allowedLatenessMs, ...settings, pipeline: 'ads' } },
      ],
    });
    return workflowUrl(cfg.temporal, id);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new BadInputError(`the ad stream is already running: ${workflowUrl(cfg.temporal, id)}`);
    throw err;
  } finally {
    await client.connection.close();
  }
}

/** Totals of the ad stream over impression event time [from, to), from PostgreSQL. */
export async function adsTotals(cfg: AppConfig, from: string, to: string): Promise<AdTotals> {
  const f = new Date(from);
  const t = new Date(to);
  if (Number.isNaN(f.getTime())) throw new BadInputError(`--from must be an ISO time (got "${from}")`);
  if (Number.isNaN(t.getTime())) throw new BadInputError(`--to must be an ISO time (got "${to}")`);
  if (t <= f) throw new BadInputError(`--to (${to}) must be after --from (${from})`);
  const pool = createPgPool(cfg, 2);
  try {
    await migratePostgres(pool);
    return await adTotals(pool, cfg.ads.workflowId, f, t);
  } finally {
    await pool.end();
  }
}
