/**
 * `npx tsx scripts/bench/kafka-clients.ts [--events 1000000] [--platformatic <dir>] [--runs 3]` — evaluates
 * `@platformatic/kafka` as a replacement of the project's offset reader (`lib/stream/kafka-reader.ts`, built on
 * kafkajs 2.2.4 internals) for reading Kafka from explicit offsets without a consumer group.
 *
 * On its own topic (3 partitions, unique name, deleted at the end, also on error or Ctrl-C) pre-loaded with N
 * generated events, it reads everything from offset 0 to the end offsets seen at the start, JSON-parsing every
 * value and checking that each partition's offsets arrive contiguous from 0 to end-1 (no gap, no duplicate, N
 * in all), with each of:
 *
 * - `OffsetReader`: the project's reader, `read()` calls of at most 150,000 messages from the returned offsets;
 * - `pk-stream`: @platformatic/kafka's `Consumer.consume({ mode: 'manual', offsets })` stream (read committed,
 *   autocommit off). It joins a consumer group (fresh id, deleted afterwards) to get its partitions, and never
 *   ends by itself: the bench stops it once every partition reached its end offset (listed read-committed first);
 * - `pk-fetch`: a reader with the same contract as `OffsetReader.read` on @platformatic/kafka's lower-level
 *   `Consumer.fetch()` + `listOffsets()` (no group: the consumer's required `groupId` is never used), 150,000
 *   messages per call;
 * - `kafkajs-consumer`: kafkajs' public consumer (`run({ eachBatch })`, fresh group, `fromBeginning`), the ceiling.
 *
 * After one unmeasured warm-up read per client (JIT; `--no-warmup` skips it, its correctness is still checked),
 * each client runs `--runs` times (default 3) in rotating order; every run prints events/s (wall time from
 * creating the client to the last message, connection and group join included), CPU µs per event of this
 * process (`process.cpuUsage`, user + system) and the time to the first message; then the median per client.
 * Exits 1 when a correctness check fails. Progress goes to stderr, figures to stdout.
 *
 * The evaluated package is not a dependency of the project: install it into a scratch directory and pass the
 * package directory (the default is the one below). Its 2.x line needs Node >= 22.22; 1.x runs on Node 20.19+:
 *
 *     mkdir -p /tmp/pk-eval && cd /tmp/pk-eval && npm init -y >/dev/null \
 *       && npm install @platformatic/kafka@1.35.0 --no-audit --no-fund
 *     npx tsx scripts/bench/kafka-clients.ts --platformatic /tmp/pk-eval/node_modules/@platformatic/kafka
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../lib/clients.js';
import { effectiveEnv, loadConfig } from '../../lib/config.js';
import { OffsetReader, type Offsets, type ReadMessage, type ReadResult } from '../../lib/stream/kafka-reader.js';
import { preload } from './stream-kafka.js';

const DEFAULT_PK_DIR = '/tmp/pk-eval/node_modules/@platformatic/kafka';
const MAX_MESSAGES = 150_000;
const PARTITIONS = 3;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string' },
    platformatic: { type: 'string' },
    runs: { type: 'string' },
    'no-warmup': { type: 'boolean' },
  },
});
const N = Number(args.events ?? 1_000_000);
const RUNS = Number(args.runs ?? 3);
const WARMUP = !args['no-warmup'];
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`bad --events ${args.events} or --runs ${args.runs}`);
const log = (m: string): void => console.error(`[bench:kafka-clients] ${new Date().toISOString().slice(11, 19)} ${m}`);

// ---------------------------------------------------------------------------------------------------------
// The evaluated package, loaded at run time and typed loosely: only what this bench uses.

/** Cluster metadata as @platformatic/kafka returns it (subset). */
interface PkMetadata {
  topics: Map<string, { id: string; partitionsCount: number; partitions: { leader: number; leaderEpoch: number }[] }>;
}
/** One record batch of a fetch response (subset); offsets and timestamps are bigints. */
interface PkBatch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  firstTimestamp: bigint;
  attributes: number;
  records: { offsetDelta: number; timestampDelta: bigint; key: Buffer | null; value: Buffer | null }[];
}
interface PkFetchResponse {
  responses: { topicId: string; partitions: { partitionIndex: number; errorCode: number; records?: PkBatch[] }[] }[];
}
interface PkMessage {
  partition: number;
  offset: bigint;
  value: Buffer | undefined;
}
interface PkStream {
  on(event: 'data', f: (m: PkMessage) => void): PkStream;
  on(event: 'error', f: (e: Error) => void): PkStream;
  close(): Promise<void>;
}
interface PkConsumer {
  metadata(o: { topics: string[]; forceUpdate?: boolean }): Promise<PkMetadata>;
  listOffsets(o: { topics: string[]; isolationLevel?: number }): Promise<Map<string, bigint[]>>;
  fetch(o: Record<string, unknown>): Promise<PkFetchResponse>;
  consume(o: Record<string, unknown>): Promise<PkStream>;
  close(force?: boolean): Promise<void>;
}
/** The loaded package. */
interface Pk {
  version: string;
  dir: string;
  newConsumer(options: Record<string, unknown>): PkConsumer;
  readCommitted: number;
  manualMode: string;
  controlBit: number;
}

