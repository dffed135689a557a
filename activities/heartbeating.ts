/**
 * Periodic heartbeats for activities whose steps run long without a natural progress point (a DuckDB query, a
 * bulk load): with a heartbeat timeout on their proxy, a worker killed mid-activity is noticed within that
 * timeout and the activity retried elsewhere, instead of after its whole start-to-close timeout.
 */
import { Context } from '@temporalio/activity';

/** The current activity context, or undefined when called outside an activity (unit tests call some directly). */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * The same activities, each heartbeating every `everyMs` while it runs (besides any heartbeat it sends itself).
 * Heartbeats are throttled by the SDK, so the extra ones cost nothing when the activity already sends some.
 */
export function heartbeating<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
  everyMs = 10_000,
): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      const ctx = currentContext();
      const beat = ctx ? setInterval(() => ctx.heartbeat(), everyMs) : undefined;
      try {
        return await fn(...args);
      } finally {
        clearInterval(beat);
      }
    };
  }
  return out as T;
}
