import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from './config.js';
import { ConfigError } from './errors.js';

const withSecret = { PROFILES_PG_PASSWORD: 's3cret' };

describe('loadConfig', () => {
  it('defaults match the local services started by `npm run services -- up`', () => {
    const c = loadConfig(withSecret);
    expect(c.temporal).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      uiUrl: 'http://127.0.0.1:8233',
    });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.kafka.topics).toEqual({
      events: 'web-events',
      aggregates: 'viewership-aggregates',
      dlq: 'web-events-dlq',
    });
    expect(c.search).toMatchObject({ engine: 'opensearch', url: 'http://127.0.0.1:9200' });
    expect(c.profiles).toEqual({
      store: 'postgres',
      postgres: { host: '127.0.0.1', port: 5433, database: 'viewership', user: 'viewership', password: 's3cret' },
    });
  });

  it('picks the Elasticsearch default URL when that engine is chosen', () => {
    expect(loadConfig({ ...withSecret, SEARCH_ENGINE: 'elasticsearch' }).search.url).toBe('http://127.0.0.1:9201');
  });

  it('treats a missing or empty secret as an error naming the variable', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/PROFILES_PG_PASSWORD: required secret/);
    expect(() => loadConfig({ PROFILES_PG_PASSWORD: '' })).toThrow(/PROFILES_PG_PASSWORD: required secret .* is empty/);
    expect(() => loadConfig({ ...withSecret, SEARCH_USERNAME: 'elastic' })).toThrow(/SEARCH_PASSWORD/);
    expect(() => loadConfig({ PROFILES_STORE: 'oracle', ORACLE_CONNECT_STRING: 'h:1521/X', ORACLE_USER: 'u' })).toThrow(
      /ORACLE_PASSWORD/,
    );
  });

  it('lists every invalid variable with its problem', () => {
    let err: unknown;
    try {
      loadConfig({ ...withSecret, PROFILES_PG_PORT: '70000', SEARCH_ENGINE: 'solr' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/PROFILES_PG_PORT/);
    expect((err as Error).message).toMatch(/SEARCH_ENGINE/);
  });

  it('describes every variable', () => {
    const rows = describeConfig();
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) expect(r.description, r.name).not.toBe('');
    expect(rows.find((r) => r.name === 'KAFKA_BROKERS')?.default).toBe('127.0.0.1:9092');
  });
});
