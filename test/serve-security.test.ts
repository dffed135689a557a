/**
 * The serving layer's protections on the real services: the Host allow-list (a DNS-rebinding page's requests,
 * which carry the attacker's host name, get 403; loopback names and IP literals are answered; SERVE_ALLOWED_HOSTS
 * replaces the names); security headers on every response; the dashboard runs in headless Chromium under its
 * Content-Security-Policy (no inline script or style) without a single violation; the access token (Bearer for API
 * clients, Basic for browsers — the dashboard works behind it); HTTPS from PEM files; and `viewership serve` run as
 * a process with a token and a TLS key never prints either, nor do config errors or `viewership config`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServer } from '../cli/serve.js';
import { testConfig, uniqueName } from './helpers.js';
import { launchChromium } from '../scripts/chromium.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json?: { error?: string; parameter?: string };
}
const TOKEN = `tok-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}-secret`;

/** GET `url` (http or https) with exactly these headers (Host included, when given); the TLS `ca` for https. */
function get(url: string, headers: Record<string, string> = {}, ca?: string): Promise<Reply> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        headers,
        ca,
        servername: 'localhost',
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          let json;
          try {
            json = res.headers['content-type']?.includes('json') ? JSON.parse(body) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A self-signed certificate for localhost and 127.0.0.1 (openssl), in a fresh directory. */
function selfSigned(): { dir: string; cert: string; key: string; certFile: string; keyFile: string } {
  const dir = mkdtempSync(`${tmpdir()}/viewership-tls-`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${dir}/key.pem`,
      '-out',
      `${dir}/cert.pem`,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return {
    dir,
    cert: readFileSync(`${dir}/cert.pem`, 'utf8'),
    key: readFileSync(`${dir}/key.pem`, 'utf8'),
    certFile: `${dir}/cert.pem`,
    keyFile: `${dir}/key.pem`,
  };
}

/** The base64 body of a PEM block (what would show if a key were printed). */
const pemBody = (pem: string) =>
  pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');

describe('serving protections: Host allow-list, security headers, CSP, token, TLS, secrets', () => {
  const prefix = uniqueName('svsec');
  const servers: RunningServer[] = [];
  const serve = async (env: Record<string, string> = {}, host?: string) => {
    const s = await startServe(testConfig({ SEARCH_INDEX_PREFIX: prefix, ...env }), { port: 0, host });
    servers.push(s);
    return s;
  };
  let plain: RunningServer;
  let tls: ReturnType<typeof selfSigned>;
  let browser: Browser | undefined;

  beforeAll(async () => {
    plain = await serve();
    tls = selfSigned();
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.stop();
    if (tls) rmSync(tls.dir, { recursive: true, force: true });
  });

  it('answers a Host that is not allowed with 403 (DNS rebinding), loopback names and IP literals by route', async () => {
    const at = (host?: string) => get(`${plain.url}/openapi.json`, host === undefined ? {} : { host });
    const got: [string, number][] = [];
    for (const host of [
      'evil.example',
      `evil.example:${plain.port}`,
      `localhost.evil.example:${plain.port}`,
      'rebind.attacker.test',
      `localhost:${plain.port}`,
      'localhost',
      `app.localhost:${plain.port}`,
      `127.0.0.1:${plain.port}`,
      '[::1]',
      '192.168.1.20:8080',
    ]) {
      got.push([host, (await at(host)).status]);
    }
    expect(got).toEqual([
      ['evil.example', 403],
      [`evil.example:${plain.port}`, 403],
      [`localhost.evil.example:${plain.port}`, 403],
      ['rebind.attacker.test', 403],
      [`localhost:${plain.port}`, 200],
      ['localhost', 200],
      [`app.localhost:${plain.port}`, 200],
      [`127.0.0.1:${plain.port}`, 200],
      ['[::1]', 200],
      ['192.168.1.20:8080', 200],
    ]);
    const denied = await at('evil.example');
    expect(denied.json?.error).toMatch(/not allowed.*SERVE_ALLOWED_HOSTS/);
    // Every route, the API and the dashboard alike.
    for (const path of ['/', '/api/viewership', '/api/health', '/assets/dashboard.js', '/nothing'])
      expect((await get(`${plain.url}${path}`, { host: 'evil.example' })).status, path).toBe(403);
  });

  it('answers the names of SERVE_ALLOWED_HOSTS instead of the loopback names', async () => {
    const s = await serve({ SERVE_ALLOWED_HOSTS: 'dash.example.com,.corp.test' });
    const status = async (host: string) => (await get(`${s.url}/openapi.json`, { host })).status;
    expect([
      await status('dash.example.com'),
      await status('a.corp.test:8080'),
      await status('localhost'),
      await status('evil.example'),
      await status('127.0.0.1'),
    ]).toEqual([200, 200, 403, 403, 200]);
  });

  it('sends the security headers on every response: pages, files, API answers and errors', async () => {
    for (const path of [
      '/',
      '/assets/dashboard.js',
      '/openapi.json',
      '/api/viewership?interval=week',
      '/nothing',
      '/api/health',
    ]) {
      const r = await get(`${plain.url}${path}`);
      expect(r.headers, path).toMatchObject({
        'content-security-policy': expect.stringMatching(
          /default-src 'none'.*script-src 'self'.*frame-ancestors 'none'/,
        ),
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(r.headers['content-security-policy'], path).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(r.headers['strict-transport-security'], path).toBeUndefined();
    }
  });

  it('runs the dashboard under its CSP in Chromium without a single violation, behind the token too', async () => {
    browser = await launchChromium();
    const guarded = await serve({ SERVE_AUTH_TOKEN: TOKEN });
    for (const [server, credentials] of [
      [plain, undefined],
      [guarded, { username: 'viewer', password: TOKEN }],
    ] as const) {
      const context = await browser.newContext({ httpCredentials: credentials });
      const page = await context.newPage();
      await page.addInitScript(() => {
        const w = globalThis as unknown as {
          __csp: string[];
          addEventListener: (t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void) => void;
        };
        w.__csp = [];
        w.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const consoleCsp: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
      });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${server.url}/?refreshMs=1000`);
      // The page's own module scripts ran, fetched the API and drew the health panel (its markup once had inline styles).
      await page.waitForFunction(
        () => (globalThis as unknown as { __dashboard?: { polls: number } }).__dashboard!.polls > 0,
        null,
        { timeout: 60_000 },
      );
      expect(await page.locator('#services li').count()).toBe(4);
      // The status bar (its legend swatches once had a style attribute), drawn with data.
      // A string, not a function: the test runner would rewrite a function's import().
      await page.evaluate(
        `import('/assets/charts.js').then((m) => m.statusStack(document.getElementById('chart-status'), { '2xx': 30, '4xx': 5, '5xx': 2 }))`,
      );
      expect(await page.locator('#chart-status .swatch').count()).toBe(3);
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp), server.url).toEqual([]);
      expect(consoleCsp).toEqual([]);
      expect(pageErrors).toEqual([]);
      // And an inline script would be refused: the policy really is in force.
      await page.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: { createElement: (t: string) => { textContent: string }; body: { append: (e: unknown) => void } };
          }
        ).document;
        const s = d.createElement('script');
        s.textContent = '(globalThis.__inline = true)';
        d.body.append(s);
      });
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => (globalThis as unknown as { __inline?: boolean }).__inline)).toBeUndefined();
      expect((await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp)).join()).toMatch(
        /script-src/,
      );
      await context.close();
    }
  });

  it('requires the token when SERVE_AUTH_TOKEN is set: 401 with a challenge, Bearer or Basic accepted', async () => {
    const s = await serve({ SERVE_AUTH_TOKEN: TOKEN });
    const none = await get(`${s.url}/api/viewership`);
    expect([none.status, none.headers['www-authenticate']]).toEqual([
      401,
      expect.stringMatching(/^Basic realm="viewership"/),
    ]);
    expect(none.json?.error).toMatch(/Authorization: Bearer/);
    for (const path of ['/', '/openapi.json', '/api/health', '/assets/dashboard.js'])
      expect((await get(`${s.url}${path}`)).status, path).toBe(401);
    expect((await get(`${s.url}/openapi.json`, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect(
      (
        await get(`${s.url}/openapi.json`, {
          authorization: `Basic ${Buffer.from(`u:${TOKEN.slice(0, -1)}`).toString('base64')}`,
        })
      ).status,
    ).toBe(401);
    expect((await get(`${s.url}/openapi.json`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(
      (
        await get(`${s.url}/api/viewership`, {
          authorization: `Basic ${Buffer.from(`anyone:${TOKEN}`).toString('base64')}`,
        })
      ).status,
    ).toBe(200);
    // From a file instead of the environment.
    const file = `${tls.dir}/token`;
    writeFileSync(file, `${TOKEN}-from-file\n`, { mode: 0o600 });
    const f = await serve({ SERVE_AUTH_TOKEN_FILE: file });
    expect([
      (await get(`${f.url}/openapi.json`)).status,
      (await get(`${f.url}/openapi.json`, { authorization: `Bearer ${TOKEN}-from-file` })).status,
    ]).toEqual([401, 200]);
  });

  it('speaks HTTPS from SERVE_TLS_CERT_FILE/SERVE_TLS_KEY_FILE with Strict-Transport-Security', async () => {
    const s = await serve({
      SERVE_TLS_CERT_FILE: tls.certFile,
      SERVE_TLS_KEY_FILE: tls.keyFile,
      SERVE_AUTH_TOKEN: TOKEN,
    });
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await get(`${s.url}/api/viewership`, { authorization: `Bearer ${TOKEN}` }, tls.cert);
    expect([r.status, r.headers['strict-transport-security']]).toEqual([200, 'max-age=31536000']);
    await expect(get(`${s.url.replace('https:', 'http:')}/openapi.json`)).rejects.toThrow();
    await expect(get(`${s.url}/openapi.json`)).rejects.toThrow(/self-signed|certificate/i); // no trust without the CA
  });

  it(
    'never prints the token or the TLS key: a served run, config errors and `viewership config`',
    { timeout: 120_000 },
    async () => {
      const env = {
        SEARCH_INDEX_PREFIX: prefix,
        SERVE_AUTH_TOKEN: TOKEN,
        SERVE_TLS_CERT_FILE: tls.certFile,
        SERVE_TLS_KEY_FILE: tls.keyFile,
        VIEWERSHIP_CLIENT_LOG: '/dev/null',
      };
      const secrets = [TOKEN, pemBody(tls.key), Buffer.from(`viewer:${TOKEN}`).toString('base64')];
      const leaks = (text: string) => secrets.filter((x) => text.includes(x) || text.includes(x.slice(0, 24)));

      // A served run: requests with no, wrong and right credentials, bad parameters, then SIGTERM.
      const child = spawn('node', ['bin/viewership.mjs', 'serve', '--port', '0'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /dashboard: (https:\/\/[^/\s]+)\//.exec(out);
          if (m) {
            clearInterval(timer);
            resolve(m[1]!);
          }
        }, 100);
        void exited.then(() => (clearInterval(timer), reject(new Error(`serve exited: ${out}`))));
      });
      const replies: Reply[] = [];
      const credentials: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong-token-0123456789' },
        { authorization: `Bearer ${TOKEN}` },
        { authorization: `Basic ${secrets[2]}` },
      ];
      for (const headers of credentials) {
        for (const path of [
          '/api/viewership',
          '/api/viewership?from=2026-02-30',
          '/api/health',
          '/nothing',
          '/openapi.json',
        ])
          replies.push(await get(`${url}${path}`, headers, tls.cert));
      }
      expect(replies.map((r) => r.status)).toEqual([
        401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 200, 400, 200, 404, 200, 200, 400, 200, 404, 200,
      ]);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/dashboard: https:/);
      expect(leaks(out)).toEqual([]);
      expect(leaks(replies.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join('\n'))).toEqual([]);

      // Configuration errors name the variable, never the value.
      const run = (args: string[], extra: Record<string, string>) => {
        try {
          return {
            code: 0,
            out: execFileSync('node', ['bin/viewership.mjs', ...args], {
              env: { ...process.env, ...extra },
              encoding: 'utf8',
              stdio: ['ignore', 'pipe', 'pipe'],
            }),
          };
        } catch (err) {
          const e = err as { status: number; stdout: string; stderr: string };
          return { code: e.status, out: `${e.stdout}${e.stderr}` };
        }
      };
      const short = `${TOKEN.slice(0, 12)}`;
      const tooShort = run(['serve', '--port', '0'], { SERVE_AUTH_TOKEN: short });
      expect([tooShort.code, tooShort.out]).toEqual([
        2,
        expect.stringMatching(/SERVE_AUTH_TOKEN: must be at least 16 characters/),
      ]);
      expect(tooShort.out).not.toContain(short);
      const both = run(['serve', '--port', '0'], { SERVE_AUTH_TOKEN: TOKEN, SERVE_AUTH_TOKEN_FILE: tls.keyFile });
      expect([both.code, leaks(both.out)]).toEqual([2, []]);
      const badKey = run(['serve', '--port', '0'], {
        SERVE_TLS_CERT_FILE: tls.certFile,
        SERVE_TLS_KEY_FILE: tls.certFile,
        SEARCH_INDEX_PREFIX: prefix,
      });
      expect([badKey.code, badKey.out]).toEqual([
        2,
        expect.stringMatching(/SERVE_TLS_CERT_FILE\/SERVE_TLS_KEY_FILE: not a usable PEM/),
      ]);
      expect(leaks(badKey.out)).toEqual([]);
      const listed = run(['config', '--json'], env);
      expect([listed.code, leaks(listed.out)]).toEqual([0, []]);
      expect(listed.out).toContain('SERVE_AUTH_TOKEN');
      // The config object prints without it too.
      const cfg = testConfig({ SERVE_AUTH_TOKEN: TOKEN });
      expect(cfg.serve.auth.token).toBe(TOKEN);
      expect(leaks(JSON.stringify(cfg))).toEqual([]);
      const { inspect } = await import('node:util');
      expect(leaks(inspect(cfg, { depth: 10 }))).toEqual([]);
    },
  );
});
