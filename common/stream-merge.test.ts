import { describe, expect, it } from 'vitest';
import { mergeSummaries, type GroupSummary } from './stream-merge.js';

const g = (over: Partial<GroupSummary>): GroupSummary => ({
  next: {},
  maxEventTimeMs: {},
  read: 0,
  accepted: 0,
  deadLettered: 0,
  late: 0,
  duplicates: 0,
  lag: 0,
  behind: [],
  tookMs: 0,
  worker: 'w',
  restored: [],
  checkpoint: { bytes: 0, ms: 0 },
  ...over,
});

describe('mergeSummaries', () => {
  it('joins disjoint partition groups: offsets and event times per partition, counts summed, slowest time', () => {
    const m = mergeSummaries([
      g({
        next: { 0: 10, 2: 7 },
        maxEventTimeMs: { 0: 100 },
        read: 17,
        accepted: 15,
        late: 1,
        duplicates: 1,
        lag: 3,
        behind: [2],
        tookMs: 40,
        worker: 'a',
        restored: [2],
        checkpoint: { bytes: 100, ms: 7 },
      }),
      g({
        next: { 1: 5 },
        maxEventTimeMs: { 1: 90 },
        read: 5,
        accepted: 4,
        deadLettered: 1,
        tookMs: 55,
        worker: 'b',
        checkpoint: { bytes: 50, ms: 9 },
      }),
    ]);
    expect(m).toEqual({
      next: { 0: 10, 1: 5, 2: 7 },
      maxEventTimeMs: { 0: 100, 1: 90 },
      read: 22,
      accepted: 19,
      deadLettered: 1,
      late: 1,
      duplicates: 1,
      lag: 3,
      behind: [2],
      tookMs: 55,
      workers: ['a', 'b'],
      restored: [2],
      checkpoint: { bytes: 150, ms: 9 },
    });
  });
});
