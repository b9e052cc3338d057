// Speed of the app in headless Chromium (a benchmark that prints figures; no assertions on time):
//   node tests/e2e/perf.mjs            (after ./x build; run by scripts/bench-app.sh)
// - first render: navigation start to the first frame with the console's input (timed in the page);
// - a command in a 10,000-step session: Enter to reply and pictures on screen;
// - stepping back to the middle of that session;
// - a command with a 100,000-entry stream on screen;
// - the scenario world: N messages through a 10-consumer group, and stepping back over that run;
// - frames while the failover scenario plays at 1x (diagram, messages in flight, pictures):
//   requestAnimationFrame timing in the page, long frames counted.
import { openApp, run, startApp } from './helpers.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function sessionText(steps) {
  const lines = ['redsim session 1', 'redis 8.2', '1> XGROUP CREATE big g $ MKSTREAM'];
  for (let i = 1; i < steps; i++) lines.push(`1> XADD big ${i}-0 n ${i}`);
  return lines.join('\n') + '\n';
}

/// Runs seven commands in the page, each timed from Enter until its line and the pictures are in
/// the DOM (resolved by the DOM change itself, not by a frame-granular poll).
async function timeCommands(page, line) {
  const times = [];
  for (let i = 0; i < 7; i++) {
    await page.getByRole('textbox', { name: 'Command' }).fill(line(i));
    times.push(await page.evaluate(async (line) => {
      const input = document.querySelector('input[aria-label="Command"]');
      const last = () => [...document.querySelectorAll('[role="log"] .entry .typed')].pop()?.textContent;
      const done = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (last() === line) {
            observer.disconnect();
            resolve(performance.now());
          }
        });
        observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      const t0 = performance.now();
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      return (await done) - t0;
    }, line(i)));
  }
  return times;
}

// `REDSIM_BENCH_ONLY=scenario` runs only the scenario world (each size `REDSIM_BENCH_RUNS` times,
// default 1), for comparing builds; `REDSIM_BENCH_ONLY=frames` only the frames while playing.
const only = process.env.REDSIM_BENCH_ONLY;
const app = await startApp();
try {
  if (!only) await appBenchmarks();
  if (!only || only === 'scenario') {
    // The scenario world in wasm: N messages through a group of 10 consumers (issue 6).
    const scenario = await openApp(app);
    const runs = Number(process.env.REDSIM_BENCH_RUNS ?? 1);
    for (const n of (process.env.REDSIM_BENCH_MESSAGES ?? '20000,100000').split(',').map(Number)) {
      for (let r = 0; r < runs; r++) {
        const [steps, run, back, done] = await scenario.page.evaluate((n) => window.wasmBindings.bench_scenario(n), n);
        console.log(`scenario, ${n} messages through 10 consumers (${done} acknowledged, ${steps} steps): ` +
          `${(run / 1000).toFixed(2)} s in wasm; stepping back: at most ${back.toFixed(0)} ms`);
      }
    }
    await scenario.context.close();
  }
  if (!only || only === 'frames') await framesWhilePlaying();
} finally {
  await app.close();
}

