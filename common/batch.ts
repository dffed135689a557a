/**
 * Types and ids of the daily batch DAG (land → validate → partition → aggregate → index), shared by the
 * workflow, the activities and the CLI. Pure and workflow-safe: only small summaries cross Temporal.
 */
import type { RejectReason } from './weblog.js';

/** Deterministic workflow id of the batch run of one date. */
export const batchWorkflowId = (date: string): string => `batch-${date}`;

/** Input of the `batchDay` workflow. */
export interface BatchDayInput {
  /** Business date, YYYY-MM-DD (UTC). */
  date: string;
  /** Landing directory override (default: config LANDING_DIR). */
  landingDir?: string;
  /** Force a format for every file instead of detecting it. */
  format?: 'csv' | 'combined';
  /** Rejected-share threshold override (0–1). */
  rejectThreshold?: number;
}

/** One landed file, staged by content hash. */
export interface LandedFile {
  /** Name in the landing directory. */
  name: string;
  size: number;
  sha256: string;
  /** Absolute path of the staged copy. */
  stagedPath: string;
  gzip: boolean;
}

/** Outcome of the land step. */
export interface LandResult {
  date: string;
  files: LandedFile[];
  /** Hash of the sorted file hashes: same input files ⇒ same fingerprint. */
  fingerprint: string;
  /** Files newly copied in this run (0 when everything was already staged). */
  newlyStaged: number;
  /** Files byte-identical to an earlier file of the day: counted once, under the first name (`sameAs`). */
  duplicates: { name: string; sameAs: string }[];
}

/** Row counts of one validated file. */
export interface ValidateResult {
  file: string;
  format: 'csv' | 'combined';
  rows: number;
  valid: number;
  rejected: number;
  byReason: Partial<Record<RejectReason, number>>;
  quarantinePath: string;
}

/** Counts of the whole day after validation. */
export interface ValidationReport {
  files: number;
  rows: number;
  valid: number;
  rejected: number;
  byReason: Partial<Record<RejectReason, number>>;
}

/** Summary of the aggregate step (the aggregates themselves stay on disk, not in workflow history). */
export interface AggregateSummary {
  aggregatesPath: string;
  documents: number;
  requests: number;
}

/** What a finished batch run reports (also its memo). */
export interface BatchDayResult {
  date: string;
  fingerprint: string;
  report: ValidationReport;
  lakeFiles: number;
  documents: number;
  /** Milliseconds per step. */
  timingsMs: Record<string, number>;
}

/** Progress exposed by the `progress` query while a run is going. */
export interface BatchProgress {
  step: 'land' | 'validate' | 'partition' | 'aggregate' | 'index' | 'done';
  filesTotal: number;
  filesValidated: number;
  rows: number;
}

/** Sum per-file validation counts into the day's report. */
export function combineValidation(results: ValidateResult[]): ValidationReport {
  const byReason: Partial<Record<RejectReason, number>> = {};
  for (const r of results)
    for (const [k, v] of Object.entries(r.byReason))
      byReason[k as RejectReason] = (byReason[k as RejectReason] ?? 0) + (v ?? 0);
  return {
    files: results.length,
    rows: results.reduce((s, r) => s + r.rows, 0),
    valid: results.reduce((s, r) => s + r.valid, 0),
    rejected: results.reduce((s, r) => s + r.rejected, 0),
    byReason,
  };
}
