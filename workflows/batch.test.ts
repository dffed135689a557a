/**
 * The batch DAG's branches on a private local Temporal server with mocked activities (no files, no DuckDB, no
 * search engine): a small day validated in the workflow itself, a day over the rejected-rows threshold failing
 * before anything is written, a day with many files fanned out to `validateFiles` children, and a backfill that
 * reports a failed date instead of failing.
 */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressQuery } from '../common/batch-api.js';
import type { LandedFile, LandResult, ValidateResult } from '../common/batch.js';
import { FailureType } from '../common/failure-types.js';
import { localWorkflowEnv, workflowBundle } from '../test/workflow-test-env.js';
import { batchBackfill, batchDay, FILES_PER_CHILD, validateFiles } from './batch.js';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let seq = 0;

beforeAll(async () => {
  [env, bundle] = await Promise.all([localWorkflowEnv(), workflowBundle()]);
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

const ROWS = 100;

/** Mocked batch activities: `files` files per date of ROWS rows each, `rejected` of them rejected; calls recorded. */
function mockBatch(o: {
  files: number;
  rejected?: number;
  failLand?: string[];
  mergeProblem?: string;
  /** How long the partition step takes, ms. */
  partitionMs?: number;
}) {
  const calls: string[] = [];
  /** When the partition step ended and the index step started (epoch ms). */
  const times: Record<string, number> = {};
  /** What validation and the aggregate step were told of the day aggregates. */
  const args: Record<string, unknown>[] = [];
  const file = (date: string, i: number): LandedFile => ({
    name: `${date}-${i}.csv`,
    size: 1,
    sha256: `${i}`,
    stagedPath: `/staged/${date}/${i}`,
    gzip: false,
  });
  const activities = {
    async landDayFiles(input: { date: string }): Promise<LandResult> {
      calls.push('landDayFiles');
      if (o.failLand?.includes(input.date))
        throw ApplicationFailure.create({
          type: FailureType.BadInput,
          nonRetryable: true,
          message: `no landing directory for ${input.date}`,
        });
      const files = Array.from({ length: o.files }, (_, i) => file(input.date, i));
      return { date: input.date, files, fingerprint: `fp-${input.date}`, newlyStaged: files.length, duplicates: [] };
    },
    async snapshotProfiles() {
      calls.push('snapshotProfiles');
      return { snapshotId: 'snap-1', customers: 5 };
    },
    async validateLandedFile(input: { file: LandedFile; dayAggregates?: boolean }): Promise<ValidateResult> {
      calls.push('validateLandedFile');
      args.push({ validate: input.dayAggregates });
      const rejected = o.rejected ?? 0;
      return {
        file: input.file.name,
        format: 'csv',
        rows: ROWS,
        valid: ROWS - rejected,
        rejected,
        byReason: rejected ? { bad_status: rejected } : {},
        quarantinePath: '',
      } as ValidateResult;
    },
    async withdrawLakePartitions() {
      calls.push('withdrawLakePartitions');
      return { withdrawn: 0 };
    },
    async writeLakePartition(input: { date: string }) {
      calls.push('writeLakePartition');
      await new Promise((r) => setTimeout(r, o.partitionMs ?? 0));
      times.partitionDone = Date.now();
      return { files: 2, rows: o.files * ROWS, partition: `date=${input.date}` };
    },
    async mergeDayAggregates(input: { snapshotId: string }) {
      calls.push('mergeDayAggregates');
      args.push({ merge: input.snapshotId });
      if (o.mergeProblem) return { problem: o.mergeProblem };
      return { aggregatesPath: '/tmp/aggregates.jsonl', documents: 7, requests: o.files * ROWS };
    },
    async computeDailyAggregates() {
      calls.push('computeDailyAggregates');
      return { aggregatesPath: '/tmp/aggregates.jsonl', documents: 7, requests: o.files * ROWS };
    },
    async indexDailyAggregates() {
      calls.push('indexDailyAggregates');
      times.indexStarted = Date.now();
      return { indexed: 7, removed: 0, index: 'batch' };
    },
    async registerLakePartitions() {
      calls.push('registerLakePartitions');
      return { partitions: 1, files: 2, rows: o.files * ROWS };
    },
  };
  return { calls, args, times, activities };
}

async function withWorker<T>(
  activities: object,
  fn: (taskQueue: string, workflowId: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `batch-test-${process.pid}-${++seq}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  return worker.runUntil(fn(taskQueue, `batch-${taskQueue}`));
}

describe('batch DAG (local test server, mocked activities)', () => {
  it(
    'a small day: land → validate in the workflow → withdraw → partition → aggregate → index → register',
    { timeout: 30_000 },
    async () => {
      const { calls, args, times, activities } = mockBatch({ files: 3, rejected: 2, partitionMs: 1500 });
      await withWorker(activities, async (taskQueue, workflowId) => {
        const handle = await env.client.workflow.start(batchDay, {
          taskQueue,
          workflowId,
          args: [{ date: '2031-05-01', rejectThreshold: 0.05 }],
        });
        const r = await handle.result();
        expect(r).toMatchObject({
          date: '2031-05-01',
          fingerprint: 'fp-2031-05-01',
          lakeFiles: 2,
          documents: 7,
          report: { files: 3, rows: 300, valid: 294, rejected: 6, byReason: { bad_status: 6 } },
        });
        // The profile snapshot is read while the day lands (both activities start together).
        expect(calls.slice(0, 2).sort()).toEqual(['landDayFiles', 'snapshotProfiles']);
        expect(calls.slice(2, 6)).toEqual([
          'validateLandedFile',
          'validateLandedFile',
          'validateLandedFile',
          'withdrawLakePartitions',
        ]);
        // The day aggregates are merged and indexed beside the partition step; nothing reads the lake for them.
        expect(calls.slice(6, 8).sort()).toEqual(['mergeDayAggregates', 'writeLakePartition']);
        expect(calls.slice(8)).toEqual(['indexDailyAggregates', 'registerLakePartitions']);
        // The index step does not wait for the partition step; the register step waits for both.
        expect(times.indexStarted).toBeLessThan(times.partitionDone!);
        expect(args).toEqual([{ validate: true }, { validate: true }, { validate: true }, { merge: 'snap-1' }]);
        expect(await handle.query(progressQuery)).toEqual({
          step: 'done',
          filesTotal: 3,
          filesValidated: 3,
          rows: 300,
        });
        const d = await handle.describe();
        expect(d.searchAttributes).toMatchObject({
          Pipeline: ['batch'],
          BatchDate: ['2031-05-01'],
          RowsLanded: [300],
          RowsRejected: [6],
        });
      });
    },
  );

  it(
    'day aggregates that do not cover the day: the aggregate step computes it from the written partition',
    { timeout: 30_000 },
    async () => {
      const { calls, activities } = mockBatch({
        files: 1,
        mergeProblem: 'clean part hour=01/x.csv has no day aggregates',
      });
      await withWorker(activities, async (taskQueue, workflowId) => {
        const handle = await env.client.workflow.start(batchDay, {
          taskQueue,
          workflowId,
          args: [{ date: '2031-05-07' }],
        });
        expect(await handle.result()).toMatchObject({ documents: 7 });
        const after = calls.slice(calls.indexOf('writeLakePartition'));
        expect(after).toContain('computeDailyAggregates');
        expect(after.indexOf('computeDailyAggregates')).toBeLessThan(after.indexOf('indexDailyAggregates'));
        const memo = (await handle.describe()).memo as Record<string, unknown>;
        expect(memo.aggregatesFromLake).toBe('clean part hour=01/x.csv has no day aggregates');
      });
    },
  );

  it(
    'a day over the rejected-rows threshold fails, not retried, before anything is written',
    { timeout: 30_000 },
    async () => {
      const { calls, activities } = mockBatch({ files: 2, rejected: 10 });
      await withWorker(activities, async (taskQueue, workflowId) => {
        const err = await env.client.workflow
          .execute(batchDay, { taskQueue, workflowId, args: [{ date: '2031-05-02', rejectThreshold: 0.05 }] })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(WorkflowFailedError);
        const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
        expect(cause).toBeInstanceOf(ApplicationFailure);
        expect(cause).toMatchObject({ type: FailureType.RejectThreshold, nonRetryable: true });
        expect(cause.message).toContain('2031-05-02: 20 of 200 rows rejected (10.00 % > 5.00 %)');
        expect(calls.filter((c) => c !== 'snapshotProfiles')).toEqual([
          'landDayFiles',
          'validateLandedFile',
          'validateLandedFile',
        ]);
      });
    },
  );

  it(
    `a day with more than ${FILES_PER_CHILD} files is validated by validateFiles children, one per slice`,
    { timeout: 30_000 },
    async () => {
      const files = 2 * FILES_PER_CHILD + 10;
      const { calls, activities } = mockBatch({ files });
      await withWorker(activities, async (taskQueue, workflowId) => {
        const r = await env.client.workflow.execute(batchDay, {
          taskQueue,
          workflowId,
          args: [{ date: '2031-05-03' }],
        });
        expect(r.report).toMatchObject({ files, rows: files * ROWS, rejected: 0 });
        expect(calls.filter((c) => c === 'validateLandedFile')).toHaveLength(files);
        const children = await Promise.all(
          [1, 2, 3].map((i) => env.client.workflow.getHandle(`${workflowId}-validate-${i}`).describe()),
        );
        expect(children.map((c) => [c.type, c.status.name, c.parentExecution?.workflowId])).toEqual(
          Array.from({ length: 3 }, () => [validateFiles.name, 'COMPLETED', workflowId]),
        );
        const slices = await Promise.all(
          [1, 2, 3].map((i) =>
            env.client.workflow.getHandle<typeof validateFiles>(`${workflowId}-validate-${i}`).result(),
          ),
        );
        expect(slices.map((s) => s.length)).toEqual([FILES_PER_CHILD, FILES_PER_CHILD, 10]);
        const none = await env.client.workflow
          .getHandle(`${workflowId}-validate-4`)
          .describe()
          .then(
            () => 'found',
            () => 'none',
          );
        expect(none).toBe('none');
      });
    },
  );

  it('a backfill reports a failed date and completes the others', { timeout: 30_000 }, async () => {
    const { activities } = mockBatch({ files: 1, failLand: ['2031-05-05'] });
    await withWorker(activities, async (taskQueue, workflowId) => {
      const items = await env.client.workflow.execute(batchBackfill, {
        taskQueue,
        workflowId,
        args: [{ from: '2031-05-04', to: '2031-05-06', parallel: 2 }],
      });
      expect(items.map((i) => [i.date, i.state])).toEqual([
        ['2031-05-04', 'completed'],
        ['2031-05-05', 'failed'],
        ['2031-05-06', 'completed'],
      ]);
      // What the backfill keeps is the child's direct cause (the land activity's failure), one level deep.
      expect(items[1]!.error).toMatch(/^ActivityFailure/);
    });
  });
});
