/**
 * Checks of the batch workflows' arguments (pure and workflow-safe). A workflow started by hand — from the
 * Temporal UI or `temporal workflow start` — with a bad argument fails at once with a non-retryable
 * `BadInputError` naming the argument, instead of failing its workflow task forever or doing nothing.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from './failure-types.js';
import { isIsoDate } from './weblog.js';

/** What is wrong with `value` as the date argument `field`, or undefined when it is a real calendar date YYYY-MM-DD. */
export function dateProblem(value: unknown, field = 'date'): string | undefined {
  if (typeof value !== 'string') return `${field} must be a date string YYYY-MM-DD (got ${shown(value)})`;
  if (!isIsoDate(value)) return `${field} "${value.slice(0, 40)}" is not a calendar date YYYY-MM-DD`;
  return undefined;
}

/** Problems of the arguments every batch workflow shares (landing directory, format, reject threshold). */
function commonProblem(o: Record<string, unknown>): string | undefined {
  if (
    o.landingDir !== undefined &&
    (typeof o.landingDir !== 'string' || o.landingDir.trim() === '' || o.landingDir.includes('\0'))
  ) {
    return `landingDir must be a directory path (got ${shown(o.landingDir)})`;
  }
  if (o.format !== undefined && o.format !== 'csv' && o.format !== 'combined')
    return `format must be "csv" or "combined" (got ${shown(o.format)})`;
  const t = o.rejectThreshold;
  if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 1))
    return `rejectThreshold must be a number from 0 to 1 (got ${shown(t)})`;
  return undefined;
}

/** What is wrong with a `batchDay` argument, or undefined. */
export function batchDayInputProblem(input: unknown): string | undefined {
  if (!isObject(input)) return `expected one argument {"date": "YYYY-MM-DD", ...} (got ${shown(input)})`;
  return dateProblem(input.date) ?? commonProblem(input);
}

/** What is wrong with a `validateFiles` argument, or undefined (each file is checked by the activity that reads it). */
export function validateFilesInputProblem(input: unknown): string | undefined {
  if (!isObject(input)) return `expected one argument {"date": "YYYY-MM-DD", "files": [...]} (got ${shown(input)})`;
  if (!Array.isArray(input.files)) return `files must be the list of landed files (got ${shown(input.files)})`;
  return dateProblem(input.date) ?? commonProblem(input);
}

/** What is wrong with a `batchBackfill` argument, or undefined. */
export function backfillInputProblem(input: unknown): string | undefined {
  if (!isObject(input))
    return `expected one argument {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "parallel": N} (got ${shown(input)})`;
  const bad = dateProblem(input.from, 'from') ?? dateProblem(input.to, 'to') ?? commonProblem(input);
  if (bad) return bad;
  if ((input.to as string) < (input.from as string)) return `to (${input.to}) is before from (${input.from})`;
  if (!Number.isSafeInteger(input.parallel) || (input.parallel as number) < 1)
    return `parallel must be a positive integer (got ${shown(input.parallel)})`;
  return undefined;
}

/** What is wrong with a `scheduledBatch` argument, or undefined. */
export function scheduledInputProblem(input: unknown): string | undefined {
  if (!isObject(input)) return `expected one argument {"timezone": "Area/City", ...} (got ${shown(input)})`;
  if (typeof input.timezone !== 'string' || !validTimeZone(input.timezone))
    return `timezone must be an IANA time zone such as "UTC" (got ${shown(input.timezone)})`;
  const n = input.lookbackDays;
  if (n !== undefined && (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 366))
    return `lookbackDays must be an integer from 0 to 366 (got ${shown(n)})`;
  return commonProblem(input);
}

/** Fail the workflow (not its task) with a non-retryable `BadInputError` when `problem` is set. */
export function rejectWorkflowInput(workflow: string, problem: string | undefined): void {
  if (problem)
    throw ApplicationFailure.create({
      type: FailureType.BadInput,
      nonRetryable: true,
      message: `${workflow}: ${problem}`,
    });
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
