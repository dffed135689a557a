/**
 * The serving HTTP server (Node's http module, or https with SERVE_TLS_*): routing for the API, the OpenAPI
 * document and the dashboard's static files. JSON errors everywhere: 400 `{error, parameter}` for a bad parameter
 * (also an answer that would be too large), 400 `{error}` for a request target that cannot be read (malformed
 * percent-encoding, unparsable target, bytes Node's parser rejects), 401 without the access token when one is set,
 * 403 for a Host not on the allow-list (DNS rebinding), 404/405 for unknown routes, 408 for headers sent too slowly,
 * 431 for oversized headers, 503 when a backing service fails or the server is busy (with Retry-After), 504 past
 * the request's deadline. No request can crash the process, and none can hold more than its bounded share of work.
 * Every response carries the security headers of `guard.ts` (CSP, frame-ancestors, nosniff, no referrer).
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { STREAM_WORKFLOW_ID } from '../../common/stream.js';
import { BucketBudget, narrowing, TooManyBucketsError } from './bounds.js';
import { BusyError, Gate } from './gate.js';
import { allowedHosts, AUTH_CHALLENGES, hostAllowed, HSTS, SECURITY_HEADERS, tokenChecker } from './guard.js';
import { healthReport, type HealthReport } from './health.js';
import { BUSY_RETRY_AFTER_S, DEFAULT_SERVE_LIMITS, type ServeLimits } from './limits.js';
import { OPENAPI } from './openapi.js';
import { BadParameterError, parseViewershipQuery } from './params.js';
import type { ServeResources } from './resources.js';
import { queryViewership } from './viewership.js';
import { parseRevenueQuery, queryRevenue } from './revenue.js';
import { customerLookup } from './customers.js';
import { parseAdsQuery, queryAds } from './ads.js';

/** Directory of the dashboard's static files. */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Options of the server. */
export interface ServeOptions {
  resources: ServeResources;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Id of the streaming workflow shown by /api/health (default `stream-viewership`). */
  streamWorkflowId?: string;
  /** Time limit of each health check, ms. */
  checkTimeoutMs: number;
  /** Bounds on each request (default `DEFAULT_SERVE_LIMITS`). */
  limits?: Partial<ServeLimits>;
  /** Host names answered besides IP literals (default: `localhost`, `*.localhost` and `host` when it is a name). */
  allowedHosts?: string[];
  /** When set, every request needs it (`Authorization: Bearer …`, or Basic with it as password). Never logged. */
  authToken?: string;
  /** Certificate chain and private key (PEM): the server speaks HTTPS only. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => Promise<void>;

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, body: unknown, type = JSON_TYPE): void {
  const data = typeof body === 'string' || body instanceof Buffer ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(data);
}

/** The request's deadline passed before its answer was ready. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within the request deadline of ${ms} ms (SERVE_REQUEST_TIMEOUT_MS)`);
    this.name = 'DeadlineError';
  }
}

/** The client closed the connection before its answer was ready (nothing to answer). */
class ClientGoneError extends Error {}

/** The search engine (or, for /api/ads, PostgreSQL) failed a query (answered 503). */
class SearchFailedError extends Error {}

/** Rejects with the signal's reason when it aborts. */
const aborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/**
 * Run `work` within the request's deadline: its signal aborts at the deadline (the reads stop at their next page)
 * and when the client goes away. With a `gate`, the work first takes a slot (`BusyError` when none is free in
 * time) and holds it until the work itself settles — past the deadline too — so the gate bounds the work really
 * in flight, not only the requests still waiting for an answer.
 */
async function withinDeadline<T>(
  res: ServerResponse,
  deadlineMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  gate?: Gate,
): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new DeadlineError(deadlineMs)), deadlineMs);
  const onClose = () => {
    if (!res.writableFinished) ac.abort(new ClientGoneError('client closed the connection'));
  };
  res.once('close', onClose);
  try {
    const release = gate ? await gate.acquire(ac.signal) : undefined;
    const p = Promise.resolve().then(() => work(ac.signal));
    if (release) p.finally(release).catch(() => undefined);
    else p.catch(() => undefined);
    return await Promise.race([p, aborted(ac.signal)]);
  } finally {
    clearTimeout(timer);
    res.off('close', onClose);
    // The request is over: reads still running beside a failed one (Promise.all settles at the first failure) stop too.
    if (!ac.signal.aborted) ac.abort(new ClientGoneError('request over'));
  }
}

