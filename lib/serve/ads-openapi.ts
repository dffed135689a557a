/** OpenAPI 3.1 description of `GET /api/ads` and of the ad stream's part of `/api/health` (merged into lib/serve/openapi.ts). */
import { AD_DIMENSIONS } from './ads.js';
import { MAX_LIMIT } from './params.js';

type Schema = Record<string, unknown>;
const str = { type: 'string' };
const num = { type: 'number' };
const int = { type: 'integer' };
const time = { type: 'string', format: 'date-time' };
const money = {
  type: 'string',
  description: 'Exact decimal amount with 6 places (integer micro-units summed), e.g. "12.345678"',
};
const nullable = (s: Schema, description: string) => ({ ...s, type: [s.type, 'null'], description });
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

/** Schemas of the ads answer and of `Health.ads`. */
export const ADS_SCHEMAS: Record<string, Schema> = {
  AdMetrics: obj({
    impressions: int,
    clicks: int,
    impressionCost: money,
    clickCost: money,
    cost: { ...money, description: 'impressionCost + clickCost, exact, 6 places' },
    ctr: nullable(num, 'clicks / impressions, rounded to 6 places; null without impressions'),
    cpc: nullable(str, 'clickCost / clicks, 6 places (half up); null without clicks'),
    cpi: nullable(str, 'impressionCost / impressions, 6 places (half up); null without impressions'),
    avgViewMs: nullable(num, 'Mean view time of an impression, ms (6 places); null without impressions'),
    unknownCampaignImpressions: {
      ...int,
      description: 'Impressions of campaigns missing from the campaigns file (network "unknown")',
    },
  }),
  AdsBucket: obj({
    start: { ...time, description: 'Bucket start (UTC-aligned), clipped to `from`' },
    end: { ...time, description: 'Bucket end, clipped to `to`' },
    group: {
      type: 'object',
      description: 'Value per groupBy dimension (empty without groupBy)',
      additionalProperties: str,
    },
    metrics: ref('AdMetrics'),
  }),
  Ads: obj({
    from: time,
    to: time,
    interval: { type: 'string', enum: ['minute', 'hour', 'day'] },
    groupBy: { type: 'array', items: { type: 'string', enum: [...AD_DIMENSIONS] } },
    streamId: { ...str, description: 'The ad stream (ADS_STREAM_WORKFLOW_ID) whose rows are answered' },
    buckets: {
      type: 'array',
      items: ref('AdsBucket'),
      description: 'Buckets with data, by start, then most impressions first',
    },
    total: { ...ref('AdMetrics'), description: 'Over the whole range and every group (also those a limit leaves out)' },
  }),
  CampaignsFile: obj(
    {
      path: str,
      loadedAt: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'When the version in use was loaded; null when none ever was',
      },
      campaigns: { ...int, description: 'Campaigns of the version in use' },
      rejected: { ...int, description: 'Rows of the version in use that were quarantined' },
      problem: {
        ...str,
        description:
          'Why the file on disk is not in use (missing, unreadable, wrong header, no valid rows); the last good version stays in use',
      },
    },
    ['path', 'loadedAt', 'campaigns', 'rejected'],
  ),
  AdsHealth: obj({
    state: { type: 'string', enum: ['running', 'paused', 'stopped', 'not started', 'unknown'] },
    stream: ref('Stream'),
    campaigns: ref('CampaignsFile'),
  }),
};

/** The `/api/ads` path item (`errors` are the answers every route shares: 401, 403). */
export function adsPath(guarded: Record<string, unknown>) {
  return {
    get: {
      summary:
        'Ad performance of the ad-analytics stream from PostgreSQL: impressions, clicks, exact costs, CTR, CPC, CPI, view time per bucket and group',
      parameters: [
        q(
          'from',
          'Start (inclusive; minutes starting at or after it): YYYY-MM-DD (UTC), ISO time with zone, or epoch ms. Default: one hour before `to`',
          str,
          '2026-11-23T10:00:00Z',
        ),
        q('to', 'End (exclusive), same formats. Default: now', str),
        q('interval', 'Bucket width (UTC-aligned)', {
          type: 'string',
          enum: ['minute', 'hour', 'day'],
          default: 'hour',
        }),
        q('groupBy', `Comma-separated dimensions: ${AD_DIMENSIONS.join(', ')}`, str, 'campaign_id'),
        q(
          'limit',
          'Keep the N groups with most impressions per bucket (needs groupBy); `total` still covers every group',
          { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
        ),
      ],
      responses: {
        200: json(ref('Ads'), 'Buckets with their metrics, and the range total'),
        400: json(
          ref('Error'),
          'A bad parameter, named in `parameter`: also an impossible date, a range over SERVE_MAX_RANGE_DAYS, or an answer over SERVE_MAX_RESULT_BUCKETS buckets or SERVE_MAX_RESPONSE_BYTES bytes',
        ),
        ...guarded,
        503: {
          ...json(
            ref('Error'),
            'PostgreSQL did not answer, or the server is busy (SERVE_MAX_CONCURRENT running and SERVE_MAX_QUEUED waiting): retry after Retry-After seconds',
          ),
          headers: { 'Retry-After': { description: 'Seconds to wait (when busy)', schema: { type: 'integer' } } },
        },
        504: json(ref('Error'), 'No answer within SERVE_REQUEST_TIMEOUT_MS'),
      },
    },
  };
}
