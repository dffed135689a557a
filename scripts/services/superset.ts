/**
 * Apache Superset (the ad-analytics dashboard) from PyPI: a virtualenv under the cache with every dependency pinned
 * by hash (`superset/requirements.txt`, installed with uv), SQLite metadata in the service's data dir, gunicorn on
 * 127.0.0.1. Start runs `superset db upgrade`, `fab create-admin` (or resets the admin password) and `superset init`
 * once per install and secret; setup applies the PostgreSQL migrations and imports `superset/assets/` (the local
 * PostgreSQL as a database, the `ad_metrics_minute` dataset, its charts and the "Ad performance" dashboard) through
 * the REST API, overwriting what an earlier import made. Optional: when PyPI cannot be reached to install it, `up`
 * goes on without it.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migratePostgres } from '../../adapters/profiles/postgres.js';
import { ensureLocalSecrets } from './secrets.js';
import { ServiceUnavailableError, type ServiceContext, type ServiceDef } from './types.js';
import { httpGet, portFrom, run, spawnDetached } from './util.js';

/** Pinned Apache Superset (with its whole dependency tree in `superset/requirements.txt`). */
export const SUPERSET_VERSION = '6.1.0';
/** uv, the installer used for the hash-pinned requirements (about 10x faster than pip here). */
const UV_VERSION = '0.13.9';
/** The admin user created at first start; its password is SUPERSET_ADMIN_PASSWORD in `.services/secrets.env`. */
export const SUPERSET_ADMIN = 'admin';
/** Slug of the imported dashboard (`superset/assets/dashboards/Ad_performance.yaml`). */
export const DASHBOARD_SLUG = 'ad-performance';

const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../superset');
const REQUIREMENTS = join(PROJECT_DIR, 'requirements.txt');
const CONFIG = join(PROJECT_DIR, 'superset_config.py');
const ASSETS = join(PROJECT_DIR, 'assets');
/** The database file inside the bundle; its password travels separately in the import request. */
const DATABASE_FILE = 'databases/viewership.yaml';

const port = (env: NodeJS.ProcessEnv) => portFrom(env, 'SUPERSET_PORT', 8088);
/** Base URL of the local Superset (no trailing slash). */
export const supersetUrl = (env: NodeJS.ProcessEnv = process.env): string => `http://127.0.0.1:${port(env)}`;
const venv = (ctx: Pick<ServiceContext, 'cacheDir'>) => `${ctx.cacheDir}/superset-venv`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** The PostgreSQL the dashboard reads: the PROFILES_PG_* settings with the defaults of lib/config.ts. */
const pgSettings = (env: NodeJS.ProcessEnv) => ({
  host: env.PROFILES_PG_HOST ?? '127.0.0.1',
  port: portFrom(env, 'PROFILES_PG_PORT', 5433),
  database: env.PROFILES_PG_DATABASE ?? 'viewership',
  user: env.PROFILES_PG_USER ?? 'viewership',
});

/** Environment of every Superset process: config module, secret key and data dir (never printed). */
function supersetEnv(ctx: ServiceContext): NodeJS.ProcessEnv {
  const { SUPERSET_SECRET_KEY } = ensureLocalSecrets(ctx.home, ctx.env);
  return {
    ...ctx.env,
    SUPERSET_CONFIG_PATH: CONFIG,
    SUPERSET_SECRET_KEY,
    SUPERSET_DATA_DIR: ctx.dataDir,
    SUPERSET_HOME: ctx.dataDir,
    FLASK_APP: 'superset',
    PYTHONUNBUFFERED: '1',
    PATH: `${venv(ctx)}/bin:${ctx.env.PATH ?? ''}`,
  };
}

/** True when the package index answers at all (any HTTP status); false on DNS/connect/TLS failure or timeout. */
async function indexReachable(env: NodeJS.ProcessEnv): Promise<boolean> {
  const url = env.UV_DEFAULT_INDEX ?? env.UV_INDEX_URL ?? env.PIP_INDEX_URL ?? 'https://pypi.org/simple/';
  try {
    await fetch(`${url.replace(/\/$/, '')}/uv/`, { signal: AbortSignal.timeout(10_000) });
    return true;
  } catch {
    return false;
  }
}

/** Run a `superset` CLI command with the service environment, appending its output to the service log. */
async function supersetCli(ctx: ServiceContext, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  appendFileSync(ctx.logFile, `\n$ superset ${args.join(' ')}\n`);
  const r = await run(`${venv(ctx)}/bin/superset`, args, {
    cwd: ctx.dataDir,
    env: { ...supersetEnv(ctx), ...extraEnv },
    timeoutMs: 10 * 60_000,
    allowFail: true,
  });
  appendFileSync(ctx.logFile, r.stdout + r.stderr);
  if (r.code !== 0) throw new Error(`superset ${args.join(' ')} failed (exit ${r.code}); see ${ctx.logFile}`);
  return r.stdout + r.stderr;
}

