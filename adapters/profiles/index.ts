/** Chooses the profiles store adapter from config. */
import type { AppConfig } from '../../lib/config.js';
import { createOracleProfilesStore } from './oracle.js';
import { createPostgresProfilesStore } from './postgres.js';
import type { ProfilesStore } from './types.js';

/** Build the configured backend's profiles store. */
export function createProfilesStore(cfg: AppConfig['profiles']): ProfilesStore {
  return cfg.store === 'oracle' ? createOracleProfilesStore(cfg.oracle) : createPostgresProfilesStore(cfg.postgres);
}

export type { CustomerProfile, ProfilesStore } from './types.js';
