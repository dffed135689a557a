/** The `viewership` command line: workers, health checks and configuration (more commands per layer). */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describeConfig, loadConfig } from '../lib/config.js';
import { BadInputError, PipelineError } from '../lib/errors.js';
import { batchBackfill, batchCompare, batchRun, batchRunEvents, batchStatus } from './batch.js';
import { doctor } from './doctor.js';
import { generateEvents, generateProfiles, generateWeblogs } from './generate.js';
import { generateAds, generateCampaigns } from './generate-ads.js';
import { generateOrders } from './orders-generate.js';
import { ordersRun, ordersStatus } from './orders.js';
import { applyLoyaltySchedule, customersShow, loyaltyRun } from './loyalty.js';
import { kibanaExport } from './kibana.js';
import { formatPartitions, lakeDdlCommand, lakeList, lakeQueryCommand } from './lake.js';
import { formatTable } from '../lib/lake/query.js';
import { describeServiceError } from '../lib/service-errors.js';
import { setupEnvironment } from '../lib/setup.js';
import { connectTemporal } from '../lib/temporal.js';
import { applySchedules, listSchedules } from './schedule.js';
import { streamCommand, streamRewind, streamStart, streamStatus, streamTotals } from './stream.js';
import { adsStart, adsStreamConfig, adsTotals } from './ads.js';
import { serveCommand } from './serve.js';
import { runWorkerCommand } from './worker.js';

/** The command tree (exported for tests; parsed only when this module is the entry point or `main` is called). */
export const program = new Command('viewership')
  .description('Lambda-architecture viewership analytics orchestrated by Temporal')
  .showHelpAfterError()
  .option('--verbose', "also print client libraries' own log lines (they go to .services/logs/clients.log otherwise)")
  .hook('preAction', (cmd) => {
    if (cmd.opts().verbose) process.env.VIEWERSHIP_VERBOSE = '1';
  })
  .exitOverride();

program
  .command('worker')
  .description('Run Temporal workers until SIGINT/SIGTERM (all task queues by default)')
  .option('--queue <role...>', 'task queue role(s) to serve: batch, stream', ['batch', 'stream'])
  .addHelpText('after', '\nExample:\n  viewership worker --queue stream')
  .action((opts: { queue: string[] }) => runWorkerCommand(loadConfig(), opts.queue));

program
  .command('setup')
  .description(
    'Prepare the configured environment, idempotently: Temporal namespace + search attributes, Kafka topics, index templates, PostgreSQL schema',
  )
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  TEMPORAL_NAMESPACE=analytics viewership setup')
  .action(async (opts: { json?: boolean }) => {
    const cfg = loadConfig();
    const client = await connectTemporal(cfg.temporal);
    try {
      const steps = await setupEnvironment(cfg, client.connection);
      console.log(opts.json ? JSON.stringify(steps) : steps.map((s) => `${s.result.padEnd(8)} ${s.what}`).join('\n'));
    } finally {
      await client.connection.close();
    }
  });

program
  .command('doctor')
  .description('Run the systemHealth workflow on every task queue: proves workers, Kafka, search and profiles answer')
  .option('--json', 'print JSON')
  .option('--timeout-ms <ms>', 'give up waiting for a worker after this long', '30000')
  .addHelpText('after', '\nExample:\n  viewership doctor --json')
  .action((opts: { json?: boolean; timeoutMs: string }) =>
    doctor(loadConfig(), { json: !!opts.json, timeoutMs: Number(opts.timeoutMs) }),
  );

const int = (v: string) => Number(v);
const batch = program
  .command('batch')
  .description('Operate the daily batch DAG (land → validate → partition → aggregate → index)')
  .addHelpText(
    'after',
    '\nExamples:\n  viewership batch run --date 2024-09-13 --wait\n  viewership batch status --date 2024-09-13 --json',
  );
batch
  .command('run')
  .description('Run the batch DAG for one date (workflow id batch-YYYY-MM-DD)')
  .requiredOption('--date <YYYY-MM-DD>', 'business date (UTC)')
  .option('--landing <dir>', 'landing directory (default: LANDING_DIR)')
  .option('--format <csv|combined>', 'force the file format instead of detecting it')
  .option(
    '--source <weblogs|events>',
    "weblogs: the landed web-log files (default); events: recompute the date from the lake's registered web_events hours (workflow id batch-events-YYYY-MM-DD)",
    'weblogs',
  )
  .option('--wait', 'wait for the end, showing progress')
  .addHelpText(
    'after',
    '\nExamples:\n  viewership batch run --date 2024-09-13 --wait\n  viewership batch run --date 2024-09-13 --source events --wait',
  )
  .action(
    async (o: { date: string; landing?: string; format?: 'csv' | 'combined'; source: string; wait?: boolean }) => {
      if (o.source === 'events') await batchRunEvents(loadConfig(), { date: o.date, wait: !!o.wait });
      else if (o.source === 'weblogs') await batchRun(loadConfig(), { ...o, wait: !!o.wait });
      else throw new BadInputError(`--source must be weblogs or events (got "${o.source}")`);
    },
  );
