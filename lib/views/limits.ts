/**
 * Defaults of the serving layer's bounds (the `SERVE_*` settings in `lib/config.ts` start from these; the server
 * falls back to them when started without settings, as the route-listing tests do).
 */

/** The bounds on one serving request and on the server's connections. */
export interface ServeLimits {
  /** Deadline of one `/api/viewership` or `/api/health` request, ms: past it the answer is 504. */
  requestTimeoutMs: number;
  /** `/api/viewership` requests run at once. */
  maxConcurrent: number;
  /** `/api/viewership` requests waiting for a slot; any more are answered 503 with Retry-After. */
  maxQueued: number;
  /** Buckets (time buckets × groups) one answer may hold; more is a 400 naming what to narrow. */
  maxResultBuckets: number;
  /** Bytes of one JSON answer; more is a 400 naming what to narrow. */
  maxResponseBytes: number;
  /** Longest `to − from` of a query, days. */
  maxRangeDays: number;
  /** Time a client has to send its request headers, ms (slow-header connections get 408 and are closed). */
  headersTimeoutMs: number;
}

/** The defaults. */
export const DEFAULT_SERVE_LIMITS: Readonly<ServeLimits> = {
  requestTimeoutMs: 15_000,
  maxConcurrent: 8,
  maxQueued: 32,
  maxResultBuckets: 50_000,
  maxResponseBytes: 16 * 1024 * 1024,
  maxRangeDays: 366,
  headersTimeoutMs: 10_000,
};

/** Seconds a client is told to wait (Retry-After) when the server is busy. */
export const BUSY_RETRY_AFTER_S = 1;
