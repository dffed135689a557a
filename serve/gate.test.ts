import { describe, expect, it } from 'vitest';
import { BucketBudget, TooManyBucketsError } from '../lib/views/bounds.js';
import { BusyError, Gate } from './gate.js';

describe('Gate', () => {
  it('runs at most max at once, queues up to maxQueued, refuses the rest at once', async () => {
    const gate = new Gate(2, 1);
    const a = await gate.acquire();
    await gate.acquire();
    let third: (() => void) | undefined;
    const waiting = gate.acquire().then((r) => (third = r));
    await expect(gate.acquire()).rejects.toBeInstanceOf(BusyError);
    expect(gate.load).toEqual({ running: 2, queued: 1 });
    a();
    a(); // a second release of the same slot is ignored
    await waiting;
    expect(third).toBeTypeOf('function');
    expect(gate.load).toEqual({ running: 2, queued: 0 });
  });

  it('gives up waiting when the signal aborts (the request deadline)', async () => {
    const gate = new Gate(1, 5);
    const held = await gate.acquire();
    const ac = new AbortController();
    const waiting = gate.acquire(ac.signal);
    ac.abort(new Error('deadline'));
    await expect(waiting).rejects.toBeInstanceOf(BusyError);
    expect(gate.load).toEqual({ running: 1, queued: 0 });
    held();
    expect(gate.load).toEqual({ running: 0, queued: 0 });
  });
});

describe('BucketBudget', () => {
  it('throws past the maximum, naming what to narrow, and keeps throwing', () => {
    const grouped = new BucketBudget(10, { groupBy: ['content_id'], limit: undefined });
    grouped.take(10);
    expect(() => grouped.take(1)).toThrow(TooManyBucketsError);
    expect(() => grouped.take(0)).toThrow(/more than 10 buckets.*add a limit/);
    const err = (() => {
      try {
        new BucketBudget(1, { groupBy: [], limit: undefined }).take(2);
      } catch (e) {
        return e as TooManyBucketsError;
      }
    })();
    expect(err?.parameter).toBe('interval');
    expect(() => new BucketBudget(1, { groupBy: ['plan'], limit: 3 }).take(2)).toThrow(
      expect.objectContaining({ parameter: 'limit' }),
    );
  });
});
