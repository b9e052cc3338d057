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

test('Share puts the session in a link that opens it elsewhere; a damaged link is refused', async () => {
  const first = await openApp(app);
  await build(first.page);
  await first.page.getByRole('button', { name: 'Share' }).click();
  await first.page.getByRole('alert').getByText('holds a link').waitFor();
  const link = first.page.url();
  assert.match(link, /#session=[A-Za-z0-9_-]+$/);
  await first.context.close();

  const second = await openApp(app, { hash: link.slice(link.indexOf('#')) });
  await second.page.locator('[data-pel-id="1-0"]').waitFor();
  assert.equal(await second.page.locator('[data-group="g"]').getAttribute('data-entries-read'), '1');
  await second.context.close();

  const broken = await openApp(app, { hash: link.slice(link.indexOf('#'), -7) + '*' });
  await broken.page.getByRole('alert').getByText('shared link could not be opened').waitFor();
  await run(broken.page, 'PING');
  assert.equal(await lastReply(broken.page), 'PONG\n', 'the page keeps working');
  await broken.page.screenshot({ path: join(SHOTS, 'broken-link.png') });
  assert.deepEqual(broken.errors, []);
  await broken.context.close();
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
