/**
 * `streamViewership` on a private local Temporal server with mocked activities (no Kafka, no search engine): the
 * commands (pause, resume, setInterval, stop), rewinds applied one after the other in the order asked, and
 * continue-as-new carrying the state. Small intervals keep each test to a few seconds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MicroBatchInput, MicroBatchSummary } from '../activities/stream.js';
import {
  pauseUpdate,
  resumeUpdate,
  rewindUpdate,
  setIntervalUpdate,
  stopUpdate,
  streamStatusQuery,
} from '../common/stream-api.js';
import { stateTaskQueue } from '../common/stream.js';
import type { RewindResult } from '../common/stream-merge.js';
import { localWorkflowEnv, workflowBundle } from '../test/workflow-test-env.js';
import { streamViewership } from './stream.js';

const WORKER = 'w1';
/** Messages each mocked micro-batch reads from partition 0. */
const READ = 10;

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let seq = 0;

beforeAll(async () => {
  [env, bundle] = await Promise.all([localWorkflowEnv(), workflowBundle()]);
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

/** Mocked stream activities: every micro-batch reads READ messages of partition 0 and is caught up (lag 0). */
function mockStream(
  opts: { rewindDelayMs?: (toMs: number) => number; batchMs?: number; registerMs?: number; eventTimes?: boolean } = {},
) {
  const batches: MicroBatchInput[] = [];
  const rewinds: number[] = [];
  const registrations: number[] = [];
  const activities = {
    async listStreamWorkers(): Promise<string[]> {
      return [WORKER];
    },
    async runMicroBatch(input: MicroBatchInput): Promise<MicroBatchSummary> {
      batches.push(input);
      if (opts.batchMs) await sleep(opts.batchMs);
      const from = input.start[0] ?? 0;
      return {
        next: { 0: from + READ },
        maxEventTimeMs: opts.eventTimes ? { 0: Date.now() } : {},
        read: READ,
        accepted: READ,
        deadLettered: 0,
        late: 0,
        duplicates: 0,
        lag: 0,
        behind: [],
        tookMs: 1,
        worker: WORKER,
        restored: [],
        checkpoint: { bytes: 0, ms: 0 },
      };
    },
    async registerLakeHours(input: { throughMs: number }): Promise<string[]> {
      registrations.push(input.throughMs);
      await sleep(opts.registerMs ?? 0);
      return [];
    },
    /** Rewinding to `toMs` restarts partition 0 at offset toMs / 1000. */
    async rewindSpeedLayer(input: { toMs: number }): Promise<RewindResult['partitions']> {
      rewinds.push(input.toMs);
      await sleep(opts.rewindDelayMs?.(input.toMs) ?? 0);
      return { 0: { offset: input.toMs / 1000, deleted: 1, maxEventMs: null } };
    },
  };
  return { batches, rewinds, registrations, activities };
}

/** Run `fn` with the workflow worker (shared queue) and the worker-specific queue its micro-batches go to. */
async function withWorkers<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `stream-test-${process.pid}-${++seq}`;
  const shared = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  const own = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: stateTaskQueue(taskQueue, WORKER),
    activities,
  });
  return shared.runUntil(own.runUntil(fn(taskQueue)));
}

const start = (taskQueue: string, extra: { continueAsNewAfterBatches?: number } = {}) =>
  env.client.workflow.start(streamViewership, {
    taskQueue,
    workflowId: `stream-${taskQueue}`,
    args: [{ settings: { intervalMs: 100, partitionGroups: 1 }, ...extra }],
  });

