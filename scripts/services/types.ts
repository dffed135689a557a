/**
 * Shared contract for the local service provisioner: every real server the project needs
 * (Temporal, Kafka, OpenSearch, Elasticsearch, PostgreSQL) is described by one `ServiceDef`.
 */

/** Paths and settings every service module receives from the provisioner. */
export interface ServiceContext {
  /** Repository root (absolute). */
  root: string;
  /** `.services/` (or $VIEWERSHIP_SERVICES_DIR): everything the provisioner creates lives below it. */
  home: string;
  /** Download cache shared by services (`<home>/cache`): Maven repo, virtualenv, jars. Survives `down`. */
  cacheDir: string;
  /** Per-service data directory (`<home>/data/<name>`), created before `start`. */
  dataDir: string;
  /** Per-service log file (`<home>/logs/<name>.log`); `start` must send the server's stdout/stderr here. */
  logFile: string;
  /** Environment the provisioner runs with (ports and paths are read from here with defaults). */
  env: NodeJS.ProcessEnv;
  /** Progress line printer (one short line per step). */
  log: (msg: string) => void;
}

/** One real server: how to install it, start it, prove it is ready, and prepare it for the project. */
export interface ServiceDef {
  /** Short name used on the command line and in file names (`kafka`, `opensearch`, ...). */
  name: string;
  /** Human-readable version that `status` prints, e.g. `Kafka 3.9.1 (KRaft)`. */
  version: string;
  /** Address clients use, e.g. `127.0.0.1:9092`. */
  address(ctx: ServiceContext): string;
  /** Install binaries/jars if missing (idempotent, cached under ctx.cacheDir). */
  install(ctx: ServiceContext): Promise<void>;
  /**
   * Start the server in the background (detached, own process group), logging to ctx.logFile.
   * Returns the pid to record; `down` kills this pid's process group.
   */
  start(ctx: ServiceContext): Promise<number>;
  /** One real request (not just an open port); true when the server answers correctly. Must not throw. */
  ready(ctx: ServiceContext): Promise<boolean>;
  /** Project setup once ready (topics, search attributes, migrations). Idempotent. */
  setup?(ctx: ServiceContext): Promise<void>;
  /** Optional custom stop; default is SIGTERM to the recorded process group, then SIGKILL after a grace period. */
  stop?(ctx: ServiceContext, pid: number): Promise<void>;
  /** Max milliseconds to wait for `ready` after `start` (default 120000). */
  startTimeoutMs?: number;
  /**
   * When true, `up` goes on without this service if `install` throws `ServiceUnavailableError` (its download
   * source cannot be reached): one line says so, and `status` shows it as skipped. Any other failure still fails `up`.
   */
  optional?: boolean;
}

/** Thrown by `install` when what it needs cannot be downloaded for lack of network (not for any other failure). */
export class ServiceUnavailableError extends Error {}
