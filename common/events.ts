/**
 * Customer web events of the speed layer (JSON on the events topic): the schema, the dead-letter reason
 * codes and validation of raw message bytes. Pure and workflow-safe.
 */

/** A valid event, with optional fields defaulted. */
export interface WebEvent {
  eventId: string;
  customerId: string;
  /** Event time, epoch ms (UTC). */
  eventTimeMs: number;
  eventType: string;
  contentId: string;
  device: string;
  httpStatus: number;
  watchMs: number;
}

/** Why an event went to the dead-letter topic. */
export const DLQ_REASONS = {
  too_large: 'message over 64 KB',
  not_json: 'value is not JSON (or is empty)',
  not_object: 'JSON value is not an object',
  bad_event_id: 'event_id missing or not a string of 1-128 characters',
  bad_customer_id: 'customer_id missing or not a string of 1-64 characters',
  bad_event_time: 'event_time missing or not ISO-8601 with a zone',
  bad_event_type: 'event_type missing or not a string of 1-64 characters',
  bad_optional_field:
    'content_id/device not a string, http_status not an integer 100-599, or watch_ms not a number >= 0',
  field_too_long: 'event_type, content_id or device longer than 256 bytes (UTF-8)',
  future_event_time:
    'event_time further ahead of the Kafka message timestamp than the stream allows (default 5 minutes)',
  late: 'event time behind the watermark (older than allowed lateness)',
} as const;

/** Longest accepted `event_type`, `content_id` or `device`, in UTF-8 bytes (they become parts of document ids). */
export const MAX_DIMENSION_BYTES = 256;

/** UTF-8 length of a string in bytes, counted without encoding it. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Whether a string may exceed `MAX_DIMENSION_BYTES` (a string of ≤ 64 UTF-16 units never does). */
const tooLong = (v: unknown): boolean => typeof v === 'string' && v.length > 64 && utf8Bytes(v) > MAX_DIMENSION_BYTES;

/** A dead-letter reason code. */
export type DlqReason = keyof typeof DLQ_REASONS;

/** Largest accepted message value, bytes. */
export const MAX_EVENT_BYTES = 64 * 1024;

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;
const optStr = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';

/** Validate one message value (UTF-8 JSON); unknown fields are ignored. */
export function parseEvent(
  value: Uint8Array | null,
  decode: (b: Uint8Array) => string,
): { ok: true; event: WebEvent } | { ok: false; reason: DlqReason } {
  if (!value || value.length === 0) return { ok: false, reason: 'not_json' };
  if (value.length > MAX_EVENT_BYTES) return { ok: false, reason: 'too_large' };
  let o: unknown;
  try {
    o = JSON.parse(decode(value));
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, reason: 'not_object' };
  const e = o as Record<string, unknown>;
  if (!str(e.event_id, 128)) return { ok: false, reason: 'bad_event_id' };
  if (!str(e.customer_id, 64)) return { ok: false, reason: 'bad_customer_id' };
  const t = typeof e.event_time === 'string' && ISO_WITH_ZONE.test(e.event_time) ? Date.parse(e.event_time) : NaN;
  if (Number.isNaN(t)) return { ok: false, reason: 'bad_event_time' };
  if (tooLong(e.event_type) || tooLong(e.content_id) || tooLong(e.device))
    return { ok: false, reason: 'field_too_long' };
  if (!str(e.event_type, 64)) return { ok: false, reason: 'bad_event_type' };
  const status = e.http_status ?? 200;
  const watch = e.watch_ms ?? 0;
  if (!optStr(e.content_id) || !optStr(e.device)) return { ok: false, reason: 'bad_optional_field' };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    return { ok: false, reason: 'bad_optional_field' };
  if (typeof watch !== 'number' || !Number.isFinite(watch) || watch < 0)
    return { ok: false, reason: 'bad_optional_field' };
  return {
    ok: true,
    event: {
      eventId: e.event_id,
      customerId: e.customer_id,
      eventTimeMs: t,
      eventType: e.event_type,
      contentId: (e.content_id as string | undefined) ?? '',
      device: (e.device as string | undefined) ?? 'unknown',
      httpStatus: status,
      watchMs: watch,
    },
  };
}

/** Start (epoch ms) of the tumbling window of `sizeMs` containing `tMs`. */
export const windowStart = (tMs: number, sizeMs: number): number => Math.floor(tMs / sizeMs) * sizeMs;
