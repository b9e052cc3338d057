// Scenarios: every built-in scenario opens by its link (#scenario=<name>), runs to its end with
// "Run to end", and shows its topology through the stable attributes documentation relies on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

const NAMES = [
  'log-and-blocking-reads', 'consumer-group', 'consumer-crash', 'poison-message', 'trimming', 'failover',
  'aof-fsync', 'fan-out', 'cache-aside', 'rate-limiter-and-lock', 'llm-streaming', 'pubsub-vs-streams',
  'read-and-claim',
];

async function openScenario(name) {
  const context = await app.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${app.url}#scenario=${name}`);
  await page.getByRole('region', { name: 'Scenario' }).waitFor();
  return { page, context, errors };
}

test('the picker lists every scenario by title and opens the one chosen', async () => {
  const context = await app.browser.newContext();
  const page = await context.newPage();
  await page.goto(app.url);
  const picker = page.getByRole('combobox', { name: 'Scenario' });
  await picker.waitFor();
  const options = await picker.locator('option').allTextContents();
  assert.equal(options.length, 15);
  assert.equal(options.at(-1), 'Write a scenario…');
  assert.ok(options.includes('Primary failover with asynchronous replication: acknowledged writes are lost; WAIT helps'));
  await picker.selectOption('consumer-crash');
  await page.getByRole('heading', { name: /A consumer crashes mid-work/ }).waitFor();
  assert.equal(new URL(page.url()).hash, '#scenario=consumer-crash');
  await picker.selectOption('');
  await page.getByRole('textbox', { name: 'Command' }).waitFor();
  await context.close();
});

for (const name of NAMES) {
  test(`${name} runs to its end`, async () => {
    const { page, context, errors } = await openScenario(name);
    await page.getByRole('button', { name: 'Run to end' }).click();
    await page.getByRole('button', { name: 'Run to end' }).and(page.locator(':disabled')).waitFor();
    const nodes = page.locator('[data-server]');
    assert.ok(await nodes.count() >= 1);
    for (const node of await nodes.all()) {
      assert.match(await node.getAttribute('data-role'), /^(primary|replica)$/);
      assert.match(await node.getAttribute('data-repl-offset'), /^\d+$/);
      assert.match(await node.getAttribute('data-up'), /^(true|false)$/);
    }
    assert.notEqual(await page.getByRole('status', { name: 'Narration' }).textContent(), '');
    await page.screenshot({ path: join(SHOTS, `scenario-${name}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('failover: the promoted replica is primary, the lost writes are named, stepping back undoes it', async () => {
  const { page, context, errors } = await openScenario('failover');
  await page.getByRole('button', { name: 'Run to end' }).click();
  await page.locator('[data-server="replica-1"][data-role="primary"]').waitFor();
  assert.equal(await page.locator('[data-server="primary"]').getAttribute('data-role'), 'replica');
  const lost = await page.locator('[data-lost-id]').evaluateAll((els) => els.map((e) => e.dataset.lostId));
  assert.ok(lost.length > 0);
  assert.ok(lost.every((id) => /^\d+-\d+$/.test(id)), lost.join(' '));
  // Back to the start: the original primary again, nothing lost.
  await page.getByRole('slider', { name: 'Step' }).fill('1');
  await page.locator('[data-server="primary"][data-role="primary"]').waitFor();
  assert.equal(await page.locator('[data-lost-id]').count(), 0);
  // A presenter crashes a replica from the picture; the run branches from there.
  await page.getByRole('button', { name: 'Crash replica-2' }).click();
  await page.locator('[data-server="replica-2"][data-up="false"]').waitFor();
  await page.getByRole('button', { name: 'Restart replica-2' }).waitFor();
  await page.screenshot({ path: join(SHOTS, 'scenario-failover-branch.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('play moves the scenario on by itself; step forward and back walk it', async () => {
  const { page, context, errors } = await openScenario('consumer-group');
  const clock = page.getByLabel('Scenario time');
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('20');
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => /t = [1-9]/.test(document.querySelector('.scenario-clock').textContent));
  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await clock.textContent();
  await page.getByRole('button', { name: 'Step back' }).click();
  await page.getByRole('button', { name: 'Step forward' }).click();
  assert.equal(await clock.textContent(), paused);
  assert.deepEqual(errors, []);
  await context.close();
});

test('[ and ] change the speed, in steps of the speed list', async () => {
  const { page, context, errors } = await openScenario('consumer-group');
  const speed = page.getByRole('combobox', { name: 'Speed' });
  assert.equal(await speed.inputValue(), '1');
  await page.keyboard.press(']');
  assert.equal(await speed.inputValue(), '2');
  await page.keyboard.press(']');
  await page.keyboard.press(']');
  assert.equal(await speed.inputValue(), '20');
  await page.keyboard.press('[');
  assert.equal(await speed.inputValue(), '5');
  await page.keyboard.press('p');
  await page.screenshot({ path: join(SHOTS, 'presenter-scenario.png') });
  await page.keyboard.press('p');
  assert.deepEqual(errors, []);
  await context.close();
});
