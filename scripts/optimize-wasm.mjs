// Shrinks the app's wasm with binaryen's wasm-opt (-Oz) after `trunk build`, and rewrites the
// file's subresource-integrity hash in dist/index.html so the browser still accepts it.
// Usage: node scripts/optimize-wasm.mjs [dist]
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

const indexPath = join(dist, 'index.html');
let index = readFileSync(indexPath, 'utf8');
for (const name of readdirSync(dist).filter((f) => f.endsWith('_bg.wasm'))) {
  const path = join(dist, name);
  const before = readFileSync(path);
  execFileSync(wasmOpt, ['-Oz', ...FEATURES, path, '-o', path], { stdio: 'inherit' });
  const after = readFileSync(path);
  const oldHash = sri(before);
  if (index.includes(oldHash)) index = index.replaceAll(oldHash, sri(after));
  console.log(`wasm-opt -Oz ${name}: ${before.length} -> ${after.length} bytes`);
}
writeFileSync(indexPath, index);
