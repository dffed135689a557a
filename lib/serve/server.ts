/**
 * The serving HTTP server (Node's http module): routing for the API, the OpenAPI document and the dashboard's
 * static files. JSON errors everywhere: 400 `{error, parameter}` for a bad parameter, 400 `{error}` for a request
 * target that cannot be read (malformed percent-encoding, unparsable target, bytes Node's parser rejects), 404/405
 * for unknown routes, 431 for oversized headers, 503 when a backing service fails. No request can crash the process.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { STREAM_WORKFLOW_ID } from '../../common/stream.js';
import { healthReport } from './health.js';
import { OPENAPI } from './openapi.js';
import { BadParameterError, parseViewershipQuery } from './params.js';
import type { ServeResources } from './resources.js';
import { queryViewership } from './viewership.js';

/** Directory of the dashboard's static files. */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

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
}

type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => Promise<void>;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const data = typeof body === 'string' || body instanceof Buffer ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(data);
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
  if (!/^[a-z0-9][a-z0-9-]*\.[a-z]+$/.test(name) || !TYPES[ext]) return send(res, 404, { error: `no such file: ${name}` });
  try {
    send(res, 200, await readFile(`${PUBLIC_DIR}${name}`), TYPES[ext]);
  } catch {
    send(res, 404, { error: `no such file: ${name}` });
  }
}

/** The served routes (method GET), by path; `/assets/{file}` matches any file name under it. */
export function routes(o: ServeOptions): Record<string, Handler> {
  const r = o.resources;
  return {
    '/': (_q, _u, res) => sendFile(res, 'index.html'),
    '/assets/{file}': async (_q, url, res) => {
      const file = decode(url.pathname.slice('/assets/'.length));
      if (file === undefined) throw new BadParameterError('file', 'file is not valid percent-encoding');
      return sendFile(res, file);
    },
    '/openapi.json': async (_q, _u, res) => send(res, 200, OPENAPI),
    '/api/health': async (_q, _u, res) => send(res, 200, await healthReport(r, { streamWorkflowId: o.streamWorkflowId ?? STREAM_WORKFLOW_ID, timeoutMs: o.checkTimeoutMs })),
    '/api/viewership': async (_q, url, res) => {
      const query = parseViewershipQuery(url.searchParams, Date.now());
      try {
        send(res, 200, await queryViewership(r.search, r.cfg.search.indexPrefix, query));
      } catch (err) {
        send(res, 503, { error: `search engine query failed: ${(err as Error).message.split('\n')[0]}` });
      }
    },
  };
}

/** Answer one request: read its target (400 when malformed), route it (404, 405), run the handler and map its errors. */
function dispatch(table: Record<string, Handler>, req: IncomingMessage, res: ServerResponse): void {
  const url = requestUrl(req.url ?? '/');
  if (!url) return send(res, 400, { error: `cannot parse the request target ${JSON.stringify((req.url ?? '').slice(0, 200))}` });
  if (decode(url.pathname) === undefined) return send(res, 400, { error: `malformed percent-encoding in the path ${url.pathname.slice(0, 200)}` });
  const bad = malformedParameter(url.search);
  if (bad !== undefined) return send(res, 400, { error: `malformed percent-encoding in query parameter "${bad}"`, parameter: bad });
  const key = url.pathname.startsWith('/assets/') ? '/assets/{file}' : url.pathname;
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
      if (!(err instanceof BadParameterError)) console.error(`[serve] ${url.pathname}: ${(err as Error).stack ?? String(err)}`);
      if (res.headersSent) res.destroy();
      else if (err instanceof BadParameterError) send(res, 400, { error: err.message, parameter: err.parameter });
      else send(res, 500, { error: (err as Error).message });
    });
}

const CLIENT_ERROR_STATUS: Record<string, number> = { HPE_HEADER_OVERFLOW: 431, HPE_CHUNK_EXTENSIONS_OVERFLOW: 413, ERR_HTTP_REQUEST_TIMEOUT: 408 };

/**
 * A request Node's parser rejected (bad bytes, oversized headers, timeout): answer 400/431/413/408 JSON when the
 * socket is writable and no earlier response on it is still going out (that would corrupt it), then close it.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, responding: boolean): void {
  if (socket.writable && !responding && err.code !== 'ECONNRESET') {
    const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
    const body = JSON.stringify({ error: `${STATUS_CODES[status]} (${err.code ?? err.message})` });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/** Start the server; resolves once it listens, with its URL and a `close()`. */
export async function startServer(o: ServeOptions): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const table = routes(o);
  // The last response of each connection, to tell whether one is still being written when its parser fails.
  const lastResponse = new WeakMap<object, ServerResponse>();
  const server = createServer((req, res) => {
    lastResponse.set(req.socket, res);
    dispatch(table, req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, lastResponse.get(socket)?.writableFinished === false));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
