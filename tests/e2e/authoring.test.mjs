// Writing a scenario in the app (errors at their line and column, run, share, edit a copy) and
// links opened in the same tab (a hash change, no reload).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { SHOTS, lastReply, openApp, run, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

const deflated = (text) => deflateRawSync(Buffer.from(text)).toString('base64url');

const SCENARIO = `name: two-readers
title: Two readers of one stream
node redis
client app on redis
at 0s: app XADD news * headline hello
at 0s: say Two clients read the same stream; neither takes the entry from the other.
at 1s: app XREAD STREAMS news 0
end 2s
`;

async function openEditor(page) {
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption({ label: 'Write a scenario…' });
  const text = page.getByRole('textbox', { name: 'Scenario text' });
  await text.waitFor();
  return text;
}

test('the editor shows each error at its line and column, runs the scenario and shares it as a link', async () => {
  const { page, context, errors } = await openApp(app, { permissions: ['clipboard-read', 'clipboard-write'] });
  const text = await openEditor(page);
  assert.match(await text.inputValue(), /^name: /m, 'a scenario to start from');
  await text.fill(SCENARIO.replace('client app on redis', 'client app on redos'));
  const alert = page.getByRole('alert');
  await alert.getByText("line 4, column 15: no node named 'redos'").waitFor();
  assert.equal(await page.locator('.gutter li.error').textContent(), '4');
  assert.match(await page.locator('.excerpt').textContent(), /4 \| client app on redos\n\s+\^$/);
  assert.equal(await page.getByRole('button', { name: 'Run' }).isDisabled(), true);
  await page.getByRole('button', { name: 'Go to line 4' }).click();
  const caret = await text.evaluate((t) => t.selectionStart);
  assert.equal(caret, SCENARIO.indexOf('client app on redis') + 14, 'the caret is at the error');
  await page.screenshot({ path: join(SHOTS, 'editor-error.png') });

  await text.fill(SCENARIO);
  await page.getByRole('status').getByText('Reads fine: “Two readers of one stream”, 1 node, 3 timed actions').waitFor();
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByText('Link copied to the clipboard').waitFor();
  const shared = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(shared, /#scenario\.z=[A-Za-z0-9_-]+$/);
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('heading', { name: 'Two readers of one stream' }).waitFor();
  await page.getByRole('button', { name: 'Run to end' }).click();
  await page.getByRole('status', { name: 'Narration' }).getByText('Two clients read').waitFor();

  // The link opens the same scenario in a fresh page.
  const fresh = await context.newPage();
  await fresh.goto(shared);
  await fresh.getByRole('heading', { name: 'Two readers of one stream' }).waitFor();
  // A reload keeps the draft.
  await page.reload();
  await openEditor(page);
  assert.equal(await page.getByRole('textbox', { name: 'Scenario text' }).inputValue(), SCENARIO);
  assert.deepEqual(errors, []);
  await context.close();
});

async function openAt(hash) {
  const context = await app.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.url + hash);
  return { page, context, errors };
}

test('a built-in scenario opens in the editor as a copy; a link to a broken scenario opens the editor saying why', async () => {
  const { page, context, errors } = await openAt('#scenario=failover');
  await page.getByRole('button', { name: 'Edit a copy' }).click();
  const text = page.getByRole('textbox', { name: 'Scenario text' });
  assert.match(await text.inputValue(), /^name: failover$/m);
  assert.deepEqual(errors, []);
  await context.close();

  const broken = await openAt(`#scenario.z=${deflated('name: x\nnode p\nat soon: crash p\n')}`);
  await broken.page.getByText('The scenario in this link cannot be run: line 3, column 4').waitFor();
  assert.match(await broken.page.getByRole('textbox', { name: 'Scenario text' }).inputValue(), /at soon: crash p/);
  await broken.page.getByRole('alert').getByText("expected a time such as 500ms, 2s or 1m, got 'soon'").waitFor();
  await broken.page.screenshot({ path: join(SHOTS, 'editor-broken-link.png') });
  assert.deepEqual(broken.errors, []);
  await broken.context.close();
});

test('a link opened in the same tab opens, and the session it replaced can come back', async () => {
  const { page, context, errors } = await openApp(app);
  await run(page, 'SET mine 1');
  await page.waitForTimeout(500); // autosave
  await page.evaluate(() => { location.hash = '#commands=XADD%20s%201-0%20a%201%0AXLEN%20s'; });
  await page.locator('[data-entry-id="1-0"]').waitFor();
  assert.equal(await lastReply(page), '(integer) 1\n');
  await page.getByRole('status').getByText('Yours from before is kept').waitFor();

  await page.evaluate((z) => { location.hash = `#session.z=${z}`; }, deflated('redsim session 1\nredis 7.0\n2> SET k v\n+1500ms\n'));
  const versionPicker = page.getByRole('combobox', { name: 'Redis version' });
  await page.waitForFunction(() => document.querySelector('select[aria-label="Redis version"]')?.value === '7.0');
  assert.equal((await page.getByLabel('Virtual time').textContent()).trim(), '00:00:01.500');

  await page.evaluate(() => { location.hash = '#top'; });
  await page.waitForTimeout(200);
  assert.equal(await versionPicker.inputValue(), '7.0', 'a fragment that is no link changes nothing');

  await page.evaluate(() => { location.hash = '#scenario=trimming'; });
  await page.getByRole('region', { name: 'Scenario' }).waitFor();
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption('');
  await page.getByRole('button', { name: 'Go back to my session' }).click();
  await run(page, 'GET mine');
  assert.equal(await lastReply(page), '"1"\n', 'the session from before the first link');
  assert.deepEqual(errors, []);
  await context.close();
});