batch
  .command('compare')
  .description(
    'The speed view of a date against its batch view, per hour (equal after a recomputation from events of a complete day)',
  )
  .requiredOption('--date <YYYY-MM-DD>', 'business date (UTC)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership batch compare --date 2024-09-13 --json')
  .action(async (o: { date: string; json?: boolean }) => {
    const c = await batchCompare(loadConfig(), o.date);
    if (o.json) console.log(JSON.stringify(c));
    else {
      console.log(
        `${c.date}: batch view from ${c.batchSource ?? 'nothing'}${c.hoursRegistered ? ` (${c.hoursRegistered.length} lake hours)` : ''}; speed ${c.speed.events} events, batch ${c.batch.events} events: ${c.equal ? 'equal' : `${c.differences.length} hours differ`}`,
      );
      for (const d of c.differences)
        console.log(
          `  hour ${d.hour}: speed ${d.speed.events}, batch ${d.batch.events} (${d.eventsDiff > 0 ? '+' : ''}${d.eventsDiff})`,
        );
    }
    if (!c.equal) process.exitCode = 1;
  });
batch
  .command('backfill')
  .description('Run the batch DAG for every date of a range, N at a time (one child run per date)')
  .requiredOption('--from <YYYY-MM-DD>', 'first date')
  .requiredOption('--to <YYYY-MM-DD>', 'last date (inclusive)')
  .option('--parallel <n>', 'dates processed at once', int, 2)
  .option('--landing <dir>', 'landing directory (default: LANDING_DIR)')
  .option('--no-wait', 'return after starting')
  .addHelpText('after', '\nExample:\n  viewership batch backfill --from 2024-09-01 --to 2024-09-07 --parallel 3')
  .action(async (o: { from: string; to: string; parallel: number; landing?: string; wait: boolean }) => {
    await batchBackfill(loadConfig(), o);
  });
batch
  .command('status')
  .description('State of a date’s run, with totals read back from the batch-view index')
  .requiredOption('--date <YYYY-MM-DD>', 'business date')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership batch status --date 2024-09-13 --json')
  .action(async (o: { date: string; json?: boolean }) => {
    const s = await batchStatus(loadConfig(), o.date);
    if (o.json) console.log(JSON.stringify(s));
    else {
      console.log(
        `${s.date}: ${s.state} — ${s.landed.files} files, ${s.landed.rows} rows, ${s.valid} valid, ${s.rejected.total} rejected ${JSON.stringify(s.rejected.byReason)}`,
      );
      console.log(
        `  requests ${s.totals.requests}, bytes ${s.totals.bytes}, customers ${s.totals.uniqueCustomers}, IPs ${s.totals.uniqueIps}, unknown-customer requests ${s.totals.unknownCustomerRequests}, by status ${JSON.stringify(s.totals.byStatusCategory)}`,
      );
    }
  });

const ads = program
  .command('ads')
  .description('Operate the ad-analytics stream (impression ⋈ click join → PostgreSQL, ad-metrics topic)')
  .addHelpText(
    'after',
    '\nExamples:\n  viewership ads start\n  viewership ads totals --from 2024-09-13T06:00:00Z --to 2024-09-13T07:00:00Z --json',
  );
ads
  .command('start')
  .description(
    'Start the ad stream (id ADS_STREAM_WORKFLOW_ID, default stream-ads); a stopped one resumes from its checkpoint',
  )
  .option('--interval-ms <ms>', 'micro-batch interval', int)
  .option('--max-messages <n>', 'messages per micro-batch and topic', int)
  .option('--from-scratch', 'clear what the ad stream wrote and read both topics from the start')
  .addHelpText('after', '\nExample:\n  viewership ads start --interval-ms 5000')
  .action(async (o: { intervalMs?: number; maxMessages?: number; fromScratch?: boolean }) => {
    const settings = {
      ...(o.intervalMs ? { intervalMs: o.intervalMs } : {}),
      ...(o.maxMessages ? { maxMessagesPerBatch: o.maxMessages } : {}),
    };
    console.log(`started: ${await adsStart(loadConfig(), settings, !!o.fromScratch)}`);
  });
