import { describe, expect, it } from 'vitest';
import { parseClick, parseImpression, UNKNOWN_NETWORK, type AdImpression } from '../../common/ads.js';
import { BAD_AD_REASONS } from './ads-messages.js';
import type { AdGroupTally, AdTally } from './ads-tally.js';
import { buildAdMessages, createAdGenerator, type AdMessage, type BuildAdOptions } from './ads.js';
import { generateCampaignList } from './campaigns.js';
import { SendQueue } from './send-queue.js';

const campaigns = generateCampaignList({ count: 30, networks: 5, seed: 1 });
const T0 = Date.parse('2031-03-01T00:00:00Z');
const base: BuildAdOptions = {
  campaigns,
  t0Ms: T0,
  impressions: 4000,
  impressionsPerSecond: 200,
  ctr: 0.05,
  orphanRate: 0.01,
  lateRate: 0.01,
  duplicateRate: 0.02,
  badRate: 0.01,
  unknownCampaignRate: 0.05,
  seed: 7,
};
const decode = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const bytes = (s: string) => Buffer.from(s, 'utf8');

/** Recount a run from the messages alone, in send order, the way the pipeline would see them. */
function recount(messages: AdMessage[]): Omit<AdTally, 'sent' | 'eventTimeFrom' | 'eventTimeTo' | 'outOfOrderClicks'> {
  const byId = new Map(campaigns.map((c) => [c.campaignId, c]));
  const r = {
    impressions: 0,
    matchedClicks: 0,
    orphanClicks: 0,
    duplicates: 0,
    late: 0,
    impressionCostMicros: 0,
    clickCostMicros: 0,
    viewMs: 0,
    unknownCampaignImpressions: 0,
    bad: Object.fromEntries(BAD_AD_REASONS.map((x) => [x, 0])) as AdTally['bad'],
    byCampaign: {} as Record<string, AdGroupTally>,
    byNetwork: {} as Record<string, AdGroupTally>,
  };
  const g = (k: string, into: Record<string, AdGroupTally>) =>
    (into[k] ??= { impressions: 0, clicks: 0, impressionCostMicros: 0, clickCostMicros: 0 });
  const imps = new Map<string, AdImpression>();
  const clicks = new Map<string, { joinId: string; t: number; cost: number }>();
  let maxT = -Infinity;
  for (const m of messages) {
    const p = m.topic === 'impressions' ? parseImpression(bytes(m.value), decode) : parseClick(bytes(m.value), decode);
    if (!p.ok) {
      r.bad[p.reason as keyof AdTally['bad']]++;
      continue;
    }
    const t = 'impression' in p ? p.impression.eventTimeMs : p.click.eventTimeMs;
    if (t < maxT - 30_000) {
      r.late++;
      continue;
    }
    maxT = Math.max(maxT, t);
    if ('impression' in p) {
      expect(m.key).toBe(p.impression.impressionId);
      if (imps.has(p.impression.impressionId)) r.duplicates++;
      else imps.set(p.impression.impressionId, p.impression);
    } else {
      expect(m.key).toBe(p.click.joinId);
      if (clicks.has(p.click.clickId)) r.duplicates++;
      else clicks.set(p.click.clickId, { joinId: p.click.joinId, t, cost: p.click.costMicros });
    }
  }
  for (const i of imps.values()) {
    const net = byId.get(i.campaignId)?.networkId ?? UNKNOWN_NETWORK;
    r.impressions++;
    r.impressionCostMicros += i.costMicros;
    r.viewMs += i.viewMs;
    if (net === UNKNOWN_NETWORK) r.unknownCampaignImpressions++;
    for (const x of [g(i.campaignId, r.byCampaign), g(net, r.byNetwork)]) {
      x.impressions++;
      x.impressionCostMicros += i.costMicros;
    }
  }
  for (const c of clicks.values()) {
    const i = imps.get(c.joinId);
    if (!i || c.t < i.eventTimeMs || c.t > i.eventTimeMs + 600_000) {
      r.orphanClicks++;
      continue;
    }
    r.matchedClicks++;
    r.clickCostMicros += c.cost;
    for (const x of [
      g(i.campaignId, r.byCampaign),
      g(byId.get(i.campaignId)?.networkId ?? UNKNOWN_NETWORK, r.byNetwork),
    ]) {
      x.clicks++;
      x.clickCostMicros += c.cost;
    }
  }
  return r;
}

