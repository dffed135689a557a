/**
 * The request deadline of the serving routes, and the errors a handler's work ends with besides a bad parameter:
 * past the deadline (504), the client gone (nothing to answer), a backing service failed (503).
 */
import type { ServerResponse } from 'node:http';
import type { Gate } from './gate.js';

/** The request's deadline passed before its answer was ready. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within the request deadline of ${ms} ms (SERVE_REQUEST_TIMEOUT_MS)`);
    this.name = 'DeadlineError';
  }
}

/** The client closed the connection before its answer was ready (nothing to answer). */
export class ClientGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientGoneError';
  }
}

/** The search engine (or, for /api/ads, PostgreSQL) failed a query (answered 503). */
export class SearchFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchFailedError';
  }
}

/** Rejects with the signal's reason when it aborts. */
const aborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/**
 * Run `work` within the request's deadline: its signal aborts at the deadline (the reads stop at their next page)
 * and when the client goes away. With a `gate`, the work first takes a slot (`BusyError` when none is free in
 * time) and holds it until the work itself settles — past the deadline too — so the gate bounds the work really
 * in flight, not only the requests still waiting for an answer.
 */
export async function withinDeadline<T>(
  res: ServerResponse,
  deadlineMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  gate?: Gate,
): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new DeadlineError(deadlineMs)), deadlineMs);
  const onClose = () => {
    if (!res.writableFinished) ac.abort(new ClientGoneError('client closed the connection'));
  };
  res.once('close', onClose);
  try {
    const release = gate ? await gate.acquire(ac.signal) : undefined;
    const p = Promise.resolve().then(() => work(ac.signal));
    if (release) p.finally(release).catch(() => undefined);
    else p.catch(() => undefined);
    return await Promise.race([p, aborted(ac.signal)]);
  } finally {
    clearTimeout(timer);
    res.off('close', onClose);
    // The request is over: reads still running beside a failed one (Promise.all settles at the first failure) stop too.
    if (!ac.signal.aborted) ac.abort(new ClientGoneError('request over'));
  }
}

/**
 * A backing service's failure as a `SearchFailedError` (`what` names the service), except a bad parameter or the
 * deadline's own abort, which pass through.
 */
export function serviceFailure(what: string, signal: AbortSignal, passThrough: (err: unknown) => boolean) {
  return (err: unknown): never => {
    if (passThrough(err) || err === signal.reason) throw err;
    throw new SearchFailedError(`${what} failed: ${(err as Error).message.split('\n')[0]}`);
  };
}
