/**
 * Service checks of `/api/health`: one real round trip to Kafka, the search engine, the profiles store and
 * Temporal, each under a time limit, so a dead service costs at most that limit and shows as down.
 */
import type { ServeResources } from './resources.js';

/** Reject with a clear message when `p` does not settle within `timeoutMs`. */
export function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** One service's state. */
export interface ServiceCheck {
  name: 'kafka' | 'search' | 'profiles' | 'temporal';
  up: boolean;
  latencyMs: number;
  detail?: string;
  error?: string;
}

/** End offsets of the events topic per partition (from the Kafka check, reused for the stream's lag). */
export type EndOffsets = Record<number, number>;

async function timed<T>(
  name: ServiceCheck['name'],
  timeoutMs: number,
  f: () => Promise<T>,
  detail: (v: T) => string,
): Promise<{ check: ServiceCheck; value?: T }> {
  const t0 = performance.now();
  try {
    const value = await withTimeout(f(), timeoutMs, name);
    return { check: { name, up: true, latencyMs: Math.round(performance.now() - t0), detail: detail(value) }, value };
  } catch (err) {
    return {
      check: {
        name,
        up: false,
        latencyMs: Math.round(performance.now() - t0),
        error: (err as Error).message.split('\n')[0],
      },
    };
  }
}

/** Check every service in parallel; also returns the events topic's end offsets when Kafka answered. */
export async function checkServices(
  r: ServeResources,
  timeoutMs: number,
): Promise<{ services: ServiceCheck[]; endOffsets?: EndOffsets }> {
  const topic = r.cfg.kafka.topics.events;
  const [kafka, search, profiles, temporal] = await Promise.all([
    timed(
      'kafka',
      timeoutMs,
      async () => {
        try {
          const offsets = await (await r.kafkaAdmin()).fetchTopicOffsets(topic);
          return Object.fromEntries(offsets.map((o) => [o.partition, Number(o.high)])) as EndOffsets;
        } catch (err) {
          r.reset('kafka');
          throw err;
        }
      },
      (o) =>
        `topic ${topic}: ${Object.keys(o).length} partitions, ${Object.values(o).reduce((a, b) => a + b, 0)} messages`,
    ),
    timed(
      'search',
      timeoutMs,
      () => r.search.info(),
      (i) => `${i.engine} ${i.version}`,
    ),
    timed(
      'profiles',
      timeoutMs,
      () => r.profiles.ping(),
      (v) => `${r.profiles.kind}: ${v.split(' ').slice(0, 2).join(' ')}`,
    ),
    timed(
      'temporal',
      timeoutMs,
      async () => {
        try {
          const c = await r.temporal();
          return await c.workflowService.getSystemInfo({});
        } catch (err) {
          r.reset('temporal');
          throw err;
        }
      },
      (i) => `server ${i.serverVersion ?? '?'} at ${r.cfg.temporal.address}`,
    ),
  ]);
  return { services: [kafka.check, search.check, profiles.check, temporal.check], endOffsets: kafka.value };
}
