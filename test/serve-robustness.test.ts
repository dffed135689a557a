/**
 * Serving HTTP robustness on the real services: malformed percent-encodings in the path or the query, raw bytes
 * Node's parser rejects, unparsable request targets, `..` paths, very long paths, every other method on every
 * route and oversized headers each get their 4xx JSON answer (never a crash, never a 500), and the server still
 * answers afterwards. Requests go over a raw socket so the exact bytes are sent. The server runs in this process:
 * a throw that would exit `viewership serve` shows here as a request without reply (status 0) and an uncaught
 * error vitest reports. It needs no data: its own index prefix, nothing indexed.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../cli/serve.js';
import { buildApp, servedPaths } from '../serve/server.js';
import { testConfig, uniqueName } from './helpers.js';

/** What a raw request got back: status (0 = no answer), headers, body, and `error`/`parameter` of a JSON body. */
interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  error?: unknown;
  parameter?: unknown;
}

const KB = 1024;
const METHODS = ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE'];
// One concrete path per served route ('/assets/{file}' → a real file).
const app = await buildApp({ resources: {} as never, checkTimeoutMs: 1 });
const ROUTE_PATHS = servedPaths(app).map((p) => p.replace('{file}', 'dashboard.js'));
await app.close();

describe('serving HTTP robustness: malformed requests get 4xx JSON and the server survives', () => {
  let server: RunningServer;

  /** Send `bytes` on a fresh connection and read the reply until the server closes it (`Connection: close`). */
  const raw = (bytes: Buffer): Promise<Reply> =>
    new Promise((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const done = (why?: string) => {
        socket.destroy();
        resolve(parse(Buffer.concat(chunks), why));
      };
      socket.setTimeout(5000, () => done('timeout'));
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('close', () => done());
      socket.on('error', (e: NodeJS.ErrnoException) => (chunks.length ? done() : done(e.code)));
      // No half-close: Node's server ends a connection (and drops its pending response) on the client's FIN.
      socket.write(bytes);
    });

  /** A request line `METHOD target HTTP/1.1` (target taken byte for byte) with Host, Connection: close and `headers`. */
  const request = (method: string, target: string | Buffer, headers = ''): Promise<Reply> =>
    raw(
      Buffer.concat([
        Buffer.from(`${method} `),
        Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'),
        Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`),
      ]),
    );

  /** Send each `[target, status]` as a GET and compare all statuses at once (with the JSON `error` check). */
  const sweep = async (cases: [string | Buffer, number][]) => {
    const got: [string, number, boolean][] = [];
    for (const [target] of cases) {
      const r = await request('GET', target);
      got.push([label(target), r.status, typeof r.error === 'string']);
    }
    expect(got).toEqual(cases.map(([target, status]) => [label(target), status, true]));
  };

  beforeAll(async () => {
    const cfg = testConfig({ SEARCH_INDEX_PREFIX: uniqueName('svrob') });
    server = await startServe(cfg, { port: 0 });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('answers malformed percent-encodings in the path with 400', async () => {
    await sweep([
      ['/assets/%E0%A4%A', 400],
      ['/assets/%', 400],
      ['/assets/%C0%AF', 400],
      ['/assets/dashboard.js%', 400],
      ['/api/viewership/%ZZ', 400],
      ['/api/health%2', 400],
      ['/%', 400],
      ['/%%', 400],
    ]);
  });

  it('answers malformed percent-encodings in the query with 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/api/viewership?from=%E0%A4%A', 'from'],
      ['/api/viewership?groupBy=%', 'groupBy'],
      ['/api/viewership?interval=day&metrics=events%2', 'metrics'],
      ['/api/viewership?%ZZ=1', '%ZZ'],
      ['/openapi.json?x=%E0', 'x'],
      ['/?refreshMs=%', 'refreshMs'],
      ['/assets/dashboard.js?v=%G1', 'v'],
    ];
    const got = [];
    for (const [target] of cases) {
      const r = await request('GET', target);
      got.push([target, r.status, r.parameter]);
    }
    expect(got).toEqual(cases.map(([target, parameter]) => [target, 400, parameter]));
  });

  it('answers request targets it cannot parse with 400 and odd but valid ones by route', async () => {
    await sweep([
      ['*', 400],
      ['http://[::1', 400],
      ['//', 404],
      ['//evil.example/openapi.json', 404],
      ['/caf%C3%A9', 404],
      ['/assets/%00', 404],
    ]);
  });

  it('answers raw non-ASCII, NUL and control bytes (rejected by Node’s parser) with 400', async () => {
    await sweep([
      [Buffer.from('/caf\u00e9'), 400],
      [Buffer.from([0x2f, 0xff]), 400],
      [Buffer.from('/assets/\u0000x.js'), 400],
      [Buffer.from('/api/health\u007f'), 400],
      [Buffer.from('/a\tb'), 400],
    ]);
    const badHeader = await request('GET', '/openapi.json', 'Bad Header Line\r\n');
    expect([badHeader.status, typeof badHeader.error]).toEqual([400, 'string']);
  });

  it('answers paths with .. with 404 and never serves files outside the public directory', async () => {
    await sweep([
      ['/assets/../server.ts', 404],
      ['/assets/..%2Fserver.ts', 404],
      ['/assets/%2e%2e/%2e%2e/package.json', 404],
      ['/assets/..\\..\\package.json', 404],
      ['/assets/....//package.json', 404],
      ['/api/viewership/..', 404],
      ['/../../../../etc/passwd', 404],
    ]);
  });

  it('answers very long paths and queries: 431 over the header limit, by route under it', async () => {
    await sweep([
      [`/assets/${'a'.repeat(100 * KB)}.js`, 431],
      [`/${'x'.repeat(100 * KB)}`, 431],
      [`/api/viewership?from=${'1'.repeat(100 * KB)}`, 431],
      [`/assets/${'a'.repeat(12 * KB)}.js`, 404],
      [`/${'%'.repeat(5 * KB)}`, 400],
      [`/api/viewership?groupBy=${'country,'.repeat(1500)}`, 400],
    ]);
  });

  it('answers every other method on every route with 405 and Allow: GET, HEAD', async () => {
    expect(ROUTE_PATHS.sort()).toEqual([
      '/',
      '/api/ads',
      '/api/customers/{id}',
      '/api/health',
      '/api/revenue',
      '/api/viewership',
      '/assets/dashboard.js',
      '/openapi.json',
    ]);
    const got = [];
    for (const path of ROUTE_PATHS) {
      for (const method of METHODS) {
        const r = await request(method, path, 'Content-Length: 0\r\n');
        got.push([method, path, r.status, r.headers.allow, typeof r.error]);
      }
    }
    expect(got).toEqual(
      ROUTE_PATHS.flatMap((path) => METHODS.map((method) => [method, path, 405, 'GET, HEAD', 'string'])),
    );
  });

  it('answers an oversized header with 431', async () => {
    const one = await request('GET', '/openapi.json', `X-Big: ${'a'.repeat(20 * KB)}\r\n`);
    const many = await request(
      'GET',
      '/openapi.json',
      Array.from({ length: 1500 }, (_, i) => `X-H${i}: ${'v'.repeat(10)}\r\n`).join(''),
    );
    expect([one.status, typeof one.error, many.status, typeof many.error]).toEqual([431, 'string', 431, 'string']);
  });

  it('still serves after the whole sweep', async () => {
    const r = await request('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ openapi: '3.1.0' });
    expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200);
  });
});

/** Parse a raw HTTP/1.1 reply (body up to the connection's close, chunked or not). */
function parse(data: Buffer, why?: string): Reply {
  const end = data.indexOf('\r\n\r\n');
  const head = data.subarray(0, Math.max(end, 0)).toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!m || end < 0) return { status: 0, headers: {}, body: why ?? 'no reply' };
  const headers = Object.fromEntries(
    head
      .split('\r\n')
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  const rest = data.subarray(end + 4);
  const body = (headers['transfer-encoding'] === 'chunked' ? unchunk(rest) : rest).toString('utf8');
  let json: { error?: unknown; parameter?: unknown } = {};
  if (headers['content-type']?.includes('json')) {
    try {
      json = JSON.parse(body);
    } catch {
      json = {};
    }
  }
  return { status: Number(m[1]), headers, body, error: json.error, parameter: json.parameter };
}

/** The payload of a chunked body (`size in hex CRLF data CRLF`… up to the zero-size chunk). */
function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (eol < 0 || !(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** A short printable name of a request target for the comparison tables. */
function label(target: string | Buffer): string {
  const s = Buffer.isBuffer(target) ? JSON.stringify(target.toString('latin1')) : target;
  return s.length > 60 ? `${s.slice(0, 40)}…(${s.length} chars)` : s;
}
