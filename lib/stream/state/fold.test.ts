import { describe, expect, it } from 'vitest';
import type { ReadMessage } from '../kafka-reader.js';
import { applyRecord, CorruptCheckpointError, encodeDelta, encodeSnapshot } from './codec.js';
import { foldBatch, newFoldResult, type FoldParams } from './fold.js';
import { PartitionState } from './partition-state.js';

const T0 = Date.parse('2024-09-13T06:49:00Z');
const profiles: Record<string, { country: string; plan: string }> = {
  C1: { country: 'DE', plan: 'premium' },
  C2: { country: 'US', plan: 'free' },
};
const params = (batchStart: number, watermarkMs = 0): FoldParams => ({
  batchStart,
  watermarkMs,
  maxFutureMs: 300_000,
  lookup: (id) => profiles[id],
});
const msgs = (start: number, values: unknown[], tsMs = T0 + 120_000): ReadMessage[] =>
  values.map((v, i) => ({
    partition: 1,
    offset: start + i,
    key: null,
    value: v === null ? null : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
    timestampMs: tsMs,
  }));
const ev = (id: string, customer: string, sec: number, extra: Record<string, unknown> = {}) => ({
  event_id: id,
  customer_id: customer,
  event_time: new Date(T0 + sec * 1000).toISOString(),
  event_type: 'play',
  content_id: 'V1',
  device: 'tv',
  watch_ms: 1000,
  ...extra,
});

