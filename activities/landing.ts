/**
 * Activities on landed web-log files (the landing directory and the staging area): fingerprint and stage
 * a day's files, then validate each staged file into hourly clean rows plus a quarantine of rejects.
 */
import { constants, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { LandedFile, LandResult, ValidateResult } from '../common/batch.js';
import { isIsoDate } from '../common/weblog.js';
import { BadInputError, toTemporalFailure } from '../lib/errors.js';
import { hashFile, writeFileAtomic } from '../lib/fsutil.js';
import { batchPaths } from '../lib/batch/paths.js';
import { validateFileToHourlyCsv } from '../lib/batch/validate-file.js';

/** Dependencies of the landing activities. */
export interface LandingActivityDeps {
  landingDir: string;
  workDir: string;
  quarantineDir: string;
}

/** Files still being written by the producer are skipped (hidden, or with a temporary suffix). */
const IN_PROGRESS = /^\.|\.(tmp|part|crdownload|partial)$/i;

/**
 * Put a landed file into staging as an independent copy (a copy-on-write clone where the filesystem supports
 * it, else a full copy), so later changes to the landing file never alter what was staged.
 */
function stageCopy(src: string, dst: string): void {
  copyFileSync(src, dst, constants.COPYFILE_FICLONE);
}

/** Fingerprint of a set of files: same contents ⇒ same fingerprint, whatever the names or order. */
function fingerprintOf(files: { sha256: string; size: number }[]): string {
  return createHash('sha256').update(files.map((f) => `${f.sha256}:${f.size}`).sort().join('\n')).digest('hex').slice(0, 32);
}

/**
 * sha256 and size of every complete file in `dir` (sorted by name). Hashes are cached by (name, size, mtime)
 * in `cacheFile`, so checking an unchanged directory costs only a stat per file.
 */
async function hashLandingDir(dir: string, cacheFile: string, beat: (name: string) => void): Promise<{ name: string; sha256: string; size: number }[]> {
  const names = readdirSync(dir).filter((n) => !IN_PROGRESS.test(n) && statSync(`${dir}/${n}`).isFile()).sort();
  if (names.length === 0) throw new BadInputError(`landing directory ${dir} holds no files`, { file: dir });
  const cache = (existsSync(cacheFile) ? JSON.parse(readFileSync(cacheFile, 'utf8')) : {}) as Record<string, { size: number; mtimeMs: number; sha256: string }>;
  const out = [];
  for (const name of names) {
    beat(name);
    const st = statSync(`${dir}/${name}`);
    const hit = cache[name];
    const sha256 = hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs ? hit.sha256 : (await hashFile(`${dir}/${name}`)).sha256;
    cache[name] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
    out.push({ name, sha256, size: st.size });
  }
  writeFileAtomic(cacheFile, JSON.stringify(cache));
  return out;
}

/** Create the landing activities. */
export function createLandingActivities(deps: LandingActivityDeps) {
  return {
    /**
     * Find the day's files, fingerprint each (size + sha256), stage new ones atomically by content hash and
     * write the manifest. Resets the day's intermediate and quarantine areas so a re-run starts clean.
     */
    async landDayFiles(input: { date: string; landingDir?: string }): Promise<LandResult> {
      try {
        if (!isIsoDate(input.date)) throw new BadInputError(`invalid date "${input.date}" (expected YYYY-MM-DD)`, {});
        const dir = `${input.landingDir ?? deps.landingDir}/${input.date}`;
        if (!existsSync(dir)) throw new BadInputError(`landing directory ${dir} does not exist`, { file: dir });
        const p = batchPaths(deps, input.date);
        mkdirSync(p.staging, { recursive: true });
        const files: LandedFile[] = [];
        let newlyStaged = 0;
        const hashed = await hashLandingDir(dir, `${p.staging}/hash-cache.json`, (name) => Context.current().heartbeat({ file: name }));
        for (const { name, sha256, size } of hashed) {
          const gzip = name.endsWith('.gz');
          const stagedPath = `${p.staging}/${sha256}${gzip ? '.gz' : ''}`;
          if (!existsSync(stagedPath)) {
            const tmp = `${stagedPath}.tmp-${process.pid}`;
            rmSync(tmp, { force: true });
            stageCopy(`${dir}/${name}`, tmp);
            renameSync(tmp, stagedPath);
            newlyStaged++;
          }
          files.push({ name, size, sha256, stagedPath, gzip });
        }
        // Staged copies of files that left the landing directory are dropped.
        const keep = new Set(files.map((f) => f.stagedPath.slice(p.staging.length + 1)));
        for (const n of readdirSync(p.staging)) if (!n.endsWith('.json') && !keep.has(n)) rmSync(`${p.staging}/${n}`, { force: true });
        const fingerprint = fingerprintOf(files);
        writeFileAtomic(`${p.staging}/manifest.json`, JSON.stringify({ date: input.date, fingerprint, files }, null, 2));
        rmSync(p.run, { recursive: true, force: true });
        rmSync(p.quarantine, { recursive: true, force: true });
        return { date: input.date, files, fingerprint, newlyStaged };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Fingerprint of a date's landing directory as `landDayFiles` would compute it, without staging anything
     * (null when the directory is missing or empty). Unchanged files are not re-hashed (size + mtime cache).
     */
    async landingFingerprint(input: { date: string; landingDir?: string }): Promise<string | null> {
      const dir = `${input.landingDir ?? deps.landingDir}/${input.date}`;
      if (!existsSync(dir)) return null;
      const p = batchPaths(deps, input.date);
      mkdirSync(p.staging, { recursive: true });
      const files = await hashLandingDir(dir, `${p.staging}/hash-cache.json`, (name) => Context.current().heartbeat({ file: name }));
      return files.length ? fingerprintOf(files) : null;
    },

    /** Validate one staged file: valid rows to hourly clean CSVs, rejects to the quarantine with file, line, reason. */
    async validateLandedFile(input: { date: string; file: LandedFile; format?: 'csv' | 'combined' }): Promise<ValidateResult> {
      try {
        const p = batchPaths(deps, input.date);
        const ctx = Context.current();
        return await validateFileToHourlyCsv({
          date: input.date,
          file: input.file,
          format: input.format,
          cleanDir: p.clean,
          quarantineDir: p.quarantine,
          onProgress: (bytes) => ctx.heartbeat({ bytes }),
        });
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  };
}