for (const [name, desc] of [
  ['pause', 'Pause after the current micro-batch'],
  ['resume', 'Resume a paused ad stream'],
  ['stop', 'Stop after the current micro-batch'],
] as const) {
  ads
    .command(name)
    .description(desc)
    .addHelpText('after', `\nExample:\n  viewership ads ${name}`)
    .action(async () => {
      await streamCommand(adsStreamConfig(loadConfig()), name);
      console.log(`${name}: done`);
    });
}
ads
  .command('status')
  .description('Offsets (impressions: partition p, clicks: 1000000 + p), lag, watermark and counts of the ad stream')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership ads status --json')
  .action(async (o: { json?: boolean }) => {
    const s = await streamStatus(adsStreamConfig(loadConfig()));
    if (o.json) console.log(JSON.stringify(s));
    else
      console.log(
        `${s.state}: ${s.totals?.batches ?? 0} batches, ${s.totals?.events ?? 0} impressions + matched clicks, lag ${s.lastBatch?.lag ?? '?'} — ${s.url}`,
      );
  });
ads
  .command('rewind')
  .description('Rewind the ad stream to a time (Kafka record time); it restores its state there and recomputes')
  .requiredOption('--to <ISO time>', 'time to rewind to, with a zone')
  .addHelpText('after', '\nExample:\n  viewership ads rewind --to 2024-09-13T06:00:00Z')
  .action(async (o: { to: string }) => {
    const r = await streamRewind(adsStreamConfig(loadConfig()), o.to);
    console.log(JSON.stringify(r));
  });
ads
  .command('totals')
  .description('Totals over impression event time [from, to), read back from PostgreSQL')
  .requiredOption('--from <ISO time>', 'start (inclusive)')
  .requiredOption('--to <ISO time>', 'end (exclusive)')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nExample:\n  viewership ads totals --from 2024-09-13T06:00:00Z --to 2024-09-13T07:00:00Z --json',
  )
  .action(async (o: { from: string; to: string; json?: boolean }) => {
    const t = await adsTotals(loadConfig(), o.from, o.to);
    if (o.json) console.log(JSON.stringify(t));
    else
      console.log(
        `${t.impressions} impressions, ${t.clicks} clicks (CTR ${t.ctr ?? '-'}), cost ${t.cost}, CPC ${t.cpc ?? '-'}, CPI ${t.cpi ?? '-'}; ${t.orphanClicks} orphan clicks, ${t.duplicates} duplicates, ${t.late} late, ${t.deadLettered} dead-lettered`,
      );
  });

const orders = program
  .command('orders')
  .description('Orders of the transactional database: incremental import into the lake, daily revenue aggregates')
  .addHelpText(
    'after',
    '\nExamples:\n  viewership orders run --date 2024-09-13 --wait\n  viewership orders status --date 2024-09-13 --json',
  );
orders
  .command('run')
  .description(
    'Import the orders changed since the high-water mark, then register, aggregate and index every date they touch and the date (workflow id orders-YYYY-MM-DD)',
  )
  .requiredOption('--date <YYYY-MM-DD>', 'business date (UTC)')
  .option('--settle-ms <ms>', 'leave rows stamped less than this long ago for the next run (default 5000)', int)
  .option('--wait', 'wait for the end')
  .addHelpText('after', '\nExample:\n  viewership orders run --date 2024-09-13 --wait')
  .action(async (o: { date: string; settleMs?: number; wait?: boolean }) => {
    await ordersRun(loadConfig(), { date: o.date, settleMs: o.settleMs, wait: !!o.wait });
  });
orders
  .command('status')
  .description(
    "A date's import state, rows in the lake, high-water mark and revenue totals (amounts exact, 2 decimals)",
  )
  .requiredOption('--date <YYYY-MM-DD>', 'business date (UTC)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership orders status --date 2024-09-13 --json')
  .action(async (o: { date: string; json?: boolean }) => {
    const s = await ordersStatus(loadConfig(), o.date);
    if (o.json) console.log(JSON.stringify(s));
    else {
      console.log(
        `${s.date}: ${s.state} — ${s.imported.rows} rows in the lake, high-water mark ${s.imported.highWaterMark ? `${s.imported.highWaterMark.updatedAt} ${s.imported.highWaterMark.orderId}` : 'none'}`,
      );
      console.log(
        `  orders ${s.totals.orders}, paid ${s.totals.paidAmount}, refunded ${s.totals.refundedAmount}, top ${s.totals.maxAmount}, customers ${s.totals.uniqueCustomers}`,
      );
      for (const [k, v] of Object.entries(s.totals.byKind))
        console.log(`  ${k}: ${v.orders} orders, paid ${v.paidAmount}, refunded ${v.refundedAmount}`);
    }
  });

