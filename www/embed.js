// Redsim for any page: <redsim-example>, <redsim-scenario>, and `Redsim` for a page's own code.
//
//   <script type="module" src="https://host/redsim/embed.js"></script>
//   <redsim-example version="7.0">
//   XADD orders * item book qty 1
//   XGROUP CREATE orders shipping 0
//   XREADGROUP GROUP shipping alice COUNT 1 STREAMS orders >
//   </redsim-example>
//
// With `data-upgrade` on the script tag (or `embed.js?upgrade`), existing code blocks become
// examples too: Redis fences (`language-redis` on the code, the pre or their wrapper, Redis
// Insight's `language-redis:[mode=raw]`) and redis-cli transcripts (`redis>` or `127.0.0.1:6379>`
// prompts, replies after them: a reply that differs from the page is marked).
//
// Every element on a page shares one download and one compiled module, fetched when the first
// element nears the viewport; each element is its own Redis. scripts/postbuild.mjs makes
// dist/embed.js from this file, filling in the names of the files Trunk built.

const HERE = new URL('./', import.meta.url);
const GLUE = new URL('__REDSIM_GLUE__', HERE);
const WASM = new URL('__REDSIM_WASM__', HERE);
const CSS = new URL('__REDSIM_CSS__', HERE);
/** The full app (index.html beside this module), for "Open in Redsim". */
const APP = HERE.href;
/** How near the viewport an element starts its engine. */
const NEAR = '300px';

let loading;

/** The engine's module, fetched and compiled once for the whole page: the wasm is fetched while
 * its JavaScript glue is (one round trip, not two), and compiled as it streams in. */
export function load() {
  loading ??= (() => {
    const wasm = fetch(WASM);
    return import(GLUE.href).then(async (glue) => {
      await glue.default({ module_or_path: wasm });
      return glue;
    });
  })();
  return loading;
}

/** The lines an element holds: its text without the indentation the page's HTML gave it. */
function dedent(text) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length && !lines[0].trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^[ \t]*/)[0].length));
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n') + '\n';
}

const near = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        near.unobserve(entry.target);
        entry.target.start();
      }
    }
  },
  { rootMargin: NEAR },
);

/** What both elements share: a shadow root with the styles, the source shown until the engine
 * starts, the engine mounted as the element nears the viewport, and taken down when it goes. */
class RedsimElement extends HTMLElement {
  #mounted = null;
  #frame = null;

