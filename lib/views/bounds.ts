/**
 * Bounds on the work of one serving request: a budget of buckets read from the engine (so a grouping with many
 * groups stops after `max` buckets instead of reading them all), and the request's deadline signal, checked
 * between pages so a request past its deadline stops reading.
 */
import { BadParameterError, type ViewershipQuery } from './params.js';

/** The answer would hold more buckets than the server allows; `parameter` names what to change. */
export class TooManyBucketsError extends BadParameterError {
  constructor(parameter: string, message: string) {
    super(parameter, message);
    this.name = 'TooManyBucketsError';
  }
}

/**
 * Buckets one request may read, shared by the batch and speed reads of the request. `take(n)` counts `n` more
 * and throws `TooManyBucketsError` once the total passes `max` (and for every later call, so parallel reads stop).
 */
export class BucketBudget {
  private used = 0;

  constructor(
    readonly max: number,
    private readonly q: Pick<ViewershipQuery, 'groupBy' | 'limit'>,
  ) {}

  /** Count `n` more buckets; throws past the maximum. */
  take(n: number): void {
    this.used += n;
    if (this.used <= this.max) return;
    const [parameter, advice] = narrowing(this.q);
    throw new TooManyBucketsError(
      parameter,
      `the answer would have more than ${this.max} buckets (time buckets × groups): ${advice}`,
    );
  }
}

/** The parameter to change when a query's answer is too large, and how. */
export function narrowing(q: { groupBy: readonly string[]; limit?: number }): [parameter: string, advice: string] {
  if (q.groupBy.length === 0) return ['interval', 'use a coarser interval or a shorter range'];
  if (q.limit === undefined)
    return [
      'groupBy',
      'add a limit (top N groups per bucket), group by fewer dimensions, or use a coarser interval or a shorter range',
    ];
  return ['limit', 'use a smaller limit, a coarser interval or a shorter range'];
}

/** What a read of the views may use: the request's deadline signal and its bucket budget. */
export interface ReadBounds {
  /** Aborted at the request's deadline: reads stop at their next page. */
  signal?: AbortSignal;
  budget?: BucketBudget;
}

/** Throw the signal's reason when it is aborted (between pages of a read). */
export function checkBounds(b: ReadBounds | undefined): void {
  b?.signal?.throwIfAborted();
}
