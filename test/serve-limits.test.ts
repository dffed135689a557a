/**
 * The work of one serving request is bounded, on the real engines: a grouping with more groups than
 * SERVE_MAX_RESULT_BUCKETS is a 400 naming `groupBy` instead of being read whole, while the same grouping with a
 * `limit` is answered because the limit is pushed into the engine query (exactly the top groups of each bucket,
 * `terms` for one dimension and `multi_terms` for several); an answer over SERVE_MAX_RESPONSE_BYTES is a 400; an
 * impossible date or a too-long range is a 400 naming the parameter. Behind a loopback HTTP proxy that delays
 * every engine request: a request past SERVE_REQUEST_TIMEOUT_MS gets a 504 JSON error and stops reading (no engine
 * request after it), requests beyond SERVE_MAX_CONCURRENT + SERVE_MAX_QUEUED get 503 with Retry-After at once,
 * concurrent /api/health requests share one report; a client that sends its headers too slowly gets 408.
 * The speed indices are filled with hand-made documents under a fresh prefix.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchSink } from '../adapters/search/elasticsearch.js';
import { createSearchSink } from '../adapters/search/index.js';
import type { DocWrite, SearchSink } from '../adapters/search/types.js';
import { startServe, type RunningServer } from '../cli/serve.js';
import {
  SPEED_TEMPLATE,
  speedContentIndex,
  speedIndex,
  speedIndices,
  speedUniquesIndex,
} from '../lib/search-templates.js';
import type { ViewershipResult } from '../lib/views/viewership.js';
import { CustomerSketch } from '../lib/stream/sketch.js';
import { serviceStatus, testConfig, uniqueName } from './helpers.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2031-03-10T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const CONTENTS = 300;
const COUNTRIES = Array.from({ length: 20 }, (_, i) => `C${String(i).padStart(2, '0')}`);
const DEVICES = ['tv', 'mobile', 'web', 'tablet', 'console', 'car'];
const UNIQUES_WINDOWS = 1000;

/** Content rollup: content `c-k` in the window k mod 120 (two hours), with 1000 − k events (all different). */
const contentDocs: DocWrite[] = Array.from({ length: CONTENTS }, (_, k) => ({
  id: `c${k}`,
  doc: {
    cell: `c${k}`,
    window_start: T0 + (k % 120) * MIN,
    content_id: `c-${String(k).padStart(3, '0')}`,
    partition: 0,
    first_offset: 1,
    last_offset: 1,
    events: 1000 - k,
    watch_ms: k,
    unknown_customer_events: 0,
  },
}));
/** Window cube: every country × device in both hours, events all different. */
const cubeDocs: DocWrite[] = COUNTRIES.flatMap((country, c) =>
  DEVICES.flatMap((device, d) =>
    [0, 1].map((h) => ({
      id: `${country}|${device}|${h}`,
      doc: {
        cell: `${country}|${device}|${h}`,
        window_start: T0 + h * HOUR + ((c * 6 + d) % 60) * MIN,
        event_type: 'play',
        country,
        plan: 'free',
        device,
        status_category: '2xx',
        partition: 0,
        first_offset: 1,
        last_offset: 1,
        events: 10 + (((c * 6 + d) * 7 + h * 311) % 997),
        watch_ms: 1,
        unknown_customer_events: 0,
      },
    })),
  ),
);
/** Customer sketches of 1000 minute windows (10 pages of uniques documents for one question). */
const uniquesDocs: DocWrite[] = Array.from({ length: UNIQUES_WINDOWS }, (_, i) => {
  const sketch = new CustomerSketch();
  sketch.addString(`cust-${i % 37}`);
  return {
    id: `u${i}`,
    doc: {
      window_start: T0 + i * MIN,
      partition: 0,
      first_offset: 1,
      last_offset: 1,
      events: 1,
      unique_customers: 1,
      customers_sketch: sketch.toBase64(),
    },
  };
});

/** The top `n` groups per hour of docs, by events (ties by key), as `{hour: [[group key, events]]}`. */
function topPerHour(
  docs: DocWrite[],
  key: (d: Record<string, unknown>) => string,
  n: number,
): Record<string, [string, number][]> {
  const by = new Map<string, Map<string, number>>();
  for (const { doc } of docs) {
    const hour = iso(Math.floor(Number(doc.window_start) / HOUR) * HOUR);
    const m = by.get(hour) ?? new Map<string, number>();
    m.set(key(doc), (m.get(key(doc)) ?? 0) + Number(doc.events));
    by.set(hour, m);
  }
  return Object.fromEntries(
    [...by].map(([h, m]) => [h, [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n)]),
  );
}

