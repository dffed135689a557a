/**
 * The loyalty tables in PostgreSQL (migration 007): `customer_loyalty` (or the table LOYALTY_TABLE names — tests
 * use their own, created like it), the promotion rules and the refresh state. Bind variables only; the one
 * identifier (the table name) is checked against a strict pattern and quoted.
 */
import pg from 'pg';
import type { PromotionRule } from '../../lib/loyalty/formula.js';
import { migratePostgres, type PostgresProfilesOptions } from './postgres.js';
import type { CustomerProfile } from './types.js';

/** One customer's loyalty row (amounts exact decimal strings). */
export interface LoyaltyRow {
  customerId: string;
  name: string;
  email: string | null;
  country: string;
  plan: string;
  signupDate: string | null;
  orders90d: number;
  paid90d: string;
  ordersLifetime: number;
  paidLifetime: string;
  refundedLifetime: string;
  lastOrderAt: Date | null;
  watchMs90d: number;
  visits90d: number;
  /** Days of the 30 up to the refresh with activity. */
  activity30d: { date: string; watchMs: number; visits: number }[];
  points: number;
  tier: string;
  recency: number;
  frequency: number;
  monetary: number;
  segment: string;
  promotions: { ruleId: string; offer: string }[];
  computedAt: Date;
}

/** Where a loyalty table's refresh is. */
export interface LoyaltyState {
  ordersHwm: { updatedAt: Date; key: string } | null;
  profilesHwm: { updatedAt: Date; key: string } | null;
  lastRunAt: Date | null;
}

/** The loyalty store of one table. */
export interface LoyaltyStore {
  readonly table: string;
  state(): Promise<LoyaltyState | undefined>;
  saveState(s: LoyaltyState, producer: string): Promise<void>;
  rules(): Promise<PromotionRule[]>;
  upsert(rows: LoyaltyRow[]): Promise<number>;
  deleteIds(ids: string[]): Promise<number>;
  /** Up to `limit` customer ids of the table after `after`, in order. */
  idsAfter(after: string | null, limit: number): Promise<string[]>;
  get(customerId: string): Promise<LoyaltyRow | undefined>;
  /** The profile (from `customer_profiles` in this database) and loyalty row of a customer in one round trip; undefined without a profile. */
  getWithProfile(
    customerId: string,
  ): Promise<{ profile: CustomerProfile; loyalty: LoyaltyRow | undefined } | undefined>;
  serverTime(): Promise<Date>;
  close(): Promise<void>;
}

/** Default loyalty table. */
export const LOYALTY_TABLE = 'customer_loyalty';
/** Pattern a loyalty table name must match. */
export const LOYALTY_TABLE_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** The loyalty columns, qualified by table alias `a`. */
const cols = (
  a: string,
) => `${a}.customer_id, ${a}.name, ${a}.email, trim(${a}.country) AS country, ${a}.plan, to_char(${a}.signup_date, 'YYYY-MM-DD') AS signup_date,
  ${a}.orders_90d, ${a}.paid_90d::text AS paid_90d, ${a}.orders_lifetime, ${a}.paid_lifetime::text AS paid_lifetime, ${a}.refunded_lifetime::text AS refunded_lifetime,
  ${a}.last_order_at, ${a}.watch_ms_90d, ${a}.visits_90d, ${a}.activity_30d, ${a}.points, ${a}.tier, ${a}.recency_score, ${a}.frequency_score, ${a}.monetary_score,
  ${a}.segment, ${a}.promotions, ${a}.computed_at`;

