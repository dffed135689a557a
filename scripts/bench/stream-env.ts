/**
 * Helpers of `npm run bench:stream`: isolated speed-layer environments (own topics, index prefix, task queue),
 * stream worker child processes with RSS sampling, and a cleanup stack that also runs on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { createCheckpointStore } from '../../lib/clients.js';
import { createSearchSink } from '../../adapters/search/index.js';
import { effectiveEnv, loadConfig, ROOT_DIR, type AppConfig } from '../../lib/config.js';
import { speedIndices } from '../../lib/search-templates.js';
import { searchSinkOptions } from '../../lib/adapter-options.js';

/** Log a progress line of the benchmark on stderr. */
export const log = (m: string): void => console.error(`[bench:stream] ${new Date().toISOString().slice(11, 19)} ${m}`);

/** Resolve after `ms` milliseconds (`node:timers/promises`). */
export { sleep };

const cleanups: { name: string; run: () => Promise<unknown> }[] = [];

/** Register a cleanup step; returns a function that runs it now (once) and removes it from the stack. */
export function onCleanup(name: string, run: () => Promise<unknown>): () => Promise<void> {
  const entry = { name, run };
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i < 0) return;
    cleanups.splice(i, 1);
    await run().catch((err) => log(`cleanup ${name} failed: ${(err as Error).message}`));
  };
}

let cleaning: Promise<void> | undefined;
let interruptedFlag = false;

/** Note that the run was interrupted (Ctrl-C): cleanups then terminate workflows instead of stopping them. */
export function markInterrupted(): void {
  interruptedFlag = true;
}

/** Whether the run was interrupted. */
export const isInterrupted = (): boolean => interruptedFlag;

/** Run every registered cleanup step, newest first (each failure is logged, never thrown); one run at a time. */
export function runCleanups(): Promise<void> {
  return (cleaning ??= (async () => {
    while (cleanups.length) {
      const { name, run } = cleanups.pop()!;
      await run().catch((err) => log(`cleanup ${name} failed: ${(err as Error).message}`));
    }
  })());
}

/** One isolated stream environment: env overrides for the worker, its config, and topic/index names. */
export interface BenchStreamEnv {
  id: string;
  env: Record<string, string>;
  cfg: AppConfig;
  topics: { events: string; aggregates: string; dlq: string };
}

/** Names of a fresh isolated environment (nothing is created yet). */
export function isolatedEnv(label: string): BenchStreamEnv {
  const id = `bench-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`.replace(
    /[^a-z0-9-]/g,
    '',
  );
  const env = {
    KAFKA_TOPIC_EVENTS: `${id}-events`,
    KAFKA_TOPIC_AGGREGATES: `${id}-aggregates`,
    KAFKA_TOPIC_DLQ: `${id}-dlq`,
    SEARCH_INDEX_PREFIX: id,
    TASK_QUEUE_STREAM: `${id}-queue`,
    // The stream → lake sink writes into a lake of the run's own (removed with the environment);
    // BENCH_STREAM_LAKE=off measures the stream without it.
    LAKE_DIR: `${ROOT_DIR}/.bench-cache/stream/lakes/${id}`,
    STREAM_LAKE_SINK: process.env.BENCH_STREAM_LAKE === 'off' ? 'off' : 'on',
  };
  const cfg = loadConfig({ ...effectiveEnv(process.env), ...env });
  return { id, env, cfg, topics: cfg.kafka.topics };
}

/**
 * Create the environment's topics (events and aggregates with `partitions`, DLQ with 1) and register their
 * removal with the speed-view indices and the index template the micro-batch activity creates.
 */
export async function createEnv(e: BenchStreamEnv, admin: Admin, partitions: number): Promise<() => Promise<void>> {
  const topics = [e.topics.events, e.topics.aggregates, e.topics.dlq];
  const remove = onCleanup(`environment ${e.id}`, async () => {
    // Retried: a broker restarted by a concurrent test must not leave the topics behind silently.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.deleteTopics({ topics });
        break;
      } catch (err) {
        if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') break;
        if (attempt === 5) throw new Error(`could not delete topics ${topics.join(', ')}: ${(err as Error).message}`);
        await sleep(2000 * attempt);
      }
    }
    const sink = createSearchSink(searchSinkOptions(e.cfg));
    try {
      for (const index of speedIndices(e.id)) await sink.deleteIndex(index);
    } finally {
      await sink.close();
    }
    rmSync(e.env.LAKE_DIR!, { recursive: true, force: true });
    // The stream's state checkpoints (its workflow id is `<env id>-stream`).
    const checkpoints = createCheckpointStore(e.cfg);
    await checkpoints.clear(`${e.id}-stream`).finally(() => checkpoints.close());
    const auth = e.cfg.search.auth
      ? {
          authorization: `Basic ${Buffer.from(`${e.cfg.search.auth.username}:${e.cfg.search.auth.password}`).toString('base64')}`,
        }
      : undefined;
    await fetch(`${e.cfg.search.url}/_index_template/${e.id}-speed`, { method: 'DELETE', headers: auth }).catch(
      () => undefined,
    );
  });
  await admin.createTopics({
    topics: topics.map((topic, i) => ({ topic, numPartitions: i < 2 ? partitions : 1 })),
    waitForLeaders: true,
  });
  return remove;
}

