// Redsim in documentation tools: a page each of mdBook (with mdbook-redsim), Hugo (a code-block
// render hook), MkDocs (a superfences fence and embed.js?upgrade), VitePress (a markdown-it fence
// rule) and Docusaurus (MDX elements), as those tools wrote them. By default the pages kept in
// fixtures/tools/outputs/ (what scripts/try-doc-tools.sh last built); with REDSIM_TOOL_SITES, the
// whole sites it built, with their own scripts running (VitePress and Docusaurus hydrate the page).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, SHOTS, startApp } from './helpers.mjs';
import { serve } from '../../scripts/serve.mjs';

const OUTPUTS = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/tools/outputs');
const SITES = process.env.REDSIM_TOOL_SITES;
/** Each tool's page with an example, and how many examples it has. */
const PAGES = {
  mdbook: ['streams.html', 'guide/groups.html'],
  hugo: ['streams/index.html'],
  mkdocs: ['index.html'],
  vitepress: ['index.html'],
  docusaurus: ['docs/streams/index.html'],
};

let app;
before(async () => { app = await startApp(); });
after(async () => { await app?.close(); });

async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out;
}

/** A copy of the tool's site (or of its kept pages) that loads embed.js from the app's server;
 * mdBook's book carries Redsim itself, in `redsim/`. */
async function site(tool) {
  const from = SITES && (await stat(join(SITES, tool)).catch(() => null)) ? join(SITES, tool) : join(OUTPUTS, tool);
  const dir = await mkdtemp(join(tmpdir(), `redsim-${tool}-`));
  await cp(from, dir, { recursive: true });
  for (const file of (await files(dir)).filter((f) => /\.(html|js)$/.test(f))) {
    const text = await readFile(file, 'utf8');
    if (text.includes('https://redsim.example/')) await writeFile(file, text.replaceAll('https://redsim.example/', app.url));
  }
  if (tool === 'mdbook') await cp(DIST, join(dir, 'redsim'), { recursive: true });
  return serve(dir, 0);
}

for (const [tool, pages] of Object.entries(PAGES)) {
  test(`${tool}: its Redis code blocks are live examples`, async (t) => {
    if (!(await stat(join(OUTPUTS, tool)).catch(() => null))) return t.skip(`no ${tool} page kept yet`);
    const server = await site(tool);
    const context = await app.browser.newContext({ viewport: { width: 1200, height: 900 } });
    try {
      for (const path of pages) {
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`http://127.0.0.1:${server.address().port}/${path}`);
        // A site that hydrates its page (VitePress, Docusaurus) may put a new element in place of
        // the one in the HTML; the new one starts by itself.
        await page.waitForLoadState('networkidle');
        const example = page.locator('redsim-example').first();
        await example.scrollIntoViewIfNeeded();
        await example.and(page.locator('[data-ready]')).waitFor();
        const lines = await example.locator('.example-lines li').count();
        assert.ok(lines >= 3, `${tool} ${path}: ${lines} lines`);
        await example.getByRole('button', { name: 'Run' }).click();
        await example.locator('[role="log"] .entry').nth(lines - 1).waitFor();
        assert.doesNotMatch(await example.locator('[role="log"]').textContent(), /Invalid argument|ERR unknown command/);
        await page.screenshot({ path: join(SHOTS, `tool-${tool}-${path.replaceAll('/', '-')}.png`) });
        assert.deepEqual(errors, [], `${tool} ${path}`);
        await page.close();
      }
    } finally {
      await context.close();
      await new Promise((ok) => server.close(ok));
    }
  });
}
