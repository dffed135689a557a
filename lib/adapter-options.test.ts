/** The config → adapter options mapping: every connection setting reaches the adapter, secrets stay hidden. */
import { describe, expect, it } from 'vitest';
import { profilesStoreOptions, searchSinkOptions, statePostgresOptions } from './adapter-options.js';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';

const withSecret = { PROFILES_PG_PASSWORD: 's3cret' };

describe('searchSinkOptions', () => {
  it('maps engine, URL, basic auth and TLS', () => {
    const cfg = loadConfig({
      ...withSecret,
      SEARCH_ENGINE: 'elasticsearch',
      SEARCH_URL: 'https://search.example:9243',
      SEARCH_USERNAME: 'elastic',
      SEARCH_PASSWORD: 'pw',
      SEARCH_TLS_CA_FILE: '/etc/ca.pem',
    });
    expect(searchSinkOptions(cfg)).toEqual({
      engine: 'elasticsearch',
      url: 'https://search.example:9243',
      auth: { username: 'elastic', password: 'pw' },
      tls: { caFile: '/etc/ca.pem', rejectUnauthorized: true },
    });
  });

  it('passes the API key on without making it printable', () => {
    const opts = searchSinkOptions(loadConfig({ ...withSecret, SEARCH_API_KEY: 'key-123' }));
    expect(opts.apiKey).toBe('key-123');
    expect(JSON.stringify(opts)).not.toContain('key-123');
  });
});

describe('profilesStoreOptions', () => {
  it('maps the PostgreSQL and the Oracle settings', () => {
    expect(profilesStoreOptions(loadConfig(withSecret))).toEqual({
      store: 'postgres',
      postgres: { host: '127.0.0.1', port: 5433, database: 'viewership', user: 'viewership', password: 's3cret' },
    });
    const oracle = loadConfig({
      PROFILES_STORE: 'oracle',
      ORACLE_CONNECT_STRING: 'db:1521/X',
      ORACLE_USER: 'u',
      ORACLE_PASSWORD: 'p',
      ORACLE_WALLET_LOCATION: '/w',
    });
    expect(profilesStoreOptions(oracle)).toEqual({
      store: 'oracle',
      oracle: { connectString: 'db:1521/X', user: 'u', password: 'p', walletLocation: '/w' },
    });
  });
});

describe('statePostgresOptions', () => {
  it('maps the PROFILES_PG_* database with its TLS and pool size', () => {
    const cfg = loadConfig({ ...withSecret, PROFILES_PG_SSLMODE: 'require' });
    expect(statePostgresOptions(cfg, 'the catalog lives there', 2)).toEqual({
      host: '127.0.0.1',
      port: 5433,
      database: 'viewership',
      user: 'viewership',
      password: 's3cret',
      ssl: { rejectUnauthorized: false },
      maxConnections: 2,
    });
  });

  it('refuses a missing password with a ConfigError naming the variable and the use', () => {
    const cfg = loadConfig({
      PROFILES_STORE: 'oracle',
      ORACLE_CONNECT_STRING: 'db:1521/X',
      ORACLE_USER: 'u',
      ORACLE_PASSWORD: 'p',
    });
    expect(() => statePostgresOptions(cfg, 'the lake catalog lives in that PostgreSQL database')).toThrow(ConfigError);
    expect(() => statePostgresOptions(cfg, 'the lake catalog lives in that PostgreSQL database')).toThrow(
      /PROFILES_PG_PASSWORD is not set: the lake catalog lives in that PostgreSQL database/,
    );
  });
});
