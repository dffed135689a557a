/**
 * Batch runs during the chaos run: start a date's `batchDay` on the run's batch queue and wait for its outcome,
 * riding out a Temporal restart (calls that fail to reach the server are retried); failures are kept typed.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { batchWorkflowId, type BatchDayResult } from '../../common/batch.js';
import { batchDay } from '../../workflows/batch.js';

/** How one batch run ended: completed with its result, or failed with its cause's type and message. */
export type BatchOutcome =
  | { date: string; state: 'completed'; result: BatchDayResult; tookMs: number }
  | { date: string; state: 'failed'; type: string; nonRetryable: boolean; message: string; tookMs: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `fn`, retried every second for up to `forMs` while it fails for any reason but a workflow failure. */
export async function retrying<T>(fn: () => Promise<T>, forMs = 300_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowFailedError || Date.now() > deadline) throw err;
      await sleep(1000);
    }
  }
}

/** Run `date` (landing dir from the worker's config) and wait for its outcome; `onFailure` gets transport errors. */
export async function runBatchDay(client: () => Client, taskQueue: string, date: string): Promise<BatchOutcome> {
  const t0 = Date.now();
  const workflowId = batchWorkflowId(date);
  await retrying(() =>
    client()
      .workflow.start(batchDay, { taskQueue, workflowId, args: [{ date }] })
      .catch(async (err) => {
        // A start retried after a lost answer may find its own run already there.
        const desc = await client()
          .workflow.getHandle(workflowId)
          .describe()
          .catch(() => undefined);
        if (desc && desc.taskQueue === taskQueue) return;
        throw err;
      }),
  );
  try {
    const result = await retrying(() => client().workflow.getHandle(workflowId).result() as Promise<BatchDayResult>);
    return { date, state: 'completed', result, tookMs: Date.now() - t0 };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    // The typed failure may sit under an ActivityFailure or ChildWorkflowFailure: take the first with a type.
    type Cause = { type?: string; nonRetryable?: boolean; message?: string; cause?: Cause };
    let cause = err.cause as Cause | undefined;
    while (cause && !cause.type && cause.cause) cause = cause.cause;
    return {
      date,
      state: 'failed',
      type: cause?.type ?? 'untyped',
      nonRetryable: cause?.nonRetryable ?? false,
      message: cause?.message ?? err.message,
      tookMs: Date.now() - t0,
    };
  }
}
