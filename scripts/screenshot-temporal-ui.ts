/**
 * Screenshots of the Temporal Web UI with the project's real runs, for the README:
 *   - the workflows list filtered to the batch pipeline, with the custom search attributes as columns;
 *   - the newest completed `batchDay` run's page on its Memo tab;
 *   - the Schedules page.
 * Uses Debian's chromium through playwright-core (no browser download). The search-attribute columns are
 * chosen the way the UI's column chooser stores them (its `namespace-workflow-table-columns` local-storage
 * entry), so the list shows BatchDate/RowsLanded/RowsRejected/EventsProcessed without clicking.
 *
 *   npx tsx scripts/screenshot-temporal-ui.ts [--out-dir docs/img] [--query 'Pipeline = "batch"'] [--run batch-2024-09-13]
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { loadConfig, ROOT_DIR } from '../lib/config.js';
import { connectTemporal } from '../lib/temporal.js';
import { batchDay } from '../workflows/batch.js';
import { CHROMIUM_PATH, launchChromium } from './chromium.js';

/** Columns of the workflows list: built-in ones plus the project's search attributes (common/search-attributes.ts). */
export const WORKFLOW_COLUMNS = [
  { label: 'Status', pinned: true },
  { label: 'Workflow ID', pinned: true },
  { label: 'Type', pinned: false },
  { label: 'BatchDate', pinned: false },
  { label: 'RowsLanded', pinned: false },
  { label: 'RowsRejected', pinned: false },
  { label: 'Start', pinned: false },
  { label: 'EventsProcessed', pinned: false },
];

const { values: args } = parseArgs({
  options: {
    'out-dir': { type: 'string', default: `${ROOT_DIR}/docs/img` },
    query: { type: 'string', default: 'Pipeline = "batch"' },
    run: { type: 'string' },
    executable: { type: 'string', default: CHROMIUM_PATH },
  },
});
const outDir = args['out-dir']!;
const cfg = loadConfig();
const ns = encodeURIComponent(cfg.temporal.namespace);
const ui = cfg.temporal.uiUrl.replace(/\/$/, '');
const log = (m: string) => console.error(`[screenshot] ${m}`);

/** The run for the detail page: `--run <workflowId>`'s latest run, else the newest completed `batchDay` run. */
async function batchRunToShow(workflowId?: string): Promise<{ workflowId: string; runId: string } | undefined> {
  const client = await connectTemporal(cfg.temporal);
  try {
    if (workflowId) return { workflowId, runId: (await client.workflow.getHandle(workflowId).describe()).runId };
    for await (const w of client.workflow.list({
      query: `WorkflowType = "${batchDay.name}" AND ExecutionStatus = "Completed"`,
      pageSize: 1,
    })) {
      return { workflowId: w.workflowId, runId: w.runId };
    }
    return undefined;
  } finally {
    await client.connection.close();
  }
}

/** Open `url`, wait until `ready` is visible and the UI is idle, then save a screenshot. */
async function shoot(page: Page, url: string, ready: string, file: string): Promise<void> {
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.locator(ready).first().waitFor({ state: 'visible', timeout: 30_000 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path: `${outDir}/${file}` });
  log(`${outDir}/${file} ← ${url}`);
}

mkdirSync(outDir, { recursive: true });
const run = await batchRunToShow(args.run);
const browser = await launchChromium(args.executable);
try {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const columns = JSON.stringify({ [cfg.temporal.namespace]: WORKFLOW_COLUMNS });
  // Collapsed side navigation (`navOpen`) leaves room for the columns.
  await context.addInitScript({
    content: `localStorage.setItem('namespace-workflow-table-columns', ${JSON.stringify(columns)}); localStorage.setItem('navOpen', 'false');`,
  });
  const page = await context.newPage();
  await shoot(
    page,
    `${ui}/namespaces/${ns}/workflows?query=${encodeURIComponent(args.query!)}`,
    'table tbody tr',
    'temporal-workflows.png',
  );
  if (run) {
    // The run's page, on its Memo tab: counts, fingerprint, rejects by reason and step timings.
    await page.goto(`${ui}/namespaces/${ns}/workflows/${encodeURIComponent(run.workflowId)}/${run.runId}/history`, {
      waitUntil: 'networkidle',
    });
    await page
      .getByRole('tab', { name: 'Memo' })
      .or(page.getByRole('link', { name: 'Memo' }))
      .first()
      .click();
    await page.getByText('timingsMs').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${outDir}/temporal-batch-run.png` });
    log(`${outDir}/temporal-batch-run.png ← ${run.workflowId} (Memo tab)`);
  } else
    log('no completed batchDay run: skipping the run detail page (run `viewership batch run --date … --wait` first)');
  await shoot(page, `${ui}/namespaces/${ns}/schedules`, 'text=batch-daily', 'temporal-schedules.png');
} finally {
  await browser.close();
}
