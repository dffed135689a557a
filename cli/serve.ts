/** `viewership serve`: the serving API and the dashboard, until SIGINT/SIGTERM. */
import type { AppConfig } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { createServeResources } from '../lib/serve/resources.js';
import { startServer } from '../lib/serve/server.js';

/** A running server with its clients; `stop()` closes both. */
export interface RunningServer {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

/** Start the server with its own clients (the demo and tests use this; the CLI adds signal handling). */
export async function startServe(cfg: AppConfig, o: { port?: number; host?: string; streamWorkflowId?: string } = {}): Promise<RunningServer> {
  const port = o.port ?? cfg.serve.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BadInputError(`--port must be an integer 0-65535 (got ${port})`);
  const resources = createServeResources(cfg);
  try {
    const s = await startServer({ resources, host: o.host ?? cfg.serve.host, port, streamWorkflowId: o.streamWorkflowId ?? cfg.stream.workflowId, checkTimeoutMs: cfg.serve.checkTimeoutMs });
    return { url: s.url, port: s.port, stop: async () => { await s.close(); await resources.close(); } };
  } catch (err) {
    await resources.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new BadInputError(`port ${port} is already in use (choose another with --port or SERVE_PORT)`);
    throw err;
  }
}

/** `viewership serve`: print the dashboard URL and serve until interrupted. */
export async function serveCommand(cfg: AppConfig, o: { port?: number; host?: string }): Promise<void> {
  const s = await startServe(cfg, o);
  console.log(`dashboard: ${s.url}/\nAPI: ${s.url}/api/viewership  ${s.url}/api/health  ${s.url}/openapi.json\nTemporal UI: ${cfg.temporal.uiUrl}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await s.stop();
}