const loyalty = program
  .command('loyalty')
  .description('Customer loyalty: points, tier, segment and promotions, refreshed by a Schedule (docs/orders.md)')
  .addHelpText('after', '\nExamples:\n  viewership loyalty run --wait\n  viewership loyalty run --full --wait');
loyalty
  .command('run')
  .description(
    'Refresh loyalty for the customers whose orders, profile or activity changed since the last run (all with --full)',
  )
  .option('--full', 'recompute every customer with a profile')
  .option('--wait', 'wait for the end')
  .addHelpText('after', '\nExample:\n  viewership loyalty run --full --wait')
  .action(async (o: { full?: boolean; wait?: boolean }) => {
    await loyaltyRun(loadConfig(), { full: !!o.full, wait: !!o.wait });
  });
const customers = program
  .command('customers')
  .description('Look customers up by id: profile, loyalty, promotions, last 30 days of activity')
  .addHelpText('after', '\nExample:\n  viewership customers show C000042 --json');
customers
  .command('show')
  .description('One customer by id (the same answer as GET /api/customers/{id})')
  .argument('<id>', 'customer id')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership customers show C000042 --json')
  .action(async (id: string, o: { json?: boolean }) => {
    const v = await customersShow(loadConfig(), id);
    if (o.json) return console.log(JSON.stringify(v));
    console.log(
      `${v.customerId}  ${v.profile.name} <${v.profile.email ?? '-'}>  ${v.profile.country} ${v.profile.plan}, signed up ${v.profile.signupDate ?? '?'}`,
    );
    const l = v.loyalty;
    if (!l) return console.log('  loyalty: not computed yet (viewership loyalty run)');
    console.log(
      `  ${l.tier}, ${l.points} points, segment ${l.segment} (R${l.rfm.recency} F${l.rfm.frequency} M${l.rfm.monetary}) as of ${l.computedAt}`,
    );
    console.log(
      `  orders: ${l.orders.last90Days.count} paid in 90 days (${l.orders.last90Days.paidAmount}), ${l.orders.lifetime.count} ever (${l.orders.lifetime.paidAmount}, refunded ${l.orders.lifetime.refundedAmount})`,
    );
    console.log(
      `  activity: ${v.activity?.visits90d ?? 0} visits and ${Math.round((v.activity?.watchMs90d ?? 0) / 60_000)} min watched in 90 days`,
    );
    for (const p of v.promotions) console.log(`  offer: ${p.offer} (${p.ruleId})`);
  });

const stream = program
  .command('stream')
  .description('Operate the streaming workflow (speed layer); commands are Temporal Updates')
  .addHelpText('after', '\nExamples:\n  viewership stream start\n  viewership stream status --json');
stream
  .command('start')
  .description('Start the streaming workflow (id stream-viewership)')
  .option('--interval-ms <ms>', 'micro-batch interval', int)
  .option('--window-ms <ms>', 'tumbling window size', int)
  .option('--lateness-ms <ms>', 'allowed lateness', int)
  .option(
    '--partition-groups <n>',
    'micro-batch activities per tick, each on partitions p mod n (workers split them)',
    int,
  )
  .option('--from-scratch', 'clear the speed view and read the topic from the beginning')
  .addHelpText(
    'after',
    '\nA stopped stream resumes from its checkpoint.\nExample:\n  viewership stream start --interval-ms 5000',
  )
  .action(
    async (o: {
      intervalMs?: number;
      windowMs?: number;
      latenessMs?: number;
      partitionGroups?: number;
      fromScratch?: boolean;
    }) => {
      const settings = Object.fromEntries(
        Object.entries({
          intervalMs: o.intervalMs,
          windowMs: o.windowMs,
          allowedLatenessMs: o.latenessMs,
          partitionGroups: o.partitionGroups,
        }).filter(([, v]) => v !== undefined),
      );
      console.log(`started: ${await streamStart(loadConfig(), settings, !!o.fromScratch)}`);
    },
  );
