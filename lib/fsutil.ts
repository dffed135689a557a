/** File helpers for atomic outputs (write aside, then rename). */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** Write a file atomically: content goes to `<path>.tmp-<pid>` first, then is renamed over `path`. */
export function writeFileAtomic(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * Replace directory `target` with the fully written directory `staged`: the old one is renamed aside, the
 * new one renamed in, the old one removed. Readers see either the old or the new content, never a mix.
 */
export function swapDirectory(staged: string, target: string): void {
  const trash = `${target}.old-${process.pid}-${Date.now()}`;
  if (existsSync(target)) renameSync(target, trash);
  renameSync(staged, target);
  rmSync(trash, { recursive: true, force: true });
}

const DISCARDED = '.discard-';

/**
 * Remove directory `path` without waiting for it: it is renamed at once to a unique `.discard-…` sibling (so the
 * path is free for new content, and a later run never shares files with the deletion), then deleted in the
 * background together with any leftovers of a process that died while deleting. The promise is for logging.
 */
export function discardDirectory(path: string): Promise<void> {
  const parent = dirname(path);
  if (!existsSync(parent)) return Promise.resolve();
  const trash = `${parent}/${DISCARDED}${basename(path)}-${process.pid}-${randomUUID()}`;
  try {
    renameSync(path, trash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const doomed = readdirSync(parent).filter((n) => n.startsWith(DISCARDED));
  return Promise.all(doomed.map((n) => rm(`${parent}/${n}`, { recursive: true, force: true, maxRetries: 3 }))).then(
    () => undefined,
  );
}

/** Quote a path or text for a DuckDB string literal (file paths cannot be bind variables in COPY). */
export function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