  connectedCallback() {
    if (this.#frame) return;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    shadow.innerHTML = `<link rel="stylesheet" href="${CSS.href}"><div class="redsim-frame" part="frame"></div>`;
    this.#frame = shadow.querySelector('.redsim-frame');
    const height = this.getAttribute('height');
    if (height) this.#frame.style.height = /^\d+$/.test(height) ? `${height}px` : height;
    this.placeholder(this.#frame);
    near.observe(this);
  }

  disconnectedCallback() {
    near.unobserve(this);
    this.#mounted?.destroy();
    this.#mounted = null;
    this.#frame = null;
  }

  /** Shown until the engine starts: the text itself, readable without it. */
  placeholder(frame) {
    const pre = document.createElement('pre');
    pre.className = 'redsim-placeholder';
    pre.textContent = this.source;
    frame.replaceChildren(pre);
  }

  async start() {
    const frame = this.#frame;
    if (!frame || this.#mounted) return;
    let glue;
    try {
      glue = await load();
    } catch (error) {
      const note = document.createElement('p');
      note.className = 'notice';
      note.setAttribute('role', 'alert');
      note.textContent = `Redsim could not load its engine from ${GLUE.origin}: ${error.message ?? error}`;
      frame.prepend(note);
      return;
    }
    if (this.#frame !== frame) return; // removed while loading
    const root = document.createElement('div');
    frame.replaceChildren(root);
    this.#mounted = this.mount(glue, root, { appUrl: APP });
    this.dataset.ready = '';
    this.dispatchEvent(new CustomEvent('redsim-ready', { bubbles: true }));
  }
}

class RedsimExample extends RedsimElement {
  get source() {
    return dedent(this.textContent);
  }

  mount(glue, root, options) {
    return glue.mount_example(root, {
      ...options,
      text: this.source,
      version: this.getAttribute('version') ?? undefined,
      pictures: this.getAttribute('pictures') ?? undefined,
      autorun: this.hasAttribute('autorun'),
      label: this.getAttribute('label') ?? undefined,
      mode: this.getAttribute('mode') ?? undefined,
    });
  }
}

class RedsimScenario extends RedsimElement {
  #text = null;

  get source() {
    return this.#text ?? dedent(this.textContent);
  }

  async start() {
    const src = this.getAttribute('src');
    if (src && this.#text === null) {
      try {
        const response = await fetch(new URL(src, document.baseURI));
        if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
        this.#text = await response.text();
      } catch (error) {
        this.#text = `# Redsim could not fetch ${src}: ${error.message ?? error}\n`;
      }
    }
    return super.start();
  }

  mount(glue, root, options) {
    return glue.mount_scenario(root, { ...options, text: this.source, src: this.getAttribute('src') ?? undefined });
  }
}

/** One Redis for a page's own code. `run` answers `{ text, reply, error, waitedMs }`: what
 * redis-cli prints, and the reply as plain data. */
export class Redsim {
  #engine;

  static async create(options = {}) {
    const glue = await load();
    return new Redsim(new glue.Engine(options.version ?? undefined));
  }

  constructor(engine) {
    this.#engine = engine;
  }

  run(line) {
    return this.#engine.run(line);
  }

  advance(ms) {
    this.#engine.advance(ms);
  }

  reset() {
    this.#engine.reset();
  }

  get version() {
    return this.#engine.version;
  }
}

if (!customElements.get('redsim-example')) customElements.define('redsim-example', RedsimExample);
if (!customElements.get('redsim-scenario')) customElements.define('redsim-scenario', RedsimScenario);

// ---- Upgrading the code blocks a page already has (opt-in: `data-upgrade` on the script) ----

/** A redis-cli prompt that names Redis or a host: `redis>`, `127.0.0.1:6379>`, `redis 127.0.0.1:6379>`. */
const NAMED_PROMPT = /^\s*(redis( [^\s>]+)?|[\w.-]+:\d+(\[\d+\])?)>\s*\S/;

/** `language-redis`, `language-redis-cli`, or Redis Insight's `language-redis:[k=v;k=v]`: its parameters. */
function redisClass(element) {
  for (const name of element?.classList ?? []) {
    const m = name.match(/^(?:language|lang)-redis(?:-cli)?(?::\[([^\]]*)\])?$/i);
    if (m) return Object.fromEntries((m[1] ?? '').split(';').filter(Boolean).map((p) => p.split('=')));
  }
  return null;
}

/** A code block's language as site generators mark it: on the `<code>` (markdown-it, marked, Hugo),
 * on the `<pre>` (Prism), or on a wrapper around both (MkDocs with Pygments, VitePress). Returns the
 * parameters and the outermost element that belongs to the block. */
function redisBlock(pre) {
  const code = pre.querySelector(':scope > code');
  for (const [element, outer] of [[code, pre], [pre, pre], [pre.parentElement, pre.parentElement]]) {
    const params = redisClass(element);
    if (params) return { params, outer: outer.tagName === 'DIV' && outer.querySelectorAll('pre').length === 1 ? outer : pre };
  }
  return null;
}

function upgrade(root, defaults) {
  for (const pre of root.querySelectorAll('pre')) {
    if (!pre.isConnected || pre.closest('redsim-example, redsim-scenario, [data-redsim-skip]')) continue;
    const block = redisBlock(pre);
    const code = pre.querySelector(':scope > code');
    const text = (code ?? pre).textContent;
    const first = text.split('\n').find((l) => l.trim() && !/^\s*(#|\/\/|\$ )/.test(l)) ?? '';
    if (!block && !NAMED_PROMPT.test(first)) continue;
    const example = document.createElement('redsim-example');
    for (const [name, value] of Object.entries(defaults)) if (value != null) example.setAttribute(name, value);
    if (block?.params.mode) example.setAttribute('mode', block.params.mode);
    if (block?.params.version) example.setAttribute('version', block.params.version);
    example.textContent = text;
    (block?.outer ?? pre).replaceWith(example);
  }
}

// Opt in with `data-upgrade` (and `data-version`, `data-pictures`, `data-theme` for the examples
// made) on the script tag, or with the same words in its address, for site generators that write
// the tag themselves: `embed.js?upgrade&version=7.0`.
const me = [...document.querySelectorAll('script[type="module"][src]')].find(
  (s) => new URL(s.src, document.baseURI).href === import.meta.url,
);
const query = new URL(import.meta.url).searchParams;
if (me?.hasAttribute('data-upgrade') || query.has('upgrade')) {
  const defaults = {
    version: me?.dataset.version ?? query.get('version'),
    pictures: me?.dataset.pictures ?? query.get('pictures'),
    theme: me?.dataset.theme ?? query.get('theme'),
  };
  const go = () => upgrade(document, defaults);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
  else go();
}
