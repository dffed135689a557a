/** The campaigns CSV parser (csv-parse per physical line): quoting, embedded commas, CRLF, BOM, rejects round trip. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parseCampaignsCsv, writeCampaignRejects } from './campaigns-csv.js';

describe('parseCampaignsCsv', () => {
  it('reads quoted fields, embedded commas and quotes, CRLF endings, a BOM and columns in any order', () => {
    const text =
      '\uFEFF"advertiser", campaign_id ,network_id,campaign_name,extra\r\n' +
      '"Globex, ""Ltd""",110,N1,"Spring Sale, EU",x\r\n' +
      '  Acme  ,111,"N,2","Back to ""School""",\r\n' +
      '\r\n';
    const r = parseCampaignsCsv(text, 'c.csv');
    expect(r.problem).toBeUndefined();
    expect(r.rejects).toEqual([]);
    expect([...r.campaigns.values()]).toEqual([
      { campaignId: '110', name: 'Spring Sale, EU', networkId: 'N1', advertiser: 'Globex, "Ltd"' },
      { campaignId: '111', name: 'Back to "School"', networkId: 'N,2', advertiser: 'Acme' },
    ]);
  });

  it('counts physical lines under CRLF and keeps a broken quote from swallowing the lines after it', () => {
    const text = [
      'campaign_id,campaign_name,network_id,advertiser',
      '1,"Open quote,N1,Adv',
      '2,B,N2,Adv',
      '3,"Two',
      'lines",N3,Adv',
      '4,D,N4,Adv',
    ].join('\r\n');
    const r = parseCampaignsCsv(text, 'c.csv');
    expect([...r.campaigns.keys()]).toEqual(['2', '4']);
    expect(r.rejects.map((x) => [x.line, x.reason, x.raw])).toEqual([
      [2, 'bad_csv', '1,"Open quote,N1,Adv'],
      [4, 'bad_csv', '3,"Two'],
      [5, 'bad_csv', 'lines",N3,Adv'],
    ]);
  });

  it('checks the header even when its names are quoted', () => {
    expect(parseCampaignsCsv('"campaign_id","campaign_name","network_id"\r\n1,A,N1\r\n', 'c.csv').problem).toMatch(
      /c\.csv has a wrong header .*missing advertiser/,
    );
  });
});

describe('writeCampaignRejects', () => {
  it('writes rejects whose raw lines hold commas, quotes and CR so a CSV reader gets them back unchanged', () => {
    const dir = mkdtempSync(`${tmpdir()}/campaigns-csv-test-`);
    try {
      const raw = ['1,"Open quote,N1,Adv', 'a,"b ""c""",d\r'];
      const path = writeCampaignRejects(dir, '/in/c.csv', [
        { line: 2, reason: 'bad_csv', detail: 'not a CSV line, really', raw: raw[0]! },
        { line: 3, reason: 'wrong_column_count', detail: '3 columns, expected 4', raw: raw[1]! },
      ]);
      expect(path).toBe(`${dir}/campaigns/c.csv.rejects.csv`);
      const rows = parse(readFileSync(path!, 'utf8'), { columns: true }) as Record<string, string>[];
      expect(rows).toEqual([
        { file: 'c.csv', line: '2', reason: 'bad_csv', detail: 'not a CSV line, really', raw: raw[0] },
        { file: 'c.csv', line: '3', reason: 'wrong_column_count', detail: '3 columns, expected 4', raw: raw[1] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
