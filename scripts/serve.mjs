// Serves a folder (the built app in dist/) over HTTP on 127.0.0.1, as a static host such as GitHub
// Pages would: the right MIME types for wasm, CORS headers (so embed.js works from another
// origin), and the precompressed .br or .gz beside a file when the browser accepts it.
// Used by `./x serve` and by the end-to-end tests.
//   node scripts/serve.mjs [dir] [port]     (port 0 picks a free one)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.scn': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const SUFFIX = { br: '.br', gzip: '.gz' };

/** The precompressed copy to send, if the browser takes it and it is there. */
async function encoded(file, accept, encodings) {
  for (const encoding of encodings) {
    const suffix = SUFFIX[encoding];
    if (accept.includes(encoding) && (await stat(file + suffix).catch(() => null))?.isFile()) {
      return { encoding, path: file + suffix };
    }
  }
  return { encoding: null, path: file };
}

/** Starts serving `dir`; resolves to the Node server once it listens. `encodings` are the
 * precompressed forms it may send, in order of preference (GitHub Pages, say, only gzips). */
export function serve(dir, port = 0, host = '127.0.0.1', encodings = ['br', 'gzip']) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(root, path));
      if (!file.startsWith(root)) {
        res.writeHead(403).end();
        return;
      }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const { encoding, path: sent } = await encoded(file, String(req.headers['accept-encoding'] ?? ''), encodings);
      const body = await readFile(sent);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
        'access-control-allow-origin': '*',
        vary: 'accept-encoding',
        ...(encoding ? { 'content-encoding': encoding } : {}),
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end('not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir = 'dist', port = '8080'] = process.argv.slice(2);
  const server = await serve(dir, Number(port));
  const { address, port: bound } = server.address();
  console.log(`Redsim is served at http://${address}:${bound}/  (Ctrl-C stops)`);
}
