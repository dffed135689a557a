/**
 * Activities on the data lake, computed with DuckDB: write the date's Hive-partitioned Parquet from the
 * validated rows, and compute the daily aggregates joined with the profile snapshot and status reference.
 */
import { Context } from '@temporalio/activity';
import type { AggregateSummary, ValidationReport } from '../common/batch.js';
import type { ProfilesStore } from '../adapters/profiles/types.js';
import { computeAggregates, loadProfileSnapshot, loadStatusTable } from '../lib/batch/aggregate.js';
import { withDuckDb, type DuckDbSettings } from '../lib/batch/duckdb.js';
import { writePartition } from '../lib/batch/partition.js';
import { batchPaths, lakePartition } from '../lib/batch/paths.js';
import { toTemporalFailure } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fsutil.js';
import { loadStatusReference } from '../lib/status-reference.js';

/** Dependencies of the lake activities. */
export interface LakeActivityDeps {
  lakeDir: string;
  workDir: string;
  quarantineDir: string;
  profiles: ProfilesStore;
  statusReferencePath: string;
  duckdb: Omit<DuckDbSettings, 'tempDir'>;
}

/** Create the lake activities. */
export function createLakeActivities(deps: LakeActivityDeps) {
  const settings = (): DuckDbSettings => ({ ...deps.duckdb, tempDir: `${deps.workDir}/duckdb-tmp` });
  return {
    /** Replace the date's lake partition with Parquet of the validated rows; returns files and rows written. */
    async writeLakePartition(input: { date: string }): Promise<{ files: number; rows: number; partition: string }> {
      try {
        const p = batchPaths(deps, input.date);
        const partition = lakePartition(deps.lakeDir, input.date);
        Context.current().heartbeat({ step: 'partition' });
        const r = await withDuckDb(settings(), (db) => writePartition(db, p.clean, partition));
        return { ...r, partition };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /** Compute the batch view's documents for the date into the run's aggregates file; returns a summary. */
    async computeDailyAggregates(input: { date: string; fingerprint: string; report: ValidationReport; landedFiles: number }): Promise<AggregateSummary> {
      try {
        // Read (and validate) the reference first: a broken file fails the step before any heavy work.
        const ref = loadStatusReference(deps.statusReferencePath);
        const p = batchPaths(deps, input.date);
        const docs = await withDuckDb(settings(), async (db) => {
          Context.current().heartbeat({ step: 'profiles' });
          await loadProfileSnapshot(db, deps.profiles);
          await loadStatusTable(db, ref);
          Context.current().heartbeat({ step: 'aggregate' });
          return computeAggregates(db, { ...input, partitionDir: lakePartition(deps.lakeDir, input.date) });
        });
        writeFileAtomic(p.aggregates, JSON.stringify(docs));
        const total = docs.find((d) => d.doc.kind === 'total');
        return { aggregatesPath: p.aggregates, documents: docs.length, requests: Number(total?.doc.requests ?? 0) };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  };
}
