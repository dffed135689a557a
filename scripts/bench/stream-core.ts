/**
 * `npx tsx scripts/bench/stream-core.ts [--events N]` — where a stream worker's CPU per event goes, without
 * Temporal, the index or checkpoints: over a pre-loaded topic (3 partitions, the bench's generated events), the
 * project's offset reader alone, reader + JSON parse, and reader + the full fold into partition state (parse,
 * dedupe, enrichment from a 1M-entry profile table, cube, content and sketch), each run twice; prints events/s and
 * CPU µs per event of this process.
 */
import { parseArgs } from 'node:util';
import { createKafka } from '../../lib/clients.js';
import { effectiveEnv, loadConfig } from '../../lib/config.js';
import { HashMap64 } from '../../lib/stream/hash-map64.js';
import { hash64, lastLow } from '../../lib/stream/hash64.js';
import { OffsetReader } from '../../lib/stream/kafka-reader.js';
import { foldBatch, newFoldResult, type FoldResult } from '../../lib/stream/state/fold.js';
import { PartitionState } from '../../lib/stream/state/partition-state.js';
import { customerId } from '../../lib/generate/random.js';
import { preload } from './stream-kafka.js';

const { values } = parseArgs({ options: { events: { type: 'string' } } });
const N = Number(values.events ?? 500_000);
const cfg = loadConfig(effectiveEnv());
const kafka = createKafka(cfg.kafka, '-bench-core');
const admin = kafka.admin();
await admin.connect();
const topic = `bench-core-${Date.now().toString(36)}`;
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
try {
  await preload(kafka, topic, { count: N, customers: 1_000_000, seed: 4 });
  const table = new HashMap64(1_000_000);
  const values = [
    { country: 'US', plan: 'free' },
    { country: 'DE', plan: 'premium' },
  ];
  for (let i = 1; i <= 1_000_000; i++) table.set(hash64(customerId(i)), lastLow(), i % 2);
  const lookup = (_id: string, hi: number, lo: number) => values[table.get(hi, lo)];
  const decoder = new TextDecoder();
  for (const mode of ['read', 'read+parse', 'read+fold', 'read', 'read+parse', 'read+fold']) {
    const reader = new OffsetReader(kafka);
    const states = new Map<number, { s: PartitionState; f: FoldResult }>();
    let start: Record<number, number> = {};
    let total = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (total < N) {
      const r = await reader.read({
        topic,
        start,
        maxMessages: 150_000,
        onMessages: (p, msgs) => {
          if (mode === 'read+parse') for (const m of msgs) JSON.parse(decoder.decode(m.value!));
          if (mode !== 'read+fold') return;
          let st = states.get(p);
          if (!st) states.set(p, (st = { s: new PartitionState(p, 60_000), f: newFoldResult() }));
          foldBatch(st.s, msgs, { batchStart: 0, watermarkMs: 0, maxFutureMs: 1e12, lookup }, st.f);
        },
      });
      total += r.count;
      start = r.next;
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    console.log(
      `${mode.padEnd(11)} ${Math.round((N / ms) * 1000)
        .toLocaleString('en')
        .padStart(9)} events/s   ${((cpu.user + cpu.system) / N).toFixed(2)} µs CPU/event`,
    );
    await reader.close();
  }
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}