for (const [name, desc] of [
  ['pause', 'Pause after the current micro-batch'],
  ['resume', 'Resume a paused stream from its checkpoint'],
  ['stop', 'Stop after the current micro-batch'],
] as const) {
  stream
    .command(name)
    .description(desc)
    .addHelpText('after', `\nExample:\n  viewership stream ${name}`)
    .action(async () => {
      await streamCommand(loadConfig(), name);
      console.log(`${name}: accepted`);
    });
}
stream
  .command('set-interval')
  .description('Change the micro-batch interval at run time')
  .requiredOption('--ms <n>', 'interval in milliseconds (100-3600000)', int)
  .addHelpText('after', '\nExample:\n  viewership stream set-interval --ms 1000')
  .action(async (o: { ms: number }) => {
    await streamCommand(loadConfig(), 'setInterval', [o.ms]);
    console.log(`interval: ${o.ms} ms`);
  });
stream
  .command('rewind')
  .description(
    'Re-read the events topic from a point in time (Kafka record time); the speed view from there is recomputed, never counted twice',
  )
  .requiredOption('--to <iso>', 'time to rewind to (ISO-8601 with zone)')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nReturns once the rewind is applied (between micro-batches); the stream then catches up.\nExample:\n  viewership stream rewind --to 2024-09-13T06:00:00Z',
  )
  .action(async (o: { to: string; json?: boolean }) => {
    const r = await streamRewind(loadConfig(), o.to);
    if (o.json) console.log(JSON.stringify(r));
    else {
      const parts = Object.entries(r.partitions);
      console.log(
        parts.length
          ? `rewound to ${new Date(r.toMs).toISOString()}: ${parts.map(([p, x]) => `partition ${p} from offset ${x.offset} (${x.deleted} docs recomputed)`).join(', ')}`
          : `nothing to rewind: no partition was read past ${new Date(r.toMs).toISOString()}`,
      );
    }
  });
stream
  .command('status')
  .description('Offsets, lag, watermark and counts of the running stream')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership stream status --json')
  .action(async (o: { json?: boolean }) => {
    const s = await streamStatus(loadConfig());
    if (o.json) console.log(JSON.stringify(s));
    else if (!s.running) {
      const at = s.offsets ? `, checkpoint offsets ${JSON.stringify(s.offsets)}` : '';
      const t = s.totals
        ? `, events ${s.totals.events}, late ${s.totals.late}, dead-lettered ${s.totals.deadLettered}, duplicates ${s.totals.duplicates}`
        : '';
      console.log(`${s.state}${at}${t}  ${s.url}`);
    } else
      console.log(
        `${s.paused ? 'paused' : 'running'} — interval ${s.settings?.intervalMs} ms, lag ${s.lastBatch?.lag ?? '?'}, watermark ${s.watermarkMs ? new Date(s.watermarkMs).toISOString() : 'none'}, events ${s.totals?.events}, late ${s.totals?.late}, dead-lettered ${s.totals?.deadLettered}, duplicates ${s.totals?.duplicates}  ${s.url}`,
      );
  });
stream
  .command('totals')
  .description('Speed-view totals over an event-time range [from, to), read back from the index')
  .requiredOption('--from <iso>', 'start (inclusive)')
  .requiredOption('--to <iso>', 'end (exclusive)')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nExample:\n  viewership stream totals --from 2024-09-13T06:00:00Z --to 2024-09-13T07:00:00Z --json',
  )
  .action(async (o: { from: string; to: string; json?: boolean }) => {
    const t = await streamTotals(loadConfig(), o.from, o.to);
    console.log(
      o.json
        ? JSON.stringify(t)
        : `${t.events} events, ${t.uniqueCustomers} customers (${t.unknownCustomerEvents} unknown-customer events), watch ${t.watchMs} ms, late ${t.late}, dead-lettered ${t.deadLettered}, duplicates ${t.duplicates}`,
    );
  });

const generate = program
  .command('generate')
  .description('Generate realistic sample data')
  .addHelpText(
    'after',
    '\nExamples:\n  viewership generate profiles --count 10000\n  viewership generate weblogs --date 2024-09-13 --rows 100000',
  );
generate
  .command('profiles')
  .description('Upsert customer profiles C000001… into the profiles store')
  .requiredOption('--count <n>', 'how many profiles', int)
  .option('--seed <n>', 'random seed', int, 1)
  .addHelpText('after', '\nExample:\n  viewership generate profiles --count 10000')
  .action((o: { count: number; seed: number }) => generateProfiles(loadConfig(), o));
