/**
 * Replay of recorded streaming-workflow histories (`test/fixtures/histories/`, made by
 * `scripts/record-stream-histories.ts` from real runs with every command and continue-as-new) against the current
 * workflow code: a change to `workflows/stream.ts` that a running stream could not replay fails here, before it
 * reaches production. Needs no server: the SDK replays the histories in process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../test/fixtures/histories/', import.meta.url));
const files = readdirSync(DIR)
  .filter((f) => f.startsWith('stream-') && f.endsWith('.json'))
  .sort();
const quiet = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (m: string) => console.error(m),
  log: () => undefined,
};

describe('streamViewership replays its recorded histories', () => {
  it('has histories to replay (pause, resume, set-interval, rewind, stop, continue-as-new)', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    const all = files.map((f) => readFileSync(DIR + f, 'utf8')).join('\n');
    for (const name of ['pause', 'resume', 'setInterval', 'rewind', 'stop']) expect(all).toContain(`"name": "${name}"`);
    expect(all).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
  });

  it('replays every history without a non-determinism error', { timeout: 120_000 }, async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./index.ts', import.meta.url)),
      logger: quiet,
    });
    const histories = files.map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(DIR + f, 'utf8')),
    }));
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle }, histories))
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    expect(failures).toEqual([]);
  });
});
