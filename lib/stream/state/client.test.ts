import { afterAll, describe, expect, it } from 'vitest';
import { ProfileCache } from '../../profile-cache.js';
import type { ReadMessage } from '../kafka-reader.js';
import { createStateClient, type StateClient } from './client.js';
import type { BatchOutput } from './host.js';

const T0 = Date.parse('2024-09-13T06:49:00Z');
const msgs = (start: number, n: number): ReadMessage[] =>
  Array.from({ length: n }, (_, i) => {
    const k = start + i;
    const v =
      k % 97 === 0
        ? '{broken'
        : JSON.stringify({
            event_id: `e${k % 900}`,
            customer_id: `C${k % 13}`,
            event_time: new Date(T0 + k * 100).toISOString(),
            event_type: k % 2 ? 'play' : 'view',
            content_id: `V${k % 5}`,
          });
    return { partition: 2, offset: k, key: null, value: k === 5 ? null : Buffer.from(v), timestampMs: T0 + 300_000 };
  });

/** Two batches and a restore from the first batch's records, through a client; the outputs in a comparable form. */
async function run(client: StateClient): Promise<unknown[]> {
  const out: BatchOutput[] = [];
  const batch = async (start: number, n: number) => {
    if (!(await client.has('s', 2, start, 60_000)))
      await client.restore(
        's',
        2,
        start,
        60_000,
        out.flatMap((o) => o.records.map((r) => r.payload)),
      );
    await client.begin({ streamId: 's', partition: 2, start, windowMs: 60_000, watermarkMs: 0, maxFutureMs: 300_000 });
    for (let i = 0; i < n; i += 250) await client.fold('s', msgs(start + i, Math.min(250, n - i)));
    out.push(await client.finish('s', 2, start + n, 1, 'px'));
  };
  await batch(0, 1000);
  await client.drop('s', [2]); // as after a failed batch: the next one restores from the records
  await batch(1000, 700);
  return out.map((o) => ({
    ...o,
    records: o.records.map((r) => ({ ...r, payload: Buffer.from(r.payload).toString('hex') })),
    deadLetters: o.deadLetters.map((d) => ({ ...d, value: d.value && Buffer.from(d.value).toString() })),
  }));
}

describe('stream state client', () => {
  const threaded = createStateClient({ threads: 1, cache: new ProfileCache() });
  afterAll(() => threaded.close());

  it(
    'gives the same documents, messages, dead letters and checkpoint records on a thread as in process, across a restore',
    { timeout: 60_000 },
    async () => {
      const local = await run(createStateClient({ threads: 0, cache: new ProfileCache() }));
      expect((local[0] as BatchOutput).accepted).toBeGreaterThan(0);
      expect((local[0] as BatchOutput).deadLetters.length).toBe(12); // 11 broken (k = 0, 97, …, 970) + 1 null value
      expect(await run(threaded)).toEqual(local);
    },
  );
});
