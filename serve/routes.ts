/**
 * The served routes (GET; Fastify adds HEAD), each with its zod schemas: the query parameters Fastify validates
 * (`validation.ts`) and the answers it serializes, which `/openapi.json` documents. Bounded as before: the
 * request deadline (504), the concurrency gate on the expensive reads (503 with Retry-After), a budget of buckets
 * and of response bytes (400 naming what to narrow). The 200 answers of `/api/viewership` and `/api/ads` go out as
 * the JSON text whose size was capped (up to SERVE_MAX_RESPONSE_BYTES: not parsed a second time by the serializer);
 * the integration tests check them against the document.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod/v4';
import { STREAM_WORKFLOW_ID } from '../common/stream.js';
import { ADS_QUERY, adsQuery, queryAds } from '../lib/views/ads.js';
import { BucketBudget, narrowing, TooManyBucketsError } from '../lib/views/bounds.js';
import { DEFAULT_SERVE_LIMITS, type ServeLimits } from '../lib/views/limits.js';
import { BadParameterError, VIEWERSHIP_QUERY, viewershipQuery } from '../lib/views/params.js';
import { parseRevenueQuery, queryRevenue, REVENUE_QUERY } from '../lib/views/revenue.js';
import { queryViewership } from '../lib/views/viewership.js';
import { ADS } from './ads-schemas.js';
import { customerLookup } from './customers.js';
import { serviceFailure, withinDeadline } from './deadline.js';
import { JSON_TYPE } from './edge.js';
import { Gate } from './gate.js';
import { healthReport, type HealthReport } from './health.js';
import { HEALTH } from './health-schemas.js';
import type { ServeResources } from './resources.js';
import { CUSTOMER, REVENUE } from './revenue-schemas.js';
import { BAD_PARAMETER, ERROR, GUARDED, TIMED_OUT, VIEWERSHIP } from './schemas.js';
import { sendAsset, sendPublicFile } from './static.js';
import { passThroughValidator } from './validation.js';

/** What the routes need. */
export interface RouteOptions {
  resources: ServeResources;
  /** Id of the streaming workflow shown by /api/health (default `stream-viewership`). */
  streamWorkflowId?: string;
  /** Time limit of each health check, ms. */
  checkTimeoutMs: number;
  limits?: Partial<ServeLimits>;
}

const BUSY = ERROR.describe(
  'A backing service did not answer, or the server is busy (SERVE_MAX_CONCURRENT running and SERVE_MAX_QUEUED waiting): retry after Retry-After seconds',
);
const badParameter = (err: unknown) => err instanceof BadParameterError;

/** A JSON text (or file) sent as it is: Fastify serializes only objects. */
const asIs = (text: string): never => text as never;
/**
 * An answer whose TypeScript type is wider than its schema (a string where the schema lists the values): the
 * serializer checks it against the schema at run time (a mismatch is a 500, never an undocumented answer).
 */
const checked = (value: unknown): never => value as never;

/** The JSON text of an answer, or a 400 naming what to narrow when it is over `maxResponseBytes`. */
function bounded(result: unknown, q: { groupBy: readonly string[]; limit?: number }, maxBytes: number): string {
  const body = JSON.stringify(result);
  const bytes = Buffer.byteLength(body);
  if (bytes <= maxBytes) return body;
  const [parameter, advice] = narrowing(q);
  throw new TooManyBucketsError(
    parameter,
    `the answer would be ${bytes} bytes (at most ${maxBytes}, SERVE_MAX_RESPONSE_BYTES): ${advice}`,
  );
}

