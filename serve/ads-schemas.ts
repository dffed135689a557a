/** Response schema of `GET /api/ads` (see `schemas.ts`): metrics per bucket and group, and the range total. */
import { z } from 'zod/v4';
import { AD_DIMENSIONS } from '../lib/views/ads.js';
import { dateTime } from './schemas.js';

const money = (description = 'Exact decimal amount with 6 places (integer micro-units summed), e.g. "12.345678"') =>
  z.string().describe(description);

const AD_METRICS = z
  .strictObject({
    impressions: z.int(),
    clicks: z.int(),
    impressionCost: money(),
    clickCost: money(),
    cost: money('impressionCost + clickCost, exact, 6 places'),
    ctr: z.number().nullable().describe('clicks / impressions, rounded to 6 places; null without impressions'),
    cpc: z.string().nullable().describe('clickCost / clicks, 6 places (half up); null without clicks'),
    cpi: z.string().nullable().describe('impressionCost / impressions, 6 places (half up); null without impressions'),
    avgViewMs: z
      .number()
      .nullable()
      .describe('Mean view time of an impression, ms (6 places); null without impressions'),
    unknownCampaignImpressions: z
      .int()
      .describe('Impressions of campaigns missing from the campaigns file (network "unknown")'),
  })
  .meta({ id: 'AdMetrics' });

const ADS_BUCKET = z
  .strictObject({
    start: dateTime().describe('Bucket start (UTC-aligned), clipped to `from`'),
    end: dateTime().describe('Bucket end, clipped to `to`'),
    group: z.record(z.string(), z.string()).describe('Value per groupBy dimension (empty without groupBy)'),
    metrics: AD_METRICS,
  })
  .meta({ id: 'AdsBucket' });

/** The `/api/ads` answer. */
export const ADS = z
  .strictObject({
    from: dateTime(),
    to: dateTime(),
    interval: z.enum(['minute', 'hour', 'day']),
    groupBy: z.array(z.enum(AD_DIMENSIONS)),
    streamId: z.string().describe('The ad stream (ADS_STREAM_WORKFLOW_ID) whose rows are answered'),
    buckets: z.array(ADS_BUCKET).describe('Buckets with data, by start, then most impressions first'),
    total: AD_METRICS.describe('Over the whole range and every group (also those a limit leaves out)'),
  })
  .meta({ id: 'Ads' });
