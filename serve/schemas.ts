/**
 * Response schemas of the serving API shared by every route (zod 4 from zod 3.25's `zod/v4`): the error body and
 * the `/api/viewership` answer. Each carries an `id`, so `/openapi.json` names it under `components.schemas`;
 * Fastify serializes each response through its schema, so what is served is what is documented.
 */
import { z } from 'zod/v4';
import { DIMENSIONS, METRICS } from '../lib/views/params.js';

/** An ISO 8601 date-time string (`Date#toISOString()`). */
export const dateTime = () => z.string().meta({ format: 'date-time' });
/** A map of names to counts. */
export const counts = () => z.record(z.string(), z.number());

/** Every error answer: the message, and the parameter it is about (400). */
export const ERROR = z
  .strictObject({ error: z.string(), parameter: z.string().optional() })
  .meta({ id: 'Error', description: 'What went wrong; `parameter` names the bad one (400)' });

const BUCKET = z
  .strictObject({
    start: dateTime(),
    end: dateTime(),
    source: z.enum(['batch', 'speed']),
    group: z
      .record(z.string(), z.string().nullable())
      .describe("Value per groupBy dimension; null when the bucket's view does not record that dimension"),
    metrics: z.strictObject({
      events: z.number().nullable().optional(),
      uniqueCustomers: z
        .number()
        .nullable()
        .optional()
        .describe(
          'Distinct customers in the bucket. Speed view: union of per-window customer sketches (exact up to 10,000, HyperLogLog ~0.4 % above), null when grouped (no per-group sketches are kept). Batch view: exact, null for groups summed over device or status_category',
        ),
      unknownCustomerEvents: z.number().nullable().optional(),
      watchMs: z.number().nullable().optional(),
      bytes: z.number().nullable().optional(),
      errorRate: z.number().nullable().optional(),
      byStatusCategory: counts().nullable().optional(),
    }),
  })
  .meta({ id: 'Bucket' });

/** The `/api/viewership` answer. */
export const VIEWERSHIP = z
  .strictObject({
    from: dateTime(),
    to: dateTime(),
    interval: z.enum(['minute', 'hour', 'day']),
    groupBy: z.array(z.enum(DIMENSIONS)),
    metrics: z.array(z.enum(METRICS)),
    batchDays: z.array(z.string()).describe('Days answered by the batch view (their batch run completed)'),
    speedRanges: z.array(z.strictObject({ from: dateTime(), to: dateTime() })),
    buckets: z.array(BUCKET),
  })
  .meta({ id: 'Viewership' });

/** Answers every route may give before routing: without the access token, or for a Host not allowed. */
export const GUARDED = {
  401: ERROR.describe(
    'SERVE_AUTH_TOKEN is set and the request does not carry it (Bearer, or Basic with it as the password); WWW-Authenticate names both',
  ),
  403: ERROR.describe('The Host header names a host not in SERVE_ALLOWED_HOSTS (DNS-rebinding protection)'),
};

/** 504: no answer within the request's deadline. */
export const TIMED_OUT = ERROR.describe('No answer within SERVE_REQUEST_TIMEOUT_MS');

/** 400 of the bounded, grouped routes. */
export const BAD_PARAMETER = ERROR.describe(
  'A bad parameter, named in `parameter`: also an impossible date, a range over SERVE_MAX_RANGE_DAYS, or an answer over SERVE_MAX_RESULT_BUCKETS buckets or SERVE_MAX_RESPONSE_BYTES bytes',
);
