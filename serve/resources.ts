/**
 * The long-lived clients of the serving process: search sink, profiles store, and lazily connected Kafka admin
 * and Temporal client that reconnect on the next request after a failure (so the server starts and keeps
 * answering while a service is down).
 */
import type { Client } from '@temporalio/client';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type pg from 'pg';
import { createProfilesStore, type ProfilesStore } from '../adapters/profiles/index.js';
import { createSearchSink } from '../adapters/search/index.js';
import type { SearchSink } from '../adapters/search/types.js';
import { CampaignDirectory } from '../lib/ads/campaigns.js';
import { createPgPool } from '../lib/clients.js';
import type { AppConfig } from '../lib/config.js';
import { connectTemporal } from '../lib/temporal.js';
import { profilesStoreOptions, searchSinkOptions } from '../lib/adapter-options.js';

/** Clients the handlers use; `close()` releases them. */
export interface ServeResources {
  cfg: AppConfig;
  search: SearchSink;
  profiles: ProfilesStore;
  /** A connected Kafka admin (connects on first use, again after a failure). */
  kafkaAdmin(): Promise<Admin>;
  /** A connected Temporal client (connects on first use, again after a failure). */
  temporal(): Promise<Client>;
  /** A small pool on the PostgreSQL database of the ad stream's tables (created on first use; throws without PROFILES_PG_PASSWORD). */
  adsPool(): pg.Pool;
  /** The campaigns file of the ad stream (ADS_CAMPAIGNS_PATH), loaded on first use; `reloadIfChanged()` before reading its status. */
  campaigns(): CampaignDirectory;
  /** Forget a client that failed, so the next call reconnects. */
  reset(which: 'kafka' | 'temporal'): void;
  close(): Promise<void>;
}

/** Create the serving process's clients from config (no network I/O until first use). */
export function createServeResources(cfg: AppConfig): ServeResources {
  const search = createSearchSink(searchSinkOptions(cfg));
  const profiles = createProfilesStore(profilesStoreOptions(cfg));
  // Silent: a broker that is down shows in /api/health, not as a log line per poll.
  const kafka = new Kafka({
    clientId: `${cfg.kafka.clientId}-serve`,
    brokers: cfg.kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
  });
  let admin: Promise<Admin> | undefined;
  let temporal: Promise<Client> | undefined;
  let pool: pg.Pool | undefined;
  let campaigns: CampaignDirectory | undefined;
  const forget = (which: 'kafka' | 'temporal') => {
    if (which === 'kafka' && admin) {
      const a = admin;
      admin = undefined;
      void a.then((x) => x.disconnect()).catch(() => undefined);
    }
    if (which === 'temporal' && temporal) {
      const t = temporal;
      temporal = undefined;
      void t.then((c) => c.connection.close()).catch(() => undefined);
    }
  };
  return {
    cfg,
    search,
    profiles,
    kafkaAdmin() {
      if (!admin) {
        const a = kafka.admin({ retry: { retries: 1, initialRetryTime: 200 } });
        admin = a.connect().then(() => a);
        admin.catch(() => forget('kafka'));
      }
      return admin;
    },
    temporal() {
      if (!temporal) {
        temporal = connectTemporal(cfg.temporal);
        temporal.catch(() => forget('temporal'));
      }
      return temporal;
    },
    adsPool() {
      if (!pool) {
        pool = createPgPool(cfg, 4);
        pool.on('error', () => undefined); // an idle connection that dies is replaced on the next query
      }
      return pool;
    },
    campaigns() {
      return (campaigns ??= new CampaignDirectory(cfg.ads.campaignsPath, { quarantineDir: cfg.paths.quarantineDir }));
    },
    reset: forget,
    async close() {
      forget('kafka');
      forget('temporal');
      await Promise.allSettled([search.close(), profiles.close(), pool?.end()]);
    },
  };
}
