/** OpenAPI 3.1 description of `GET /api/revenue` and `GET /api/customers/{id}` (merged into lib/serve/openapi.ts). */
import { ORDER_KINDS } from '../../adapters/profiles/orders-types.js';
import { REVENUE_DIMENSIONS } from '../orders/revenue.js';

type Schema = Record<string, unknown>;
const str = { type: 'string' };
const num = { type: 'number' };
const money = { type: 'string', description: 'Exact decimal amount with 2 places, e.g. "1234.50"' };
const day = { type: 'string', format: 'date' };
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
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

const kindTotals = obj({ orders: num, paidAmount: money, refundedAmount: money });
const group = obj({
  value: str,
  orders: num,
  paidAmount: money,
  refundedAmount: money,
  maxAmount: money,
  uniqueCustomers: num,
});

const nullable = (s: Schema) => ({ oneOf: [s, { type: 'null' }] });
const time = { type: 'string', format: 'date-time' };

/** Schemas of the revenue answer and of the customer look-up. */
export const REVENUE_SCHEMAS: Record<string, Schema> = {
  Customer: obj({
    customerId: str,
    profile: obj({
      name: str,
      email: { type: ['string', 'null'] },
      country: str,
      plan: str,
      signupDate: { type: ['string', 'null'] },
    }),
    loyalty: nullable(
      obj({
        points: num,
        tier: { type: 'string', enum: ['bronze', 'silver', 'gold'] },
        segment: str,
        rfm: obj({ recency: num, frequency: num, monetary: num }),
        orders: obj({
          last90Days: obj({ count: num, paidAmount: money }),
          lifetime: obj({ count: num, paidAmount: money, refundedAmount: money }),
          lastOrderAt: { type: ['string', 'null'], format: 'date-time' },
        }),
        computedAt: time,
      }),
    ),
    promotions: {
      type: 'array',
      items: obj({ ruleId: str, offer: str }),
      description: 'Eligible offers (loyalty_promotion_rules matching the tier and segment), by priority',
    },
    activity: nullable(
      obj({
        last30Days: { type: 'array', items: obj({ date: day, watchMs: num, visits: num }) },
        watchMs90d: num,
        visits90d: num,
      }),
    ),
  }),
  RevenueDay: obj(
    {
      date: day,
      orders: num,
      paidAmount: money,
      refundedAmount: money,
      maxAmount: { ...money, description: 'Largest order amount of the date' },
      uniqueCustomers: num,
      byKind: obj(Object.fromEntries(ORDER_KINDS.map((k) => [k, kindTotals]))),
      groups: { type: 'array', items: group, description: 'Only with groupBy: one entry per value, sorted' },
    },
    ['date', 'orders', 'paidAmount', 'refundedAmount', 'maxAmount', 'uniqueCustomers', 'byKind'],
  ),
  Revenue: obj({
    from: day,
    to: day,
    groupBy: { type: ['string', 'null'], enum: [...REVENUE_DIMENSIONS, null] },
    days: {
      type: 'array',
      items: ref('RevenueDay'),
      description: 'Dates whose aggregates are complete (their day marker is indexed), in order',
    },
    missingDays: { type: 'array', items: day, description: 'Dates of the range not aggregated (yet)' },
    total: obj({ orders: num, paidAmount: money, refundedAmount: money }),
  }),
};

/** The `/api/customers/{id}` path item. */
export const CUSTOMER_PATH = {
  get: {
    summary:
      'One customer by id: profile, loyalty (points, tier, segment, order figures), promotions, last 30 days of activity',
    parameters: [{ name: 'id', in: 'path', required: true, schema: str, example: 'C000042' }],
    responses: {
      200: json(
        ref('Customer'),
        'The customer (loyalty and activity null until the first loyalty refresh after the profile appeared)',
      ),
      400: json(ref('Error'), 'A malformed id (not 1-64 of A-Z a-z 0-9 _ -), named `id`'),
      401: json(ref('Error'), 'SERVE_AUTH_TOKEN is set and the request does not carry it'),
      403: json(ref('Error'), 'The Host header names a host not in SERVE_ALLOWED_HOSTS'),
      404: json(ref('Error'), 'No customer with this id (no profile)'),
      503: json(ref('Error'), 'The database did not answer'),
      504: json(ref('Error'), 'No answer within SERVE_REQUEST_TIMEOUT_MS'),
    },
  },
};

/** The `/api/revenue` path item. */
export const REVENUE_PATH = {
  get: {
    summary:
      'Daily revenue of the orders import: orders, paid, refunded and top amounts, unique customers, by kind; optionally broken down',
    parameters: [
      q('from', 'First date (YYYY-MM-DD, UTC). Default: 29 days before `to`', str, '2026-11-01'),
      q('to', 'Last date (inclusive). Default: today', str),
      q(
        'groupBy',
        `Breakdown per date: ${REVENUE_DIMENSIONS.join(', ')}`,
        { type: 'string', enum: [...REVENUE_DIMENSIONS] },
        'plan',
      ),
    ],
    responses: {
      200: json(ref('Revenue'), 'Complete dates of the range with their totals'),
      400: json(ref('Error'), 'A bad parameter, named in `parameter` (also a range over SERVE_MAX_RANGE_DAYS)'),
      401: json(ref('Error'), 'SERVE_AUTH_TOKEN is set and the request does not carry it'),
      403: json(ref('Error'), 'The Host header names a host not in SERVE_ALLOWED_HOSTS'),
      503: json(
        ref('Error'),
        'The search engine did not answer, or the server is busy: retry after Retry-After seconds',
      ),
      504: json(ref('Error'), 'No answer within SERVE_REQUEST_TIMEOUT_MS'),
    },
  },
};
