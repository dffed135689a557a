/**
 * Batch workflows started by hand (as from the Temporal UI) with a bad argument, on the real Temporal server
 * and a real batch worker: each fails at once with a clear, non-retryable `BadInputError` — never a workflow
 * task retried forever, an activity retry loop, or a run that quietly does nothing.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { RetryState, type Workflow } from '@temporalio/common';
import { generateWeblogLines } from '../lib/generate/weblogs.js';
import { connectTemporal } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import { batchBackfill, batchDay, scheduledBatch, validateFiles } from '../workflows/batch.js';
import { testConfig, uniqueName } from './helpers.js';

const root = mkdtempSync(`${tmpdir()}/viewership-batch-input-`);
const queue = uniqueName('batch-input-test');
const env = {
  LANDING_DIR: `${root}/landing`,
  LAKE_DIR: `${root}/lake`,
  WORK_DIR: `${root}/work`,
  QUARANTINE_DIR: `${root}/quarantine`,
  TASK_QUEUE_BATCH: queue,
  SEARCH_INDEX_PREFIX: 'viewership-test-input',
};
const cfg = testConfig(env);

/** Write a small valid CSV day into `dir/<date>/name`. */
function land(dir: string, date: string, name = 'day.csv'): void {
  mkdirSync(`${dir}/${date}`, { recursive: true });
  writeFileSync(
    `${dir}/${date}/${name}`,
    [
      ...generateWeblogLines({ date, rows: 20, format: 'csv', badRate: 0, customers: 5, seed: 1 }, () => undefined),
    ].join('\n') + '\n',
  );
}

describe('batch workflows started by hand with a bad argument', () => {
  let client: Client;
  let workers: { stop: () => Promise<void> };

  beforeAll(async () => {
    client = await connectTemporal(cfg.temporal);
    workers = await startWorkers(cfg, ['batch']);
  });
  afterAll(async () => {
    await workers?.stop();
    await client?.connection.close();
  });

  /** Start `workflow` with `args` and return why it failed (a run timeout turns a stuck run into a failure too). */
  async function failureOf(
    workflow: Workflow,
    args: unknown[],
  ): Promise<{ root: ApplicationFailure; activity?: ActivityFailure; ms: number }> {
    const t0 = Date.now();
    // Deliberately bad input: the workflow is passed untyped so that the arguments are not checked.
    const err = await client.workflow
      .execute<Workflow>(workflow, {
        taskQueue: queue,
        workflowId: uniqueName(`bad-${workflow.name}`),
        args,
        workflowRunTimeout: '30 seconds',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err, `${workflow.name} should have failed`).toBeInstanceOf(WorkflowFailedError);
    let cause = (err as WorkflowFailedError).cause;
    let activity: ActivityFailure | undefined;
    if (cause instanceof ActivityFailure) {
      activity = cause;
      cause = cause.cause;
    }
    expect(cause, `${workflow.name}: ${String(cause)}`).toBeInstanceOf(ApplicationFailure);
    const root = cause as ApplicationFailure;
    expect(root.type).toBe('BadInputError');
    expect(root.nonRetryable).toBe(true);
    return { root, activity, ms: Date.now() - t0 };
  }

  it.each(
    (
      [
        [batchDay, [{ date: '2031-02-30' }], 'batchDay: date "2031-02-30" is not a calendar date YYYY-MM-DD'],
        [batchDay, [], 'batchDay: expected one argument {"date": "YYYY-MM-DD", ...} (got nothing)'],
        [batchDay, [{ date: 20310304 }], 'batchDay: date must be a date string YYYY-MM-DD (got 20310304)'],
        [
          batchDay,
          [{ date: '2031-03-04', rejectThreshold: 'lots' }],
          'batchDay: rejectThreshold must be a number from 0 to 1 (got "lots")',
        ],
        [
          batchBackfill,
          [{ from: '2031-04-03', to: '2031-04-01', parallel: 2 }],
          'batchBackfill: to (2031-04-01) is before from (2031-04-03)',
        ],
        [
          batchBackfill,
          [{ from: 'yesterday', to: '2031-04-01', parallel: 2 }],
          'batchBackfill: from "yesterday" is not a calendar date YYYY-MM-DD',
        ],
        [
          validateFiles,
          [{ date: '2031-03-04' }],
          'validateFiles: files must be the list of landed files (got nothing)',
        ],
        [
          scheduledBatch,
          [{ timezone: 'Mars/Olympus_Mons' }],
          'scheduledBatch: timezone must be an IANA time zone such as "UTC" (got "Mars/Olympus_Mons")',
        ],
      ] as [Workflow, unknown[], string][]
    ).map(([workflow, args, message]) => [workflow.name, args, message, workflow] as const),
  )('%s %j fails the workflow at once', async (_name, args, message, workflow) => {
    const { root, activity, ms } = await failureOf(workflow, [...args]);
    expect(root.message).toBe(message);
    expect(activity).toBeUndefined();
    expect(ms).toBeLessThan(15_000);
  });

  it('a landing directory outside LANDING_DIR fails the land activity once, not retried', async () => {
    land(`${root}/elsewhere`, '2031-03-05');
    const { root: r, activity } = await failureOf(batchDay, [{ date: '2031-03-05', landingDir: `${root}/elsewhere` }]);
    expect(r.message).toBe(
      `landDayFiles: landingDir ${root}/elsewhere is outside the configured LANDING_DIR (${env.LANDING_DIR})`,
    );
    expect(activity?.activityType).toBe('landDayFiles');
    expect(activity?.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
  });

  it('a symbolic link in the landing directory fails the land activity once, naming the link', async () => {
    land(env.LANDING_DIR, '2031-03-06');
    writeFileSync(`${root}/secret.txt`, 'secret\n');
    symlinkSync(`${root}/secret.txt`, `${env.LANDING_DIR}/2031-03-06/z.csv`);
    const { root: r, activity } = await failureOf(batchDay, [{ date: '2031-03-06' }]);
    expect(r.message).toContain(`${env.LANDING_DIR}/2031-03-06/z.csv is a symbolic link (to ${root}/secret.txt)`);
    expect(activity?.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
  });
});
