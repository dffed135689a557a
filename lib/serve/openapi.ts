/** The OpenAPI 3.1 document of the serving API (served at `/openapi.json`, checked against real responses by a test). */
import { DIMENSIONS, MAX_LIMIT, METRICS } from './params.js';
import { CUSTOMER_PATH, REVENUE_PATH, REVENUE_SCHEMAS } from './revenue-openapi.js';
import { ADS_SCHEMAS, adsPath } from './ads-openapi.js';

type Schema = Record<string, unknown>;
const str = { type: 'string' };
const num = { type: 'number' };
const bool = { type: 'boolean' };
const nullable = (t: string) => ({ type: [t, 'null'] });
const time = { type: 'string', format: 'date-time' };
const obj = (properties: Record<string, Schema>, required = Object.keys(properties), extra: Schema = {}) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});
const counts = { type: 'object', additionalProperties: num };
const withError = (properties: Record<string, Schema>) => obj({ ...properties, error: str }, Object.keys(properties));
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
const q = (name: string, description: string, schema: Schema, example?: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
  ...(example ? { example } : {}),
});

const schemas: Record<string, Schema> = {
  Error: obj({ error: str, parameter: str }, ['error']),
  Bucket: obj({
    start: time,
    end: time,
    source: { type: 'string', enum: ['batch', 'speed'] },
    group: {
      type: 'object',
      description: "Value per groupBy dimension; null when the bucket's view does not record that dimension",
      additionalProperties: nullable('string'),
    },
    metrics: obj(
      {
        events: nullable('number'),
        uniqueCustomers: {
          ...nullable('number'),
          description:
            'Distinct customers in the bucket. Speed view: union of per-window customer sketches (exact up to 10,000, HyperLogLog ~0.4 % above), null when grouped (no per-group sketches are kept). Batch view: exact, null for groups summed over device or status_category',
        },
        unknownCustomerEvents: nullable('number'),
        watchMs: nullable('number'),
        bytes: nullable('number'),
        errorRate: nullable('number'),
        byStatusCategory: { type: ['object', 'null'], additionalProperties: num },
      },
      [],
    ),
  }),
  Viewership: obj({
    from: time,
    to: time,
    interval: { type: 'string', enum: ['minute', 'hour', 'day'] },
    groupBy: { type: 'array', items: { type: 'string', enum: [...DIMENSIONS] } },
    metrics: { type: 'array', items: { type: 'string', enum: [...METRICS] } },
    batchDays: {
      type: 'array',
      items: str,
      description: 'Days answered by the batch view (their batch run completed)',
    },
    speedRanges: { type: 'array', items: obj({ from: time, to: time }) },
    buckets: { type: 'array', items: ref('Bucket') },
  }),
  ServiceCheck: obj(
    {
      name: { type: 'string', enum: ['kafka', 'search', 'profiles', 'temporal'] },
      up: bool,
      latencyMs: num,
      detail: str,
      error: str,
    },
    ['name', 'up', 'latencyMs'],
  ),
  LastBatch: obj(
    {
      atMs: num,
      read: num,
      accepted: num,
      lag: num,
      tookMs: num,
      checkpointBytes: { ...num, description: 'bytes of state checkpoint records the tick wrote' },
      checkpointMs: { ...num, description: 'ms the slowest group spent writing its checkpoint records' },
    },
    ['atMs', 'read', 'accepted', 'lag', 'tookMs'],
  ),
  StreamTotals: obj({ batches: num, events: num, deadLettered: num, late: num, duplicates: num }),
  Stream: withError({
    workflowId: str,
    url: str,
    status: str,
    running: bool,
    paused: nullable('boolean'),
    lastBatchAt: { type: ['string', 'null'], format: 'date-time' },
    lastBatch: { oneOf: [ref('LastBatch'), { type: 'null' }] },
    lagTotal: nullable('number'),
    lagByPartition: {
      type: ['object', 'null'],
      additionalProperties: num,
      description: 'events topic end offset − the stream checkpoint, per partition',
    },
    totals: { oneOf: [ref('StreamTotals'), { type: 'null' }] },
    problems: {
      type: 'array',
      items: str,
      description: 'Problems Temporal reports on the run, e.g. category=WorkflowTaskFailed',
    },
  }),
  BatchRun: obj({
    workflowId: str,
    url: str,
    date: nullable('string'),
    status: str,
    startTime: time,
    closeTime: { type: ['string', 'null'], format: 'date-time' },
    rowsLanded: nullable('number'),
    rowsRejected: nullable('number'),
  }),
  Schedule: withError({
    id: str,
    url: str,
    exists: bool,
    paused: nullable('boolean'),
    nextRuns: { type: 'array', items: time },
    lastRunAt: { type: ['string', 'null'], format: 'date-time' },
  }),
  Health: obj({
    status: { type: 'string', enum: ['ok', 'degraded'] },
    checkedAt: time,
    tookMs: num,
    temporalUiUrl: str,
    services: { type: 'array', items: ref('ServiceCheck') },
    stream: ref('Stream'),
    batch: withError({ url: str, runs: { type: 'array', items: ref('BatchRun') } }),
    schedules: { type: 'array', items: ref('Schedule') },
    deadLetters: withError({ total: num, lastHour: num, late: num, duplicates: num }),
    quarantine: withError({
      rejectedRows: num,
      days: { type: 'array', items: obj({ date: str, rejectedRows: num, byReason: counts }) },
    }),
    ads: {
      ...ref('AdsHealth'),
      description:
        'The ad-analytics stream (ADS_STREAM_WORKFLOW_ID; lagByPartition keys impressions/<p>, clicks/<p>) and its campaigns file',
    },
  }),
  ...REVENUE_SCHEMAS,
  ...ADS_SCHEMAS,
};

