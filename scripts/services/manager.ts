/**
 * Service lifecycle: `up` (install → start → ready → setup, idempotent), `down` (stop only what we
 * started, by recorded pid, leaving no process behind) and `status`. State lives in `<home>/run/`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ensureLocalSecrets } from './secrets.js';
import { ServiceUnavailableError, type ServiceContext, type ServiceDef } from './types.js';
import { pidAlive, tailFile, waitUntil } from './util.js';

/** What `status` reports per service. */
export interface ServiceStatus {
  name: string;
  version: string;
  address: string;
  up: boolean;
  /** Pid recorded when this project started the server (undefined when not started by us). */
  pid?: number;
  log: string;
  /** Why an optional service is not running: its install was skipped for lack of network (see `ServiceDef.optional`). */
  skipped?: string;
}

/** Raised by `up` when a service fails to install/start/become ready; message holds the log tail. */
export class ServiceStartError extends Error {}

interface PidRecord {
  pid: number;
  startedAt: string;
}

/** Build the per-service context under `home`. */
export function contextFor(
  svc: ServiceDef,
  root: string,
  home: string,
  env: NodeJS.ProcessEnv,
  log: (m: string) => void,
): ServiceContext {
  const ctx: ServiceContext = {
    root,
    home,
    cacheDir: env.VIEWERSHIP_CACHE_DIR ?? `${home}/cache`,
    dataDir: `${home}/data/${svc.name}`,
    logFile: `${home}/logs/${svc.name}.log`,
    env,
    log,
  };
  for (const d of [ctx.cacheDir, ctx.dataDir, `${home}/logs`, `${home}/run`]) mkdirSync(d, { recursive: true });
  return ctx;
}

const pidFile = (ctx: ServiceContext, svc: ServiceDef) => `${ctx.home}/run/${svc.name}.json`;
/** Marker of an optional service whose install was skipped for lack of network; holds the reason. */
const skippedFile = (ctx: ServiceContext, svc: ServiceDef) => `${ctx.home}/run/${svc.name}.skipped`;

function readPid(ctx: ServiceContext, svc: ServiceDef): PidRecord | undefined {
  const f = pidFile(ctx, svc);
  if (!existsSync(f)) return undefined;
  const rec = JSON.parse(readFileSync(f, 'utf8')) as PidRecord;
  if (pidAlive(rec.pid)) return rec;
  rmSync(f, { force: true }); // stale: the process is gone
  return undefined;
}

/** True while any process of the group led by `pid` is alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Start every given service that is not already answering; run setup on all of them. An optional service whose
 * install cannot download for lack of network is left out (one line, listed in `skipped`).
 */
