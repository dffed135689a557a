/** Temporal client connection from config, and links into the Temporal Web UI for operators. */
import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from './config.js';
import { ServiceUnavailableError } from './errors.js';
import { temporalConnectionOptions } from './security.js';

/** Connect a Temporal client (TLS / API key per `temporalConnectionOptions`); a clear error names the address when the server does not answer. */
export async function connectTemporal(cfg: AppConfig['temporal']): Promise<Client> {
  // Outside the try: a certificate file that cannot be read is a ConfigError, not "not reachable".
  const options = temporalConnectionOptions(cfg);
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: '5s' });
    return new Client({ connection, namespace: cfg.namespace });
  } catch (err) {
    throw new ServiceUnavailableError(
      `Temporal is not reachable at ${cfg.address} (is it up? try: npm run services -- up)`,
      { service: 'temporal' },
      { cause: err },
    );
  }
}

/** Web UI link to one workflow execution. */
export function workflowUrl(cfg: AppConfig['temporal'], workflowId: string, runId?: string): string {
  const base = `${cfg.uiUrl}/namespaces/${encodeURIComponent(cfg.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}` : base;
}