/** Answers of every route before routing: without the access token (when SERVE_AUTH_TOKEN is set), or for a Host not allowed. */
const GUARDED = {
  401: {
    ...json(
      ref('Error'),
      'SERVE_AUTH_TOKEN is set and the request does not carry it (Bearer, or Basic with it as the password)',
    ),
    headers: { 'WWW-Authenticate': { schema: str } },
  },
  403: json(ref('Error'), 'The Host header names a host not in SERVE_ALLOWED_HOSTS (DNS-rebinding protection)'),
};

/** The OpenAPI 3.1 document. */
export const OPENAPI: Schema & {
  paths: Record<string, Record<string, Schema>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, Schema> };
} = {
  openapi: '3.1.0',
  info: {
    title: 'viewership serving API',
    version: '1.0.0',
    description:
      'Batch and speed views merged: a day whose batch run completed is answered by the batch view, everything else by the speed view.',
  },
  servers: [{ url: '/' }],
  paths: {
    '/api/viewership': {
      get: {
        summary: 'Viewership metrics over time from the merged views',
        parameters: [
          q(
            'from',
            'Start (inclusive): YYYY-MM-DD (UTC), ISO time with zone, or epoch ms. Default: one hour before `to`',
            str,
            '2026-11-23T10:00:00Z',
          ),
          q('to', 'End (exclusive), same formats. Default: now', str),
          q('interval', 'Bucket width; batch days give hour buckets for `minute`, day buckets when grouped', {
            type: 'string',
            enum: ['minute', 'hour', 'day'],
            default: 'hour',
          }),
          q('groupBy', `Comma-separated dimensions: ${DIMENSIONS.join(', ')}`, str, 'country,plan'),
          q('metrics', `Comma-separated metrics (default all): ${METRICS.join(', ')}`, str, 'events,uniqueCustomers'),
          q('limit', 'Keep the N groups with most events per bucket (needs groupBy)', {
            type: 'integer',
            minimum: 1,
            maximum: MAX_LIMIT,
          }),
        ],
        responses: {
          200: json(ref('Viewership'), 'Buckets, each naming its source view'),
          400: json(
            ref('Error'),
            'A bad parameter, named in `parameter`: also an impossible date, a range over SERVE_MAX_RANGE_DAYS, or an answer over SERVE_MAX_RESULT_BUCKETS buckets or SERVE_MAX_RESPONSE_BYTES bytes',
          ),
          ...GUARDED,
          503: {
            ...json(
              ref('Error'),
              'The search engine did not answer, or the server is busy (SERVE_MAX_CONCURRENT running and SERVE_MAX_QUEUED waiting): retry after Retry-After seconds',
            ),
            headers: { 'Retry-After': { description: 'Seconds to wait (when busy)', schema: { type: 'integer' } } },
          },
          504: json(ref('Error'), 'No answer within SERVE_REQUEST_TIMEOUT_MS'),
        },
      },
    },
    '/api/revenue': REVENUE_PATH,
    '/api/customers/{id}': CUSTOMER_PATH,
    '/api/ads': adsPath(GUARDED),
    '/api/health': {
      get: {
        summary: 'Services, streaming workflow, batch runs, Schedules, dead letters and quarantine',
        responses: {
          200: json(ref('Health'), 'Health report (also when degraded)'),
          ...GUARDED,
          504: json(ref('Error'), 'No answer within SERVE_REQUEST_TIMEOUT_MS'),
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1 document'), ...GUARDED },
      },
    },
    '/': {
      get: {
        summary: 'The dashboard',
        responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: str } } }, ...GUARDED },
      },
    },
    '/assets/{file}': {
      get: {
        summary: 'Dashboard static files',
        parameters: [{ name: 'file', in: 'path', required: true, schema: str }],
        responses: {
          200: {
            description: 'A static file (JavaScript, CSS)',
            content: { 'text/javascript': { schema: str }, 'text/css': { schema: str } },
          },
          404: json(ref('Error'), 'No such file'),
          ...GUARDED,
        },
      },
    },
  },
  components: {
    schemas,
    securitySchemes: {
      token: {
        type: 'http',
        scheme: 'bearer',
        description:
          'Only when SERVE_AUTH_TOKEN is set; HTTP Basic with the token as the password works too (browsers)',
      },
    },
  },
  security: [{}, { token: [] }],
};
