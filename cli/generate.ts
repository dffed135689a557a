/** `viewership generate profiles|weblogs`: sample data into the profiles store and the landing directory. */
import { setTimeout as sleep } from 'node:timers/promises';
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { createProfilesStore } from '../adapters/profiles/index.js';
import { isIsoDate } from '../common/weblog.js';
import type { AppConfig } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { generateProfile } from '../lib/generate/profiles.js';
import { generateWeblogLines } from '../lib/generate/weblogs.js';
import { createEventGenerator, type EventKind } from '../lib/generate/events.js';
import { createKafka } from '../lib/clients.js';
import { count, progress } from './progress.js';
import { profilesStoreOptions } from '../lib/adapter-options.js';

/** Upsert `count` profiles C000001… into the configured store, in batches, with progress. */
export async function generateProfiles(cfg: AppConfig, o: { count: number; seed: number }): Promise<void> {
  if (!Number.isInteger(o.count) || o.count < 1)
    throw new BadInputError(`--count must be a positive integer (got ${o.count})`);
  const store = createProfilesStore(profilesStoreOptions(cfg));
  const p = progress('[generate profiles]');
  try {
    const batch = 5000;
    for (let i = 1; i <= o.count; i += batch) {
      const rows = Array.from({ length: Math.min(batch, o.count - i + 1) }, (_, k) => generateProfile(i + k, o.seed));
      await store.upsert(rows);
      p.update(`${count(Math.min(i + batch - 1, o.count))} / ${count(o.count)}`);
    }
    p.done(`${o.count} profiles upserted into ${store.kind}`);
  } finally {
    await store.close();
  }
}

/** Options of `generate weblogs`. */
export interface WeblogCliOptions {
  date: string;
  rows: number;
  format: 'csv' | 'combined';
  badRate: number;
  gzip: boolean;
  seed: number;
  customers: number;
  landing?: string;
  file?: string;
}

/** Write one day's web-log file into `<landing>/<date>/` (written as .part, renamed when complete). */
export async function generateWeblogs(cfg: AppConfig, o: WeblogCliOptions): Promise<string> {
  if (!isIsoDate(o.date)) throw new BadInputError(`--date must be YYYY-MM-DD (got "${o.date}")`);
  if (!Number.isInteger(o.rows) || o.rows < 1)
    throw new BadInputError(`--rows must be a positive integer (got ${o.rows})`);
  if (!(o.badRate >= 0 && o.badRate <= 1))
    throw new BadInputError(`--bad-rate must be between 0 and 1 (got ${o.badRate})`);
  if (o.format !== 'csv' && o.format !== 'combined')
    throw new BadInputError(`--format must be csv or combined (got "${o.format}")`);
  const dir = `${o.landing ?? cfg.paths.landingDir}/${o.date}`;
  mkdirSync(dir, { recursive: true });
  const name =
    o.file ?? `weblogs-${o.format}-seed${o.seed}.${o.format === 'csv' ? 'csv' : 'log'}${o.gzip ? '.gz' : ''}`;
  const path = `${dir}/${name}`;
  const out = createWriteStream(`${path}.part`);
  const gz = o.gzip ? createGzip({ level: 6 }) : undefined;
  if (gz) gz.pipe(out);
  const sink = gz ?? out;
  const p = progress(`[generate weblogs ${o.date}]`);
  let buf: string[] = [];
  let n = 0;
  for (const line of generateWeblogLines({ ...o })) {
    buf.push(line);
    if (buf.length === 10_000) {
      if (!sink.write(buf.join('\n') + '\n')) await once(sink, 'drain');
      buf = [];
      n += 10_000;
      if (n % 200_000 === 0) p.update(`${count(n)} / ${count(o.rows)} rows`);
    }
  }
  if (buf.length) sink.write(buf.join('\n') + '\n');
  sink.end();
  await once(out, 'finish');
  renameSync(`${path}.part`, path);
  p.done(`${o.rows} rows → ${path}`);
  return path;
}

/** Options of `generate events`. */
export interface EventsCliOptions {
  rate: number;
  durationS: number;
  badRate: number;
  lateRate: number;
  duplicateRate: number;
  unknownRate: number;
  customers: number;
  seed: number;
}

/** Produce events to the events topic at `rate` per second for `durationS` seconds, with progress. */
export async function generateEvents(cfg: AppConfig, o: EventsCliOptions): Promise<Record<EventKind, number>> {
  if (!(o.rate > 0)) throw new BadInputError(`--rate must be a positive number of events per second (got ${o.rate})`);
  if (!(o.durationS > 0))
    throw new BadInputError(`--duration must be a positive number of seconds (got ${o.durationS})`);
  for (const [flag, v] of [
    ['--bad-rate', o.badRate],
    ['--late-rate', o.lateRate],
    ['--duplicate-rate', o.duplicateRate],
    ['--unknown-rate', o.unknownRate],
  ] as const) {
    if (!(v >= 0 && v <= 1)) throw new BadInputError(`${flag} must be between 0 and 1 (got ${v})`);
  }
  const gen = createEventGenerator(o);
  const producer = createKafka(cfg.kafka, '-generator').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const counts: Record<EventKind, number> = { good: 0, bad: 0, late: 0, duplicate: 0 };
  const p = progress(`[generate events → ${cfg.kafka.topics.events}]`);
  const t0 = Date.now();
  const total = Math.round(o.rate * o.durationS);
  let sent = 0;
  try {
    while (sent < total) {
      // Send what is due by now (in chunks of at most 2000), then wait for the next 100 ms slice.
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * o.rate) + 1);
      while (sent < due) {
        const k = Math.min(2000, due - sent);
        const now = Date.now();
        const msgs = Array.from({ length: k }, () => gen.next(now));
        for (const m of msgs) counts[m.kind]++;
        await producer.send({
          topic: cfg.kafka.topics.events,
          messages: msgs.map(({ key, value }) => ({ key, value })),
        });
        sent += k;
      }
      p.update(`${count(sent)} / ${count(total)} (${JSON.stringify(counts)})`);
      if (sent < total) await sleep(100);
    }
  } finally {
    await producer.disconnect();
  }
  p.done(`${sent} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s ${JSON.stringify(counts)}`);
  return counts;
}
