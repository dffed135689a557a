/**
 * The batch DAG's Query, defined once for the workflow (`workflows/batch.ts` sets the handler) and its callers
 * (`batch run --wait`, tests): `handle.query(progressQuery)`. Workflow-safe: only the definition helper of
 * `@temporalio/workflow`, a plain object that is safe to import outside a workflow.
 */
import { defineQuery } from '@temporalio/workflow';
import type { BatchProgress } from './batch.js';

/** Query: where a batch run is (step and counts), for `batch run --wait` progress. */
export const progressQuery = defineQuery<BatchProgress>('progress');
