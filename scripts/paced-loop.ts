/**
 * The demo producers' shared loop: every ~200 ms, `step` is told how many messages are due by now at `ratePerS`
 * (counted from the start) and sends what it owes; counts are reported every `reportEveryMs`; `stop()` wakes the
 * loop, lets the current step finish, closes and returns the final counts.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** What a paced loop needs from its producer. */
export interface PacedLoopOptions<C> {
  ratePerS: number;
  /** Send what is owed: `due` messages in total since the start, as of `nowMs`. */
  step: (due: number, nowMs: number) => Promise<void>;
  /** The counts so far (a copy). */
  counts: () => C;
  /** Called every `reportEveryMs` (default 30 s) with the counts so far. */
  onReport?: (counts: C) => void;
  reportEveryMs?: number;
  /** Release the producer once the loop ends. */
  close: () => Promise<void>;
}

/** A running paced loop. */
export interface PacedLoop<C> {
  done: Promise<void>;
  stop: () => Promise<C>;
}

const TICK_MS = 200;

/** Start the loop in the background (see module doc). */
export function startPacedLoop<C>(o: PacedLoopOptions<C>): PacedLoop<C> {
  let stopping = false;
  const wake = new AbortController();
  const run = async () => {
    const t0 = Date.now();
    let lastReport = t0;
    while (!stopping) {
      const now = Date.now();
      await o.step(Math.floor(((now - t0) / 1000) * o.ratePerS), now);
      if (o.onReport && Date.now() - lastReport >= (o.reportEveryMs ?? 30_000)) {
        lastReport = Date.now();
        o.onReport(o.counts());
      }
      await sleep(TICK_MS, undefined, { signal: wake.signal }).catch(() => undefined);
    }
  };
  const done = run().finally(() => o.close());
  return {
    done,
    async stop() {
      stopping = true;
      wake.abort();
      await done.catch(() => undefined);
      return o.counts();
    },
  };
}
