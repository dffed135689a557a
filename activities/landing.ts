/**
 * Activities on landed web-log files (the landing directory and the staging area): fingerprint and stage
 * a day's files, then validate each staged file into hourly clean rows plus a quarantine of rejects.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
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
        const names = readdirSync(dir).filter((n) => !IN_PROGRESS.test(n) && statSync(`${dir}/${n}`).isFile()).sort();
        if (names.length === 0) throw new BadInputError(`landing directory ${dir} holds no files`, { file: dir });
        const p = batchPaths(deps, input.date);
        mkdirSync(p.staging, { recursive: true });
        const files: LandedFile[] = [];
        let newlyStaged = 0;
        for (const name of names) {
          Context.current().heartbeat({ file: name });
          const { sha256, size } = await hashFile(`${dir}/${name}`);
          const gzip = name.endsWith('.gz');
          const stagedPath = `${p.staging}/${sha256}${gzip ? '.gz' : ''}`;
          if (!existsSync(stagedPath)) {
            const tmp = `${stagedPath}.tmp-${process.pid}`;
            copyFileSync(`${dir}/${name}`, tmp);
            renameSync(tmp, stagedPath);
            newlyStaged++;
          }
          files.push({ name, size, sha256, stagedPath, gzip });
        }
        // Staged copies of files that left the landing directory are dropped.
        const keep = new Set(files.map((f) => f.stagedPath.slice(p.staging.length + 1)));
        for (const n of readdirSync(p.staging)) if (n !== 'manifest.json' && !keep.has(n)) rmSync(`${p.staging}/${n}`, { force: true });
        const fingerprint = createHash('sha256').update(files.map((f) => `${f.sha256}:${f.size}`).sort().join('\n')).digest('hex').slice(0, 32);
        writeFileAtomic(`${p.staging}/manifest.json`, JSON.stringify({ date: input.date, fingerprint, files }, null, 2));
        rmSync(p.run, { recursive: true, force: true });
        rmSync(p.quarantine, { recursive: true, force: true });
        return { date: input.date, files, fingerprint, newlyStaged };
      } catch (err) {
        throw toTemporalFailure(err);
      }
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
