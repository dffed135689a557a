/**
 * The one place the validated config is mapped to each adapter's own options. Adapters (adapters/**) never see
 * `AppConfig`: they take what they need — URLs, credentials, TLS, pool sizes — and this module says where each of
 * those comes from. The search API key stays non-enumerable here as it is in the config, so printing the options
 * does not show it.
 */
import type { PostgresProfilesOptions } from '../adapters/profiles/postgres.js';
import type { ProfilesStoreOptions } from '../adapters/profiles/index.js';
import type { SearchSinkOptions } from '../adapters/search/types.js';
import type { AppConfig } from './config.js';
import { ConfigError } from './errors.js';

/** The search sink's options: SEARCH_ENGINE, SEARCH_URL, basic auth or the API key, and SEARCH_TLS_*. */
export function searchSinkOptions(cfg: AppConfig): SearchSinkOptions {
  const s = cfg.search;
  const out: SearchSinkOptions = {
    engine: s.engine,
    url: s.url,
    ...(s.auth ? { auth: { username: s.auth.username, password: s.auth.password } } : {}),
    ...(s.tls ? { tls: { ...s.tls } } : {}),
  };
  if (s.apiKey !== undefined) Object.defineProperty(out, 'apiKey', { value: s.apiKey, enumerable: false });
  return out;
}

/** The profiles (and orders) store's options: PROFILES_STORE with the PROFILES_PG_* or ORACLE_* settings. */
export function profilesStoreOptions(cfg: AppConfig): ProfilesStoreOptions {
  const p = cfg.profiles;
  if (p.store === 'oracle') return { store: 'oracle', oracle: { ...p.oracle } };
  return { store: 'postgres', postgres: { ...p.postgres } };
}

/**
 * Options of a pool on the PROFILES_PG_* database for state kept beside the profiles (stream checkpoints, the lake
 * catalog, the ad stream's sinks). The password is checked only here, so commands that never touch that state do not
 * need it; `usedFor` completes the error, e.g. "the lake catalog lives in that PostgreSQL database".
 */
export function statePostgresOptions(
  cfg: AppConfig,
  usedFor: string,
  maxConnections?: number,
): PostgresProfilesOptions {
  const pg = cfg.stream.checkpoints.postgres;
  if (!pg.password)
    throw new ConfigError(
      `PROFILES_PG_PASSWORD is not set: ${usedFor} (\`npm run services -- up\` generates one locally)`,
      { variable: 'PROFILES_PG_PASSWORD' },
    );
  return {
    host: pg.host,
    port: pg.port,
    database: pg.database,
    user: pg.user,
    password: pg.password,
    ...(pg.ssl ? { ssl: pg.ssl } : {}),
    ...(maxConnections !== undefined ? { maxConnections } : {}),
  };
}
