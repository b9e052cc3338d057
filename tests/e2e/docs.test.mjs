// Examples in any page: a documentation page on another origin than the app loads embed.js, gets
// live <redsim-example> elements (each its own Redis, one download for all), upgraded code blocks,
// a transcript whose stale reply is marked, a scenario player, and the JS API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHOTS, startApp } from './helpers.mjs';
import { serve } from '../../scripts/serve.mjs';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/docs');

let app;
let docs;
let docsUrl;
before(async () => {
  app = await startApp();
  // The documentation site: another port, so another origin, as GitHub Pages would be.
  const dir = await mkdtemp(join(tmpdir(), 'redsim-docs-'));
  const page = await readFile(join(FIXTURES, 'index.html'), 'utf8');
  await writeFile(join(dir, 'index.html'), page.replace('src="EMBED"', `src="${app.url}embed.js"`));
  await copyFile(join(FIXTURES, 'demo.scn'), join(dir, 'demo.scn'));
  docs = await serve(dir, 0);
  docsUrl = `http://127.0.0.1:${docs.address().port}/`;
});
after(async () => {
  await app?.close();
  await new Promise((ok) => (docs ? docs.close(ok) : ok()));
});

async function openDocs() {
  const context = await app.browser.newContext({ viewport: { width: 1300, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  const wasm = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  await page.goto(docsUrl);
  return { page, context, errors, wasm };
}

/** Scrolls an element into view and waits until its engine has started. */
async function ready(example) {
  await example.scrollIntoViewIfNeeded();
  await example.and(example.page().locator('[data-ready]')).waitFor();
  return example;
}

async function type(example, line) {
  const input = example.getByRole('textbox', { name: 'Command' });
  await input.fill(line);
  await input.press('Enter');
}

const lastReply = (example) => example.locator('[role="log"] .entry .reply').last().textContent();

test('three examples on a page from another origin: each its own Redis, one download, pictures and replies', async () => {
  const { page, context, errors, wasm } = await openDocs();
  const first = await ready(page.locator('#first'));
  const second = await ready(page.locator('#second'));
  await first.getByRole('button', { name: 'Step' }).click();
  assert.match(await lastReply(first), /^"\d+-0"\n$/);
  await first.getByRole('button', { name: 'Run' }).click();
  await first.locator('[data-group="shipping"][data-last-delivered-id]').waitFor();
  assert.equal(await first.locator('[data-consumer="alice"]').count() > 0, true);
  assert.equal(await first.locator('[data-pel-id]').first().getAttribute('data-delivery-count'), '1');
  assert.equal(await first.getByText('Redis 7.0.15').count(), 1, 'version="7.0"');
  // Isolation: the second example has no "orders", and a key it sets is not in the first.
  await second.getByRole('button', { name: 'Run' }).click();
  assert.equal(await lastReply(second), '(integer) 0\n');
  await type(second, 'SET only-here 1');
  await type(first, 'EXISTS only-here');
  assert.equal(await lastReply(first), '(integer) 0\n');
  // The autorun example ran by itself when scrolled into view.
  const third = await ready(page.locator('#third'));
  await third.locator('[role="log"] .entry').nth(1).waitFor();
  assert.equal(await lastReply(third), '1) "a"\n2) "b"\n3) "c"\n');
  assert.equal(await third.getAttribute('theme'), 'dark');
  await first.screenshot({ path: join(SHOTS, 'docs-example.png') });
  await third.screenshot({ path: join(SHOTS, 'docs-example-dark.png') });
  // Everything on the page shares one module: the wasm was fetched once.
  assert.equal(wasm.length, 1, wasm.join(' '));
  // Examples never save anything, on the page's origin or anywhere.
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('code blocks the page already had: a Redis Insight fence and a transcript with a stale reply', async () => {
  const { page, context, errors } = await openDocs();
  assert.equal(await page.locator('pre#shell').count(), 1, 'a shell block is left alone');
  assert.equal(await page.locator('pre#transcript').count(), 0, 'the transcript became an example');
  const examples = page.locator('redsim-example');
  assert.equal(await examples.count(), 5);
  const fence = await ready(examples.nth(3));
  assert.equal(await fence.getAttribute('mode'), 'raw');
  await fence.getByRole('button', { name: 'Run' }).click();
  assert.equal(await lastReply(fence), 'model\nDeimos\nbrand\nErgonom\n', 'mode=raw prints as redis-cli --raw');
  const transcript = await ready(examples.nth(4));
  await transcript.getByRole('button', { name: 'Run' }).click();
  const marked = transcript.locator('[data-mismatch]');
  await marked.waitFor();
  assert.equal(await marked.count(), 1, 'only the stale reply is marked');
  assert.equal(await marked.textContent(), '(integer) 2\n');
  await transcript.getByRole('note').getByText('(integer) 3').waitFor();
  await transcript.getByRole('status').getByText('1 reply is not what this page shows').waitFor();
  await transcript.screenshot({ path: join(SHOTS, 'docs-transcript-stale.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('Open in Redsim opens the full app with the same lines', async () => {
  const { page, context } = await openDocs();
  const first = await ready(page.locator('#first'));
  const href = await first.getByRole('link', { name: /Open in Redsim/ }).getAttribute('href');
  assert.ok(href.startsWith(`${app.url}#version=7.0&commands=XADD%20orders%20*`), href);
  const full = await context.newPage();
  await full.goto(href);
  await full.locator('[data-group="shipping"]').waitFor();
  assert.equal(await full.locator('[role="log"] .entry').count(), 3);
  assert.equal(await full.getByRole('combobox', { name: 'Redis version' }).inputValue(), '7.0');
  await context.close();
});

test('garbage in an element: every line still gets an answer, a bad attribute is named', async () => {
  const { page, context, errors } = await openDocs();
  await page.evaluate(() => {
    const el = document.createElement('redsim-example');
    el.id = 'garbage';
    el.setAttribute('version', '6.2');
    el.setAttribute('pictures', 'everything');
    el.textContent = 'GET "unbalanced\n\u0001\u00ff \uffff\nXADD s notanid a 1\nSET k v EX 99999999999999999999\n';
    document.body.prepend(el);
  });
  const garbage = await ready(page.locator('#garbage'));
  await garbage.getByRole('alert').getByText("version=\"6.2\": unknown Redis version '6.2'").waitFor();
  await garbage.getByRole('button', { name: 'Run' }).click();
  const replies = await garbage.locator('[role="log"] .entry .reply').allTextContents();
  assert.equal(replies.length, 4);
  assert.equal(replies[0], 'Invalid argument(s)\n');
  assert.match(replies[1], /^\(error\) ERR unknown command/);
  assert.equal(replies[2], '(error) ERR Invalid stream ID specified as stream command argument\n');
  assert.equal(replies[3], '(error) ERR value is not an integer or out of range\n');
  await type(garbage, 'PING');
  assert.equal(await lastReply(garbage), 'PONG\n', 'the element keeps working');
  assert.deepEqual(errors, []);
  await context.close();
});

test('<redsim-scenario> plays a scenario from its src or its text, and names what is wrong with a bad one', async () => {
  const { page, context, errors } = await openDocs();
  await page.evaluate(() => {
    const good = document.createElement('redsim-scenario');
    good.id = 'from-src';
    good.setAttribute('src', 'demo.scn');
    const bad = document.createElement('redsim-scenario');
    bad.id = 'bad';
    bad.textContent = 'name: broken\nnode p\nnode r replica-of q\n';
    document.body.prepend(good, bad);
  });
  const good = await ready(page.locator('#from-src'));
  await good.getByRole('heading', { name: 'A producer and two consumers in one group' }).waitFor();
  await good.getByRole('button', { name: 'Run to end' }).click();
  await good.getByRole('button', { name: 'Run to end' }).and(page.locator(':disabled')).waitFor();
  assert.ok((await good.locator('[data-entry-id]').count()) > 0);
  await good.screenshot({ path: join(SHOTS, 'docs-scenario.png') });
  const bad = await ready(page.locator('#bad'));
  await bad.getByRole('alert').getByText("line 3, column 19: no node named 'q' (define it first)").waitFor();
  assert.match(await bad.locator('.excerpt').textContent(), /3 \| node r replica-of q\n\s+\^$/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the JS API: a page drives its own engine', async () => {
  const { page, context } = await openDocs();
  const result = await page.evaluate(async (embed) => {
    const { Redsim } = await import(embed);
    const r = await Redsim.create({ version: '7.0' });
    const out = [r.version, r.run('XADD s 1-0 a 1'), r.run('XRANGE s - +'), r.run('HSET h f 1'), r.run('INCRBY n 9007199254740993')];
    out.push(r.run('XLEN nosuch'), r.run('GET "x'), r.run('LPUSH s x'));
    r.run('SET t v PX 100');
    r.advance(200);
    out.push(r.run('EXISTS t'));
    r.reset();
    out.push(r.run('EXISTS s'));
    let bad;
    try { await Redsim.create({ version: '6.2' }); } catch (e) { bad = e.message; }
    return { out: JSON.parse(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? `${v}n` : v))), bad };
  }, `${app.url}embed.js`);
  const [version, add, range, hset, big, len, unbalanced, wrong, expired, afterReset] = result.out;
  assert.equal(version, '7.0.15');
  assert.deepEqual(add, { text: '"1-0"\n', reply: '1-0', error: null, waitedMs: null });
  assert.deepEqual(range.reply, [['1-0', ['a', '1']]]);
  assert.equal(hset.reply, 1);
  assert.equal(big.reply, '9007199254740993n', 'past 2^53 as a BigInt');
  assert.equal(len.reply, 0);
  assert.equal(unbalanced.error, 'Invalid argument(s)');
  assert.match(wrong.error, /^WRONGTYPE/);
  assert.equal(wrong.reply, null);
  assert.equal(expired.reply, 0, 'advance moves the virtual clock');
  assert.equal(afterReset.reply, 0);
  assert.match(result.bad, /unknown Redis version '6.2'/);
  await context.close();
});
