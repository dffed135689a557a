/** `viewership serve`: the serving API and the dashboard, until SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { AppConfig } from '../lib/config.js';
import { BadInputError, ConfigError } from '../lib/errors.js';
import { createServeResources } from '../serve/resources.js';
import { startServer } from '../serve/server.js';

/** A running server with its clients; `stop()` closes both. */
export interface RunningServer {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

/** A file's text, or a `ConfigError` naming the variable that points at it (never the file's content). */
function readSetting(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      variable,
    });
  }
}

/** The access token: SERVE_AUTH_TOKEN, or the content of SERVE_AUTH_TOKEN_FILE (trimmed); undefined when neither is set. */
export function serveToken(cfg: AppConfig): string | undefined {
  if (cfg.serve.auth.token) return cfg.serve.auth.token;
  const file = cfg.serve.auth.tokenFile;
  if (!file) return undefined;
  const token = readSetting(file, 'SERVE_AUTH_TOKEN_FILE').trim();
  if (token.length < 16)
    throw new ConfigError(`SERVE_AUTH_TOKEN_FILE: the token in ${file} must be at least 16 characters`, {
      variable: 'SERVE_AUTH_TOKEN_FILE',
    });
  return token;
}

/** True for addresses only this machine reaches. */
const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** Start the server with its own clients (the demo and tests use this; the CLI adds signal handling). */
export async function startServe(
  cfg: AppConfig,
  o: { port?: number; host?: string; streamWorkflowId?: string } = {},
): Promise<RunningServer & { warnings: string[] }> {
  const port = o.port ?? cfg.serve.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new BadInputError(`--port must be an integer 0-65535 (got ${port})`);
  const host = o.host ?? cfg.serve.host;
  const authToken = serveToken(cfg);
  const tls = cfg.serve.tls
    ? {
        cert: readSetting(cfg.serve.tls.certFile, 'SERVE_TLS_CERT_FILE'),
        key: readSetting(cfg.serve.tls.keyFile, 'SERVE_TLS_KEY_FILE'),
      }
    : undefined;
  const warnings: string[] = [];
  if (!isLoopback(host) && !authToken)
    warnings.push(
      `serving on ${host}, beyond this machine, without an access token: set SERVE_AUTH_TOKEN (and SERVE_TLS_CERT_FILE/SERVE_TLS_KEY_FILE) for anything but a trusted network`,
    );
  const resources = createServeResources(cfg);
  try {
    const s = await startServer({
      resources,
      host,
      port,
      streamWorkflowId: o.streamWorkflowId ?? cfg.stream.workflowId,
      checkTimeoutMs: cfg.serve.checkTimeoutMs,
      limits: cfg.serve.limits,
      allowedHosts: cfg.serve.allowedHosts,
      authToken,
      tls,
    });
    return {
      url: s.url,
      port: s.port,
      warnings,
      stop: async () => {
        await s.close();
        await resources.close();
      },
    };
  } catch (err) {
    await resources.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new BadInputError(`port ${port} is already in use (choose another with --port or SERVE_PORT)`);
    if (
      (err as { library?: string }).library !== undefined ||
      /PEM|key values mismatch|certificate/i.test((err as Error).message)
    ) {
      throw new ConfigError(
        `SERVE_TLS_CERT_FILE/SERVE_TLS_KEY_FILE: not a usable PEM certificate and key (${(err as { code?: string }).code ?? 'TLS error'})`,
        { variable: 'SERVE_TLS_KEY_FILE' },
      );
    }
    throw err;
  }
}

/** `viewership serve`: print the dashboard URL and serve until interrupted. */
export async function serveCommand(cfg: AppConfig, o: { port?: number; host?: string }): Promise<void> {
  const s = await startServe(cfg, o);
  for (const w of s.warnings) console.error(`viewership: warning: ${w}`);
  console.log(
    `dashboard: ${s.url}/\nAPI: ${s.url}/api/viewership  ${s.url}/api/health  ${s.url}/openapi.json\nTemporal UI: ${cfg.temporal.uiUrl}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await s.stop();
}
