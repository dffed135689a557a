/**
 * Temporal failure type names the project raises (pure, workflow-safe). Retry policies name the
 * non-retryable ones so bad input and broken config fail fast instead of retrying forever.
 */
export const FailureType = {
  /** Configuration missing or invalid (variable named in the message). */
  Config: 'ConfigError',
  /** Input data that will never parse or validate (file/line or topic/partition/offset in details). */
  BadInput: 'BadInputError',
  /** A reference file (e.g. the HTTP status XML) is missing or malformed. */
  ReferenceData: 'ReferenceDataError',
  /** Too many rejected rows: the run stops and reports the counts by reason. */
  RejectThreshold: 'RejectThresholdError',
  /** A stream partition's state checkpoint is missing or unreadable: the stream stops rather than guess. */
  Checkpoint: 'CheckpointError',
  /** The search engine refused a document (a 4xx for one bulk item): retrying sends the same document again. */
  IndexRejected: 'IndexRejectedError',
  /** An external service did not answer (retryable). */
  ServiceUnavailable: 'ServiceUnavailableError',
} as const;

/** One of the project's failure type names. */
export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/** Failure types that must never be retried; pass to `RetryPolicy.nonRetryableErrorTypes`. */
export const NON_RETRYABLE_FAILURE_TYPES: string[] = [
  FailureType.Config,
  FailureType.BadInput,
  FailureType.ReferenceData,
  FailureType.RejectThreshold,
  FailureType.Checkpoint,
  FailureType.IndexRejected,
];
