// Scenarios: every built-in scenario opens by its link (#scenario=<name>), runs to its end with
// "Run to end", and shows its topology through the stable attributes documentation relies on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { SHOTS, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

const NAMES = [
  'log-and-blocking-reads', 'consumer-group', 'consumer-crash', 'poison-message', 'trimming', 'failover',
  'aof-fsync', 'fan-out', 'cache-aside', 'rate-limiter-and-lock', 'llm-streaming', 'pubsub-vs-streams',
  'read-and-claim', 'cluster', 'cluster-failover', 'planned-failover', 'cluster-streams', 'vector-search',
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
  assert.equal(options.length, 20);
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

test('vector-search: the set is drawn without a click, and VREM leaves its neighbours linked', async () => {
  const { page, context, errors } = await openScenario('vector-search');
  await page.getByRole('button', { name: 'Run to end' }).click();
  await page.getByRole('button', { name: 'Run to end' }).and(page.locator(':disabled')).waitFor();
  const picture = page.getByRole('figure', { name: 'Graph of vector set products' });
  assert.match(await picture.locator('figcaption').textContent(), /^products: VCARD 5 · VDIM 3 · int8 · M 16/);
  assert.equal(await picture.locator('g.element').count(), 5);
  assert.equal(await picture.locator('g.element[data-element="fleece"]').count(), 0);
  // Every element left has a layer-0 link.
  for (const name of ['running-shoes', 'trail-jacket', 'oxford-shoes', 'wool-coat', 'track-shorts']) {
    const linked = await picture.locator(`line.link[data-from="${name}"], line.link[data-to="${name}"]`).count();
    assert.ok(linked >= 1, name);
  }
  await picture.screenshot({ path: join(SHOTS, 'scenario-vector-search-graph.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('failover: the promoted replica is primary, the lost writes are named, stepping back undoes it', async () => {
  const { page, context, errors } = await openScenario('failover');
  await page.getByRole('button', { name: 'Run to end' }).click();
  await page.locator('[data-server="replica-1"][data-role="primary"]').waitFor();
  assert.equal(await page.locator('[data-server="primary"]').getAttribute('data-role'), 'replica');
  // The diagram marks the writes lost on the node that lost them.
  assert.ok(Number(await page.locator('.diagram [data-lost-here]').first().getAttribute('data-lost-here')) > 0);
  // At the step where the sentinels agree the primary is down, each one's mark is a vote.
  await page.getByRole('button', { name: /objectively down/ }).first().click();
  assert.equal(await page.locator('.diagram [data-sentinel][data-phase="vote"]').count(), 3);
  await page.screenshot({ path: join(SHOTS, 'scenario-sentinel-votes.png'), fullPage: true });
  await page.getByRole('button', { name: 'Run to end' }).click();
  await page.screenshot({ path: join(SHOTS, 'scenario-failover-diagram.png'), fullPage: true });
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

test('the diagram draws replication messages travelling along their links', async () => {
  const { page, context, errors } = await openScenario('failover');
  const forward = page.getByRole('button', { name: 'Step forward' });
  const dots = page.locator('svg [data-in-flight]');
  for (let i = 0; i < 200 && await dots.count() === 0; i++) await forward.click();
  assert.ok(await dots.count() > 0, 'a message in flight');
  const dot = dots.first();
  assert.equal(await dot.getAttribute('data-from'), 'primary');
  assert.match(await dot.getAttribute('data-to'), /^replica-\d$/);
  assert.equal(await page.locator('.diagram [data-node="primary"].primary').count(), 1);
  await page.screenshot({ path: join(SHOTS, 'scenario-diagram-in-flight.png'), fullPage: true });
  // It is drawn on its link: between the primary's box (bottom at 70) and the replica's (top at 150).
  const cy = Number(await dot.getAttribute('cy'));
  assert.ok(cy >= 70 && cy <= 150, `cy ${cy}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('cluster: the slot map shows who serves which slots, and a slot moving from n1 to n2', async () => {
  const { page, context, errors } = await openScenario('cluster');
  const runs = page.locator('.slot-map rect.slot-run');
  await runs.first().waitFor();
  const owners = async () => runs.evaluateAll((els) => els.map((e) => `${e.dataset.first}-${e.dataset.last} ${e.dataset.owner}`));
  assert.deepEqual(await owners(), ['0-5460 n1', '5461-10922 n2', '10923-16383 n3']);
  assert.match(await page.locator('[data-server="n1"] .node-slots').textContent(), /^slots 0-5460 \(5461\)$/);
  // Step until the resharding has started: slot 105 is marked as moving.
  const forward = page.getByRole('button', { name: 'Step forward' });
  while (await page.locator('.slot-map rect.slot-moving').count() === 0) {
    await forward.click();
  }
  assert.equal(await page.locator('.slot-map rect.slot-moving').getAttribute('data-slot'), '105');
  assert.match(await page.locator('[data-server="n1"] .node-moving').textContent(), /migrating 105 → n2/);
  assert.match(await page.locator('[data-server="n2"] .node-moving').textContent(), /importing 105 ← n1/);
  // A key already moved: the client is sent on with ASK.
  const log = page.locator('.event-log');
  const stepUntil = async (pattern) => {
    for (let i = 0; i < 400 && !pattern.test(await log.textContent()); i++) await forward.click();
    assert.match(await log.textContent(), pattern);
  };
  await stepUntil(/follows ASK: slot 105 is moving to n2/);
  // The slot map marks the last request's slot, with the redirection it followed.
  const request = page.locator('.slot-map .slot-request-text');
  for (let i = 0; i < 50 && !/ASK → n2/.test(await request.textContent()); i++) await forward.click();
  assert.match(await request.textContent(), /slot 105: n1 ASK → n2, n2 served/);
  const mark = page.locator('.slot-map polygon.slot-request');
  assert.equal(await mark.getAttribute('data-slot'), '105');
  assert.equal(await mark.getAttribute('data-outcome'), 'ask');
  await page.screenshot({ path: join(SHOTS, 'scenario-cluster-resharding.png'), fullPage: true });
  // Once the slot is n2's, a client with the old map gets MOVED.
  await stepUntil(/MOVED 105 n2:6379/);
  await page.getByRole('button', { name: 'Run to end' }).click();
  await page.getByRole('button', { name: 'Run to end' }).and(page.locator(':disabled')).waitFor();
  assert.deepEqual(await owners(), ['0-104 n1', '105-105 n2', '106-5460 n1', '5461-10922 n2', '10923-16383 n3']);
  assert.equal(await page.locator('.slot-map rect.slot-moving').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a run recorded as a WebM video, and a step saved as a picture', async () => {
  const { page, context, errors } = await openScenario('cache-aside');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByRole('button', { name: 'Record the run as a video' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'redsim-scenario.webm');
  const video = await readFile(await download.path());
  assert.deepEqual([...video.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'an EBML (WebM) header');
  assert.ok(video.length > 2000, `${video.length} bytes`);
  await writeFile(join(SHOTS, 'scenario-recording.webm'), video);
  // The recording stepped the run to its end.
  await page.getByRole('button', { name: 'Run to end' }).and(page.locator(':disabled')).waitFor();
  const [shot] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save the pictures as PNG' }).click(),
  ]);
  assert.equal(shot.suggestedFilename(), 'redsim-scenario-step.png');
  await writeFile(join(SHOTS, 'scenario-saved-picture.png'), await readFile(await shot.path()));
  assert.deepEqual(errors, []);
  await context.close();
});

test('the scenario pictures move as the console pictures do: entries slide in, deliveries fly into lanes', async () => {
  const { page, context, errors } = await openScenario('consumer-group');
  const forward = page.getByRole('button', { name: 'Step forward' });
  const seen = { enter: false, delivered: false };
  for (let i = 0; i < 150 && !(seen.enter && seen.delivered); i++) {
    await forward.click();
    seen.enter ||= await page.locator('section.pictures .entry-chip.enter').count() > 0;
    seen.delivered ||= await page.locator('section.pictures .pending-chip.delivered').count() > 0;
  }
  assert.deepEqual(seen, { enter: true, delivered: true });
  // Stepping back shows the step at once.
  await page.getByRole('button', { name: 'Step back' }).click();
  assert.equal(await page.locator('section.pictures .entry-chip.enter, section.pictures .pending-chip.delivered').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('play moves the scenario on by itself; step forward and back walk it', async () => {
  const { page, context, errors } = await openScenario('consumer-group');
  const clock = page.getByLabel('Scenario time');
  // 2x: the three-second run lasts a second and a half, time enough to pause it halfway (at 20x
  // it could end between reading the clock and pressing Pause).
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('2');
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
