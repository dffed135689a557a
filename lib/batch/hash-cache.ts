/**
 * Cache of landed files' sha256 by (name, size, mtime), so checking an unchanged landing directory costs
 * one stat per file. It is only a cache: missing, unreadable or corrupt (bad JSON, wrong shape, a bad
 * entry) it counts as empty, is rebuilt by hashing and rewritten whole — never an error, never trusted blindly.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../fsutil.js';

/** One cached hash. */
export interface HashCacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

const validEntry = (e: unknown): e is HashCacheEntry => {
  const x = e as Partial<HashCacheEntry> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    Number.isSafeInteger(x.size) &&
    (x.size as number) >= 0 &&
    Number.isFinite(x.mtimeMs) &&
    typeof x.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(x.sha256)
  );
};

/** The hash cache of one landing directory, kept in a JSON file. */
export class HashCache {
  private readonly seen = new Map<string, HashCacheEntry>();

  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, HashCacheEntry>,
    readonly problem: string | undefined,
  ) {}

  /** Load the cache at `path`; `problem` says why it was discarded when it could not be used. */
  static load(path: string): HashCache {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return new HashCache(path, new Map(), code === 'ENOENT' ? undefined : `unreadable (${code})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return new HashCache(path, new Map(), 'not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return new HashCache(path, new Map(), 'not a JSON object');
    const entries = new Map(Object.entries(parsed).filter((kv): kv is [string, HashCacheEntry] => validEntry(kv[1])));
    const dropped = Object.keys(parsed).length - entries.size;
    return new HashCache(
      path,
      entries,
      dropped ? `${dropped} malformed entr${dropped === 1 ? 'y' : 'ies'}` : undefined,
    );
  }

  /** The cached sha256 of `name` when its size and mtime are unchanged. */
  get(name: string, size: number, mtimeMs: number): string | undefined {
    const e = this.entries.get(name);
    return e && e.size === size && e.mtimeMs === mtimeMs ? e.sha256 : undefined;
  }

  /** Record `name`'s hash; only names recorded since loading are saved. */
  set(name: string, entry: HashCacheEntry): void {
    this.seen.set(name, entry);
  }

  /** Write the recorded entries atomically (replacing whatever was there, corrupt or not). */
  save(): void {
    writeFileAtomic(this.path, JSON.stringify(Object.fromEntries(this.seen)));
  }
}
