// Keeping and sharing sessions: reload restores, a share link reproduces the session elsewhere,
// files export and import, and anything unreadable leaves the current session alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHOTS, lastReply, openApp, run, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

async function build(page) {
  await run(page, 'XADD s 1-0 f "a b"');
  await run(page, 'XGROUP CREATE s g 0');
  await page.getByRole('button', { name: 'Advance time +1 s' }).click();
  await run(page, 'XREADGROUP GROUP g alice STREAMS s >');
}

test('a reload brings the session back; Reset starts over', async () => {
  const { page, context } = await openApp(app);
  await build(page);
  await page.reload();
  await page.locator('[data-group="g"]').waitFor();
  assert.equal(await page.locator('[data-pel-id="1-0"]').getAttribute('data-consumer'), 'alice');
  assert.equal((await page.getByLabel('Virtual time').textContent()).trim(), '00:00:01.000');
  assert.equal(await page.locator('[role="log"] .entry').count(), 3);
  await page.getByRole('button', { name: 'Reset' }).click();
  assert.equal(await page.locator('[data-entry-id]').count(), 0);
  await page.reload();
  await page.getByRole('textbox', { name: 'Command' }).waitFor();
  assert.equal(await page.locator('[role="log"] .entry').count(), 0);
  await context.close();
});

test('Share copies a link that opens the session elsewhere; short ones stay readable; old and damaged links', async () => {
  const first = await openApp(app, { permissions: ['clipboard-read', 'clipboard-write'] });
  await build(first.page);
  await first.page.getByRole('button', { name: 'Share' }).click();
  await first.page.getByRole('alert').getByText('Link copied to the clipboard').waitFor();
  const link = first.page.url();
  assert.match(link, /#session\.z=[A-Za-z0-9_-]+$/, 'a session with a clock move travels whole, compressed');
  assert.equal(await first.page.evaluate(() => navigator.clipboard.readText()), link);
  await first.context.close();

  const second = await openApp(app, { hash: link.slice(link.indexOf('#')) });
  await second.page.locator('[data-pel-id="1-0"]').waitFor();
  assert.equal(await second.page.locator('[data-group="g"]').getAttribute('data-entries-read'), '1');
  assert.equal((await second.page.getByLabel('Virtual time').textContent()).trim(), '00:00:01.000');
  await second.context.close();

  // Only client 1 typing, the clock untouched: a readable link.
  const short = await openApp(app, { permissions: ['clipboard-read', 'clipboard-write'] });
  await run(short.page, 'XADD s 1-0 a 1');
  await short.page.getByRole('button', { name: 'Share' }).click();
  await short.page.getByRole('alert').getByText('Link copied').waitFor();
  assert.equal(new URL(short.page.url()).hash, '#commands=XADD%20s%201-0%20a%201');
  await short.context.close();

  // A link made before links were compressed still opens.
  const text = 'redsim session 1\nredis 8.2\n1> XADD s 1-0 f v\n+500ms\n';
  const old = await openApp(app, { hash: `#session=${Buffer.from(text).toString('base64url')}` });
  await old.page.locator('[data-entry-id="1-0"]').waitFor();
  await old.context.close();

  for (const [hash, why] of [
    [link.slice(link.indexOf('#'), -7) + '*', 'its data is cut or changed'],
    [link.slice(link.indexOf('#'), -12), 'its compressed data is cut or changed'],
    ['#commands=XADD%2', 'a %-escape in it is cut or changed'],
    ['#version=6.2&commands=PING', "unknown Redis version '6.2'"],
  ]) {
    const broken = await openApp(app, { hash });
    await broken.page.getByRole('alert').getByText(`link could not be opened: ${why}`).waitFor();
    await run(broken.page, 'PING');
    assert.equal(await lastReply(broken.page), 'PONG\n', 'the page keeps working');
    if (why.startsWith('its data')) await broken.page.screenshot({ path: join(SHOTS, 'broken-link.png') });
    assert.deepEqual(broken.errors, []);
    await broken.context.close();
  }
});

test('Export writes a text file that Import reads back; a bad file changes nothing', async () => {
  const { page, context } = await openApp(app);
  await build(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
  const dir = await mkdtemp(join(tmpdir(), 'redsim-'));
  const file = join(dir, 'session.txt');
  await download.saveAs(file);
  const text = await readFile(file, 'utf8');
  assert.match(text, /^redsim session 1\nredis \d+\.\d+\n1> XADD s 1-0 f "a b"\n/);
  await page.getByRole('button', { name: 'Reset' }).click();
  await page.getByLabel('Import a session file').setInputFiles(file);
  await page.locator('[data-pel-id="1-0"]').waitFor();
  const bad = join(dir, 'bad.txt');
  await writeFile(bad, 'redsim session 1\nredis 8.2\n1> GET "x\n');
  await page.getByLabel('Import a session file').setInputFiles(bad);
  await page.getByRole('alert').getByText('line 3: unbalanced quotes').waitFor();
  assert.equal(await page.locator('[data-pel-id="1-0"]').count(), 1, 'the current session is unchanged');
  await context.close();
});

test('a browser that refuses to save says so once, and the session goes on', async () => {
  const context = await app.browser.newContext();
  // Storage full: every write throws, as a browser's quota error does.
  await context.addInitScript(() => {
    Storage.prototype.setItem = () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.url);
  await page.getByRole('textbox', { name: 'Command' }).waitFor();
  await run(page, 'SET a 1');
  await page.getByRole('alert').getByText('did not let Redsim save the session').waitFor();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await run(page, 'SET b 2');
  await page.waitForTimeout(600);
  assert.equal(await page.getByRole('alert').count(), 0, 'said once, not at every step');
  assert.equal(await lastReply(page), 'OK\n');
  assert.deepEqual(errors, []);
  await context.close();
});
