/**
 * A pool of worker processes of one role that the fault injector SIGKILLs and that are restarted after a delay;
 * a worker that exits on its own is restarted too, and counted.
 */
import { alive, spawnWorker, stopProc, type Proc } from './procs.js';

/** Worker processes of one role, kept at `size` except while a killed one waits for its restart. */
export class WorkerPool {
  private readonly procs: Proc[] = [];
  private started = 0;
  private closing = false;
  private backoffMs = 1000;
  /** Workers that exited without being killed by the run (restarted all the same). */
  unplannedExits = 0;

  constructor(
    private readonly role: 'stream' | 'batch',
    private readonly size: number,
    private readonly env: Record<string, string>,
    private readonly log: (m: string) => void,
  ) {}

  /** Start the pool's workers and wait until each polls. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.spawnOne()));
  }

  private async spawnOne(): Promise<void> {
    const p = spawnWorker(`${this.role}-worker-${++this.started}`, [this.role], this.env);
    const startedAt = Date.now();
    this.procs.push(p);
    p.child.once('exit', (code, signal) => {
      const i = this.procs.indexOf(p);
      if (i < 0 || this.closing) return; // killed on purpose, or shutting down
      this.procs.splice(i, 1);
      this.unplannedExits++;
      // Exits in a row (e.g. Temporal unreachable while it restarts) back off: 2 s, 4 s, … up to 16 s.
      this.backoffMs = Date.now() - startedAt > 60_000 ? 2000 : Math.min(16_000, this.backoffMs * 2);
      this.log(
        `${p.name} exited on its own (${code ?? signal}), restart in ${this.backoffMs / 1000} s: ${p.output().trim().split('\n').slice(-2).join(' | ')}`,
      );
      setTimeout(() => void this.respawn(), this.backoffMs);
    });
    await p.ready.catch((err) => this.log(`${p.name}: ${(err as Error).message.slice(0, 300)}`));
  }

  private async respawn(): Promise<void> {
    if (!this.closing) await this.spawnOne();
  }

  /** SIGKILL one live worker (chosen by `pick`), then restart one after `restartAfterMs`; returns the killed one's name. */
  async killOne(pick: (n: number) => number, restartAfterMs: number): Promise<string | undefined> {
    // A worker that polls (one still starting up holds no work yet; wait up to 30 s for one), else any live one.
    const isPolling = (p: Proc) => alive(p) && p.isReady();
    for (let i = 0; i < 60 && !this.procs.some(isPolling); i++) await new Promise((r) => setTimeout(r, 500));
    const polling = this.procs.filter(isPolling);
    const live = polling.length ? polling : this.procs.filter(alive);
    if (live.length === 0) return undefined;
    const p = live[pick(live.length)]!;
    this.procs.splice(this.procs.indexOf(p), 1);
    await stopProc(p, 'SIGKILL');
    setTimeout(() => void this.respawn(), restartAfterMs);
    return `${p.name} (pid ${p.child.pid})`;
  }

  /** Wait until the pool is back at full size with every worker polling (after kills), up to `timeoutMs`. */
  async whole(timeoutMs = 120_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.procs.filter(alive).length >= this.size) {
        await Promise.all(this.procs.map((p) => p.ready.catch(() => undefined)));
        return true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  }

  /** Stop every worker (SIGTERM, SIGKILL after the grace period) and restart none. */
  async stop(): Promise<void> {
    this.closing = true;
    await Promise.all(this.procs.map((p) => stopProc(p, 'SIGTERM', 20_000)));
  }
}