function toRow(r: Record<string, unknown>): LoyaltyRow {
  return {
    customerId: String(r.customer_id),
    name: String(r.name),
    email: (r.email as string | null) ?? null,
    country: String(r.country),
    plan: String(r.plan),
    signupDate: (r.signup_date as string | null) ?? null,
    orders90d: Number(r.orders_90d),
    paid90d: String(r.paid_90d),
    ordersLifetime: Number(r.orders_lifetime),
    paidLifetime: String(r.paid_lifetime),
    refundedLifetime: String(r.refunded_lifetime),
    lastOrderAt: (r.last_order_at as Date | null) ?? null,
    watchMs90d: Number(r.watch_ms_90d),
    visits90d: Number(r.visits_90d),
    activity30d: r.activity_30d as LoyaltyRow['activity30d'],
    points: Number(r.points),
    tier: String(r.tier),
    recency: Number(r.recency_score),
    frequency: Number(r.frequency_score),
    monetary: Number(r.monetary_score),
    segment: String(r.segment),
    promotions: r.promotions as LoyaltyRow['promotions'],
    computedAt: r.computed_at as Date,
  };
}

const toRecord = (x: LoyaltyRow) => ({
  customer_id: x.customerId,
  name: x.name,
  email: x.email,
  country: x.country,
  plan: x.plan,
  signup_date: x.signupDate,
  orders_90d: x.orders90d,
  paid_90d: x.paid90d,
  orders_lifetime: x.ordersLifetime,
  paid_lifetime: x.paidLifetime,
  refunded_lifetime: x.refundedLifetime,
  last_order_at: x.lastOrderAt?.toISOString() ?? null,
  watch_ms_90d: x.watchMs90d,
  visits_90d: x.visits90d,
  activity_30d: x.activity30d,
  points: x.points,
  tier: x.tier,
  recency_score: x.recency,
  frequency_score: x.frequency,
  monetary_score: x.monetary,
  segment: x.segment,
  promotions: x.promotions,
  computed_at: x.computedAt.toISOString(),
});

