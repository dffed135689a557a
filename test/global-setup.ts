/**
 * Integration-test precondition: every selected service answers a real request. `npm test` starts them
 * first; running vitest directly needs `npm run services -- up`. Fails with the list of what is down.
 */
import { contexts } from '../scripts/services/cli.js';
import { status } from '../scripts/services/manager.js';
import { selectServices } from '../scripts/services/registry.js';

export default async function setup(): Promise<void> {
  const rows = await status(
    await selectServices([], process.env),
    contexts(() => undefined),
  );
  // An optional service skipped for lack of network (Superset) is reported by its own test, not here.
  const down = rows.filter((r) => !r.up && !r.skipped);
  if (down.length) {
    throw new Error(
      `services not running: ${down.map((r) => `${r.name} (${r.address})`).join(', ')} — start them with: npm run services -- up`,
    );
  }
}
