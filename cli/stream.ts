/** `viewership stream …`: operate the streaming workflow through Updates, and read the speed view back. */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { createSearchSink } from '../adapters/search/index.js';
import { streamWatermark, type StreamSettings, type StreamState } from '../common/stream.js';
import { CheckpointMissingError } from '../adapters/checkpoints/types.js';
import { createCheckpointStore } from '../lib/clients.js';
import { missingInNamespace, missingMessage } from '../lib/setup.js';
import type { RewindResult } from '../common/stream-merge.js';
import {
  pauseUpdate,
  resumeUpdate,
  rewindUpdate,
  setIntervalUpdate,
  stopUpdate,
  streamStatusQuery,
} from '../common/stream-api.js';
import type { AppConfig } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { speedTotals, type StreamTotals } from '../lib/stream/totals.js';
import { speedIndices } from '../lib/search-templates.js';
import { workflowUrl } from '../lib/temporal.js';
import { streamViewership } from '../workflows/stream.js';
import { withTemporal } from './temporal-client.js';
import { searchSinkOptions } from '../lib/adapter-options.js';

async function withClient<T>(cfg: AppConfig, f: (c: Client) => Promise<T>): Promise<T> {
  try {
    return await withTemporal(cfg, f);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new BadInputError(`the stream is not running (start it: viewership stream start)`);
    if (err instanceof WorkflowUpdateFailedError)
      throw new BadInputError(`command rejected: ${String(err.cause?.message ?? err.message)}`);
    throw err;
  }
}

/**
 * Start the streaming workflow (id `STREAM_WORKFLOW_ID`, default `stream-viewership`). A stream that was stopped resumes from the checkpoint its last run
 * returned (offsets and watermarks), so nothing is read twice; after a run that ended without a checkpoint
 * (terminated, failed) only `fromScratch` starts again — from offset 0 with the speed view and the stream's
 * state checkpoints cleared.
 */
