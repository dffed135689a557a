/**
 * The edge of the serving HTTP server: what every request goes through before Fastify routes it, on Node's raw
 * request — the security headers, the Host allow-list (403), the access token (401), a request target that can be
 * read (400 for an unparsable target or malformed percent-encoding in the path or a query parameter, which
 * Fastify's router would answer differently) and 405 for a method other than GET/HEAD on a served path. Also the
 * answer to requests Node's parser rejects (400/408/413/431), written on the socket.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AUTH_CHALLENGES, hostAllowed, HSTS, SECURITY_HEADERS } from './guard.js';

/** What the edge checks, and how it tells a served path. */
export interface EdgeOptions {
  /** Host names answered besides IP literals (see `allowedHosts` in guard.ts). */
  allowedHosts: string[];
  /** The token check; none without a token. */
  checkToken?: (authorization: string | undefined) => boolean;
  /** Adds Strict-Transport-Security (the server speaks TLS). */
  hsts: boolean;
  /** Whether a GET route serves this (percent-encoded, normalized) path. */
  isRoute: (pathname: string) => boolean;
}

/** Content type of every JSON answer. */
export const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': JSON_TYPE });
  res.end(JSON.stringify(body));
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

/**
 * The edge in front of `next` (Fastify's request handler): answers 403, 401, 400 and 405 itself, in that order,
 * and hands every other request on with its target normalized (`/a/../b` → `/b`, absolute form → path).
 */
export function edge(
  o: EdgeOptions,
  next: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    ...(o.hsts ? { 'strict-transport-security': HSTS } : {}),
    'cache-control': 'no-store',
  };
  return (req, res) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (!hostAllowed(req.headers.host, o.allowedHosts)) {
      return send(res, 403, {
        error: `host ${JSON.stringify((req.headers.host ?? '').slice(0, 100))} is not allowed: add it to SERVE_ALLOWED_HOSTS (DNS-rebinding protection)`,
      });
    }
    if (o.checkToken && !o.checkToken(req.headers.authorization)) {
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
    if (req.method !== 'GET' && req.method !== 'HEAD' && o.isRoute(url.pathname)) {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` });
    }
    req.url = `${url.pathname}${url.search}`;
    next(req, res);
  };
}

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * A request Node's parser rejected (bad bytes, oversized headers, timeout): answer 400/431/413/408 JSON when the
 * socket is writable and no earlier response on it is still going out (`responding`: that would corrupt it),
 * then close it.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, responding: boolean): void {
  if (socket.writable && !responding && err.code !== 'ECONNRESET') {
    const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
    const body = JSON.stringify({ error: `${STATUS_CODES[status]} (${err.code ?? err.message})` });
    const security = Object.entries(SECURITY_HEADERS)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${security}connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