async function appBenchmarks() {
  // Measured in the page: navigation start until the frame after the console's input is in the
  // DOM (Playwright's own polling would add up to a hundred milliseconds of its latency).
  const renders = [];
  for (let i = 0; i < 5; i++) {
    const context = await app.browser.newContext();
    await context.addInitScript(() => {
      window.__firstRender = new Promise((resolve) => {
        new MutationObserver((_, observer) => {
          if (document.querySelector('input[aria-label="Command"]')) {
            observer.disconnect();
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
          }
        }).observe(document, { childList: true, subtree: true });
      });
    });
    const page = await context.newPage();
    await page.goto(app.url);
    renders.push(await page.evaluate(() => window.__firstRender));
    await context.close();
  }
  console.log(`first render (navigation to the first frame with the console): median ${median(renders).toFixed(0)} ms of 5`);

  const hash = '#session=' + Buffer.from(sessionText(10_000)).toString('base64url');
  const { page, context, errors } = await openApp(app, { hash, viewport: { width: 1400, height: 900 } });
  page.on('crash', () => console.log('page crashed'));
  page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text().slice(0, 300)); });
  const loadStart = Date.now();
  await page.locator('[data-fact="length"]').getByText('9999').waitFor({ timeout: 120_000 });
  console.log(`opening a 10,000-step session from a link: ${Date.now() - loadStart} ms after first render`);

  const commands = await timeCommands(page, (i) => `XADD big ${20_000 + i}-0 n x`);
  console.log(`a command in a 10,000-step session (Enter to reply and pictures in the DOM): median ${median(commands).toFixed(1)} ms of 7`);

  const seeks = [];
  for (const step of [5_000, 2_500, 7_500, 1_234, 9_000]) {
    const ms = await page.evaluate(async (step) => {
      const slider = document.querySelector('input[aria-label="Step"]');
      const t0 = performance.now();
      slider.value = String(step);
      slider.dispatchEvent(new InputEvent('input', { bubbles: true }));
      while (!document.querySelector('[aria-label="Shown step"]').textContent.startsWith(`step ${step} `)) {
        await new Promise((r) => requestAnimationFrame(r));
      }
      return performance.now() - t0;
    }, step);
    seeks.push(ms);
  }
  console.log(`stepping back anywhere in that session: median ${median(seeks).toFixed(1)} ms of 5`);
  await context.close();

  // A 100,000-entry stream, made in one step by a script, then commands with it on screen.
  const script = "for i=1,100000 do redis.call('XADD','huge',i..'-0','n',i) end return 1";
  const hugeText = `redsim session 1\nredis 8.2\n1> EVAL "${script}" 0\n`;
  const hugeStart = Date.now();
  const huge = await openApp(app, {
    hash: '#session=' + Buffer.from(hugeText).toString('base64url'),
    viewport: { width: 1400, height: 900 },
  });
  await huge.page.locator('[data-fact="length"]').getByText('100000').waitFor({ timeout: 120_000 });
  console.log(`opening a session whose one step adds 100,000 entries: ${Date.now() - hugeStart} ms`);
  const onHuge = await timeCommands(huge.page, (i) => `XADD huge ${200_000 + i}-0 n x`);
  await huge.page.locator('[data-fact="length"]').getByText('100007').waitFor();
  console.log(`a command beside a 100,000-entry stream (Enter to reply and pictures in the DOM): median ${median(onHuge).toFixed(1)} ms of 7`);
  await huge.context.close();
}

/// The failover scenario playing at 1x for five seconds: every frame's time from
/// requestAnimationFrame, how many there were, and the frames longer than 25 ms (a dropped frame
/// at 60 Hz is one over 16.7 ms; headless Chromium's frames are not the display's).
async function framesWhilePlaying() {
  const { page, context } = await openApp(app, { hash: '#scenario=failover', viewport: { width: 1400, height: 1000 } });
  await page.getByRole('region', { name: 'Scenario' }).waitFor();
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('1');
  await page.getByRole('button', { name: 'Play' }).click();
  const frames = await page.evaluate(() => new Promise((resolve) => {
    const times = [];
    const tick = (t) => {
      times.push(t);
      if (t - times[0] < 5000) requestAnimationFrame(tick); else resolve(times);
    };
    requestAnimationFrame(tick);
  }));
  const gaps = frames.slice(1).map((t, i) => t - frames[i]);
  const seconds = (frames.at(-1) - frames[0]) / 1000;
  const long = gaps.filter((g) => g > 25).length;
  console.log(`failover scenario playing at 1x: ${gaps.length} frames in ${seconds.toFixed(1)} s ` +
    `(${(gaps.length / seconds).toFixed(1)} per second), ${long} longer than 25 ms, longest ${Math.max(...gaps).toFixed(1)} ms`);
  await context.close();
}
