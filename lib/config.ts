/**
 * The one configuration module: every setting comes from the environment (with defaults matching the
 * local services that `npm run services -- up` starts), is validated once at start with zod, and carries
 * a description. Secrets have no defaults: a missing one is an error naming the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseEnvFile } from './env-file.js';
import { DEFAULT_SERVE_LIMITS, type ServeLimits } from './views/limits.js';
import { ConfigError } from './errors.js';
import {
  pgSsl,
  type KafkaSecurityConfig,
  type OracleTlsConfig,
  type SearchSecurityConfig,
  type TemporalSecurityConfig,
} from './security.js';

const port = z.coerce.number().int().min(1).max(65535);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const onOff = (dflt: 'on' | 'off') => z.enum(['on', 'off']).default(dflt);
const secret = (what: string) =>
  z.string({ required_error: `required secret (${what}) is not set` }).min(1, `required secret (${what}) is empty`);

/** Repository root, for defaults of local paths. */
export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** Provisioner home (`.services/`): local service data, logs, and the generated local secrets file. */
export const SERVICES_HOME = process.env.VIEWERSHIP_SERVICES_DIR ?? `${ROOT_DIR}/.services`;

const base = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233').describe('Temporal frontend gRPC host:port'),
  TEMPORAL_NAMESPACE: z.string().default('default').describe('Temporal namespace the workflows run in'),
  TEMPORAL_TLS: onOff('off').describe(
    'Temporal over TLS (also on when a TEMPORAL_TLS_* file or TEMPORAL_API_KEY is set)',
  ),
  TEMPORAL_TLS_CERT_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'PEM client certificate for Temporal mTLS (with TEMPORAL_TLS_KEY_FILE; Temporal Cloud namespaces with certificates)',
    ),
  TEMPORAL_TLS_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('PEM private key of TEMPORAL_TLS_CERT_FILE (secret; read at start, never logged)'),
  TEMPORAL_TLS_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('PEM CA that signs the Temporal server certificate (default: the system CAs)'),
  TEMPORAL_TLS_SERVER_NAME: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Server name (SNI) checked against the Temporal server certificate instead of the host of TEMPORAL_ADDRESS',
    ),
  TEMPORAL_API_KEY: z
    .string()
    .optional()
    .describe('Temporal API key (secret; Temporal Cloud API-key auth, turns TLS on; or TEMPORAL_API_KEY_FILE)'),
  TEMPORAL_API_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('File holding the Temporal API key (read once at start, surrounding whitespace trimmed)'),
  TEMPORAL_UI_URL: z
    .string()
    .url()
    .default('http://127.0.0.1:8233')
    .describe('Temporal Web UI base URL, for links printed to operators'),
  TASK_QUEUE_BATCH: z.string().default('viewership-batch').describe('Task queue of the batch-layer worker'),
  TASK_QUEUE_STREAM: z.string().default('viewership-stream').describe('Task queue of the speed-layer worker'),
  SCHEDULE_ID_BATCH: z
    .string()
    .min(1)
    .default('batch-daily')
    .describe('Id of the Temporal Schedule that starts the daily batch'),
  SCHEDULE_ID_PROFILE_CACHE: z
    .string()
    .min(1)
    .default('profile-cache-refresh')
    .describe('Id of the Temporal Schedule that refreshes the profile caches every minute'),
  SCHEDULE_ID_LOYALTY: z
    .string()
    .min(1)
    .default('loyalty-refresh')
    .describe('Id of the Temporal Schedule that refreshes customer loyalty (applied by `schedule apply`)'),
  LOYALTY_SCHEDULE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_080)
    .default(60)
    .describe('Minutes between loyalty refreshes (customers with new orders, profile changes or activity)'),
  LOYALTY_TABLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits, _ only')
    .default('customer_loyalty')
    .describe(
      'PostgreSQL table the loyalty refresh writes and look-ups read (another name: a table created like customer_loyalty)',
    ),
  KAFKA_BROKERS: list.default('127.0.0.1:9092').describe('Comma-separated Kafka bootstrap brokers'),
  KAFKA_SSL: onOff('off').describe('Kafka over TLS (also on when KAFKA_SSL_CA_FILE or KAFKA_SSL_CERT_FILE is set)'),
  KAFKA_SSL_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("PEM CA bundle that signs the Kafka brokers' certificates (default: the system CAs)"),
  KAFKA_SSL_CERT_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('PEM client certificate for Kafka mutual TLS (with KAFKA_SSL_KEY_FILE)'),
  KAFKA_SSL_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('PEM private key of KAFKA_SSL_CERT_FILE (secret; read at start, never logged)'),
  KAFKA_SSL_REJECT_UNAUTHORIZED: onOff('on').describe(
    "Verify the brokers' certificates (off only for testing: traffic is then open to interception)",
  ),
  KAFKA_SASL_MECHANISM: z
    .enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512'])
    .default('none')
    .describe(
      'Kafka SASL mechanism (none, plain, scram-sha-256, scram-sha-512); then KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required',
    ),
  KAFKA_SASL_USERNAME: z.string().optional().describe('Kafka SASL user name'),
  KAFKA_SASL_PASSWORD: z.string().optional().describe('Kafka SASL password (secret; or KAFKA_SASL_PASSWORD_FILE)'),
  KAFKA_SASL_PASSWORD_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('File holding the Kafka SASL password (read once at start, surrounding whitespace trimmed)'),
  KAFKA_CLIENT_ID: z.string().default('viewership').describe('Kafka client id prefix'),
  KAFKA_TOPIC_EVENTS: z.string().default('web-events').describe('Input topic of customer web events (JSON)'),
  KAFKA_TOPIC_AGGREGATES: z
    .string()
    .default('viewership-aggregates')
    .describe('Output topic of windowed aggregates (update mode)'),
  ADS_TOPIC_IMPRESSIONS: z
    .string()
    .default('ad-impressions')
    .describe('Ad impressions topic (JSON, keyed by impression id)'),
  ADS_TOPIC_CLICKS: z
    .string()
    .default('ad-clicks')
    .describe('Ad clicks topic (JSON, keyed by the impression id they join; same partition count as impressions)'),
  ADS_TOPIC_DLQ: z
    .string()
    .default('ad-events-dlq')
    .describe('Dead-letter topic of the ad stream (original bytes, reason, source topic/partition/offset)'),
  ADS_TOPIC_METRICS: z
    .string()
    .default('ad-metrics')
    .describe('Output topic of the ad metrics per minute and dimension set (update mode)'),
  ADS_CAMPAIGNS_PATH: z
    .string()
    .optional()
    .describe(
      'Campaigns CSV (campaign_id,campaign_name,network_id,advertiser); default reference/campaigns.csv, reloaded within a minute when it changes',
    ),
  ADS_JOIN_WINDOW_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(10)
    .describe('A click matches its impression when it comes at most this many minutes after it'),
  ADS_ALLOWED_LATENESS_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('Ad messages further behind the watermark than this are late (dead-lettered, counted)'),
  ADS_STREAM_WORKFLOW_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,200}$/, 'letters, digits, _ . - only')
    .default('stream-ads')
    .describe('Workflow id of the ad-analytics stream (also the key of its checkpoints and sink rows)'),
  KAFKA_TOPIC_DLQ: z.string().default('web-events-dlq').describe('Dead-letter topic for rejected events'),
  SEARCH_ENGINE: z
    .enum(['opensearch', 'elasticsearch'])
    .default('opensearch')
    .describe('Which search engine adapter the sinks use'),
  SEARCH_URL: z
    .string()
    .url()
    .optional()
    .describe('Search engine URL; default http://127.0.0.1:9200 (OpenSearch) or :9201 (Elasticsearch)'),
  SEARCH_USERNAME: z.string().optional().describe('Search engine basic-auth user (SEARCH_PASSWORD then required)'),
  SEARCH_PASSWORD: z
    .string()
    .optional()
    .describe('Search engine basic-auth password (secret; or SEARCH_PASSWORD_FILE)'),
  SEARCH_PASSWORD_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('File holding the search engine password (read once at start, surrounding whitespace trimmed)'),
  SEARCH_API_KEY: z
    .string()
    .optional()
    .describe(
      'Search engine API key (secret; sent as `Authorization: ApiKey …`, instead of SEARCH_USERNAME; or SEARCH_API_KEY_FILE)',
    ),
  SEARCH_API_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('File holding the search engine API key (read once at start, surrounding whitespace trimmed)'),
  SEARCH_TLS_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('PEM CA that signs the search engine certificate (for an https SEARCH_URL; default: the system CAs)'),
  SEARCH_TLS_REJECT_UNAUTHORIZED: onOff('on').describe('Verify the search engine certificate (off only for testing)'),
  SEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default('viewership')
    .describe('Prefix of every index and template the project creates'),
  PROFILES_STORE: z
    .enum(['postgres', 'oracle'])
    .default('postgres')
    .describe('Backend of the customer-profile dimension'),
  PROFILES_PG_HOST: z.string().default('127.0.0.1').describe('PostgreSQL host of the profiles store'),
  PROFILES_PG_PORT: port.default(5433).describe('PostgreSQL port (the project-owned local cluster listens on 5433)'),
  PROFILES_PG_DATABASE: z.string().default('viewership').describe('PostgreSQL database of the profiles store'),
  PROFILES_PG_USER: z.string().default('viewership').describe('PostgreSQL role of the profiles store'),
  PROFILES_PG_PASSWORD: z
    .string()
    .optional()
    .describe(
      'PostgreSQL password (secret; generated into .services/secrets.env locally; or PROFILES_PG_PASSWORD_FILE)',
    ),
  PROFILES_PG_PASSWORD_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('File holding the PostgreSQL password (read once at start, surrounding whitespace trimmed)'),
  PROFILES_PG_SSLMODE: z
    .enum(['disable', 'require', 'verify-full'])
    .default('disable')
    .describe(
      'PostgreSQL TLS: disable, require (encrypted, certificate not checked) or verify-full (CA and host name checked); applies to every pool on that database',
    ),
  PROFILES_PG_SSL_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('PEM CA that signs the PostgreSQL server certificate (verify-full; default: the system CAs)'),
  ORACLE_CONNECT_STRING: z.string().optional().describe('Oracle Easy Connect string, e.g. host:1521/FREEPDB1'),
  ORACLE_USER: z.string().optional().describe('Oracle user of the profiles store'),
  ORACLE_PASSWORD: z.string().optional().describe('Oracle password (secret; or ORACLE_PASSWORD_FILE)'),
  ORACLE_PASSWORD_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('File holding the Oracle password (read once at start, surrounding whitespace trimmed)'),
  ORACLE_CONFIG_DIR: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Directory with tnsnames.ora / sqlnet.ora (oracledb `configDir`; TLS: a tcps:// ORACLE_CONNECT_STRING or a TCPS alias)',
    ),
  ORACLE_WALLET_LOCATION: z
    .string()
    .min(1)
    .optional()
    .describe('Directory of the Oracle wallet (ewallet.pem) for TLS / mTLS (oracledb `walletLocation`)'),
  ORACLE_WALLET_PASSWORD: z
    .string()
    .optional()
    .describe('Password of the Oracle wallet (secret; or ORACLE_WALLET_PASSWORD_FILE)'),
  ORACLE_WALLET_PASSWORD_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('File holding the Oracle wallet password (read once at start, surrounding whitespace trimmed)'),
  LANDING_DIR: z
    .string()
    .default(`${ROOT_DIR}/.data/landing`)
    .describe('Directory where daily web-log files land (<dir>/<YYYY-MM-DD>/)'),
  LAKE_DIR: z.string().default(`${ROOT_DIR}/.data/lake`).describe('Data-lake root (Hive-partitioned Parquet)'),
  QUARANTINE_DIR: z
    .string()
    .default(`${ROOT_DIR}/.data/quarantine`)
    .describe('Where rejected rows are written with file, line and reason'),
  WORK_DIR: z
    .string()
    .default(`${ROOT_DIR}/.data/work`)
    .describe('Batch staging and intermediate files (must be shared by all batch workers)'),
  STATUS_REFERENCE_PATH: z
    .string()
    .optional()
    .describe(
      'HTTP status reference XML (IANA registry or custom format); default: the shipped reference/http-status-codes.xml',
    ),
  BATCH_REJECT_THRESHOLD: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.05)
    .describe('Fail a batch run when the rejected share of rows exceeds this (0-1)'),
  BATCH_SCHEDULE_CRON: z
    .string()
    .default('30 2 * * *')
    .describe('Cron of the daily batch Schedule (runs the previous day)'),
  BATCH_SCHEDULE_TIMEZONE: z.string().default('UTC').describe('IANA time zone of the daily batch Schedule'),
  BATCH_LOOKBACK_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60)
    .default(3)
    .describe('Days before the scheduled date re-checked for changed landing files (reprocessed when changed)'),
  STREAM_WORKFLOW_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,200}$/, 'letters, digits, _ . - only')
    .default('stream-viewership')
    .describe(
      'Workflow id of the speed-layer stream (also the key of its state checkpoints); another id runs a second stream beside the first',
    ),
  STREAM_STATE_THREADS: z.coerce
    .number()
    .int()
    .min(0)
    .max(16)
    .default(1)
    .describe(
      "Worker threads per stream worker process that hold the partitions' state and parse + fold their events (0: in the main thread); the main thread keeps Kafka reads, Temporal and the sinks",
    ),
  STREAM_LAKE_SINK: z
    .enum(['on', 'off'])
    .default('on')
    .describe(
      'Whether the stream sinks its valid, de-duplicated events into the lake (<LAKE_DIR>/web_events, Parquet, exactly once) and registers closed hours in the lake catalog',
    ),
  STREAM_CHECKPOINT_SNAPSHOT_EVERY: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .describe(
      'A stream partition writes a full snapshot of its state every this many micro-batches (a delta per batch in between); bounds restore time',
    ),
  STREAM_CHECKPOINT_RETENTION_MINUTES: z.coerce
    .number()
    .min(1)
    .default(60)
    .describe(
      'Stream state checkpoints older than this are pruned: a rewind further back recomputes from the start of the topic',
    ),
  PROFILE_CACHE_FULL_RELOAD_MINUTES: z.coerce
    .number()
    .min(0)
    .default(15)
    .describe(
      'Stream workers reload the whole profile cache this often (catches deletes); refreshes in between read only changes',
    ),
  DUCKDB_MEMORY_LIMIT: z.string().default('600MB').describe('DuckDB memory limit for batch partition/aggregate steps'),
  DUCKDB_THREADS: z.coerce.number().int().min(1).default(2).describe('DuckDB threads for batch steps'),
  SERVE_PORT: port.default(8080).describe('Port of `viewership serve` (serving API and dashboard)'),
  SERVE_HOST: z
    .string()
    .default('127.0.0.1')
    .describe('Address `viewership serve` binds (loopback by default; 0.0.0.0 exposes it)'),
  SERVE_CHECK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(2000)
    .describe('Time limit of each /api/health check (a service that does not answer in time is reported down)'),
  SERVE_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DEFAULT_SERVE_LIMITS.requestTimeoutMs)
    .describe(
      'Deadline of one /api/viewership or /api/health request: past it the answer is 504 with a JSON error and the request stops reading',
    ),
  SERVE_MAX_CONCURRENT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(DEFAULT_SERVE_LIMITS.maxConcurrent)
    .describe("/api/viewership requests served at once (a slot is held until the request's reads end)"),
  SERVE_MAX_QUEUED: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(DEFAULT_SERVE_LIMITS.maxQueued)
    .describe(
      '/api/viewership requests waiting for a slot; beyond, or when none frees before the deadline, the answer is 503 with Retry-After',
    ),
  SERVE_MAX_RESULT_BUCKETS: z.coerce
    .number()
    .int()
    .min(100)
    .max(10_000_000)
    .default(DEFAULT_SERVE_LIMITS.maxResultBuckets)
    .describe(
      'Buckets (time buckets × groups) one /api/viewership answer may hold; more is a 400 naming the parameter to narrow (limit is pushed into the query)',
    ),
  SERVE_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 ** 3)
    .default(DEFAULT_SERVE_LIMITS.maxResponseBytes)
    .describe('Bytes of one /api/viewership JSON answer; more is a 400 naming the parameter to narrow'),
  SERVE_MAX_RANGE_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .default(DEFAULT_SERVE_LIMITS.maxRangeDays)
    .describe('Longest from–to range of one /api/viewership request, in days (longer is a 400 naming `from`)'),
  SERVE_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(500)
    .max(600_000)
    .default(DEFAULT_SERVE_LIMITS.headersTimeoutMs)
    .describe('Time a client has to send its request headers to `viewership serve` (slower: 408, connection closed)'),
  SERVE_ALLOWED_HOSTS: list
    .optional()
    .describe(
      'Host names `viewership serve` answers (DNS-rebinding protection; IP literals always): comma list, `.example.com` also allows subdomains, `*` any; default localhost, *.localhost and SERVE_HOST when it is a name',
    ),
  SERVE_AUTH_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      'Access token of `viewership serve` (secret, from the environment only): every request then needs `Authorization: Bearer <token>` or HTTP Basic with it as the password',
    ),
  SERVE_AUTH_TOKEN_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'File holding the access token of `viewership serve` instead of SERVE_AUTH_TOKEN (read at start, surrounding whitespace trimmed)',
    ),
  SERVE_TLS_CERT_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'PEM certificate chain: `viewership serve` speaks HTTPS only (with SERVE_TLS_KEY_FILE) and sends Strict-Transport-Security',
    ),
  SERVE_TLS_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('PEM private key of SERVE_TLS_CERT_FILE (secret; read at start, never logged)'),
});

