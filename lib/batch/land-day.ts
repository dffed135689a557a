/**
 * The land step's logic, free of Temporal: list a date's landing directory (regular files only — a symbolic
 * link or any other entry is refused with a reason, never followed), stage each file by the hash of its
 * staged copy, land byte-identical files once (the others are reported as duplicates) and write the manifest.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync, type Stats } from 'node:fs';
import type { LandedFile } from '../../common/batch.js';
import { BadInputError, fileInputError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { HashCache } from './hash-cache.js';
import { hashLandedFile, stageLandedFile } from './stage-file.js';

/** Files still being written by the producer are skipped (hidden, or with a temporary suffix). */
const IN_PROGRESS = /^\.|\.(tmp|part|crdownload|partial)$/i;

/** A file of a landing directory, as listed. */
export interface LandingEntry {
  name: string;
  size: number;
  mtimeMs: number;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Complete regular files of the landing directory `dir`, sorted by name. Any other entry (a symbolic link,
 * a directory, a pipe) fails with a {@link BadInputError} naming it and saying why: nothing is followed.
 */
export function listLandingFiles(dir: string): LandingEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw fileInputError(err, dir);
  }
  const out: LandingEntry[] = [];
  for (const name of names) {
    if (IN_PROGRESS.test(name)) continue;
    const path = `${dir}/${name}`;
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // moved away since the listing
      throw fileInputError(err, path);
    }
    if (st.isSymbolicLink()) {
      throw new BadInputError(
        `${path} is a symbolic link (to ${readlinkSync(path)}): links in the landing directory are refused, never followed; put the file itself there`,
        { file: path, reason: 'symlink' },
      );
    }
    if (!st.isFile())
      throw new BadInputError(`${path} is ${kindOf(st)}: only regular files are landed`, {
        file: path,
        reason: 'not_a_file',
      });
    out.push({ name, size: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

/** Fingerprint of a set of files: same contents ⇒ same fingerprint, whatever the names, order or duplicates. */
export function fingerprintOf(files: { sha256: string; size: number }[]): string {
  const keys = [...new Set(files.map((f) => `${f.sha256}:${f.size}`))].sort();
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32);
}

/** What landing a day produced. */
export interface LandDayOutcome {
  files: LandedFile[];
  fingerprint: string;
  newlyStaged: number;
  /** Files whose content is byte-identical to an earlier file (by name) of the day: landed once, under the first name. */
  duplicates: { name: string; sameAs: string }[];
  /** Why the hash cache was discarded and rebuilt, when it was. */
  cacheProblem?: string;
}

/** True when `path` is a staged copy of `size` bytes. */
const stagedOk = (path: string, size: number): boolean => {
  try {
    return statSync(path).size === size;
  } catch {
    return false;
  }
};

/**
 * Stage the files of the landing directory `dir` into `stagingDir`: a file whose name, size and mtime are in
 * the hash cache and whose copy is staged is not read again; any other is copied and hashed in one pass.
 * `beat` is called for each file and as bytes are copied.
 */
export async function landDay(
  date: string,
  dir: string,
  stagingDir: string,
  beat: (file: string, bytes?: number) => void,
): Promise<LandDayOutcome> {
  mkdirSync(stagingDir, { recursive: true });
  const entries = listLandingFiles(dir);
  if (entries.length === 0) throw new BadInputError(`landing directory ${dir} holds no files`, { file: dir });
  const cache = HashCache.load(`${stagingDir}/hash-cache.json`);
  const files: LandedFile[] = [];
  const duplicates: LandDayOutcome['duplicates'] = [];
  const firstBySha = new Map<string, string>();
  let newlyStaged = 0;
  for (const e of entries) {
    beat(e.name);
    const gzip = e.name.endsWith('.gz');
    const cached = cache.get(e.name, e.size, e.mtimeMs);
    let f: LandedFile;
    if (cached && stagedOk(`${stagingDir}/${cached}${gzip ? '.gz' : ''}`, e.size)) {
      f = {
        name: e.name,
        size: e.size,
        sha256: cached,
        stagedPath: `${stagingDir}/${cached}${gzip ? '.gz' : ''}`,
        gzip,
      };
      cache.set(e.name, { size: e.size, mtimeMs: e.mtimeMs, sha256: cached });
    } else {
      const c = await stageLandedFile(`${dir}/${e.name}`, stagingDir, gzip, (bytes) => beat(e.name, bytes));
      if (c.created) newlyStaged++;
      f = { name: e.name, size: c.size, sha256: c.sha256, stagedPath: c.stagedPath, gzip };
      cache.set(e.name, { size: c.size, mtimeMs: c.mtimeMs, sha256: c.sha256 });
    }
    const first = firstBySha.get(f.sha256);
    if (first !== undefined) {
      duplicates.push({ name: e.name, sameAs: first });
      continue;
    }
    firstBySha.set(f.sha256, e.name);
    files.push(f);
  }
  cache.save();
  // Staged copies of files that left the landing directory (and leftovers of interrupted copies) are dropped.
  const keep = new Set(files.map((f) => f.stagedPath.slice(stagingDir.length + 1)));
  for (const n of readdirSync(stagingDir))
    if (!n.endsWith('.json') && !keep.has(n)) rmSync(`${stagingDir}/${n}`, { force: true });
  const fingerprint = fingerprintOf(files);
  writeFileAtomic(`${stagingDir}/manifest.json`, JSON.stringify({ date, fingerprint, files, duplicates }, null, 2));
  return { files, fingerprint, newlyStaged, duplicates, cacheProblem: cache.problem };
}

/**
 * Fingerprint of the landing directory `dir` as {@link landDay} would compute it, staging nothing (null when
 * the directory is missing or holds no files). Unchanged files are not read again (hash cache in `stagingDir`).
 */
export async function landingFingerprint(
  dir: string,
  stagingDir: string,
  beat: (file: string) => void,
): Promise<string | null> {
  if (!existsSync(dir)) return null;
  const entries = listLandingFiles(dir);
  if (entries.length === 0) return null;
  mkdirSync(stagingDir, { recursive: true });
  const cache = HashCache.load(`${stagingDir}/hash-cache.json`);
  const files: { sha256: string; size: number }[] = [];
  for (const e of entries) {
    beat(e.name);
    const cached = cache.get(e.name, e.size, e.mtimeMs);
    const d = cached ? { sha256: cached, size: e.size, mtimeMs: e.mtimeMs } : await hashLandedFile(`${dir}/${e.name}`);
    cache.set(e.name, d);
    files.push(d);
  }
  cache.save();
  return fingerprintOf(files);
}
