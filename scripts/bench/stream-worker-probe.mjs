/**
 * Preloaded into the stream worker by `npm run bench:stream --cpu-prof` (node --import): samples
 * process.memoryUsage() when the worker is ready and every 100 ms after, keeping the breakdown at the RSS peak; writes it to
 * $BENCH_STREAM_PROBE_OUT, and exits the process once the worker reports its clean shutdown (open Kafka
 * connections otherwise keep it alive, and --cpu-prof writes its profile only on a normal exit).
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_STREAM_PROBE_OUT;
const MB = 2 ** 20;
let peak = { rss: 0 };
let atReady;
const inMB = (m) =>
  Object.fromEntries(
    Object.entries(m)
      .filter(([k]) => k !== 'atMs')
      .map(([k, v]) => [`${k}MB`, Math.round(v / MB)]),
  );
let samples = 0;
const sample = () => {
  const m = process.memoryUsage();
  samples++;
  if (m.rss > peak.rss) peak = { ...m, atMs: Date.now() };
};
setInterval(sample, 100).unref();

const write = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk, ...rest) => {
  const r = write(chunk, ...rest);
  if (!atReady && String(chunk).includes('polling task queues')) atReady = inMB(process.memoryUsage());
  if (String(chunk).includes('[worker] shut down cleanly')) {
    sample();
    if (out) writeFileSync(out, JSON.stringify({ samples, atReady, atPeakRss: { ...inMB(peak), atMs: peak.atMs } }));
    setTimeout(() => process.exit(0), 100);
  }
  return r;
};
