/** `heartbeating`: activities heartbeat while they run, results and errors pass through, and outside an activity it just runs. */
import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeating } from './heartbeating.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('heartbeating', () => {
  const acts = heartbeating(
    {
      async slow(ms: number): Promise<string> {
        await sleep(ms);
        return `slept ${ms}`;
      },
      async fails(): Promise<never> {
        await sleep(50);
        throw new Error('boom');
      },
    },
    20,
  );

  it('heartbeats every interval while the activity runs, and not after it returns', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    expect(await env.run(acts.slow, 200)).toBe('slept 200');
    expect(beats).toBeGreaterThanOrEqual(5);
    const after = beats;
    await sleep(100);
    expect(beats).toBe(after);
  });

  it('passes a failure through and stops heartbeating', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await expect(env.run(acts.fails)).rejects.toThrow('boom');
    const after = beats;
    await sleep(100);
    expect(beats).toBe(after);
  });

  it('outside an activity it only runs the function', async () => {
    expect(await acts.slow(10)).toBe('slept 10');
  });
});
