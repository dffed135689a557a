/** Which search failures are "shards still starting" (retried briefly) and which are the query's own (not retried). */
import { describe, expect, it } from 'vitest';
import { isShardsStarting, retryWhileShardsStart } from './shards-starting.js';

/** An error shaped as both clients throw it: the engine's JSON error under `meta.body`. */
const engineError = (type: string, shardReasons: string[] = []) =>
  Object.assign(new Error(`${type}: `), {
    meta: {
      statusCode: 503,
      body: { error: { type, failed_shards: shardReasons.map((t) => ({ shard: 0, reason: { type: t } })) } },
    },
  });

describe('shards still starting', () => {
  it('tells a search on starting shards from a query the engine rejects', () => {
    expect(isShardsStarting(engineError('search_phase_execution_exception'))).toBe(true);
    expect(
      isShardsStarting(engineError('search_phase_execution_exception', ['no_shard_available_action_exception'])),
    ).toBe(true);
    expect(isShardsStarting(engineError('search_phase_execution_exception', ['query_shard_exception']))).toBe(false);
    expect(
      isShardsStarting(
        engineError('search_phase_execution_exception', ['unavailable_shards_exception', 'illegal_argument_exception']),
      ),
    ).toBe(false);
    expect(isShardsStarting(engineError('index_not_found_exception'))).toBe(false);
    expect(isShardsStarting(new Error('connect ECONNREFUSED'))).toBe(false);
  });

  it('retries a search while its shards start, and fails a bad query or a lasting outage', async () => {
    let calls = 0;
    const ok = await retryWhileShardsStart(async () => {
      if (++calls < 3) throw engineError('search_phase_execution_exception');
      return 'hits';
    });
    expect([ok, calls]).toEqual(['hits', 3]);

    calls = 0;
    const bad = engineError('search_phase_execution_exception', ['query_shard_exception']);
    await expect(
      retryWhileShardsStart(async () => {
        calls++;
        throw bad;
      }),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);

    calls = 0;
    const t0 = Date.now();
    await expect(
      retryWhileShardsStart(async () => {
        calls++;
        throw engineError('search_phase_execution_exception', ['no_shard_available_action_exception']);
      }),
    ).rejects.toThrow('search_phase_execution_exception');
    expect(calls).toBe(5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  });
});
