/**
 * `npm run bench:stream` — the speed layer's benchmark (issue 4), against the real pipeline: a stream worker
 * child process (`viewership worker --queue stream`) and the `streamViewership` workflow, each phase on a fresh
 * isolated environment (own topics, index prefix and task queue), everything removed at the end or on Ctrl-C.
 *
 * 1. drain rate of a pre-loaded topic (default 2M generated events, 3 partitions), with per-batch figures;
 * 2. in the same run, the ceiling: a bare kafkajs consumer that only JSON-parses the same topic;
 * 3. visibility latency (production → window visible in the speed index) at a steady rate, at 1 s and 10 s;
 * 4. the drain worker's peak RSS with the profiles store topped up to 1M profiles (all loaded in its cache).
 *
 * Flags (or BENCH_STREAM_* env): --events N, --profiles N, --rate N, --latency-s S, --intervals 1000,10000,
 * --wait-s S (after production, for the backlog to become visible), --partitions N, --max-messages N,
 * --partition-groups N, --only drain|latency, --keep-profiles, --cpu-prof (worker CPU profile + memory probe),
 * --quick (100k events, 100k profiles, 15 s latency runs). Figures go to stdout and
 * .bench-cache/stream/result*.json; progress to stderr.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createKafka } from '../../lib/clients.js';
import { effectiveEnv, loadConfig, ROOT_DIR } from '../../lib/config.js';
import { contexts } from '../services/cli.js';
import { up } from '../services/manager.js';
import { selectServices } from '../services/registry.js';
import { isInterrupted, log, markInterrupted, onCleanup, runCleanups } from './stream-env.js';
import { ensureProfiles, summarizeCpuProfile } from './stream-machine.js';
import { drainPhase, latencyPhase } from './stream-phases.js';

const { values: a } = parseArgs({
  options: {
    events: { type: 'string' },
    profiles: { type: 'string' },
    rate: { type: 'string' },
    'latency-s': { type: 'string' },
    intervals: { type: 'string' },
    'wait-s': { type: 'string' },
    partitions: { type: 'string' },
    'max-messages': { type: 'string' },
    'partition-groups': { type: 'string' },
    only: { type: 'string' },
    'keep-profiles': { type: 'boolean' },
    'cpu-prof': { type: 'boolean' },
    quick: { type: 'boolean' },
  },
});
const quick = a.quick ?? process.env.BENCH_STREAM_QUICK === '1';
const num = (flag: string | undefined, env: string, dflt: number): number => {
  const v = Number(flag ?? process.env[env] ?? dflt);
  if (!Number.isFinite(v) || v < 0) throw new Error(`bad number for ${env}: ${flag ?? process.env[env]}`);
  return v;
};
const opts = {
  events: num(a.events, 'BENCH_STREAM_EVENTS', quick ? 100_000 : 2_000_000),
  profiles: num(a.profiles, 'BENCH_STREAM_PROFILES', quick ? 100_000 : 1_000_000),
  ratePerS: num(a.rate, 'BENCH_STREAM_RATE', 20_000),
  latencyS: num(a['latency-s'], 'BENCH_STREAM_LATENCY_S', quick ? 15 : 60),
  waitS: num(a['wait-s'], 'BENCH_STREAM_WAIT_S', quick ? 30 : 120),
  intervalsMs: (a.intervals ?? process.env.BENCH_STREAM_INTERVALS ?? '1000,10000').split(',').map(Number),
  partitions: num(a.partitions, 'BENCH_STREAM_PARTITIONS', 3),
  only: a.only ?? process.env.BENCH_STREAM_ONLY,
  keepProfiles: a['keep-profiles'] ?? false,
  cpuProf: a['cpu-prof'] ?? false,
};
// Workflow settings passed through only when given, so the workflow's own defaults apply otherwise.
const settings: Record<string, number> = {};
if (a['max-messages'] ?? process.env.BENCH_STREAM_MAX_MESSAGES)
  settings.maxMessagesPerBatch = num(a['max-messages'], 'BENCH_STREAM_MAX_MESSAGES', 0);
if (a['partition-groups'] ?? process.env.BENCH_STREAM_PARTITION_GROUPS)
  settings.partitionGroups = num(a['partition-groups'], 'BENCH_STREAM_PARTITION_GROUPS', 0);
const outDir = `${ROOT_DIR}/.bench-cache/stream`;

type Row = [figure: string, measured: string, target: string, verdict: string];
const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');
const fmt = (n: number) => Math.round(n).toLocaleString('en');

async function main(): Promise<void> {
  const cfg = loadConfig(effectiveEnv());
  await up(await selectServices(['postgres', 'temporal', 'kafka', cfg.search.engine], process.env), contexts());
  mkdirSync(outDir, { recursive: true });
  const kafka = createKafka(cfg.kafka, '-bench-stream');
  const admin = kafka.admin();
  await admin.connect();
  onCleanup('kafka admin', () => admin.disconnect());
  const profiles = await ensureProfiles(cfg, opts.profiles, opts.keepProfiles);
  const customers = Math.max(1, opts.profiles);
  const started = new Date().toISOString();
  const phase = { partitions: opts.partitions, customers, settings };

  const profDir = `${outDir}/cpu-prof-${Date.now()}`;
  const probe = opts.cpuProf
    ? {
        workerNodeArgs: [
          '--cpu-prof',
          `--cpu-prof-dir=${profDir}`,
          '--import',
          './scripts/bench/stream-worker-probe.mjs',
        ],
        workerEnv: { BENCH_STREAM_PROBE_OUT: `${profDir}/memory.json` },
      }
    : {};
  const drain =
    opts.only === 'latency' ? undefined : await drainPhase(kafka, admin, { ...phase, events: opts.events, ...probe });
  // The worker's main thread (thread 0) does the micro-batches; the other profiles are Temporal's workflow threads.
  const workerProfile =
    opts.cpuProf && drain
      ? {
          memory: JSON.parse(readFileSync(`${profDir}/memory.json`, 'utf8')) as unknown,
          mainThread: readdirSync(profDir)
            .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
            .map((f) => summarizeCpuProfile(`${profDir}/${f}`, 25))[0],
        }
      : undefined;
  const latency = [];
  if (opts.only !== 'drain') {
    for (const intervalMs of opts.intervalsMs)
      latency.push(
        await latencyPhase(kafka, admin, {
          ...phase,
          intervalMs,
          ratePerS: opts.ratePerS,
          durationS: opts.latencyS,
          drainWaitS: opts.waitS,
        }),
      );
  }

  const result = {
    started,
    finished: new Date().toISOString(),
    quick,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    options: { ...opts, settings },
    profiles,
    drain,
    latency,
    workerProfile,
  };
  // Only a complete default-size run writes result.json; smoke, partial and profiling runs keep their own file.
  const name = quick ? 'result-quick' : opts.only ? `result-${opts.only}` : opts.cpuProf ? 'result-profile' : 'result';
  writeFileSync(`${outDir}/${name}.json`, JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result, null, 2));

  const rows: Row[] = [];
  if (drain) {
    const p = drain.pipeline;
    rows.push(
      [
        `pipeline drain (${fmt(drain.events)} events, ${p.s} s)`,
        `${fmt(p.perS)} ev/s`,
        '≥ 100,000 ev/s',
        verdict(p.perS >= 100_000),
      ],
      ['bare kafkajs consumer + JSON.parse (same topic)', `${fmt(drain.bare.perS)} ev/s`, 'ceiling', ''],
      ['pipeline / bare', `${(drain.ratio * 100).toFixed(1)} %`, '≥ 30 %', verdict(drain.ratio >= 0.3)],
      [
        'micro-batch activities (with data)',
        `${p.activitiesWithData}, mean ${fmt(p.meanBatchEvents)} events, mean ${fmt(p.meanTookMs)} ms (max ${fmt(p.maxTookMs)}), ${p.retries} retried, ${p.restores} restores`,
        '',
        '',
      ],
      [
        'mean stage times per activity (ms)',
        `${Object.entries(p.meanStagesMs)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}; ${fmt(p.meanDocuments)} documents`,
        '',
        '',
      ],
      [
        'checkpoint per micro-batch activity',
        `${fmt(p.checkpointMeanKB)} KB, write ${fmt(p.checkpointMeanMs)} ms mean (max ${fmt(p.checkpointMaxMs)})`,
        '',
        '',
      ],
      [
        'restore of each partition at the end (from PostgreSQL)',
        drain.restore.partitions
          .map((r) => `p${r.partition}: ${r.ms} ms (${fmt(r.ids)} ids, ${r.cubeCells} cells, ${r.windows} windows)`)
          .join('; '),
        '',
        '',
      ],
      [
        'checkpoints stored at the end',
        Object.entries(drain.restore.stored)
          .map(([k, v]) => `${k} ${v.records} records, ${(v.bytes / 2 ** 20).toFixed(1)} MB`)
          .join('; '),
        '',
        '',
      ],
      [
        'CPU during the drain (s of CPU / s wall)',
        Object.entries(drain.cpuDuringDrain.cpuS)
          .filter(([, v]) => v >= 1)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') + ` / ${drain.cpuDuringDrain.wallS.toFixed(0)}`,
        '',
        '',
      ],
      [
        `stream worker peak RSS (VmHWM), ${fmt(profiles.before + profiles.added)} profiles in store`,
        `${drain.worker.peakRssMB} MB (${drain.worker.readyRssMB} MB when ready)`,
        '≤ 600 MB',
        verdict(opts.profiles >= 1_000_000 ? drain.worker.peakRssMB <= 600 : undefined),
      ],
      ['pre-load producer', `${fmt(drain.preloadPerS)} ev/s`, '', ''],
    );
  }
  const sec = (ms: number | null) => (ms === null ? 'not visible' : `${(ms / 1000).toFixed(2)} s`);
  for (const l of latency) {
    const limit = l.intervalMs + 3000;
    rows.push(
      [
        `visibility @ interval ${l.intervalMs / 1000} s: p50 / p99 (max seen)`,
        `${sec(l.p50Ms)} / ${sec(l.p99Ms)} (${sec(l.maxVisibleMs)})`,
        `p99 ≤ ${limit / 1000} s`,
        verdict(l.p99Ms !== null && l.p99Ms <= limit),
      ],
      [
        `  events never visible (≤ ${opts.waitS} s after production ended)`,
        `${fmt(l.neverVisible)} of ${fmt(l.events)}`,
        '0',
        verdict(l.neverVisible === 0),
      ],
      [
        `  producer @ interval ${l.intervalMs / 1000} s`,
        `${fmt(l.achievedPerS)} ev/s for ${opts.latencyS} s`,
        `${fmt(opts.ratePerS)} ev/s`,
        verdict(l.achievedPerS >= opts.ratePerS * 0.98),
      ],
      [
        `  micro-batches @ interval ${l.intervalMs / 1000} s`,
        `${l.batches.activitiesWithData} with data, mean ${fmt(l.batches.meanBatchEvents)} events, mean ${fmt(l.batches.meanTookMs)} ms, ${l.batches.retries} retried`,
        '',
        '',
      ],
      [`  worker peak RSS @ interval ${l.intervalMs / 1000} s`, `${l.workerPeakRssMB} MB`, '', ''],
    );
  }
  const w = [0, 1, 2, 3].map((i) =>
    Math.max(...rows.map((r) => r[i]!.length), ['figure', 'measured', 'target', ''][i]!.length),
  );
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  console.log(`\nbench:stream summary (${result.machine}; ${started})`);
  console.log(
    [line(['figure', 'measured', 'target', '']), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n'),
  );
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (isInterrupted()) return;
    markInterrupted();
    log(`${sig}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

main()
  .then(runCleanups)
  .then(
    () => process.exit(0),
    async (err: unknown) => {
      // After Ctrl-C, main fails as the worker goes away: the signal handler's cleanup finishes and exits.
      if (isInterrupted()) return;
      console.error(err);
      await runCleanups();
      process.exit(1);
    },
  );
