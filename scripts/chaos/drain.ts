/** Waiting for the stream to drain at the end of a chaos run: every produced message read and no lag left. */
import type { WorkflowHandle } from '@temporalio/client';
import { streamStatusQuery, type StreamStatus } from '../../common/stream-api.js';

/** What the drain saw: the last status, whether it drained, the messages read and how long it took. */
export interface Drain {
  status?: StreamStatus;
  drained: boolean;
  read: number;
  drainMs: number;
}

/**
 * Poll the stream's status until it has read at least `messages` messages (sum of its offsets) with no lag in
 * its last micro-batch, or `timeoutMs` passes. A failing query (no worker answering yet) is retried.
 */
export async function waitDrained(handle: WorkflowHandle, messages: number, timeoutMs: number): Promise<Drain> {
  const t0 = Date.now();
  let status: StreamStatus | undefined;
  const read = () => (status ? Object.values(status.offsets).reduce((a, b) => a + b, 0) : 0);
  const done = () => status?.lastBatch?.lag === 0 && read() >= messages;
  while (Date.now() - t0 < timeoutMs && !done()) {
    await new Promise((r) => setTimeout(r, 500));
    status = await handle.query(streamStatusQuery).catch(() => status);
  }
  return { status, drained: done(), read: read(), drainMs: Date.now() - t0 };
}