describe('streamViewership (local test server, mocked activities)', () => {
  it(
    'pauses after the current micro-batch, resumes, changes its interval, and stops with its state',
    { timeout: 60_000 },
    async () => {
      const { batches, activities } = mockStream();
      await withWorkers(activities, async (tq) => {
        const handle = await start(tq);
        await expect.poll(() => batches.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

        await handle.executeUpdate(pauseUpdate);
        expect((await handle.query(streamStatusQuery)).paused).toBe(true);
        await sleep(300); // a micro-batch already running when the pause came in finishes
        const whilePaused = batches.length;
        await sleep(600); // ~6 intervals: nothing runs while paused
        expect(batches.length).toBe(whilePaused);

        await handle.executeUpdate(resumeUpdate);
        await expect.poll(() => batches.length, { timeout: 10_000 }).toBeGreaterThan(whilePaused);
        expect((await handle.query(streamStatusQuery)).paused).toBe(false);

        const rejected = await handle.executeUpdate(setIntervalUpdate, { args: [5] }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
        await handle.executeUpdate(setIntervalUpdate, { args: [250] });
        expect((await handle.query(streamStatusQuery)).settings.intervalMs).toBe(250);

        await handle.executeUpdate(stopUpdate);
        const final = await handle.result();
        expect(final.totals.batches).toBe(batches.length);
        expect(final.offsets[0]).toBe(batches.length * READ);
        expect(final.totals.events).toBe(batches.length * READ);
        expect(final.settings.intervalMs).toBe(250);
        expect(final.owners).toEqual({ 0: WORKER });
      });
    },
  );

  it(
    'applies two rewinds in the order they were asked, each answered with its own result',
    { timeout: 60_000 },
    async () => {
      const first = 5_000;
      const second = 2_000;
      // The first rewind is slow, so the second is waiting behind it while it runs.
      const { batches, rewinds, activities } = mockStream({ rewindDelayMs: (toMs) => (toMs === first ? 500 : 0) });
      await withWorkers(activities, async (tq) => {
        const handle = await start(tq);
        await expect.poll(() => batches.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
        await handle.executeUpdate(pauseUpdate);

        const future = await handle.executeUpdate(rewindUpdate, { args: [Date.now() + 3_600_000] }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(future).toBeInstanceOf(WorkflowUpdateFailedError);

        const u1 = await handle.startUpdate(rewindUpdate, {
          args: [first],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        const u2 = await handle.startUpdate(rewindUpdate, {
          args: [second],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        const [r1, r2] = await Promise.all([u1.result(), u2.result()]);
        expect(rewinds).toEqual([first, second]);
        expect(r1).toEqual({ toMs: first, partitions: { 0: { offset: 5, deleted: 1, maxEventMs: null } } });
        expect(r2).toEqual({ toMs: second, partitions: { 0: { offset: 2, deleted: 1, maxEventMs: null } } });

        const s = await handle.query(streamStatusQuery);
        expect(s.rewinds?.map((r) => [r.toMs, r.offsets])).toEqual([
          [first, { 0: 5 }],
          [second, { 0: 2 }],
        ]);
        expect(s.offsets[0]).toBe(2); // the later rewind wins

        // Resumed, the next micro-batch reads from where the last rewind put the partition.
        const before = batches.length;
        await handle.executeUpdate(resumeUpdate);
        await expect.poll(() => batches.length, { timeout: 10_000 }).toBeGreaterThan(before);
        expect(batches[before]!.start[0]).toBe(2);
        await handle.executeUpdate(stopUpdate);
        await handle.result();
      });
    },
  );

  it(
    'continues as new every N batches and carries its state (offsets, totals, settings) into the next run',
    { timeout: 60_000 },
    async () => {
      const { batches, activities } = mockStream();
      await withWorkers(activities, async (tq) => {
        const handle = await start(tq, { continueAsNewAfterBatches: 2 });
        await handle.executeUpdate(setIntervalUpdate, { args: [120] });
        await expect.poll(() => batches.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(7); // at least three runs
        const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
        expect(first.status.name).toBe('CONTINUED_AS_NEW');
        expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);

        await handle.executeUpdate(stopUpdate);
        const final = await env.client.workflow.getHandle<typeof streamViewership>(handle.workflowId).result();
        // Every run started where the previous one stopped: the offsets run on without a gap or a re-read.
        expect(batches.map((b) => b.start[0] ?? 0)).toEqual(batches.map((_, i) => i * READ));
        expect(final.totals.batches).toBe(batches.length);
        expect(final.offsets[0]).toBe(batches.length * READ);
        expect(final.settings.intervalMs).toBe(120);
      });
    },
  );

  it(
    'waits on a timer after every caught-up micro-batch, even one slower than the interval (commands never hang on time)',
    { timeout: 60_000 },
    async () => {
      const { batches, activities } = mockStream({ batchMs: 250 }); // interval 100 ms: every tick overruns it
      await withWorkers(activities, async (tq) => {
        const handle = await start(tq);
        await expect.poll(() => batches.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
        await handle.executeUpdate(stopUpdate);
        await handle.result();
        const events = (await handle.fetchHistory()).events ?? [];
        const scheduled = events.filter(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runMicroBatch',
        );
        const timers = events.filter((e) => e.timerStartedEventAttributes);
        // One timer per finished tick (the last one may be cut short by the stop); before the patch, none.
        expect(timers.length).toBeGreaterThanOrEqual(scheduled.length - 1);
        const patches = events.flatMap((e) =>
          (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map((p) =>
            Buffer.from(p.data ?? new Uint8Array()).toString(),
          ),
        );
        expect(patches.join()).toContain('"id":"stream-tick-always-waits"');
      });
    },
  );

  it(
    'answers a status query during the lake registration with offsets and totals of the same micro-batches',
    { timeout: 60_000 },
    async () => {
      // Events carry the current time, so the second tick's watermark closes an hour and registers the lake.
      const { batches, registrations, activities } = mockStream({ eventTimes: true, registerMs: 1_500 });
      await withWorkers(activities, async (tq) => {
        const handle = await start(tq);
        await expect.poll(() => registrations.length, { timeout: 10_000 }).toBe(1);
        await sleep(200); // well inside the 1.5 s registration
        const s = await handle.query(streamStatusQuery);
        expect(batches.length).toBe(2); // the registration runs between the 2nd and the 3rd micro-batch
        expect(s.offsets[0]).toBe(2 * READ);
        expect(s.totals).toMatchObject({ batches: 2, events: 2 * READ });
        expect(s.lastBatch?.read).toBe(READ);
        await handle.executeUpdate(stopUpdate);
        await handle.result();
      });
    },
  );
});