generate
  .command('weblogs')
  .description('Write one day of web logs into <landing>/<date>/')
  .requiredOption('--date <YYYY-MM-DD>', 'business date')
  .requiredOption('--rows <n>', 'rows to write', int)
  .option('--format <csv|combined>', 'file format', 'csv')
  .option('--bad-rate <r>', 'share of bad rows (0-1), covering every reject reason', Number, 0)
  .option('--gzip', 'gzip the file')
  .option('--seed <n>', 'random seed (also names the file)', int, 1)
  .option('--customers <n>', 'known customer ids are C000001…C<n> (match generate profiles --count)', int, 10000)
  .option('--landing <dir>', 'landing directory (default: LANDING_DIR)')
  .option('--file <name>', 'file name (default: weblogs-<format>-seed<seed>.<ext>)')
  .addHelpText(
    'after',
    '\nExample:\n  viewership generate weblogs --date 2024-09-13 --rows 100000 --format combined --bad-rate 0.01 --gzip',
  )
  .action(
    async (o: {
      date: string;
      rows: number;
      format: 'csv' | 'combined';
      badRate: number;
      gzip?: boolean;
      seed: number;
      customers: number;
      landing?: string;
      file?: string;
    }) => {
      await generateWeblogs(loadConfig(), { ...o, gzip: !!o.gzip });
    },
  );

generate
  .command('events')
  .description('Produce customer web events to the events topic at a steady rate')
  .option('--rate <n>', 'events per second', Number, 1000)
  .option('--duration <s>', 'seconds to run', Number, 60)
  .option('--bad-rate <r>', 'share of malformed messages (every dead-letter reason)', Number, 0)
  .option('--late-rate <r>', 'share of events 10 minutes late', Number, 0)
  .option('--duplicate-rate <r>', 'share of re-sent earlier events', Number, 0)
  .option('--unknown-rate <r>', 'share of customers not in the profiles', Number, 0.05)
  .option('--customers <n>', 'known customer ids are C000001…C<n>', int, 10000)
  .option('--seed <n>', 'random seed (event ids are unique per seed)', int, Date.now() % 1_000_000)
  .addHelpText(
    'after',
    '\nExample:\n  viewership generate events --rate 2000 --duration 120 --bad-rate 0.01 --late-rate 0.01 --duplicate-rate 0.01',
  )
  .action(
    async (o: {
      rate: number;
      duration: number;
      badRate: number;
      lateRate: number;
      duplicateRate: number;
      unknownRate: number;
      customers: number;
      seed: number;
    }) => {
      await generateEvents(loadConfig(), { ...o, durationS: o.duration });
    },
  );

generate
  .command('orders')
  .description(
    'Write an order history into the orders table: per day, paid orders, and a share changed 0-6 days later (refunded or amount corrected)',
  )
  .requiredOption('--days <n>', 'days of history, ending --to', int)
  .requiredOption('--per-day <n>', 'orders placed per day', int)
  .option('--update-rate <r>', 'share of orders changed later (0-1)', Number, 0.1)
  .option('--seed <n>', 'random seed', int, 1)
  .option('--to <YYYY-MM-DD>', 'last day (default: yesterday, UTC)')
  .option('--customers <n>', 'customer ids are C000001…C<n> (match generate profiles --count)', int, 10000)
  .option('--id-prefix <p>', 'order ids are <p><yyyymmdd>-<n>', 'O')
  .addHelpText('after', '\nExample:\n  viewership generate orders --days 30 --per-day 2000 --update-rate 0.1')
  .action(
    async (o: {
      days: number;
      perDay: number;
      updateRate: number;
      seed: number;
      to?: string;
      customers: number;
      idPrefix: string;
    }) => {
      await generateOrders(loadConfig(), o);
    },
  );

generate
  .command('campaigns')
  .description('Write a sample campaigns CSV (campaign_id,campaign_name,network_id,advertiser), atomically')
  .requiredOption('--count <n>', 'how many campaigns (ids 101, 102, …)', int)
  .option('--networks <n>', 'ad networks they are spread over', int, 5)
  .option('--out <path>', 'file to write (default: ADS_CAMPAIGNS_PATH, reference/campaigns.csv)')
  .option('--seed <n>', 'random seed', int, 1)
  .addHelpText('after', '\nExample:\n  viewership generate campaigns --count 30 --networks 5 --out /tmp/campaigns.csv')
  .action(
    (o: { count: number; networks: number; out?: string; seed: number }) => void generateCampaigns(loadConfig(), o),
  );
