/**
 * Ad impressions and clicks for the ad-analytics stream, keyed by the impression id, with clicks 1 s – 5 min
 * after their impression (some sent before it), orphan clicks, late messages (10 minutes behind), duplicates,
 * malformed messages (every dead-letter reason) and unknown campaigns — and an independent tally of all of it.
 * Deterministic per seed; messages leave in send-time order (event time, within seconds), so only the late ones
 * are behind the watermark.
 */
import type { Campaign } from '../../common/ads.js';
import { BadInputError } from '../errors.js';
import {
  BAD_AD_REASONS,
  badValue,
  clickCostMicros,
  clickObject,
  impressionCostMicros,
  impressionObject,
  viewMs,
  type AdTopic,
} from './ads-messages.js';
import { createAdTally, type AdTally } from './ads-tally.js';
import { createRng } from './random.js';
import { SendQueue } from './send-queue.js';

/** Options of the ad generator; rates are per impression (each impression may bring one more message of a kind). */
export interface AdGenOptions {
  /** Known campaigns (the campaigns file); at least one. */
  campaigns: readonly Campaign[];
  /** Share of impressions clicked (a tenth of those twice). */
  ctr: number;
  orphanRate: number;
  lateRate: number;
  duplicateRate: number;
  badRate: number;
  unknownCampaignRate: number;
  /** Share of clicked impressions whose first click is sent before the impression (default 0.1). */
  outOfOrderRate?: number;
  seed: number;
  /** Join window the tally applies (default 10 minutes). */
  joinWindowMs?: number;
  /** Click delay after the impression, event time [min, max] ms (default 1 s – 5 min). */
  clickDelayMs?: readonly [number, number];
}

/** What a produced message is. */
export type AdMessageKind = 'impression' | 'click' | 'orphan' | 'duplicate' | 'late' | 'bad';

/** One message to produce: topic, key (the impression id), JSON value, when to send it and what it is. */
export interface AdMessage {
  topic: AdTopic;
  key: string;
  value: string;
  sendAtMs: number;
  kind: AdMessageKind;
  /** Event time of a valid message; null for malformed ones. */
  eventTimeMs: number | null;
}

/** Impressions before which no late message is made (every partition must have seen newer events by then). */
const LATE_WARMUP = 100;
const LATE_BEHIND_MS = 600_000;
const DUPLICATE_MAX_AGE_MS = 10_000;

/** Check rates and campaigns, throwing a {@link BadInputError} naming the CLI flag. */
export function validateAdGenOptions(o: AdGenOptions): void {
  const rates = [
    ['--ctr', o.ctr],
    ['--orphan-rate', o.orphanRate],
    ['--late-rate', o.lateRate],
    ['--duplicate-rate', o.duplicateRate],
    ['--bad-rate', o.badRate],
    ['--unknown-campaign-rate', o.unknownCampaignRate],
    ['--out-of-order-rate', o.outOfOrderRate ?? 0],
  ] as const;
  for (const [flag, v] of rates)
    if (!(v >= 0 && v <= 1)) throw new BadInputError(`${flag} must be between 0 and 1 (got ${v})`);
  if (!o.campaigns.length)
    throw new BadInputError('no campaigns to generate ads for (the campaigns file has no valid rows)');
  if (!Number.isInteger(o.seed)) throw new BadInputError(`--seed must be an integer (got ${o.seed})`);
}

