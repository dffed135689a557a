/** Response schemas of `GET /api/revenue` and `GET /api/customers/{id}` (see `schemas.ts`). */
import { z } from 'zod/v4';
import { ORDER_KINDS } from '../adapters/profiles/orders-types.js';
import { REVENUE_DIMENSIONS } from '../lib/orders/revenue.js';
import { dateTime } from './schemas.js';

const money = () => z.string().describe('Exact decimal amount with 2 places, e.g. "1234.50"');
const day = () => z.string().meta({ format: 'date' });

const KIND_TOTALS = z.strictObject({ orders: z.number(), paidAmount: money(), refundedAmount: money() });

const REVENUE_DAY = z
  .strictObject({
    date: day(),
    orders: z.number(),
    paidAmount: money(),
    refundedAmount: money(),
    maxAmount: money().describe('Largest order amount of the date'),
    uniqueCustomers: z.number(),
    byKind: z.strictObject(Object.fromEntries(ORDER_KINDS.map((k) => [k, KIND_TOTALS]))),
    groups: z
      .array(
        z.strictObject({
          value: z.string(),
          orders: z.number(),
          paidAmount: money(),
          refundedAmount: money(),
          maxAmount: money(),
          uniqueCustomers: z.number(),
        }),
      )
      .optional()
      .describe('Only with groupBy: one entry per value, sorted'),
  })
  .meta({ id: 'RevenueDay' });

/** The `/api/revenue` answer. */
export const REVENUE = z
  .strictObject({
    from: day(),
    to: day(),
    groupBy: z.enum(REVENUE_DIMENSIONS).nullable(),
    days: z.array(REVENUE_DAY).describe('Dates whose aggregates are complete (their day marker is indexed), in order'),
    missingDays: z.array(day()).describe('Dates of the range not aggregated (yet)'),
    total: z.strictObject({ orders: z.number(), paidAmount: money(), refundedAmount: money() }),
  })
  .meta({ id: 'Revenue' });

/** The `/api/customers/{id}` answer. */
export const CUSTOMER = z
  .strictObject({
    customerId: z.string(),
    profile: z.strictObject({
      name: z.string(),
      email: z.string().nullable(),
      country: z.string(),
      plan: z.string(),
      signupDate: z.string().nullable(),
    }),
    loyalty: z
      .strictObject({
        points: z.number(),
        tier: z.enum(['bronze', 'silver', 'gold']),
        segment: z.string(),
        rfm: z.strictObject({ recency: z.number(), frequency: z.number(), monetary: z.number() }),
        orders: z.strictObject({
          last90Days: z.strictObject({ count: z.number(), paidAmount: money() }),
          lifetime: z.strictObject({ count: z.number(), paidAmount: money(), refundedAmount: money() }),
          lastOrderAt: dateTime().nullable(),
        }),
        computedAt: dateTime(),
      })
      .nullable(),
    promotions: z
      .array(z.strictObject({ ruleId: z.string(), offer: z.string() }))
      .describe('Eligible offers (loyalty_promotion_rules matching the tier and segment), by priority'),
    activity: z
      .strictObject({
        last30Days: z.array(z.strictObject({ date: day(), watchMs: z.number(), visits: z.number() })),
        watchMs90d: z.number(),
        visits90d: z.number(),
      })
      .nullable(),
  })
  .meta({ id: 'Customer' });
