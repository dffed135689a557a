/**
 * The streaming workflow's Query and Updates, defined once for the workflow (`workflows/stream.ts` sets the
 * handlers) and every caller (CLI, serving layer, scripts, tests): `handle.query(streamStatusQuery)`,
 * `handle.executeUpdate(rewindUpdate, { args: [toMs] })`. A rename then breaks the compile, not production.
 * Workflow-safe: only the definition helpers of `@temporalio/workflow`, which are plain objects and safe to
 * import outside a workflow.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { StreamState } from './stream.js';
import type { RewindResult } from './stream-merge.js';

/** What the `status` Query answers: the workflow's state, its current watermark and whether it still runs. */
export type StreamStatus = StreamState & { watermarkMs: number; running: boolean };

/** Query: the workflow's state and watermark. */
export const streamStatusQuery = defineQuery<StreamStatus>('status');
/** Update: pause after the current micro-batch. */
export const pauseUpdate = defineUpdate<void>('pause');
/** Update: resume. */
export const resumeUpdate = defineUpdate<void>('resume');
/** Update: change the micro-batch interval (100 ms – 1 h). */
export const setIntervalUpdate = defineUpdate<void, [number]>('setInterval');
/** Update: finish after the current micro-batch. */
export const stopUpdate = defineUpdate<void>('stop');
/** Update: rewind to a stream time (epoch ms, Kafka record time); completes once applied, between micro-batches. */
export const rewindUpdate = defineUpdate<RewindResult, [number]>('rewind');
