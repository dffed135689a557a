/** Request/response shapes shared by the OpenSearch and Elasticsearch adapters (same wire format). */
import type { BulkResult, DocWrite, Json, SearchRequest } from './types.js';

/** The engine-neutral body of a search: query, size (default 10), sort, aggregations, fields, exact total. */
export function searchBody(req: SearchRequest): Record<string, unknown> {
  return {
    query: req.query,
    size: req.size ?? 10,
    sort: req.sort,
    aggs: req.aggs,
    _source: req.fields ?? true,
    track_total_hits: true,
  };
}

/** NDJSON-style operation list for a bulk `index` of each document into `index`. */
export function bulkOperations(index: string, docs: DocWrite[]): Json[] {
  return docs.flatMap((d) => [{ index: { _index: index, _id: d.id } }, d.doc]);
}

interface BulkItem {
  [op: string]: { _id?: string; status?: number; error?: { type?: string; reason?: string } } | undefined;
}

/** Count successes and collect per-document failures from a bulk response body. */
export function bulkResult(body: { items?: BulkItem[] }): BulkResult {
  const failed: BulkResult['failed'] = [];
  let written = 0;
  for (const item of body.items ?? []) {
    const r = Object.values(item)[0];
    if (!r) continue;
    if (r.error)
      failed.push({
        id: r._id ?? '',
        status: r.status ?? 0,
        reason: `${r.error.type ?? 'error'}: ${r.error.reason ?? ''}`,
      });
    else written++;
  }
  return { written, failed };
}

/** True when an error from either client is an HTTP 404 / index-not-found. */
export function isNotFound(err: unknown): boolean {
  const e = err as { meta?: { statusCode?: number }; statusCode?: number };
  return e?.meta?.statusCode === 404 || e?.statusCode === 404;
}

/** True when index creation failed only because the index exists already. */
export function isAlreadyExists(err: unknown): boolean {
  const e = err as { meta?: { body?: { error?: { type?: string } } }; message?: string };
  return (
    e?.meta?.body?.error?.type === 'resource_already_exists_exception' ||
    /resource_already_exists/.test(e?.message ?? '')
  );
}

/** Operation list for a create-only bulk (existing ids answer 409 instead of being overwritten). */
export function bulkCreateOperations(index: string, docs: DocWrite[]): Json[] {
  return docs.flatMap((d) => [{ create: { _index: index, _id: d.id } }, d.doc]);
}

/** Split a create-only bulk response into created ids, conflicting ids (409) and real failures. */
export function bulkCreateResult(body: { items?: BulkItem[] }): {
  created: string[];
  conflicts: string[];
  failed: BulkResult['failed'];
} {
  const created: string[] = [];
  const conflicts: string[] = [];
  const failed: BulkResult['failed'] = [];
  for (const item of body.items ?? []) {
    const r = Object.values(item)[0];
    if (!r) continue;
    if (!r.error) created.push(r._id ?? '');
    else if (r.status === 409) conflicts.push(r._id ?? '');
    else
      failed.push({
        id: r._id ?? '',
        status: r.status ?? 0,
        reason: `${r.error.type ?? 'error'}: ${r.error.reason ?? ''}`,
      });
  }
  return { created, conflicts, failed };
}
