// Embed mode: a documentation page shows a pre-loaded example in an iframe (`?embed#session=...`);
// the reader can run commands and restart it, and the example never replaces their own session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, lastReply, openApp, run, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

test('an embedded example opens from its link, runs, restarts, and leaves the saved session alone', async () => {
  // The reader's own session in this browser.
  const { page: own, context } = await openApp(app);
  await run(own, 'SET mine 1');
  await own.waitForTimeout(500);
  // An author's example, shared as a link.
  await run(own, 'XADD orders 1-0 item book');
  await own.getByRole('button', { name: 'Share' }).click();
  const hash = new URL(own.url()).hash;
  await run(own, 'DEL orders');
  await own.waitForTimeout(500);

  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${app.url}?embed${hash}`);
  await page.getByRole('textbox', { name: 'Command' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Share' }).count(), 0, 'no session tools in an embed');
  const open = page.getByRole('link', { name: /Open in Redsim/ });
  assert.equal(new URL(await open.getAttribute('href')).search, '', 'the full page drops ?embed');
  await run(page, 'XLEN orders');
  assert.equal(await lastReply(page), '(integer) 1\n');
  await run(page, 'XADD orders 2-0 item pen');
  await page.getByRole('button', { name: 'Restart' }).click();
  await run(page, 'XLEN orders');
  assert.equal(await lastReply(page), '(integer) 1\n', 'Restart goes back to the example as linked');
  await page.screenshot({ path: join(SHOTS, 'embed.png') });
  assert.deepEqual(errors, []);

  // The reader's saved session is still theirs.
  const again = await context.newPage();
  await again.goto(app.url);
  await again.getByRole('textbox', { name: 'Command' }).waitFor();
  await run(again, 'GET mine');
  assert.equal(await lastReply(again), '"1"\n');
  await run(again, 'EXISTS orders');
  assert.equal(await lastReply(again), '(integer) 0\n');
  await context.close();
});
