/**
 * Activities on landed web-log files (the landing directory and the staging area): fingerprint and stage
 * a day's files, then validate each staged file into hourly clean rows plus a quarantine of rejects.
 * Each checks its own input first (a real date, paths under the configured roots), so a hand-started
 * workflow with a bad argument fails at once with a non-retryable `BadInputError`.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import type { LandedFile, LandResult, ValidateResult } from '../common/batch.js';
import { BadInputError, toTemporalFailure } from '../lib/errors.js';
import { requireDate, requireFormat, requireInside, requireLandedFile } from '../lib/batch/input-checks.js';
import { landDay, landingFingerprint } from '../lib/batch/land-day.js';
import { batchPaths } from '../lib/batch/paths.js';
import { discardDirectory } from '../lib/fsutil.js';
import { validateFileToHourlyCsv } from '../lib/batch/validate-file.js';
import { heartbeating } from './heartbeating.js';

/** Dependencies of the landing activities. */
export interface LandingActivityDeps {
  landingDir: string;
  workDir: string;
  quarantineDir: string;
}

/** Create the landing activities. */
export function createLandingActivities(deps: LandingActivityDeps) {
  /** The date's landing directory, checked to lie under the configured LANDING_DIR (links resolved). */
  const landingDayDir = (activity: string, date: string, override: unknown): string => {
    const base =
      override === undefined
        ? deps.landingDir
        : requireInside(activity, deps.landingDir, override, { argument: 'landingDir', root: 'LANDING_DIR' });
    return requireInside(activity, deps.landingDir, `${base}/${date}`, {
      argument: 'landing directory',
      root: 'LANDING_DIR',
    });
  };

  // Beats every 10 s besides the progress heartbeats: a worker killed mid-step is noticed within the heartbeat
  // timeout, however coarse a step's progress points are (one large file, one slow read).
  return heartbeating({
    /**
     * Find the day's files, stage each by the sha256 of its staged copy, land identical files once and write
     * the manifest. Resets the day's intermediate and quarantine areas so a re-run starts clean.
     */
    async landDayFiles(input: { date: string; landingDir?: string }): Promise<LandResult> {
      try {
        const date = requireDate('landDayFiles', input?.date);
        const dir = landingDayDir('landDayFiles', date, input.landingDir);
        if (!existsSync(dir)) throw new BadInputError(`landing directory ${dir} does not exist`, { file: dir });
        const p = batchPaths(deps, date);
        const ctx = Context.current();
        const r = await landDay(date, dir, p.staging, (file, bytes) => ctx.heartbeat({ file, bytes }));
        if (r.duplicates.length)
          ctx.log.warn(
            `${date}: ${r.duplicates.map((d) => `${d.name} is identical to ${d.sameAs}`).join('; ')}: landed once`,
          );
        if (r.cacheProblem) ctx.log.warn(`${date}: hash cache discarded and rebuilt (${r.cacheProblem})`);
        // A day's intermediates are gigabytes: renamed aside at once and deleted in the background.
        discardDirectory(p.run).catch((err: Error) =>
          ctx.log.warn(`${date}: removing old intermediates: ${err.message}`),
        );
        await rm(p.quarantine, { recursive: true, force: true });
        return {
          date,
          files: r.files,
          fingerprint: r.fingerprint,
          newlyStaged: r.newlyStaged,
          duplicates: r.duplicates,
        };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Fingerprint of a date's landing directory as `landDayFiles` would compute it, without staging anything
     * (null when the directory is missing or empty). Unchanged files are not re-hashed (size + mtime cache).
     */
    async landingFingerprint(input: { date: string; landingDir?: string }): Promise<string | null> {
      try {
        const date = requireDate('landingFingerprint', input?.date);
        const dir = landingDayDir('landingFingerprint', date, input.landingDir);
        const ctx = Context.current();
        return await landingFingerprint(dir, batchPaths(deps, date).staging, (file) => ctx.heartbeat({ file }));
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Validate one staged file: valid rows to hourly clean CSVs, rejects to the quarantine with file, line, reason.
     * With `dayAggregates`, also count the day aggregates of its rows, joined with the run's profile snapshot.
     */
    async validateLandedFile(input: {
      date: string;
      file: LandedFile;
      format?: 'csv' | 'combined';
      dayAggregates?: boolean;
    }): Promise<ValidateResult> {
      try {
        const date = requireDate('validateLandedFile', input?.date);
        const p = batchPaths(deps, date);
        const file = requireLandedFile('validateLandedFile', input.file, p.staging);
        const format = requireFormat('validateLandedFile', input.format);
        const ctx = Context.current();
        return await validateFileToHourlyCsv({
          date,
          file,
          format,
          cleanDir: p.clean,
          quarantineDir: p.quarantine,
          onProgress: (bytes) => ctx.heartbeat({ bytes }),
          // Without the snapshot file the aggregate step computes the day from the lake (it checks coverage).
          dayAgg:
            input.dayAggregates && existsSync(p.profileSnapshot)
              ? { snapshotPath: p.profileSnapshot, dir: p.dayAgg }
              : undefined,
        });
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  });
}
