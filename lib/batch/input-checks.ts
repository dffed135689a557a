/**
 * Checks every batch activity makes on its own input before it touches a file: the date is a real calendar
 * date, paths lie under the configured roots (symbolic links resolved), a staged file is where landing put
 * it. A failure is a {@link BadInputError} (non-retryable) whose message names the activity and argument.
 */
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { LandedFile } from '../../common/batch.js';
import { dateProblem } from '../../common/batch-input.js';
import { BadInputError } from '../errors.js';

/** The date argument, checked to be a real calendar date YYYY-MM-DD. */
export function requireDate(activity: string, date: unknown, field = 'date'): string {
  const problem = dateProblem(date, field);
  if (problem) throw new BadInputError(`${activity}: ${problem}`, { argument: field });
  return date as string;
}

/** Absolute path with symbolic links resolved as far as the path exists. */
function realPath(p: string): string {
  const abs = resolve(p);
  return existsSync(abs) ? realpathSync(abs) : abs;
}

/** True when `path` is `root` or lies below it (both with symbolic links resolved). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(realPath(root), realPath(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** `path` (resolved), checked to lie under `root`; `what` names the argument and the root, e.g. `landingDir` / `LANDING_DIR`. */
export function requireInside(
  activity: string,
  root: string,
  path: unknown,
  what: { argument: string; root: string },
): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new BadInputError(`${activity}: ${what.argument} must be a path (got ${JSON.stringify(path) ?? 'nothing'})`, {
      argument: what.argument,
    });
  }
  if (!isInside(root, path)) {
    throw new BadInputError(`${activity}: ${what.argument} ${path} is outside the configured ${what.root} (${root})`, {
      argument: what.argument,
      file: path,
    });
  }
  return resolve(path);
}

/** The format argument: absent, `csv` or `combined`. */
export function requireFormat(activity: string, format: unknown): 'csv' | 'combined' | undefined {
  if (format === undefined || format === 'csv' || format === 'combined') return format;
  throw new BadInputError(`${activity}: format must be "csv" or "combined" (got ${JSON.stringify(format)})`, {
    argument: 'format',
  });
}

/** A plain file name: no directory part, not `.` or `..`, no NUL. */
export const isPlainName = (n: unknown): n is string =>
  typeof n === 'string' && n.length > 0 && n.length <= 255 && n !== '.' && n !== '..' && !/[/\\\0]/.test(n);

/** A landed file as `landDayFiles` returns it: a plain name and the staged copy at its content address in `stagingDir`. */
export function requireLandedFile(activity: string, file: unknown, stagingDir: string): LandedFile {
  const f = file as Partial<LandedFile> | undefined;
  const bad = (why: string) =>
    new BadInputError(`${activity}: file ${why}`, {
      argument: 'file',
      file: typeof f?.name === 'string' ? f.name : undefined,
    });
  if (typeof f !== 'object' || f === null)
    throw bad(
      `must be a landed file {name, size, sha256, stagedPath, gzip} (got ${JSON.stringify(file) ?? 'nothing'})`,
    );
  if (!isPlainName(f.name)) throw bad(`name ${JSON.stringify(f.name)} is not a plain file name`);
  if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256))
    throw bad(`${f.name}: sha256 must be 64 lowercase hex digits`);
  if (typeof f.gzip !== 'boolean') throw bad(`${f.name}: gzip must be true or false`);
  if (!Number.isSafeInteger(f.size) || (f.size as number) < 0) throw bad(`${f.name}: size must be an integer >= 0`);
  const expected = `${stagingDir}/${f.sha256}${f.gzip ? '.gz' : ''}`;
  if (f.stagedPath !== expected)
    throw bad(`${f.name}: stagedPath ${JSON.stringify(f.stagedPath)} is not the staged copy ${expected}`);
  return f as LandedFile;
}
