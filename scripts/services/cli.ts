/**
 * `npm run services -- up|down|status [--json] [name...]`: install, start, stop and inspect the real
 * servers (PostgreSQL, Temporal, Kafka, OpenSearch, Elasticsearch, Superset) on 127.0.0.1, without Docker.
 */
import { fileURLToPath } from 'node:url';
import { contextFor, down, ServiceStartError, status, up } from './manager.js';
import { selectServices } from './registry.js';
import type { ServiceDef } from './types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
/** Where services keep caches, data, logs and pids (`.services/` unless $VIEWERSHIP_SERVICES_DIR). */
export const HOME = process.env.VIEWERSHIP_SERVICES_DIR ?? `${ROOT}/.services`;

const USAGE = `usage: npm run services -- <up|down|status> [--json] [service...]

  up       install what is missing (cached under .services/cache), start every service in the
           background on 127.0.0.1, wait until each answers a real request, create topics,
           search attributes and database schema, import the Superset dashboard. Idempotent.
           Superset is optional: when PyPI cannot be reached to install it, one line says so
           and the other services go on.
  down     stop the services this project started (by recorded pid); nothing else.
  status   one line per service: name, version, address, up/down (--json for machines).

services: postgres, temporal, kafka, opensearch, elasticsearch, superset (default: all, or $VIEWERSHIP_SERVICES)
example:  npm run services -- up kafka opensearch
          npm run services -- status --json`;

/** A context factory bound to this process's environment and a stderr progress printer. */
export function contexts(log = (m: string) => console.error(`[services] ${m}`)) {
  return (svc: ServiceDef) => contextFor(svc, ROOT, HOME, process.env, log);
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const [cmd, ...names] = argv.filter((a) => a !== '--json');
  if (!cmd || cmd === 'help' || argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const services = await selectServices(names, process.env);
  const mk = contexts();
  const t0 = Date.now();
  switch (cmd) {
    case 'up': {
      const { started, skipped } = await up(services, mk);
      console.error(
        `[services] up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${started.length ? `started: ${started.join(', ')}` : skipped.length ? 'nothing started' : 'all already running'}` +
          `${skipped.length ? `; skipped: ${skipped.join(', ')}` : ''})`,
      );
      printStatus(await status(services, mk), json);
      return 0;
    }
    case 'down':
      await down(services, mk);
      console.error(`[services] down in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    case 'status': {
      const rows = await status(services, mk);
      printStatus(rows, json);
      return rows.every((r) => r.up) ? 0 : 3;
    }
    default:
      console.error(`unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

function printStatus(rows: Awaited<ReturnType<typeof status>>, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  for (const r of rows) {
    const state = r.up ? 'up' : r.skipped ? 'skipped' : 'down';
    console.log(
      `${r.name.padEnd(14)} ${state.padEnd(7)} ${r.address.padEnd(44)} ${r.version}${r.pid ? `  [pid ${r.pid}]` : ''}${r.skipped ? `  (${r.skipped})` : ''}`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof ServiceStartError ? `[services] FAILED: ${err.message}` : err);
      process.exit(1);
    },
  );
}
