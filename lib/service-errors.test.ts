import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { describeServiceError } from './service-errors.js';

const cfg = loadConfig({
  PROFILES_PG_PASSWORD: 'pg-secret-value',
  KAFKA_SASL_MECHANISM: 'plain',
  KAFKA_SASL_USERNAME: 'u',
  KAFKA_SASL_PASSWORD: 'kafka-secret-value',
});

describe('describeServiceError: TLS and authentication refused', () => {
  it.each([
    [
      'PostgreSQL without TLS',
      new Error('The server does not support SSL connections'),
      /^PostgreSQL at 127\.0\.0\.1:5433 does not accept TLS: set PROFILES_PG_SSLMODE=disable/,
    ],
    [
      'PostgreSQL credentials',
      Object.assign(new Error('password authentication failed for user "viewership"'), { code: '28P01' }),
      /PROFILES_PG_PASSWORD/,
    ],
    [
      'Kafka SASL',
      Object.assign(new Error('SASL PLAIN authentication failed: Authentication failed'), {
        name: 'KafkaJSSASLAuthenticationError',
      }),
      /^Kafka at 127\.0\.0\.1:9092 rejected the SASL authentication: .*KAFKA_SASL_PASSWORD/,
    ],
    [
      'Kafka SASL on a plaintext listener',
      Object.assign(new Error('Request is not valid given the current SASL state'), {
        name: 'KafkaJSProtocolError',
        code: 34,
      }),
      /^Kafka at 127\.0\.0\.1:9092 does not accept SASL plain on this listener: check KAFKA_SASL_MECHANISM/,
    ],
  ])('%s: one line naming the variables, no secret value', (_name, err, line) => {
    const msg = describeServiceError(err, cfg);
    expect(msg).toMatch(line);
    expect(msg).not.toMatch(/secret-value/);
  });
});