generate
  .command('ads')
  .description('Produce ad impressions and clicks (keyed by impression id, co-partitioned topics) at a steady rate')
  .option('--rate <n>', 'impressions per second (clicks and the other kinds come on top)', Number, 1000)
  .option('--duration <s>', 'seconds to run', Number, 60)
  .option('--impressions <n>', 'impressions to produce (instead of --duration)', int)
  .option('--ctr <r>', 'share of impressions clicked, 1 s – 5 min later (a tenth of them twice)', Number, 0.05)
  .option('--orphan-rate <r>', 'orphan clicks (no impression ever) per impression', Number, 0)
  .option('--late-rate <r>', 'messages 10 minutes behind per impression', Number, 0)
  .option('--duplicate-rate <r>', 're-sent earlier messages per impression', Number, 0)
  .option('--bad-rate <r>', 'malformed messages per impression (every dead-letter reason, both topics)', Number, 0)
  .option('--unknown-campaign-rate <r>', 'share of impressions of campaigns not in the campaigns file', Number, 0.02)
  .option('--out-of-order-rate <r>', 'share of clicked impressions sent after their first click', Number, 0.1)
  .option('--campaigns <path>', 'campaigns CSV (default: ADS_CAMPAIGNS_PATH)')
  .option(
    '--wait-for-clicks',
    'at the end, keep pacing until the last click is due (up to 5 min) instead of sending the rest at once',
  )
  .option('--seed <n>', 'random seed (ids are unique per seed)', int, Date.now() % 1_000_000)
  .option('--json', "print the generator's own tally of what it produced as JSON")
  .addHelpText(
    'after',
    '\nExample:\n  viewership generate ads --rate 2000 --duration 120 --ctr 0.05 --orphan-rate 0.005 --late-rate 0.005 --duplicate-rate 0.01 --bad-rate 0.005',
  )
  .action(
    async (o: {
      rate: number;
      duration: number;
      impressions?: number;
      ctr: number;
      orphanRate: number;
      lateRate: number;
      duplicateRate: number;
      badRate: number;
      unknownCampaignRate: number;
      outOfOrderRate: number;
      campaigns?: string;
      waitForClicks?: boolean;
      seed: number;
      json?: boolean;
    }) => {
      const tally = await generateAds(loadConfig(), { ...o, durationS: o.duration });
      if (o.json) console.log(JSON.stringify(tally));
    },
  );

const schedule = program
  .command('schedule')
  .description('Temporal Schedules of the pipeline')
  .addHelpText('after', '\nExamples:\n  viewership schedule apply\n  viewership schedule list --json');
schedule
  .command('apply')
  .description(
    'Create or update the Schedules (daily batch at BATCH_SCHEDULE_CRON in BATCH_SCHEDULE_TIMEZONE, loyalty every LOYALTY_SCHEDULE_MINUTES)',
  )
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  BATCH_SCHEDULE_CRON="0 3 * * *" viewership schedule apply')
  .action(async (o: { json?: boolean }) => {
    const r = [...(await applySchedules(loadConfig())), await applyLoyaltySchedule(loadConfig())];
    if (o.json) console.log(JSON.stringify(r, null, 2));
    else for (const s of r) console.log(`${s.id}: ${s.action}; next runs ${s.nextRuns.join(', ')}`);
  });
schedule
  .command('list')
  .description('Show the Schedules, their next and recent runs')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership schedule list --json')
  .action(async (o: { json?: boolean }) => {
    const r = await listSchedules(loadConfig());
    if (o.json) console.log(JSON.stringify(r, null, 2));
    else
      for (const s of r)
        console.log(
          s.exists
            ? `${s.id}: ${s.paused ? 'paused' : 'active'}; next ${s.nextRuns?.join(', ')}`
            : `${s.id}: missing (run: viewership schedule apply)`,
        );
  });

program
  .command('serve')
  .description('Serve the merged viewership API (/api/viewership, /api/health, /openapi.json) and the live dashboard')
  .option('--port <n>', 'port (default SERVE_PORT, 8080; 0 picks a free one)', int)
  .option('--host <addr>', 'address to bind (default SERVE_HOST, 127.0.0.1)')
  .addHelpText('after', '\nExample:\n  viewership serve --port 8080   # then open http://127.0.0.1:8080/')
  .action((o: { port?: number; host?: string }) => serveCommand(loadConfig(), o));

const lake = program
  .command('lake')
  .description('The data lake catalog: registered partitions, DDL for query engines, DuckDB queries (see docs/lake.md)')
  .addHelpText(
    'after',
    '\nExamples:\n  viewership lake ls --table weblogs\n  viewership lake query "SELECT date, count(*) FROM weblogs GROUP BY date ORDER BY date"',
  );
