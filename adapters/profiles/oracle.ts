/**
 * Oracle implementation of the profiles store (`oracledb` in thin mode: no Instant Client needed).
 * Production's dimension lives here; contract tests run against it when ORACLE_* variables are set.
 */
import { oracleTls } from '../../lib/security.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import oracledb from 'oracledb';
import type { ChangedProfiles, CustomerProfile, ProfilesStore, ProfileWatermark } from './types.js';

const MIGRATION = fileURLToPath(new URL('./migrations/oracle/001_customer_profiles.sql', import.meta.url));
const COLUMNS = `customer_id, name, email, country, plan, TO_CHAR(signup_date, 'YYYY-MM-DD') AS signup_date, updated_at`;
/** Oracle limits an IN list to 1000 expressions. */
const IN_CHUNK = 1000;

/** Connection settings for the Oracle profiles store. */
export interface OracleProfilesOptions {
  /** Easy Connect string, e.g. `db.example.com:1521/FREEPDB1`. */
  connectString: string;
  user: string;
  password: string;
  maxConnections?: number;
  /** Wallet / TLS settings passed to `createPool` (ORACLE_CONFIG_DIR, ORACLE_WALLET_*). */
  configDir?: string;
  walletLocation?: string;
  walletPassword?: string;
}

function toProfile(r: Record<string, unknown>): CustomerProfile {
  return {
    customerId: String(r.CUSTOMER_ID),
    name: String(r.NAME),
    email: (r.EMAIL as string | null) ?? null,
    country: String(r.COUNTRY).trim(),
    plan: String(r.PLAN),
    signupDate: (r.SIGNUP_DATE as string | null) ?? null,
    updatedAt: r.UPDATED_AT as Date,
  };
}

const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `:${i + 1}`).join(', ');

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Build an Oracle-backed profiles store; creates the schema on first use when it is missing. */
export function createOracleProfilesStore(opts: OracleProfilesOptions): ProfilesStore {
  let poolPromise: Promise<oracledb.Pool> | undefined;
  const pool = () =>
    (poolPromise ??= oracledb
      .createPool({
        user: opts.user,
        password: opts.password,
        connectString: opts.connectString,
        poolMax: opts.maxConnections ?? 4,
        ...oracleTls(opts),
      })
      .then(async (p) => {
        await ensureSchema(p);
        return p;
      }));

  async function withConn<T>(f: (c: oracledb.Connection) => Promise<T>): Promise<T> {
    const c = await (await pool()).getConnection();
    try {
      return await f(c);
    } finally {
      await c.close();
    }
  }

  async function ensureSchema(p: oracledb.Pool): Promise<void> {
    const c = await p.getConnection();
    try {
      const r = await c.execute<{ N: number }>(
        `SELECT COUNT(*) AS n FROM user_tables WHERE table_name = 'CUSTOMER_PROFILES'`,
        [],
        { outFormat: oracledb.OUT_FORMAT_OBJECT },
      );
      if (r.rows?.[0]?.N) return;
      for (const stmt of readFileSync(MIGRATION, 'utf8')
        .split(/^\/\s*$/m)
        .map((s) => s.replace(/^--.*$/gm, '').trim())
        .filter(Boolean)) {
        await c.execute(stmt);
      }
    } finally {
      await c.close();
    }
  }

  const query = (c: oracledb.Connection, sql: string, binds: oracledb.BindParameters) =>
    c.execute<Record<string, unknown>>(sql, binds, { outFormat: oracledb.OUT_FORMAT_OBJECT });

  return {
    kind: 'oracle',
    ping: () => withConn(async (c) => `Oracle ${c.oracleServerVersionString}`),
    upsert: (profiles) =>
      profiles.length === 0
        ? Promise.resolve(0)
        : withConn(async (c) => {
            const r = await c.executeMany(
              `MERGE INTO customer_profiles t
               USING (SELECT :customerId AS customer_id, :name AS name, :email AS email, :country AS country, :plan AS plan,
                             TO_DATE(:signupDate, 'YYYY-MM-DD') AS signup_date FROM dual) s
               ON (t.customer_id = s.customer_id)
               WHEN MATCHED THEN UPDATE SET t.name = s.name, t.email = s.email, t.country = s.country, t.plan = s.plan, t.signup_date = s.signup_date
               WHEN NOT MATCHED THEN INSERT (customer_id, name, email, country, plan, signup_date)
                 VALUES (s.customer_id, s.name, s.email, s.country, s.plan, s.signup_date)`,
              profiles.map((p) => ({
                customerId: p.customerId,
                name: p.name,
                email: p.email,
                country: p.country,
                plan: p.plan,
                signupDate: p.signupDate,
              })),
              { autoCommit: true },
            );
            return r.rowsAffected ?? 0;
          }),
    getMany: (ids) =>
      withConn(async (c) => {
        const out: CustomerProfile[] = [];
        for (const part of chunks(ids, IN_CHUNK)) {
          const r = await query(
            c,
            `SELECT ${COLUMNS} FROM customer_profiles WHERE customer_id IN (${placeholders(part.length)})`,
            part,
          );
          out.push(...(r.rows ?? []).map(toProfile));
        }
        return out;
      }),
    changedSince: (after: ProfileWatermark | null, limit: number): Promise<ChangedProfiles> =>
      withConn(async (c) => {
        const r = after
          ? await query(
              c,
              `SELECT ${COLUMNS} FROM customer_profiles
               WHERE updated_at > :ts OR (updated_at = :ts AND customer_id > :id)
               ORDER BY updated_at, customer_id FETCH FIRST :n ROWS ONLY`,
              { ts: after.updatedAt, id: after.customerId, n: limit },
            )
          : await query(
              c,
              `SELECT ${COLUMNS} FROM customer_profiles ORDER BY updated_at, customer_id FETCH FIRST :n ROWS ONLY`,
              { n: limit },
            );
        const rows = (r.rows ?? []).map(toProfile);
        const last = rows.at(-1);
        return { rows, next: last ? { updatedAt: last.updatedAt!, customerId: last.customerId } : null };
      }),
    dimensions: () =>
      withConn(async (c) => {
        const r = await c.execute<[string, string, string]>(
          'SELECT customer_id, country, plan FROM customer_profiles',
          [],
          {
            outFormat: oracledb.OUT_FORMAT_ARRAY,
            fetchArraySize: 10_000,
          },
        );
        const rows = r.rows ?? [];
        return {
          customerIds: rows.map((x) => x[0]),
          countries: rows.map((x) => x[1]),
          plans: rows.map((x) => x[2]),
        };
      }),
    deleteMany: (ids) =>
      withConn(async (c) => {
        let n = 0;
        for (const part of chunks(ids, IN_CHUNK)) {
          const r = await c.execute(
            `DELETE FROM customer_profiles WHERE customer_id IN (${placeholders(part.length)})`,
            part,
            { autoCommit: true },
          );
          n += r.rowsAffected ?? 0;
        }
        return n;
      }),
    count: () =>
      withConn(async (c) => {
        const r = await query(c, 'SELECT COUNT(*) AS N FROM customer_profiles', []);
        return Number(r.rows?.[0]?.N ?? 0);
      }),
    async close() {
      if (poolPromise) await (await poolPromise).close(5);
    },
  };
}
