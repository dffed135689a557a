/**
 * The index step against an in-memory search sink, read back with the serving layer's own reader
 * (`batchTotals`): a day is never complete to readers while its documents are being replaced, and a re-run
 * that fails half-way leaves it not complete rather than a mix of the old and new runs' documents.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import type { Json, SearchRequest, SearchResult, SearchSink } from '../adapters/search/types.js';
import type { BatchDoc } from '../lib/batch/aggregate.js';
import { batchTotals } from '../lib/views/batch-view.js';
import { createSearchActivities } from './search.js';

const DATE = '2031-08-09';
const PREFIX = 'unit';
const root = mkdtempSync(`${tmpdir()}/search-act-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Does the stored document match the (small subset of the) query DSL the batch layer uses? */
function matches(id: string, doc: Json, q: Json): boolean {
  const [[op, arg]] = Object.entries(q) as [[string, any]];
  if (op === 'ids') return (arg.values as string[]).includes(id);
  if (op === 'term') return Object.entries(arg).every(([f, v]) => doc[f] === v);
  if (op === 'terms') return Object.entries(arg).every(([f, vs]) => (vs as unknown[]).includes(doc[f]));
  if (op === 'bool')
    return (
      (arg.filter ?? []).every((c: Json) => matches(id, doc, c)) &&
      !(arg.must_not ?? []).some((c: Json) => matches(id, doc, c))
    );
  throw new Error(`query ${op} not supported by the fake`);
}

/** An in-memory single-index sink; every write is applied at once and recorded as a snapshot. */
class MemorySink implements SearchSink {
  readonly engine = 'opensearch' as const;
  docs = new Map<string, Json>();
  snapshots: Map<string, Json>[] = [];
  bulkCalls = 0;
  failBulkCall?: number;
  private changed() {
    this.snapshots.push(new Map(this.docs));
  }
  async info() {
    return { engine: 'opensearch', version: '0', clusterName: 'memory' };
  }
  async putIndexTemplate() {}
  async ensureIndex() {}
  async deleteIndex() {}
  async refresh() {}
  async close() {}
  async bulkIndex(_index: string, docs: BatchDoc[]) {
    if (++this.bulkCalls === this.failBulkCall) throw new Error('socket hang up');
    for (const d of docs) this.docs.set(d.id, d.doc);
    this.changed();
    return { written: docs.length, failed: [] };
  }
  async bulkCreate(): Promise<never> {
    throw new Error('not used');
  }
  async mget<T>(_index: string, ids: string[]) {
    return new Map(ids.filter((id) => this.docs.has(id)).map((id) => [id, this.docs.get(id) as T]));
  }
  async get<T>(_index: string, id: string) {
    return this.docs.get(id) as T | undefined;
  }
  async search<T>(_index: string, req: SearchRequest): Promise<SearchResult<T>> {
    const hits = [...this.docs]
      .filter(([id, d]) => !req.query || matches(id, d, req.query))
      .map(([id, source]) => ({ id, source: source as T }));
    return { total: hits.length, hits: hits.slice(0, req.size ?? 10) };
  }
  async deleteByQuery(_index: string, query: Json) {
    const ids = [...this.docs].filter(([id, d]) => matches(id, d, query)).map(([id]) => id);
    for (const id of ids) this.docs.delete(id);
    this.changed();
    return ids.length;
  }
}

/** One run's documents: the total plus `n` dimension documents numbered from `from`. */
function run(fingerprint: string, from: number, n: number): BatchDoc[] {
  const base = { date: DATE, input_fingerprint: fingerprint };
  return [
    { id: `${DATE}:total`, doc: { ...base, kind: 'total', requests: n } },
    ...Array.from({ length: n }, (_, i) => ({
      id: `${DATE}:dim:${from + i}`,
      doc: { ...base, kind: 'dimension', requests: 1 },
    })),
  ];
}

/** Write a run's aggregates file where the aggregate step puts it; returns its path. */
function aggregates(docs: unknown): string {
  const path = `${root}/work/runs/${DATE}/aggregates.json`;
  mkdirSync(`${root}/work/runs/${DATE}`, { recursive: true });
  writeFileSync(path, JSON.stringify(docs));
  return path;
}

/** The date's documents in a snapshot, as a map id → document. */
const dayDocs = (s: Map<string, Json>) => new Map([...s].filter(([, d]) => d.date === DATE));
const asMap = (docs: BatchDoc[]) => new Map(docs.map((d) => [d.id, d.doc]));
const sameDocs = (a: Map<string, Json>, b: Map<string, Json>) =>
  a.size === b.size && [...a].every(([id, d]) => JSON.stringify(d) === JSON.stringify(b.get(id)));