/** Raw (flat) validated settings, as read from the environment. */
export type RawConfig = z.infer<typeof base>;

/** The application configuration, grouped by system. */
export interface AppConfig {
  /** `tls` / `apiKey`: see `temporalConnectionOptions` (lib/security.ts). */
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    taskQueues: { batch: string; stream: string };
    schedules: { batch: string; profileCache: string };
  } & Pick<TemporalSecurityConfig, 'tls' | 'apiKey'>;
  /** `tls` / `sasl`: see `kafkaSecurity` (lib/security.ts). */
  kafka: {
    brokers: string[];
    clientId: string;
    topics: { events: string; aggregates: string; dlq: string };
  } & KafkaSecurityConfig;
  /** `auth` (basic) or `apiKey`, and `tls`: see `searchClientAuth` (lib/security.ts). */
  search: {
    engine: 'opensearch' | 'elasticsearch';
    url: string;
    auth?: { username: string; password: string };
    apiKey?: string;
    tls?: SearchSecurityConfig['tls'];
    indexPrefix: string;
  };
  profiles:
    | {
        store: 'postgres';
        postgres: { host: string; port: number; database: string; user: string; password: string; ssl?: PgSslOption };
      }
    | { store: 'oracle'; oracle: { connectString: string; user: string; password: string } & OracleTlsConfig };
  paths: { landingDir: string; lakeDir: string; quarantineDir: string; workDir: string; statusReference: string };
  /** The ad-analytics stream (issue: impression ⋈ click join). */
  ads: {
    topics: { impressions: string; clicks: string; dlq: string; metrics: string };
    campaignsPath: string;
    joinWindowMs: number;
    allowedLatenessMs: number;
    workflowId: string;
  };
  stream: {
    profileFullReloadMs: number;
    workflowId: string;
    /** Worker threads holding the stream state (0: in the activity's thread). */
    stateThreads: number;
    /** Whether the stream writes `web_events` into the lake. */
    lakeSink: boolean;
    /** Checkpoints of the stream state: PostgreSQL (the PROFILES_PG_* database), snapshot cadence, retention. */
    checkpoints: {
      postgres: { host: string; port: number; database: string; user: string; password?: string; ssl?: PgSslOption };
      snapshotEvery: number;
      retentionMs: number;
    };
  };
  batch: {
    rejectThreshold: number;
    scheduleCron: string;
    scheduleTimezone: string;
    lookbackDays: number;
    duckdbMemoryLimit: string;
    duckdbThreads: number;
  };
  /** Customer loyalty (issue 12): its table and refresh Schedule. */
  loyalty: { table: string; scheduleId: string; everyMinutes: number };
  serve: {
    port: number;
    host: string;
    checkTimeoutMs: number;
    /** Bounds on each request (deadline, concurrency, answer size, range) and on slow clients. */
    limits: ServeLimits;
    /** Host names answered besides IP literals; undefined = the defaults (see `serve/guard.ts`). */
    allowedHosts?: string[];
    /** Access token (from SERVE_AUTH_TOKEN; `token` is non-enumerable, so printing the config never shows it) or the file holding it. */
    auth: { token?: string; tokenFile?: string };
    /** PEM files of the HTTPS certificate and key. */
    tls?: { certFile: string; keyFile: string };
  };
}