/** A field of /proc/<pid>/status in kB (0 when the process is gone). */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** A stream worker child process (`viewership worker --queue stream`) with the environment's overrides. */
export interface BenchWorker {
  child: ChildProcess;
  pid: number;
  /** RSS right after it became ready (profile cache loaded), MB. */
  readyRssMB: number;
  /** Highest VmRSS sampled every 200 ms, kB. */
  sampledPeakKb(): number;
  /** VmHWM (peak RSS since the process started), kB. */
  hwmKb(): number;
  /**
   * SIGTERM (clean drain); SIGKILL 3 s after the worker reports its clean shutdown (its open Kafka connections
   * keep the process alive), or after 60 s. Resolves when the process has exited.
   */
  stop(): Promise<void>;
}

/** Default V8 old-space cap of the benchmarked stream worker, MB (`BENCH_STREAM_WORKER_HEAP_MB` overrides). */
export const WORKER_HEAP_MB = 512;

/** Spawn a stream worker (extra node args and env, e.g. for the probe) and resolve once it polls (profile cache loaded). */
export async function spawnWorker(
  e: BenchStreamEnv,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<BenchWorker> {
  // The worker runs with the V8 heap cap the README recommends for stream workers (0 = V8's default).
  const heapMb = Number(process.env.BENCH_STREAM_WORKER_HEAP_MB ?? WORKER_HEAP_MB);
  const heapArgs = heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [];
  const child = spawn(
    process.execPath,
    [...heapArgs, ...nodeArgs, 'bin/viewership.mjs', 'worker', '--queue', 'stream'],
    {
      env: { ...process.env, ...e.env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  let cleanShutdown: () => void = () => undefined;
  const shutDown = new Promise<void>((r) => (cleanShutdown = r));
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  const stop = onCleanup(`worker ${child.pid}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const t0 = Date.now();
    child.kill('SIGTERM');
    const hung = await Promise.race([
      exited.then(() => false),
      shutDown.then(() => sleep(3000)).then(() => true),
      sleep(60_000).then(() => true),
    ]);
    if (hung) {
      const clean = err.includes('shut down cleanly');
      log(
        `worker ${child.pid} still running ${((Date.now() - t0) / 1000).toFixed(1)} s after SIGTERM${clean ? ' although it reported "shut down cleanly"' : ''}: SIGKILL${clean ? '' : `; its stderr ends: ${err.slice(-2500)}`}`,
      );
      child.kill('SIGKILL');
      await exited;
    }
  });
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      if (process.env.BENCH_STREAM_WORKER_LOG) appendFileSync(process.env.BENCH_STREAM_WORKER_LOG, d);
      err = (err + d.toString()).slice(-20_000);
      if (err.includes('polling task queues')) resolve();
      if (err.includes('shut down cleanly')) cleanShutdown();
    });
    child.once('exit', (code) =>
      reject(new Error(`stream worker exited (${code}) before polling: ${err.slice(-1000)}`)),
    );
  }).catch(async (e2: unknown) => {
    await stop();
    throw e2;
  });
  const pid = child.pid!;
  let peak = procStatusKb(pid, 'VmRSS');
  const sampler = setInterval(() => (peak = Math.max(peak, procStatusKb(pid, 'VmRSS'))), 200);
  sampler.unref();
  return {
    child,
    pid,
    readyRssMB: Math.round(procStatusKb(pid, 'VmRSS') / 1024),
    sampledPeakKb: () => peak,
    hwmKb: () => procStatusKb(pid, 'VmHWM'),
    stop: async () => {
      clearInterval(sampler);
      await stop();
    },
  };
}
