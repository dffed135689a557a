/**
 * The customer-profile dimension (SCD type 1: overwritten in place, no history) and the store contract
 * every backend (PostgreSQL locally, Oracle in production) implements.
 */

/** Subscription plans known to the product; anything else read from a store is kept as-is. */
export const PLANS = ['free', 'basic', 'standard', 'premium'] as const;

/** One customer's current profile. `updatedAt` is maintained by the store on every insert/update. */
export interface CustomerProfile {
  customerId: string;
  name: string;
  email: string | null;
  /** ISO 3166-1 alpha-2 country code. */
  country: string;
  plan: string;
  /** Signup day, YYYY-MM-DD. */
  signupDate: string | null;
  updatedAt?: Date;
}

/** A page of profiles changed after a watermark, and the watermark to resume from. */
export interface ChangedProfiles {
  rows: CustomerProfile[];
  /** Largest (updatedAt, customerId) seen; pass back as `after` to continue. Null when `rows` is empty. */
  next: ProfileWatermark | null;
}

/** Position in the (updated_at, customer_id) order used for incremental reads. */
export interface ProfileWatermark {
  updatedAt: Date;
  customerId: string;
}

/** The join columns of every profile, as parallel arrays (see {@link ProfilesStore.dimensions}). */
export interface ProfileDimensions {
  customerIds: string[];
  countries: string[];
  plans: string[];
}

/** Contract of a profiles store; contract tests in test/ run it against every configured backend. */
export interface ProfilesStore {
  /** Backend name, for logs and status. */
  readonly kind: 'postgres' | 'oracle';
  /** Round trip to the server; resolves to its version string. */
  ping(): Promise<string>;
  /** Insert or overwrite profiles (SCD1); sets `updated_at` to the server's now. Returns rows written. */
  upsert(profiles: CustomerProfile[]): Promise<number>;
  /** Profiles for the given ids (missing ids are simply absent). */
  getMany(customerIds: string[]): Promise<CustomerProfile[]>;
  /** Up to `limit` profiles ordered by (updated_at, customer_id) strictly after `after` (all when null). */
  changedSince(after: ProfileWatermark | null, limit: number): Promise<ChangedProfiles>;
  /**
   * Every profile's customer id, country and plan, read by one statement (one consistent view of the table,
   * no paging): the batch run's dimension snapshot. Columns as parallel arrays (no object per profile).
   */
  dimensions(): Promise<ProfileDimensions>;
  /** Delete profiles by id; returns rows deleted. */
  deleteMany(customerIds: string[]): Promise<number>;
  /** Number of profiles. */
  count(): Promise<number>;
  /** Release connections. */
  close(): Promise<void>;
}
