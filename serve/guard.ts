/**
 * Request guards of the serving HTTP server: the Host allow-list (DNS-rebinding protection), the optional access
 * token, and the security headers every response carries.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Host names answered by default: `localhost` and its subdomains (browsers resolve `*.localhost` to loopback).
 * IP literals are always answered (a DNS-rebinding page's requests carry its own host name, never an IP).
 */
export const DEFAULT_ALLOWED_HOSTS = ['localhost', '.localhost'];

/**
 * The host names to answer: `configured` when given (SERVE_ALLOWED_HOSTS), else the defaults plus the bind
 * address when it is a name (`--host dash.internal`). Lower case, without a trailing dot.
 */
export function allowedHosts(configured: string[] | undefined, bindHost: string): string[] {
  const norm = (h: string) => h.trim().toLowerCase().replace(/\.$/, '');
  if (configured && configured.length) return configured.map(norm);
  const bind = norm(bindHost);
  return isIP(bind) || bind === '' ? [...DEFAULT_ALLOWED_HOSTS] : [...DEFAULT_ALLOWED_HOSTS, bind];
}

/** The host name of a Host header (no port, lower case, no trailing dot, IPv6 without brackets); undefined when malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  const v6 = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h);
  if (v6) return isIP(v6[1]!) === 6 ? v6[1] : undefined;
  const m = /^([a-z0-9_.-]+?)\.?(?::\d{1,5})?$/.exec(h);
  return m && m[1] ? m[1] : undefined;
}

/**
 * Whether a request with this Host header may be answered: an IP literal always; a name when it is in `allowed`
 * (an entry `.example.com` also allows every subdomain, `*` allows any name). A missing or malformed Host never.
 */
export function hostAllowed(header: string | undefined, allowed: string[]): boolean {
  const name = hostName(header);
  if (name === undefined) return false;
  if (isIP(name)) return true;
  return allowed.some(
    (a) => a === '*' || a === name || (a.startsWith('.') && (name.endsWith(a) || name === a.slice(1))),
  );
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks the access token of a request: `Authorization: Bearer <token>` (API clients) or HTTP Basic with the
 * token as password and any user name (browsers, which then send it with the dashboard's own requests).
 * Compares digests in constant time; the token itself is kept only as its digest.
 */
export function tokenChecker(token: string): (authorization: string | undefined) => boolean {
  const want = digest(token);
  return (authorization) => {
    if (!authorization) return false;
    const m = /^(bearer|basic)\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return false;
    let given = m[2]!;
    if (m[1]!.toLowerCase() === 'basic') {
      const decoded = Buffer.from(given, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return false;
      given = decoded.slice(colon + 1);
    }
    return timingSafeEqual(digest(given), want);
  };
}

/** The challenge of a 401: Basic first (browsers prompt for it), Bearer for API clients. */
export const AUTH_CHALLENGES = ['Basic realm="viewership", charset="UTF-8"', 'Bearer realm="viewership"'];

/**
 * The dashboard's Content-Security-Policy: its scripts and styles come from its own files only (no inline script
 * or style, no eval), it talks to its own origin only, and no other site may frame it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response (JSON and static files alike). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** Strict-Transport-Security, sent only when the server itself speaks TLS. */
export const HSTS = 'max-age=31536000';