/** `decodeURIComponent`, but undefined for a malformed percent-encoding instead of a throw. */
function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The request target as a URL; undefined when it cannot be parsed. A path (`//x` too) never names a host. */
function requestUrl(target: string): URL | undefined {
  if (!target.startsWith('/') && !/^https?:\/\//i.test(target)) return undefined;
  try {
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target);
  } catch {
    return undefined;
  }
}

/** The name of the first query parameter whose name or value is malformed percent-encoding; undefined if none. */
function malformedParameter(search: string): string | undefined {
  for (const pair of search.slice(1).split('&')) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const decoded = decode(name.replaceAll('+', ' '));
    if (decoded === undefined || decode(pair.slice(name.length + 1)) === undefined) return decoded ?? name;
  }
  return undefined;
}

async function sendFile(res: ServerResponse, name: string): Promise<void> {
  const ext = name.slice(name.lastIndexOf('.'));
  if (!/^[a-z0-9][a-z0-9-]*\.[a-z]+$/.test(name) || !TYPES[ext])
    return send(res, 404, { error: `no such file: ${name}` });
  try {
    send(res, 200, await readFile(`${PUBLIC_DIR}${name}`), TYPES[ext]);
  } catch {
    send(res, 404, { error: `no such file: ${name}` });
  }
}

