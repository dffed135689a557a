/**
 * Builds the long-lived clients of every external system once per process (Kafka, search engine,
 * profiles store), so worker activities and the CLI share connections and close them together.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { Kafka, logLevel, type logCreator } from 'kafkajs';
import pg from 'pg';
import { createPostgresCheckpointStore } from '../adapters/checkpoints/postgres.js';
import type { CheckpointStore } from '../adapters/checkpoints/types.js';
import { createPostgresCatalog } from '../adapters/catalog/postgres.js';
import type { LakeCatalog } from '../adapters/catalog/types.js';
import { createProfilesStore, type ProfilesStore } from '../adapters/profiles/index.js';
import { createSearchSink, type SearchSink } from '../adapters/search/index.js';
import { SERVICES_HOME, type AppConfig } from './config.js';
import { profilesStoreOptions, searchSinkOptions, statePostgresOptions } from './adapter-options.js';
import { kafkaSecurity } from './security.js';

/** The process's clients; `close()` releases them all. */
export interface Clients {
  kafka: Kafka;
  search: SearchSink;
  profiles: ProfilesStore;
  /** Checkpoint store of the stream state (created on first use; needs PROFILES_PG_PASSWORD). */
  readonly checkpoints: CheckpointStore;
  /** Register something built on these clients (a Kafka reader, a producer) to be closed with them. */
  onClose(close: () => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * Where kafkajs writes its own log lines (errors only): `VIEWERSHIP_CLIENT_LOG`, default
 * `.services/logs/clients.log`; with `--verbose` (VIEWERSHIP_VERBOSE=1) to stderr as well. Commands report a
 * failure in one line of their own; the client's retry-by-retry JSON lines are kept out of their output.
 */
const clientLog: logCreator =
  () =>
  ({ namespace, log }) => {
    const line = JSON.stringify({ at: new Date().toISOString(), client: 'kafkajs', namespace, ...log });
    if (process.env.VIEWERSHIP_VERBOSE === '1') console.error(line);
    try {
      const file = process.env.VIEWERSHIP_CLIENT_LOG ?? `${SERVICES_HOME}/logs/clients.log`;
      mkdirSync(file.slice(0, file.lastIndexOf('/')) || '.', { recursive: true });
      appendFileSync(file, `${line}\n`);
    } catch {
      // A log line that cannot be written must not fail the operation it describes.
    }
  };

/** Kafka client for the configured brokers (TLS / SASL per `kafkaSecurity`); its error log goes to a file (see `clientLog`). */
export function createKafka(cfg: AppConfig['kafka'], suffix = ''): Kafka {
  return new Kafka({
    clientId: `${cfg.clientId}${suffix}`,
    brokers: cfg.brokers,
    ...kafkaSecurity(cfg),
    logLevel: logLevel.ERROR,
    logCreator: clientLog,
    connectionTimeout: 3000,
    retry: { retries: 5, initialRetryTime: 200 },
  });
}

/** Create every client from validated config (no network I/O until first use). */
export function createClients(cfg: AppConfig): Clients {
  const kafka = createKafka(cfg.kafka);
  const search = createSearchSink(searchSinkOptions(cfg));
  const profiles = createProfilesStore(profilesStoreOptions(cfg));
  const closers: (() => Promise<void>)[] = [];
  let checkpoints: CheckpointStore | undefined;
  return {
    kafka,
    search,
    profiles,
    get checkpoints() {
      return (checkpoints ??= createCheckpointStore(cfg));
    },
    onClose: (close) => void closers.push(close),
    async close() {
      // Kafka connections first (they hold sockets that keep the process alive), then the rest.
      await Promise.allSettled(closers.map((c) => c()));
      await Promise.allSettled([search.close(), profiles.close(), checkpoints?.close()]);
    },
  };
}

/** The stream-state checkpoint store of the config (PostgreSQL); a missing password is a `ConfigError`. */
export function createCheckpointStore(cfg: AppConfig): CheckpointStore {
  return createPostgresCheckpointStore(
    statePostgresOptions(cfg, 'the stream state checkpoints live in that PostgreSQL database'),
  );
}

/** Build the catalog of the configured lake (LAKE_DIR) in the PROFILES_PG_* database (see adapters/catalog/postgres.ts). */
export function createLakeCatalog(cfg: AppConfig): LakeCatalog {
  return createPostgresCatalog(
    statePostgresOptions(cfg, 'the lake catalog lives in that PostgreSQL database'),
    cfg.paths.lakeDir,
  );
}

/** A small pool on the profiles PostgreSQL database (the ad stream's sinks and checkpoints live there). */
export function createPgPool(cfg: AppConfig, max = 4): pg.Pool {
  const opts = statePostgresOptions(cfg, 'the ad stream writes to that PostgreSQL database');
  return new pg.Pool({ ...opts, max, connectionTimeoutMillis: 5000 });
}
