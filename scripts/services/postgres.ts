/**
 * PostgreSQL (Debian package) for the customer-profiles dimension: a project-owned cluster under the
 * service data dir (not the system cluster), TCP on 127.0.0.1 only, a role and database for the project,
 * and the profiles schema migrations applied.
 */
import { chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { migratePostgres } from '../../adapters/profiles/postgres.js';
import { ensureLocalSecrets } from './secrets.js';
import type { ServiceContext, ServiceDef } from './types.js';
import { portFrom, run, spawnDetached } from './util.js';

const isRoot = () => process.getuid?.() === 0;

/** Directory of the newest installed PostgreSQL server binaries (prefers 15), or undefined. */
function pgBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(`${base}/${v}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  const pick = versions.includes('15') ? '15' : versions[0];
  return pick ? `${base}/${pick}/bin` : undefined;
}

const settings = (env: NodeJS.ProcessEnv) => ({
  port: portFrom(env, 'PROFILES_PG_PORT', 5433),
  database: env.PROFILES_PG_DATABASE ?? 'viewership',
  user: env.PROFILES_PG_USER ?? 'viewership',
});

/** Unix socket directory for superuser (trust) access; short path because sockets are limited to ~107 bytes. */
const socketDir = (ctx: ServiceContext) =>
  ctx.dataDir.length < 80 ? ctx.dataDir : `/tmp/viewership-pg-${settings(ctx.env).port}`;

/** Run a server binary as the `postgres` OS user when we are root (initdb/postgres refuse root). */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

async function superuserClient(ctx: ServiceContext): Promise<pg.Client> {
  const c = new pg.Client({
    host: socketDir(ctx),
    port: settings(ctx.env).port,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
  await c.connect();
  return c;
}

/** The PostgreSQL service definition. */
export const postgresService: ServiceDef = {
  name: 'postgres',
  version: 'PostgreSQL 15 (Debian package)',
  address: (ctx) => `127.0.0.1:${settings(ctx.env).port}`,
  async install(ctx) {
    if (pgBinDir()) return;
    if (!isRoot())
      throw new Error('PostgreSQL server is not installed and we are not root: run `apt-get install -y postgresql`');
    ctx.log('postgres: installing Debian package postgresql');
    await run('apt-get', ['update', '-qq']);
    await run('apt-get', ['install', '-y', '-qq', 'postgresql'], {
      env: { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  },
  async start(ctx) {
    const bin = pgBinDir();
    if (!bin) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
    const { port } = settings(ctx.env);
    if (isRoot()) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(ctx.dataDir, uid, gid);
    }
    if (!existsSync(`${ctx.dataDir}/PG_VERSION`)) {
      ctx.log('postgres: initdb (first run)');
      const [cmd, args] = asPostgres(`${bin}/initdb`, [
        '-D',
        ctx.dataDir,
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
      ]);
      await run(cmd, args);
    }
    writeFileSync(
      `${ctx.dataDir}/postgresql.auto.conf`,
      [
        `listen_addresses = '127.0.0.1'`,
        `port = ${port}`,
        `unix_socket_directories = '${socketDir(ctx)}'`,
        `max_connections = 100`,
        `shared_buffers = '256MB'`,
        `fsync = on`,
        '',
      ].join('\n'),
    );
    if (isRoot()) execFileSync('chown', ['postgres:postgres', `${ctx.dataDir}/postgresql.auto.conf`]);
    const [cmd, args] = asPostgres(`${bin}/postgres`, ['-D', ctx.dataDir]);
    return spawnDetached(cmd, args, { logFile: ctx.logFile });
  },
  async ready(ctx) {
    try {
      const c = await superuserClient(ctx);
      try {
        const r = await c.query('select version() as v');
        return String(r.rows[0]?.v).startsWith('PostgreSQL');
      } finally {
        await c.end();
      }
    } catch {
      return false;
    }
  },
  async setup(ctx) {
    const { database, user, port } = settings(ctx.env);
    const { PROFILES_PG_PASSWORD: password } = ensureLocalSecrets(ctx.home, ctx.env);
    const c = await superuserClient(ctx);
    try {
      const role = await c.query('select 1 from pg_roles where rolname = $1', [user]);
      const verb = role.rowCount ? 'ALTER' : 'CREATE';
      // Identifiers and the password are quoted server-side by format(): inputs only travel as bind variables.
      const ddl = await c.query(`select format('${verb} ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) as sql`, [
        user,
        password,
      ]);
      await c.query(ddl.rows[0].sql);
      const db = await c.query('select 1 from pg_database where datname = $1', [database]);
      if (!db.rowCount) {
        const create = await c.query(`select format('CREATE DATABASE %I OWNER %I', $1::text, $2::text) as sql`, [
          database,
          user,
        ]);
        await c.query(create.rows[0].sql);
      }
    } finally {
      await c.end();
    }
    const pool = new pg.Pool({ host: '127.0.0.1', port, database, user, password, max: 1 });
    try {
      const applied = await migratePostgres(pool);
      if (applied.length) ctx.log(`postgres: applied migrations ${applied.join(', ')}`);
    } finally {
      await pool.end();
    }
  },
  async stop(_ctx, pid) {
    // SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected and the cluster stops cleanly.
    // The provisioner escalates to SIGKILL if the group is still alive after its grace period.
    process.kill(-pid, 'SIGINT');
  },
  startTimeoutMs: 60_000,
};
