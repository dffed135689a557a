/**
 * The chaos run: the stream under a steady producer, batch days and the HTTP API under load at once, while the
 * fault schedule kills workers, restarts services and drops bad files; then drain, check and clean up.
 */
import type { Client } from '@temporalio/client';
import { createSearchSink } from '../../adapters/search/index.js';
import { batchStatus } from '../../cli/batch.js';
import { stopUpdate } from '../../common/stream-api.js';
import { createKafka } from '../../lib/clients.js';
import { createRng } from '../../lib/generate/random.js';
import { speedTotals } from '../../lib/stream/totals.js';
import { connectTemporal } from '../../lib/temporal.js';
import { streamViewership } from '../../workflows/stream.js';
import type { BadFileKind } from './bad-files.js';
import { BatchLoop } from './batch-loop.js';
import { expectedStatus, knownCustomers } from './batch-reference.js';
import { retrying } from './batch-runs.js';
import { waitDrained } from './drain.js';
import { diagnoseStream } from './diagnose.js';
import { attributeIncidents, checkBadDrop, checkBatchDay, checkHttp, checkStream, type Check } from './checks.js';
import { chaosEnv, createChaosEnv, removeChaosEnv } from './env.js';
import {
  ensureServicesUp,
  planFaults,
  restartService,
  servicePids,
  type DownWindow,
  type FaultRecord,
} from './faults.js';
import { startHttpLoad } from './http-load.js';
import { livingDescendants, ownLiving, spawnViewership, stopAll, stopProc } from './procs.js';
import { startProducer } from './producer.js';
import type { ChaosReport } from './report.js';
import { WorkerPool } from './worker-pool.js';
import { searchSinkOptions } from '../../lib/adapter-options.js';

/** Options of one chaos run. */
export interface ChaosOptions {
  minutes: number;
  seed: number;
  /** Restart Kafka, the search engine and Temporal (off: worker kills and bad files only). */
  serviceRestarts: boolean;
  eventsPerS?: number;
  log?: (m: string) => void;
  /** Ends the fault phase early (Ctrl-C): the run then drains, checks and cleans up as usual. */
  signal?: AbortSignal;
}

