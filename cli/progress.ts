/** Progress display on stderr: one rewritten line on a terminal, a line every few seconds otherwise (CI logs). */
import { setTimeout as sleep } from 'node:timers/promises';

/** A progress reporter; `done` ends the line. */
export interface Progress {
  update(text: string): void;
  done(text?: string): void;
}

/** Create a progress reporter writing to stderr. */
export function progress(label: string, minIntervalMs = 3000): Progress {
  const tty = process.stderr.isTTY;
  let last = 0;
  let lastText = '';
  return {
    update(text) {
      lastText = text;
      if (tty) process.stderr.write(`\r\x1b[2K${label} ${text}`);
      else if (Date.now() - last >= minIntervalMs) {
        last = Date.now();
        process.stderr.write(`${label} ${text}\n`);
      }
    },
    done(text) {
      if (tty) process.stderr.write(`\r\x1b[2K${label} ${text ?? lastText}\n`);
      else process.stderr.write(`${label} ${text ?? lastText}\n`);
    },
  };
}

/** Human-readable count (1.2M, 34k). */
export function count(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : String(n);
}

/** Await `result`, calling `tick` about every `intervalMs` until it settles (for progress displays). */
export async function whilePending<T>(result: Promise<T>, tick: () => Promise<void>, intervalMs = 1000): Promise<T> {
  let settled = false;
  const quiet = result.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await tick().catch(() => undefined);
    await Promise.race([quiet, sleep(intervalMs)]);
  }
  return result;
}
