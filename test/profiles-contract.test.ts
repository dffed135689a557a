/**
 * Profiles store contract (SCD type 1 dimension), run against PostgreSQL always and against Oracle when
 * ORACLE_CONNECT_STRING, ORACLE_USER and ORACLE_PASSWORD are set (the skip is printed otherwise).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleProfilesStore } from '../adapters/profiles/oracle.js';
import { createPostgresProfilesStore } from '../adapters/profiles/postgres.js';
import type { CustomerProfile, ProfilesStore } from '../adapters/profiles/types.js';
import { testConfig, uniqueName } from './helpers.js';

const oracleEnv = ['ORACLE_CONNECT_STRING', 'ORACLE_USER', 'ORACLE_PASSWORD'].every((k) => process.env[k]);
if (!oracleEnv)
  console.warn(
    '[profiles-contract] oracle: skipped — set ORACLE_CONNECT_STRING, ORACLE_USER and ORACLE_PASSWORD to run it against a real Oracle',
  );

const BACKENDS = [
  {
    name: 'postgres',
    enabled: true,
    make: (): ProfilesStore => {
      const cfg = testConfig();
      if (cfg.profiles.store !== 'postgres') throw new Error('expected postgres config');
      return createPostgresProfilesStore(cfg.profiles.postgres);
    },
  },
  {
    name: 'oracle',
    enabled: oracleEnv,
    make: (): ProfilesStore =>
      createOracleProfilesStore({
        connectString: process.env.ORACLE_CONNECT_STRING!,
        user: process.env.ORACLE_USER!,
        password: process.env.ORACLE_PASSWORD!,
      }),
  },
];

for (const backend of BACKENDS) {
  describe.runIf(backend.enabled)(`profiles store contract: ${backend.name}`, () => {
    let store: ProfilesStore;
    const prefix = uniqueName('c');
    const ids = [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`);
    const profile = (id: string, plan = 'basic'): CustomerProfile => ({
      customerId: id,
      name: `Name ${id}`,
      email: `${id}@example.test`,
      country: 'DE',
      plan,
      signupDate: '2024-01-31',
    });

    beforeAll(() => {
      store = backend.make();
    });
    afterAll(async () => {
      await store.deleteMany(ids);
      await store.close();
    });

    it('answers a real round trip', async () => {
      expect(await store.ping()).toMatch(backend.name === 'postgres' ? /^PostgreSQL 1\d/ : /Oracle/);
    });

    it('inserts, reads back and overwrites in place (SCD1)', async () => {
      const before = await store.count();
      expect(await store.upsert(ids.map((id) => profile(id)))).toBe(5);
      expect(await store.count()).toBe(before + 5);
      const [first] = await store.getMany([ids[0]!]);
      expect(first).toMatchObject({
        customerId: ids[0],
        plan: 'basic',
        country: 'DE',
        signupDate: '2024-01-31',
        email: `${ids[0]}@example.test`,
      });
      await sleep(5);
      await store.upsert([profile(ids[0]!, 'premium')]);
      const [after] = await store.getMany([ids[0]!]);
      expect(after!.plan).toBe('premium');
      expect(after!.updatedAt!.getTime()).toBeGreaterThan(first!.updatedAt!.getTime());
      expect(await store.count()).toBe(before + 5); // overwritten, no history row
      expect((await store.getMany([...ids, `${prefix}-missing`])).length).toBe(5);
    });

    it('pages through changes in (updated_at, id) order and resumes from the watermark', async () => {
      // Start from a watermark just before our rows so other data in the table does not interfere.
      const mine = await store.getMany(ids);
      const oldest = mine.reduce((m, p) => (p.updatedAt! < m ? p.updatedAt! : m), mine[0]!.updatedAt!);
      let after = { updatedAt: new Date(oldest.getTime() - 1), customerId: '' };
      const seen: string[] = [];
      for (let page = 0; page < 10; page++) {
        const r = await store.changedSince(after, 2);
        if (r.rows.length === 0) break;
        expect(r.rows.length).toBeLessThanOrEqual(2);
        seen.push(...r.rows.map((p) => p.customerId).filter((id) => id.startsWith(prefix)));
        after = r.next!;
      }
      expect(new Set(seen)).toEqual(new Set(ids));
      expect(seen.at(-1)).toBe(ids[0]); // updated last, so read last
      expect(seen.length).toBe(5); // each exactly once
    });

    it("reads every profile's join columns in one statement (the batch run's dimension snapshot)", async () => {
      const d = await store.dimensions();
      expect(d.countries).toHaveLength(d.customerIds.length);
      expect(d.plans).toHaveLength(d.customerIds.length);
      const mine = new Map(d.customerIds.map((id, i) => [id, [d.countries[i], d.plans[i]]]));
      // The SCD1 test above left ids[0..4] in place, ids[0] overwritten with the premium plan.
      expect(ids.map((id) => mine.get(id))).toEqual([['DE', 'premium'], ...ids.slice(1).map(() => ['DE', 'basic'])]);
      expect(new Set(d.customerIds).size).toBe(d.customerIds.length);
    });

    it('deletes', async () => {
      expect(await store.deleteMany(ids.slice(0, 2))).toBe(2);
      expect((await store.getMany(ids)).map((p) => p.customerId).sort()).toEqual(ids.slice(2));
    });
  });
}
