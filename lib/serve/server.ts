/**
 * The serving HTTP server (Node's http module): routing for the API, the OpenAPI document and the dashboard's
 * static files. JSON errors everywhere: 400 `{error, parameter}` for a bad parameter, 404/405 for unknown routes,
 * 503 when a backing service fails.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
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
    '/assets/{file}': (_q, url, res) => sendFile(res, decodeURIComponent(url.pathname.slice('/assets/'.length))),
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

/** Start the server; resolves once it listens, with its URL and a `close()`. */
export async function startServer(o: ServeOptions): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const table = routes(o);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const key = url.pathname.startsWith('/assets/') ? '/assets/{file}' : url.pathname;
    const handler = table[key];
    if (!handler) return send(res, 404, { error: `no route ${url.pathname}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` });
    }
    handler(req, url, res).catch((err) => {
      if (err instanceof BadParameterError) return send(res, 400, { error: err.message, parameter: err.parameter });
      console.error(`[serve] ${url.pathname}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) send(res, 500, { error: (err as Error).message });
    });
  });
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
