/** The chaos run's figures: the report's shape and its plain-text rendering (faults, events, requests, errors, checks). */
import type { StreamStatus } from '../../common/stream-api.js';
import type { StreamTotals } from '../../lib/stream/totals.js';
import type { Check } from './checks.js';
import type { FaultRecord } from './faults.js';
import type { ProducerTally } from './producer.js';

/** Everything one run measured and decided (what `--json` prints). */
export interface ChaosReport {
  id: string;
  seed: number;
  minutes: number;
  serviceRestarts: boolean;
  startedAt: string;
  endedAt: string;
  faults: FaultRecord[];
  downWindows: { service: string; from: string; to: string }[];
  events: {
    produced: ProducerTally;
    counted: StreamTotals;
    streamStatusTotals?: StreamStatus['totals'];
    drainMs: number;
  };
  batch: {
    days: number;
    /** Days whose run failed with a retryable error (retries used up while a service was down) and ran again. */
    rerunAfterRetryableFailure: string[];
    outcomes: { date: string; state: string; tookMs: number; type?: string }[];
  };
  http: { requests: number; byStatus: Record<string, number>; errorsByKind: Record<string, number>; slow: number };
  workers: { streamUnplannedExits: number; batchUnplannedExits: number };
  checks: Check[];
  leftRunning: string[];
  notes: string[];
}

const count = <T>(xs: T[], key: (x: T) => string) =>
  xs.reduce<Record<string, number>>((m, x) => ((m[key(x)] = (m[key(x)] ?? 0) + 1), m), {});
const kv = (m: Record<string, number>) =>
  Object.entries(m)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/** The report as text: one block per subject, then the checks with PASS/FAIL. */
export function formatReport(r: ChaosReport): string {
  const p = r.events.produced;
  const v = r.events.counted;
  const lines = [
    `chaos run ${r.id}: ${r.minutes} min, seed ${r.seed}, ${r.startedAt} → ${r.endedAt}`,
    `faults injected (${r.faults.length}): ${kv(count(r.faults, (f) => f.kind))}`,
    ...r.faults.map((f) => `  ${f.startedAt.slice(11, 19)} ${f.kind.padEnd(28)} ${f.detail}`),
    `services down: ${r.downWindows.map((w) => `${w.service} ${w.from.slice(11, 19)}–${w.to.slice(11, 19)}`).join(', ') || 'none'}`,
    `events: produced ${p.events} distinct (+${p.duplicatesSent} re-sent, ${p.malformedSent} malformed; ${p.messages} messages, ` +
      `${p.failedSends} sends retried, longest producer stall ${(p.longestStallMs / 1000).toFixed(1)} s)`,
    `        counted ${v.events} (duplicates ${v.duplicates}, late ${v.late}, dead-lettered ${v.deadLettered}); drain ${(r.events.drainMs / 1000).toFixed(1)} s`,
    `batch: ${r.batch.days} reference days; runs ${kv(count(r.batch.outcomes, (o) => (o.type ? `${o.state}:${o.type}` : o.state)))}`,
    `       run again after a retryable failure: ${r.batch.rerunAfterRetryableFailure.join('; ') || 'none'}`,
    `http: ${r.http.requests} requests; by status ${kv(r.http.byStatus)}; slower than 5 s ${r.http.slow}`,
    `      errors by kind: ${kv(r.http.errorsByKind)}`,
    `      (503 with Retry-After is the server's load shedding, counted apart, not a failure)`,
    `workers that exited on their own: stream ${r.workers.streamUnplannedExits}, batch ${r.workers.batchUnplannedExits}`,
    ...r.notes.map((n) => `note: ${n}`),
    'checks:',
    ...r.checks.map((c) => `  ${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`),
    `${r.checks.every((c) => c.ok) ? 'PASSED' : 'FAILED'}: ${r.checks.filter((c) => c.ok).length}/${r.checks.length} checks`,
  ];
  return lines.join('\n');
}
