/**
 * The activity's handle on the stream state: a {@link StateHost} in process (`threads: 0`), or one per worker
 * thread (`threads: N`, partition p on thread p mod N), so that parsing and folding events run beside the main
 * thread's Kafka reads, Temporal and sinks. Messages are packed into flat arrays and transferred, not cloned. A
 * thread that dies takes its partitions' state with it: the next batch finds none and restores from checkpoints.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProfileCache, ProfileSnapshot } from '../../profile-cache.js';
import type { ReadMessage } from '../kafka-reader.js';
import { StateHost, type BatchOutput, type BatchParams, type PackedMessages } from './host.js';

/** What the activity asks of the state (see StateHost for each operation). */
export interface StateClient {
  has(streamId: string, partition: number, offset: number, windowMs: number): Promise<boolean>;
  restore(streamId: string, partition: number, offset: number, windowMs: number, links: Uint8Array[]): Promise<void>;
  begin(p: BatchParams): Promise<void>;
  /** Fold messages; resolves once the thread has room for more (at most {@link MAX_QUEUED_BYTES} queued). */
  fold(streamId: string, messages: ReadMessage[]): void | Promise<void>;
  finish(
    streamId: string,
    partition: number,
    next: number,
    snapshotEvery: number,
    prefix: string,
  ): Promise<BatchOutput>;
  drop(streamId: string, partitions: number[]): Promise<void>;
  close(): Promise<void>;
}

/** The state in this thread, enriching from the live profile cache. */
function inProcess(cache: ProfileCache): StateClient {
  const host = new StateHost((hi, lo) => cache.getByHash(hi, lo));
  return {
    has: async (...a) => host.has(...a),
    restore: async (...a) => host.restore(...a),
    begin: async (p) => host.begin(p),
    fold: (streamId, messages) => host.fold(streamId, messages),
    finish: async (...a) => host.finish(...a),
    drop: async (...a) => host.drop(...a),
    close: async () => undefined,
  };
}

/** Bytes of packed messages sent to a thread and not folded yet before the reader waits: bounds memory. */
export const MAX_QUEUED_BYTES = 16 << 20;

/** Heap limits of a state thread, MB (see StateThread). */
const THREAD_YOUNG_MB = 16;
const THREAD_OLD_MB = 384;

/** Threads do not inherit tsx from the parent (none under vitest): each registers its CommonJS hook first. */
const require = createRequire(import.meta.url);
const SOURCE = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
require(${JSON.stringify(fileURLToPath(new URL('./thread.ts', import.meta.url)))});`;

/** One state thread with request/answer bookkeeping; restarted on the next call after it died. */
class StateThread {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Bytes of folds sent and not yet acknowledged, and who waits for room. */
  private queued = 0;
  private waiters: (() => void)[] = [];
  constructor(private readonly profiles: () => ProfileSnapshot | undefined) {}

  private get w(): Worker {
    if (this.worker) return this.worker;
    // The thread's heap holds the cells and the batch in flight (ids and sketches are typed arrays outside it):
    // capped so that its young generation does not grow to V8's default for a 24 GB machine.
    const w = new Worker(SOURCE, {
      eval: true,
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_MB, maxOldGenerationSizeMb: THREAD_OLD_MB },
    });
    w.unref();
    w.on(
      'message',
      (m: {
        id: number;
        ok: boolean;
        result?: unknown;
        error?: { name: string; message: string };
        folded?: number;
      }) => {
        if (m.folded !== undefined) return this.acknowledge(m.folded);
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.resolve(m.result);
        else p?.reject(Object.assign(new Error(m.error!.message), { name: m.error!.name }));
      },
    );
    const gone = (err: Error) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.acknowledge(this.queued);
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`stream state thread exited (${code})`)));
    this.worker = w;
    this.setProfiles();
    return w;
  }

  /** Hand the thread a fresh copy of the profile cache (transferred, not cloned); nothing before it has started. */
  setProfiles(): void {
    if (!this.worker) return; // a thread starting later takes the copy of that moment
    const snapshot = this.profiles();
    if (snapshot)
      this.worker.postMessage({ id: 0, op: 'profiles', args: [snapshot] }, [snapshot.table.buffer as ArrayBuffer]);
  }

  call<T>(op: string, args: unknown[]): Promise<T> {
    const id = ++this.seq;
    const answer = new Promise<T>((resolve, reject) =>
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
    this.w.postMessage({ id, op, args });
    return answer;
  }

  /** Send packed messages to fold; resolves when fewer than MAX_QUEUED_BYTES wait in the thread. */
  fold(streamId: string, m: PackedMessages): Promise<void> | void {
    this.queued += m.values.byteLength;
    this.w.postMessage({ id: 0, op: 'fold', args: [streamId, m] }, [
      m.values.buffer,
      m.lengths.buffer,
      m.offsets.buffer,
      m.timestamps.buffer,
    ] as ArrayBuffer[]);
    if (this.queued < MAX_QUEUED_BYTES) return;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private acknowledge(bytes: number): void {
    this.queued = Math.max(0, this.queued - bytes);
    if (this.queued >= MAX_QUEUED_BYTES) return;
    const ready = this.waiters;
    this.waiters = [];
    for (const r of ready) r();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}

function pack(partition: number, messages: ReadMessage[]): PackedMessages {
  let total = 0;
  for (const m of messages) total += m.value?.length ?? 0;
  const values = new Uint8Array(total);
  const lengths = new Int32Array(messages.length);
  const offsets = new Float64Array(messages.length);
  const timestamps = new Float64Array(messages.length);
  let at = 0;
  messages.forEach((m, i) => {
    if (m.value) {
      values.set(m.value, at);
      at += m.value.length;
      lengths[i] = m.value.length;
    } else lengths[i] = -1;
    offsets[i] = m.offset;
    timestamps[i] = m.timestampMs;
  });
  return { partition, values, lengths, offsets, timestamps };
}

/** The state on `n` worker threads, each given a copy of the profile cache after every refresh. */
function onThreads(n: number, cache: ProfileCache): StateClient {
  const threads = Array.from({ length: n }, () => new StateThread(() => (cache.size ? cache.snapshot() : undefined)));
  cache.onRefresh(() => threads.forEach((t) => t.setProfiles()));
  const of = (partition: number) => threads[partition % n]!;
  return {
    has: (s, p, o, w) => of(p).call('has', [s, p, o, w]),
    restore: (s, p, o, w, links) => of(p).call('restore', [s, p, o, w, links]),
    begin: (p) => of(p.partition).call('begin', [p]),
    fold: (streamId, messages) => {
      if (messages.length === 0) return;
      const m = pack(messages[0]!.partition, messages);
      return of(m.partition).fold(streamId, m);
    },
    finish: async (s, p, next, every, prefix) => {
      const out = await of(p).call<BatchOutput>('finish', [s, p, next, every, prefix]);
      // Payloads cross the thread boundary as Uint8Arrays; the checkpoint store takes Buffers.
      for (const r of out.records)
        r.payload = Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
      return out;
    },
    drop: async (s, partitions) => {
      await Promise.all(threads.map((t) => t.call('drop', [s, partitions]).catch(() => undefined)));
    },
    close: async () => {
      await Promise.all(threads.map((t) => t.close()));
    },
  };
}

/** The state client: in process when `threads` is 0, else on that many worker threads. */
export function createStateClient(o: { threads: number; cache: ProfileCache }): StateClient {
  return o.threads > 0 ? onThreads(o.threads, o.cache) : inProcess(o.cache);
}
