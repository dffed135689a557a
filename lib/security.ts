/**
 * TLS and authentication options of every backing service, built from the validated config by small pure
 * functions (files are read through an injectable `read`, so tests need no real certificates). Secrets come
 * from the config (the environment or `*_FILE` variables, read once at start); they are never put in error
 * messages — a file that cannot be read is named by its variable and path only.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow/tls-config.js';
import { ConfigError } from './errors.js';

/** Reads a file named by a config variable (default: `readFileSync`). */
export type FileReader = (path: string) => Buffer;

const defaultRead: FileReader = (p) => readFileSync(p);

/** Read the file of `variable`; an unreadable file is a `ConfigError` naming the variable and the path (never its content). */
export function readConfigFile(variable: string, path: string, read: FileReader = defaultRead): Buffer {
  try {
    return read(path);
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      variable,
    });
  }
}

/** Kafka TLS and SASL settings of the config. */
export interface KafkaSecurityConfig {
  tls?: { caFile?: string; certFile?: string; keyFile?: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** kafkajs `ssl` and `sasl` options (both absent by default: plaintext, no auth). */
export function kafkaSecurity(
  cfg: KafkaSecurityConfig,
  read: FileReader = defaultRead,
): { ssl?: TlsConnectionOptions; sasl?: SASLOptions } {
  const out: { ssl?: TlsConnectionOptions; sasl?: SASLOptions } = {};
  if (cfg.tls) {
    const t = cfg.tls;
    out.ssl = {
      rejectUnauthorized: t.rejectUnauthorized,
      ...(t.caFile ? { ca: [readConfigFile('KAFKA_SSL_CA_FILE', t.caFile, read)] } : {}),
      ...(t.certFile ? { cert: readConfigFile('KAFKA_SSL_CERT_FILE', t.certFile, read) } : {}),
      ...(t.keyFile ? { key: readConfigFile('KAFKA_SSL_KEY_FILE', t.keyFile, read) } : {}),
    };
  }
  if (cfg.sasl)
    out.sasl = {
      mechanism: cfg.sasl.mechanism,
      username: cfg.sasl.username,
      password: cfg.sasl.password,
    } as SASLOptions;
  return out;
}

/** Temporal TLS and API-key settings of the config. */
export interface TemporalSecurityConfig {
  address: string;
  tls?: { certFile?: string; keyFile?: string; caFile?: string; serverName?: string };
  apiKey?: string;
}

/** Options shared by the client `Connection.connect` and the worker `NativeConnection.connect`. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | true;
  apiKey?: string;
}

/** Connection options of Temporal: plaintext by default; mTLS with the cert files; an API key turns TLS on. */
export function temporalConnectionOptions(
  cfg: TemporalSecurityConfig,
  read: FileReader = defaultRead,
): TemporalConnectionOptions {
  const out: TemporalConnectionOptions = { address: cfg.address };
  if (cfg.tls) {
    const t = cfg.tls;
    const tls: TLSConfig = {};
    if (t.serverName) tls.serverNameOverride = t.serverName;
    if (t.caFile) tls.serverRootCACertificate = readConfigFile('TEMPORAL_TLS_CA_FILE', t.caFile, read);
    if (t.certFile && t.keyFile)
      tls.clientCertPair = {
        crt: readConfigFile('TEMPORAL_TLS_CERT_FILE', t.certFile, read),
        key: readConfigFile('TEMPORAL_TLS_KEY_FILE', t.keyFile, read),
      };
    out.tls = Object.keys(tls).length ? tls : true;
  }
  if (cfg.apiKey) {
    out.apiKey = cfg.apiKey;
    out.tls ??= true;
  }
  return out;
}

/** Search-engine TLS and authentication settings of the config. */
export interface SearchSecurityConfig {
  auth?: { username: string; password: string };
  apiKey?: string;
  tls?: { caFile?: string; rejectUnauthorized: boolean };
}

/** What the search clients take: basic auth or an API key, and TLS options. */
export interface SearchClientAuth {
  auth?: { username: string; password: string } | { apiKey: string };
  ssl?: { ca?: Buffer; rejectUnauthorized: boolean };
}

/** Search client auth (basic or API key) and TLS options; nothing by default. */
export function searchClientAuth(cfg: SearchSecurityConfig, read: FileReader = defaultRead): SearchClientAuth {
  const out: SearchClientAuth = {};
  if (cfg.apiKey) out.auth = { apiKey: cfg.apiKey };
  else if (cfg.auth) out.auth = { username: cfg.auth.username, password: cfg.auth.password };
  if (cfg.tls)
    out.ssl = {
      rejectUnauthorized: cfg.tls.rejectUnauthorized,
      ...(cfg.tls.caFile ? { ca: readConfigFile('SEARCH_TLS_CA_FILE', cfg.tls.caFile, read) } : {}),
    };
  return out;
}

/** PostgreSQL TLS mode (like libpq's sslmode, reduced to the modes node-postgres implements faithfully). */
export type PgSslMode = 'disable' | 'require' | 'verify-full';

/** node-postgres `ssl` of the mode: undefined (no TLS) / encrypted without verification / verified against the CA and host name. */
export function pgSsl(
  mode: PgSslMode,
  caFile?: string,
  read: FileReader = defaultRead,
): undefined | { rejectUnauthorized: boolean; ca?: string } {
  if (mode === 'disable') return undefined;
  const ca = caFile ? readConfigFile('PROFILES_PG_SSL_CA_FILE', caFile, read).toString('utf8') : undefined;
  return mode === 'require'
    ? { rejectUnauthorized: false, ...(ca ? { ca } : {}) }
    : { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
}

/** Oracle wallet / TLS settings passed through to `oracledb.createPool` (thin mode). */
export interface OracleTlsConfig {
  configDir?: string;
  walletLocation?: string;
  walletPassword?: string;
}

/** The oracledb pool attributes of the wallet settings (only those set). */
export function oracleTls(cfg: OracleTlsConfig): OracleTlsConfig {
  return {
    ...(cfg.configDir ? { configDir: cfg.configDir } : {}),
    ...(cfg.walletLocation ? { walletLocation: cfg.walletLocation } : {}),
    ...(cfg.walletPassword ? { walletPassword: cfg.walletPassword } : {}),
  };
}
