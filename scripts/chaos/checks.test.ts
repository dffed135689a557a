/** The chaos run's pure parts: the fault plan drawn from the seed, and the checks' verdicts on collected figures. */
import { describe, expect, it } from 'vitest';
import { attributeIncidents, checkHttp, checkStream } from './checks.js';
import { planFaults } from './faults.js';
import type { ProducerTally } from './producer.js';
import type { StreamTotals } from '../../lib/stream/totals.js';

describe('planFaults', () => {
  it('is the same for the same seed, inside the phase, sorted, with every kind', () => {
    const a = planFaults(144_000, 42, true);
    expect(planFaults(144_000, 42, true)).toEqual(a);
    expect(planFaults(144_000, 43, true)).not.toEqual(a);
    expect(a.every((f, i) => f.atMs >= 0 && f.atMs <= 144_000 && (i === 0 || a[i - 1]!.atMs <= f.atMs))).toBe(true);
    expect(new Set(a.map((f) => f.kind)).size).toBe(9);
    expect(planFaults(144_000, 42, false).some((f) => f.kind.startsWith('restart_'))).toBe(false);
  });

  it('restarts each service once per 5 minutes', () => {
    const plan = planFaults(480_000, 7, true);
    for (const k of ['restart_kafka', 'restart_search', 'restart_temporal'])
      expect(plan.filter((f) => f.kind === k)).toHaveLength(2);
  });
});

describe('checks', () => {
  const tally: ProducerTally = {
    events: 10,
    watchMs: 5000,
    byEventType: { play: 6, view: 4 },
    duplicatesSent: 2,
    malformedSent: 1,
    messages: 13,
    failedSends: 0,
    longestStallMs: 0,
  };
  const view: StreamTotals = {
    from: '',
    to: '',
    events: 10,
    uniqueCustomers: 3,
    unknownCustomerEvents: 0,
    watchMs: 5000,
    byEventType: { view: 4, play: 6 },
    byStatusCategory: { '2xx': 10 },
    duplicates: 2,
    late: 0,
    deadLettered: 1,
  };

  it('passes exact counts and fails one event too many or a missing dead letter', () => {
    expect(checkStream(tally, view).every((c) => c.ok)).toBe(true);
    expect(checkStream(tally, { ...view, events: 11 })[0]!.ok).toBe(false);
    expect(checkStream(tally, { ...view, deadLettered: 0 })[2]!.ok).toBe(false);
    // After a retried send, more duplicates than re-sent on purpose is allowed, fewer is not.
    const retried = { ...tally, failedSends: 1 };
    expect(checkStream(retried, { ...view, duplicates: 3 })[1]!.ok).toBe(true);
    expect(checkStream(retried, { ...view, duplicates: 1 })[1]!.ok).toBe(false);
  });

  it('attributes a 5xx overlapping a down window to the service, sheds apart, and fails the rest', () => {
    const windows = [{ service: 'opensearch', fromMs: 1000, toMs: 2000 }];
    const inc = (atMs: number, endMs: number, kind = '5xx:503') => ({ atMs, endMs, path: '/x', kind, detail: '' });
    const { byKind, unexplained } = attributeIncidents(
      [inc(990, 1010), inc(1500, 1600), inc(2500, 2600), inc(3000, 3001, 'shed'), inc(100, 200, 'network')],
      windows,
    );
    expect(byKind).toEqual({
      '5xx:503 while opensearch down': 2,
      '5xx:503': 1,
      network: 1,
      'shed (503 + Retry-After, load shedding)': 1,
    });
    expect(unexplained.map((i) => i.atMs)).toEqual([2500, 100]);
    expect(checkHttp(unexplained).ok).toBe(false);
    expect(checkHttp([]).ok).toBe(true);
  });
});