/** Register every route on `app` (a Fastify plugin). */
export async function serveRoutes(fastify: FastifyInstance, o: RouteOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const r = o.resources;
  const limits: ServeLimits = { ...DEFAULT_SERVE_LIMITS, ...o.limits };
  const gate = new Gate(limits.maxConcurrent, limits.maxQueued);
  const rangeLimits = { maxRangeDays: limits.maxRangeDays };
  // Concurrent /api/health requests share one report in the making: health work never multiplies with clients.
  let health: Promise<HealthReport> | undefined;

  app.get(
    '/api/viewership',
    {
      schema: {
        summary: 'Viewership metrics over time from the merged views',
        querystring: VIEWERSHIP_QUERY,
        response: { 200: VIEWERSHIP, 400: BAD_PARAMETER, ...GUARDED, 503: BUSY, 504: TIMED_OUT },
      },
    },
    async (req, reply) => {
      const query = viewershipQuery(req.query, Date.now(), rangeLimits);
      const result = await withinDeadline(
        reply.raw,
        limits.requestTimeoutMs,
        (signal) =>
          queryViewership(r.search, r.cfg.search.indexPrefix, query, {
            signal,
            budget: new BucketBudget(limits.maxResultBuckets, query),
          }).catch(serviceFailure('search engine query', signal, badParameter)),
        gate,
      );
      return reply.type(JSON_TYPE).send(asIs(bounded(result, query, limits.maxResponseBytes)));
    },
  );

  app.get(
    '/api/revenue',
    {
      schema: {
        summary:
          'Daily revenue of the orders import: orders, paid, refunded and top amounts, unique customers, by kind; optionally broken down',
        querystring: REVENUE_QUERY,
        response: {
          200: REVENUE,
          400: ERROR.describe('A bad parameter, named in `parameter` (also a range over SERVE_MAX_RANGE_DAYS)'),
          ...GUARDED,
          503: BUSY,
          504: TIMED_OUT,
        },
      },
      validatorCompiler: passThroughValidator,
    },
    async (req, reply) => {
      const query = parseRevenueQuery(req.query as unknown as URLSearchParams, Date.now(), rangeLimits);
      const result = await withinDeadline(
        reply.raw,
        limits.requestTimeoutMs,
        (signal) =>
          queryRevenue(r.search, r.cfg.search.indexPrefix, query, { signal }).catch(
            serviceFailure('search engine query', signal, badParameter),
          ),
        gate,
      );
      return reply.send(checked(result));
    },
  );

  app.get(
    '/api/customers/:id',
    {
      schema: {
        summary:
          'One customer by id: profile, loyalty (points, tier, segment, order figures), promotions, last 30 days of activity',
        params: z.object({ id: z.string().meta({ example: 'C000042' }) }),
        response: {
          200: CUSTOMER.describe(
            'The customer (loyalty and activity null until the first loyalty refresh after the profile appeared)',
          ),
          400: ERROR.describe('A malformed id (not 1-64 of A-Z a-z 0-9 _ -), named `id`'),
          ...GUARDED,
          404: ERROR.describe('No customer with this id (no profile)'),
          503: ERROR.describe('The database did not answer'),
          504: TIMED_OUT,
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const view = await withinDeadline(reply.raw, limits.requestTimeoutMs, (signal) =>
        customerLookup(r, id).catch(serviceFailure('customer look-up', signal, () => false)),
      );
      if (view === 'malformed')
        throw new BadParameterError(
          'id',
          `customer id must be 1-64 of A-Z a-z 0-9 _ - (got ${JSON.stringify(id.slice(0, 80))})`,
        );
      if (!view) return reply.code(404).send({ error: `no customer ${id}` });
      return reply.send(checked(view));
    },
  );

  app.get(
    '/api/ads',
    {
      schema: {
        summary:
          'Ad performance of the ad-analytics stream from PostgreSQL: impressions, clicks, exact costs, CTR, CPC, CPI, view time per bucket and group',
        querystring: ADS_QUERY,
        response: { 200: ADS, 400: BAD_PARAMETER, ...GUARDED, 503: BUSY, 504: TIMED_OUT },
      },
    },
    async (req, reply) => {
      const query = adsQuery(req.query, Date.now(), rangeLimits);
      const result = await withinDeadline(
        reply.raw,
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
            .catch(serviceFailure('PostgreSQL query', signal, badParameter)),
        gate,
      );
      return reply.type(JSON_TYPE).send(asIs(bounded(result, query, limits.maxResponseBytes)));
    },
  );

  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Services, streaming workflow, batch runs, Schedules, dead letters and quarantine',
        response: { 200: HEALTH.describe('Health report (also when degraded)'), ...GUARDED, 504: TIMED_OUT },
      },
    },
    async (_req, reply) => {
      health ??= healthReport(r, {
        streamWorkflowId: o.streamWorkflowId ?? STREAM_WORKFLOW_ID,
        timeoutMs: o.checkTimeoutMs,
      }).finally(() => (health = undefined));
      const report = health;
      return reply.send(checked(await withinDeadline(reply.raw, limits.requestTimeoutMs, () => report)));
    },
  );

  app.get(
    '/openapi.json',
    { schema: { summary: 'This document (OpenAPI 3.1, generated from the routes’ schemas)', response: GUARDED } },
    async (_req, reply) => void (await reply.type(JSON_TYPE).send(asIs(JSON.stringify(fastify.swagger())))),
  );

  app.get('/', { schema: { summary: 'The dashboard', response: GUARDED } }, async (_req, reply) => {
    await sendPublicFile(reply, 'index.html');
  });

  app.get(
    '/assets/:file',
    {
      schema: {
        summary: 'Dashboard static files (JavaScript, CSS) and the vendored chart library',
        params: z.object({ file: z.string() }),
        response: { 404: ERROR.describe('No such file'), ...GUARDED },
      },
    },
    async (req, reply) => {
      await sendAsset(reply, req.params.file);
    },
  );
}
