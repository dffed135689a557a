/**
 * `viewership setup` and the start checks on the real services, in a Temporal namespace of its own (not the dev
 * server's `default`): before setup, workers refuse to start and `stream start` refuses, each naming what is missing
 * and the command; setup creates the namespace, search attributes, topics, templates and schema, and a second run
 * finds them present; then a stream runs in that namespace and counts its events.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { streamStart } from '../cli/stream.js';
import type { StreamState } from '../common/stream.js';
import { createKafka } from '../lib/clients.js';
import { setupEnvironment } from '../lib/setup.js';
import { connectTemporal } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import { testConfig, uniqueName } from './helpers.js';
import { isolatedStreamEnv } from './stream-env.js';
import { FUTURE_FIXTURES, makeEvents, waitCaughtUp } from './stream-fixtures.js';
import { stopUpdate } from '../common/stream-api.js';

const namespace = uniqueName('setup');
const iso = isolatedStreamEnv('su');
const env = { ...iso.env, TEMPORAL_NAMESPACE: namespace, STREAM_WORKFLOW_ID: `${iso.id}-stream` };
const cfg = testConfig(env);

describe('viewership setup', () => {
  const kafka = createKafka(cfg.kafka, '-setup-test');
  const admin = kafka.admin();

  afterAll(async () => {
    await admin.connect();
    await iso.remove(admin);
    await admin.disconnect();
    const client = await connectTemporal(cfg.temporal);
    await client.connection.operatorService.deleteNamespace({ namespace }).catch(() => undefined);
    await client.connection.close();
  });

  it('before setup: workers and stream start refuse, naming what is missing and the fix', async () => {
    await expect(startWorkers(cfg, ['stream'])).rejects.toThrow(
      new RegExp(`namespace "${namespace}" does not exist .*viewership setup`),
    );
    await expect(streamStart(cfg, {})).rejects.toThrow(/viewership setup/);
  });

  it(
    'creates what is missing, then finds it all present; a stream then runs in that namespace',
    { timeout: 120_000 },
    async () => {
      const client = await connectTemporal(cfg.temporal);
      try {
        const first = await setupEnvironment(cfg, client.connection);
        const result = (what: string, steps = first) => steps.find((s) => s.what.startsWith(what))?.result;
        expect(result(`Temporal namespace ${namespace}`)).toBe('created');
        expect(result('search attributes')).toBe('created');
        expect(result(`Kafka topic ${env.KAFKA_TOPIC_EVENTS}`)).toBe('created');
        const again = await setupEnvironment(cfg, client.connection);
        expect(again.filter((s) => s.result === 'created')).toEqual([]);
        expect(result('search attributes', again)).toBe('present');

        const workers = await startWorkers(cfg, ['stream']);
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        try {
          await producer.connect();
          const events = makeEvents(iso.id, 50, Date.parse('2031-12-01T10:00:00Z'));
          await producer.send({
            topic: env.KAFKA_TOPIC_EVENTS,
            messages: events.map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })),
          });
          await streamStart(cfg, { intervalMs: 300, ...FUTURE_FIXTURES });
          const handle = client.workflow.getHandle(env.STREAM_WORKFLOW_ID);
          const s: StreamState = await waitCaughtUp(handle, 50, 60_000);
          expect(s.totals.events).toBe(50);
          await handle.executeUpdate(stopUpdate);
          await handle.result();
        } finally {
          await producer.disconnect();
          await workers.stop();
        }
      } finally {
        await client.connection.close();
      }
    },
  );
});