/** Sleep `ms`, or less when `signal` aborts. */
const sleepUnless = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      r();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Run the chaos scenario for about `minutes` and return its figures and checks (never leaves a service down). */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? ((m: string) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}`));
  const e = chaosEnv();
  const rng = createRng(o.seed);
  const startedAt = new Date();
  const phaseMs = Math.round(o.minutes * 60_000 * 0.8);
  const searchService = e.cfg.search.engine === 'elasticsearch' ? 'elasticsearch' : 'opensearch';
  const restartable = ['kafka', searchService, 'temporal'];
  const kafka = createKafka(e.cfg.kafka, '-chaos');
  const admin = kafka.admin();
  const faults: FaultRecord[] = [];
  const windows: DownWindow[] = [];
  const checks: Check[] = [];
  const notes: string[] = [];
  log(`run ${e.id}: ${o.minutes} min, seed ${o.seed}, service restarts ${o.serviceRestarts ? 'on' : 'off'}`);
  await admin.connect();
  await createChaosEnv(e, admin);
  let client: Client | undefined;
  const streams = new WorkerPool('stream', 2, e.env, log);
  const batches = new WorkerPool('batch', 2, e.env, log);
  let serveProc: ReturnType<typeof spawnViewership> | undefined;
  let report: ChaosReport | undefined;
  /** What to stop when the run ends early on an error (harmless after the normal end). */
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    client = await connectTemporal(e.cfg.temporal);
    const c = () => client!;
    await Promise.all([streams.start(), batches.start()]);
    /** The stream workflow's own record of why it is stuck, logged and kept in the report's notes. */
    const explainStream = async (why: string): Promise<string[]> => {
      const lines = await diagnoseStream(handle);
      for (const l of lines) log(`${why}: ${l}`);
      notes.push(`${why}: ${lines.join('; ')}`);
      return lines;
    };
    const handle = await c().workflow.start(streamViewership, {
      taskQueue: e.env.TASK_QUEUE_STREAM,
      workflowId: e.streamWorkflowId,
      args: [{ settings: { intervalMs: 1000 } }],
    });
    cleanups.push(() => handle.terminate('chaos run ended'));
    serveProc = spawnViewership('serve', ['serve', '--port', '0'], e.env, /dashboard: http:\/\/\S+\//);
    await serveProc.ready;
    const baseUrl = /dashboard: (http:\/\/[^/\s]+)\//.exec(serveProc.output())![1]!;
    log(`stream ${e.streamWorkflowId} started; serve at ${baseUrl}`);
    const producer = await startProducer(kafka, {
      topic: e.env.KAFKA_TOPIC_EVENTS,
      ratePerS: o.eventsPerS ?? 200,
      seed: o.seed,
      runId: e.id,
      log,
    });
    cleanups.push(() => producer.stop());

    const batch = new BatchLoop(
      c,
      { taskQueue: e.env.TASK_QUEUE_BATCH, landingDir: e.env.LANDING_DIR, rowsPerDay: 4000, seed: o.seed },
      log,
    );
    batch.start();

    const speedFrom = new Date(startedAt.getTime() - 3_600_000).toISOString();
    const paths = () => {
      const to = new Date(Date.now() + 3_600_000).toISOString();
      const done = batch.completedDays();
      const list = [
        `/api/viewership?from=${speedFrom}&to=${to}&interval=minute`,
        `/api/viewership?from=${speedFrom}&to=${to}&groupBy=event_type`,
        '/api/health',
      ];
      for (const d of done.slice(-2)) list.push(`/api/viewership?from=${d}&to=${d}T23:59:59Z&interval=hour`);
      return list;
    };
    const http = startHttpLoad(baseUrl, paths, { clients: 4, pauseMs: 100, seed: o.seed });
    cleanups.push(() => http.stop());

    // The fault schedule.
    const plan = planFaults(phaseMs, o.seed, o.serviceRestarts);
    const t0 = Date.now();
    for (const f of plan) {
      const wait = t0 + f.atMs - Date.now();
      if (wait > 0) await sleepUnless(wait, o.signal);
      if (o.signal?.aborted) break;
      const at = new Date();
      let detail = '';
      try {
        if (f.kind === 'kill_stream_worker' || f.kind === 'kill_batch_worker') {
          const pool = f.kind === 'kill_stream_worker' ? streams : batches;
          const delay = rng.int(1000, 8000);
          detail = `${(await pool.killOne((n) => rng.int(0, n - 1), delay)) ?? 'no live worker'}, restarted after ${delay} ms`;
        } else if (f.kind.startsWith('restart_')) {
          const name = f.kind === 'restart_search' ? searchService : f.kind.slice('restart_'.length);
          const w = await restartService(name, log);
          windows.push(w);
          detail = `${name} down ${((w.toMs - 30_000 - w.fromMs) / 1000).toFixed(1)} s (stop → answering again)`;
        } else {
          const d = batch.dropBad(f.kind.slice('bad_file:'.length) as BadFileKind);
          detail = `${d.date}/${d.file}`;
        }
      } catch (err) {
        detail = `FAILED: ${(err as Error).message.split('\n')[0]}`;
        notes.push(`fault ${f.kind} at ${at.toISOString()} failed: ${(err as Error).message.split('\n')[0]}`);
      }
      faults.push({ kind: f.kind, startedAt: at.toISOString(), endedAt: new Date().toISOString(), detail });
      log(`fault ${f.kind}: ${detail}`);
    }
    const rest = t0 + phaseMs - Date.now();
    if (rest > 0) await sleepUnless(rest, o.signal);
    if (o.signal?.aborted) notes.push('fault phase ended early (interrupted)');

    // End: stop producing, let the batch runs finish, drain the stream.
    const tally = await producer.stop();
    log(
      `producer stopped: ${tally.events} events (+${tally.duplicatesSent} re-sent, ${tally.malformedSent} malformed)`,
    );
    await batch.stop();
    await Promise.all([streams.whole(), batches.whole()]);
    const drain = await waitDrained(handle, tally.messages, Math.max(180_000, o.minutes * 30_000));
    checks.push({
      name: 'stream: drained',
      ok: drain.drained,
      detail: `read ${drain.read} of ${tally.messages} messages in ${(drain.drainMs / 1000).toFixed(1)} s`,
    });
    if (!drain.drained) await explainStream('stream not drained');
    const sink = createSearchSink(searchSinkOptions(e.cfg));
    await retrying(() => sink.refresh(`${e.id}-speed-*`), 60_000);
    const view = await retrying(
      () => speedTotals(sink, e.id, new Date(startedAt.getTime() - 3_600_000), new Date(Date.now() + 3_600_000)),
      60_000,
    );
    await sink.close();
    checks.push(...checkStream(tally, view));
    const httpFigures = await http.stop();

    // Batch days against their references (profiles read now, as the runs read them).
    const known = await knownCustomers(e.cfg);
    for (const d of batch.days) {
      const status = await retrying(() => batchStatus(e.cfg, d.date), 60_000);
      checks.push(checkBatchDay(d.date, status, expectedStatus(d, known)));
    }
    for (const d of batch.drops) checks.push(checkBadDrop(d, batch.outcomes.get(d.date), e.env.QUARANTINE_DIR));
    const { byKind, unexplained } = attributeIncidents(httpFigures.incidents, windows);
    checks.push(checkHttp(unexplained));

    await retrying(() => handle.executeUpdate(stopUpdate), 60_000).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${(await explainStream('stop refused')).join('; ')}`, { cause: err });
    });
    await retrying(() => handle.result(), 60_000);
    report = {
      id: e.id,
      seed: o.seed,
      minutes: o.minutes,
      serviceRestarts: o.serviceRestarts,
      startedAt: startedAt.toISOString(),
      endedAt: '',
      faults,
      downWindows: windows.map((w) => ({
        ...w,
        from: new Date(w.fromMs).toISOString(),
        to: new Date(w.toMs).toISOString(),
      })),
      events: { produced: tally, counted: view, streamStatusTotals: drain.status?.totals, drainMs: drain.drainMs },
      batch: {
        days: batch.days.length,
        rerunAfterRetryableFailure: batch.rerun,
        outcomes: [...batch.outcomes.values()].map((x) => ({
          date: x.date,
          state: x.state,
          tookMs: x.tookMs,
          ...(x.state === 'failed' ? { type: x.type } : {}),
        })),
      },
      http: {
        requests: httpFigures.requests,
        byStatus: httpFigures.byStatus,
        errorsByKind: byKind,
        slow: httpFigures.slow,
      },
      workers: { streamUnplannedExits: streams.unplannedExits, batchUnplannedExits: batches.unplannedExits },
      checks,
      leftRunning: [],
      notes,
    };
  } finally {
    for (const f of cleanups.reverse()) await f().catch(() => undefined);
    await streams.stop();
    await batches.stop();
    if (serveProc) await stopProc(serveProc, 'SIGTERM');
    await stopAll();
    await client?.connection.close().catch(() => undefined);
    // Never leave a service down, whatever happened above.
    const started = await ensureServicesUp(o.serviceRestarts ? restartable : [], log).catch((err) => {
      notes.push(`services up after the run failed: ${(err as Error).message.split('\n')[0]}`);
      return [];
    });
    if (started.length) notes.push(`services started again after the run: ${started.join(', ')}`);
    const ok = !report || report.checks.every((x) => x.ok);
    await removeChaosEnv(e, admin, !ok).catch((err) => notes.push(`cleanup: ${(err as Error).message}`));
    if (!ok) notes.push(`data of the failed run kept in ${e.dir}`);
    await admin.disconnect();
  }
  if (!report) throw new Error('chaos run ended without a report'); // (the error above propagates first)
  // Services the run restarted are children of this process by now, and must stay up: not counted as left over.
  const services = new Set(await servicePids(o.serviceRestarts ? restartable : []).catch(() => []));
  const left = [...ownLiving(), ...livingDescendants(services)];
  report.leftRunning = left;
  report.checks.push({
    name: 'nothing left running',
    ok: left.length === 0,
    detail: left.join('; ') || 'no child process',
  });
  report.endedAt = new Date().toISOString();
  return report;
}
