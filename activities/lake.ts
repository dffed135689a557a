/**
 * Activities on the data lake, computed with DuckDB: snapshot the profile dimension for a run, write the date's
 * Hive-partitioned Parquet from the validated rows, compute the daily aggregates joined with the profile
 * snapshot and status reference (merged from the validator's day aggregates when it counted them), and
 * register (or withdraw) the date's `weblogs` partitions in the lake catalog.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import type { LakeCatalog, PartitionRegistration } from '../adapters/catalog/types.js';
import { parsePartitionPath } from '../common/lake.js';
import type { AggregateSummary } from '../common/batch.js';
import type { ProfilesStore } from '../adapters/profiles/types.js';
import { computeAggregates, loadProfileSnapshot, loadStatusTable, type BatchDoc } from '../lib/batch/aggregate.js';
import { collectDayPartials } from '../lib/batch/day-agg/collect.js';
import { mergeDayPartials, type MergeInput as DayDocsInput } from '../lib/batch/day-agg/merge.js';
import {
  readProfileSnapshot,
  readProfileSnapshotFile,
  writeProfileSnapshot,
} from '../lib/batch/day-agg/profile-snapshot.js';
import { computeEventAggregates } from '../lib/batch/aggregate-events.js';
import { withDuckDb, type DuckDbSettings } from '../lib/batch/duckdb.js';
import { stagedSourceNames, writePartition } from '../lib/batch/partition.js';
import { requireDate } from '../lib/batch/input-checks.js';
import { batchPaths, lakePartition } from '../lib/batch/paths.js';
import { BadInputError, toTemporalFailure } from '../lib/errors.js';
import { describeParquetFiles, type WrittenFile } from '../lib/lake/files.js';
import { discardDirectory, writeFileAtomic } from '../lib/fsutil.js';
import { loadStatusReference } from '../lib/status-reference.js';
import { heartbeating } from './heartbeating.js';

/** Dependencies of the lake activities. */
export interface LakeActivityDeps {
  lakeDir: string;
  workDir: string;
  quarantineDir: string;
  profiles: ProfilesStore;
  statusReferencePath: string;
  duckdb: Omit<DuckDbSettings, 'tempDir'>;
  /** The lake catalog (created on first use: workers that never register need no catalog database). */
  catalog: () => LakeCatalog;
}

/** The partition step's descriptions of the files it wrote, by path (none when the file is missing or unreadable). */
function readWrittenFiles(path: string): Map<string, WrittenFile> {
  try {
    return new Map((JSON.parse(readFileSync(path, 'utf8')) as WrittenFile[]).map((f) => [f.path, f]));
  } catch {
    return new Map();
  }
}

/** Write a day's documents as its aggregates file (for the index step); returns the step's summary. */
function saveAggregates(path: string, docs: BatchDoc[]): AggregateSummary {
  writeFileAtomic(path, JSON.stringify(docs));
  const total = docs.find((d) => d.doc.kind === 'total');
  return { aggregatesPath: path, documents: docs.length, requests: Number(total?.doc.requests ?? 0) };
}

/** `workflowId/runId` of the activity's workflow: the producer recorded with a registration. */
function producer(): string {
  const { workflowExecution: w, activityId } = Context.current().info;
  return w ? `${w.workflowId}/${w.runId}` : `activity/${activityId}`;
}

