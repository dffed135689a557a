/**
 * Row-level parsing and validation of landed web logs (CSV with header, or Apache/Nginx combined log
 * format). Every line either becomes a valid row or a reject with a reason code — never silently dropped.
 * Hot path of the batch layer: hand-written scanners, no per-row regex for CSV.
 */
import type { RejectReason, WebLogRow } from '../common/weblog.js';

/** Result of validating one physical line. */
export type LineResult = { ok: true; row: WebLogRow } | { ok: false; reason: RejectReason; detail: string };

const reject = (reason: RejectReason, detail: string): LineResult => ({ ok: false, reason, detail });

/**
 * Split one CSV line (RFC 4180 quoting: fields in double quotes, `""` for a quote). A web-log record is one
 * physical line: a quote still open at the end of the line makes the row malformed (returns undefined).
 */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let s = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return undefined; // unterminated quote
        if (line.charCodeAt(q + 1) === 34) {
          s += line.slice(j, q + 1);
          j = q + 2;
          continue;
        }
        s += line.slice(j, q);
        i = q + 1;
        break;
      }
      out.push(s);
      if (i === n) return out;
      if (line.charCodeAt(i) !== 44 /* , */) return undefined; // text after a closing quote
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]{2,39}$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Integer ≥ 0 where empty or `-` mean 0; undefined when invalid. */
function nonNegInt(s: string): number | undefined {
  if (s === '' || s === '-') return 0;
  if (!/^\d{1,15}$/.test(s)) return undefined;
  return Number(s);
}

function isIp(s: string): boolean {
  return IPV4.test(s) || (s.includes(':') && IPV6.test(s));
}

/** Shared checks once fields are extracted; `timeMs` NaN means an unparseable timestamp. */
function checkFields(
  f: {
    time: string;
    timeMs: number;
    customer: string;
    session: string;
    ip: string;
    method: string;
    path: string;
    status: string;
    bytes: string;
    ms: string;
    ua: string;
    ref: string;
  },
  dayStartMs: number,
): LineResult {
  for (const [name, v] of [
    ['event_time', f.time],
    ['ip', f.ip],
    ['method', f.method],
    ['path', f.path],
    ['http_status', f.status],
  ] as const) {
    if (v === '' || (v === '-' && name !== 'http_status')) return reject('missing_field', `${name} is empty`);
  }
  if (Number.isNaN(f.timeMs))
    return reject('bad_timestamp', `event_time "${f.time.slice(0, 40)}" is not a timestamp with a zone`);
  if (f.timeMs < dayStartMs || f.timeMs >= dayStartMs + 86_400_000)
    return reject('wrong_date', `event_time ${new Date(f.timeMs).toISOString()} is outside the run date`);
  if (!/^\d{3}$/.test(f.status) || +f.status < 100 || +f.status > 599)
    return reject('bad_status', `http_status "${f.status.slice(0, 20)}" is not 100-599`);
  const bytes = nonNegInt(f.bytes);
  if (bytes === undefined) return reject('bad_number', `bytes_sent "${f.bytes.slice(0, 20)}" is not an integer >= 0`);
  const ms = nonNegInt(f.ms);
  if (ms === undefined) return reject('bad_number', `response_ms "${f.ms.slice(0, 20)}" is not an integer >= 0`);
  if (!isIp(f.ip)) return reject('bad_ip', `ip "${f.ip.slice(0, 40)}" is not an IP address`);
  return {
    ok: true,
    row: {
      eventTimeMs: f.timeMs,
      customerId: f.customer === '-' ? '' : f.customer,
      sessionId: f.session,
      ip: f.ip,
      method: f.method,
      path: f.path,
      httpStatus: Number(f.status),
      bytesSent: bytes,
      responseMs: ms,
      userAgent: f.ua,
      referrer: f.ref,
    },
  };
}

/** Validate one CSV data line (header excluded) for the run date starting at `dayStartMs` (UTC). */
export function validateCsvLine(line: string, dayStartMs: number): LineResult {
  const f = splitCsvLine(line);
  if (!f) return reject('malformed_row', 'unterminated or misplaced quote');
  if (f.length !== 11) return reject('malformed_row', `expected 11 fields, found ${f.length}`);
  const time = f[0]!;
  const timeMs = ISO_WITH_ZONE.test(time) ? Date.parse(time) : NaN;
  return checkFields(
    {
      time,
      timeMs,
      customer: f[1]!,
      session: f[2]!,
      ip: f[3]!,
      method: f[4]!,
      path: f[5]!,
      status: f[6]!,
      bytes: f[7]!,
      ms: f[8]!,
      ua: f[9]!,
      ref: f[10]!,
    },
    dayStartMs,
  );
}

// %h %l %u [%t] "%r" %>s %b "%{Referer}i" "%{User-agent}i" — quoted parts may contain \" escapes (nginx/apache).
const COMBINED =
  /^(\S+) (\S+) (\S+) \[([^\]]*)\] "((?:[^"\\]|\\.)*)" (\S+) (\S+)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?\s*$/;
const CLF_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

/** Parse a CLF timestamp `13/Sep/2024:06:49:12 +0000` to epoch ms (NaN when invalid). */
export function parseClfTime(s: string): number {
  const m = CLF_TIME.exec(s);
  if (!m || !MONTHS[m[2]!]) return NaN;
  const iso = `${m[3]}-${MONTHS[m[2]!]}-${m[1]}T${m[4]}:${m[5]}:${m[6]}${m[7]}${m[8]}:${m[9]}`;
  const t = Date.parse(iso);
  // Date.parse rolls invalid days/hours over; reject them by round-tripping the fields.
  return Number.isNaN(t) || +m[1]! > 31 || +m[4]! > 23 || +m[5]! > 59 || +m[6]! > 60 ? NaN : t;
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

/** Validate one combined-log-format line for the run date starting at `dayStartMs` (UTC). */
export function validateCombinedLine(line: string, dayStartMs: number): LineResult {
  const m = COMBINED.exec(line);
  if (!m) return reject('malformed_row', 'line does not match the combined log format');
  // The request line is "METHOD PATH PROTOCOL"; odd ones ("-", binary junk, spaces in the path) are kept apart.
  const req = unescape(m[5]!);
  const sp1 = req.indexOf(' ');
  const sp2 = req.lastIndexOf(' ');
  const method = sp1 > 0 ? req.slice(0, sp1) : '';
  const path =
    sp1 > 0 ? (sp2 > sp1 && /^HTTP\/\d/.test(req.slice(sp2 + 1)) ? req.slice(sp1 + 1, sp2) : req.slice(sp1 + 1)) : '';
  // "-" (no request, e.g. a 408) leaves method/path empty → missing_field; junk without a method is malformed.
  if (req !== '-' && req !== '' && !/^[A-Z]{3,10}$/.test(method))
    return reject('malformed_row', `request line "${req.slice(0, 40)}" has no HTTP method`);
  return checkFields(
    {
      time: m[4]!,
      timeMs: parseClfTime(m[4]!),
      customer: m[3]!,
      session: '',
      ip: m[1]!,
      method,
      path,
      status: m[6]!,
      bytes: m[7]!,
      ms: '0',
      ua: unescape(m[9] ?? ''),
      ref: unescape(m[8] ?? ''),
    },
    dayStartMs,
  );
}

/** Detect a file's format from its first non-empty line: CSV when it is the project's header. */
export function detectFormat(firstLine: string): 'csv' | 'combined' {
  return firstLine
    .replace(/^\uFEFF/, '')
    .trim()
    .startsWith('event_time,')
    ? 'csv'
    : 'combined';
}