/** The served routes (method GET), by path; `/assets/{file}` matches any file name under it. */
export function routes(o: ServeOptions): Record<string, Handler> {
  const r = o.resources;
  const limits: ServeLimits = { ...DEFAULT_SERVE_LIMITS, ...o.limits };
  const gate = new Gate(limits.maxConcurrent, limits.maxQueued);
  // Concurrent /api/health requests share one report in the making: health work never multiplies with clients.
  let health: Promise<HealthReport> | undefined;
  return {
    '/': (_q, _u, res) => sendFile(res, 'index.html'),
    '/assets/{file}': async (_q, url, res) => {
      const file = decode(url.pathname.slice('/assets/'.length));
      if (file === undefined) throw new BadParameterError('file', 'file is not valid percent-encoding');
      return sendFile(res, file);
    },
    '/openapi.json': async (_q, _u, res) => send(res, 200, OPENAPI),
    '/api/health': async (_q, _u, res) => {
      health ??= healthReport(r, {
        streamWorkflowId: o.streamWorkflowId ?? STREAM_WORKFLOW_ID,
        timeoutMs: o.checkTimeoutMs,
      }).finally(() => (health = undefined));
      const report = health;
      send(res, 200, await withinDeadline(res, limits.requestTimeoutMs, () => report));
    },
    '/api/viewership': async (_q, url, res) => {
      const query = parseViewershipQuery(url.searchParams, Date.now(), { maxRangeDays: limits.maxRangeDays });
      const result = await withinDeadline(
        res,
        limits.requestTimeoutMs,
        (signal) =>
          queryViewership(r.search, r.cfg.search.indexPrefix, query, {
            signal,
            budget: new BucketBudget(limits.maxResultBuckets, query),
          }).catch((err: unknown) => {
            if (err instanceof BadParameterError || err === signal.reason) throw err;
            throw new SearchFailedError(`search engine query failed: ${(err as Error).message.split('\n')[0]}`);
          }),
        gate,
      );
      const body = JSON.stringify(result);
      const bytes = Buffer.byteLength(body);
      if (bytes > limits.maxResponseBytes) {
        const [parameter, advice] = narrowing(query);
        throw new TooManyBucketsError(
          parameter,
          `the answer would be ${bytes} bytes (at most ${limits.maxResponseBytes}, SERVE_MAX_RESPONSE_BYTES): ${advice}`,
        );
      }
      send(res, 200, body, JSON_TYPE);
    },
    '/api/revenue': async (_q, url, res) => {
      const query = parseRevenueQuery(url.searchParams, Date.now(), { maxRangeDays: limits.maxRangeDays });
      const result = await withinDeadline(
        res,
        limits.requestTimeoutMs,
        (signal) =>
          queryRevenue(r.search, r.cfg.search.indexPrefix, query, { signal }).catch((err: unknown) => {
            if (err instanceof BadParameterError || err === signal.reason) throw err;
            throw new SearchFailedError(`search engine query failed: ${(err as Error).message.split('\n')[0]}`);
          }),
        gate,
      );
      send(res, 200, result);
    },
    '/api/customers/{id}': async (_q, url, res) => {
      const id = decode(url.pathname.slice('/api/customers/'.length)) ?? '';
      const view = await withinDeadline(res, limits.requestTimeoutMs, (signal) =>
        customerLookup(r, id).catch((err: unknown) => {
          if (err === signal.reason) throw err;
          throw new SearchFailedError(`customer look-up failed: ${(err as Error).message.split('\n')[0]}`);
        }),
      );
      if (view === 'malformed')
        throw new BadParameterError(
          'id',
          `customer id must be 1-64 of A-Z a-z 0-9 _ - (got ${JSON.stringify(id.slice(0, 80))})`,
        );
      if (!view) return send(res, 404, { error: `no customer ${id}` });
      send(res, 200, view);
    },
    '/api/ads': async (_q, url, res) => {
      const query = parseAdsQuery(url.searchParams, Date.now(), { maxRangeDays: limits.maxRangeDays });
      const result = await withinDeadline(
        res,
        limits.requestTimeoutMs,
        (signal) =>
          Promise.resolve()
            .then(() =>
              queryAds(r.adsPool(), r.cfg.ads.workflowId, query, {
                signal,
                maxBuckets: limits.maxResultBuckets,
                statementTimeoutMs: limits.requestTimeoutMs,
              }),
            )
            .catch((err: unknown) => {
              if (err instanceof BadParameterError || err === signal.reason) throw err;
              throw new SearchFailedError(`PostgreSQL query failed: ${(err as Error).message.split('\n')[0]}`);
            }),
        gate,
      );
      const body = JSON.stringify(result);
      const bytes = Buffer.byteLength(body);
      if (bytes > limits.maxResponseBytes) {
        const [parameter, advice] = narrowing(query);
        throw new TooManyBucketsError(
          parameter,
          `the answer would be ${bytes} bytes (at most ${limits.maxResponseBytes}, SERVE_MAX_RESPONSE_BYTES): ${advice}`,
        );
      }
      send(res, 200, body, JSON_TYPE);
    },
  };
}

/** What the dispatcher checks before routing: allowed Host names and the token check (none without a token). */
interface Guard {
  allowedHosts: string[];
  checkToken?: (authorization: string | undefined) => boolean;
}

/**
 * Answer one request: check its Host (403) and token (401), read its target (400 when malformed), route it (404,
 * 405), run the handler and map its errors (400 bad parameter, 503 busy or search failure, 504 past the deadline).
 */