/** Load @platformatic/kafka from its package directory; print how to install it and exit 2 when missing. */
async function loadPlatformatic(dirArg: string): Promise<Pk> {
  const dir = resolve(dirArg);
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) {
    console.error(
      `@platformatic/kafka not found at ${dir}.\nInstall it into a scratch directory (not into this repository), e.g.:\n` +
        '  mkdir -p /tmp/pk-eval && cd /tmp/pk-eval && npm init -y >/dev/null && npm install @platformatic/kafka@1.35.0 --no-audit --no-fund\n' +
        `then run: npx tsx scripts/bench/kafka-clients.ts --platformatic /tmp/pk-eval/node_modules/@platformatic/kafka\n` +
        '(the 2.x line needs Node >= 22.22; 1.x runs on Node 20.19+)',
    );
    process.exit(2);
  }
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
    name?: string;
    version: string;
    exports?: unknown;
    main?: string;
  };
  if (pkg.name !== '@platformatic/kafka') throw new Error(`${pkgFile} is ${pkg.name}, not @platformatic/kafka`);
  const exp = pkg.exports as string | { '.'?: string | { import?: string; default?: string } } | undefined;
  const dot = typeof exp === 'string' ? exp : exp?.['.'];
  const entry = (typeof dot === 'string' ? dot : (dot?.import ?? dot?.default)) ?? pkg.main ?? 'dist/index.js';
  const mod: any = await import(pathToFileURL(join(dir, entry)).href);
  if (typeof mod.Consumer !== 'function')
    throw new Error(`${dir}: no Consumer export (unexpected @platformatic/kafka ${pkg.version})`);
  return {
    version: pkg.version,
    dir,
    newConsumer: (options) => new mod.Consumer(options) as PkConsumer,
    readCommitted: mod.FetchIsolationLevels?.READ_COMMITTED ?? 1,
    manualMode: mod.MessagesStreamModes?.MANUAL ?? 'manual',
    controlBit: mod.IS_CONTROL ?? 0x20,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Correctness: per partition, offsets must arrive as 0, 1, 2, ... end-1.

class OffsetCheck {
  readonly next = new Map<number, number>();
  count = 0;
  duplicates = 0;
  gaps = 0;
  beyondEnd = 0;
  parsed = 0;
  private problem: string | undefined;

  /** Record one delivered message (false: a duplicate, not counted). */
  see(partition: number, offset: number): boolean {
    const expected = this.next.get(partition) ?? 0;
    if (offset === expected) {
      this.next.set(partition, offset + 1);
      this.count++;
      return true;
    }
    if (offset < expected) {
      this.duplicates++;
      this.problem ??= `partition ${partition}: offset ${offset} again (expected ${expected})`;
      return false;
    }
    this.gaps++;
    this.problem ??= `partition ${partition}: offset ${offset} after ${expected - 1} (gap)`;
    this.next.set(partition, offset + 1);
    this.count++;
    return true;
  }

  /** Verdict against the expected end offsets (and N). */
  verdict(end: Offsets, total: number): { ok: boolean; text: string } {
    const problems: string[] = [];
    if (this.problem) problems.push(this.problem);
    for (const [p, e] of Object.entries(end)) {
      const got = this.next.get(Number(p)) ?? 0;
      if (got !== e) problems.push(`partition ${p} ended at ${got}, expected ${e}`);
    }
    if (this.count !== total) problems.push(`${this.count} messages, expected ${total}`);
    if (this.parsed !== this.count + this.duplicates)
      problems.push(`${this.parsed} values parsed of ${this.count + this.duplicates} delivered`);
    if (this.duplicates || this.gaps || this.beyondEnd)
      problems.push(`${this.duplicates} duplicates, ${this.gaps} gaps, ${this.beyondEnd} past the end`);
    const ends = Object.entries(end)
      .map(([p, e]) => `p${p} 0..${e - 1}`)
      .join(', ');
    return problems.length
      ? { ok: false, text: `FAILED: ${problems.join('; ')}` }
      : { ok: true, text: `ok: ${this.count.toLocaleString('en')} messages, no duplicates, contiguous ${ends}` };
  }
}

const decoder = new TextDecoder();
/** JSON-parse one value (the work every client does per message). */
function parse(check: OffsetCheck, value: Uint8Array | null | undefined): void {
  if (!value) throw new Error('message without a value');
  const o = JSON.parse(decoder.decode(value)) as unknown;
  if (typeof o === 'object' && o !== null) check.parsed++;
}

// ---------------------------------------------------------------------------------------------------------
// @platformatic/kafka reader with the contract of the project's OffsetReader (no consumer group).

/** `read()` as `OffsetReader.read` (all partitions), on @platformatic/kafka's `fetch()` and `listOffsets()`. */
class PkOffsetReader {
  private readonly consumer: PkConsumer;
  constructor(
    private readonly pk: Pk,
    brokers: string[],
    clientId: string,
  ) {
    // groupId is required by the constructor but unused: fetch() and listOffsets() never touch the group.
    this.consumer = pk.newConsumer({
      clientId,
      bootstrapBrokers: brokers,
      groupId: `${clientId}-unused`,
      autocommit: false,
      isolationLevel: pk.readCommitted,
    });
  }

  /** End offsets (read committed: last stable offset) per partition. */
  async endOffsets(topic: string): Promise<Offsets> {
    const offsets = (await this.consumer.listOffsets({ topics: [topic], isolationLevel: this.pk.readCommitted })).get(
      topic,
    );
    if (!offsets) throw new Error(`no offsets listed for ${topic}`);
    return Object.fromEntries(offsets.map((o, p) => [p, Number(o)]));
  }

  async read(o: {
    topic: string;
    start: Offsets;
    maxMessages: number;
    onMessages: (partition: number, msgs: ReadMessage[]) => void;
  }): Promise<ReadResult> {
    const end = await this.endOffsets(o.topic);
    const next: Offsets = {};
    for (const p of Object.keys(end).map(Number)) next[p] = o.start[p] ?? 0;
    const perPartitionBytes = Math.min(
      4 << 20,
      Math.max(64 << 10, Math.ceil((o.maxMessages * 300) / Math.max(1, Object.keys(end).length))),
    );
    const control = this.pk.controlBit;
    let count = 0;
    let idleRounds = 0;
    const pending = () =>
      Object.keys(next)
        .map(Number)
        .filter((p) => next[p]! < end[p]!);
    while (count < o.maxMessages && pending().length && idleRounds < 3) {
      const before = Object.values(next).reduce((a, b) => a + b, 0);
      const meta = (await this.consumer.metadata({ topics: [o.topic] })).topics.get(o.topic);
      if (!meta) throw new Error(`no metadata for ${o.topic}`);
      const byLeader = new Map<number, number[]>();
      for (const p of pending()) {
        const leader = meta.partitions[p]!.leader;
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
      }
      const responses = await Promise.all(
        [...byLeader].map(([node, partitions]) =>
          this.consumer.fetch({
            node,
            maxWaitTime: 100,
            minBytes: 1,
            maxBytes: perPartitionBytes * partitions.length,
            isolationLevel: this.pk.readCommitted,
            topics: [
              {
                topicId: meta.id,
                partitions: partitions.map((p) => ({
                  partition: p,
                  fetchOffset: BigInt(next[p]!),
                  partitionMaxBytes: perPartitionBytes,
                  currentLeaderEpoch: meta.partitions[p]!.leaderEpoch,
                  lastFetchedEpoch: -1,
                })),
              },
            ],
          }),
        ),
      );
      const parts = responses
        .flatMap((r) => r.responses.flatMap((t) => t.partitions))
        .sort((x, y) => x.partitionIndex - y.partitionIndex);
      for (const { partitionIndex: p, records } of parts) {
        const out: ReadMessage[] = [];
        let capped = false;
        for (const batch of records ?? []) {
          const first = Number(batch.firstOffset);
          if (!(batch.attributes & control)) {
            const ts = Number(batch.firstTimestamp);
            for (const r of batch.records) {
              const off = first + r.offsetDelta;
              if (off < next[p]!) continue;
              if (off >= end[p]!) break;
              if (count >= o.maxMessages) {
                capped = true;
                break;
              }
              out.push({
                partition: p,
                offset: off,
                key: r.key,
                value: r.value,
                timestampMs: ts + Number(r.timestampDelta),
              });
              next[p] = off + 1;
              count++;
            }
          }
          if (capped) break;
          // Step over control batches (and the tail of a batch), never past the end offset.
          next[p] = Math.max(next[p]!, Math.min(end[p]!, first + batch.lastOffsetDelta + 1));
        }
        if (out.length) o.onMessages(p, out);
      }
      idleRounds = Object.values(next).reduce((a, b) => a + b, 0) === before ? idleRounds + 1 : 0;
    }
    return { next, count, end };
  }

  close(): Promise<void> {
    return this.consumer.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The clients under test. Each run returns its check and timings; the clock starts before the client exists.

interface RunResult {
  ms: number;
  cpuUs: number;
  firstMs: number;
  check: OffsetCheck;
  /** End offsets the client itself stopped at (when it lists them). */
  seenEnd?: Offsets;
}

interface Ctx {
  kafka: Kafka;
  pk: Pk;
  brokers: string[];
  topic: string;
  groups: string[];
}

/** Drive an `OffsetReader`-like reader from offset 0 to the end, `MAX_MESSAGES` per call. */
async function driveReader(
  reader: { read: OffsetReader['read'] },
  topic: string,
  check: OffsetCheck,
  mark: () => void,
): Promise<Offsets> {
  let start: Offsets = {};
  let seenEnd: Offsets | undefined;
  for (;;) {
    const r = await reader.read({
      topic,
      start,
      maxMessages: MAX_MESSAGES,
      onMessages: (p, msgs) => {
        mark();
        for (const m of msgs) if (check.see(p, m.offset)) parse(check, m.value);
      },
    });
    seenEnd ??= r.end;
    start = r.next;
    if (Object.keys(seenEnd).every((p) => (r.next[Number(p)] ?? 0) >= seenEnd![Number(p)]!)) return seenEnd;
    if (r.count === 0)
      throw new Error(`reader made no progress at ${JSON.stringify(r.next)} (end ${JSON.stringify(seenEnd)})`);
  }
}

/** Wait for `start` to call `done`; fail when no new message arrives for 30 s (a lost end would hang the run). */
function stalled(check: OffsetCheck, start: (done: () => void, fail: (e: Error) => void) => void): Promise<void> {
  return new Promise<void>((done, fail) => {
    let last = -1;
    const timer = setInterval(() => {
      if (check.count === last) {
        clearInterval(timer);
        fail(
          new Error(
            `no progress for 30 s at ${check.count} messages (offsets ${JSON.stringify(Object.fromEntries(check.next))})`,
          ),
        );
      }
      last = check.count;
    }, 30_000);
    start(
      () => (clearInterval(timer), done()),
      (e) => (clearInterval(timer), fail(e)),
    );
  });
}

/** Time `body` (wall and this process's CPU); `mark()` records the first message. */
async function timed(body: (check: OffsetCheck, mark: () => void) => Promise<Offsets | undefined>): Promise<RunResult> {
  const check = new OffsetCheck();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let first = 0;
  const seenEnd = await body(check, () => void (first ||= performance.now()));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { ms, cpuUs: cpu.user + cpu.system, firstMs: first ? first - t0 : NaN, check, seenEnd };
}

const clients: { name: string; run: (c: Ctx, total: number) => Promise<RunResult> }[] = [
  {
    name: 'OffsetReader (kafkajs internals)',
    run: (c) =>
      timed(async (check, mark) => {
        const reader = new OffsetReader(c.kafka);
        try {
          return await driveReader(reader, c.topic, check, mark);
        } finally {
          await reader.close();
        }
      }),
  },
  {
    name: 'pk-fetch (@platformatic fetch+listOffsets)',
    run: (c) =>
      timed(async (check, mark) => {
        const reader = new PkOffsetReader(c.pk, c.brokers, `bench-pk-fetch-${process.pid}`);
        try {
          return await driveReader(reader, c.topic, check, mark);
        } finally {
          await reader.close();
        }
      }),
  },
  {
    name: 'pk-stream (@platformatic consume MANUAL)',
    run: (c) =>
      timed(async (check, mark) => {
        const groupId = `${c.topic}-pk-${Date.now().toString(36)}`;
        c.groups.push(groupId);
        const rc = c.pk.readCommitted;
        const consumer = c.pk.newConsumer({
          clientId: `bench-pk-stream-${process.pid}`,
          bootstrapBrokers: c.brokers,
          groupId,
          autocommit: false,
          isolationLevel: rc,
        });
        try {
          const listed = (await consumer.listOffsets({ topics: [c.topic], isolationLevel: rc })).get(c.topic)!;
          const end = listed.map(Number);
          let remaining = end.filter((e) => e > 0).length;
          const stream = await consumer.consume({
            topics: [c.topic],
            mode: c.pk.manualMode,
            offsets: end.map((_, partition) => ({ topic: c.topic, partition, offset: 0n })),
            autocommit: false,
            isolationLevel: rc,
            maxWaitTime: 100,
            maxBytes: 12 << 20,
            maxBytesPerPartition: 4 << 20,
          });
          if (remaining > 0) {
            await stalled(check, (done, fail) => {
              stream.on('error', fail);
              stream.on('data', (m) => {
                mark();
                const off = Number(m.offset);
                if (remaining === 0) return; // buffered after the end was reached: dropped by the caller
                if (off >= end[m.partition]!) {
                  check.beyondEnd++;
                  return;
                }
                if (!check.see(m.partition, off)) return;
                parse(check, m.value);
                if (off === end[m.partition]! - 1 && --remaining === 0) done();
              });
            });
          }
          await stream.close();
          return Object.fromEntries(end.map((e, p) => [p, e]));
        } finally {
          await consumer.close();
        }
      }),
  },
  {
    name: 'kafkajs consumer.run (ceiling)',
    run: (c, total) =>
      timed(async (check, mark) => {
        const groupId = `${c.topic}-kjs-${Date.now().toString(36)}`;
        c.groups.push(groupId);
        const consumer = c.kafka.consumer({ groupId });
        try {
          await consumer.connect();
          await consumer.subscribe({ topics: [c.topic], fromBeginning: true });
          await stalled(check, (done, fail) => {
            consumer
              .run({
                eachBatch: async ({ batch }) => {
                  mark();
                  for (const m of batch.messages)
                    if (check.see(batch.partition, Number(m.offset))) parse(check, m.value);
                  if (check.count >= total) done();
                },
              })
              .catch(fail);
          });
          return undefined;
        } finally {
          await consumer.disconnect();
        }
      }),
  },
];

// ---------------------------------------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmtRate = (n: number): string => Math.round(n).toLocaleString('en').padStart(9);

const pk = await loadPlatformatic(args.platformatic ?? DEFAULT_PK_DIR);
const cfg = loadConfig(effectiveEnv());
const kafka = createKafka(cfg.kafka, '-bench-clients');
const admin = kafka.admin();
const topic = `bench-clients-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const ctx: Ctx = { kafka, pk, brokers: cfg.kafka.brokers, topic, groups: [] };
let created = false;

let cleaning: Promise<void> | undefined;
/** Delete the topic and the consumer groups of the runs (once; failures are logged). */
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    try {
      await admin.connect();
      if (ctx.groups.length)
        await admin.deleteGroups(ctx.groups).catch((e) => log(`deleting groups failed: ${(e as Error).message}`));
      if (created) {
        await admin.deleteTopics({ topics: [topic] });
        log(`deleted topic ${topic}`);
      }
    } catch (e) {
      log(`cleanup failed: ${(e as Error).message} (delete topic ${topic} by hand)`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  })());
}
process.once('SIGINT', () => {
  log('interrupted: cleaning up');
  void cleanup().finally(() => process.exit(130));
});

let failed = false;
try {
  log(
    `@platformatic/kafka ${pk.version} from ${pk.dir}; Node ${process.version}; ${N.toLocaleString('en')} events, ${RUNS} runs per client`,
  );
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  created = true;
  const preloadMs = await preload(kafka, topic, { count: N, customers: 1_000_000, seed: 4 });
  const hw = await admin.fetchTopicOffsets(topic);
  const expectedEnd: Offsets = Object.fromEntries(hw.map((p) => [p.partition, Number(p.high)]));
  const total = Object.values(expectedEnd).reduce((a, b) => a + b, 0);
  if (total !== N) throw new Error(`topic holds ${total} messages after pre-loading ${N}`);
  log(
    `pre-loaded ${N.toLocaleString('en')} events in ${(preloadMs / 1000).toFixed(1)} s; end offsets ${JSON.stringify(expectedEnd)}`,
  );

  console.log(
    `@platformatic/kafka ${pk.version}, kafkajs 2.2.4, Node ${process.version}; topic of ${N.toLocaleString('en')} events on ${PARTITIONS} partitions`,
  );
  console.log('client                                      run    events/s   µs CPU/event   1st msg ms   check');
  const results = new Map<string, RunResult[]>(clients.map((c) => [c.name, []]));
  for (let run = WARMUP ? -1 : 0; run < RUNS; run++) {
    for (let i = 0; i < clients.length; i++) {
      const client = clients[(i + Math.max(0, run)) % clients.length]!;
      log(`${run < 0 ? 'warm-up' : `run ${run + 1}`}: ${client.name}`);
      const r = await client.run(ctx, total);
      if (run >= 0) results.get(client.name)!.push(r);
      const v = r.check.verdict(expectedEnd, total);
      if (r.seenEnd && JSON.stringify(r.seenEnd) !== JSON.stringify(expectedEnd)) {
        v.ok = false;
        v.text = `FAILED: stopped at ${JSON.stringify(r.seenEnd)}, expected ${JSON.stringify(expectedEnd)}; ${v.text}`;
      }
      failed ||= !v.ok;
      console.log(
        `${client.name.padEnd(43)} ${(run < 0 ? 'w' : String(run + 1)).padStart(3)}  ${fmtRate((total / r.ms) * 1000)}   ${(r.cpuUs / total).toFixed(2).padStart(12)}   ${r.firstMs.toFixed(0).padStart(10)}   ${v.text}`,
      );
    }
  }
  console.log('\nmedian per client                                events/s   µs CPU/event   1st msg ms');
  for (const [name, rs] of results) {
    console.log(
      `${name.padEnd(43)}      ${fmtRate(median(rs.map((r) => (total / r.ms) * 1000)))}   ${median(
        rs.map((r) => r.cpuUs / total),
      )
        .toFixed(2)
        .padStart(12)}   ${median(rs.map((r) => r.firstMs))
        .toFixed(0)
        .padStart(10)}`,
    );
  }
  console.log(
    failed
      ? '\ncorrectness: FAILED (see the runs above)'
      : `\ncorrectness: every run of every client read exactly ${total.toLocaleString('en')} messages, offsets contiguous from 0 to the end on each partition, no duplicates`,
  );
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
