/** What the CLI's Temporal commands share: one client per command, closed when it ends, and the date flag check. */
import type { Client } from '@temporalio/client';
import { isIsoDate } from '../common/weblog.js';
import type { AppConfig } from '../lib/config.js';
import { BadInputError } from '../lib/errors.js';
import { connectTemporal } from '../lib/temporal.js';

/** Run `f` with a Temporal client connected from the config; the connection is closed whatever `f` does. */
export async function withTemporal<T>(cfg: AppConfig, f: (c: Client) => Promise<T>): Promise<T> {
  const client = await connectTemporal(cfg.temporal);
  try {
    return await f(client);
  } finally {
    await client.connection.close();
  }
}

/** Reject a date flag that is not a real calendar date `YYYY-MM-DD`, naming the flag. */
export function checkDateFlag(flag: string, d: string): void {
  if (!isIsoDate(d)) throw new BadInputError(`${flag} must be a date YYYY-MM-DD (got "${d}")`);
}
