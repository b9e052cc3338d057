// The stream picture in a real browser: nodes, ghosts, group pointers and the PEL follow the
// commands typed, through the stable data attributes documentation and tests rely on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { SHOTS, lastReply, openApp, run, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

const attr = (page, selector, name) => page.locator(selector).getAttribute(name);

test('entries, nodes, ghosts and trimming', async () => {
  const { page, context, errors } = await openApp(app, { viewport: { width: 1400, height: 900 } });
  await run(page, 'CONFIG SET stream-node-max-entries 4');
  for (let i = 1; i <= 10; i++) await run(page, `XADD orders ${i}-0 item book qty ${i}`);
  assert.equal(await page.locator('[data-node]').count(), 3);
  assert.deepEqual(await page.locator('[data-node]').evaluateAll((ns) => ns.map((n) => n.dataset.node)), ['1-0', '5-0', '9-0']);
  await run(page, 'XDEL orders 2-0');
  assert.equal(await attr(page, '[data-entry-id="2-0"]', 'data-deleted'), 'true');
  assert.equal(await page.locator('[data-fact="max-deleted-entry-id"]').textContent(), '2-0');
  await run(page, 'XTRIM orders MAXLEN ~ 5');
  assert.equal(await lastReply(page), '(integer) 3\n');
  assert.equal(await page.locator('[data-node="1-0"]').count(), 0, 'the whole first node went');
  assert.equal(await page.locator('[data-trimmed-node="1-0"]').count(), 1, 'shown falling away for the step');
  assert.equal(await page.locator('[data-fact="length"]').textContent(), '6');
  await page.getByLabel('What changed').getByText('trimmed 3 entries (1 whole node)').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a consumer group: delivery, ack, claim and lag', async () => {
  const { page, context, errors } = await openApp(app, { viewport: { width: 1400, height: 900 } });
  for (let i = 1; i <= 5; i++) await run(page, `XADD jobs ${i}-0 task t${i}`);
  await run(page, 'XGROUP CREATE jobs workers 0');
  const group = '[data-group="workers"]';
  assert.equal(await attr(page, group, 'data-lag'), '5');
  await run(page, 'XREADGROUP GROUP workers alice COUNT 2 STREAMS jobs >');
  await run(page, 'XREADGROUP GROUP workers bob COUNT 2 STREAMS jobs >');
  assert.equal(await attr(page, group, 'data-last-delivered-id'), '4-0');
  assert.equal(await attr(page, group, 'data-entries-read'), '4');
  assert.equal(await attr(page, group, 'data-lag'), '1');
  assert.equal(await page.locator(`${group} [data-pel-id]`).count(), 4);
  assert.equal(await attr(page, '[data-pel-id="3-0"]', 'data-consumer'), 'bob');
  await run(page, 'XACK jobs workers 1-0');
  assert.equal(await page.locator('[data-pel-id="1-0"]').count(), 0);
  await run(page, 'XCLAIM jobs workers carol 0 2-0');
  await run(page, 'XCLAIM jobs workers alice 0 2-0');
  assert.equal(await attr(page, '[data-pel-id="2-0"]', 'data-consumer'), 'alice');
  assert.equal(await attr(page, '[data-pel-id="2-0"]', 'data-delivery-count'), '3');
  assert.ok(await page.locator('tr.poison[data-pel-id="2-0"]').count(), 'three deliveries flag a possible poison message');
  await page.getByRole('button', { name: 'by deliveries' }).click();
  const order = await page.locator(`${group} tbody tr`).evaluateAll((rows) => rows.map((r) => r.dataset.pelId));
  assert.equal(order[0], '2-0');
  const chart = page.getByRole('img', { name: /^Length, pending entries and lag of jobs across \d+ steps/ });
  assert.match(await chart.getAttribute('aria-label'), /now length 5, pending 3, lag 1$/);
  await page.screenshot({ path: join(SHOTS, 'streams-light.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('dark scheme and a phone screen', async () => {
  const { page, context } = await openApp(app, { colorScheme: 'dark', viewport: { width: 390, height: 844 } });
  for (let i = 1; i <= 3; i++) await run(page, `XADD s ${i}-0 f v`);
  await run(page, 'XGROUP CREATE s g 0');
  await run(page, 'XREADGROUP GROUP g c STREAMS s >');
  await page.locator('[data-group="g"]').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
  await page.locator('[aria-label="Pictures"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'streams-dark-mobile.png'), fullPage: true });
  await context.close();
});

test('a blocked reader shows what it waits for, counts down, and is woken by another client', async () => {
  const { page, context, errors } = await openApp(app, { viewport: { width: 1400, height: 900 } });
  await run(page, 'XREAD BLOCK 2000 STREAMS chat $');
  assert.equal(await lastReply(page), '(blocked: waiting for data or its timeout)\n');
  const status = page.getByRole('status').filter({ hasText: 'blocked' });
  assert.equal((await status.textContent()).trim(), '⏳ blocked: waiting on chat, 2.0 s left');
  await page.getByRole('button', { name: 'Advance time +1 s' }).click();
  assert.equal((await status.textContent()).trim(), '⏳ blocked: waiting on chat, 1.0 s left');
  await page.getByRole('combobox', { name: 'Client' }).selectOption({ index: 1 });
  await run(page, 'XADD chat 5-0 text hello');
  const woken = page.locator('[role="log"] .entry[data-client="client-1"]').last();
  assert.match(await woken.textContent(), /client-1 woke:.*"chat".*"5-0".*"hello"/s);
  const label = await page.getByRole('combobox', { name: 'Client' }).locator('option').first().textContent();
  assert.equal(label, 'client-1', 'no longer waiting');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a long stream pages through all its nodes, drawing only a window of them', async () => {
  const lines = ['redsim session 1', 'redis 8.2'];
  for (let i = 1; i <= 2_000; i++) lines.push(`1> XADD long ${i}-0 n ${i}`);
  const hash = '#session=' + Buffer.from(lines.join('\n') + '\n').toString('base64url');
  const { page, context, errors } = await openApp(app, { hash, viewport: { width: 1400, height: 900 } });
  await page.locator('[data-fact="length"]').getByText('2000').waitFor();
  const pager = page.getByRole('group', { name: 'Browse nodes' });
  assert.equal(await pager.getByLabel('Nodes shown').textContent(), 'nodes 17–20 of 20');
  assert.equal(await page.locator('[data-node]').count(), 4, 'only a window of nodes is drawn');
  await pager.getByRole('button', { name: '⟨ Oldest' }).click();
  await page.locator('[data-node="1-0"]').waitFor();
  assert.equal(await pager.getByLabel('Nodes shown').textContent(), 'nodes 1–4 of 20');
  await pager.getByRole('button', { name: 'Newer ▶' }).click();
  await page.locator('[data-node="401-0"]').waitFor();
  await page.screenshot({ path: join(SHOTS, 'streams-paged.png') });
  await pager.getByRole('button', { name: 'Newest ⟩' }).click();
  await page.locator('[data-node="1901-0"]').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('one step that adds 100,000 entries: the changes are counted, the stream, reply and PEL are windowed', async () => {
  // A script makes the whole stream in one step, so that step has 100,000 effects to show.
  const script = "for i=1,100000 do redis.call('XADD','huge',i..'-0','n',i) end return 1";
  const text = `redsim session 1\nredis 8.2\n1> EVAL "${script}" 0\n`;
  const hash = '#session=' + Buffer.from(text).toString('base64url');
  const { page, context, errors } = await openApp(app, { hash, viewport: { width: 1400, height: 900 } });
  await page.locator('[data-fact="length"]').getByText('100000').waitFor();
  const changes = page.getByLabel('What changed').locator('li');
  assert.equal(await changes.count(), 13);
  // 100,000 entries added, and the key created by the first of them.
  assert.deepEqual(await changes.first().textContent(), 'huge written');
  assert.equal(await changes.last().textContent(), '… and 99989 more changes');
  assert.equal(await page.locator('[data-node]').count(), 4, 'only a window of nodes is drawn');
  assert.equal(await page.locator('[data-node="99901-0"]').count(), 1, 'the newest node is shown first');
  await run(page, 'XADD huge 100001-0 n x');
  assert.equal(await lastReply(page), '"100001-0"\n');
  assert.equal(await changes.count(), 1);
  // redis-cli would print 300,003 lines; the console shows the first thousand and counts the rest.
  await run(page, 'XRANGE huge - +');
  const reply = await lastReply(page);
  assert.equal(reply.split('\n').length - 1, 1001);
  assert.ok(reply.startsWith('     1) 1) "1-0"\n'), reply.slice(0, 40));
  assert.ok(reply.endsWith('… 299003 more lines not shown (the console shows the first 1000 lines of a reply)\n'), reply.slice(-120));
  // A group that takes them all: the lane and the PEL table draw a window and count the rest.
  await run(page, 'XGROUP CREATE huge g 0');
  await run(page, 'XREADGROUP GROUP g c STREAMS huge >');
  await page.locator('[data-group="g"][data-entries-read="100001"]').waitFor();
  assert.equal(await page.locator('[data-pel-id]').count(), 200);
  assert.equal(await page.locator('.pel tr.more').textContent(),
    '… 99801 more pending entries (the table lists the first 200 in this order)');
  assert.equal(await page.locator('[data-consumer-lane="c"] .pending-chip').count(), 50);
  assert.equal(await page.locator('[data-consumer-lane="c"] .more').textContent(), '+99951 more');
  await page.screenshot({ path: join(SHOTS, 'streams-huge-step.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('motion from effects: an entry slides in, a delivery flies into its lane, an ack leaves it, a deletion fades to its ghost', async () => {
  const { page, context, errors } = await openApp(app, { viewport: { width: 1400, height: 900 } });
  const classes = (selector) => page.locator(selector).first().getAttribute('class');
  const animation = (selector) => page.locator(selector).first().evaluate((e) => getComputedStyle(e).animationName);
  await run(page, 'XADD tasks 1-0 job a');
  assert.match(await classes('[data-entry-id="1-0"]'), /\benter\b/);
  assert.match(await animation('[data-entry-id="1-0"]'), /slide-in/);
  await run(page, 'XGROUP CREATE tasks crew 0');
  await run(page, 'XREADGROUP GROUP crew ann COUNT 1 STREAMS tasks >');
  assert.match(await classes('.pending-chip'), /\bdelivered\b/);
  assert.match(await animation('.pending-chip'), /fly-in/);
  assert.match(await classes('.group-mark'), /\bmoved\b/);
  await page.screenshot({ path: join(SHOTS, 'motion-delivery.png') });
  await run(page, 'XACK tasks crew 1-0');
  assert.match(await classes('[data-consumer-lane="ann"] [data-acked-id="1-0"]'), /\bleaving\b/);
  assert.match(await animation('[data-acked-id="1-0"]'), /leave/);
  await run(page, 'XADD tasks 2-0 job b');
  assert.equal(await page.locator('[data-acked-id]').count(), 0, 'gone the step after');
  await run(page, 'XDEL tasks 1-0');
  assert.match(await classes('[data-entry-id="1-0"]'), /\bghosted\b/);
  assert.match(await animation('[data-entry-id="1-0"]'), /to-ghost/);
  // Stepping back shows the step before as it is, at once: 2-0 is highlighted, not sliding in.
  await page.getByRole('button', { name: 'Step back' }).click();
  assert.doesNotMatch(await classes('[data-entry-id="2-0"]'), /\benter\b/);
  assert.match(await classes('[data-entry-id="2-0"]'), /\bfresh\b/);
  await page.getByRole('button', { name: 'Step forward' }).click();
  assert.match(await classes('[data-entry-id="1-0"]'), /\bghosted\b/, 'one step forward moves again');
  // With reduced motion asked for, the same step is a highlight without movement.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await run(page, 'XADD tasks 3-0 job c');
  assert.equal(await animation('[data-entry-id="3-0"]'), 'none');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the shown step saved as a picture: a valid SVG and a PNG drawn from it', async () => {
  const { page, context, errors } = await openApp(app, { viewport: { width: 1400, height: 900 } });
  await run(page, 'XADD shots 1-0 f a');
  await run(page, 'XADD shots 2-0 f b');
  await run(page, 'XGROUP CREATE shots g 0');
  await run(page, 'XREADGROUP GROUP g c COUNT 1 STREAMS shots >');
  const save = async (name) => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Save the pictures as ${name}` }).click(),
    ]);
    return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
  };
  const svg = await save('SVG');
  assert.equal(svg.name, 'redsim-step.svg');
  const text = svg.bytes.toString('utf8');
  assert.ok(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  const parsed = await page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    return { error: doc.querySelector('parsererror')?.textContent ?? null, chips: doc.querySelectorAll('[data-entry-id]').length };
  }, text);
  assert.equal(parsed.error, null);
  assert.equal(parsed.chips, 2);
  const png = await save('PNG');
  assert.equal(png.name, 'redsim-step.png');
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.bytes.readUInt32BE(16);
  assert.ok(width > 400, `width ${width}`);
  await writeFile(join(SHOTS, 'saved-picture.png'), png.bytes);
  assert.deepEqual(errors, []);
  await context.close();
});
