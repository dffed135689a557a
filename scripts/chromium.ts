/**
 * Debian's Chromium driven by playwright-core (no browser download), shared by the browser tests and the
 * screenshot script: where the binary is and the flags for a quiet headless run without a display or sandbox.
 */
import { chromium, type Browser } from 'playwright-core';

/** The Chromium binary (`npm test` installs Debian's package; `CHROMIUM_PATH` points elsewhere). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium flags for a quiet headless run on a machine without a display or sandbox support. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch Chromium headless (Playwright gives each launch a fresh temporary profile). */
export function launchChromium(executablePath = CHROMIUM_PATH): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
