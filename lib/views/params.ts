/**
 * Validation of `GET /api/viewership` query parameters (zod 4, from zod 3.25's `zod/v4`). The schema is the one
 * the HTTP route validates with and documents in `/openapi.json`; a bad parameter becomes a `BadParameterError`
 * naming it, which the server answers with 400 `{error, parameter}`.
 */
import { z } from 'zod/v4';
import { DEFAULT_SERVE_LIMITS } from './limits.js';

/** Time granularities the API serves. */
export const INTERVALS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/** One of the API's intervals. */
export type Interval = keyof typeof INTERVALS;

/** Dimensions a query can group by (each view records a subset; see the README's merge rule). */
export const DIMENSIONS = ['country', 'plan', 'device', 'status_category', 'content_id', 'event_type'] as const;
/** One groupable dimension. */
export type Dimension = (typeof DIMENSIONS)[number];

/** Metrics a bucket can carry (null where its view cannot provide one). */
export const METRICS = [
  'events',
  'uniqueCustomers',
  'unknownCustomerEvents',
  'watchMs',
  'bytes',
  'errorRate',
  'byStatusCategory',
] as const;
/** One metric name. */
export type Metric = (typeof METRICS)[number];

/** Most buckets one request may ask for (range ÷ interval), so a typo cannot ask for millions. */
export const MAX_BUCKETS = 20_000;
/** Largest per-bucket group limit. */
export const MAX_LIMIT = 10_000;
/** Default range when `from` is omitted: the hour before `to`. */
export const DEFAULT_RANGE_MS = 3_600_000;
/** Default longest range one request may ask for, in days (`SERVE_MAX_RANGE_DAYS`). */
export const DEFAULT_MAX_RANGE_DAYS = DEFAULT_SERVE_LIMITS.maxRangeDays;

/** A validated viewership query. */
export interface ViewershipQuery {
  fromMs: number;
  toMs: number;
  interval: Interval;
  groupBy: Dimension[];
  metrics: Metric[];
  /** Keep at most this many groups per bucket (by events, descending); undefined = all. */
  limit?: number;
}

/** A request parameter that cannot be served; `parameter` names it. */
export class BadParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadParameterError';
  }
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))$/;

/**
 * True when year-month-day names a real calendar day (`2026-02-30` does not: `Date.parse` would roll it over to
 * 2 March) and the year is 1970–9999.
 */
