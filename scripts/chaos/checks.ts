/**
 * The chaos run's checks: each a name, a pass flag and what was seen against what was expected. Pure functions
 * over what the run collected, so the figures and the verdict come from the same numbers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { BadDrop } from './bad-files.js';
import type { BatchOutcome } from './batch-runs.js';
import type { DownWindow } from './faults.js';
import type { HttpIncident } from './http-load.js';
import type { ProducerTally } from './producer.js';
import type { StreamTotals } from '../../lib/stream/totals.js';

/** One check's verdict. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });

/** Every produced event counted exactly once in the speed view; duplicates and malformed messages not counted. */
export function checkStream(t: ProducerTally, v: StreamTotals): Check[] {
  const exact = t.failedSends === 0; // a retried send may have reached the broker twice (then counted as a duplicate)
  return [
    check(
      'stream: events counted exactly once',
      v.events === t.events && v.watchMs === t.watchMs && isDeepStrictEqual(v.byEventType, t.byEventType),
      `speed view ${v.events} events / ${v.watchMs} watch ms ${JSON.stringify(v.byEventType)}; produced ${t.events} / ${t.watchMs} ${JSON.stringify(t.byEventType)}`,
    ),
    check(
      'stream: re-sent events counted as duplicates',
      exact ? v.duplicates + v.late === t.duplicatesSent : v.duplicates + v.late >= t.duplicatesSent,
      `duplicates ${v.duplicates} + late ${v.late}; re-sent on purpose ${t.duplicatesSent}${exact ? '' : ` (at least: ${t.failedSends} sends retried)`}`,
    ),
    check(
      'stream: malformed messages dead-lettered',
      exact ? v.deadLettered === t.malformedSent : v.deadLettered >= t.malformedSent,
      `dead-lettered ${v.deadLettered}; malformed sent ${t.malformedSent}`,
    ),
  ];
}

/** Each batch day's `batch status` equals its reference (`expected`, in the same shape). */
export function checkBatchDay(date: string, status: unknown, expected: unknown): Check {
  return check(
    `batch ${date}: equals its reference`,
    isDeepStrictEqual(status, expected),
    isDeepStrictEqual(status, expected)
      ? 'equal'
      : `got ${JSON.stringify(status)}; expected ${JSON.stringify(expected)}`,
  );
}

/** Read a date's quarantine files into `${file}:${line}` → reason. */
function quarantineOf(quarantineDir: string, date: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = `${quarantineDir}/date=${date}`;
  for (const f of readdirSync(dir)) {
    const rows = parse(readFileSync(`${dir}/${f}`), { columns: true }) as {
      file: string;
      line: string;
      reason: string;
    }[];
    for (const r of rows) out.set(`${r.file}:${r.line}`, r.reason);
  }
  return out;
}

/** A bad file went to quarantine row by row, or its run was refused with a typed, non-retryable error naming it. */
export function checkBadDrop(d: BadDrop, o: BatchOutcome | undefined, quarantineDir: string): Check {
  const name = `bad file ${d.kind} (${d.date}/${d.file})`;
  if (!o) return check(name, false, 'its batch run never finished');
  if (d.expect.outcome === 'completed') {
    if (o.state !== 'completed') return check(name, false, `run failed: ${o.type}: ${o.message}`);
    const q = quarantineOf(quarantineDir, d.date);
    return check(
      name,
      isDeepStrictEqual(q, d.expect.quarantined) && o.result.report.rejected === d.expect.quarantined.size,
      `quarantined ${q.size} rows (injected ${d.expect.quarantined.size}), run completed`,
    );
  }
  if (o.state !== 'failed') return check(name, false, 'run completed: the bad file was accepted');
  // A refusal names the file (BadInputError), or it is the reject threshold with the file's rows in quarantine.
  const named =
    o.type === 'BadInputError'
      ? o.message.includes(d.file)
      : o.type === 'RejectThresholdError' &&
        [...quarantineOf(quarantineDir, d.date).keys()].some((k) => k.startsWith(`${d.file}:`));
  return check(name, o.nonRetryable && named, `refused: ${o.type}: ${o.message.slice(0, 160)}`);
}

/** Sort the HTTP incidents: 5xx overlapping a down window are attributed to the service, others are failures. */
export function attributeIncidents(incidents: HttpIncident[], windows: DownWindow[]) {
  const byKind: Record<string, number> = {};
  const unexplained: HttpIncident[] = [];
  for (const i of incidents) {
    // A request in flight when the service went down counts as inside the window.
    const w = windows.find((x) => i.endMs >= x.fromMs && i.atMs <= x.toMs);
    const key =
      i.kind === 'shed' ? 'shed (503 + Retry-After, load shedding)' : w ? `${i.kind} while ${w.service} down` : i.kind;
    byKind[key] = (byKind[key] ?? 0) + 1;
    if (i.kind !== 'shed' && !w) unexplained.push(i);
  }
  return { byKind, unexplained };
}

/** No 5xx (or unanswered request) outside a service's down window. */
export function checkHttp(unexplained: HttpIncident[]): Check {
  return check(
    'http: no 5xx outside a down window',
    unexplained.length === 0,
    unexplained.length === 0
      ? 'none'
      : `${unexplained.length}, first: ${unexplained
          .slice(0, 3)
          .map((i) => `${new Date(i.atMs).toISOString()} ${i.kind} ${i.path} ${i.detail}`)
          .join(' | ')}`,
  );
}