/** Everything a state holds, in a canonical order (restored and live states must be equal). */
function canonical(s: PartitionState) {
  return {
    offset: s.offset,
    watermarkMs: s.watermarkMs,
    maxEventMs: s.maxEventMs,
    windows: [...s.windows.values()]
      .sort((a, b) => a.startMs - b.startMs)
      .map((w) => ({
        startMs: w.startMs,
        firstOffset: w.firstOffset,
        events: w.events,
        ids: Buffer.from(w.ids.toBytes()).toString('hex'),
        customers: w.customers.toBase64(),
        cube: [...w.cube.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
        content: [...w.content.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      })),
  };
}

describe('foldBatch', () => {
  it('dead-letters bad, future and late events, counts duplicates, and folds the rest into cube, content and customers', () => {
    const s = new PartitionState(1, 60_000);
    const r = foldBatch(
      s,
      msgs(0, [
        ev('e1', 'C1', 5),
        ev('e2', 'C1', 65),
        ev('e3', 'C9', 10, { http_status: 503, content_id: 'V2' }),
        ev('e1', 'C1', 5),
        ev('e4', 'C1', -120),
        '{not json',
        ev('e5', 'C2', 3600),
        ev('e6', 'C2', 7, { device: 'x'.repeat(300) }),
      ]),
      params(0, T0 - 60_000),
    );
    expect({ accepted: r.accepted, late: r.late, duplicates: r.duplicates, deadLettered: r.deadLettered }).toEqual({
      accepted: 3,
      late: 1,
      duplicates: 1,
      deadLettered: 3,
    });
    expect(r.deadLetters.map((d) => d.reason).sort()).toEqual([
      'field_too_long',
      'future_event_time',
      'late',
      'not_json',
    ]);
    expect(r.maxEventTimeMs).toBe(T0 + 65_000); // the future event does not move event time
    const w0 = s.windows.get(T0)!;
    expect(w0.events).toBe(2);
    expect(w0.customers.estimate()).toBe(2);
    expect(w0.cube.get('play|DE|premium|tv|2xx')).toMatchObject({
      events: 1,
      watchMs: 1000,
      unknownCustomerEvents: 0,
      firstOffset: 0,
    });
    expect(w0.cube.get('play|unknown|unknown|tv|5xx')).toMatchObject({ events: 1, unknownCustomerEvents: 1 });
    expect(w0.content.get('V2')).toMatchObject({ events: 1, unknownCustomerEvents: 1 });
    expect([...r.counters.values()].reduce((n, c) => n + c.duplicates + c.late + c.deadLettered, 0)).toBe(5);
  });

  it('folding a batch in chunks equals folding it at once', () => {
    const all = msgs(
      0,
      Array.from({ length: 50 }, (_, i) => ev(`e${i % 40}`, i % 3 ? 'C1' : 'C2', i * 3, { content_id: `V${i % 4}` })),
    );
    const a = new PartitionState(1, 60_000);
    const ra = foldBatch(a, all, params(0));
    const b = new PartitionState(1, 60_000);
    const rb = newFoldResult();
    for (let i = 0; i < all.length; i += 7) foldBatch(b, all.slice(i, i + 7), params(0), rb);
    expect(canonical(b)).toEqual(canonical(a));
    expect({
      ...rb,
      dirtyCube: rb.dirtyCube.size,
      dirtyContent: rb.dirtyContent.size,
      windows: rb.windows.size,
      deadLetters: rb.deadLetters.length,
    }).toEqual({
      ...ra,
      dirtyCube: ra.dirtyCube.size,
      dirtyContent: ra.dirtyContent.size,
      windows: ra.windows.size,
      deadLetters: ra.deadLetters.length,
    });
  });

  it('drops windows the watermark passed: their events are late from then on', () => {
    const s = new PartitionState(1, 60_000);
    foldBatch(s, msgs(0, [ev('a', 'C1', 5), ev('b', 'C1', 70)]), params(0));
    const r = foldBatch(s, msgs(2, [ev('c', 'C1', 6), ev('a', 'C1', 5)]), params(2, T0 + 60_000));
    expect([...s.windows.keys()]).toEqual([T0 + 60_000]);
    expect(r.late).toBe(2); // a duplicate of a closed window's event is late, not a duplicate
    foldBatch(s, msgs(4, []), params(4, T0)); // a lower watermark never reopens a window
    expect(s.watermarkMs).toBe(T0 + 60_000);
  });
});

describe('checkpoint records', () => {
  it('a snapshot plus the deltas after it rebuild exactly the live state', () => {
    const live = new PartitionState(1, 60_000);
    const records: Buffer[] = [];
    let offset = 0;
    for (let b = 0; b < 5; b++) {
      const batch = msgs(
        offset,
        Array.from({ length: 30 }, (_, i) =>
          ev(`b${b}-${i}`, `C${(i % 5) + 1}`, b * 40 + i, { content_id: `V${i % 3}` }),
        ).concat([ev('b0-0', 'C1', 0)]),
      );
      const start = offset;
      const fold = foldBatch(live, batch, params(start, b >= 3 ? T0 + 60_000 : 0));
      live.offset = offset = start + batch.length;
      records.push(b === 1 ? encodeSnapshot(live) : encodeDelta(live, start, fold));
    }
    let restored: PartitionState | undefined;
    for (const r of records.slice(1)) restored = applyRecord(restored, r);
    expect(canonical(restored!)).toEqual(canonical(live));
    // Applying is idempotent for the same base: the state after the snapshot plus the same deltas again matches.
    const again = records.slice(1).reduce<PartitionState | undefined>((s, r) => applyRecord(s, r), undefined);
    expect(canonical(again!)).toEqual(canonical(live));
  });

  it('rejects a corrupt, truncated or misplaced record with a clear error', () => {
    const s = new PartitionState(2, 60_000);
    const fold = foldBatch(s, msgs(0, [ev('x', 'C1', 1)]), params(0));
    s.offset = 1;
    const delta = encodeDelta(s, 0, fold);
    const flipped = Buffer.from(delta);
    flipped[flipped.length - 3]! ^= 0xff;
    expect(() => applyRecord(new PartitionState(2, 60_000), flipped)).toThrow(CorruptCheckpointError);
    expect(() => applyRecord(new PartitionState(2, 60_000), delta.subarray(0, 20))).toThrow(/checksum|magic/);
    expect(() => applyRecord(undefined, delta)).toThrow(/no base state/);
    expect(() => applyRecord(new PartitionState(2, 60_000, 5), delta)).toThrow(/applied to the state at 5/);
  });
});
