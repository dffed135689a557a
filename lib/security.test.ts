import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveSecretFiles } from './config.js';
import { ConfigError } from './errors.js';
import { kafkaSecurity, oracleTls, pgSsl, searchClientAuth, temporalConnectionOptions } from './security.js';

const base = { PROFILES_PG_PASSWORD: 'pg-pass' };
/** A fake file system: the content of a path is `<path>-content`. */
const read = (p: string) => Buffer.from(`${p}-content`);
const missing = () => {
  throw Object.assign(new Error('ENOENT: secret path'), { code: 'ENOENT' });
};

/** The ConfigError thrown by `fn` (fails the test when none is). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults keep the local behaviour (no TLS, no auth)', () => {
  it('adds no security option to any client', () => {
    const c = loadConfig(base);
    expect(kafkaSecurity(c.kafka, missing)).toEqual({});
    expect(temporalConnectionOptions(c.temporal, missing)).toEqual({ address: '127.0.0.1:7233' });
    expect(searchClientAuth(c.search, missing)).toEqual({});
    expect(c.profiles.store === 'postgres' && c.profiles.postgres.ssl).toBeUndefined();
    expect(c.stream.checkpoints.postgres.ssl).toBeUndefined();
  });
});

describe('kafkaSecurity', () => {
  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('maps SASL %s to kafkajs sasl', (mechanism) => {
    const c = loadConfig({
      ...base,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 'kpass',
    });
    expect(kafkaSecurity(c.kafka, missing)).toEqual({ sasl: { mechanism, username: 'svc', password: 'kpass' } });
  });

  it('maps TLS files and verification to kafkajs ssl', () => {
    const c = loadConfig({
      ...base,
      KAFKA_SSL_CA_FILE: '/ca.pem',
      KAFKA_SSL_CERT_FILE: '/c.pem',
      KAFKA_SSL_KEY_FILE: '/k.pem',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    const o = kafkaSecurity(c.kafka, read);
    expect(o.ssl).toEqual({
      rejectUnauthorized: true,
      ca: [read('/ca.pem')],
      cert: read('/c.pem'),
      key: read('/k.pem'),
    });
    expect(o.sasl?.mechanism).toBe('scram-sha-512');
  });

  it('KAFKA_SSL=on alone is TLS with the system CAs; reject-unauthorized can be turned off', () => {
    expect(kafkaSecurity(loadConfig({ ...base, KAFKA_SSL: 'on' }).kafka, missing)).toEqual({
      ssl: { rejectUnauthorized: true },
    });
    expect(
      kafkaSecurity(loadConfig({ ...base, KAFKA_SSL: 'on', KAFKA_SSL_REJECT_UNAUTHORIZED: 'off' }).kafka, missing),
    ).toEqual({ ssl: { rejectUnauthorized: false } });
  });

  it('an unreadable file is a ConfigError naming the variable and path', () => {
    const c = loadConfig({ ...base, KAFKA_SSL_CA_FILE: '/nope.pem' });
    expect(configError(() => kafkaSecurity(c.kafka, missing)).message).toBe(
      'KAFKA_SSL_CA_FILE: cannot read /nope.pem (ENOENT)',
    );
  });
});

describe('temporalConnectionOptions', () => {
  it('mTLS: client cert pair, server CA, server name override', () => {
    const c = loadConfig({
      ...base,
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_TLS_CERT_FILE: '/c.pem',
      TEMPORAL_TLS_KEY_FILE: '/k.pem',
      TEMPORAL_TLS_CA_FILE: '/ca.pem',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(temporalConnectionOptions(c.temporal, read)).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: {
        serverNameOverride: 'temporal.internal',
        serverRootCACertificate: read('/ca.pem'),
        clientCertPair: { crt: read('/c.pem'), key: read('/k.pem') },
      },
    });
  });

  it('API key: apiKey and TLS on (Temporal Cloud)', () => {
    const c = loadConfig({ ...base, TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'tkey' });
    expect(temporalConnectionOptions(c.temporal, missing)).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'tkey',
      tls: true,
    });
  });

  it('TEMPORAL_TLS=on alone is server-verified TLS', () => {
    expect(temporalConnectionOptions(loadConfig({ ...base, TEMPORAL_TLS: 'on' }).temporal, missing).tls).toBe(true);
  });
});

describe('searchClientAuth', () => {
  it('basic auth and TLS CA', () => {
    const c = loadConfig({
      ...base,
      SEARCH_URL: 'https://search:9200',
      SEARCH_USERNAME: 'admin',
      SEARCH_PASSWORD: 'spass',
      SEARCH_TLS_CA_FILE: '/ca.pem',
    });
    expect(searchClientAuth(c.search, read)).toEqual({
      auth: { username: 'admin', password: 'spass' },
      ssl: { rejectUnauthorized: true, ca: read('/ca.pem') },
    });
  });

  it('API key; verification off', () => {
    const c = loadConfig({ ...base, SEARCH_API_KEY: 'skey', SEARCH_TLS_REJECT_UNAUTHORIZED: 'off' });
    expect(searchClientAuth(c.search, missing)).toEqual({
      auth: { apiKey: 'skey' },
      ssl: { rejectUnauthorized: false },
    });
  });

  it('basic auth and an API key together is an error', () => {
    expect(
      configError(() => loadConfig({ ...base, SEARCH_USERNAME: 'u', SEARCH_PASSWORD: 'p', SEARCH_API_KEY: 'k' }))
        .message,
    ).toMatch(/SEARCH_API_KEY/);
  });
});

describe('pgSsl', () => {
  it('maps the modes to node-postgres ssl', () => {
    expect(pgSsl('disable', undefined, missing)).toBeUndefined();
    expect(pgSsl('require', undefined, missing)).toEqual({ rejectUnauthorized: false });
    expect(pgSsl('verify-full', '/ca.pem', read)).toEqual({ rejectUnauthorized: true, ca: '/ca.pem-content' });
  });

  it('reaches every PostgreSQL pool config (profiles and checkpoints/catalog/ads)', () => {
    const c = loadConfig({ ...base, PROFILES_PG_SSLMODE: 'require' });
    expect(c.profiles.store === 'postgres' && c.profiles.postgres.ssl).toEqual({ rejectUnauthorized: false });
    expect(c.stream.checkpoints.postgres.ssl).toEqual({ rejectUnauthorized: false });
  });

  it('a CA with sslmode disable is an error', () => {
    expect(configError(() => loadConfig({ ...base, PROFILES_PG_SSL_CA_FILE: '/ca.pem' })).message).toMatch(
      /PROFILES_PG_SSLMODE/,
    );
  });
});

describe('oracleTls', () => {
  it('passes the wallet settings through', () => {
    const c = loadConfig({
      PROFILES_STORE: 'oracle',
      ORACLE_CONNECT_STRING: 'tcps://db:2484/X',
      ORACLE_USER: 'u',
      ORACLE_PASSWORD: 'o',
      ORACLE_WALLET_LOCATION: '/w',
      ORACLE_WALLET_PASSWORD: 'wp',
      ORACLE_CONFIG_DIR: '/tns',
    });
    if (c.profiles.store !== 'oracle') throw new Error('oracle expected');
    expect(oracleTls(c.profiles.oracle)).toEqual({ configDir: '/tns', walletLocation: '/w', walletPassword: 'wp' });
    expect(oracleTls({})).toEqual({});
  });
});

describe('a mechanism enabled without its secret is an error naming the variable', () => {
  it.each([
    ['KAFKA_SASL_PASSWORD', { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' }],
    ['KAFKA_SASL_PASSWORD', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: '' }],
    ['KAFKA_SASL_USERNAME', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p' }],
    ['KAFKA_SSL_KEY_FILE', { KAFKA_SSL_CERT_FILE: '/c.pem' }],
    ['TEMPORAL_TLS_CERT_FILE', { TEMPORAL_TLS_KEY_FILE: '/k.pem' }],
    ['TEMPORAL_API_KEY', { TEMPORAL_API_KEY: '' }],
    ['SEARCH_PASSWORD', { SEARCH_USERNAME: 'admin' }],
    ['SEARCH_API_KEY', { SEARCH_API_KEY: '' }],
    [
      'ORACLE_WALLET_LOCATION',
      {
        PROFILES_STORE: 'oracle',
        ORACLE_CONNECT_STRING: 'h/X',
        ORACLE_USER: 'u',
        ORACLE_PASSWORD: 'p',
        ORACLE_WALLET_PASSWORD: 'w',
      },
    ],
  ] as [string, Record<string, string>][])('%s', (variable, env) => {
    const err = configError(() => loadConfig({ ...base, ...env }));
    expect(err.message.startsWith(`${variable}:`) || err.message.includes(variable)).toBe(true);
    expect(err.message).not.toMatch(/\bp\b|\bw\b/);
  });
});

describe('secrets from *_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'viewership-secrets-'));
  const file = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('reads the file once, trimmed, as the secret', () => {
    const c = loadConfig({
      PROFILES_PG_PASSWORD_FILE: file('pg', 'pg-from-file\n'),
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD_FILE: file('k', ' kfile \n'),
      TEMPORAL_API_KEY_FILE: file('t', 'tfile'),
      SEARCH_API_KEY_FILE: file('s', 'sfile'),
    });
    expect(c.stream.checkpoints.postgres.password).toBe('pg-from-file');
    expect(c.kafka.sasl?.password).toBe('kfile');
    expect(c.temporal.apiKey).toBe('tfile');
    expect(c.search.apiKey).toBe('sfile');
  });

  it('both set, unreadable or empty: a ConfigError naming the variable, never the content', () => {
    expect(configError(() => resolveSecretFiles({ SEARCH_PASSWORD: 'x', SEARCH_PASSWORD_FILE: '/f' })).message).toBe(
      'SEARCH_PASSWORD and SEARCH_PASSWORD_FILE are both set: set one',
    );
    expect(configError(() => resolveSecretFiles({ TEMPORAL_API_KEY_FILE: join(dir, 'absent') })).message).toMatch(
      /^TEMPORAL_API_KEY_FILE: cannot read .*absent \(ENOENT\)$/,
    );
    expect(
      configError(() =>
        loadConfig({
          ...base,
          KAFKA_SASL_MECHANISM: 'plain',
          KAFKA_SASL_USERNAME: 'u',
          KAFKA_SASL_PASSWORD_FILE: file('empty', ' \n'),
        }),
      ).message,
    ).toMatch(/^KAFKA_SASL_PASSWORD_FILE: .* is empty/);
  });
});

describe('the config object keeps the new secrets out of JSON and util.inspect', () => {
  it('Kafka SASL password, Temporal and search API keys are readable but not enumerable', () => {
    const c = loadConfig({
      ...base,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'hidden-kafka',
      TEMPORAL_API_KEY: 'hidden-temporal',
      SEARCH_API_KEY: 'hidden-search',
    });
    expect([c.kafka.sasl?.password, c.temporal.apiKey, c.search.apiKey]).toEqual([
      'hidden-kafka',
      'hidden-temporal',
      'hidden-search',
    ]);
    for (const shown of [JSON.stringify(c), inspect(c, { depth: 10 })]) expect(shown).not.toMatch(/hidden-/);
  });
});