/** A generator: `step(nowMs)` makes one impression (and what comes with it) and returns the messages now due. */
export function createAdGenerator(o: AdGenOptions) {
  validateAdGenOptions(o);
  const rng = createRng(o.seed);
  const tally = createAdTally();
  const queue = new SendQueue<AdMessage>();
  const windowMs = o.joinWindowMs ?? 600_000;
  const [minDelay, maxDelay] = o.clickDelayMs ?? [1000, 300_000];
  const known = new Set(o.campaigns.map((c) => c.campaignId));
  const unknownIds: string[] = [];
  for (let k = 900_001; unknownIds.length < 12; k++) if (!known.has(String(k))) unknownIds.push(String(k));
  const recent: AdMessage[] = [];
  let n = 0;
  let slot = 0;
  let bad = 0;
  let late = 0;
  const id = (p: string) => `${p}${o.seed}-${++n}`;
  const campaign = (): Campaign => o.campaigns[Math.floor(o.campaigns.length * rng.next() ** 1.5)]!;
  const send = (m: Omit<AdMessage, 'value'> & { value: Record<string, unknown> | string }) =>
    queue.push({ ...m, value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value) });

  function impression(now: number): void {
    const unknown = rng.next() < o.unknownCampaignRate;
    const c = unknown ? undefined : campaign();
    const facts = {
      id: id('I'),
      campaignId: c?.campaignId ?? rng.pick(unknownIds),
      eventTimeMs: now - rng.int(0, 500),
      costMicros: impressionCostMicros(rng),
      viewMs: viewMs(rng),
    };
    tally.impression({ ...facts, networkId: c?.networkId });
    const clicks = rng.next() < o.ctr ? (rng.next() < 0.1 ? 2 : 1) : 0;
    const outOfOrder = clicks > 0 && rng.next() < (o.outOfOrderRate ?? 0.1);
    let impressionSendAt = now;
    for (let k = 0; k < clicks; k++) {
      const first = k === 0 && outOfOrder;
      const t = facts.eventTimeMs + (first ? rng.int(1000, 10_000) : rng.int(minDelay, maxDelay));
      const cost = clickCostMicros(rng);
      if (first) impressionSendAt = t + rng.int(1, 1000);
      if (t >= facts.eventTimeMs && t <= facts.eventTimeMs + windowMs)
        tally.matchedClick({
          campaignId: facts.campaignId,
          networkId: c?.networkId,
          costMicros: cost,
          eventTimeMs: t,
          outOfOrder: first,
        });
      else tally.orphanClick(t);
      send({
        topic: 'clicks',
        key: facts.id,
        value: clickObject(rng, { id: id('K'), joinId: facts.id, eventTimeMs: t, costMicros: cost }),
        sendAtMs: t,
        kind: 'click',
        eventTimeMs: t,
      });
    }
    send({
      topic: 'impressions',
      key: facts.id,
      value: impressionObject(rng, facts),
      sendAtMs: impressionSendAt,
      kind: 'impression',
      eventTimeMs: facts.eventTimeMs,
    });
  }

  function extras(now: number): void {
    if (slot > LATE_WARMUP && rng.next() < o.lateRate) {
      const t = now - LATE_BEHIND_MS - rng.int(0, 5000);
      const joinId = id('L');
      tally.late(t);
      if (late++ % 2 === 0)
        send({
          topic: 'impressions',
          key: joinId,
          value: impressionObject(rng, {
            id: joinId,
            campaignId: campaign().campaignId,
            eventTimeMs: t,
            costMicros: impressionCostMicros(rng),
            viewMs: viewMs(rng),
          }),
          sendAtMs: now,
          kind: 'late',
          eventTimeMs: t,
        });
      else
        send({
          topic: 'clicks',
          key: joinId,
          value: clickObject(rng, { id: id('K'), joinId, eventTimeMs: t, costMicros: clickCostMicros(rng) }),
          sendAtMs: now,
          kind: 'late',
          eventTimeMs: t,
        });
    }
    if (rng.next() < o.orphanRate) {
      const joinId = id('O');
      tally.orphanClick(now);
      send({
        topic: 'clicks',
        key: joinId,
        value: clickObject(rng, { id: id('K'), joinId, eventTimeMs: now, costMicros: clickCostMicros(rng) }),
        sendAtMs: now,
        kind: 'orphan',
        eventTimeMs: now,
      });
    }
    if (rng.next() < o.badRate) {
      const reason = BAD_AD_REASONS[bad % BAD_AD_REASONS.length]!;
      const topic: AdTopic = Math.floor(bad / BAD_AD_REASONS.length) % 2 === 0 ? 'impressions' : 'clicks';
      bad++;
      const key = id('B');
      const base =
        topic === 'impressions'
          ? impressionObject(rng, {
              id: key,
              campaignId: campaign().campaignId,
              eventTimeMs: now,
              costMicros: impressionCostMicros(rng),
              viewMs: viewMs(rng),
            })
          : clickObject(rng, { id: id('K'), joinId: key, eventTimeMs: now, costMicros: clickCostMicros(rng) });
      tally.bad(reason);
      send({ topic, key, value: badValue(reason, topic, base), sendAtMs: now, kind: 'bad', eventTimeMs: null });
    }
    if (recent.length && rng.next() < o.duplicateRate) {
      const m = rng.pick(recent);
      if (m.eventTimeMs! >= now - DUPLICATE_MAX_AGE_MS) {
        tally.duplicate(m.eventTimeMs!);
        queue.push({ ...m, sendAtMs: now, kind: 'duplicate' });
      }
    }
  }

  function emit(due: AdMessage[]): AdMessage[] {
    for (const m of due) {
      tally.sent(m.topic);
      if (m.kind === 'impression' || m.kind === 'click' || m.kind === 'orphan') {
        recent.push(m);
        if (recent.length > 256) recent.shift();
      }
    }
    return due;
  }

  return {
    /** Make one impression at event time `nowMs` (plus clicks, extras) and return every message due by `nowMs`. */
    step(nowMs: number): AdMessage[] {
      slot++;
      impression(nowMs);
      extras(nowMs);
      return emit(queue.popDue(nowMs));
    },
    /** Messages due by `nowMs` without making new ones (clicks still to come). */
    due(nowMs: number): AdMessage[] {
      return emit(queue.popDue(nowMs));
    },
    /** Every message still scheduled, in send-time order (ends a run without waiting for its last clicks). */
    flush(): AdMessage[] {
      return emit(queue.drain());
    },
    /** Messages scheduled and not yet returned. */
    get pending(): number {
      return queue.size;
    },
    /** The independent tally of everything made so far (returned or still scheduled). */
    tally(): AdTally {
      return tally.result();
    },
  };
}

/** Options of {@link buildAdMessages}: generator options, the first event time and how many impressions. */
export interface BuildAdOptions extends AdGenOptions {
  t0Ms: number;
  impressions: number;
  /** Event-time pace of impressions (default 100 per second). */
  impressionsPerSecond?: number;
}

/**
 * Build a deterministic run of `impressions` impressions from event time `t0Ms`: the keyed messages per topic
 * (in send order), all messages in send order across both topics, and the tally.
 */
export function buildAdMessages(o: BuildAdOptions): {
  impressions: { key: string; value: string }[];
  clicks: { key: string; value: string }[];
  messages: AdMessage[];
  tally: AdTally;
} {
  const gen = createAdGenerator(o);
  const pace = o.impressionsPerSecond ?? 100;
  const messages: AdMessage[] = [];
  for (let i = 0; i < o.impressions; i++) messages.push(...gen.step(o.t0Ms + Math.floor((i * 1000) / pace)));
  messages.push(...gen.flush());
  const of = (topic: AdTopic) => messages.filter((m) => m.topic === topic).map(({ key, value }) => ({ key, value }));
  return { impressions: of('impressions'), clicks: of('clicks'), messages, tally: gen.tally() };
}
