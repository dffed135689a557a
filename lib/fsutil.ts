/** File helpers for atomic outputs (write aside, then rename). */
import { existsSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

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

/** Quote a path or text for a DuckDB string literal (file paths cannot be bind variables in COPY). */
export function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
