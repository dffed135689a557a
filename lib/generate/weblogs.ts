/**
 * Realistic web-log lines for one day, as CSV (with header) or Apache/Nginx combined log format, with an
 * optional share of bad rows covering every reject reason. Deterministic per seed.
 */
import type { RejectReason } from '../../common/weblog.js';
import { WEBLOG_CSV_COLUMNS } from '../../common/weblog.js';
import { createRng, customerId, type Rng } from './random.js';

/** Options of the web-log generator. */
export interface WeblogGenOptions {
  date: string;
  rows: number;
  format: 'csv' | 'combined';
  /** Share of rows that are bad (0–1); each bad row gets one reason, cycling through all of them. */
  badRate: number;
  /** Known customer ids are C000001 … C{customers}; a share of requests uses ids beyond that (unknown). */
  customers: number;
  seed: number;
}

const STATUS: [number, number][] = [
  [200, 78],
  [206, 3],
  [301, 2],
  [302, 2],
  [304, 5],
  [400, 1],
  [401, 1],
  [403, 1],
  [404, 5],
  [429, 0.5],
  [500, 1],
  [502, 0.3],
  [503, 0.7],
  [101, 0.2],
  [299, 0.1],
  [599, 0.1],
];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/5.0 TV Safari/537.36',
  'Roku/DVP-12.5 (12.5.0.4178)',
  'Mozilla/5.0 (PlayStation; PlayStation 5/8.20) AppleWebKit/605.1.15 (KHTML, like Gecko)',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  '-',
];
const PATHS = ['/', '/browse', '/search', '/account', '/api/v1/session', '/static/app.js', '/static/style.css'];
const REFERRERS = [
  '-',
  'https://www.example.com/',
  'https://search.example.org/?q=series',
  'https://social.example.net/post/1',
];
const METHODS: [string, number][] = [
  ['GET', 90],
  ['POST', 7],
  ['HEAD', 2],
  ['PUT', 1],
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Every reason the batch validator knows (bad rows cycle through them so each appears). */
export const GENERATED_REASONS: RejectReason[] = [
  'malformed_row',
  'missing_field',
  'bad_timestamp',
  'wrong_date',
  'bad_status',
  'bad_number',
  'bad_ip',
];

interface Req {
  t: number;
  customer: string;
  session: string;
  ip: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
  ua: string;
  ref: string;
}

function request(rng: Rng, dayStart: number, o: WeblogGenOptions): Req {
  const r = rng.next();
  const customer =
    r < 0.05
      ? ''
      : r < 0.08
        ? customerId(o.customers + rng.int(1, 5000))
        : customerId(rng.int(1, Math.max(1, o.customers)));
  const watch = rng.next() < 0.55;
  return {
    t: dayStart + rng.int(0, 86_399_999),
    customer,
    session: `s${rng.int(1, 9_999_999).toString(36)}`,
    ip:
      rng.next() < 0.9
        ? `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`
        : `2001:db8::${rng.int(1, 65535).toString(16)}`,
    method: rng.weighted(METHODS),
    path: watch ? `/watch/V${rng.int(1, 500)}` : rng.pick(PATHS),
    status: rng.weighted(STATUS),
    bytes: watch ? rng.int(10_000, 5_000_000) : rng.int(0, 50_000),
    ms: rng.int(1, 2000),
    ua: rng.pick(UAS),
    ref: rng.pick(REFERRERS),
  };
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function clfTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function csvLine(q: Req, t: string, status: string, bytes: string): string {
  return [t, q.customer, q.session, q.ip, q.method, q.path, status, bytes, String(q.ms), q.ua, q.ref]
    .map(csvField)
    .join(',');
}

function combinedLine(q: Req, t: string, status: string, bytes: string): string {
  return `${q.ip} - ${q.customer || '-'} [${t}] "${q.method} ${q.path} HTTP/1.1" ${status} ${bytes} "${q.ref}" "${q.ua}"`;
}

/** Corrupt a request so it fails validation with `reason` (in the given format). */
function badLine(q: Req, reason: RejectReason, o: WeblogGenOptions, rng: Rng): string {
  const csv = o.format === 'csv';
  const iso = new Date(q.t).toISOString();
  const line = (
    over: Partial<Req>,
    t = csv ? iso : clfTime(q.t),
    status = String(q.status),
    bytes = String(q.bytes),
  ) => (csv ? csvLine({ ...q, ...over }, t, status, bytes) : combinedLine({ ...q, ...over }, t, status, bytes));
  switch (reason) {
    case 'malformed_row':
      return csv
        ? rng.next() < 0.5
          ? csvLine(q, iso, String(q.status), String(q.bytes)).split(',').slice(0, 6).join(',')
          : `${iso},"${q.customer},unterminated`
        : `${q.ip} garbage without the log format`;
    case 'missing_field':
      return csv ? line({ ip: '' }) : `${q.ip} - - [${clfTime(q.t)}] "-" 408 0 "-" "-"`;
    case 'bad_timestamp':
      return csv
        ? line({}, rng.next() < 0.5 ? iso.replace('Z', '') : 'yesterday')
        : line({}, '32/Foo/2024:25:61:00 +0000');
    case 'wrong_date':
      return line({}, csv ? new Date(q.t - 86_400_000).toISOString() : clfTime(q.t - 86_400_000));
    case 'bad_status':
      return line({}, undefined, rng.next() < 0.5 ? '999' : '2x0');
    case 'bad_number':
      return line({}, undefined, undefined, csv ? '-12' : '12.5');
    case 'bad_ip':
      return line({ ip: '999.1.2.3' });
  }
}

/**
 * Yield the file's lines (without newlines), header first for CSV. `onBad(lineNo, reason)` receives the
 * 1-based physical line number of every corrupted row, for tests and reports.
 */
export function* generateWeblogLines(
  o: WeblogGenOptions,
  onBad?: (line: number, reason: RejectReason) => void,
): Generator<string> {
  const rng = createRng(o.seed);
  const dayStart = Date.parse(`${o.date}T00:00:00Z`);
  let lineNo = 0;
  if (o.format === 'csv') {
    lineNo++;
    yield WEBLOG_CSV_COLUMNS.join(',');
  }
  let badIndex = 0;
  for (let i = 0; i < o.rows; i++) {
    const q = request(rng, dayStart, o);
    lineNo++;
    if (o.badRate > 0 && rng.next() < o.badRate) {
      const reason = GENERATED_REASONS[badIndex++ % GENERATED_REASONS.length]!;
      onBad?.(lineNo, reason);
      yield badLine(q, reason, o, rng);
    } else if (o.format === 'csv') {
      yield csvLine(q, new Date(q.t).toISOString(), String(q.status), rng.next() < 0.02 ? '-' : String(q.bytes));
    } else {
      yield combinedLine(q, clfTime(q.t), String(q.status), q.bytes === 0 ? '-' : String(q.bytes));
    }
  }
}
