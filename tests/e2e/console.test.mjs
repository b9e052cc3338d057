// The console in a real browser: typed commands are answered exactly as redis-cli prints them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, lastReply, openApp, run, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

test('PING is answered with PONG', async () => {
  const { page, context, errors } = await openApp(app);
  await run(page, 'PING');
  await page.locator('[role="log"]').getByText('PONG').waitFor();
  assert.equal(await lastReply(page), 'PONG\n');
  assert.deepEqual(errors, []);
  await context.close();
});

test('strings, errors and quoting read like redis-cli', async () => {
  const { page, context, errors } = await openApp(app);
  const cases = [
    ['SET greeting "hello world"', 'OK\n'],
    ['GET greeting', '"hello world"\n'],
    ['GET missing', '(nil)\n'],
    ['EXISTS greeting missing', '(integer) 1\n'],
    ['ECHO "\\x00\\xffbinary"', '"\\x00\\xffbinary"\n'],
    ['GET "unbalanced', 'Invalid argument(s)\n'],
    ['GET', "(error) ERR wrong number of arguments for 'get' command\n"],
    ['MULTI', 'OK\n'],
    ['SET a 1', 'QUEUED\n'],
    ['EXEC', '1) OK\n'],
  ];
  for (const [line, reply] of cases) {
    await run(page, line);
    assert.equal(await lastReply(page), reply, line);
  }
  assert.equal(await page.locator('[role="log"] .entry').count(), cases.length);
  await page.screenshot({ path: join(SHOTS, 'console-light.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the Lua debugger steps through a script as redis-cli --ldb-sync-mode does', async () => {
  const { page, context, errors } = await openApp(app);
  await run(page, 'SCRIPT DEBUG SYNC');
  await run(page, `EVAL "local n = tonumber(ARGV[1])\\nfor i = 1, 2 do\\n  redis.call('incrby', KEYS[1], n)\\nend\\nreturn redis.call('get', KEYS[1])" 1 hits 5`);
  await page.locator('label.prompt', { hasText: 'lua debugger>' }).waitFor();
  assert.equal(await lastReply(page), '1) * Stopped at 1, stop reason = step over\n2) -> 1   local n = tonumber(ARGV[1])\n');
  await run(page, 'b 3');
  await run(page, 'c');
  assert.match(await lastReply(page), /Stopped at 3, stop reason = break point/);
  await run(page, 'p');
  assert.equal(
    await lastReply(page),
    '1) <value> n = 5\n2) <value> (for index) = 1\n3) <value> (for limit) = 2\n4) <value> (for step) = 1\n5) <value> i = 1\n',
  );
  await run(page, 's');
  assert.match(await lastReply(page), /<redis> incrby hits 5\n.*<reply> 5\n/s);
  await page.screenshot({ path: join(SHOTS, 'console-lua-debugger.png') });
  await run(page, 'b 0');
  await run(page, 'c');
  assert.match(await lastReply(page), /<endsession>\n"10"\n$/);
  assert.equal(await page.locator('label.prompt').textContent(), '127.0.0.1:6379>');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Up and Down walk the history; Enter on a recalled line runs it', async () => {
  const { page, context } = await openApp(app);
  await run(page, 'SET counter 1');
  await run(page, 'GET counter');
  const input = page.getByRole('textbox', { name: 'Command' });
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), 'GET counter');
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), 'SET counter 1');
  await input.press('ArrowDown');
  await input.press('Enter');
  assert.equal(await lastReply(page), '"1"\n');
  await context.close();
});

test('the virtual clock expires keys; dark scheme and a phone-sized screen stay readable', async () => {
  const { page, context } = await openApp(app, { colorScheme: 'dark', viewport: { width: 390, height: 780 } });
  await run(page, 'SET session abc PX 1500');
  assert.equal(await page.locator('[data-key="session"]').getAttribute('data-ttl-ms'), '1500');
  assert.equal(await page.locator('[data-key="session"]').getAttribute('data-type'), 'string');
  await page.getByRole('button', { name: 'Advance time +1 s' }).click();
  assert.equal(await page.locator('[data-key="session"]').getAttribute('data-ttl-ms'), '500', 'the TTL counts down in virtual time');
  await run(page, 'GET session');
  assert.equal(await lastReply(page), '"abc"\n');
  await page.getByRole('button', { name: 'Advance time +1 s' }).click();
  assert.equal(await page.locator('[data-key="session"]').count(), 0, 'an expired key leaves the browser');
  await run(page, 'GET session');
  assert.equal(await lastReply(page), '(nil)\n');
  assert.equal((await page.getByLabel('Virtual time').textContent()).trim(), '00:00:02.000');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(21, 23, 26)', 'dark palette applies');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
  await page.screenshot({ path: join(SHOTS, 'console-dark-mobile.png') });
  await context.close();
});

test('each client has its own connection state', async () => {
  const { page, context } = await openApp(app);
  await run(page, 'SELECT 2');
  await run(page, 'SET where db2');
  await page.getByRole('combobox', { name: 'Client' }).selectOption({ label: 'client-2' });
  await run(page, 'GET where');
  assert.equal(await lastReply(page), '(nil)\n');
  const prompts = await page.locator('[role="log"] .entry .prompt').allTextContents();
  assert.deepEqual(prompts, ['127.0.0.1:6379>', '127.0.0.1:6379[2]>', '127.0.0.1:6379>']);
  await context.close();
});

test('Tab completes, the hint shows the syntax, HELP explains a command', async () => {
  const { page, context } = await openApp(app);
  const input = page.getByRole('textbox', { name: 'Command' });
  await input.fill('xgroup cr');
  await input.press('Tab');
  assert.equal(await input.inputValue(), 'xgroup CREATE');
  await input.pressSequentially(' ');
  assert.match(await page.locator('#command-hint').textContent(), /^XGROUP CREATE key group <id \| \$> \[MKSTREAM\]/);
  await input.fill('');
  await input.press('Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'command-input', 'Tab with nothing to complete moves focus on');
  await run(page, 'HELP XAUTOCLAIM');
  assert.match(await lastReply(page), /XAUTOCLAIM key group consumer min-idle-time start \[COUNT count\] \[JUSTID\]/);
  await context.close();
});
