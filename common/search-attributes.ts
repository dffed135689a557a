/**
 * Custom Temporal search attributes the project's workflows set, with their Temporal types.
 * The dev server's SQLite store allows at most 3 attributes per numeric type, so lag and timings go
 * to the memo instead. Pure data (workflow-safe): the provisioner registers them on the dev server, workflows upsert them,
 * and operators filter runs by them in the Temporal UI (e.g. `Pipeline = "batch" AND BatchDate = "2024-09-13"`).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
export const SEARCH_ATTRIBUTES = {
  /** Which pipeline a run belongs to: `batch`, `stream`, `profile-cache`, `health`. */
  Pipeline: 'Keyword',
  /** The business date a batch run processes (YYYY-MM-DD). */
  BatchDate: 'Keyword',
  /** Rows landed by a batch run. */
  RowsLanded: 'Int',
  /** Rows rejected to quarantine by a batch run. */
  RowsRejected: 'Int',
  /** Events accepted by the streaming workflow since it started (this run chain). */
  EventsProcessed: 'Int',
} as const;

/** Name of one of the project's custom search attributes. */
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/** Typed keys for `upsertTypedSearchAttributes` / `typedSearchAttributes` (workflow-safe). */
export const SA = {
  Pipeline: defineSearchAttributeKey('Pipeline', SearchAttributeType.KEYWORD),
  BatchDate: defineSearchAttributeKey('BatchDate', SearchAttributeType.KEYWORD),
  RowsLanded: defineSearchAttributeKey('RowsLanded', SearchAttributeType.INT),
  RowsRejected: defineSearchAttributeKey('RowsRejected', SearchAttributeType.INT),
  EventsProcessed: defineSearchAttributeKey('EventsProcessed', SearchAttributeType.INT),
} as const;
