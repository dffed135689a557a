/**
 * Records event histories of the streaming workflow for the replay test (`workflows/stream.replay.test.ts`):
 * a short real run on the local services with every command — pause, resume, set-interval, rewind, stop —
 * and continue-as-new, saved as JSON under `test/fixtures/histories/`. Run it after a deliberate, versioned
 * change of `workflows/stream.ts` (see docs/stream-state.md) to add histories of the new version; keep the old.
 *
 *   npx tsx scripts/record-stream-histories.ts [--name v2]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { contexts } from './services/cli.js';
import { temporalService, temporalBinary } from './services/temporal.js';
import { createKafka } from '../lib/clients.js';
import { connectTemporal } from '../lib/temporal.js';
import { startWorkers } from '../workers/run.js';
import { isolatedStreamEnv } from '../test/stream-env.js';
import { FUTURE_FIXTURES, makeEvents, waitCaughtUp } from '../test/stream-fixtures.js';
import { pauseUpdate, resumeUpdate, rewindUpdate, setIntervalUpdate, stopUpdate } from '../common/stream-api.js';
import { streamViewership } from '../workflows/stream.js';

const name = process.argv.includes('--name') ? process.argv[process.argv.indexOf('--name') + 1]! : 'v2';
const OUT = new URL('../test/fixtures/histories/', import.meta.url);

async function main(): Promise<void> {
  const { id, env, cfg, create, remove } = isolatedStreamEnv('hist');
  const kafka = createKafka(cfg.kafka, '-history');
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await admin.connect();
  await create(admin);
  await producer.connect();
  const client = await connectTemporal(cfg.temporal);
  const workers = await startWorkers(cfg, ['stream']);
  const T0 = Date.parse('2031-10-01T10:00:00Z');
  const events = makeEvents(id, 900, T0);
  const send = (from: number, to: number) =>
    producer.send({
      topic: env.KAFKA_TOPIC_EVENTS,
      messages: events.slice(from, to).map((e) => ({ key: e.customer_id, value: JSON.stringify(e) })),
    });
  try {
    const handle = await client.workflow.start(streamViewership, {
      taskQueue: env.TASK_QUEUE_STREAM,
      workflowId: `${id}-stream`,
      args: [
        { settings: { intervalMs: 300, maxMessagesPerBatch: 150, ...FUTURE_FIXTURES }, continueAsNewAfterBatches: 6 },
      ],
    });
    await send(0, 300);
    await waitCaughtUp(handle, 300);
    await handle.executeUpdate(pauseUpdate);
    await send(300, 600);
    const mid = Date.now();
    await sleep(1000);
    await send(600, 900);
    await handle.executeUpdate(resumeUpdate);
    await handle.executeUpdate(setIntervalUpdate, { args: [500] });
    await waitCaughtUp(handle, 900);
    await handle.executeUpdate(rewindUpdate, { args: [mid] });
    await waitCaughtUp(handle, 900);
    await handle.executeUpdate(stopUpdate);
    await handle.result();
    // Every run of the chain (continue-as-new), oldest first.
    const runs: string[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(w.runId);
    mkdirSync(OUT, { recursive: true });
    let i = 0;
    for (const runId of runs.reverse()) {
      // The CLI writes the canonical proto JSON that `Worker.runReplayHistories` reads.
      const json = execFileSync(
        temporalBinary(contexts()(temporalService)),
        [
          'workflow',
          'show',
          '--address',
          cfg.temporal.address,
          '-w',
          handle.workflowId,
          '-r',
          runId,
          '--output',
          'json',
        ],
        { maxBuffer: 64 << 20 },
      );
      writeFileSync(new URL(`stream-${name}-run${++i}.json`, OUT), json);
    }
    console.log(`wrote ${i} histories to ${OUT.pathname}`);
  } finally {
    await workers.stop();
    await producer.disconnect();
    await remove(admin);
    await admin.disconnect();
    await client.connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
