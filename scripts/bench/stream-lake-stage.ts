/**
 * `npx tsx scripts/bench/stream-lake-stage.ts [--events N] [--rounds N]` — what the stream → lake sink costs the
 * state thread, without Kafka, Temporal or the index: generated valid events (3 partitions, batches of 100,000
 * per partition folded in chunks of 5,000, as a drain's ticks are) through a {@link StateHost} on a worker thread
 * with the stream's heap limits, lake sink off and on in turns; then the DuckDB compaction of what was staged.
 * Prints CPU µs per event of the process (the main thread only waits) and the on/off ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createEventGenerator } from '../../lib/generate/events.js';
import { customerId } from '../../lib/generate/random.js';
import { HashMap64 } from '../../lib/stream/hash-map64.js';
import { hash64, lastLow } from '../../lib/stream/hash64.js';
import { compactClosedHours, openDir, webEventsLayout } from '../../lib/stream/lake/sink-lake.js';
import { StateHost, type PackedMessages } from '../../lib/stream/state/host.js';

const PARTITIONS = 3;
const PER_BATCH = 100_000;
const CHUNK = 5_000;
const CUSTOMERS = 1_000_000;

/** Generated events of one partition, packed in chunks. */
function packedChunks(events: number): PackedMessages[][] {
  const gen = createEventGenerator({
    customers: CUSTOMERS,
    badRate: 0,
    lateRate: 0,
    duplicateRate: 0,
    unknownRate: 0.01,
    seed: 4,
  });
  const enc = new TextEncoder();
  const now = Date.now();
  const out: PackedMessages[][] = Array.from({ length: PARTITIONS }, () => []);
  const perPartition = Math.ceil(events / PARTITIONS);
  for (let p = 0; p < PARTITIONS; p++)
    for (let at = 0; at < perPartition; at += CHUNK) {
      const n = Math.min(CHUNK, perPartition - at);
      const values = Array.from({ length: n }, () => enc.encode(gen.next(now).value));
      const bytes = new Uint8Array(values.reduce((s, v) => s + v.length, 0));
      let pos = 0;
      for (const v of values) bytes.set(v, (pos += v.length) - v.length);
      out[p]!.push({
        partition: p,
        values: bytes,
        lengths: Int32Array.from(values, (v) => v.length),
        offsets: Float64Array.from(values, (_, i) => at + i),
        timestamps: new Float64Array(n).fill(now),
      });
    }
  return out;
}

/** Fold every chunk through a fresh host; returns CPU µs and wall ms. */
function run(chunks: PackedMessages[][], lookup: ConstructorParameters<typeof StateHost>[0], lakeDir?: string) {
  const host = new StateHost(lookup);
  const layout = lakeDir === undefined ? undefined : webEventsLayout(lakeDir);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let p = 0; p < PARTITIONS; p++) {
    host.restore('bench', p, 0, 60_000, []);
    let start = 0;
    for (let i = 0; i < chunks[p]!.length; i += PER_BATCH / CHUNK) {
      const batch = chunks[p]!.slice(i, i + PER_BATCH / CHUNK);
      host.begin({
        streamId: 'bench',
        partition: p,
        start,
        windowMs: 60_000,
        watermarkMs: 0,
        maxFutureMs: 1e12,
        lakeOpenDir: layout && openDir(layout, 'bench', p),
      });
      for (const c of batch) host.foldPacked('bench', c);
      const next = start + batch.reduce((n, c) => n + c.lengths.length, 0);
      host.finish('bench', p, next, 20, 'bench');
      start = next;
    }
  }
  const cpu = process.cpuUsage(c0);
  return { cpuUs: cpu.user + cpu.system, wallMs: performance.now() - t0 };
}

async function threadMain(): Promise<void> {
  const { events, rounds } = workerData as { events: number; rounds: number };
  const chunks = packedChunks(events);
  const n = chunks.flat().reduce((s, c) => s + c.lengths.length, 0);
  const table = new HashMap64(CUSTOMERS);
  const profiles = [
    { country: 'US', plan: 'free' },
    { country: 'DE', plan: 'premium' },
  ];
  for (let i = 1; i <= CUSTOMERS; i++) table.set(hash64(customerId(i)), lastLow(), i % 2);
  const lookup = (hi: number, lo: number) => profiles[table.get(hi, lo)];
  const root = mkdtempSync(`${tmpdir()}/stream-lake-stage-`);
  const perEvent = { off: [] as number[], on: [] as number[], compact: [] as number[] };
  try {
    for (let r = 0; r < rounds; r++)
      for (const mode of ['off', 'on'] as const) {
        const lakeDir = `${root}/lake-${r}`;
        const m = run(chunks, lookup, mode === 'on' ? lakeDir : undefined);
        perEvent[mode].push(m.cpuUs / n);
        const line = `${mode.padEnd(7)} ${(m.cpuUs / n).toFixed(2)} µs CPU/event, ${Math.round(n / (m.wallMs / 1000)).toLocaleString('en')} ev/s`;
        parentPort!.postMessage(line);
        if (mode !== 'on') continue;
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const duck = { memoryLimit: '256MB', threads: 1, tempDir: `${root}/tmp` };
        let rows = 0;
        for (let p = 0; p < PARTITIONS; p++)
          for (const h of await compactClosedHours(webEventsLayout(lakeDir), 'bench', p, 8.64e15, duck)) rows += h.rows;
        const c = process.cpuUsage(c0);
        perEvent.compact.push((c.user + c.system) / n);
        parentPort!.postMessage(
          `compact ${((c.user + c.system) / n).toFixed(2)} µs CPU/event (${rows.toLocaleString('en')} rows, ${Math.round(performance.now() - t0)} ms)`,
        );
        rmSync(lakeDir, { recursive: true, force: true });
      }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  parentPort!.postMessage(
    `mean over ${rounds} rounds of ${n.toLocaleString('en')} events: off ${mean(perEvent.off).toFixed(2)}, on ${mean(perEvent.on).toFixed(2)} (${(mean(perEvent.on) / mean(perEvent.off)).toFixed(3)} ×), + compaction ${mean(perEvent.compact).toFixed(2)} µs/event (${((mean(perEvent.on) + mean(perEvent.compact)) / mean(perEvent.off)).toFixed(3)} ×)`,
  );
}

if (isMainThread) {
  const { values } = parseArgs({ options: { events: { type: 'string' }, rounds: { type: 'string' } } });
  const require = createRequire(import.meta.url);
  const source = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
require(${JSON.stringify(fileURLToPath(import.meta.url))});`;
  // The state thread's heap limits (lib/stream/state/client.ts).
  const w = new Worker(source, {
    eval: true,
    workerData: { events: Number(values.events ?? 600_000), rounds: Number(values.rounds ?? 3) },
    resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 384 },
  });
  w.on('message', (m: string) => console.log(m));
  w.on('error', (e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  threadMain().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