/**
 * Metadata database schema, admin user (created, or its password reset to the generated one) and roles. Skipped when
 * a stamp says it ran for this install and these secrets; each step is idempotent anyway.
 */
async function bootstrap(ctx: ServiceContext): Promise<void> {
  const { SUPERSET_SECRET_KEY, SUPERSET_ADMIN_PASSWORD } = ensureLocalSecrets(ctx.home, ctx.env);
  const stampFile = `${ctx.dataDir}/.bootstrapped`;
  const stamp = `${sha(readFileSync(REQUIREMENTS, 'utf8'))} ${sha(`${SUPERSET_SECRET_KEY}\n${SUPERSET_ADMIN_PASSWORD}`)}\n`;
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  const t0 = Date.now();
  ctx.log('superset: db upgrade, admin user, init (first start only)');
  await supersetCli(ctx, ['db', 'upgrade']);
  // Click reads options from FLASK_<COMMAND>_<OPTION>: the password never appears on a command line or in the log.
  const created = await supersetCli(
    ctx,
    [
      'fab',
      'create-admin',
      '--username',
      SUPERSET_ADMIN,
      '--firstname',
      'Superset',
      '--lastname',
      'Admin',
      '--email',
      'admin@localhost',
    ],
    {
      FLASK_FAB_CREATE_ADMIN_PASSWORD: SUPERSET_ADMIN_PASSWORD,
    },
  );
  if (/already exists/i.test(created)) {
    await supersetCli(ctx, ['fab', 'reset-password', '--username', SUPERSET_ADMIN], {
      FLASK_FAB_RESET_PASSWORD_PASSWORD: SUPERSET_ADMIN_PASSWORD,
    });
  }
  await supersetCli(ctx, ['init']);
  writeFileSync(stampFile, stamp);
  ctx.log(`superset: metadata ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Zip of `superset/assets/` with the database's connection filled in (made with the venv's Python `zipfile`). */
async function assetsBundle(ctx: ServiceContext): Promise<Buffer> {
  const work = `${ctx.dataDir}/import-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  try {
    const root = `${work}/ad_analytics`;
    cpSync(ASSETS, root, { recursive: true });
    const s = pgSettings(ctx.env);
    const dbFile = `${root}/${DATABASE_FILE}`;
    const filled = readFileSync(dbFile, 'utf8')
      .replace('{user}', encodeURIComponent(s.user))
      .replace('{host}', s.host)
      .replace('{port}', String(s.port))
      .replace('{database}', encodeURIComponent(s.database));
    writeFileSync(dbFile, filled);
    await run(`${venv(ctx)}/bin/python`, ['-m', 'zipfile', '-c', `${work}/bundle.zip`, 'ad_analytics'], { cwd: work });
    return readFileSync(`${work}/bundle.zip`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A logged-in Superset REST client: JWT from /api/v1/security/login, plus the CSRF token and session cookie that
 * Superset requires on state-changing requests.
 */
export class SupersetClient {
  private constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly csrf: string,
    private readonly cookie: string,
  ) {}

  /** Log in with a database user (the generated admin by default). */
  static async login(baseUrl: string, username: string, password: string): Promise<SupersetClient> {
    const res = await fetch(`${baseUrl}/api/v1/security/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password, provider: 'db', refresh: false }),
      signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok)
      throw new Error(`Superset login as ${username} failed: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const { access_token: token } = (await res.json()) as { access_token: string };
    const c = await fetch(`${baseUrl}/api/v1/security/csrf_token/`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(60_000),
    });
    if (!c.ok) throw new Error(`Superset CSRF token: HTTP ${c.status}`);
    const { result: csrf } = (await c.json()) as { result: string };
    const cookie = c.headers
      .getSetCookie()
      .map((v) => v.split(';')[0])
      .join('; ');
    return new SupersetClient(baseUrl, token, csrf, cookie);
  }

  /** Request `path` (relative to the base URL); JSON body for plain objects, multipart for FormData. Throws on HTTP errors. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      'x-csrftoken': this.csrf,
      referer: `${this.baseUrl}/`,
      accept: 'application/json',
    };
    if (this.cookie) headers.cookie = this.cookie;
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Superset ${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
}

/** Log in as the generated admin of the local Superset (password from `.services/secrets.env`). */
export function loginAsAdmin(home: string, env: NodeJS.ProcessEnv = process.env): Promise<SupersetClient> {
  return SupersetClient.login(supersetUrl(env), SUPERSET_ADMIN, ensureLocalSecrets(home, env).SUPERSET_ADMIN_PASSWORD);
}

/** The Superset service definition (HTTP on 127.0.0.1:$SUPERSET_PORT, default 8088). */
export const supersetService: ServiceDef = {
  name: 'superset',
  version: `Apache Superset ${SUPERSET_VERSION} (PyPI, gunicorn, SQLite metadata)`,
  address: (ctx) => supersetUrl(ctx.env),
  optional: true,
  async install(ctx) {
    const dir = venv(ctx);
    const stamp = `${dir}/.installed-${sha(readFileSync(REQUIREMENTS, 'utf8'))}`;
    if (existsSync(stamp)) return;
    const t0 = Date.now();
    ctx.log(
      `superset: installing apache-superset==${SUPERSET_VERSION} and psycopg2-binary from PyPI into ${dir} (hash-pinned, first run only)`,
    );
    try {
      // `uv pip sync` makes the venv exactly the lock file: it completes a half-done install and upgrades an old one.
      if (!existsSync(`${dir}/bin/python`)) await run(ctx.env.PYTHON ?? 'python3', ['-m', 'venv', dir]);
      if (!existsSync(`${dir}/bin/uv`))
        await run(`${dir}/bin/pip`, ['install', '--quiet', '--disable-pip-version-check', `uv==${UV_VERSION}`], {
          timeoutMs: 5 * 60_000,
        });
      const uvEnv: NodeJS.ProcessEnv = { ...ctx.env, UV_CACHE_DIR: `${ctx.cacheDir}/uv` };
      if (ctx.env.PIP_INDEX_URL && !ctx.env.UV_DEFAULT_INDEX && !ctx.env.UV_INDEX_URL)
        uvEnv.UV_DEFAULT_INDEX = ctx.env.PIP_INDEX_URL;
      await run(
        `${dir}/bin/uv`,
        ['pip', 'sync', '--quiet', '--python', `${dir}/bin/python`, '--require-hashes', REQUIREMENTS],
        { env: uvEnv, timeoutMs: 10 * 60_000 },
      );
    } catch (err) {
      if (!(await indexReachable(ctx.env))) {
        throw new ServiceUnavailableError(
          'the Python package index (PyPI) cannot be reached to install Apache Superset',
        );
      }
      throw err;
    }
    for (const bin of ['superset', 'gunicorn'])
      if (!existsSync(`${dir}/bin/${bin}`)) throw new Error(`Superset installed but ${dir}/bin/${bin} is missing`);
    writeFileSync(stamp, `${new Date().toISOString()} ${Date.now() - t0} ms\n`);
    ctx.log(`superset: installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  },
  async start(ctx) {
    mkdirSync(`${ctx.dataDir}/uploads`, { recursive: true });
    await bootstrap(ctx);
    const args = [
      '--bind',
      `127.0.0.1:${port(ctx.env)}`,
      '--workers',
      '1',
      '--worker-class',
      'gthread',
      '--threads',
      '8',
      '--timeout',
      '120',
      '--graceful-timeout',
      '10',
      '--limit-request-line',
      '0',
      '--limit-request-field_size',
      '0',
      'superset.app:create_app()',
    ];
    return spawnDetached(`${venv(ctx)}/bin/gunicorn`, args, {
      cwd: ctx.dataDir,
      env: supersetEnv(ctx),
      logFile: ctx.logFile,
    });
  },
  async ready(ctx) {
    try {
      const r = await httpGet(`${supersetUrl(ctx.env)}/health`);
      return r.status === 200 && r.body.trim() === 'OK';
    } catch {
      return false;
    }
  },
  async setup(ctx) {
    const t0 = Date.now();
    const { PROFILES_PG_PASSWORD } = ensureLocalSecrets(ctx.home, ctx.env);
    // The dashboard reads the ad-analytics view: the project's migrations must have run (idempotent).
    const pool = new pg.Pool({ ...pgSettings(ctx.env), password: PROFILES_PG_PASSWORD, max: 1 });
    try {
      await migratePostgres(pool);
    } finally {
      await pool.end();
    }
    const client = await loginAsAdmin(ctx.home, ctx.env);
    const form = new FormData();
    form.append('bundle', new Blob([await assetsBundle(ctx)], { type: 'application/zip' }), 'ad_analytics.zip');
    form.append('passwords', JSON.stringify({ [DATABASE_FILE]: PROFILES_PG_PASSWORD }));
    await client.post('/api/v1/assets/import/', form);
    ctx.log(
      `superset: dashboard imported in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${supersetUrl(ctx.env)}/superset/dashboard/${DASHBOARD_SLUG}/ (user ${SUPERSET_ADMIN}, password SUPERSET_ADMIN_PASSWORD in .services/secrets.env)`,
    );
  },
  startTimeoutMs: 180_000,
};
