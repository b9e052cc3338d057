// A build for a sub-path (a GitHub Pages project site): `./x build --public-url /redsim/` served
// under /redsim/ works — the app, a scenario link, and embed.js from a page elsewhere.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { SHOTS } from './helpers.mjs';
import { serve } from '../../scripts/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
let site;
let browser;
let base;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'redsim-subpath-'));
  execFileSync(join(ROOT, 'x'), ['build', '--public-url', '/redsim/', '--dist', join(dir, 'redsim')], { stdio: 'ignore' });
  await writeFile(join(dir, 'index.html'), `<!DOCTYPE html><title>Project docs</title>
    <script type="module" src="/redsim/embed.js"></script>
    <redsim-example id="ex">SET where sub-path</redsim-example>`);
  site = await serve(dir, 0);
  base = `http://127.0.0.1:${site.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
after(async () => {
  await browser?.close();
  await new Promise((ok) => (site ? site.close(ok) : ok()));
});

test('the app, its links and embed.js work from /redsim/', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/redsim/#commands=SET%20k%20v%0AGET%20k`);
  await page.locator('[data-key="k"]').waitFor();
  assert.equal(await page.locator('[role="log"] .entry .reply').last().textContent(), '"v"\n');
  await page.goto(`${base}/redsim/#scenario=trimming`);
  await page.getByRole('region', { name: 'Scenario' }).waitFor();
  await page.goto(`${base}/`);
  const ex = page.locator('#ex');
  await ex.and(page.locator('[data-ready]')).waitFor();
  await ex.getByRole('button', { name: 'Run' }).click();
  assert.equal(await ex.locator('[role="log"] .entry .reply').last().textContent(), 'OK\n');
  assert.equal(await ex.getByRole('link', { name: /Open in Redsim/ }).getAttribute('href'), `${base}/redsim/#commands=SET%20where%20sub-path`);
  await page.screenshot({ path: join(SHOTS, 'subpath-embed.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