/** Create the lake activities. */
export function createLakeActivities(deps: LakeActivityDeps) {
  const settings = (): DuckDbSettings => ({ ...deps.duckdb, tempDir: `${deps.workDir}/duckdb-tmp` });
  return heartbeating({
    /**
     * Replace the date's lake partition with Parquet of the validated rows; returns files and rows written.
     * `expectedRows` (the validation report's kept rows; absent from runs started before it was passed) must
     * equal the rows written, or the partition is left as it was and the step fails, not retried.
     */
    async writeLakePartition(input: {
      date: string;
      expectedRows?: number;
    }): Promise<{ files: number; rows: number; partition: string }> {
      try {
        requireDate('writeLakePartition', input?.date);
        const p = batchPaths(deps, input.date);
        const partition = lakePartition(deps.lakeDir, input.date);
        Context.current().heartbeat({ step: 'partition' });
        const sources = stagedSourceNames(p.staging);
        const { written, ...r } = await withDuckDb(settings(), (db) =>
          writePartition(db, p.clean, partition, sources, input.expectedRows),
        );
        writeFileAtomic(p.lakeFiles, JSON.stringify(written));
        return { ...r, partition };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Read the profile dimension once for the date's run into its snapshot file, which the validator joins its
     * day aggregates against; returns the snapshot's id (passed on to validation and the aggregate step).
     */
    async snapshotProfiles(input: { date: string }): Promise<{ snapshotId: string; customers: number }> {
      try {
        requireDate('snapshotProfiles', input?.date);
        const ctx = Context.current();
        const snap = await readProfileSnapshot(deps.profiles, (customers) => ctx.heartbeat({ customers }));
        writeProfileSnapshot(batchPaths(deps, input.date).profileSnapshot, snap);
        return { snapshotId: snap.id, customers: snap.ids.length };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * The batch view's documents for the date from the validator's day aggregates (counted with snapshot
     * `snapshotId`), into the run's aggregates file; it does not read the lake, so it runs beside the partition
     * step. When the partials do not cover the day it writes nothing and says why (the workflow then runs
     * `computeDailyAggregates` on the written partition).
     */
    async mergeDayAggregates(
      input: DayDocsInput & { snapshotId: string },
    ): Promise<AggregateSummary | { problem: string }> {
      try {
        requireDate('mergeDayAggregates', input?.date);
        const ref = loadStatusReference(deps.statusReferencePath);
        const p = batchPaths(deps, input.date);
        const snap = existsSync(p.profileSnapshot) ? readProfileSnapshotFile(p.profileSnapshot) : undefined;
        if (snap?.id !== input.snapshotId)
          return { problem: `profile snapshot ${p.profileSnapshot} is not snapshot ${input.snapshotId}` };
        const got = collectDayPartials(p.dayAgg, p.clean, snap, input.report);
        if ('problem' in got) return got;
        return saveAggregates(p.aggregates, mergeDayPartials(got.partials, snap, ref, input));
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /** Compute the batch view's documents for the date from its lake partition into the run's aggregates file. */
    async computeDailyAggregates(input: DayDocsInput): Promise<AggregateSummary> {
      try {
        requireDate('computeDailyAggregates', input?.date);
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
        return saveAggregates(p.aggregates, docs);
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Withdraw the date's `weblogs` partitions from the catalog (before the partition step rewrites their
     * files): readers never see files whose content differs from what the catalog registered. Returns how many.
     */
    async withdrawLakePartitions(input: { date: string }): Promise<{ withdrawn: number }> {
      try {
        const registered = await deps.catalog().list({ table: 'weblogs', fromDate: input.date, toDate: input.date });
        // One transaction: an empty registration that replaces the date.
        await deps.catalog().register('weblogs', [], producer(), { date: input.date });
        return { withdrawn: registered.length };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Register the date's `weblogs` hour partitions (files, rows, bytes, content hashes) in one transaction that
     * replaces whatever the catalog had for the date. `expectedRows` (what the partition step wrote) is checked
     * against the files' Parquet footers, so a partition that changed underneath is never registered.
     */
    async registerLakePartitions(input: {
      date: string;
      expectedRows?: number;
    }): Promise<{ partitions: number; files: number; rows: number }> {
      try {
        const tableDir = `${deps.lakeDir}/weblogs`;
        const dateDir = lakePartition(deps.lakeDir, input.date);
        const hours = existsSync(dateDir)
          ? readdirSync(dateDir)
              .filter((h) => parsePartitionPath(`date=${input.date}/${h}`))
              .sort()
          : [];
        Context.current().heartbeat({ step: 'register' });
        const byHour = hours
          .map((hour) => ({
            hour,
            files: readdirSync(`${dateDir}/${hour}`)
              .filter((f) => f.endsWith('.parquet'))
              .map((f) => `${dateDir}/${hour}/${f}`),
          }))
          .filter((h) => h.files.length > 0);
        // All the date's files described at once, reusing what the partition step described of files unchanged
        // since (same size and modification time), then grouped by hour.
        const written = readWrittenFiles(batchPaths(deps, input.date).lakeFiles);
        const described = await withDuckDb(settings(), (db) =>
          describeParquetFiles(
            db,
            tableDir,
            byHour.flatMap((h) => h.files),
            written,
          ),
        );
        const parts: PartitionRegistration[] = byHour.map((h) => ({
          values: parsePartitionPath(`date=${input.date}/${h.hour}`)!,
          files: described.filter((f) => f.path.startsWith(`date=${input.date}/${h.hour}/`)),
        }));
        const rows = parts.reduce((n, p) => n + p.files.reduce((m, f) => m + f.rows, 0), 0);
        if (input.expectedRows !== undefined && rows !== input.expectedRows) {
          throw new BadInputError(
            `${dateDir}: ${rows} rows in the Parquet files, but the partition step wrote ${input.expectedRows}; not registering`,
            { file: dateDir },
          );
        }
        await deps.catalog().register('weblogs', parts, producer(), { date: input.date });
        // The date is complete: its bulky intermediates (clean rows, day aggregates) go, in the background.
        const p = batchPaths(deps, input.date);
        const log = Context.current().log;
        for (const dir of [p.clean, p.dayAgg])
          discardDirectory(dir).catch((err: Error) => log.warn(`${input.date}: removing ${dir}: ${err.message}`));
        return { partitions: parts.length, files: parts.reduce((n, p) => n + p.files.length, 0), rows };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },

    /**
     * Compute the date's batch-view documents from its `web_events` hours registered in the catalog (only
     * those: an hour still open or being compacted is not read) into the run's aggregates file.
     */
    async computeEventAggregates(input: {
      date: string;
    }): Promise<{ aggregatesPath: string; hours: string[]; files: number; events: number; documents: number }> {
      try {
        requireDate('computeEventAggregates', input?.date);
        const parts = await deps.catalog().list({ table: 'web_events', fromDate: input.date, toDate: input.date });
        const p = batchPaths(deps, input.date);
        const files = parts.flatMap((x) => x.files.map((f) => `${deps.lakeDir}/web_events/${f.path}`));
        const fingerprint = createHash('sha256')
          .update(parts.map((x) => `${x.path}:${x.fingerprint}`).join('\n'))
          .digest('hex');
        Context.current().heartbeat({ step: 'aggregate-events' });
        const docs = await withDuckDb(settings(), (db) =>
          computeEventAggregates(db, {
            date: input.date,
            files,
            hours: parts.map((x) => x.values.hour ?? ''),
            fingerprint,
          }),
        );
        writeFileAtomic(p.aggregates, JSON.stringify(docs));
        const total = docs.find((d) => d.doc.kind === 'total');
        return {
          aggregatesPath: p.aggregates,
          hours: parts.map((x) => x.values.hour ?? ''),
          files: files.length,
          events: Number(total?.doc.requests ?? 0),
          documents: docs.length,
        };
      } catch (err) {
        throw toTemporalFailure(err);
      }
    },
  });
}
