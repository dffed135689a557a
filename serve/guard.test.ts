import { describe, expect, it } from 'vitest';
import { allowedHosts, CONTENT_SECURITY_POLICY, hostAllowed, hostName, tokenChecker } from './guard.js';

describe('Host allow-list (DNS rebinding)', () => {
  const defaults = allowedHosts(undefined, '127.0.0.1');

  it('answers loopback names and any IP literal by default, and no other name', () => {
    for (const h of [
      'localhost',
      'localhost:8080',
      'LOCALHOST.',
      'app.localhost:8080',
      '127.0.0.1:8080',
      '[::1]:8080',
      '10.1.2.3',
      '[fe80::1]',
    ])
      expect(hostAllowed(h, defaults), h).toBe(true);
    for (const h of [
      'evil.example',
      'evil.example:8080',
      'localhost.evil.example',
      'evillocalhost',
      '',
      undefined,
      'a b',
      '[::1',
      'localhost:port',
      '127.0.0.1.nip.io',
    ])
      expect(hostAllowed(h, defaults), String(h)).toBe(false);
  });

  it('uses the configured names instead, with .suffix and * forms, and adds a bind address that is a name', () => {
    expect(hostAllowed('dash.example.com', allowedHosts(['Dash.Example.com'], '0.0.0.0'))).toBe(true);
    expect(hostAllowed('localhost', allowedHosts(['dash.example.com'], '0.0.0.0'))).toBe(false);
    expect(hostAllowed('a.b.example.com:443', allowedHosts(['.example.com'], '0.0.0.0'))).toBe(true);
    expect(hostAllowed('example.com', allowedHosts(['.example.com'], '0.0.0.0'))).toBe(true);
    expect(hostAllowed('anything.test', allowedHosts(['*'], '0.0.0.0'))).toBe(true);
    expect(hostAllowed('dash.internal:8080', allowedHosts(undefined, 'dash.internal'))).toBe(true);
    expect(hostName('[::1]:80')).toBe('::1');
  });
});

describe('access token', () => {
  const check = tokenChecker('s3cret-token-0123456789');
  it('accepts Bearer and Basic (any user, token as password) and nothing else', () => {
    expect(check('Bearer s3cret-token-0123456789')).toBe(true);
    expect(check(`Basic ${Buffer.from('me:s3cret-token-0123456789').toString('base64')}`)).toBe(true);
    for (const h of [
      undefined,
      '',
      'Bearer',
      'Bearer s3cret-token-012345678',
      'Bearer s3cret-token-0123456789x',
      `Basic ${Buffer.from('s3cret-token-0123456789').toString('base64')}`,
      'Token s3cret-token-0123456789',
    ]) {
      expect(check(h), String(h)).toBe(false);
    }
  });
});

it('the CSP allows no inline script or style and no framing', () => {
  expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
  expect(CONTENT_SECURITY_POLICY).toMatch(/style-src 'self'(;|$)/);
  expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
});