/** The answer's buckets as `{start: [[group key, events]]}` (in the answer's order). */
function answerPerBucket(
  r: ViewershipResult,
  key: (g: Record<string, string | null | undefined>) => string,
): Record<string, [string, number][]> {
  const out: Record<string, [string, number][]> = {};
  for (const b of r.buckets) (out[b.start] ??= []).push([key(b.group), Number(b.metrics.events)]);
  return out;
}

async function get<T = Record<string, unknown>>(
  base: string,
  path: string,
): Promise<{ status: number; body: T; headers: Headers; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`${base}${path}`);
  const body = (await res.json()) as T;
  return { status: res.status, body, headers: res.headers, ms: Date.now() - t0 };
}

const cfg = testConfig();
const status = await serviceStatus();
const ES_URL = `http://127.0.0.1:${process.env.ELASTICSEARCH_PORT ?? 9201}`;
const ENGINES: { name: string; env: Record<string, string>; make: () => SearchSink }[] = [
  { name: cfg.search.engine, env: {}, make: () => createSearchSink(cfg.search) },
  ...(cfg.search.engine === 'opensearch' && 'elasticsearch' in status
    ? [
        {
          name: 'elasticsearch',
          env: { SEARCH_ENGINE: 'elasticsearch', SEARCH_URL: ES_URL },
          make: () => createElasticsearchSink({ url: ES_URL }),
        },
      ]
    : []),
];

/** Fill the speed indices of `prefix` with the documents above. */
async function fill(sink: SearchSink, prefix: string): Promise<void> {
  for (const index of speedIndices(prefix)) await sink.ensureIndex(index, SPEED_TEMPLATE);
  for (const [index, docs] of [
    [speedContentIndex(prefix), contentDocs],
    [speedIndex(prefix), cubeDocs],
    [speedUniquesIndex(prefix), uniquesDocs],
  ] as const) {
    const r = await sink.bulkIndex(index, docs);
    expect(r.failed, index).toEqual([]);
    await sink.refresh(index);
  }
}

