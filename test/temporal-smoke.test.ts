/**
 * Temporal smoke: a real workflow → activity round trip through workers on the dev server, per task queue,
 * and the `viewership worker` process shutting down cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectTemporal } from '../lib/temporal.js';
import { systemHealth } from '../workflows/health.js';
import { startWorkers } from '../workers/run.js';
import { testConfig, uniqueName } from './helpers.js';

const cfg = testConfig();

describe('temporal round trip', () => {
  let client: Client;
  let workers: { stop: () => Promise<void> };

  beforeAll(async () => {
    client = await connectTemporal(cfg.temporal);
    workers = await startWorkers(cfg, ['batch', 'stream']);
  });

  afterAll(async () => {
    await workers.stop();
    await client.connection.close();
  });

  for (const role of ['batch', 'stream'] as const) {
    it(`runs systemHealth through the ${role} queue and reaches every system`, async () => {
      const taskQueue = cfg.temporal.taskQueues[role];
      const workflowId = uniqueName(`health-${role}`);
      const report = await client.workflow.execute(systemHealth, { taskQueue, workflowId });
      expect(report.taskQueue).toBe(taskQueue);
      expect(report.kafka.brokers).toBe(1);
      expect(report.kafka.topics[cfg.kafka.topics.events]).toBeGreaterThanOrEqual(3);
      expect(report.search.engine).toBe(cfg.search.engine);
      expect(report.profiles.store).toBe('postgres');
      expect(report.profiles.version).toMatch(/^PostgreSQL/);
      // The run is visible with its search attribute (what the Temporal UI filters on).
      const desc = await client.workflow.getHandle(workflowId).describe();
      expect(desc.status.name).toBe('COMPLETED');
      expect(desc.searchAttributes.Pipeline).toEqual(['health']);
    });
  }
});

describe('viewership worker process', () => {
  it('polls, then shuts down cleanly on SIGTERM with exit code 0', async () => {
    const child = spawn('node', ['bin/viewership.mjs', 'worker', '--queue', 'stream'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await vi.waitFor(() => expect(out).toContain('polling task queues'), { timeout: 90_000, interval: 200 });
    expect(out).toContain('polling task queues viewership-stream');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('shut down cleanly');
  });

  it('exits non-zero naming the missing secret when configuration is incomplete', async () => {
    const env = { ...process.env, VIEWERSHIP_SERVICES_DIR: '/nonexistent-viewership-home', PROFILES_PG_PASSWORD: '' };
    const child = spawn('node', ['bin/viewership.mjs', 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/PROFILES_PG_PASSWORD: required secret/);
  });
});
