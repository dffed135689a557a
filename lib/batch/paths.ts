/** Where the batch layer keeps a date's staged files, intermediates, quarantine and lake partition. */

/** Paths of one date's batch run. */
export interface BatchPaths {
  /** Staged copies of the landed files (by content hash) and manifest.json. */
  staging: string;
  /** Intermediates of the current run (deleted and rebuilt by every run). */
  run: string;
  /** Validated rows as CSV, one directory per hour (`hour=HH/<sha256>.csv`, plus `<sha256>.pNN.csv` parts for large files). */
  clean: string;
  /** Daily aggregates as JSON, produced by the aggregate step for the index step. */
  aggregates: string;
  /** The partition step's description of the Parquet files it wrote (size, mtime, rows, hash; JSON). */
  lakeFiles: string;
  /** The validator's day aggregates, one partial per clean output part (`<sha256>[.pNN].agg`). */
  dayAgg: string;
  /**
   * The run's profile snapshot (JSON), beside the run directory: it is read while the land step resets that
   * directory, and replaced by the date's next run.
   */
  profileSnapshot: string;
  /** Rejected rows of the date (`<file>.rejects.csv`). */
  quarantine: string;
}

/** Compute the paths of `date` from the configured roots. */
export function batchPaths(roots: { workDir: string; quarantineDir: string }, date: string): BatchPaths {
  const run = `${roots.workDir}/runs/${date}`;
  return {
    staging: `${roots.workDir}/staging/${date}`,
    run,
    clean: `${run}/clean`,
    aggregates: `${run}/aggregates.json`,
    dayAgg: `${run}/day-agg`,
    lakeFiles: `${run}/lake-files.json`,
    profileSnapshot: `${run}.profiles.json`,
    quarantine: `${roots.quarantineDir}/date=${date}`,
  };
}

/** Lake partition directory of a date under the lake root. */
export const lakePartition = (lakeDir: string, date: string): string => `${lakeDir}/weblogs/date=${date}`;
