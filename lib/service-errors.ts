/**
 * Turns "a service is not there" errors of any client (kafkajs, Temporal, OpenSearch/Elasticsearch, pg) into
 * one line naming the service, the address from the configuration and the likely fix, so a command run with a
 * service down says what is wrong instead of ending in a stack trace.
 */
import type { AppConfig } from './config.js';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']);

/** Every error in the `cause` chain (and kafkajs' `originalError`). */
function chain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let e = err as Record<string, unknown> | undefined, i = 0; e && typeof e === 'object' && i < 10; i++) {
    out.push(e);
    e = (e.cause ?? e.originalError) as Record<string, unknown> | undefined;
  }
  return out;
}

const text = (e: Record<string, unknown>) =>
  `${String(e.name ?? '')} ${String(e.message ?? '')} ${String(e.code ?? '')}`;

/** The one-line explanation of `err` when it is a service being unreachable, else undefined. */
export function describeServiceError(err: unknown, cfg: AppConfig): string | undefined {
  const errors = chain(err);
  const all = errors.map(text).join(' | ');
  const refused = securityError(all, cfg);
  if (refused) return refused;
  const network =
    errors.some((e) => NETWORK_CODES.has(String(e.code ?? ''))) ||
    /ECONNREFUSED|connect ETIMEDOUT|Connection error|ENOTFOUND|tcp connect error|Failed to connect|Connection timeout/i.test(
      all,
    );
  if (!network) return undefined;
  const fix = 'start the local services with `npm run services -- up`, or fix';
  if (/KafkaJS/.test(all))
    return `Kafka is not reachable at ${cfg.kafka.brokers.join(',')}: ${fix} KAFKA_BROKERS (details with --verbose)`;
  if (/Temporal|grpc|tonic|tcp connect error|TransportError/i.test(all))
    return `Temporal is not reachable at ${cfg.temporal.address}: ${fix} TEMPORAL_ADDRESS`;
  if (
    /ConnectionError|opensearch|elastic/i.test(all) ||
    errors.some((e) => String(e.message ?? '').includes(new URL(cfg.search.url).host))
  ) {
    return `${cfg.search.engine} is not reachable at ${cfg.search.url}: ${fix} SEARCH_URL`;
  }
  const port = errors.map((e) => Number(e.port)).find((p) => Number.isFinite(p) && p > 0);
  const pg = cfg.stream.checkpoints.postgres;
  if (port === pg.port || /postgres|pg-/i.test(all))
    return `PostgreSQL is not reachable at ${pg.host}:${pg.port}: ${fix} PROFILES_PG_HOST / PROFILES_PG_PORT`;
  return undefined;
}

/**
 * TLS or authentication refused by a service (the settings of docs/operations.md#production-auth): one line naming
 * the variables to check — never their values.
 */
function securityError(all: string, cfg: AppConfig): string | undefined {
  const pg = cfg.stream.checkpoints.postgres;
  if (/server does not support SSL/i.test(all))
    return `PostgreSQL at ${pg.host}:${pg.port} does not accept TLS: set PROFILES_PG_SSLMODE=disable, or enable TLS on the server`;
  if (/password authentication failed|28P01/.test(all))
    return `PostgreSQL at ${pg.host}:${pg.port} rejected the credentials: check PROFILES_PG_USER and PROFILES_PG_PASSWORD`;
  if (/current SASL state|UNSUPPORTED_SASL_MECHANISM|mechanism .* not supported|unsupported SASL/i.test(all))
    return `Kafka at ${cfg.kafka.brokers.join(',')} does not accept ${['SASL', cfg.kafka.sasl?.mechanism].filter(Boolean).join(' ')} on this listener: check KAFKA_SASL_MECHANISM and KAFKA_BROKERS (the broker's SASL listener)`;
  if (/KafkaJSSASLAuthenticationError|SASL .*authentication failed/i.test(all))
    return `Kafka at ${cfg.kafka.brokers.join(',')} rejected the SASL authentication: check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`;
  return undefined;
}