export async function streamStart(
  cfg: AppConfig,
  settings: Partial<StreamSettings>,
  fromScratch = false,
): Promise<string> {
  const id = cfg.stream.workflowId;
  return withClient(cfg, async (client) => {
    // A namespace without the workflows' search attributes would take the start and fail every task after it.
    const missing = await missingInNamespace(client.connection, cfg.temporal.namespace);
    if (missing.length) throw new BadInputError(missingMessage(cfg.temporal.namespace, missing));
    let state: StreamState | undefined;
    const last = client.workflow.getHandle<typeof streamViewership>(id);
    const prev = await last
      .describe()
      .catch((err) => (err instanceof WorkflowNotFoundError ? undefined : Promise.reject(err)));
    if (fromScratch) {
      const sink = createSearchSink(searchSinkOptions(cfg));
      for (const index of speedIndices(cfg.search.indexPrefix)) await sink.deleteIndex(index);
      await sink.close();
      const checkpoints = createCheckpointStore(cfg);
      await checkpoints.clear(id).finally(() => checkpoints.close());
    } else if (prev?.status.name === 'COMPLETED') {
      state = await last.result();
      state = { ...state, settings: { ...state.settings, ...settings }, paused: false };
      await checkResumable(cfg, id, state.offsets);
    } else if (prev && prev.status.name !== 'RUNNING') {
      throw new BadInputError(
        `the last stream run ended ${prev.status.name} without a checkpoint; start with --from-scratch to re-read the topic into a cleared speed view`,
      );
    }
    try {
      await client.workflow.start(streamViewership, {
        taskQueue: cfg.temporal.taskQueues.stream,
        workflowId: id,
        args: [state ? { state } : { settings }],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new BadInputError(`the stream is already running: ${workflowUrl(cfg.temporal, id)}`);
      throw err;
    }
    return workflowUrl(cfg.temporal, id);
  });
}

/**
 * A stopped stream resumes only if its partitions' state can be restored at the offsets it stopped at (a run of
 * an earlier version kept no checkpoints, or they were pruned): otherwise a clear error asks for --from-scratch.
 */
async function checkResumable(cfg: AppConfig, id: string, offsets: Record<number, number>): Promise<void> {
  const store = createCheckpointStore(cfg);
  try {
    for (const [p, offset] of Object.entries(offsets)) {
      if (offset > 0) await store.chain(id, Number(p), offset);
    }
  } catch (err) {
    if (!(err instanceof CheckpointMissingError)) throw err;
    throw new BadInputError(
      `the last stream run cannot be resumed: ${err.message}; start with --from-scratch to re-read the topic into a cleared speed view`,
    );
  } finally {
    await store.close();
  }
}

/** The CLI's stream commands without an argument and the Updates they send. */
const STREAM_COMMANDS = { pause: pauseUpdate, resume: resumeUpdate, stop: stopUpdate } as const;

/** Send one command (an Update): pause, resume, stop, or setInterval with its argument (ms). */
export async function streamCommand(
  cfg: AppConfig,
  name: keyof typeof STREAM_COMMANDS | 'setInterval',
  args: unknown[] = [],
): Promise<void> {
  await withClient(cfg, (client) => {
    const handle = client.workflow.getHandle<typeof streamViewership>(cfg.stream.workflowId);
    return name === 'setInterval'
      ? handle.executeUpdate(setIntervalUpdate, { args: [args[0] as number] })
      : handle.executeUpdate(STREAM_COMMANDS[name]);
  });
}

/** Rewind the running stream to an ISO time; resolves once the workflow applied it (see lib/stream/rewind.ts). */
export async function streamRewind(cfg: AppConfig, to: string): Promise<RewindResult> {
  const toMs = Date.parse(to);
  if (!/T.*(Z|[+-]\d{2}:?\d{2})$/.test(to) || Number.isNaN(toMs))
    throw new BadInputError(`--to must be an ISO time with a zone, e.g. 2024-09-13T06:00:00Z (got "${to}")`);
  return withClient(cfg, (client) =>
    client.workflow.getHandle(cfg.stream.workflowId).executeUpdate(rewindUpdate, { args: [toMs] }),
  );
}

/** What `stream status` prints: the state, whether it runs, and for a stream that is not running how it ended. */
export type StreamStatusReport = Partial<StreamState> & {
  watermarkMs?: number;
  running: boolean;
  state: 'running' | 'stopped' | 'failed' | 'terminated' | 'timed_out' | 'canceled';
  url: string;
};

/**
 * The stream's state: a running stream answers its `status` query; a stream that is not running (no worker needs
 * to be up) is described from Temporal: a stopped one with the checkpoint its run returned, otherwise with the
 * last micro-batch and totals from its memo.
 */
export async function streamStatus(cfg: AppConfig): Promise<StreamStatusReport> {
  const id = cfg.stream.workflowId;
  const url = workflowUrl(cfg.temporal, id);
  return withClient(cfg, async (client) => {
    const handle = client.workflow.getHandle<typeof streamViewership>(id);
    const d = await handle.describe();
    if (d.status.name === 'RUNNING') {
      const s = await handle.query(streamStatusQuery);
      return { ...s, state: 'running' as const, url };
    }
    if (d.status.name === 'COMPLETED') {
      const s = await handle.result();
      return {
        ...s,
        watermarkMs: streamWatermark(s, d.closeTime?.getTime() ?? Date.now()),
        running: false,
        state: 'stopped' as const,
        url,
      };
    }
    const memo = (d.memo ?? {}) as Partial<StreamState>;
    const state = d.status.name.toLowerCase() as StreamStatusReport['state'];
    return { lastBatch: memo.lastBatch, totals: memo.totals, running: false, state, url };
  });
}

/** Totals of the speed view over [from, to) by event time, read back from the index. */
export async function streamTotals(cfg: AppConfig, from: string, to: string): Promise<StreamTotals> {
  const f = new Date(from);
  const t = new Date(to);
  if (Number.isNaN(f.getTime())) throw new BadInputError(`--from must be an ISO time (got "${from}")`);
  if (Number.isNaN(t.getTime())) throw new BadInputError(`--to must be an ISO time (got "${to}")`);
  if (t <= f) throw new BadInputError(`--to (${to}) must be after --from (${from})`);
  const sink = createSearchSink(searchSinkOptions(cfg));
  try {
    return await speedTotals(sink, cfg.search.indexPrefix, f, t);
  } finally {
    await sink.close();
  }
}
