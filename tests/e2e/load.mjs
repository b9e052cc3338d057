// Load time, cold cache, on an emulated network (a benchmark that prints figures; no assertions):
//   node tests/e2e/load.mjs            (after ./x build; run by scripts/bench-load.sh)
// - the app: navigation start until the console's input is on the page, wired to the engine;
// - a documentation page on another origin with five <redsim-example> elements: navigation start
//   until all five are interactive, and how many times the wasm was fetched.
// Chromium's own network emulation (DevTools protocol): 9 Mbit/s down, 170 ms round trip, the
// cache disabled, a new browser context per run. The files are served as a static host would,
// precompressed (scripts/serve.mjs): once as brotli, once as gzip only (as GitHub Pages serves).
import { readFile, readdir, writeFile, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { DIST } from './helpers.mjs';
import { serve } from '../../scripts/serve.mjs';

const RUNS = Number(process.env.REDSIM_LOAD_RUNS ?? 5);
const NETWORK = { offline: false, latency: 170, downloadThroughput: (9e6 / 8), uploadThroughput: (9e6 / 8) };
const here = dirname(fileURLToPath(import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Records in the page when a condition first holds, in ms since navigation start. */
const WATCH = `
  window.__redsim_times = {};
  const check = () => {
    const t = window.__redsim_times;
    const input = document.querySelector('input[aria-label="Command"]');
    if (!t.console && input && window.wasmBindings) t.console = performance.now();
    const ready = document.querySelectorAll('redsim-example[data-ready]');
    const inputs = [...ready].filter((e) => e.shadowRoot?.querySelector('input[aria-label="Command"]'));
    if (!t.five && inputs.length >= 5) t.five = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
  setInterval(check, 5);
`;

async function timed(browser, url, key) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  await page.addInitScript(WATCH);
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  await page.goto(url);
  await page.waitForFunction((k) => window.__redsim_times?.[k], key, { timeout: 60_000, polling: 10 });
  const ms = await page.evaluate((k) => window.__redsim_times[k], key);
  await context.close();
  return { ms, wasm: wasm.length };
}

async function sizes() {
  const out = {};
  for (const name of await readdir(DIST)) {
    const kind = name.match(/(\.js|_bg\.wasm|\.css|\.html)$/)?.[1];
    if (!kind || name.endsWith('.gz') || name.endsWith('.br')) continue;
    const [raw, gz, br] = await Promise.all(['', '.gz', '.br'].map((s) => stat(join(DIST, name + s)).then((x) => x.size)));
    out[name] = { raw, gz, br };
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const dir = await mkdtemp(join(tmpdir(), 'redsim-load-'));
const five = await readFile(join(here, 'fixtures/docs/five.html'), 'utf8');
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(`network: ${NETWORK.latency} ms round trip, ${(NETWORK.downloadThroughput * 8 / 1e6).toFixed(0)} Mbit/s down, cold cache; ${RUNS} runs, median`);
try {
  for (const encodings of [['br', 'gzip'], ['gzip']]) {
    const app = await serve(DIST, 0, '127.0.0.1', encodings);
    const appUrl = `http://127.0.0.1:${app.address().port}/`;
    await writeFile(join(dir, 'index.html'), five.replace('src="EMBED"', `src="${appUrl}embed.js"`));
    const docs = await serve(dir, 0);
    const appTimes = [];
    const fiveTimes = [];
    let fetches = 0;
    for (let i = 0; i < RUNS; i++) {
      appTimes.push((await timed(browser, appUrl, 'console')).ms);
      const r = await timed(browser, `http://127.0.0.1:${docs.address().port}/`, 'five');
      fiveTimes.push(r.ms);
      fetches = Math.max(fetches, r.wasm);
    }
    console.log(`served as ${encodings[0]}:`);
    console.log(`  app console interactive:   ${median(appTimes).toFixed(0)} ms   (runs: ${appTimes.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`  five examples interactive: ${median(fiveTimes).toFixed(0)} ms   (runs: ${fiveTimes.map((t) => t.toFixed(0)).join(', ')}); wasm fetched ${fetches} time(s)`);
    await new Promise((ok) => app.close(ok));
    await new Promise((ok) => docs.close(ok));
  }
  for (const [name, s] of Object.entries(await sizes())) {
    console.log(`  ${name.padEnd(40)} ${kb(s.raw).padStart(8)} raw ${kb(s.gz).padStart(8)} gzip ${kb(s.br).padStart(8)} brotli`);
  }
} finally {
  await browser.close();
}
