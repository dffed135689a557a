/** Sample ad campaigns for the campaigns CSV (`campaign_id,campaign_name,network_id,advertiser`), deterministic per seed. */
import type { Campaign } from '../../common/ads.js';
import { CAMPAIGN_COLUMNS } from '../ads/campaigns-csv.js';
import { createRng } from './random.js';

/** Options of the campaign generator. */
export interface CampaignGenOptions {
  count: number;
  networks: number;
  seed: number;
}

const NETWORKS = [
  'adnet-north',
  'adnet-south',
  'streamads',
  'videoreach',
  'openx-video',
  'tvplus',
  'mobilemax',
  'screenwise',
];
const ADVERTISERS = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Foods',
  'Stark Mobile',
  'Wayne Travel',
  'Hooli',
  'Soylent',
  'Vandelay Imports',
  'Wonka Sweets',
];
const THEMES = [
  'Spring Sale',
  'Back to School',
  'Holiday Deals',
  'Summer Launch',
  'Black Friday',
  'New Season',
  'Brand Awareness',
  'App Install',
  'Weekend Offer',
  'Loyalty',
];
const REGIONS = ['US', 'EU', 'UK', 'LATAM', 'APAC', 'Global'];

/** Network ids `n` networks get: named ones first, then `network-<i>`. */
export function networkIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => NETWORKS[i] ?? `network-${i + 1}`);
}

/** `count` campaigns with ids 101, 102, … spread over `networks` networks (every network gets one when count allows). */
export function generateCampaignList(o: CampaignGenOptions): Campaign[] {
  const rng = createRng(o.seed);
  const nets = networkIds(o.networks);
  return Array.from({ length: o.count }, (_, i) => {
    const advertiser = rng.pick(ADVERTISERS);
    return {
      campaignId: String(101 + i),
      name: `${advertiser.split(' ')[0]} ${rng.pick(THEMES)} ${rng.pick(REGIONS)}`,
      networkId: i < nets.length ? nets[i]! : rng.pick(nets),
      advertiser,
    };
  });
}

const q = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The CSV text of `campaigns` with the campaigns header. */
export function campaignsCsv(campaigns: readonly Campaign[]): string {
  const rows = campaigns.map((c) => [c.campaignId, c.name, c.networkId, c.advertiser].map(q).join(','));
  return `${CAMPAIGN_COLUMNS.join(',')}\n${rows.join('\n')}\n`;
}