export async function up(
  services: ServiceDef[],
  mk: (s: ServiceDef) => ServiceContext,
): Promise<{ started: string[]; skipped: string[] }> {
  const ctxs = new Map(services.map((s) => [s, mk(s)] as const));
  const first = ctxs.values().next().value;
  if (first) ensureLocalSecrets(first.home, first.env);
  const toStart: ServiceDef[] = [];
  const skipped: ServiceDef[] = [];
  for (const svc of services) {
    const ctx = ctxs.get(svc)!;
    if (await svc.ready(ctx)) {
      ctx.log(
        `${svc.name}: already running at ${svc.address(ctx)}${readPid(ctx, svc) ? '' : ' (not started by this project)'}`,
      );
      continue;
    }
    const stale = readPid(ctx, svc);
    if (stale) ctx.log(`${svc.name}: pid ${stale.pid} recorded but not answering yet; waiting for it`);
    else {
      try {
        await svc.install(ctx);
        rmSync(skippedFile(ctx, svc), { force: true });
      } catch (err) {
        if (svc.optional && err instanceof ServiceUnavailableError) {
          ctx.log(
            `${svc.name}: SKIPPED, not installed: ${err.message} (the other services go on; run 'npm run services -- up ${svc.name}' when online)`,
          );
          writeFileSync(skippedFile(ctx, svc), `${err.message}\n`);
          skipped.push(svc);
          continue;
        }
        throw new ServiceStartError(`${svc.name}: install failed: ${(err as Error).message}`);
      }
    }
    toStart.push(svc);
  }
  // Start in parallel: the JVMs dominate, and their start-up overlaps well even on 2 cores.
  await Promise.all(
    toStart.map(async (svc) => {
      const ctx = ctxs.get(svc)!;
      const t0 = Date.now();
      if (!readPid(ctx, svc)) {
        let pid: number;
        try {
          pid = await svc.start(ctx);
        } catch (err) {
          throw new ServiceStartError(
            `${svc.name}: start failed: ${(err as Error).message}\n--- last 30 lines of ${ctx.logFile} ---\n${tailFile(ctx.logFile)}`,
          );
        }
        writeFileSync(
          pidFile(ctx, svc),
          JSON.stringify({ pid, startedAt: new Date().toISOString() } satisfies PidRecord),
        );
        ctx.log(`${svc.name}: started (pid ${pid}), waiting until it answers`);
      }
      const ok = await waitUntil(
        async () => {
          const rec = readPid(ctx, svc);
          if (!rec) throw new ServiceStartError(`${svc.name}: process exited during start-up`);
          return svc.ready(ctx);
        },
        svc.startTimeoutMs ?? 120_000,
        500,
      ).catch((err) => {
        if (err instanceof ServiceStartError) return false;
        throw err;
      });
      if (!ok) {
        throw new ServiceStartError(
          `${svc.name}: not ready after ${Math.round((Date.now() - t0) / 1000)} s (${readPid(ctx, svc) ? 'still running' : 'process exited'})\n` +
            `--- last 30 lines of ${ctx.logFile} ---\n${tailFile(ctx.logFile)}`,
        );
      }
      ctx.log(`${svc.name}: ready at ${svc.address(ctx)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }),
  );
  for (const svc of services) {
    if (skipped.includes(svc)) continue;
    const ctx = ctxs.get(svc)!;
    try {
      await svc.setup?.(ctx);
    } catch (err) {
      throw new ServiceStartError(
        `${svc.name}: setup failed: ${(err as Error).message}\n--- last 30 lines of ${ctx.logFile} ---\n${tailFile(ctx.logFile)}`,
      );
    }
  }
  return { started: toStart.map((s) => s.name), skipped: skipped.map((s) => s.name) };
}

/** Stop the services this project started (recorded pids), waiting until their process groups are gone. */
export async function down(
  services: ServiceDef[],
  mk: (s: ServiceDef) => ServiceContext,
  graceMs = 30_000,
): Promise<string[]> {
  const stopped: string[] = [];
  await Promise.all(
    [...services].reverse().map(async (svc) => {
      const ctx = mk(svc);
      const rec = readPid(ctx, svc);
      if (!rec) {
        ctx.log(`${svc.name}: not started by this project (nothing to stop)`);
        return;
      }
      ctx.log(`${svc.name}: stopping pid ${rec.pid}`);
      try {
        if (svc.stop) await svc.stop(ctx, rec.pid);
        else process.kill(-rec.pid, 'SIGTERM');
      } catch {
        /* already exiting */
      }
      if (!(await waitUntil(async () => !groupAlive(rec.pid), graceMs, 250))) {
        ctx.log(`${svc.name}: still running after ${graceMs / 1000} s, sending SIGKILL`);
        try {
          process.kill(-rec.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await waitUntil(async () => !groupAlive(rec.pid), 10_000, 100);
      }
      rmSync(pidFile(ctx, svc), { force: true });
      stopped.push(svc.name);
    }),
  );
  return stopped;
}

/** One status record per service (a real readiness request each). */
export async function status(services: ServiceDef[], mk: (s: ServiceDef) => ServiceContext): Promise<ServiceStatus[]> {
  return Promise.all(
    services.map(async (svc) => {
      const ctx = mk(svc);
      const row: ServiceStatus = {
        name: svc.name,
        version: svc.version,
        address: svc.address(ctx),
        up: await svc.ready(ctx),
        pid: readPid(ctx, svc)?.pid,
        log: ctx.logFile,
      };
      if (!row.up && svc.optional && existsSync(skippedFile(ctx, svc)))
        row.skipped = readFileSync(skippedFile(ctx, svc), 'utf8').trim();
      return row;
    }),
  );
}