describe('buildAdMessages', () => {
  const run = buildAdMessages(base);
  const { tally } = run;

  it('tallies what a parser of its messages counts, to the micro-unit', () => {
    const { sent: _s, eventTimeFrom: _f, eventTimeTo: _t, outOfOrderClicks: _o, ...own } = tally;
    expect(own).toEqual(recount(run.messages));
    expect(tally.impressions).toBe(4000);
    expect(tally.matchedClicks).toBeGreaterThan(150);
    for (const k of ['orphanClicks', 'duplicates', 'late', 'unknownCampaignImpressions', 'outOfOrderClicks'] as const)
      expect(tally[k]).toBeGreaterThan(0);
    expect(Object.keys(tally.byNetwork).sort()).toEqual(
      [...new Set(campaigns.map((c) => c.networkId)), UNKNOWN_NETWORK].sort(),
    );
    expect(tally.sent).toEqual({ impressions: run.impressions.length, clicks: run.clicks.length });
  });

  it('makes every malformed reason on both topics', () => {
    for (const topic of ['impressions', 'clicks'] as const) {
      const reasons = new Set(
        run.messages
          .filter((m) => m.kind === 'bad' && m.topic === topic)
          .map((m) => {
            const p =
              topic === 'impressions' ? parseImpression(bytes(m.value), decode) : parseClick(bytes(m.value), decode);
            return p.ok ? 'ok' : p.reason;
          }),
      );
      expect([...reasons].sort()).toEqual([...BAD_AD_REASONS].sort());
    }
  });

  it('sends clicks before their impression sometimes, and nothing but late messages behind the watermark', () => {
    const sentAt = new Map<string, number>();
    run.messages.forEach((m, i) => m.kind === 'impression' && sentAt.set(m.key, i));
    const early = run.messages.filter((m, i) => m.kind === 'click' && i < sentAt.get(m.key)!);
    expect(early.length).toBe(tally.outOfOrderClicks);
    let max = -Infinity;
    for (const m of run.messages) {
      if (m.eventTimeMs === null) continue;
      if (m.kind === 'late') expect(m.eventTimeMs).toBeLessThan(max - 590_000);
      else expect(m.eventTimeMs).toBeGreaterThanOrEqual(max - 12_000);
      max = Math.max(max, m.eventTimeMs);
    }
    const impT = new Map(run.messages.filter((m) => m.kind === 'impression').map((m) => [m.key, m.eventTimeMs!]));
    const delays = run.messages.filter((m) => m.kind === 'click').map((m) => m.eventTimeMs! - impT.get(m.key)!);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(300_000);
    expect(Math.max(...delays)).toBeGreaterThan(200_000);
  });

  it('uses the JSON shapes of the issue, costs with at most 6 decimal places, event times from t0', () => {
    const imp = JSON.parse(run.impressions[0]!.value);
    expect(Object.keys(imp).sort()).toEqual(
      [
        'ad_category',
        'ad_id',
        'browser',
        'campaign_id',
        'device',
        'event_time',
        'impression_cost',
        'impression_id',
        'location',
        'os',
        'page_id',
        'referrer',
        'session_id',
        'user_id',
        'view_ms',
      ]
        .filter((k) => k in imp)
        .sort(),
    );
    const click = JSON.parse(run.messages.find((m) => m.kind === 'click')!.value);
    expect(Object.keys(click).sort()).toEqual(['click_cost', 'click_id', 'click_position', 'event_time', 'join_id']);
    for (const m of run.messages) {
      if (m.kind === 'bad') continue;
      const cost = /"(?:impression|click)_cost":([^,}]+)/.exec(m.value)![1]!;
      expect(cost).toMatch(/^\d+(\.\d{1,6})?$/);
    }
    expect(Date.parse(tally.eventTimeFrom!)).toBeGreaterThan(T0 - 620_000);
    expect(Date.parse(tally.eventTimeFrom!)).toBeLessThan(T0);
    expect(Date.parse(tally.eventTimeTo!)).toBeLessThanOrEqual(T0 + 20_000 + 300_001 + 500);
  });

  it('is deterministic per seed', () => {
    const again = buildAdMessages(base);
    expect(again.messages.map((m) => m.value)).toEqual(run.messages.map((m) => m.value));
    expect(buildAdMessages({ ...base, seed: 8, impressions: 50 }).impressions[0]!.value).not.toBe(
      run.impressions[0]!.value,
    );
  });

  it('counts clicks beyond the join window as orphans, and rejects bad options', () => {
    const far = buildAdMessages({
      ...base,
      impressions: 500,
      ctr: 1,
      outOfOrderRate: 0,
      clickDelayMs: [700_000, 800_000],
      orphanRate: 0,
      lateRate: 0,
      duplicateRate: 0,
      badRate: 0,
    });
    expect(far.tally.matchedClicks).toBe(0);
    expect(far.tally.orphanClicks).toBe(far.clicks.length);
    expect(() => createAdGenerator({ ...base, ctr: 2 })).toThrow('--ctr must be between 0 and 1 (got 2)');
    expect(() => createAdGenerator({ ...base, campaigns: [] })).toThrow(/no campaigns/);
  });
});

describe('SendQueue', () => {
  it('pops due items in send-time order, ties in insertion order', () => {
    const q = new SendQueue<{ sendAtMs: number; n: number }>();
    [5, 1, 3, 1, 9, 0, 3].forEach((t, n) => q.push({ sendAtMs: t, n }));
    expect(q.popDue(3).map((x) => `${x.sendAtMs}:${x.n}`)).toEqual(['0:5', '1:1', '1:3', '3:2', '3:6']);
    expect(q.size).toBe(2);
    expect(q.drain().map((x) => x.sendAtMs)).toEqual([5, 9]);
  });
});
