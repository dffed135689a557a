/**
 * JSON values of generated ad messages in the shapes of issue 10 (snake_case fields, costs as decimals with at
 * most 6 places), and malformed variants that each hit one dead-letter reason of `common/ads.ts`.
 */
import type { AdDlqReason } from '../../common/ads.js';
import { customerId, type Rng } from './random.js';

/** The dead-letter reasons a malformed generated message can have (everything but `late` and `orphan_click`). */
export const BAD_AD_REASONS = [
  'not_json',
  'not_object',
  'bad_id',
  'bad_event_time',
  'bad_cost',
  'bad_optional_field',
  'too_large',
] as const satisfies readonly AdDlqReason[];

/** A reason of {@link BAD_AD_REASONS}. */
export type BadAdReason = (typeof BAD_AD_REASONS)[number];

/** Which of the two input topics a message goes to. */
export type AdTopic = 'impressions' | 'clicks';

const CATEGORIES = ['electronics', 'fashion', 'travel', 'food', 'auto', 'finance', 'games', 'home'];
const DEVICES: [string, string[]][] = [
  ['mobile', ['android', 'ios']],
  ['desktop', ['windows', 'macos', 'linux']],
  ['tv', ['tizen', 'webos', 'android-tv']],
  ['tablet', ['ipados', 'android']],
];
const BROWSERS = ['chrome', 'safari', 'firefox', 'edge', 'samsung'];
const LOCATIONS = ['US', 'GB', 'DE', 'FR', 'BR', 'IN', 'JP', 'CA'];
const REFERRERS = ['https://example.org/', 'https://news.example.com/', 'https://search.example.net/?q=tv'];
const POSITIONS = ['top-left', 'top-right', 'center', 'bottom-banner', 'overlay'];

/** A money amount in micro-units as the JSON number of the message (`2100` → `0.0021`). */
export const microsToNumber = (micros: number): number => micros / 1_000_000;

/** Fields of a generated impression that its tally needs. */
export interface ImpressionFacts {
  id: string;
  campaignId: string;
  eventTimeMs: number;
  costMicros: number;
  viewMs: number;
}

/** The JSON object of an impression; optional fields are sometimes null or absent, as producers send them. */
export function impressionObject(rng: Rng, f: ImpressionFacts): Record<string, unknown> {
  const [device, oses] = rng.pick(DEVICES);
  const o: Record<string, unknown> = {
    impression_id: f.id,
    user_id: customerId(rng.int(1, 10_000)),
    session_id: `S${rng.int(1, 1_000_000)}`,
    ad_id: `A${rng.int(1, 200)}`,
    campaign_id: f.campaignId,
    ad_category: rng.pick(CATEGORIES),
    device,
    os: rng.pick(oses),
    browser: device === 'tv' ? null : rng.pick(BROWSERS),
    location: rng.pick(LOCATIONS),
    page_id: `P${rng.int(1, 50)}`,
    referrer: rng.next() < 0.3 ? null : rng.pick(REFERRERS),
    impression_cost: microsToNumber(f.costMicros),
    view_ms: f.viewMs,
    event_time: new Date(f.eventTimeMs).toISOString(),
  };
  // A few producers omit view_ms (it then counts as 0, which the facts already say).
  if (f.viewMs === 0 && rng.next() < 0.5) delete o.view_ms;
  return o;
}

/** The JSON object of a click. */
export function clickObject(
  rng: Rng,
  f: { id: string; joinId: string; eventTimeMs: number; costMicros: number },
): Record<string, unknown> {
  return {
    click_id: f.id,
    join_id: f.joinId,
    click_position: rng.pick(POSITIONS),
    click_cost: microsToNumber(f.costMicros),
    event_time: new Date(f.eventTimeMs).toISOString(),
  };
}

/** Impression cost in micro-units: mostly 0.0005–0.005, sometimes free. */
export const impressionCostMicros = (rng: Rng): number => (rng.next() < 0.02 ? 0 : rng.int(500, 5000));

/** Click cost in micro-units: mostly whole cents 0.01–1.50, a fifth with all 6 decimal places used. */
export const clickCostMicros = (rng: Rng): number =>
  rng.next() < 0.2 ? rng.int(10_000, 1_500_000) : rng.int(1, 150) * 10_000;

/** View time in ms (sometimes 0: the ad was never on screen long enough to be measured). */
export const viewMs = (rng: Rng): number => (rng.next() < 0.05 ? 0 : rng.int(200, 30_000));

/** The value of a malformed message for `reason` on `topic`, built from a valid object `o` of that topic. */
export function badValue(reason: BadAdReason, topic: AdTopic, o: Record<string, unknown>): string {
  const imp = topic === 'impressions';
  switch (reason) {
    case 'not_json':
      return JSON.stringify(o).slice(0, 30);
    case 'not_object':
      return imp ? '[1,2,3]' : '"click"';
    case 'bad_id':
      return JSON.stringify(imp ? { ...o, campaign_id: '' } : { ...o, join_id: 42 });
    case 'bad_event_time':
      return JSON.stringify(
        imp
          ? { ...o, event_time: String(o.event_time).replace('T', ' ').replace('Z', '') }
          : { ...o, event_time: undefined },
      );
    case 'bad_cost':
      return JSON.stringify(imp ? { ...o, impression_cost: -0.5 } : { ...o, click_cost: String(o.click_cost) });
    case 'bad_optional_field':
      return JSON.stringify(imp ? { ...o, view_ms: 1.5 } : { ...o, click_position: 7 });
    case 'too_large':
      return JSON.stringify({ ...o, pad: 'x'.repeat(66_000) });
  }
}