function dispatch(table: Record<string, Handler>, guard: Guard, req: IncomingMessage, res: ServerResponse): void {
  if (!hostAllowed(req.headers.host, guard.allowedHosts)) {
    return send(res, 403, {
      error: `host ${JSON.stringify((req.headers.host ?? '').slice(0, 100))} is not allowed: add it to SERVE_ALLOWED_HOSTS (DNS-rebinding protection)`,
    });
  }
  if (guard.checkToken && !guard.checkToken(req.headers.authorization)) {
    res.setHeader('www-authenticate', AUTH_CHALLENGES);
    return send(res, 401, {
      error:
        'authentication required: send Authorization: Bearer <SERVE_AUTH_TOKEN> (or HTTP Basic with it as the password)',
    });
  }
  const url = requestUrl(req.url ?? '/');
  if (!url)
    return send(res, 400, {
      error: `cannot parse the request target ${JSON.stringify((req.url ?? '').slice(0, 200))}`,
    });
  if (decode(url.pathname) === undefined)
    return send(res, 400, { error: `malformed percent-encoding in the path ${url.pathname.slice(0, 200)}` });
  const bad = malformedParameter(url.search);
  if (bad !== undefined)
    return send(res, 400, { error: `malformed percent-encoding in query parameter "${bad}"`, parameter: bad });
  const key = url.pathname.startsWith('/assets/')
    ? '/assets/{file}'
    : url.pathname.startsWith('/api/customers/')
      ? '/api/customers/{id}'
      : url.pathname;
  const handler = table[key];
  if (!handler) return send(res, 404, { error: `no route ${url.pathname.slice(0, 200)}` });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` });
  }
  // Through a promise, so a handler's synchronous throw is answered like a rejection.
  Promise.resolve()
    .then(() => handler(req, url, res))
    .catch((err) => {
      if (err instanceof ClientGoneError || res.destroyed) return void res.destroy();
      const expected =
        err instanceof BadParameterError ||
        err instanceof BusyError ||
        err instanceof DeadlineError ||
        err instanceof SearchFailedError;
      if (!expected) console.error(`[serve] ${url.pathname}: ${(err as Error).stack ?? String(err)}`);
      if (res.headersSent) res.destroy();
      else if (err instanceof BadParameterError) send(res, 400, { error: err.message, parameter: err.parameter });
      else if (err instanceof BusyError) {
        res.setHeader('retry-after', String(BUSY_RETRY_AFTER_S));
        send(res, 503, { error: `${err.message}; retry later` });
      } else if (err instanceof DeadlineError) send(res, 504, { error: err.message });
      else if (err instanceof SearchFailedError) send(res, 503, { error: err.message });
      else send(res, 500, { error: (err as Error).message });
    });
}

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * A request Node's parser rejected (bad bytes, oversized headers, timeout): answer 400/431/413/408 JSON when the
 * socket is writable and no earlier response on it is still going out (that would corrupt it), then close it.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, responding: boolean): void {
  if (socket.writable && !responding && err.code !== 'ECONNRESET') {
    const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
    const body = JSON.stringify({ error: `${STATUS_CODES[status]} (${err.code ?? err.message})` });
    const security = Object.entries(SECURITY_HEADERS)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${security}connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Start the server; resolves once it listens, with its URL and a `close()`. Slow clients are bounded too: request
 * headers must arrive within `headersTimeoutMs` (else 408 and the connection closes), idle keep-alive connections
 * close after 5 s.
 */
export async function startServer(o: ServeOptions): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const table = routes(o);
  const limits: ServeLimits = { ...DEFAULT_SERVE_LIMITS, ...o.limits };
  const guard: Guard = {
    allowedHosts: allowedHosts(o.allowedHosts, o.host),
    checkToken: o.authToken ? tokenChecker(o.authToken) : undefined,
  };
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    ...(o.tls ? { 'strict-transport-security': HSTS } : {}),
  };
  // The last response of each connection, to tell whether one is still being written when its parser fails.
  const lastResponse = new WeakMap<object, ServerResponse>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    lastResponse.set(req.socket, res);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    dispatch(table, guard, req, res);
  };
  // Node checks the headers and request timeouts every `connectionsCheckingInterval` (30 s by default).
  const timing = {
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
  const server: Server = o.tls
    ? createTlsServer({ ...timing, cert: o.tls.cert, key: o.tls.key }, onRequest)
    : createServer(timing, onRequest);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(err, socket, lastResponse.get(socket)?.writableFinished === false),
  );
  server.keepAliveTimeout = 5000;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = 2 * limits.headersTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
