/** Small process and file helpers shared by the service modules (no project imports). */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Java 17 binary used for the JVM services ($JAVA_HOME wins, then Debian's OpenJDK 17, then `java`). */
export function javaBin(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JAVA_HOME) return `${env.JAVA_HOME}/bin/java`;
  const debian = '/usr/lib/jvm/java-17-openjdk-amd64/bin/java';
  return existsSync(debian) ? debian : 'java';
}

/**
 * Start a long-running server detached in its own process group, stdout+stderr appended to `logFile`.
 * Returns the pid (also the process-group id), so `down` can kill the whole group.
 */
export function spawnDetached(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string },
): number {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  const options: SpawnOptions = {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  };
  const child = spawn(cmd, args, options);
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  child.unref();
  return child.pid;
}

/** Result of a finished command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a command to completion, capturing output. Throws with the command line and the tail of
 * stderr/stdout when it exits non-zero (unless `allowFail`).
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; allowFail?: boolean; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`${cmd}: ${err.message}`));
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const res = { code: code ?? -1, stdout, stderr };
      if (res.code !== 0 && !opts.allowFail) {
        const tail = (stderr || stdout).trim().split('\n').slice(-15).join('\n');
        reject(new Error(`command failed (exit ${res.code}): ${cmd} ${args.join(' ')}\n${tail}`));
      } else resolve(res);
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** Poll `check` every `intervalMs` until it returns true or `timeoutMs` elapses; returns the final verdict. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** True when a process with this pid exists (signal 0 probe). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Last `n` lines of a text file ('' when it does not exist). */
export function tailFile(path: string, n = 30): string {
  if (!existsSync(path)) return '';
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-n).join('\n');
}

/** Integer port from `env[name]` or the default; rejects junk with a message naming the variable. */
export function portFrom(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${raw} is not a valid TCP port`);
  return n;
}

/** GET a URL with a timeout; resolves to status and body text, or rejects. */
export async function httpGet(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/**
 * Resolve Maven artifacts of `pomFile` into `libDir` (copy-dependencies), using a project-local
 * Maven repository under the cache so nothing outside `.services/` is touched. Skips when `libDir`
 * holds the marker written by a previous complete run.
 */
export async function mavenCopyDeps(opts: {
  pomFile: string;
  libDir: string;
  cacheDir: string;
  log: (m: string) => void;
  label: string;
}): Promise<void> {
  const marker = `${opts.libDir}/.complete`;
  const stamp = readFileSync(opts.pomFile, 'utf8');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp) return;
  opts.log(`${opts.label}: resolving jars from Maven Central (first run only)`);
  mkdirSync(opts.libDir, { recursive: true });
  await run('mvn', [
    '-q',
    '-B',
    `-Dmaven.repo.local=${opts.cacheDir}/m2`,
    '-f',
    opts.pomFile,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${opts.libDir}`,
    '-DincludeScope=runtime',
  ]);
  writeFileSync(marker, stamp);
}
