/**
 * Byte-level field checks of the validator's fast path. Each accepts only a strict subset of what the
 * string validators in lib/weblog-validate.ts accept, with exactly their result on that subset; anything
 * else is left to the string validators (which then decide and name the reason).
 */

const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** Two ASCII digits at `p` as a number, or -1. */
function two(buf: Buffer, p: number): number {
  const a = (buf[p]! - 48) >>> 0;
  const b = (buf[p + 1]! - 48) >>> 0;
  return a > 9 || b > 9 ? -1 : a * 10 + b;
}

let lastDate = -1;
let lastDays = 0;

/**
 * Epoch ms of `buf[s, e)` when it is `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` with a calendar-valid date,
 * hours 00-23, minutes and seconds 00-59 and an offset up to ±23:59 — the form where the value equals
 * `Date.parse` (which keeps the first three fraction digits); NaN for anything else.
 */
export function strictIsoMs(buf: Buffer, s: number, e: number): number {
  if (
    e - s < 20 ||
    buf[s + 4] !== 45 ||
    buf[s + 7] !== 45 ||
    buf[s + 10] !== 84 ||
    buf[s + 13] !== 58 ||
    buf[s + 16] !== 58
  )
    return NaN;
  const y1 = two(buf, s);
  const y2 = two(buf, s + 2);
  const y = y1 * 100 + y2;
  const mo = two(buf, s + 5);
  const d = two(buf, s + 8);
  const h = two(buf, s + 11);
  const mi = two(buf, s + 14);
  const sec = two(buf, s + 17);
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return NaN;
  if (d > MONTH_DAYS[mo]! || (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)))) return NaN;
  let p = s + 19;
  let ms = 0;
  if (buf[p] === 46) {
    const from = ++p;
    for (; p < e && (buf[p]! - 48) >>> 0 <= 9; p++)
      if (p - from < 3) ms += (buf[p]! - 48) * (p === from ? 100 : p === from + 1 ? 10 : 1);
    if (p === from || p - from > 9) return NaN;
  }
  let offsetMin = 0;
  if (p === e - 1 && buf[p] === 90) offsetMin = 0;
  else if (p === e - 6 && (buf[p] === 43 || buf[p] === 45) && buf[p + 3] === 58) {
    const oh = two(buf, p + 1);
    const om = two(buf, p + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMin = (buf[p] === 45 ? -1 : 1) * (oh * 60 + om);
  } else return NaN;
  const key = (y * 100 + mo) * 100 + d;
  if (key !== lastDate) {
    lastDays = daysFromCivil(y, mo, d);
    lastDate = key;
  }
  return lastDays * 86_400_000 + ((h * 60 + mi - offsetMin) * 60 + sec) * 1000 + ms;
}

/** IPv4 (dotted quad 0-255, no leading zeros) or IPv6-like (`:` and 2-39 of `[0-9a-fA-F:]`), as `isIp` in weblog-validate. */
export function isIpBytes(buf: Buffer, s: number, e: number): boolean {
  let p = s;
  for (let part = 0; part < 4; part++) {
    const from = p;
    let v = 0;
    for (; p < e && p - from < 4 && (buf[p]! - 48) >>> 0 <= 9; p++) v = v * 10 + buf[p]! - 48;
    const n = p - from;
    if (n === 0 || n > 3 || v > 255 || (n > 1 && buf[from] === 48)) return isIpv6Bytes(buf, s, e);
    if (part < 3) {
      if (p >= e || buf[p] !== 46) return isIpv6Bytes(buf, s, e);
      p++;
    }
  }
  return p === e || isIpv6Bytes(buf, s, e);
}

function isIpv6Bytes(buf: Buffer, s: number, e: number): boolean {
  if (e - s < 2 || e - s > 39) return false;
  let colon = false;
  for (let p = s; p < e; p++) {
    const c = buf[p]!;
    if (c === 58) colon = true;
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return colon;
}

/**
 * `bytes_sent` / `response_ms` as in weblog-validate: 0 when empty or `-` (returns 0, the caller writes `0`),
 * 1 when 1-15 digits without a leading zero (copied as is), -1 otherwise (left to the string validator).
 */
export function numberKind(buf: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 0 || (n === 1 && buf[s] === 45)) return 0;
  if (n > 15 || (n > 1 && buf[s] === 48)) return -1;
  for (let p = s; p < e; p++) if ((buf[p]! - 48) >>> 0 > 9) return -1;
  return 1;
}

/** Write a non-negative integer below 2^53 as decimal ASCII at `p`; returns the position after it. */
export function writeUint(b: Buffer, p: number, v: number): number {
  if (v >= 1e8) {
    const hi = Math.floor(v / 1e8);
    p = writeUint(b, p, hi);
    let lo = v - hi * 1e8;
    for (let i = 7; i >= 0; i--) {
      const q = (lo / 10) | 0;
      b[p + i] = 48 + lo - q * 10;
      lo = q;
    }
    return p + 8;
  }
  let n = 1;
  for (let t = v; t >= 10; t = (t / 10) | 0) n++;
  for (let i = n - 1, t = v; i >= 0; i--) {
    const q = (t / 10) | 0;
    b[p + i] = 48 + t - q * 10;
    t = q;
  }
  return p + n;
}

/** Copy `src[s, e)` to `dst` at `p`; returns the position after it. */
export function copyBytes(src: Buffer, s: number, e: number, dst: Buffer, p: number): number {
  if (e - s > 24) {
    src.copy(dst, p, s, e);
    return p + e - s;
  }
  while (s < e) dst[p++] = src[s++]!;
  return p;
}

/** The per-row helpers as one object, for callers that bind them once (see csv-fast.ts). */
export const byteFields = { strictIsoMs, isIpBytes, numberKind, writeUint, copyBytes };
