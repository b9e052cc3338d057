// After `trunk build`: shrinks the wasm with binaryen's wasm-opt (-Oz) and rewrites its
// subresource-integrity hash in index.html; makes dist/embed.js from www/embed.js with the names
// of the files Trunk built; writes a .gz and a .br beside every text and wasm file, for servers
// that send precompressed files (scripts/serve.mjs does).
// Usage: node scripts/postbuild.mjs [dist]
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const wasmOpt = join(root, 'tools/node_modules/.bin/wasm-opt');
// Exactly the features rustc's wasm32 target emits (and Chromium runs); letting wasm-opt use more
// (`--all-features`) produces a module the page cannot start.
const FEATURES = [
  '--enable-bulk-memory',
  '--enable-sign-ext',
  '--enable-nontrapping-float-to-int',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
];
const sri = (bytes) => 'sha384-' + createHash('sha384').update(bytes).digest('base64');
const files = () => readdirSync(dist);
const only = (pattern) => {
  const found = files().filter((f) => pattern.test(f));
  if (found.length !== 1) throw new Error(`expected one file like ${pattern} in ${dist}, found ${found.join(', ') || 'none'}`);
  return found[0];
};

// 1. wasm-opt, and the new hash in index.html; the link preview's picture at an absolute address
// when the build knows the site's (chat apps do not resolve relative ones).
const indexPath = join(dist, 'index.html');
let index = readFileSync(indexPath, 'utf8');
const site = process.env.REDSIM_PUBLIC_URL ?? '';
if (/^https?:\/\//.test(site)) {
  const base = site.endsWith('/') ? site : `${site}/`;
  index = index
    .replace('content="og-image.png"', `content="${base}og-image.png"`)
    .replace('<meta property="og:type"', `<meta property="og:url" content="${base}" />\n    <meta property="og:type"`);
}
const wasm = only(/_bg\.wasm$/);
{
  const path = join(dist, wasm);
  const before = readFileSync(path);
  execFileSync(wasmOpt, ['-Oz', ...FEATURES, path, '-o', path], { stdio: 'inherit' });
  const after = readFileSync(path);
  if (index.includes(sri(before))) index = index.replaceAll(sri(before), sri(after));
  console.log(`wasm-opt -Oz ${wasm}: ${before.length} -> ${after.length} bytes`);
}
writeFileSync(indexPath, index);

// 2. embed.js, pointing at this build's files (relative to itself, so any host or sub-path works).
const glue = only(/^redsim-web-[0-9a-f]+\.js$/);
const css = only(/^style-[0-9a-f]+\.css$/);
const embed = readFileSync(join(root, 'www/embed.js'), 'utf8')
  .replace('__REDSIM_GLUE__', `./${glue}`)
  .replace('__REDSIM_WASM__', `./${wasm}`)
  .replace('__REDSIM_CSS__', `./${css}`);
if (embed.includes('__REDSIM_')) throw new Error('www/embed.js has a placeholder postbuild.mjs does not fill');
writeFileSync(join(dist, 'embed.js'), embed);

// 3. Precompressed copies.
for (const name of files().filter((f) => /\.(html|js|css|wasm|svg|json|txt|scn)$/.test(f))) {
  const bytes = readFileSync(join(dist, name));
  writeFileSync(join(dist, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  writeFileSync(
    join(dist, `${name}.br`),
    brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }),
  );
}
const size = (name) => readFileSync(join(dist, name)).length;
console.log(`${wasm}: ${size(wasm)} bytes, ${size(wasm + '.gz')} gzipped, ${size(wasm + '.br')} brotli`);
