/**
 * The campaigns dimension of the ad stream: the campaigns CSV loaded into memory, reloaded when the file changes
 * (mtime + size, then a content hash), keeping the last good version when the file cannot be used, with a
 * status for /api/health and a plain snapshot that can be posted to a worker thread.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { UNKNOWN_NETWORK, type Campaign } from '../../common/ads.js';
import { parseCampaignsCsv, writeCampaignRejects } from './campaigns-csv.js';

/** Campaigns as a structured-cloneable value (for `postMessage` to a worker thread): id → network and name. */
export interface CampaignSnapshot {
  /** Increases with every new version loaded (0: nothing loaded yet). */
  version: number;
  byId: Map<string, { networkId: string; name: string }>;
}

/** What /api/health shows of the campaigns file. */
export interface CampaignStatus {
  path: string;
  /** When the version in use was loaded (ISO), null when no version was ever loaded. */
  loadedAt: string | null;
  campaigns: number;
  /** Rows of the version in use that were quarantined. */
  rejected: number;
  /** Why the file on disk is not in use (missing, unreadable, wrong header, no valid rows), naming the file. */
  problem?: string;
}

/** Options of a {@link CampaignDirectory}. */
export interface CampaignDirectoryOptions {
  /** Rejected rows go to `<quarantineDir>/campaigns/<file name>.rejects.csv`. */
  quarantineDir: string;
  /** Called after a new version is loaded (not when a reload fails or the content is unchanged). */
  onChange?: (snapshot: CampaignSnapshot) => void;
  /** Largest usable file, bytes (default 64 MB). */
  maxBytes?: number;
}

/** Network id of `campaignId` in `snapshot`, or {@link UNKNOWN_NETWORK} when the campaign is not in it. */
export function networkOf(snapshot: CampaignSnapshot, campaignId: string): string {
  return snapshot.byId.get(campaignId)?.networkId ?? UNKNOWN_NETWORK;
}

/** The campaigns file in memory; the constructor loads it once (a failure shows in `status().problem`). */
export class CampaignDirectory {
  private campaigns = new Map<string, Campaign>();
  private rejected = 0;
  private loadedAt: string | null = null;
  private problem: string | undefined;
  private statKey: string | undefined;
  private hash: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private versionNo = 0;

  constructor(
    readonly path: string,
    private readonly o: CampaignDirectoryOptions,
  ) {
    this.reloadIfChanged();
  }

  /** The campaign of `campaignId` in the version in use. */
  get(campaignId: string): Campaign | undefined {
    return this.campaigns.get(campaignId);
  }

  /** Every campaign of the version in use. */
  all(): Campaign[] {
    return [...this.campaigns.values()];
  }

  /** Number of the version in use (0: none loaded). */
  get version(): number {
    return this.versionNo;
  }

  /**
   * Reload when the file changed: a changed mtime or size leads to reading it, a changed content hash to parsing it.
   * Returns true when a new version is now in use. Never throws: an unusable file sets `problem` and keeps the
   * last good version.
   */
  reloadIfChanged(): boolean {
    let text: string;
    try {
      const st = statSync(this.path);
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      const key = `${st.mtimeMs}:${st.size}`;
      if (key === this.statKey) return false;
      if (st.size > (this.o.maxBytes ?? 64 << 20)) {
        this.hash = undefined;
        return this.fail(`${this.path} is too large (${st.size} bytes, at most ${this.o.maxBytes ?? 64 << 20})`, key);
      }
      text = readFileSync(this.path, 'utf8');
      this.statKey = key;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'is missing' : `cannot be read (${e.code ?? e.message})`;
      // Forget what was seen so the file is read again once it is back, whatever its mtime.
      this.statKey = undefined;
      this.hash = undefined;
      return this.fail(`${this.path} ${why}`, undefined);
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.hash) return false;
    this.hash = hash;
    const parsed = parseCampaignsCsv(text, this.path);
    let problem = parsed.problem;
    try {
      writeCampaignRejects(this.o.quarantineDir, this.path, parsed.rejects);
    } catch (err) {
      // Quarantine unwritable: the rows are still counted and the problem shown, never silently dropped.
      problem ??= `rejected rows of ${this.path} cannot be written to the quarantine (${(err as Error).message})`;
    }
    if (parsed.campaigns.size === 0) return this.fail(problem!, this.statKey);
    this.campaigns = parsed.campaigns;
    this.rejected = parsed.rejects.length;
    this.loadedAt = new Date().toISOString();
    this.problem = problem;
    this.versionNo++;
    this.o.onChange?.(this.snapshot());
    return true;
  }

  private fail(problem: string, statKey: string | undefined): false {
    this.problem = problem;
    this.statKey = statKey;
    return false;
  }

  /** Check the file every `intervalMs` (the timer does not keep the process alive); idempotent. */
  start(intervalMs = 15_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.reloadIfChanged(), intervalMs);
    this.timer.unref();
  }

  /** Stop checking the file. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The file, the version in use and the problem with the file on disk, if any. */
  status(): CampaignStatus {
    return {
      path: this.path,
      loadedAt: this.loadedAt,
      campaigns: this.campaigns.size,
      rejected: this.rejected,
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  /** The version in use as a plain value for another thread. */
  snapshot(): CampaignSnapshot {
    const byId = new Map<string, { networkId: string; name: string }>();
    for (const c of this.campaigns.values()) byId.set(c.campaignId, { networkId: c.networkId, name: c.name });
    return { version: this.versionNo, byId };
  }
}
