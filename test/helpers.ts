/** Shared helpers of the integration tests: config of the local services and which engines are up. */
import { contexts } from '../scripts/services/cli.js';
import { status } from '../scripts/services/manager.js';
import { selectServices } from '../scripts/services/registry.js';
import { effectiveEnv, loadConfig, type AppConfig } from '../lib/config.js';

/** Validated config for the local services (reads .services/secrets.env like the app does). */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): AppConfig {
  return loadConfig({ ...effectiveEnv(process.env), ...overrides });
}

/** Status of the project's services, by name. */
export async function serviceStatus(): Promise<Record<string, { up: boolean; address: string }>> {
  const rows = await status(
    await selectServices([], process.env),
    contexts(() => undefined),
  );
  return Object.fromEntries(rows.map((r) => [r.name, { up: r.up, address: r.address }]));
}

/** A unique, lowercase name for test resources (topics, indices, ids) so runs never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
