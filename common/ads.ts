/**
 * Ad events of the ad-analytics stream (JSON on the `ad-impressions` and `ad-clicks` topics, keyed by the
 * impression id so a click lands in its impression's partition): schemas, dead-letter reasons, validation of
 * raw message bytes, and exact money (integer micro-units). Pure and workflow-safe.
 */

/** A valid impression, optional fields defaulted. Money in micro-units (1e-6 of the currency unit). */
export interface AdImpression {
  impressionId: string;
  userId: string;
  adId: string;
  campaignId: string;
  adCategory: string;
  device: string;
  location: string;
  eventTimeMs: number;
  costMicros: number;
  viewMs: number;
}

/** A valid click. */
export interface AdClick {
  clickId: string;
  /** The impression it belongs to. */
  joinId: string;
  position: string;
  eventTimeMs: number;
  costMicros: number;
}

/** Why an ad message went to the dead-letter topic. */
export const AD_DLQ_REASONS = {
  too_large: 'message over 64 KB',
  not_json: 'value is not JSON (or is empty)',
  not_object: 'JSON value is not an object',
  bad_id: 'impression_id / click_id / join_id / ad_id / campaign_id missing or not a string of 1-128 characters',
  bad_event_time: 'event_time missing or not ISO-8601 with a zone',
  bad_cost: 'impression_cost / click_cost missing or not a number >= 0 (at most 1e9)',
  bad_optional_field:
    'an optional field has the wrong type (strings of at most 256 characters, view_ms an integer >= 0)',
  late: 'event time behind the watermark (older than allowed lateness)',
  orphan_click: 'no impression matched the click within the join window once the watermark passed it',
} as const;

/** A dead-letter reason code of the ad stream. */
export type AdDlqReason = keyof typeof AD_DLQ_REASONS;

/** Largest accepted message value, bytes. */
export const MAX_AD_MESSAGE_BYTES = 64 * 1024;

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const id = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 128;
const opt = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.length <= 256);
const str = (v: unknown, dflt: string): string => (typeof v === 'string' && v.length > 0 ? v : dflt);

/** Money as integer micro-units, exact for any decimal with at most 6 places (rounded half away from zero beyond). */
export function toMicros(v: number): number {
  return Math.round(v * 1_000_000 + (v >= 0 ? 1e-7 : -1e-7));
}

/** Micro-units as a decimal string with 6 places (`1234567` → `"1.234567"`). */
export function microsToDecimal(m: number): string {
  const neg = m < 0;
  const a = Math.abs(m);
  return `${neg ? '-' : ''}${Math.floor(a / 1_000_000)}.${String(a % 1_000_000).padStart(6, '0')}`;
}

function parseObject(
  value: Uint8Array | null,
  decode: (b: Uint8Array) => string,
): { ok: true; o: Record<string, unknown> } | { ok: false; reason: AdDlqReason } {
  if (!value || value.length === 0) return { ok: false, reason: 'not_json' };
  if (value.length > MAX_AD_MESSAGE_BYTES) return { ok: false, reason: 'too_large' };
  let o: unknown;
  try {
    o = JSON.parse(decode(value));
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, reason: 'not_object' };
  return { ok: true, o: o as Record<string, unknown> };
}

const time = (v: unknown): number => (typeof v === 'string' && ISO_WITH_ZONE.test(v) ? Date.parse(v) : NaN);
const cost = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1e9;

/** Validate one impression message (unknown fields are ignored). */
export function parseImpression(
  value: Uint8Array | null,
  decode: (b: Uint8Array) => string,
): { ok: true; impression: AdImpression } | { ok: false; reason: AdDlqReason } {
  const p = parseObject(value, decode);
  if (!p.ok) return p;
  const e = p.o;
  if (!id(e.impression_id) || !id(e.ad_id) || !id(e.campaign_id)) return { ok: false, reason: 'bad_id' };
  const t = time(e.event_time);
  if (Number.isNaN(t)) return { ok: false, reason: 'bad_event_time' };
  if (!cost(e.impression_cost)) return { ok: false, reason: 'bad_cost' };
  const view = e.view_ms ?? 0;
  if (
    ![e.user_id, e.session_id, e.ad_category, e.device, e.os, e.browser, e.location, e.page_id, e.referrer].every(opt)
  )
    return { ok: false, reason: 'bad_optional_field' };
  if (typeof view !== 'number' || !Number.isSafeInteger(view) || view < 0)
    return { ok: false, reason: 'bad_optional_field' };
  return {
    ok: true,
    impression: {
      impressionId: e.impression_id,
      userId: str(e.user_id, ''),
      adId: e.ad_id,
      campaignId: e.campaign_id,
      adCategory: str(e.ad_category, 'unknown'),
      device: str(e.device, 'unknown'),
      location: str(e.location, 'unknown'),
      eventTimeMs: t,
      costMicros: toMicros(e.impression_cost),
      viewMs: view,
    },
  };
}

/** Validate one click message (unknown fields are ignored). */
export function parseClick(
  value: Uint8Array | null,
  decode: (b: Uint8Array) => string,
): { ok: true; click: AdClick } | { ok: false; reason: AdDlqReason } {
  const p = parseObject(value, decode);
  if (!p.ok) return p;
  const e = p.o;
  if (!id(e.click_id) || !id(e.join_id)) return { ok: false, reason: 'bad_id' };
  const t = time(e.event_time);
  if (Number.isNaN(t)) return { ok: false, reason: 'bad_event_time' };
  if (!cost(e.click_cost)) return { ok: false, reason: 'bad_cost' };
  if (!opt(e.click_position)) return { ok: false, reason: 'bad_optional_field' };
  return {
    ok: true,
    click: {
      clickId: e.click_id,
      joinId: e.join_id,
      position: str(e.click_position, 'unknown'),
      eventTimeMs: t,
      costMicros: toMicros(e.click_cost),
    },
  };
}

/** A campaign of the campaigns CSV (`campaign_id,campaign_name,network_id,advertiser`). */
export interface Campaign {
  campaignId: string;
  name: string;
  networkId: string;
  advertiser: string;
}

/** Network of impressions whose campaign is not in the campaigns file. */
export const UNKNOWN_NETWORK = 'unknown';

/** Start (epoch ms) of the minute containing `tMs`. */
export const minuteStart = (tMs: number): number => Math.floor(tMs / 60_000) * 60_000;
