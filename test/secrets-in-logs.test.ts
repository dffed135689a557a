/**
 * Secrets never reach the output or the logs: `viewership config` and commands that fail to connect (nothing
 * listens on port 9) run with recognizable secret values set through the environment and through `*_FILE`
 * variables, with every auth mechanism enabled; no secret appears in stdout, stderr or the client log file,
 * with or without `--verbose`. (Real TLS/SASL endpoints do not run here: this checks the handling, not the
 * handshake.)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'viewership-secret-logs-'));
const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
};

/** Every secret value of the runs: none may appear anywhere. */
const SECRETS = {
  kafkaEnv: 'KAFKA-SECRET-env-7f3a91',
  kafkaFile: 'KAFKA-SECRET-file-c2d4e6',
  temporalEnv: 'TEMPORAL-APIKEY-env-91b2c3',
  temporalFile: 'TEMPORAL-APIKEY-file-5e6f70',
  searchEnv: 'SEARCH-SECRET-env-a1b2c3',
  searchFile: 'SEARCH-APIKEY-file-d4e5f6',
  pgFile: 'PG-SECRET-file-0a0b0c',
  privateKey: 'PRIVATE-KEY-MATERIAL-42x42',
};
const keyFile = file('client.key', `-----BEGIN PRIVATE KEY-----\n${SECRETS.privateKey}\n-----END PRIVATE KEY-----\n`);
const certFile = file('client.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

function run(args: string[], env: Record<string, string>, log: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['bin/viewership.mjs', ...args], {
      env: { ...process.env, ...env, VIEWERSHIP_CLIENT_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr.on('data', (d) => (out += d));
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const down = {
  KAFKA_BROKERS: '127.0.0.1:9',
  TEMPORAL_ADDRESS: '127.0.0.1:9',
  SEARCH_URL: 'http://127.0.0.1:9',
  PROFILES_PG_PORT: '9',
};

const CASES: [string, string[], Record<string, string>][] = [
  [
    'config',
    ['config'],
    {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: SECRETS.kafkaEnv,
      TEMPORAL_API_KEY: SECRETS.temporalEnv,
      SEARCH_USERNAME: 'admin',
      SEARCH_PASSWORD: SECRETS.searchEnv,
    },
  ],
  [
    'config --json',
    ['config', '--json'],
    {
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD_FILE: file('kafka-pass', SECRETS.kafkaFile),
      TEMPORAL_API_KEY_FILE: file('temporal-key', SECRETS.temporalFile),
    },
  ],
  [
    'Kafka SASL (env)',
    ['generate', 'events', '--rate', '10', '--duration', '1'],
    {
      ...down,
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: SECRETS.kafkaEnv,
    },
  ],
  [
    'Kafka SASL (file) over mTLS',
    ['generate', 'events', '--rate', '10', '--duration', '1'],
    {
      ...down,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD_FILE: file('kafka-pass2', `${SECRETS.kafkaFile}\n`),
      KAFKA_SSL_CERT_FILE: certFile,
      KAFKA_SSL_KEY_FILE: keyFile,
    },
  ],
  ['Temporal API key (env)', ['stream', 'status'], { ...down, TEMPORAL_API_KEY: SECRETS.temporalEnv }],
  [
    'Temporal API key (file) and mTLS',
    ['stream', 'status'],
    {
      ...down,
      TEMPORAL_API_KEY_FILE: file('temporal-key2', SECRETS.temporalFile),
      TEMPORAL_TLS_CERT_FILE: certFile,
      TEMPORAL_TLS_KEY_FILE: keyFile,
    },
  ],
  [
    'search basic auth (env)',
    ['stream', 'totals', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z'],
    { ...down, SEARCH_USERNAME: 'admin', SEARCH_PASSWORD: SECRETS.searchEnv },
  ],
  [
    'search API key (file)',
    ['stream', 'totals', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z'],
    { ...down, SEARCH_API_KEY_FILE: file('search-key', SECRETS.searchFile) },
  ],
  [
    'PostgreSQL password (file), sslmode require',
    ['generate', 'profiles', '--count', '1'],
    { ...down, PROFILES_PG_PASSWORD_FILE: file('pg-pass', SECRETS.pgFile), PROFILES_PG_SSLMODE: 'require' },
  ],
];

describe('no secret in the output or the logs', () => {
  it.each(
    CASES.flatMap(
      ([name, args, env]) =>
        [
          [name, args, env, false],
          [`${name} --verbose`, args, env, true],
        ] as [string, string[], Record<string, string>, boolean][],
    ),
  )('%s', { timeout: 90_000 }, async (name, args, env, verbose) => {
    const log = join(dir, `${name.replace(/\W+/g, '_')}.log`);
    const r = await run(verbose ? ['--verbose', ...args] : args, env, log);
    const logged = existsSync(log) ? readFileSync(log, 'utf8') : '';
    if (!name.startsWith('config')) expect(r.code, r.out).not.toBe(0);
    else expect(r.code, r.out).toBe(0);
    // The Kafka runs do write client log lines: the file checked below is the one the clients log to.
    if (name.startsWith('Kafka')) expect(logged).toMatch(/kafkajs/);
    for (const s of Object.values(SECRETS)) {
      expect(r.out, `${s} in the output`).not.toContain(s);
      expect(logged, `${s} in the client log`).not.toContain(s);
    }
  });
});

/**
 * Against the real local services (plaintext, no auth), an enabled mechanism does reach the client and is refused:
 * the settings are passed through, and the refusal is one line naming the variables, still without the secret.
 */
describe('a mechanism the local service does not speak is refused in one line', () => {
  it.each([
    [
      'PostgreSQL sslmode=require',
      ['lake', 'ls'],
      { PROFILES_PG_SSLMODE: 'require', PROFILES_PG_PASSWORD_FILE: file('pg-pass3', SECRETS.pgFile) },
      /^viewership: PostgreSQL at .* does not accept TLS: set PROFILES_PG_SSLMODE=disable/,
    ],
    // A scratch topic: the connection fails before anything is produced.
    [
      'Kafka SASL on the plaintext listener',
      ['generate', 'events', '--rate', '1', '--duration', '1'],
      {
        KAFKA_TOPIC_EVENTS: 'viewership-auth-probe',
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: SECRETS.kafkaEnv,
      },
      /^viewership: Kafka at .* does not accept SASL scram-sha-256 on this listener: check KAFKA_SASL_MECHANISM/,
    ],
  ] as [string, string[], Record<string, string>, RegExp][])(
    '%s',
    { timeout: 60_000 },
    async (name, args, env, line) => {
      const log = join(dir, `${name.replace(/\W+/g, '_')}.log`);
      const r = await run(args, env, log);
      expect(r.code, r.out).toBe(1);
      const lines = r.out.split('\n').filter((l) => l.trim() && !l.startsWith('['));
      expect(lines, r.out).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      const logged = existsSync(log) ? readFileSync(log, 'utf8') : '';
      for (const s of Object.values(SECRETS)) expect(r.out + logged).not.toContain(s);
    },
  );
});
