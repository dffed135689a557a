/**
 * The chaos run, 3 minutes, through the same code as `npm run chaos`: the stream under a steady producer, batch
 * days and the HTTP API under load while workers are SIGKILLed, Kafka, the search engine and Temporal are
 * restarted and bad files land; every check must pass, every fault kind must have been injected, and every
 * service must be up again at the end (the next test file needs them).
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../scripts/chaos/run.js';
import { formatReport, type ChaosReport } from '../scripts/chaos/report.js';
import { serviceStatus } from './helpers.js';

describe('chaos run (3 minutes)', () => {
  it(
    'counts every event once, batch days equal their references, no 5xx outside down windows, nothing left',
    { timeout: 1_200_000 },
    async () => {
      let report: ChaosReport | undefined;
      try {
        report = await runChaos({ minutes: 3, seed: 20261130, serviceRestarts: true });
        console.log(formatReport(report));
      } finally {
        const status = await serviceStatus();
        for (const name of ['kafka', 'temporal', 'opensearch', 'postgres']) expect(status[name]?.up, name).toBe(true);
      }
      const kinds = new Set(report.faults.filter((f) => !f.detail.startsWith('FAILED')).map((f) => f.kind));
      expect([...kinds].sort()).toEqual(
        [
          'bad_file:binary_junk',
          'bad_file:malformed_rows',
          'bad_file:symlink',
          'bad_file:truncated_gz',
          'kill_batch_worker',
          'kill_stream_worker',
          'restart_kafka',
          'restart_search',
          'restart_temporal',
        ].sort(),
      );
      expect(report.events.produced.events).toBeGreaterThan(10_000);
      expect(report.batch.days).toBeGreaterThan(0);
      expect(report.http.requests).toBeGreaterThan(100);
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'stream: drained',
          'stream: events counted exactly once',
          'stream: re-sent events counted as duplicates',
          'stream: malformed messages dead-lettered',
          'http: no 5xx outside a down window',
          'nothing left running',
        ]),
      );
      expect(report.leftRunning).toEqual([]);
    },
  );
});
