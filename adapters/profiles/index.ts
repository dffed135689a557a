/** Chooses the profiles store adapter from its options. */
import { createOracleProfilesStore, type OracleProfilesOptions } from './oracle.js';
import { createPostgresProfilesStore, type PostgresProfilesOptions } from './postgres.js';
import type { ProfilesStore } from './types.js';

/** Which backend holds the profiles (and the orders beside them), with that backend's connection options. */
export type ProfilesStoreOptions =
  { store: 'postgres'; postgres: PostgresProfilesOptions } | { store: 'oracle'; oracle: OracleProfilesOptions };

/** Build the chosen backend's profiles store. */
export function createProfilesStore(opts: ProfilesStoreOptions): ProfilesStore {
  return opts.store === 'oracle' ? createOracleProfilesStore(opts.oracle) : createPostgresProfilesStore(opts.postgres);
}

export type { CustomerProfile, ProfilesStore } from './types.js';