lake
  .command('ls')
  .description('List the registered partitions: files, rows, bytes, when and by which workflow run')
  .option('--table <name>', 'only this table (weblogs, web_events, orders, ad_views_report)')
  .option('--json', "print JSON (with each partition's files and content hashes)")
  .addHelpText('after', '\nExample:\n  viewership lake ls --table weblogs --json')
  .action(async (o: { table?: string; json?: boolean }) => {
    const parts = await lakeList(loadConfig(), o);
    console.log(o.json ? JSON.stringify(parts, null, 2) : formatPartitions(parts));
  });
lake
  .command('ddl')
  .description('Print statements that make an engine see exactly the registered partitions (views or external tables)')
  .requiredOption('--dialect <duckdb|hive|spark>', 'SQL dialect')
  .option('--table <name>', 'only this table (weblogs, web_events, orders, ad_views_report)')
  .option('--database <name>', 'create the tables in this database/schema')
  .option(
    '--replace',
    'hive/spark: drop the (external) tables first, so partitions withdrawn since the last apply go too; files are kept',
  )
  .addHelpText(
    'after',
    '\nExamples:\n  viewership lake ddl --dialect duckdb > lake.sql && duckdb -c ".read lake.sql"\n  viewership lake ddl --dialect spark --replace | spark-sql',
  )
  .action(async (o: { dialect: string; table?: string; database?: string; replace?: boolean }) => {
    process.stdout.write(await lakeDdlCommand(loadConfig(), o));
  });
lake
  .command('query')
  .description(
    'Run SQL with DuckDB over the registered partitions only (each table is a view with its partition columns)',
  )
  .argument('<sql>', 'SQL; the tables are weblogs, web_events, orders and ad_views_report')
  .option('--json', 'print the rows as JSON')
  .addHelpText(
    'after',
    '\nExample:\n  viewership lake query "SELECT date, hour, count(*) AS n FROM weblogs GROUP BY ALL ORDER BY ALL"',
  )
  .action(async (sql: string, o: { json?: boolean }) => {
    const r = await lakeQueryCommand(loadConfig(), sql);
    console.log(o.json ? JSON.stringify(r.rows) : formatTable(r));
  });

const kibana = program
  .command('kibana')
  .description('Kibana saved objects for the batch and speed indices')
  .addHelpText('after', '\nExample:\n  viewership kibana export --out kibana/viewership.ndjson');
kibana
  .command('export')
  .description('Write the data views, Lens visualisations and dashboard as ndjson for POST /api/saved_objects/_import')
  .option('--out <file>', 'write to this file instead of stdout ("-" = stdout)')
  .option('--prefix <p>', 'index prefix (default: SEARCH_INDEX_PREFIX, viewership)')
  .addHelpText(
    'after',
    '\nExamples:\n  viewership kibana export --out kibana/viewership.ndjson\n  viewership kibana export --prefix staging > staging.ndjson',
  )
  .action((o: { out?: string; prefix?: string }) => {
    kibanaExport(o);
  });

program
  .command('config')
  .description('List every configuration variable with its description and default')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  viewership config')
  .action((opts: { json?: boolean }) => {
    const rows = describeConfig();
    if (opts.json) console.log(JSON.stringify(rows, null, 2));
    else
      for (const r of rows)
        console.log(
          `${r.name.padEnd(24)} ${r.description}${r.default !== undefined ? ` [default: ${String(r.default)}]` : ''}`,
        );
  });

/** Run the CLI on `argv` (node-style: [node, script, ...args]); exits non-zero on errors. */
export async function main(argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof PipelineError) {
      console.error(`viewership: ${err.message}`);
      process.exit(err.type === 'ConfigError' ? 2 : 1);
    }
    const unreachable = (() => {
      try {
        return describeServiceError(err, loadConfig());
      } catch {
        return undefined;
      }
    })();
    if (unreachable && process.env.VIEWERSHIP_VERBOSE !== '1') {
      console.error(`viewership: ${unreachable}`);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  }
}

const realpath = (f: string): string => {
  try {
    return realpathSync(f);
  } catch {
    return f;
  }
};
// Run as `tsx cli/main.ts …` / `node --import tsx cli/main.ts …`; bin/viewership.mjs calls `main` itself.
if (process.argv[1] && realpath(process.argv[1]) === realpath(fileURLToPath(import.meta.url))) await main(process.argv);
