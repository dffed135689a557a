/** Shared fixtures of the speed-layer tests: events with known answers, the independent count, and waiting on the stream. */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import type { StreamState } from '../common/stream.js';
import { customerId } from '../lib/generate/random.js';
import { streamStatusQuery } from '../common/stream-api.js';

/** An event as produced to the topic (the wire shape). */
export interface Ev {
  event_id: string;
  customer_id: string;
  event_time: string;
  event_type: string;
  content_id?: string;
  device?: string;
  http_status?: number;
  watch_ms?: number;
}

const TYPES = ['play', 'pause', 'view'];

/**
 * Stream settings for fixtures dated years ahead (so they never mix with other data in shared indices): the
 * guard that dead-letters events far ahead of their Kafka timestamp (`future_event_time`, default 5 minutes)
 * would reject them all, so these runs allow 20 years. The guard itself is tested in stream-bad-input.test.ts.
 */
export const FUTURE_FIXTURES = { maxFutureMs: 20 * 365 * 86_400_000 };

/** `n` valid events with ids `${prefix}-e<i>`, 200 ms apart from `t0Ms`, over known (`C…`) and unknown (`U…`) customers. */
export function makeEvents(prefix: string, n: number, t0Ms: number, from = 0): Ev[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      event_id: `${prefix}-e${i}`,
      customer_id: i % 10 === 0 ? `U${i % 37}` : customerId(1 + (i % 40)),
      event_time: new Date(t0Ms + i * 200).toISOString(),
      event_type: TYPES[i % 3]!,
      content_id: `V${i % 7}`,
      device: i % 2 ? 'tv' : 'mobile',
      http_status: i % 25 === 0 ? 503 : 200,
      watch_ms: (i % 5) * 1000,
    };
  });
}

/** The independent count of accepted events (each distinct event once), as `stream totals` should print it. */
export function expectedTotals(events: Ev[], known: Set<string>) {
  const byEventType: Record<string, number> = {};
  const byStatusCategory: Record<string, number> = {};
  for (const e of events) {
    byEventType[e.event_type] = (byEventType[e.event_type] ?? 0) + 1;
    const cat = `${String(e.http_status ?? 200)[0]}xx`;
    byStatusCategory[cat] = (byStatusCategory[cat] ?? 0) + 1;
  }
  return {
    events: events.length,
    uniqueCustomers: new Set(events.map((e) => e.customer_id)).size,
    unknownCustomerEvents: events.filter((e) => !known.has(e.customer_id)).length,
    watchMs: events.reduce((n, e) => n + (e.watch_ms ?? 0), 0),
    byEventType,
    byStatusCategory,
  };
}

/** The 40 customers the fixtures' profiles hold. */
export const KNOWN_CUSTOMERS = new Set(Array.from({ length: 40 }, (_, i) => customerId(i + 1)));

/**
 * Wait until the stream has read `messages` messages in all (sum of its offsets) and its last batch found no lag.
 * Reads the status query; retries while no worker answers (e.g. right after a worker was killed). A plain loop, not
 * `vi.waitFor`: scripts/record-stream-histories.ts uses it outside vitest.
 */
export async function waitCaughtUp(
  handle: WorkflowHandle,
  messages: number,
  timeoutMs = 120_000,
): Promise<StreamState> {
  const deadline = Date.now() + timeoutMs;
  let last: StreamState | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(streamStatusQuery).catch(() => last);
    const read = last ? Object.values(last.offsets).reduce((a, b) => a + b, 0) : 0;
    if (last?.lastBatch?.lag === 0 && read >= messages) return last;
    await sleep(250);
  }
  throw new Error(`stream not caught up with ${messages} messages after ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** Start `viewership worker --queue stream` (or the given queues) as a child process with `env`; `ready` resolves once it polls. */
export function spawnStreamWorker(
  env: Record<string, string>,
  queues: string[] = ['stream'],
): { child: ChildProcess; ready: Promise<void>; stderr: () => string } {
  const child = spawn('node', ['bin/viewership.mjs', 'worker', '--queue', ...queues], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('polling task queues')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before polling: ${err.slice(-500)}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, stderr: () => err };
}

/** SIGKILL a child process and wait until it is gone. */
export const killHard = (c: ChildProcess): Promise<void> =>
  new Promise<void>((r) =>
    c.exitCode !== null || c.signalCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGKILL')),
  );