/** node-postgres `ssl` of PROFILES_PG_SSLMODE (undefined: no TLS). */
export type PgSslOption = ReturnType<typeof pgSsl>;

/** Secrets that may come from a file instead: `<NAME>_FILE` holds the path, read once at start. */
export const SECRET_FILE_VARIABLES = [
  'KAFKA_SASL_PASSWORD',
  'TEMPORAL_API_KEY',
  'SEARCH_PASSWORD',
  'SEARCH_API_KEY',
  'PROFILES_PG_PASSWORD',
  'ORACLE_PASSWORD',
  'ORACLE_WALLET_PASSWORD',
] as const;

/** Environment overlaid on the local generated secrets file (the environment wins, a `<NAME>_FILE` too). */
export function effectiveEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const file = `${env.VIEWERSHIP_SERVICES_DIR ?? SERVICES_HOME}/secrets.env`;
  const local = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8'), file) : {};
  for (const name of Object.keys(local)) if (env[`${name}_FILE`]) delete local[name];
  return { ...local, ...env };
}

/**
 * Replace each `<NAME>_FILE` by the trimmed content of its file as `<NAME>`. Both set, an unreadable file or an
 * empty one is a `ConfigError` naming the variable (never the content).
 */
export function resolveSecretFiles(
  env: NodeJS.ProcessEnv,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of SECRET_FILE_VARIABLES) {
    const fileVar = `${name}_FILE`;
    const path = env[fileVar];
    if (!path) continue;
    if (env[name]) throw new ConfigError(`${name} and ${fileVar} are both set: set one`, { variable: fileVar });
    let value: string;
    try {
      value = read(path).trim();
    } catch (err) {
      throw new ConfigError(`${fileVar}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        variable: fileVar,
      });
    }
    if (!value) throw new ConfigError(`${fileVar}: ${path} is empty (required secret ${name})`, { variable: fileVar });
    out[name] = value;
  }
  return out;
}

/** `obj` with `key` set as a non-enumerable property (like the serve token: kept out of JSON and `util.inspect`). */
function hidden<T extends object, K extends string>(obj: T, key: K, value: string): T & Record<K, string> {
  return Object.defineProperty(obj, key, { value, enumerable: false }) as T & Record<K, string>;
}

/** `target` with every own property of `extra`, non-enumerable ones (hidden secrets) included — unlike a spread. */
function withAll<T extends object, U extends object>(target: T, extra: U): T & U {
  return Object.defineProperties(target, Object.getOwnPropertyDescriptors(extra)) as T & U;
}

/** A cert/key pair: both or neither. */
function pair(
  c: RawConfig,
  cert: 'KAFKA_SSL_CERT_FILE' | 'TEMPORAL_TLS_CERT_FILE',
  key: 'KAFKA_SSL_KEY_FILE' | 'TEMPORAL_TLS_KEY_FILE',
): void {
  if (!c[cert] !== !c[key]) {
    const [missing, other] = c[cert] ? [key, cert] : [cert, key];
    throw new ConfigError(`${missing}: required with ${other} (a client certificate needs its key)`, {
      variable: missing,
    });
  }
}

function kafkaSecurityConfig(c: RawConfig): KafkaSecurityConfig {
  pair(c, 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE');
  const out: KafkaSecurityConfig = {};
  if (c.KAFKA_SSL === 'on' || c.KAFKA_SSL_CA_FILE || c.KAFKA_SSL_CERT_FILE) {
    out.tls = {
      caFile: c.KAFKA_SSL_CA_FILE,
      certFile: c.KAFKA_SSL_CERT_FILE,
      keyFile: c.KAFKA_SSL_KEY_FILE,
      rejectUnauthorized: c.KAFKA_SSL_REJECT_UNAUTHORIZED === 'on',
    };
  }
  if (c.KAFKA_SASL_MECHANISM !== 'none') {
    if (!c.KAFKA_SASL_USERNAME)
      throw new ConfigError(`KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=${c.KAFKA_SASL_MECHANISM}`, {
        variable: 'KAFKA_SASL_USERNAME',
      });
    out.sasl = hidden(
      { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME },
      'password',
      need(c.KAFKA_SASL_PASSWORD, 'KAFKA_SASL_PASSWORD', `Kafka SASL ${c.KAFKA_SASL_MECHANISM} password`),
    );
  }
  return out;
}

function temporalSecurityConfig(c: RawConfig): Pick<TemporalSecurityConfig, 'tls' | 'apiKey'> {
  pair(c, 'TEMPORAL_TLS_CERT_FILE', 'TEMPORAL_TLS_KEY_FILE');
  const out: Pick<TemporalSecurityConfig, 'tls' | 'apiKey'> = {};
  if (c.TEMPORAL_TLS === 'on' || c.TEMPORAL_TLS_CERT_FILE || c.TEMPORAL_TLS_CA_FILE || c.TEMPORAL_TLS_SERVER_NAME) {
    out.tls = {
      certFile: c.TEMPORAL_TLS_CERT_FILE,
      keyFile: c.TEMPORAL_TLS_KEY_FILE,
      caFile: c.TEMPORAL_TLS_CA_FILE,
      serverName: c.TEMPORAL_TLS_SERVER_NAME,
    };
  }
  return c.TEMPORAL_API_KEY !== undefined
    ? hidden(out, 'apiKey', need(c.TEMPORAL_API_KEY, 'TEMPORAL_API_KEY', 'Temporal API key'))
    : out;
}

function searchSecurityConfig(c: RawConfig): Pick<AppConfig['search'], 'auth' | 'apiKey' | 'tls'> {
  if (c.SEARCH_USERNAME && c.SEARCH_API_KEY !== undefined)
    throw new ConfigError('SEARCH_USERNAME and SEARCH_API_KEY are both set: set one', { variable: 'SEARCH_API_KEY' });
  const out = {
    auth: c.SEARCH_USERNAME
      ? { username: c.SEARCH_USERNAME, password: need(c.SEARCH_PASSWORD, 'SEARCH_PASSWORD', 'search engine password') }
      : undefined,
    ...(c.SEARCH_TLS_CA_FILE || c.SEARCH_TLS_REJECT_UNAUTHORIZED === 'off'
      ? { tls: { caFile: c.SEARCH_TLS_CA_FILE, rejectUnauthorized: c.SEARCH_TLS_REJECT_UNAUTHORIZED === 'on' } }
      : {}),
  };
  return c.SEARCH_API_KEY !== undefined
    ? hidden(out, 'apiKey', need(c.SEARCH_API_KEY, 'SEARCH_API_KEY', 'search engine API key'))
    : out;
}

function pgSslConfig(c: RawConfig): PgSslOption {
  if (c.PROFILES_PG_SSL_CA_FILE && c.PROFILES_PG_SSLMODE === 'disable')
    throw new ConfigError(
      'PROFILES_PG_SSL_CA_FILE: set with PROFILES_PG_SSLMODE=disable (set PROFILES_PG_SSLMODE=verify-full)',
      { variable: 'PROFILES_PG_SSLMODE' },
    );
  return pgSsl(c.PROFILES_PG_SSLMODE, c.PROFILES_PG_SSL_CA_FILE);
}

function oracleTlsConfig(c: RawConfig): OracleTlsConfig {
  if (c.ORACLE_WALLET_PASSWORD !== undefined && !c.ORACLE_WALLET_LOCATION)
    throw new ConfigError('ORACLE_WALLET_LOCATION: required with ORACLE_WALLET_PASSWORD', {
      variable: 'ORACLE_WALLET_LOCATION',
    });
  return {
    ...(c.ORACLE_CONFIG_DIR ? { configDir: c.ORACLE_CONFIG_DIR } : {}),
    ...(c.ORACLE_WALLET_LOCATION ? { walletLocation: c.ORACLE_WALLET_LOCATION } : {}),
    ...(c.ORACLE_WALLET_PASSWORD !== undefined
      ? { walletPassword: need(c.ORACLE_WALLET_PASSWORD, 'ORACLE_WALLET_PASSWORD', 'Oracle wallet password') }
      : {}),
  };
}

function need(value: string | undefined, name: string, what: string): string {
  const r = secret(what).safeParse(value);
  if (!r.success) throw new ConfigError(`${name}: ${r.error.issues[0]?.message}`, { variable: name });
  return r.data;
}

/** The serve access token settings; the token is a non-enumerable property (kept out of JSON and `util.inspect`). */
function serveAuth(c: RawConfig): AppConfig['serve']['auth'] {
  if (c.SERVE_AUTH_TOKEN && c.SERVE_AUTH_TOKEN_FILE) {
    throw new ConfigError('SERVE_AUTH_TOKEN and SERVE_AUTH_TOKEN_FILE are both set: set one', {
      variable: 'SERVE_AUTH_TOKEN_FILE',
    });
  }
  const auth: AppConfig['serve']['auth'] = c.SERVE_AUTH_TOKEN_FILE ? { tokenFile: c.SERVE_AUTH_TOKEN_FILE } : {};
  if (c.SERVE_AUTH_TOKEN) Object.defineProperty(auth, 'token', { value: c.SERVE_AUTH_TOKEN, enumerable: false });
  return auth;
}

/** The serve TLS files: both or neither. */
function serveTls(c: RawConfig): AppConfig['serve']['tls'] {
  if (!c.SERVE_TLS_CERT_FILE !== !c.SERVE_TLS_KEY_FILE) {
    const missing = c.SERVE_TLS_CERT_FILE ? 'SERVE_TLS_KEY_FILE' : 'SERVE_TLS_CERT_FILE';
    throw new ConfigError(
      `${missing}: required with ${missing === 'SERVE_TLS_KEY_FILE' ? 'SERVE_TLS_CERT_FILE' : 'SERVE_TLS_KEY_FILE'} (HTTPS needs both)`,
      { variable: missing },
    );
  }
  return c.SERVE_TLS_CERT_FILE && c.SERVE_TLS_KEY_FILE
    ? { certFile: c.SERVE_TLS_CERT_FILE, keyFile: c.SERVE_TLS_KEY_FILE }
    : undefined;
}

/**
 * Validate the environment once and build the config. Throws `ConfigError` listing every invalid
 * variable (name and problem) — callers print it and exit non-zero.
 */
export function loadConfig(env: NodeJS.ProcessEnv = effectiveEnv()): AppConfig {
  const parsed = base.safeParse(resolveSecretFiles(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, {});
  }
  const c = parsed.data;
  const searchUrl =
    c.SEARCH_URL ?? (c.SEARCH_ENGINE === 'opensearch' ? 'http://127.0.0.1:9200' : 'http://127.0.0.1:9201');
  const pgTls = pgSslConfig(c);
  const pgSslField = pgTls ? { ssl: pgTls } : {};
  const profiles: AppConfig['profiles'] =
    c.PROFILES_STORE === 'postgres'
      ? {
          store: 'postgres',
          postgres: {
            host: c.PROFILES_PG_HOST,
            port: c.PROFILES_PG_PORT,
            database: c.PROFILES_PG_DATABASE,
            user: c.PROFILES_PG_USER,
            password: need(
              c.PROFILES_PG_PASSWORD,
              'PROFILES_PG_PASSWORD',
              'PostgreSQL password; `npm run services -- up` generates one locally',
            ),
            ...pgSslField,
          },
        }
      : {
          store: 'oracle',
          oracle: {
            connectString: need(c.ORACLE_CONNECT_STRING, 'ORACLE_CONNECT_STRING', 'Oracle connect string'),
            user: need(c.ORACLE_USER, 'ORACLE_USER', 'Oracle user'),
            password: need(c.ORACLE_PASSWORD, 'ORACLE_PASSWORD', 'Oracle password'),
            ...oracleTlsConfig(c),
          },
        };
  return {
    temporal: withAll(
      {
        address: c.TEMPORAL_ADDRESS,
        namespace: c.TEMPORAL_NAMESPACE,
        uiUrl: c.TEMPORAL_UI_URL,
        taskQueues: { batch: c.TASK_QUEUE_BATCH, stream: c.TASK_QUEUE_STREAM },
        schedules: { batch: c.SCHEDULE_ID_BATCH, profileCache: c.SCHEDULE_ID_PROFILE_CACHE },
      },
      temporalSecurityConfig(c),
    ),
    kafka: {
      brokers: c.KAFKA_BROKERS,
      clientId: c.KAFKA_CLIENT_ID,
      topics: { events: c.KAFKA_TOPIC_EVENTS, aggregates: c.KAFKA_TOPIC_AGGREGATES, dlq: c.KAFKA_TOPIC_DLQ },
      ...kafkaSecurityConfig(c),
    },
    search: withAll(
      { engine: c.SEARCH_ENGINE, url: searchUrl, indexPrefix: c.SEARCH_INDEX_PREFIX },
      searchSecurityConfig(c),
    ),
    profiles,
    paths: {
      landingDir: c.LANDING_DIR,
      lakeDir: c.LAKE_DIR,
      quarantineDir: c.QUARANTINE_DIR,
      workDir: c.WORK_DIR,
      statusReference: c.STATUS_REFERENCE_PATH ?? `${ROOT_DIR}/reference/http-status-codes.xml`,
    },
    ads: {
      topics: {
        impressions: c.ADS_TOPIC_IMPRESSIONS,
        clicks: c.ADS_TOPIC_CLICKS,
        dlq: c.ADS_TOPIC_DLQ,
        metrics: c.ADS_TOPIC_METRICS,
      },
      campaignsPath: c.ADS_CAMPAIGNS_PATH ?? `${ROOT_DIR}/reference/campaigns.csv`,
      joinWindowMs: c.ADS_JOIN_WINDOW_MINUTES * 60_000,
      allowedLatenessMs: c.ADS_ALLOWED_LATENESS_MS,
      workflowId: c.ADS_STREAM_WORKFLOW_ID,
    },
    stream: {
      profileFullReloadMs: c.PROFILE_CACHE_FULL_RELOAD_MINUTES * 60_000,
      workflowId: c.STREAM_WORKFLOW_ID,
      stateThreads: c.STREAM_STATE_THREADS,
      lakeSink: c.STREAM_LAKE_SINK === 'on',
      checkpoints: {
        // The password is checked when the checkpoint store is created (commands that never touch it do not need it).
        postgres: {
          host: c.PROFILES_PG_HOST,
          port: c.PROFILES_PG_PORT,
          database: c.PROFILES_PG_DATABASE,
          user: c.PROFILES_PG_USER,
          password: c.PROFILES_PG_PASSWORD,
          ...pgSslField,
        },
        snapshotEvery: c.STREAM_CHECKPOINT_SNAPSHOT_EVERY,
        retentionMs: c.STREAM_CHECKPOINT_RETENTION_MINUTES * 60_000,
      },
    },
    batch: {
      rejectThreshold: c.BATCH_REJECT_THRESHOLD,
      scheduleCron: c.BATCH_SCHEDULE_CRON,
      scheduleTimezone: c.BATCH_SCHEDULE_TIMEZONE,
      lookbackDays: c.BATCH_LOOKBACK_DAYS,
      duckdbMemoryLimit: c.DUCKDB_MEMORY_LIMIT,
      duckdbThreads: c.DUCKDB_THREADS,
    },
    loyalty: { table: c.LOYALTY_TABLE, scheduleId: c.SCHEDULE_ID_LOYALTY, everyMinutes: c.LOYALTY_SCHEDULE_MINUTES },
    serve: {
      port: c.SERVE_PORT,
      host: c.SERVE_HOST,
      checkTimeoutMs: c.SERVE_CHECK_TIMEOUT_MS,
      limits: {
        requestTimeoutMs: c.SERVE_REQUEST_TIMEOUT_MS,
        maxConcurrent: c.SERVE_MAX_CONCURRENT,
        maxQueued: c.SERVE_MAX_QUEUED,
        maxResultBuckets: c.SERVE_MAX_RESULT_BUCKETS,
        maxResponseBytes: c.SERVE_MAX_RESPONSE_BYTES,
        maxRangeDays: c.SERVE_MAX_RANGE_DAYS,
        headersTimeoutMs: c.SERVE_HEADERS_TIMEOUT_MS,
      },
      allowedHosts: c.SERVE_ALLOWED_HOSTS?.length ? c.SERVE_ALLOWED_HOSTS : undefined,
      auth: serveAuth(c),
      tls: serveTls(c),
    },
  };
}

/** Every variable with its description and default, for `viewership config --help`-style docs. */
export function describeConfig(): { name: string; description: string; default?: unknown }[] {
  return Object.entries(base.shape).map(([name, schema]) => {
    const def = (schema as z.ZodTypeAny)._def;
    const dflt = def.typeName === 'ZodDefault' ? def.defaultValue() : undefined;
    return { name, description: (schema as z.ZodTypeAny).description ?? '', default: dflt };
  });
}
