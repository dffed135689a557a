/**
 * The chaos run's child processes: stream and batch workers (`viewership worker`) and the `viewership serve`
 * process, each spawned with the run's env, SIGKILLable and restartable; the registry lists what is still alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** One spawned process: its handle, a promise of readiness and the tail of its stderr. */
export interface Proc {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
  /** True once `ready` resolved. */
  isReady: () => boolean;
  output: () => string;
}

/** Every child this run spawned (live or not), for the final "nothing left running" check. */
const spawned: Proc[] = [];

/** When set, every spawned process's whole output is also appended to `<CHAOS_LOG_DIR>/<name>.log` (diagnosis). */
const LOG_DIR = process.env.CHAOS_LOG_DIR;

/** Spawn `viewership <args>` with `env`; ready once a line of its output matches `readyLine`. */
export function spawnViewership(name: string, args: string[], env: Record<string, string>, readyLine: RegExp): Proc {
  const child = spawn(process.execPath, [`${ROOT}/bin/viewership.mjs`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  if (LOG_DIR) mkdirSync(LOG_DIR, { recursive: true });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-20_000);
      if (LOG_DIR) appendFileSync(`${LOG_DIR}/${name}.log`, d);
      if (readyLine.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, sig) =>
      reject(new Error(`${name} exited (${code ?? sig}) before ready: ${out.slice(-800)}`)),
    );
  });
  let isReady = false;
  ready.then(
    () => (isReady = true),
    () => undefined,
  );
  const p: Proc = { name, child, ready, isReady: () => isReady, output: () => out };
  spawned.push(p);
  return p;
}

/** A worker process for the given roles (`stream`, `batch`). */
export const spawnWorker = (name: string, roles: string[], env: Record<string, string>): Proc =>
  spawnViewership(name, ['worker', '--queue', ...roles], env, /polling task queues/);

/** True while the process has neither exited nor been killed. */
export const alive = (p: Proc): boolean => p.child.exitCode === null && p.child.signalCode === null;

/** Send `signal` and wait until the process is gone (SIGKILL after `graceMs` when a softer signal was ignored). */
export async function stopProc(p: Proc, signal: NodeJS.Signals = 'SIGKILL', graceMs = 15_000): Promise<void> {
  if (!alive(p)) return;
  const gone = new Promise<void>((r) => p.child.once('exit', () => r()));
  p.child.kill(signal);
  const timer = setTimeout(() => alive(p) && p.child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Stop every spawned process still alive (SIGTERM, then SIGKILL after the grace period). */
export async function stopAll(graceMs = 15_000): Promise<void> {
  await Promise.all(spawned.filter(alive).map((p) => stopProc(p, 'SIGTERM', graceMs)));
}

/**
 * Descendants of this process (read from /proc) as `pid command` lines, leaving out this process's own esbuild
 * service (tsx's transformer, not something the run started) and the `exclude`d pids with their descendants
 * (the project's services the run restarted): empty when nothing else the run started is left.
 */
export function livingDescendants(exclude: ReadonlySet<number> = new Set()): string[] {
  const procs: { pid: number; ppid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      procs.push({ pid: Number(entry), ppid, cmd });
    } catch {
      /* the process ended while listed */
    }
  }
  const out: string[] = [];
  const walk = (parent: number) => {
    for (const p of procs.filter((x) => x.ppid === parent)) {
      if (parent === process.pid && /esbuild\S* --service/.test(p.cmd)) continue;
      if (exclude.has(p.pid)) continue; // (and what it started)
      out.push(`${p.pid} ${p.cmd.slice(0, 160)}`);
      walk(p.pid);
    }
  };
  walk(process.pid);
  return out;
}

/** The children this run spawned that are still alive (name and pid). */
export const ownLiving = (): string[] => spawned.filter(alive).map((p) => `${p.name} (pid ${p.child.pid})`);
