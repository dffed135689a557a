/**
 * Parsing of the campaigns CSV (`campaign_id,campaign_name,network_id,advertiser`): one physical line per row,
 * so a broken line never swallows the lines after it; every rejected row keeps its line number and reason.
 * A file that cannot be used at all (wrong header, no valid row) yields a `problem` instead of campaigns.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Campaign } from '../../common/ads.js';
import { writeFileAtomic } from '../fsutil.js';

/** Columns every campaigns file must have (in any order; extra columns are ignored). */
export const CAMPAIGN_COLUMNS = ['campaign_id', 'campaign_name', 'network_id', 'advertiser'] as const;

/** Why a campaigns row was quarantined. */
export type CampaignRejectReason =
  'bad_csv' | 'wrong_column_count' | 'bad_campaign_id' | 'bad_network_id' | 'field_too_long' | 'duplicate_campaign_id';

/** One quarantined row: its 1-based physical line, reason, detail and the raw line. */
export interface CampaignReject {
  line: number;
  reason: CampaignRejectReason;
  detail: string;
  raw: string;
}

/** The outcome of parsing one campaigns file. */
export interface ParsedCampaigns {
  campaigns: Map<string, Campaign>;
  rejects: CampaignReject[];
  /** Set when the file cannot be used at all (then `campaigns` is empty). */
  problem?: string;
}

const MAX_ID = 128;
const MAX_TEXT = 256;

function splitLine(line: string): string[] | undefined {
  try {
    const rows = parse(line, { relax_column_count: true, trim: true }) as string[][];
    return rows.length === 1 ? rows[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Parse the text of a campaigns file; the first row with a duplicate campaign id wins, later ones are rejected. */
export function parseCampaignsCsv(text: string, fileName: string): ParsedCampaigns {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const campaigns = new Map<string, Campaign>();
  const rejects: CampaignReject[] = [];
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0)
    return { campaigns, rejects, problem: `${fileName} is empty (expected header ${CAMPAIGN_COLUMNS.join(',')})` };
  const header = (splitLine(lines[headerAt]!) ?? []).map((h) => h.toLowerCase());
  const missing = CAMPAIGN_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) {
    return {
      campaigns,
      rejects,
      problem: `${fileName} has a wrong header "${lines[headerAt]!.slice(0, 200)}" (missing ${missing.join(', ')}; expected ${CAMPAIGN_COLUMNS.join(',')})`,
    };
  }
  const col = Object.fromEntries(CAMPAIGN_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<
    (typeof CAMPAIGN_COLUMNS)[number],
    number
  >;
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const reject = (reason: CampaignRejectReason, detail: string) =>
      void rejects.push({ line: i + 1, reason, detail, raw });
    const f = splitLine(raw);
    if (!f) {
      reject('bad_csv', 'not a CSV line (unbalanced or misplaced quote)');
      continue;
    }
    if (f.length !== header.length) {
      reject('wrong_column_count', `${f.length} columns, expected ${header.length}`);
      continue;
    }
    const c: Campaign = {
      campaignId: f[col.campaign_id]!,
      name: f[col.campaign_name]!,
      networkId: f[col.network_id]!,
      advertiser: f[col.advertiser]!,
    };
    if (c.campaignId === '' || c.campaignId.length > MAX_ID)
      reject('bad_campaign_id', `campaign_id must be 1-${MAX_ID} characters (got ${c.campaignId.length})`);
    else if (c.networkId === '' || c.networkId.length > MAX_ID)
      reject('bad_network_id', `network_id must be 1-${MAX_ID} characters (got ${c.networkId.length})`);
    else if (c.name.length > MAX_TEXT || c.advertiser.length > MAX_TEXT)
      reject('field_too_long', `campaign_name and advertiser must be at most ${MAX_TEXT} characters`);
    else if (campaigns.has(c.campaignId))
      reject('duplicate_campaign_id', `campaign_id ${c.campaignId} already defined on an earlier line`);
    else campaigns.set(c.campaignId, c);
  }
  if (campaigns.size === 0) {
    return { campaigns, rejects, problem: `${fileName} has no valid campaign rows (${rejects.length} rejected)` };
  }
  return { campaigns, rejects };
}

const q = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * Write the rejects of `file` to `<quarantineDir>/campaigns/<file name>.rejects.csv` (`file,line,reason,detail,raw`),
 * atomically; with no rejects a stale rejects file is removed. Returns the path written, if any.
 */
export function writeCampaignRejects(
  quarantineDir: string,
  file: string,
  rejects: CampaignReject[],
): string | undefined {
  const dir = `${quarantineDir}/campaigns`;
  const path = `${dir}/${basename(file)}.rejects.csv`;
  if (!rejects.length) {
    rmSync(path, { force: true });
    return undefined;
  }
  mkdirSync(dir, { recursive: true });
  const name = basename(file);
  const body = rejects.map((r) => [name, String(r.line), r.reason, r.detail, r.raw].map(q).join(',')).join('\n');
  writeFileAtomic(path, `file,line,reason,detail,raw\n${body}\n`);
  return path;
}
