/**
 * The stream-state checkpoint store on the real PostgreSQL: a chain of deltas with snapshots rebuilds the live
 * state at any recorded offset; a retried batch (a second record ending at the same offset) wins over the
 * attempt it replaced; rewind boundaries; pruning keeps what the retained offsets need; a corrupt or missing
 * record stops the restore with a typed error naming the stream, partition and offset.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { CheckpointWrite } from '../adapters/checkpoints/types.js';
import { createCheckpointStore } from '../lib/clients.js';
import { CheckpointError } from '../lib/errors.js';
import type { ReadMessage } from '../lib/stream/kafka-reader.js';
import { encodeDelta, encodeSnapshot } from '../lib/stream/state/codec.js';
import { foldBatch } from '../lib/stream/state/fold.js';
import { PartitionState } from '../lib/stream/state/partition-state.js';
import { restoreState } from '../lib/stream/state/restore.js';
import { testConfig, uniqueName } from './helpers.js';

const cfg = testConfig();
const store = createCheckpointStore(cfg);
const T0 = Date.parse('2031-05-01T10:00:00Z');
const lookup = () => ({ country: 'DE', plan: 'free' });
const batch = (start: number, n: number, tag = 'e'): ReadMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    partition: 0,
    offset: start + i,
    key: null,
    timestampMs: T0,
    value: Buffer.from(
      JSON.stringify({
        event_id: `${tag}${start + i}`,
        customer_id: `C${(start + i) % 7}`,
        event_time: new Date(T0 + (start + i) * 1000).toISOString(),
        event_type: 'play',
      }),
    ),
  }));
const snapshotHex = (s: PartitionState) => encodeSnapshot(s).subarray(8).toString('hex');

/** Run `sizes` batches on a live state, writing a delta per batch and a snapshot after every `every`-th. */
async function runBatches(
  streamId: string,
  sizes: number[],
  every: number,
): Promise<{ live: PartitionState; offsets: number[]; hex: Map<number, string> }> {
  const live = new PartitionState(0, 60_000);
  const offsets = [0];
  const hex = new Map<number, string>([[0, snapshotHex(live)]]);
  for (const [i, n] of sizes.entries()) {
    const start = live.offset;
    const fold = foldBatch(live, batch(start, n), { batchStart: start, watermarkMs: 0, maxFutureMs: 300_000, lookup });
    live.offset = start + n;
    const records: CheckpointWrite[] = [
      { partition: 0, kind: 'delta', start, end: live.offset, payload: encodeDelta(live, start, fold) },
    ];
    if ((i + 1) % every === 0)
      records.push({
        partition: 0,
        kind: 'snapshot',
        start: live.offset,
        end: live.offset,
        payload: encodeSnapshot(live),
      });
    await store.write(streamId, records);
    offsets.push(live.offset);
    hex.set(live.offset, snapshotHex(live));
  }
  return { live, offsets, hex };
}

describe('stream checkpoints in PostgreSQL', () => {
  afterAll(() => store.close());

  it('restores the exact state at every recorded offset, and a retried batch wins over the failed attempt', async () => {
    const id = uniqueName('ckpt');
    const { offsets, hex } = await runBatches(id, [5, 3, 8, 2, 6, 4, 7], 3);
    for (const o of offsets) expect(snapshotHex(await restoreState(store, id, 0, o, 60_000))).toBe(hex.get(o));
    // An attempt from the last offset wrote a delta to 40 and failed; its retry read more (to 45) and was recorded.
    const last = offsets.at(-1)!;
    const base = await restoreState(store, id, 0, last, 60_000);
    const f1 = foldBatch(base, batch(last, 5, 'failed'), {
      batchStart: last,
      watermarkMs: 0,
      maxFutureMs: 300_000,
      lookup,
    });
    base.offset = last + 5;
    await store.write(id, [
      { partition: 0, kind: 'delta', start: last, end: last + 5, payload: encodeDelta(base, last, f1) },
    ]);
    const retry = await restoreState(store, id, 0, last, 60_000);
    const f2 = foldBatch(retry, batch(last, 5), { batchStart: last, watermarkMs: 0, maxFutureMs: 300_000, lookup });
    retry.offset = last + 5;
    await store.write(id, [
      { partition: 0, kind: 'delta', start: last, end: last + 5, payload: encodeDelta(retry, last, f2) },
    ]);
    expect(snapshotHex(await restoreState(store, id, 0, last + 5, 60_000))).toBe(snapshotHex(retry));
    expect(await store.nodes(id, 0, last + 5)).toEqual([last + 5, ...offsets.slice().reverse()]);
    expect(await store.clear(id)).toBeGreaterThan(0);
  });

  it('prunes what no retained offset needs and keeps restoring the current state', async () => {
    const id = uniqueName('ckpt-prune');
    const { offsets, hex } = await runBatches(id, [4, 4, 4, 4, 4, 4], 2);
    const pool = new pg.Pool({ ...cfg.stream.checkpoints.postgres });
    // Everything but the last batch is "old": the newest old snapshot (at offset 16) bounds what must stay.
    await pool.query(
      `UPDATE stream_checkpoints SET written_at = now() - interval '2 hours' WHERE stream_id = $1 AND end_offset <= 20`,
      [id],
    );
    await pool.end();
    expect(await store.prune(id, 0, 3_600_000)).toBeGreaterThan(0);
    const last = offsets.at(-1)!;
    expect(snapshotHex(await restoreState(store, id, 0, last, 60_000))).toBe(hex.get(last));
    await expect(restoreState(store, id, 0, 8, 60_000)).rejects.toThrow(CheckpointError);
    await store.clear(id);
  });

  it('stops with a typed error naming partition and offset for a corrupt or missing checkpoint', async () => {
    const id = uniqueName('ckpt-bad');
    await runBatches(id, [5, 5], 10);
    const pool = new pg.Pool({ ...cfg.stream.checkpoints.postgres });
    await pool.query(
      `UPDATE stream_checkpoints SET payload = substring(payload from 1 for 40) WHERE stream_id = $1 AND end_offset = 5`,
      [id],
    );
    await pool.end();
    const corrupt = await restoreState(store, id, 0, 10, 60_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(corrupt).toBeInstanceOf(CheckpointError);
    expect(String((corrupt as Error).message)).toMatch(/partition 0 \(delta 0→5\) is unreadable/);
    expect((corrupt as CheckpointError).context).toMatchObject({ stream: id, partition: 0, offset: '10' });
    const missing = await restoreState(store, id, 0, 7, 60_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((missing as Error).message)).toMatch(/partition 0 leads to offset 7/);
    await store.clear(id);
  });
});