function realDay(y: number, m: number, d: number): boolean {
  if (y < 1970 || m < 1 || m > 12 || d < 1) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * Parse `2026-11-23` (UTC midnight) or an ISO time with a zone, or epoch milliseconds; undefined when invalid —
 * also for a day, hour, minute, second or zone offset out of range (`2026-02-30`, `T24:00`, `+25:00`), which
 * `Date.parse` would silently roll over.
 */
export function parseTime(v: string): number | undefined {
  if (/^\d{10,14}$/.test(v)) return Number(v);
  const day = DATE_ONLY.exec(v);
  if (day) return realDay(Number(day[1]), Number(day[2]), Number(day[3])) ? Date.parse(`${v}T00:00:00Z`) : undefined;
  const t = ISO_TIME.exec(v);
  if (!t) return undefined;
  const [, y, mo, d, h, mi, s, , , oh, om] = t;
  if (!realDay(Number(y), Number(mo), Number(d)) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)
    return undefined;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A comma-list parameter of values from `allowed` (none twice); also used by `/api/ads`. */
export const csv = <T extends string>(name: string, allowed: readonly T[]) =>
  z.string().transform((s, ctx) => {
    const items = s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const bad = items.filter((x) => !(allowed as readonly string[]).includes(x));
    if (bad.length)
      ctx.addIssue({
        code: 'custom',
        message: `${name} has unknown value(s) ${bad.map((b) => `"${b}"`).join(', ')}; allowed: ${allowed.join(', ')}`,
      });
    if (new Set(items).size !== items.length) ctx.addIssue({ code: 'custom', message: `${name} lists a value twice` });
    return items as T[];
  });

/** A time parameter (see `parseTime`): impossible dates are named as such; also used by `/api/ads`. */
export const time = (name: string) =>
  z.string().transform((s, ctx) => {
    const t = parseTime(s);
    const shown = s.length > 40 ? `${s.slice(0, 40)}…` : s;
    if (t === undefined && (DATE_ONLY.test(s) || ISO_TIME.test(s)))
      ctx.addIssue({
        code: 'custom',
        message: `${name} "${shown}" is not a real date or time (a day, hour, minute, second or zone offset out of range, or a year before 1970)`,
      });
    else if (t === undefined)
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be a date (YYYY-MM-DD), an ISO time with a zone, or epoch ms (got "${shown}")`,
      });
    return t ?? 0;
  });

/** An `interval` parameter (default `hour`); also used by `/api/ads`. */
export const intervalParam = (description: string) =>
  z
    .enum(['minute', 'hour', 'day'], { error: 'interval must be one of minute, hour, day' })
    .default('hour')
    .describe(description);

/** A `limit` parameter (top N groups per bucket); also used by `/api/ads`. */
export const limitParam = (description: string) =>
  z.coerce
    .number({ error: 'limit must be a number' })
    .int('limit must be an integer')
    .min(1, 'limit must be at least 1')
    .max(MAX_LIMIT, `limit must be at most ${MAX_LIMIT}`)
    .optional()
    .describe(description);

/** The query parameters of `GET /api/viewership`: validates the request and documents it in `/openapi.json`. */
export const VIEWERSHIP_QUERY = z.strictObject({
  from: time('from')
    .optional()
    .describe('Start (inclusive): YYYY-MM-DD (UTC), ISO time with zone, or epoch ms. Default: one hour before `to`')
    .meta({ example: '2026-11-23T10:00:00Z' }),
  to: time('to').optional().describe('End (exclusive), same formats. Default: now'),
  interval: intervalParam('Bucket width; batch days give hour buckets for `minute`, day buckets when grouped'),
  groupBy: csv('groupBy', DIMENSIONS)
    .default([])
    .describe(`Comma-separated dimensions: ${DIMENSIONS.join(', ')}`)
    .meta({ example: 'country,plan' }),
  metrics: csv('metrics', METRICS)
    .default([])
    .describe(`Comma-separated metrics (default all): ${METRICS.join(', ')}`)
    .meta({ example: 'events,uniqueCustomers' }),
  limit: limitParam('Keep the N groups with most events per bucket (needs groupBy)'),
});

/** Limits of what one query may ask for. */
export interface QueryLimits {
  /** Longest `to − from`, in days (default `DEFAULT_MAX_RANGE_DAYS`). */
  maxRangeDays?: number;
}

/**
 * Validate query parameters (`now` fixes the defaults); throws `BadParameterError` naming the first bad one —
 * also for a range longer than `limits.maxRangeDays`.
 */
export function parseViewershipQuery(
  params: URLSearchParams,
  nowMs: number,
  limits: QueryLimits = {},
): ViewershipQuery {
  return viewershipQuery(parseParams(params, VIEWERSHIP_QUERY), nowMs, limits);
}

/** The checks across parameters of a `VIEWERSHIP_QUERY` (range, limit without groupBy) and its defaults. */
export function viewershipQuery(
  q: z.output<typeof VIEWERSHIP_QUERY>,
  nowMs: number,
  limits: QueryLimits = {},
): ViewershipQuery {
  const { fromMs, toMs } = checkRange(q.from, q.to, q.interval, nowMs, limits);
  if (q.limit !== undefined && q.groupBy.length === 0)
    throw new BadParameterError('limit', 'limit keeps the top groups of each bucket: it needs groupBy');
  return {
    fromMs,
    toMs,
    interval: q.interval,
    groupBy: q.groupBy,
    metrics: q.metrics.length ? q.metrics : [...METRICS],
    limit: q.limit,
  };
}

/**
 * Query parameters through a strict zod object `schema`: a parameter given twice, an unknown one (the message
 * lists the known ones, the schema's keys) or the first invalid one is a `BadParameterError` naming it.
 */
export function parseParams<S extends z.ZodObject>(params: URLSearchParams, schema: S): z.output<S> {
  // No prototype: a parameter named `constructor` or `__proto__` is an unknown parameter, not an inherited member.
  const raw: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of params) {
    if (Object.hasOwn(raw, k)) throw new BadParameterError(k, `${k} is given more than once`);
    raw[k] = v;
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      throw new BadParameterError(key, `unknown parameter "${key}"; allowed: ${Object.keys(schema.shape).join(', ')}`);
    }
    throw new BadParameterError(String(issue.path[0]), issue.message);
  }
  return r.data;
}

/**
 * The range of a query (defaults: `to` now, `from` an hour before `to`), checked: `to` after `from`, at most
 * `MAX_BUCKETS` buckets of `interval`, at most `limits.maxRangeDays` days. A `BadParameterError` otherwise.
 */
export function checkRange(
  from: number | undefined,
  to: number | undefined,
  interval: Interval,
  nowMs: number,
  limits: QueryLimits = {},
): { fromMs: number; toMs: number } {
  const toMs = to ?? nowMs;
  const fromMs = from ?? toMs - DEFAULT_RANGE_MS;
  if (toMs <= fromMs)
    throw new BadParameterError(
      'to',
      `to (${new Date(toMs).toISOString()}) must be after from (${new Date(fromMs).toISOString()})`,
    );
  const intervalMs = INTERVALS[interval];
  const buckets = Math.ceil((toMs - fromMs) / intervalMs);
  if (buckets > MAX_BUCKETS)
    throw new BadParameterError(
      'interval',
      `${interval} interval over this range gives ${buckets} buckets (at most ${MAX_BUCKETS}): use a coarser interval or a shorter range`,
    );
  const maxDays = limits.maxRangeDays ?? DEFAULT_MAX_RANGE_DAYS;
  if (toMs - fromMs > maxDays * INTERVALS.day) {
    const days = Math.ceil((toMs - fromMs) / INTERVALS.day);
    throw new BadParameterError(
      'from',
      `the range from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()} spans ${days} days (at most ${maxDays}): ask for a shorter range`,
    );
  }
  return { fromMs, toMs };
}
