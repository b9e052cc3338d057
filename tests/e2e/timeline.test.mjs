// Time travel in a real browser: every command and clock move can be stepped back and forward;
// typing while stepped back starts a new branch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, lastReply, openApp, run, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

test('step back, step forward, scrub and branch', async () => {
  const { page, context, errors } = await openApp(app, { viewport: { width: 1400, height: 900 } });
  for (let i = 1; i <= 3; i++) await run(page, `XADD s ${i}-0 f v`);
  await run(page, 'XGROUP CREATE s g 0');
  await run(page, 'XREADGROUP GROUP g alice STREAMS s >');
  const entries = () => page.locator('[data-entry-id]').count();
  const readout = page.getByLabel('Shown step');
  assert.equal((await readout.textContent()).trim(), 'step 5 / 5');
  assert.equal(await page.locator('[data-group="g"]').getAttribute('data-lag'), '0');

  await page.getByRole('button', { name: 'Step back' }).click();
  assert.equal(await page.locator('[data-group="g"]').getAttribute('data-lag'), '3', 'before the read, the group lags by 3');
  assert.equal(await page.locator('[data-pel-id]').count(), 0);
  await page.getByRole('status').getByText('Showing step 4 of 5').waitFor();
  await page.getByRole('button', { name: 'Step back' }).click();
  assert.equal(await page.locator('[data-group]').count(), 0);
  await page.getByRole('button', { name: 'Step back' }).click();
  assert.equal(await entries(), 2);
  await page.screenshot({ path: join(SHOTS, 'timeline-stepped-back.png') });

  await page.getByRole('button', { name: 'Step forward' }).click();
  assert.equal(await entries(), 3);
  await page.getByLabel('Step', { exact: true }).fill('0');
  assert.equal(await entries(), 0);
  assert.equal(await page.locator('[role="log"] .entry').count(), 0, 'the transcript follows the timeline');
  await page.getByLabel('Step', { exact: true }).fill('1');
  await run(page, 'XLEN s');
  assert.equal(await lastReply(page), '(integer) 1\n', 'typing at step 1 continues from there');
  assert.equal((await readout.textContent()).trim(), 'step 2 / 2');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Play replays the session step by step; Pause stops it', async () => {
  const { page, context, errors } = await openApp(app);
  for (let i = 1; i <= 3; i++) await run(page, `XADD s ${i}-0 f v`);
  await page.getByRole('button', { name: 'Play' }).click();
  await page.getByLabel('Shown step').getByText('step 1 / 3').waitFor();
  await page.getByLabel('Shown step').getByText('step 2 / 3').waitFor();
  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = (await page.getByLabel('Shown step').textContent()).trim();
  await page.waitForTimeout(1000);
  assert.equal((await page.getByLabel('Shown step').textContent()).trim(), paused, 'Pause holds the step');
  await page.getByRole('button', { name: 'Play' }).click();
  await page.getByLabel('Shown step').getByText('step 3 / 3').waitFor();
  await page.getByRole('button', { name: 'Play' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('keys drive the timeline, but not while typing; presenter mode enlarges and hides the chrome', async () => {
  const { page, context, errors } = await openApp(app, { viewport: { width: 1400, height: 900 } });
  for (let i = 1; i <= 3; i++) await run(page, `XADD s ${i}-0 f v`);
  const readout = page.getByLabel('Shown step');
  const step = async () => (await readout.textContent()).trim();
  // Typing a "p" or an arrow in the command line is typing.
  const input = page.getByRole('textbox', { name: 'Command' });
  await input.press('p');
  await input.press('ArrowLeft');
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('presenter')), false);
  assert.equal(await step(), 'step 3 / 3');
  await input.fill('');
  // Escape leaves the command line; then the keys are the timeline's.
  await input.press('Escape');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await step(), 'step 2 / 3');
  await page.keyboard.press('PageUp');
  assert.equal(await step(), 'step 1 / 3');
  await page.keyboard.press('PageDown');
  assert.equal(await step(), 'step 2 / 3');
  await page.keyboard.press('Home');
  assert.equal(await step(), 'step 0 / 3');
  await page.keyboard.press('End');
  assert.equal(await step(), 'step 3 / 3');
  await page.keyboard.press('Home');
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Pause' }).waitFor();
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Play' }).waitFor();
  // ? lists the keys; Escape closes the list.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor();
  assert.match(await help.textContent(), /Presenter mode/);
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });
  // p: presenter mode, 1.6 times the type, the pickers and session tools hidden, the timeline kept.
  const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  const before = await size();
  await page.keyboard.press('p');
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('presenter')), true);
  assert.ok(await size() >= before * 1.6, `${await size()} vs ${before}`);
  assert.equal(await page.getByRole('combobox', { name: 'Redis version' }).isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Step back' }).isVisible(), true);
  assert.equal(await page.getByRole('button', { name: 'Presenter mode' }).getAttribute('aria-pressed'), 'true');
  await page.screenshot({ path: join(SHOTS, 'presenter-mode.png') });
  await page.getByRole('button', { name: 'Presenter mode' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('presenter')), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a command typed at a past step starts a branch; the old future stays selectable, after a reload and through a link', async () => {
  const { page, context, errors } = await openApp(app, { permissions: ['clipboard-read', 'clipboard-write'] });
  for (let i = 1; i <= 3; i++) await run(page, `SET k ${i}`);
  await page.getByLabel('Step', { exact: true }).fill('1');
  await run(page, 'DEL k');
  const readout = page.getByLabel('Shown step');
  assert.equal((await readout.textContent()).trim(), 'step 2 / 2');
  const branch = page.getByRole('combobox', { name: 'Branch' });
  const options = async () => branch.locator('option').allTextContents();
  assert.deepEqual(await options(), ['this one (2 steps)', 'from step 1: 2 steps (SET k 2)']);
  await page.screenshot({ path: join(SHOTS, 'timeline-branches.png') });
  // Over to the old future: k is 3 again, and the DEL line is the other branch now.
  await branch.selectOption({ index: 1 });
  assert.equal((await readout.textContent()).trim(), 'step 1 / 3');
  await page.getByLabel('Step', { exact: true }).fill('3');
  assert.equal(await page.locator('[data-key="k"]').getAttribute('data-type'), 'string');
  assert.deepEqual(await options(), ['this one (3 steps)', 'from step 1: 1 step (DEL k)']);
  // Kept by the browser, and carried by a shared link.
  await page.reload();
  await page.getByRole('combobox', { name: 'Branch' }).waitFor();
  assert.deepEqual(await options(), ['this one (3 steps)', 'from step 1: 1 step (DEL k)']);
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByRole('alert').getByText('Link copied').waitFor();
  const link = page.url();
  assert.match(link, /#session\.z=/);
  const other = await openApp(app, { hash: link.slice(link.indexOf('#')) });
  const otherBranch = other.page.getByRole('combobox', { name: 'Branch' });
  await otherBranch.waitFor();
  await otherBranch.selectOption({ index: 1 });
  await other.page.getByLabel('Step', { exact: true }).fill('2');
  assert.equal(await other.page.locator('[data-key="k"]').count(), 0, 'the DEL branch: no k');
  assert.deepEqual(other.errors, []);
  await other.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});
