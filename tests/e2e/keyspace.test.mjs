// The keyspace in a real browser: every data type answers as redis-cli prints it, the keyspace
// browser lists each key with its type, and pub/sub messages reach the subscribed client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHOTS, lastReply, openApp, run, startApp } from './helpers.mjs';

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

test('hashes, lists, sets and sorted sets answer like redis-cli and show in the browser', async () => {
  const { page, context, errors } = await openApp(app);
  const cases = [
    ['HSET user:1 name Ada lang en', '(integer) 2\n'],
    ['HGETALL user:1', '1) "name"\n2) "Ada"\n3) "lang"\n4) "en"\n'],
    ['RPUSH jobs a b c', '(integer) 3\n'],
    ['LPOP jobs 2', '1) "a"\n2) "b"\n'],
    ['SADD tags 3 1 2', '(integer) 3\n'],
    ['SMEMBERS tags', '1) "1"\n2) "2"\n3) "3"\n'],
    ['ZADD board 10 ann 30 bob 20 cy', '(integer) 3\n'],
    ['ZREVRANGE board 0 1 WITHSCORES', '1) "bob"\n2) "30"\n3) "cy"\n4) "20"\n'],
    ['INCR hits', '(integer) 1\n'],
    ['EXPIRE hits 60', '(integer) 1\n'],
    ['TTL hits', '(integer) 60\n'],
  ];
  for (const [line, reply] of cases) {
    await run(page, line);
    assert.equal(await lastReply(page), reply, line);
  }
  const types = { 'user:1': 'hash', jobs: 'list', tags: 'set', board: 'zset', hits: 'string' };
  for (const [key, type] of Object.entries(types)) {
    assert.equal(await page.locator(`[data-key="${key}"]`).getAttribute('data-type'), type, key);
  }
  assert.equal(await page.locator('[data-key="jobs"] td').last().textContent(), '1 element');
  assert.equal(await page.locator('[data-key="board"] td').last().textContent(), '3 members');
  await page.locator('[data-key="user:1"] button').click();
  assert.equal(await page.getByLabel('Value of user:1').locator('code').textContent(), '"name"="Ada" "lang"="en"');
  await page.screenshot({ path: join(SHOTS, 'keyspace-types.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('encodings change as thresholds are crossed, and hash fields expire on their own', async () => {
  const { page, context, errors } = await openApp(app);
  const encoding = () => page.locator('[data-key="h"]').getAttribute('data-encoding');
  await run(page, 'HSET h a 1 b 2');
  assert.equal(await encoding(), 'listpack');
  await run(page, 'HPEXPIRE h 1500 FIELDS 1 a');
  assert.equal(await lastReply(page), '1) (integer) 1\n');
  assert.equal(await encoding(), 'listpackex');
  await page.locator('[data-key="h"] button').click();
  const value = page.getByLabel('Value of h').locator('code');
  assert.equal(await value.textContent(), '"a"="1" (TTL 1.5 s) "b"="2"');
  await page.screenshot({ path: join(SHOTS, 'keyspace-field-ttl.png'), fullPage: true });
  await page.getByRole('button', { name: 'Advance time +1 s' }).click();
  assert.equal(await value.textContent(), '"a"="1" (TTL 0.5 s) "b"="2"');
  await page.getByRole('button', { name: 'Advance time +1 s' }).click();
  assert.equal(await value.textContent(), '"b"="2"');
  await run(page, 'HTTL h FIELDS 2 a b');
  assert.equal(await lastReply(page), '1) (integer) -2\n2) (integer) -1\n');
  await run(page, 'CONFIG SET hash-max-listpack-entries 2');
  await run(page, 'HSET h c 3 d 4');
  assert.equal(await encoding(), 'hashtable');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an array shows its slots, the empty runs between them and the insert cursor', async () => {
  const { page, context, errors } = await openApp(app);
  await run(page, 'ARMSET readings 0 "10" 1 "20" 1000 "30"');
  assert.equal(await lastReply(page), '(integer) 3\n');
  await run(page, 'ARINSERT readings "40"');
  assert.equal(await lastReply(page), '(integer) 0\n');
  await run(page, 'ARGETRANGE readings 0 2');
  assert.equal(await lastReply(page), '1) "40"\n2) "20"\n3) (nil)\n');
  await run(page, 'AROP readings 0 1000 SUM');
  assert.equal(await lastReply(page), '"90"\n');
  const row = page.locator('[data-key="readings"]');
  assert.equal(await row.getAttribute('data-type'), 'array');
  assert.equal(await row.getAttribute('data-encoding'), 'sliced-array');
  assert.equal(await row.locator('td').last().textContent(), '3 elements');
  await row.locator('button').click();
  const picture = page.getByRole('figure', { name: 'Slots of array readings' });
  assert.equal(await picture.locator('figcaption').textContent(),
    'readings: ARLEN 1001 · ARCOUNT 3 · ARNEXT 1 · slices of 4096: 0 dense, 1 sparse');
  assert.equal(await picture.locator('[data-gap="2-999"]').getAttribute('title'), '998 empty slots');
  assert.equal(await picture.locator('.cursor').getAttribute('data-index'), '1');
  assert.equal(await picture.locator('[data-index="1000"] code').textContent(), '"30"');
  await page.screenshot({ path: join(SHOTS, 'keyspace-array.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a vector set answers VSIM and shows its graph, its levels and its entry point', async () => {
  const { page, context, errors } = await openApp(app);
  const points = [['pt:A', '1 1'], ['pt:B', '-1 -1'], ['pt:C', '-1 1'], ['pt:D', '1 -1']];
  for (const [name, v] of points) {
    await run(page, `VADD points VALUES 2 ${v} ${name}`);
    assert.equal(await lastReply(page), '(integer) 1\n', name);
  }
  await run(page, 'VADD points VALUES 2 1 0 pt:E SETATTR \'{"size": "large"}\'');
  await run(page, 'VSIM points VALUES 2 0.9 0.1 COUNT 2');
  assert.equal(await lastReply(page), '1) "pt:E"\n2) "pt:A"\n');
  await run(page, 'VSIM points VALUES 2 0 0 FILTER \'.size == "large"\'');
  assert.equal(await lastReply(page), '1) "pt:E"\n');
  await run(page, 'VSIM points VALUES 2 0 0 FILTER \'.size ==\'');
  assert.equal(await lastReply(page), '(error) ERR syntax error in FILTER expression near: .size ==\n');
  const row = page.locator('[data-key="points"]');
  assert.equal(await row.getAttribute('data-type'), 'vectorset');
  assert.equal(await row.getAttribute('data-encoding'), 'raw');
  assert.equal(await row.locator('td').last().textContent(), '5 elements');
  await row.locator('button').click();
  const picture = page.getByRole('figure', { name: 'Graph of vector set points' });
  assert.match(await picture.locator('figcaption').textContent(), /^points: VCARD 5 · VDIM 2 · int8 · M 16 · max level \d+$/);
  assert.equal(await picture.locator('g.element').count(), 5);
  assert.equal(await picture.locator('g.entry').count(), 1);
  assert.ok(await picture.locator('line.link').count() >= 4, 'every element is linked');
  assert.equal(await picture.locator('g.attrib').getAttribute('data-element'), 'pt:E');
  await run(page, 'VSIM points VALUES 2 0.9 0.1 COUNT 2');
  assert.equal(await picture.locator('g.found[data-rank="1"]').getAttribute('data-element'), 'pt:E');
  assert.equal(await picture.locator('g.found[data-rank="2"]').getAttribute('data-element'), 'pt:A');
  assert.equal(await picture.locator('g.visited').count(), 5);
  assert.match(await picture.locator('.vset-search').textContent(), /compared the query with 5 of 5 elements .* answered 2/);
  await page.getByText('points: the search compared the query with 5 elements and answered 2').waitFor();
  await page.screenshot({ path: join(SHOTS, 'keyspace-vector-set.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await picture.screenshot({ path: join(SHOTS, 'keyspace-vector-set-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  await run(page, 'VREM points pt:E');
  assert.equal(await picture.locator('g.element').count(), 4);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the version picker runs the session again as another Redis would', async () => {
  const { page, context, errors } = await openApp(app);
  await run(page, 'HSET h a 1');
  await run(page, 'HTTL h FIELDS 1 a');
  assert.equal(await lastReply(page), '1) (integer) -1\n');
  const picker = page.getByRole('combobox', { name: 'Redis version' });
  await picker.selectOption('7.0');
  await page.getByText("unknown command 'HTTL'").waitFor();
  assert.equal(await picker.inputValue(), '7.0');
  assert.equal(await lastReply(page), "(error) ERR unknown command 'HTTL', with args beginning with: 'h' 'FIELDS' '1' 'a' \n");
  await page.screenshot({ path: join(SHOTS, 'version-picker.png') });
  await picker.selectOption('8.10');
  await page.getByText('(integer) -1').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a subscribed client receives what another client publishes', async () => {
  const { page, context, errors } = await openApp(app);
  const picker = page.getByRole('combobox', { name: 'Client' });
  await picker.selectOption({ label: 'client-2' });
  await run(page, 'SUBSCRIBE news');
  assert.equal(await lastReply(page), '1) "subscribe"\n2) "news"\n3) (integer) 1\n');
  await run(page, 'GET k');
  assert.match(await lastReply(page), /Can't execute 'get'/);
  await picker.selectOption({ label: 'client-1' });
  await run(page, 'PUBLISH news "hello all"');
  const received = page.locator('[role="log"] .entry[data-client="client-2"]').last();
  await received.getByText('hello all').waitFor();
  assert.match(await received.textContent(), /client-2 received:.*"message".*"news".*"hello all"/s);
  await page.screenshot({ path: join(SHOTS, 'pubsub.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a key with clients blocked on it says so, and a key fades in its last seconds', async () => {
  const { page, context, errors } = await openApp(app, { viewport: { width: 1400, height: 900 } });
  await run(page, 'SET session x PX 2000');
  await run(page, 'XADD events 1-0 f v');
  await run(page, 'XREAD BLOCK 0 STREAMS events $');
  await page.locator('tr[data-key="events"][data-blocked="1"]').waitFor();
  assert.match(await page.locator('tr[data-key="events"] .blocked-badge').textContent(), /1 waiting/);
  await page.screenshot({ path: join(SHOTS, 'keyspace-blocked-and-expiring.png') });
  const row = page.locator('tr[data-key="session"]');
  assert.match(await row.getAttribute('class'), /\bexpiring\b/);
  const opacity = Number(await row.evaluate((r) => getComputedStyle(r).opacity));
  assert.ok(opacity < 1 && opacity > 0.3, `opacity ${opacity}`);
  assert.deepEqual(errors, []);
  await context.close();
});
