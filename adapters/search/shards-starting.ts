/**
 * A search that meets an index whose shards are still starting (just created by a writer, or recovering after
 * a restart) fails with `search_phase_execution_exception` ("all shards failed") for a moment; both adapters
 * retry such a search briefly instead of failing the reader's request. A query the engine rejects for what it
 * asks (a bad field, a bad aggregation) fails the same way but names another shard failure: it is not retried.
 */

/** Shard failure types that mean "not there yet", not "wrong query". */
const STARTING = new Set([
  'no_shard_available_action_exception',
  'unavailable_shards_exception',
  'shard_not_found_exception',
  'illegal_index_shard_state_exception',
]);

interface EngineError {
  meta?: { body?: { error?: { type?: string; failed_shards?: { reason?: { type?: string } }[] } } };
}

/** True when `err` is a search that failed only because shards were not ready (or named no shard failure). */
export function isShardsStarting(err: unknown): boolean {
  const e = (err as EngineError)?.meta?.body?.error;
  if (e?.type !== 'search_phase_execution_exception') return false;
  const types = (e.failed_shards ?? []).map((f) => f.reason?.type ?? '');
  return types.every((t) => STARTING.has(t));
}

/** Backoff between attempts while shards start, ms (about 1.5 s in all). */
const WAITS_MS = [100, 200, 400, 800];

/** Run `search`, again after a short wait while it fails with shards still starting; any other error at once. */
export async function retryWhileShardsStart<T>(search: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await search();
    } catch (err) {
      if (attempt >= WAITS_MS.length || !isShardsStarting(err)) throw err;
      await new Promise((r) => setTimeout(r, WAITS_MS[attempt]));
    }
  }
}
