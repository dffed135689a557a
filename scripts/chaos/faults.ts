/**
 * The fault schedule (random with the seed) and its injector: SIGKILLs of stream and batch workers (restarted
 * after a delay), restarts of Kafka, the search engine and the Temporal server through the services manager
 * (same data dir, ports and address as `npm run services -- up`), and bad files in the landing dir. Every fault
 * is logged with its time; a service's down window is kept so HTTP errors in it are attributed to that service.
 */
import { createRng, type Rng } from '../../lib/generate/random.js';
import { contexts } from '../services/cli.js';
import { down, status, up } from '../services/manager.js';
import { selectServices } from '../services/registry.js';
import { BAD_FILE_KINDS, type BadFileKind } from './bad-files.js';

/** A kind of fault. */
export type FaultKind =
  | 'kill_stream_worker'
  | 'kill_batch_worker'
  | 'restart_kafka'
  | 'restart_search'
  | 'restart_temporal'
  | `bad_file:${BadFileKind}`;

/** One planned fault: when (ms after the start of the fault phase) and what. */
export interface PlannedFault {
  atMs: number;
  kind: FaultKind;
}

/** One injected fault, as logged. */
export interface FaultRecord {
  kind: FaultKind;
  startedAt: string;
  endedAt: string;
  detail: string;
}

/** A window in which a service was down (from the stop request until it answered again, plus 30 s of recovery). */
export interface DownWindow {
  service: string;
  fromMs: number;
  toMs: number;
}

/**
 * The plan: worker kills spread over the phase (about one stream kill per 40 s and one batch kill per 60 s),
 * each bad-file kind once per 5 minutes (at least once), and — when `serviceRestarts` — each service restarted
 * once per 5 minutes (at least once), services kept apart from each other.
 */
export function planFaults(phaseMs: number, seed: number, serviceRestarts: boolean): PlannedFault[] {
  const rng = createRng(seed);
  const plan: PlannedFault[] = [];
  const spread = (kind: FaultKind, count: number, from = 0.05, to = 0.9) => {
    for (let i = 0; i < count; i++) {
      const slot = (to - from) / count;
      plan.push({ kind, atMs: Math.round(phaseMs * (from + slot * i + slot * rng.next() * 0.8)) });
    }
  };
  const per5min = Math.max(1, Math.round(phaseMs / 300_000));
  spread('kill_stream_worker', Math.max(2, Math.round(phaseMs / 40_000)));
  spread('kill_batch_worker', Math.max(2, Math.round(phaseMs / 60_000)));
  for (const k of BAD_FILE_KINDS) spread(`bad_file:${k}`, per5min);
  if (serviceRestarts) {
    const services: FaultKind[] = ['restart_kafka', 'restart_search', 'restart_temporal'];
    const order = shuffle(rng, Array.from({ length: per5min }, () => services).flat());
    order.forEach((kind, i) => {
      const slot = 0.8 / order.length;
      plan.push({ kind, atMs: Math.round(phaseMs * (0.1 + slot * i + slot * 0.5 * rng.next())) });
    });
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Stop and start one project service by name through the services manager; returns its down window. */
export async function restartService(name: string, log: (m: string) => void, graceMs = 30_000): Promise<DownWindow> {
  const svc = await selectServices([name], process.env);
  const mk = contexts((m) => log(`services: ${m}`));
  const fromMs = Date.now();
  const stopped = await down(svc, mk);
  if (!stopped.includes(name)) throw new Error(`${name} was not started by this project's services manager`);
  try {
    await new Promise((r) => setTimeout(r, 3000)); // down for a moment even when it restarts fast
  } finally {
    await up(svc, mk);
  }
  return { service: name, fromMs, toMs: Date.now() + graceMs };
}

/** Make sure every named service answers; starts the ones that do not (the run must never leave one down). */
export async function ensureServicesUp(names: string[], log: (m: string) => void): Promise<string[]> {
  if (names.length === 0) return []; // (no names would select every service)
  const { started } = await up(
    await selectServices(names, process.env),
    contexts((m) => log(`services: ${m}`)),
  );
  return started;
}

/**
 * Pids of the named services as the services manager recorded them: a service the run restarted is a child of
 * this process, yet it is the project's service, meant to keep running (the final check leaves these out).
 */
export async function servicePids(names: string[]): Promise<number[]> {
  if (names.length === 0) return [];
  const rows = await status(
    await selectServices(names, process.env),
    contexts(() => undefined),
  );
  return rows.flatMap((r) => (r.pid ? [r.pid] : []));
}