for (const engine of ENGINES) {
  describe(`bounded answers on ${engine.name}: group cap, limit pushed into the query, size cap, dates, range`, () => {
    const prefix = uniqueName('svlim');
    let sink: SearchSink;
    let server: RunningServer;
    let small: RunningServer;

    beforeAll(async () => {
      sink = engine.make();
      await fill(sink, prefix);
      const env = { ...engine.env, SEARCH_INDEX_PREFIX: prefix, SERVE_MAX_RESULT_BUCKETS: '100' };
      server = await startServe(testConfig(env), { port: 0 });
      small = await startServe(
        testConfig({ ...env, SERVE_MAX_RESULT_BUCKETS: '100000', SERVE_MAX_RESPONSE_BYTES: '4096' }),
        { port: 0 },
      );
    });

    afterAll(async () => {
      await server?.stop();
      await small?.stop();
      if (sink) for (const index of speedIndices(prefix)) await sink.deleteIndex(index);
      await sink?.close();
    });

    const range = `from=${iso(T0)}&to=${iso(T0 + 2 * HOUR)}`;

    it('answers more groups than SERVE_MAX_RESULT_BUCKETS with 400 naming groupBy', async () => {
      for (const qs of [`${range}&interval=day&groupBy=content_id`, `${range}&interval=hour&groupBy=country,device`]) {
        const r = await get<{ error: string; parameter: string }>(server.url, `/api/viewership?${qs}`);
        expect([r.status, r.body.parameter], qs).toEqual([400, 'groupBy']);
        expect(r.body.error).toMatch(/more than 100 buckets.*add a limit/);
      }
    });

    it('pushes limit into the query: the exact top groups of each bucket, however many groups exist (terms)', async () => {
      const day = await get<ViewershipResult>(
        server.url,
        `/api/viewership?${range}&interval=day&groupBy=content_id&limit=5&metrics=events`,
      );
      expect(day.status, JSON.stringify(day.body)).toBe(200);
      expect(day.body.buckets.map((b) => [b.group.content_id, b.metrics.events])).toEqual(
        [0, 1, 2, 3, 4].map((k) => [`c-00${k}`, 1000 - k]),
      );
      const hours = await get<ViewershipResult>(
        server.url,
        `/api/viewership?${range}&interval=hour&groupBy=content_id&limit=3&metrics=events`,
      );
      expect(hours.status, JSON.stringify(hours.body)).toBe(200);
      expect(answerPerBucket(hours.body, (g) => String(g.content_id))).toEqual(
        topPerHour(contentDocs, (d) => String(d.content_id), 3),
      );
    });

    it('pushes limit into the query for several dimensions (multi_terms), or says the engine cannot', async () => {
      const path = `/api/viewership?${range}&interval=hour&groupBy=country,device&limit=4&metrics=events`;
      const want = topPerHour(cubeDocs, (d) => `${d.country}|${d.device}`, 4);
      // The engine has multi_terms (OpenSearch, Elasticsearch with its analytics module) or not (the local Elasticsearch node).
      const multiTerms = await sink
        .search(speedIndex(prefix), {
          size: 0,
          aggs: { m: { multi_terms: { terms: [{ field: 'country' }, { field: 'device' }] } } },
        })
        .then(
          () => true,
          () => false,
        );
      if (engine.name === 'opensearch') expect(multiTerms).toBe(true);
      const r = await get<ViewershipResult>(server.url, path);
      if (multiTerms) {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(answerPerBucket(r.body, (g) => `${g.country}|${g.device}`)).toEqual(want);
        expect(r.body.buckets).toHaveLength(8);
      } else {
        // 240 groups read whole past the 100-bucket budget: a 400 that says why and what works.
        expect([r.status, (r.body as unknown as { parameter: string }).parameter]).toEqual([400, 'groupBy']);
        expect((r.body as unknown as { error: string }).error).toMatch(
          /no multi_terms aggregation.*group by one dimension/,
        );
      }
      // Within a larger budget the answer is the same either way.
      const wide = await get<ViewershipResult>(small.url, path);
      expect(wide.status, JSON.stringify(wide.body)).toBe(200);
      expect(answerPerBucket(wide.body, (g) => `${g.country}|${g.device}`)).toEqual(want);
    });

    it('answers an answer over SERVE_MAX_RESPONSE_BYTES with 400, and a smaller one with 200', async () => {
      const big = await get<{ error: string; parameter: string }>(
        small.url,
        `/api/viewership?${range}&interval=hour&groupBy=content_id&limit=50`,
      );
      expect([big.status, big.body.parameter]).toEqual([400, 'limit']);
      expect(big.body.error).toMatch(/bytes \(at most 4096/);
      expect(
        (await get(small.url, `/api/viewership?${range}&interval=day&groupBy=content_id&limit=3&metrics=events`))
          .status,
      ).toBe(200);
    });

    it('answers impossible dates and too-long ranges with 400 naming the parameter', async () => {
      const cases: [string, string, RegExp][] = [
        ['from=2026-02-30&to=2026-03-05', 'from', /not a real date/],
        ['from=2026-02-01&to=2026-02-29', 'to', /not a real date/],
        ['from=2026-11-23T24:00:00Z&to=2026-11-25', 'from', /not a real date/],
        ['from=2024-01-01&to=2026-01-01&interval=day', 'from', /731 days \(at most 366\)/],
      ];
      for (const [qs, parameter, message] of cases) {
        const r = await get<{ error: string; parameter: string }>(server.url, `/api/viewership?${qs}`);
        expect([r.status, r.body.parameter, r.body.error], qs).toEqual([
          400,
          parameter,
          expect.stringMatching(message),
        ]);
      }
    });
  });
}

/** A loopback HTTP proxy to the search engine that holds every request `delayMs` before forwarding it; `log` has the paths and times. */
async function delayingProxy(
  target: string,
  delayMs: number,
): Promise<{ url: string; log: { path: string; at: number }[]; delayMs: number; close: () => Promise<void> }> {
  const t = new URL(target);
  const state = { delayMs, log: [] as { path: string; at: number }[] };
  const server: Server = createServer((req, res) => {
    state.log.push({ path: req.url ?? '', at: Date.now() });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      setTimeout(() => {
        const up = httpRequest(
          { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
          (ur) => {
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            ur.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      }, state.delayMs),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get log() {
      return state.log;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('deadline, concurrency and slow clients (engine behind a delaying proxy)', () => {
  const prefix = uniqueName('svslow');
  let sink: SearchSink;
  let proxy: Awaited<ReturnType<typeof delayingProxy>>;
  const servers: RunningServer[] = [];
  const serve = async (env: Record<string, string>) => {
    const s = await startServe(testConfig({ SEARCH_INDEX_PREFIX: prefix, SEARCH_URL: proxy.url, ...env }), { port: 0 });
    servers.push(s);
    return s;
  };
  const searches = (from: number) => proxy.log.filter((l) => l.at >= from && l.path.includes('_search')).length;

  beforeAll(async () => {
    sink = createSearchSink(cfg.search);
    await fill(sink, prefix);
    proxy = await delayingProxy(cfg.search.url, 300);
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await proxy?.close();
    if (sink) for (const index of speedIndices(prefix)) await sink.deleteIndex(index);
    await sink?.close();
  });

  it('answers 504 with a JSON error at the deadline and reads no further page', async () => {
    proxy.delayMs = 300;
    const s = await serve({ SERVE_REQUEST_TIMEOUT_MS: '1000' });
    // Unique customers over 1000 windows: 10 pages of sketches, 300 ms each, far past the 1 s deadline.
    const r = await get<{ error: string }>(
      s.url,
      `/api/viewership?from=${iso(T0)}&to=${iso(T0 + UNIQUES_WINDOWS * MIN)}&interval=hour&metrics=uniqueCustomers`,
    );
    const answeredAt = Date.now();
    expect([r.status, r.body.error]).toEqual([
      504,
      expect.stringMatching(/no answer within the request deadline of 1000 ms/),
    ]);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.ms).toBeLessThan(2500);
    await sleep(2000);
    expect(searches(answeredAt)).toBeLessThanOrEqual(1);
    // With time enough, the same question is answered.
    proxy.delayMs = 0;
    const ok = await get<ViewershipResult>(
      (await serve({})).url,
      `/api/viewership?from=${iso(T0)}&to=${iso(T0 + UNIQUES_WINDOWS * MIN)}&interval=hour&metrics=uniqueCustomers`,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.buckets[0]!.metrics.uniqueCustomers).toBe(37);
  });

  it('answers /api/health past the deadline with 504', async () => {
    proxy.delayMs = 4000;
    const s = await serve({ SERVE_REQUEST_TIMEOUT_MS: '1000', SERVE_CHECK_TIMEOUT_MS: '8000' });
    const r = await get<{ error: string }>(s.url, '/api/health');
    expect([r.status, r.body.error]).toEqual([504, expect.stringMatching(/deadline of 1000 ms/)]);
    expect(r.ms).toBeLessThan(2500);
  });

  it('answers requests beyond SERVE_MAX_CONCURRENT + SERVE_MAX_QUEUED with 503 and Retry-After at once; the others are served', async () => {
    proxy.delayMs = 800;
    const s = await serve({ SERVE_MAX_CONCURRENT: '1', SERVE_MAX_QUEUED: '1', SERVE_REQUEST_TIMEOUT_MS: '20000' });
    const path = `/api/viewership?from=${iso(T0)}&to=${iso(T0 + 2 * HOUR)}&interval=day&metrics=events`;
    const first = get<ViewershipResult>(s.url, path);
    await sleep(100);
    const second = get<ViewershipResult>(s.url, path);
    await sleep(100);
    const third = await get<{ error: string }>(s.url, path);
    expect([third.status, third.headers.get('retry-after'), third.body.error]).toEqual([
      503,
      '1',
      expect.stringMatching(/busy/),
    ]);
    expect(third.ms).toBeLessThan(500);
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.buckets[0]!.metrics.events).toBe(cubeDocs.reduce((n, d) => n + Number(d.doc.events), 0));
    expect(b.ms).toBeGreaterThan(a.ms); // it waited for the first one's slot
  });

  it('lets concurrent /api/health requests share one report (one set of engine requests)', async () => {
    proxy.delayMs = 300;
    const s = await serve({});
    let from = Date.now();
    expect((await get(s.url, '/api/health')).status).toBe(200);
    const one = proxy.log.filter((l) => l.at >= from).length;
    from = Date.now();
    const five = await Promise.all(Array.from({ length: 5 }, () => get<{ checkedAt: string }>(s.url, '/api/health')));
    expect(five.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(five.map((r) => r.body.checkedAt)).size).toBe(1);
    expect(proxy.log.filter((l) => l.at >= from).length).toBe(one);
  });

  it('closes a connection whose headers come too slowly with 408', async () => {
    const s = await serve({ SERVE_HEADERS_TIMEOUT_MS: '1000' });
    const t0 = Date.now();
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(s.port, '127.0.0.1');
      let data = '';
      socket.setTimeout(6000, () => (socket.destroy(), resolve(`${data}(timeout)`)));
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
      socket.write('GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // and never the blank line
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - t0).toBeLessThan(4000);
  });
});
