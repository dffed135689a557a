/**
 * The web-log fact: one HTTP request, as validated by the batch layer. Pure and workflow-safe: the field
 * list, reject reason codes, device classification and date helpers shared by the generator, the
 * validator and the tests.
 */

/** CSV header of landed web logs, in order. */
export const WEBLOG_CSV_COLUMNS = [
  'event_time',
  'customer_id',
  'session_id',
  'ip',
  'method',
  'path',
  'http_status',
  'bytes_sent',
  'response_ms',
  'user_agent',
  'referrer',
] as const;

/** Why a row was rejected to quarantine. */
export const REJECT_REASONS = {
  malformed_row: 'row does not parse (CSV structure or combined-log pattern)',
  missing_field: 'a required field (event_time, ip, method, path, http_status) is empty',
  bad_timestamp: 'event_time is not an ISO-8601 / CLF timestamp with a zone',
  wrong_date: 'event_time falls outside the run date in UTC',
  bad_status: 'http_status is not an integer in 100-599',
  bad_number: 'bytes_sent or response_ms is not an integer >= 0 (empty or - mean 0)',
  bad_ip: 'ip is not an IPv4 or IPv6 address',
} as const;

/** A reject reason code. */
export type RejectReason = keyof typeof REJECT_REASONS;

/** A valid web-log row (what goes to the lake). */
export interface WebLogRow {
  /** Epoch milliseconds, UTC. */
  eventTimeMs: number;
  /** Empty string when the request had no customer. */
  customerId: string;
  sessionId: string;
  ip: string;
  method: string;
  path: string;
  httpStatus: number;
  bytesSent: number;
  responseMs: number;
  userAgent: string;
  referrer: string;
}

/** Device class derived from a user agent: `tv`, `mobile`, `tablet`, `console`, `bot`, `desktop` or `other`. */
export function deviceFromUserAgent(ua: string): string {
  const s = ua.toLowerCase();
  if (s === '' || s === '-') return 'other';
  if (/bot|crawler|spider|curl|wget|python-requests/.test(s)) return 'bot';
  if (/smart-?tv|hbbtv|appletv|roku|tizen|webos|bravia|chromecast|firetv|aft[a-z]/.test(s)) return 'tv';
  if (/playstation|xbox|nintendo/.test(s)) return 'console';
  if (/ipad|tablet/.test(s)) return 'tablet';
  if (/mobile|iphone|android/.test(s)) return 'mobile';
  if (/windows|macintosh|x11|linux|cros/.test(s)) return 'desktop';
  return 'other';
}

/** Content id from a request path (`/watch/V42`, `/video/V42/…`), or '' when the path is not content. */
export function contentFromPath(path: string): string {
  const m = /^\/(?:watch|video|play)\/([A-Za-z0-9_-]{1,64})/.exec(path);
  return m ? m[1]! : '';
}

/** True when `s` is a calendar date in YYYY-MM-DD form. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** [start, end) epoch milliseconds of a UTC date. */
export function dayBoundsMs(date: string): [number, number] {
  const start = Date.parse(`${date}T00:00:00Z`);
  return [start, start + 86_400_000];
}

/** Dates from `from` to `to` inclusive (YYYY-MM-DD). */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
