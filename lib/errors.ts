/**
 * The project's error hierarchy. Each error carries context fields (topic, partition, file, line, ...) and
 * maps to a Temporal failure type (see common/failure-types.ts) that retry policies name.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, type FailureTypeName } from '../common/failure-types.js';

/** Where an error happened; every field optional, set what is known. */
export interface ErrorContext {
  service?: string;
  variable?: string;
  file?: string;
  line?: number;
  topic?: string;
  partition?: number;
  offset?: string;
  [key: string]: unknown;
}

/** Base class: a message, a Temporal failure type, whether retrying can help, and context. */
export abstract class PipelineError extends Error {
  abstract readonly type: FailureTypeName;
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The Temporal failure activities throw for this error (non-retryable when retrying cannot help). */
  toFailure(): ApplicationFailure {
    return ApplicationFailure.create({
      message: this.message,
      type: this.type,
      nonRetryable: !this.retryable,
      details: [this.context],
      cause: this.cause instanceof Error ? this.cause : undefined,
    });
  }
}

/** Configuration is missing or invalid. */
export class ConfigError extends PipelineError {
  readonly type = FailureType.Config;
  readonly retryable = false;
}

/** Input that can never be processed as is (a file, a row, a message). */
export class BadInputError extends PipelineError {
  readonly type = FailureType.BadInput;
  readonly retryable = false;
}

/** A reference data file is missing or malformed. */
export class ReferenceDataError extends PipelineError {
  readonly type = FailureType.ReferenceData;
  readonly retryable = false;
}

/** The share of rejected rows passed the configured threshold. */
export class RejectThresholdError extends PipelineError {
  readonly type = FailureType.RejectThreshold;
  readonly retryable = false;
}

/** A stream partition's checkpoint cannot be found or decoded (context: stream, partition, offset). */
export class CheckpointError extends PipelineError {
  readonly type = FailureType.Checkpoint;
  readonly retryable = false;
}

/** The search engine rejected a document with a 4xx (context: index, document id, status). */
export class IndexRejectedError extends PipelineError {
  readonly type = FailureType.IndexRejected;
  readonly retryable = false;
}

/** An external service did not answer; retrying later may succeed. */
export class ServiceUnavailableError extends PipelineError {
  readonly type = FailureType.ServiceUnavailable;
  readonly retryable = true;
}

/** File-system error codes that retrying cannot cure: the file is unreadable as it stands. */
const UNREADABLE_CODES = new Set(['EACCES', 'EPERM', 'ELOOP', 'EISDIR', 'ENOTDIR', 'ENXIO', 'EFBIG']);

/**
 * An error reading the input file `file`: one that retrying cannot cure (permissions, a link, not a file)
 * becomes a {@link BadInputError} naming the file; any other error (e.g. ENOSPC, EMFILE) is returned unchanged.
 */
export function fileInputError(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof PipelineError || !code || !UNREADABLE_CODES.has(code)) return err;
  return new BadInputError(
    `${file} cannot be read (${code}: ${(err as Error).message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')})`,
    { file, reason: 'unreadable' },
    { cause: err },
  );
}

/**
 * Convert anything thrown inside an activity into what Temporal should see: project errors become typed
 * ApplicationFailures; anything else is rethrown unchanged (retryable by default).
 */
export function toTemporalFailure(err: unknown): unknown {
  return err instanceof PipelineError ? err.toFailure() : err;
}