/** Build the store of loyalty table `table` (own small pool; schema migrated and the table created on first use; `allowExitOnIdle` for readers never closed). */
export function createLoyaltyStore(
  opts: PostgresProfilesOptions,
  table = LOYALTY_TABLE,
  pool_: { allowExitOnIdle?: boolean } = {},
): LoyaltyStore {
  if (!LOYALTY_TABLE_PATTERN.test(table))
    throw new Error(`loyalty table name ${JSON.stringify(table)} must match ${LOYALTY_TABLE_PATTERN}`);
  const t = `"${table}"`;
  const pool = new pg.Pool({ ...opts, max: opts.maxConnections ?? 4, connectionTimeoutMillis: 5000, ...pool_ });
  let ready: Promise<unknown> | undefined;
  const init = () =>
    (ready ??= migratePostgres(pool)
      .then(() =>
        table === LOYALTY_TABLE
          ? undefined
          : pool.query(`CREATE TABLE IF NOT EXISTS ${t} (LIKE customer_loyalty INCLUDING ALL)`),
      )
      .catch((err) => ((ready = undefined), Promise.reject(err))));
  const q = async (sql: string, binds: unknown[] = []) => (await init(), pool.query(sql, binds));
  const hwm = (at: unknown, key: unknown) => (at ? { updatedAt: at as Date, key: String(key) } : null);

  return {
    table,
    async state() {
      const r = (await q('SELECT * FROM loyalty_state WHERE loyalty_table = $1', [table])).rows[0];
      return r
        ? {
            ordersHwm: hwm(r.orders_hwm_at, r.orders_hwm_key),
            profilesHwm: hwm(r.profiles_hwm_at, r.profiles_hwm_key),
            lastRunAt: r.last_run_at ?? null,
          }
        : undefined;
    },
    async saveState(s, producer) {
      await q(
        `INSERT INTO loyalty_state (loyalty_table, orders_hwm_at, orders_hwm_key, profiles_hwm_at, profiles_hwm_key, last_run_at, producer) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (loyalty_table) DO UPDATE SET orders_hwm_at = EXCLUDED.orders_hwm_at, orders_hwm_key = EXCLUDED.orders_hwm_key, profiles_hwm_at = EXCLUDED.profiles_hwm_at,
           profiles_hwm_key = EXCLUDED.profiles_hwm_key, last_run_at = EXCLUDED.last_run_at, producer = EXCLUDED.producer`,
        [
          table,
          s.ordersHwm?.updatedAt.toISOString() ?? null,
          s.ordersHwm?.key ?? null,
          s.profilesHwm?.updatedAt.toISOString() ?? null,
          s.profilesHwm?.key ?? null,
          s.lastRunAt?.toISOString() ?? null,
          producer,
        ],
      );
    },
    async rules() {
      const r = await q(
        'SELECT rule_id, tier, segment, offer, priority, active FROM loyalty_promotion_rules ORDER BY priority, rule_id',
      );
      return r.rows.map((x) => ({
        ruleId: x.rule_id,
        tier: x.tier,
        segment: x.segment,
        offer: x.offer,
        priority: x.priority,
        active: x.active,
      }));
    },
    async upsert(rows) {
      if (rows.length === 0) return 0;
      const r = await q(
        `INSERT INTO ${t} SELECT * FROM jsonb_populate_recordset(NULL::${t}, $1::jsonb)
         ON CONFLICT (customer_id) DO UPDATE SET (name, email, country, plan, signup_date, orders_90d, paid_90d, orders_lifetime, paid_lifetime, refunded_lifetime,
           last_order_at, watch_ms_90d, visits_90d, activity_30d, points, tier, recency_score, frequency_score, monetary_score, segment, promotions, computed_at)
         = (EXCLUDED.name, EXCLUDED.email, EXCLUDED.country, EXCLUDED.plan, EXCLUDED.signup_date, EXCLUDED.orders_90d, EXCLUDED.paid_90d, EXCLUDED.orders_lifetime,
           EXCLUDED.paid_lifetime, EXCLUDED.refunded_lifetime, EXCLUDED.last_order_at, EXCLUDED.watch_ms_90d, EXCLUDED.visits_90d, EXCLUDED.activity_30d, EXCLUDED.points,
           EXCLUDED.tier, EXCLUDED.recency_score, EXCLUDED.frequency_score, EXCLUDED.monetary_score, EXCLUDED.segment, EXCLUDED.promotions, EXCLUDED.computed_at)`,
        [JSON.stringify(rows.map(toRecord))],
      );
      return r.rowCount ?? 0;
    },
    async deleteIds(ids) {
      if (ids.length === 0) return 0;
      return (await q(`DELETE FROM ${t} WHERE customer_id = ANY($1::text[])`, [ids])).rowCount ?? 0;
    },
    async idsAfter(after, limit) {
      const r = await q(
        `SELECT customer_id FROM ${t} WHERE $1::text IS NULL OR customer_id > $1::text ORDER BY customer_id LIMIT $2`,
        [after, limit],
      );
      return r.rows.map((x) => String(x.customer_id));
    },
    async get(id) {
      const r = await q(`SELECT ${cols('l')} FROM ${t} l WHERE l.customer_id = $1`, [id]);
      return r.rows[0] ? toRow(r.rows[0]) : undefined;
    },
    async getWithProfile(id) {
      const r = await q(
        `SELECT p.customer_id AS p_id, p.name AS p_name, p.email AS p_email, p.country AS p_country, p.plan AS p_plan, to_char(p.signup_date, 'YYYY-MM-DD') AS p_signup,
           ${cols('l')}
         FROM customer_profiles p LEFT JOIN ${t} l ON l.customer_id = p.customer_id WHERE p.customer_id = $1`,
        [id],
      );
      const x = r.rows[0];
      if (!x) return undefined;
      const profile: CustomerProfile = {
        customerId: x.p_id,
        name: x.p_name,
        email: x.p_email,
        country: String(x.p_country).trim(),
        plan: x.p_plan,
        signupDate: x.p_signup,
      };
      return { profile, loyalty: x.customer_id === null ? undefined : toRow(x) };
    },
    async serverTime() {
      return (await q('SELECT clock_timestamp() AS t')).rows[0].t as Date;
    },
    async close() {
      await pool.end();
    },
  };
}
