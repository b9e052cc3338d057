// Shared set-up for the end-to-end tests: serve the built app on a free loopback port and open it
// in Debian's headless Chromium through playwright-core (no browser download).
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const DIST = resolve(process.env.REDSIM_DIST ?? join(here, '../../dist'));
export const SHOTS = join(here, 'screenshots');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Serves dist/ and launches Chromium; `close()` stops both, also after a failure. */
export async function startApp() {
  const server = await serve(DIST, 0);
  const { port } = server.address();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  await mkdir(SHOTS, { recursive: true });
  return {
    url: `http://127.0.0.1:${port}/`,
    browser,
    async close() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/** Opens the app in a new page and waits until the console is ready. */
export async function openApp(app, options = {}) {
  const context = await app.browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.url + (options.hash ?? ''));
  await page.getByRole('textbox', { name: 'Command' }).waitFor();
  return { page, context, errors };
}

/** Types a line into the console and presses Enter, as a user would. */
export async function run(page, line) {
  const input = page.getByRole('textbox', { name: 'Command' });
  await input.fill(line);
  await input.press('Enter');
}

/** The text of the last transcript entry's reply. */
export async function lastReply(page) {
  return page.locator('[role="log"] .entry .reply').last().textContent();
}
