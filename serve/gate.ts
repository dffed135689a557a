/**
 * A concurrency gate for the expensive routes: at most `max` requests run at once, up to `maxQueued` more wait
 * in line (first come, first served), and any beyond are refused at once with `BusyError` — answered 503 with
 * Retry-After — instead of piling work onto the search engine.
 */

/** The gate is full (all slots taken and the queue full), or a request's deadline passed while it waited. */
export class BusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BusyError';
  }
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: Error) => void;
}

/** At most `max` holders at once, `maxQueued` waiting. */
export class Gate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly max: number,
    readonly maxQueued: number,
  ) {
    if (!(max >= 1)) throw new RangeError(`a gate needs at least one slot (got ${max})`);
  }

  /** Requests running and waiting now. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  /**
   * A slot: resolves with its `release()` (call it exactly once; later calls are ignored) when one is free; rejects
   * with `BusyError` at once when the queue is full, or when `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.running < this.max) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(
        new BusyError(
          `busy: ${this.running} requests running and ${this.queue.length} waiting (at most ${this.max} + ${this.maxQueued})`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject,
      };
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        reject(
          new BusyError(`busy: no slot became free before the deadline (${this.running} running, at most ${this.max})`),
        );
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.resolve(this.releaser());
      else this.running--;
    };
  }
}
