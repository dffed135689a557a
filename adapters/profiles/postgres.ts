/** PostgreSQL implementation of the profiles store (`pg`), plus its schema migrations runner. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ChangedProfiles, CustomerProfile, ProfilesStore, ProfileWatermark } from './types.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/postgres/', import.meta.url));
const COLUMNS = `customer_id, name, email, country, plan, to_char(signup_date, 'YYYY-MM-DD') AS signup_date, updated_at`;

/** Connection settings for the PostgreSQL profiles store. */
export interface PostgresProfilesOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** TLS (PROFILES_PG_SSLMODE: `pgSsl` in lib/security.ts); undefined = no TLS. */
  ssl?: { rejectUnauthorized: boolean; ca?: string };
  /** Pool size (connections). */
  maxConnections?: number;
}

function toProfile(r: Record<string, unknown>): CustomerProfile {
  return {
    customerId: String(r.customer_id),
    name: String(r.name),
    email: (r.email as string | null) ?? null,
    country: String(r.country),
    plan: String(r.plan),
    signupDate: (r.signup_date as string | null) ?? null,
    updatedAt: r.updated_at as Date,
  };
}

/**
 * Apply pending `migrations/postgres/*.sql` files in name order, each in its own transaction, recorded in
 * `schema_migrations`; an advisory lock keeps concurrent callers from racing. Returns the files applied now.
 */
export async function migratePostgres(pool: pg.Pool): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(727001)');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query('SELECT name FROM schema_migrations')).rows.map((r) => r.name as string));
    for (const file of readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      if (done.has(file)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(MIGRATIONS_DIR + file, 'utf8'));
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
        applied.push(file);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(727001)').catch(() => undefined);
    client.release();
  }
  return applied;
}

/** Build a PostgreSQL-backed profiles store with its own connection pool. */
export function createPostgresProfilesStore(opts: PostgresProfilesOptions): ProfilesStore {
  const pool = new pg.Pool({
    host: opts.host,
    port: opts.port,
    database: opts.database,
    user: opts.user,
    password: opts.password,
    ssl: opts.ssl,
    max: opts.maxConnections ?? 4,
    connectionTimeoutMillis: 5000,
  });
  return {
    kind: 'postgres',
    async ping() {
      const r = await pool.query('SELECT version() AS v');
      return String(r.rows[0].v);
    },
    async upsert(profiles) {
      if (profiles.length === 0) return 0;
      const cols = (f: (p: CustomerProfile) => unknown) => profiles.map(f);
      const r = await pool.query(
        `INSERT INTO customer_profiles (customer_id, name, email, country, plan, signup_date)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[])
         ON CONFLICT (customer_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,
           country = EXCLUDED.country, plan = EXCLUDED.plan, signup_date = EXCLUDED.signup_date`,
        [
          cols((p) => p.customerId),
          cols((p) => p.name),
          cols((p) => p.email),
          cols((p) => p.country),
          cols((p) => p.plan),
          cols((p) => p.signupDate),
        ],
      );
      return r.rowCount ?? 0;
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      const r = await pool.query(`SELECT ${COLUMNS} FROM customer_profiles WHERE customer_id = ANY($1::text[])`, [ids]);
      return r.rows.map(toProfile);
    },
    async changedSince(after: ProfileWatermark | null, limit: number): Promise<ChangedProfiles> {
      const r = after
        ? await pool.query(
            `SELECT ${COLUMNS} FROM customer_profiles WHERE (updated_at, customer_id) > ($1::timestamptz, $2::text)
             ORDER BY updated_at, customer_id LIMIT $3`,
            [after.updatedAt, after.customerId, limit],
          )
        : await pool.query(`SELECT ${COLUMNS} FROM customer_profiles ORDER BY updated_at, customer_id LIMIT $1`, [
            limit,
          ]);
      const rows = r.rows.map(toProfile);
      const last = rows.at(-1);
      return { rows, next: last ? { updatedAt: last.updatedAt!, customerId: last.customerId } : null };
    },
    async dimensions() {
      const r = await pool.query<[string, string, string]>({
        text: 'SELECT customer_id, country, plan FROM customer_profiles',
        rowMode: 'array',
      });
      return {
        customerIds: r.rows.map((x) => x[0]),
        countries: r.rows.map((x) => x[1]),
        plans: r.rows.map((x) => x[2]),
      };
    },
    async deleteMany(ids) {
      if (ids.length === 0) return 0;
      const r = await pool.query('DELETE FROM customer_profiles WHERE customer_id = ANY($1::text[])', [ids]);
      return r.rowCount ?? 0;
    },
    async count() {
      const r = await pool.query('SELECT count(*)::int AS n FROM customer_profiles');
      return r.rows[0].n as number;
    },
    async close() {
      await pool.end();
    },
  };
}