/** Is the date complete to readers in this snapshot (the serving layer's own test)? */
async function completeIn(s: Map<string, Json>): Promise<boolean> {
  const sink = new MemorySink();
  sink.docs = s;
  return (await batchTotals(sink, PREFIX, [DATE])).has(DATE);
}

describe('indexDailyAggregates: what readers see', () => {
  const oldRun = run('old', 0, 4500);
  const newRun = run('new', 1000, 4500);

  it("a day is complete to readers only with exactly one run's documents, never while they are replaced", async () => {
    const sink = new MemorySink();
    const acts = createSearchActivities({ search: sink, indexPrefix: PREFIX, workDir: `${root}/work` });
    await acts.indexDailyAggregates({ date: DATE, aggregatesPath: aggregates(oldRun) });
    const r = await acts.indexDailyAggregates({ date: DATE, aggregatesPath: aggregates(newRun) });
    expect(r).toMatchObject({ indexed: newRun.length, removed: 1000 });
    expect(dayDocs(sink.docs)).toEqual(asMap(newRun));
    expect(sink.snapshots.length).toBeGreaterThan(6);
    for (const [i, s] of sink.snapshots.entries()) {
      if (!(await completeIn(s))) continue;
      const docs = dayDocs(s);
      const whole = sameDocs(docs, asMap(oldRun)) || sameDocs(docs, asMap(newRun));
      expect(whole, `snapshot ${i}: complete to readers with ${docs.size} documents that are not one run's`).toBe(true);
    }
  });

  it('a re-run that fails half-way leaves the day not complete (no mix of old and new), and the next run completes it', async () => {
    const sink = new MemorySink();
    const acts = createSearchActivities({ search: sink, indexPrefix: PREFIX, workDir: `${root}/work` });
    await acts.indexDailyAggregates({ date: DATE, aggregatesPath: aggregates(oldRun) });
    expect(await acts.indexedFingerprint({ date: DATE })).toBe('old');
    sink.failBulkCall = sink.bulkCalls + 2; // the second bulk request of the re-run
    await expect(acts.indexDailyAggregates({ date: DATE, aggregatesPath: aggregates(newRun) })).rejects.toThrow(
      'socket hang up',
    );
    expect(await completeIn(sink.docs)).toBe(false);
    expect(await acts.indexedFingerprint({ date: DATE })).toBeUndefined(); // the scheduled lookback re-runs it
    await acts.indexDailyAggregates({ date: DATE, aggregatesPath: aggregates(newRun) });
    expect(await completeIn(sink.docs)).toBe(true);
    expect(dayDocs(sink.docs)).toEqual(asMap(newRun));
  });
});

describe('indexDailyAggregates: its own input', () => {
  const acts = createSearchActivities({ search: new MemorySink(), indexPrefix: PREFIX, workDir: `${root}/work` });
  const bad = async (p: Promise<unknown>, message: RegExp) => {
    const err = (await p.then(
      () => undefined,
      (e: unknown) => e,
    )) as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'BadInputError', nonRetryable: true });
    expect(err.message).toMatch(message);
  };
  it.each([
    [
      'an impossible date',
      () => acts.indexDailyAggregates({ date: '2031-02-29', aggregatesPath: aggregates(run('x', 0, 1)) }),
      /^indexDailyAggregates: date "2031-02-29" is not a calendar date/,
    ],
    [
      'a path outside the run',
      () => acts.indexDailyAggregates({ date: DATE, aggregatesPath: '/etc/passwd' }),
      /aggregatesPath "\/etc\/passwd" is not the aggregates file of 2031-08-09/,
    ],
    [
      "another date's documents",
      () =>
        acts.indexDailyAggregates({
          date: DATE,
          aggregatesPath: aggregates([{ id: '2031-08-10:total', doc: { date: '2031-08-10' } }]),
        }),
      /holds a document not of 2031-08-09/,
    ],
    [
      'no total document',
      () => acts.indexDailyAggregates({ date: DATE, aggregatesPath: aggregates(run('x', 0, 2).slice(1)) }),
      /has no total document/,
    ],
    [
      'a fingerprint query with no date',
      () => acts.indexedFingerprint({} as never),
      /^indexedFingerprint: date must be a date string/,
    ],
  ])('%s is a non-retryable BadInputError', async (_what, call, message) => {
    await bad(call(), message);
  });
});
