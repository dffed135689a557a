/**
 * The serving HTTP server on Fastify (Node's http, or https with SERVE_TLS_*): the API, `/openapi.json` generated
 * from the routes' zod schemas, and the dashboard's static files. JSON errors everywhere: 400 `{error, parameter}`
 * for a bad parameter (also an answer that would be too large), 400 `{error}` for a request target that cannot be
 * read (malformed percent-encoding, unparsable target, bytes Node's parser rejects), 401 without the access token
 * when one is set, 403 for a Host not on the allow-list (DNS rebinding), 404/405 for unknown routes, 408 for
 * headers sent too slowly, 431 for oversized headers, 503 when a backing service fails or the server is busy (with
 * Retry-After), 504 past the request's deadline. No request can crash the process, and none can hold more than its
 * bounded share of work. Every response carries the security headers of `guard.ts` (CSP, frame-ancestors,
 * nosniff, no referrer). The edge checks (`edge.ts`) run on the raw request before Fastify routes it.
 */
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_SERVE_LIMITS, type ServeLimits } from '../lib/views/limits.js';
import { answerClientError, edge } from './edge.js';
import { allowedHosts, tokenChecker } from './guard.js';
import { SWAGGER_OPTIONS } from './openapi.js';
import { serveRoutes, type RouteOptions } from './routes.js';
import { answerError, parseQueryString, validatorCompiler } from './validation.js';

export { DeadlineError } from './deadline.js';

/** Options of the server. */
export interface ServeOptions extends RouteOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Host names answered besides IP literals (default: `localhost`, `*.localhost` and `host` when it is a name). */
  allowedHosts?: string[];
  /** When set, every request needs it (`Authorization: Bearer …`, or Basic with it as password). Never logged. */
  authToken?: string;
  /** Certificate chain and private key (PEM): the server speaks HTTPS only. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

const registered = new WeakMap<FastifyInstance, string[]>();

/** Largest path parameter (a customer id, a file name) the router takes; longer ones reach the handler's own check. */
const MAX_PARAM_LENGTH = 1 << 20;

/**
 * The Fastify application with every route, not listening. Requests reach it through the edge of `startServer`;
 * `app.inject()` (tests) goes around the edge.
 */
export async function buildApp(
  o: RouteOptions,
  serverFactory?: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server,
  onClientError?: (err: NodeJS.ErrnoException, socket: Duplex) => void,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, querystringParser: parseQueryString },
    ...(serverFactory ? { serverFactory: serverFactory as never } : {}),
    ...(onClientError ? { clientErrorHandler: onClientError } : {}),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(answerError);
  const paths: string[] = [];
  app.addHook('onRoute', (route) => {
    if ([route.method].flat().includes('GET')) paths.push(route.url.replace(/:(\w+)/g, '{$1}'));
  });
  registered.set(app, paths);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `no route ${req.url.split('?')[0]!.slice(0, 200)}` }),
  );
  await app.register(fastifySwagger, SWAGGER_OPTIONS);
  await app.register(serveRoutes, o);
  await app.ready();
  return app;
}

/** The paths of the GET routes registered on an app of `buildApp`, as OpenAPI names them (`/assets/{file}`), sorted. */
export function servedPaths(app: FastifyInstance): string[] {
  return [...(registered.get(app) ?? [])].sort();
}

/**
 * Start the server; resolves once it listens, with its URL and a `close()`. Slow clients are bounded too: request
 * headers must arrive within `headersTimeoutMs` (else 408 and the connection closes), idle keep-alive connections
 * close after 5 s.
 */
export async function startServer(o: ServeOptions): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const limits: ServeLimits = { ...DEFAULT_SERVE_LIMITS, ...o.limits };
  // Node checks the headers and request timeouts every `connectionsCheckingInterval` (30 s by default).
  const timing = {
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
  // The last response of each connection, to tell whether one is still being written when its parser fails.
  const lastResponse = new WeakMap<object, ServerResponse>();
  let server: Server | undefined;
  const factory = (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const front = edge(
      {
        allowedHosts: allowedHosts(o.allowedHosts, o.host),
        checkToken: o.authToken ? tokenChecker(o.authToken) : undefined,
        hsts: !!o.tls,
        // Called per request, once `app` below exists.
        isRoute: (pathname) => !!app.findRoute({ method: 'GET', url: pathname }),
      },
      handler,
    );
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      lastResponse.set(req.socket, res);
      front(req, res);
    };
    server = o.tls
      ? createTlsServer({ ...timing, cert: o.tls.cert, key: o.tls.key }, onRequest)
      : createServer(timing, onRequest);
    server.keepAliveTimeout = 5000;
    server.headersTimeout = limits.headersTimeoutMs;
    server.requestTimeout = 2 * limits.headersTimeoutMs;
    return server;
  };
  const app = await buildApp(o, factory, (err, socket) =>
    answerClientError(err, socket, lastResponse.get(socket)?.writableFinished === false),
  );
  // Listen on the server itself (Fastify's listen would bind `localhost` twice, on ::1 and 127.0.0.1).
  const listening = server!;
  try {
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(o.port, o.host, () => resolve());
    });
  } catch (err) {
    await app.close();
    throw err;
  }
  const port = (listening.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    port,
    close: async () => {
      // The server listens outside Fastify's own listen, so it is closed here too.
      const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
      listening.closeAllConnections();
      await Promise.all([closed, app.close()]);
    },
  };
}

/** The OpenAPI document the server serves at `/openapi.json`, from an app that does not listen (tests, tools). */
export async function openApiDocument(): Promise<Record<string, any>> {
  const app = await buildApp({ resources: {} as never, checkTimeoutMs: 1 });
  try {
    return app.swagger() as Record<string, any>;
  } finally {
    await app.close();
  }
}
