/**
 * Runs the workers of the selected task queues (batch, stream; all by default) in this process until
 * SIGINT/SIGTERM, then drains in-flight activities, shuts down and closes every client.
 */
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogLevel,
} from '@temporalio/worker';
import { createClients } from '../lib/clients.js';
import type { AppConfig } from '../lib/config.js';
import { ConfigError, ServiceUnavailableError } from '../lib/errors.js';
import { missingInNamespace, missingMessage } from '../lib/setup.js';
import { loadStatusReference } from '../lib/status-reference.js';
import { temporalConnectionOptions } from '../lib/security.js';
import { hostname } from 'node:os';
import { createProfileCacheActivities } from '../activities/profile-cache.js';
import { cacheTaskQueue } from '../common/profile-cache.js';
import { stateTaskQueue } from '../common/stream.js';
import { ProfileCache } from '../lib/profile-cache.js';
import { buildActivities } from './activities.js';

/** Task queue roles a worker process can serve. */
export const QUEUE_ROLES = ['batch', 'stream'] as const;
/** One of the worker roles. */
export type QueueRole = (typeof QUEUE_ROLES)[number];

const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Options of a worker process. */
export interface RunWorkersOptions {
  roles: readonly QueueRole[];
  /** Called once every worker is polling (e.g. to print a ready line). */
  onReady?: (queues: string[]) => void;
  /** Resolves to stop the workers (besides the default SIGINT/SIGTERM handling). */
  stopSignal?: Promise<void>;
  /** Profile cache of the stream role (created when omitted; tests pass one to inspect it). */
  profileCache?: ProfileCache;
}

/** This process's worker identity: host and pid, safe inside a task queue name. */
export function workerIdentity(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

let runtimeInstalled = false;

/** Install the SDK runtime once per process with a quieter log level (WARN unless $TEMPORAL_LOG_LEVEL). */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.TEMPORAL_LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
}

/** Run workers for the given roles until shut down; resolves after a clean shutdown. */
export async function runWorkers(cfg: AppConfig, opts: RunWorkersOptions): Promise<void> {
  installRuntime();
  // Reference data is checked at start: a broken file stops the worker with a message naming it.
  loadStatusReference(cfg.paths.statusReference);
  let connection: NativeConnection;
  const connectionOptions = temporalConnectionOptions(cfg.temporal);
  try {
    connection = await NativeConnection.connect(connectionOptions);
  } catch (err) {
    throw new ServiceUnavailableError(
      `Temporal is not reachable at ${cfg.temporal.address} (try: npm run services -- up)`,
      { service: 'temporal' },
      { cause: err },
    );
  }
  // The workflows set the project's search attributes: without them in this namespace their tasks would fail forever.
  const missing = await missingInNamespace(connection, cfg.temporal.namespace).catch(async (err) => {
    await connection.close();
    throw err;
  });
  if (missing.length) {
    await connection.close();
    throw new ConfigError(missingMessage(cfg.temporal.namespace, missing), { variable: 'TEMPORAL_NAMESPACE' });
  }
  const clients = createClients(cfg);
  try {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
    const cache = opts.profileCache ?? new ProfileCache();
    const identity = workerIdentity();
    const activities = buildActivities(cfg, clients, cache, identity);
    const workers = await Promise.all(
      opts.roles.map((role) =>
        Worker.create({
          connection,
          namespace: cfg.temporal.namespace,
          taskQueue: cfg.temporal.taskQueues[role],
          identity,
          workflowBundle,
          activities,
          // A dead worker's workflow tasks move to the shared queue after 3 s (default 10 s): faster failover.
          stickyQueueScheduleToStartTimeout: '3 seconds',
        }),
      ),
    );
    if (opts.roles.includes('stream')) {
      // Stream workers keep the profiles in memory, loaded now and refreshed through their own task queue.
      await cache
        .refresh(clients.profiles, cfg.stream.profileFullReloadMs)
        .catch((err) =>
          console.warn(
            `[worker] initial profile cache load failed (the refresh schedule retries): ${(err as Error).message}`,
          ),
        );
      workers.push(
        await Worker.create({
          connection,
          namespace: cfg.temporal.namespace,
          taskQueue: cacheTaskQueue(cfg.temporal.taskQueues.stream, identity),
          identity,
          activities: createProfileCacheActivities({ cache, profiles: clients.profiles, identity }),
        }),
        // The micro-batches of the partition groups whose keyed state this process holds (sticky routing).
        await Worker.create({
          connection,
          namespace: cfg.temporal.namespace,
          taskQueue: stateTaskQueue(cfg.temporal.taskQueues.stream, identity),
          identity,
          activities,
        }),
      );
    }
    opts.onReady?.(opts.roles.map((r) => cfg.temporal.taskQueues[r]));
    opts.stopSignal?.then(() => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()));
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await clients.close();
    await connection.close();
  }
}

/** Bundler logger that keeps webpack's chatter out of operator output (warnings and errors still show). */
const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
  log: () => undefined,
};

/**
 * Start workers in this process and resolve once they poll; `stop()` shuts them down and resolves after the
 * clean shutdown. `done` settles when the workers stop for any reason (used by the demo to wait for Ctrl-C).
 */
export async function startWorkers(
  cfg: AppConfig,
  roles: readonly QueueRole[],
): Promise<{ stop: () => Promise<void>; done: Promise<void>; profileCache: ProfileCache }> {
  let signal!: () => void;
  const stopSignal = new Promise<void>((r) => (signal = r));
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const profileCache = new ProfileCache();
  const done = runWorkers(cfg, { roles, stopSignal, profileCache, onReady: () => ready() });
  await Promise.race([isReady, done]);
  return {
    done,
    profileCache,
    stop: async () => {
      signal();
      await done;
    },
  };
}
