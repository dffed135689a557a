import { describe, expect, it } from 'vitest';
import { parseCampaignsCsv } from '../ads/campaigns-csv.js';
import { campaignsCsv, generateCampaignList } from './campaigns.js';

describe('generateCampaignList', () => {
  it('spreads unique campaigns over every network and writes a CSV the loader accepts whole', () => {
    const list = generateCampaignList({ count: 30, networks: 5, seed: 1 });
    expect(new Set(list.map((c) => c.campaignId)).size).toBe(30);
    expect(new Set(list.map((c) => c.networkId)).size).toBe(5);
    const parsed = parseCampaignsCsv(campaignsCsv(list), 'x.csv');
    expect(parsed.rejects).toEqual([]);
    expect([...parsed.campaigns.values()]).toEqual(list);
    expect(generateCampaignList({ count: 30, networks: 5, seed: 1 })).toEqual(list);
    expect(new Set(generateCampaignList({ count: 3, networks: 12, seed: 2 }).map((c) => c.networkId)).size).toBe(3);
  });
});
