// Looks at the Inngest dev server's web UI in a real browser (Debian's
// Chromium, headless, driven by playwright-core) the way a person would, for
// tests/e2e/test_dev_server_ui.sh:
//   node check_ui.mjs SETTINGS.json
// SETTINGS: {ui, app, functionCount, fn, trigger, runId, event: {id, name, data},
//            steps: [{name, output}], screenshots}
// Prints one line per check ("ok   - …" or "FAIL - …", counted by the shell
// script) and saves a screenshot of each page it checks.  The browser reaches
// only the UI's own origin: every other request is refused before it leaves
// (and names resolve to nothing), so the test never talks to another host.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const settings = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const origin = new URL(settings.ui).origin;
const WAIT_MS = 20000;

let failures = 0;
const ok = (what) => console.log(`ok   - ${what}`);
const fail = (what) => {
  failures++;
  console.log(`FAIL - ${what}`);
};
const check = (what, cond, detail = '') => (cond ? ok(what) : fail(detail ? `${what}: ${detail}` : what));

// What the UI itself asks for outside its origin, refused here.  Only its web
// fonts (a CDN; the system's fallback font stands in) and its check for a dev
// server at the default address (a feature of the Cloud dashboard) are
// expected; anything else (Monaco from a CDN, above all) is a failure.
const EXPECTED_OUTSIDE = [/^https:\/\/fonts-cdn\.inngest\.com\//, /^http:\/\/localhost:8288\/$/];
const refused = [];
// Console errors and uncaught exceptions of our origin fail the test.  React's
// "#421" is the one exception: a recoverable hydration race (an update arrives
// while the prerendered shell hydrates; React renders that part again on the
// client, and the page is whole), seen now and then on a first load.
const RECOVERED = /Minified React error #421\b/;
const pageErrors = [];
const notes = [];

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'inngest-fcgi-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: settings.chromium || '/usr/bin/chromium',
  headless: true,
  // A new empty profile, and nothing in the background: without these,
  // Chromium tries to reach Google's hosts at start.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  ],
  viewport: { width: 1440, height: 900 },
  timezoneId: 'UTC',
});

try {
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  // Every tab is watched: the run's page opens in a new one.
  const watch = (tab) => {
    tab.setDefaultTimeout(WAIT_MS);
    tab.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location().url || '';
      // A refused outside request logs "Failed to load resource" with that URL.
      if (where && new URL(where, origin).origin !== origin) return;
      pageErrors.push(`console error: ${msg.text()} (${where || 'no location'})`);
    });
    tab.on('pageerror', (err) => {
      if (RECOVERED.test(err.message)) notes.push(`React recovered from a hydration race (#421) on ${tab.url()}`);
      else pageErrors.push(`uncaught exception: ${err.message}`);
    });
  };
  context.on('page', watch);
  // The persistent context opens with one tab, made before `watch` was set.
  let page = context.pages()[0];
  if (page) watch(page);
  else page = await context.newPage();

  const shot = async (name) => {
    const file = path.join(settings.screenshots, `${name}.png`);
    await page.screenshot({ path: file });
    console.log(`# screenshot: ${file}`);
  };
  const bodyText = () => page.locator('body').innerText();
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // The visible text of a Monaco editor, its lines in screen order (Monaco
  // positions them absolutely; the DOM order may differ).
  const editorTexts = () =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('.monaco-editor'))
        .filter((ed) => ed.getBoundingClientRect().width > 0)
        .map((ed) =>
          Array.from(ed.querySelectorAll('.view-line'))
            .map((line) => [parseFloat(line.style.top) || 0, line.textContent])
            .sort((a, b) => a[0] - b[0])
            .map(([, text]) => text.replace(/\u00a0/g, ' '))
            .join('\n'),
        ),
    );
  // Waits until some visible Monaco editor shows JSON that `accept` takes;
  // returns [parsed value or null, the texts seen last].
  const editorJson = async (accept) => {
    const end = Date.now() + WAIT_MS;
    let seen = [];
    while (Date.now() < end) {
      seen = await editorTexts();
      for (const text of seen) {
        try {
          const value = JSON.parse(text);
          if (accept(value)) return [value, seen];
        } catch {
          /* not (yet) whole JSON */
        }
      }
      await page.waitForTimeout(250);
    }
    return [null, seen];
  };
  const same = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
  function sortKeys(v) {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
    return v;
  }
  const visible = async (locator) => {
    try {
      // The first match that a person can see (hidden copies, e.g. in
      // collapsed panels, do not count).
      await locator.filter({ visible: true }).first().waitFor({ state: 'visible' });
      return true;
    } catch (err) {
      console.log(`# not visible: ${err.message.split('\n')[0]}`);
      return false;
    }
  };

  // ---- the address make run printed ------------------------------------------------
  const answer = await page.goto(settings.ui, { waitUntil: 'load' });
  check(`the UI answers at ${settings.ui}`, answer && answer.ok(), `HTTP ${answer && answer.status()}`);
  const nav = page; // the menu's links are the page's only links of those names
  check('the UI shows its menu (Apps, Functions, Runs, Events)',
    await visible(nav.getByRole('link', { name: 'Apps', exact: true })) &&
    await visible(nav.getByRole('link', { name: 'Functions', exact: true })) &&
    await visible(nav.getByRole('link', { name: 'Runs', exact: true })) &&
    await visible(nav.getByRole('link', { name: 'Events', exact: true })));

  // ---- Apps: our app, synced, with its function count -------------------------------
  await nav.getByRole('link', { name: 'Apps', exact: true }).first().click();
  await page.waitForURL(/\/apps/);
  const counted = `${settings.functionCount} functions found`;
  check(`Apps lists "${settings.app}" under Synced Apps`,
    await visible(page.getByRole('heading', { name: 'Synced Apps' })) &&
    await visible(page.getByText(settings.app, { exact: true })));
  check(`Apps: "${settings.app}" has "${counted}"`, await visible(page.getByText(counted, { exact: true })),
    (await bodyText()).slice(0, 400));
  const appsText = await bodyText();
  check('Apps: no sync error shown (Not Synced, "can\'t find your application", Error:)',
    !/Not Synced|can't find your application|Error:|App sync was blocked/.test(appsText));
  // The card's footer lists the functions by name.
  await page.getByText(counted, { exact: true }).click();
  check(`Apps: the card lists the function "${settings.fn}"`,
    await visible(page.getByRole('listitem').filter({ hasText: new RegExp(`^${escape(settings.fn)}$`) })));
  await shot('apps');

  // ---- Functions: the contact-form function and its trigger ------------------------
  await nav.getByRole('link', { name: 'Functions', exact: true }).first().click();
  await page.waitForURL(/\/functions/);
  const fnRow = page.getByRole('row').filter({ has: page.getByRole('cell', { name: settings.fn, exact: true }) });
  if (await visible(fnRow)) {
    const cells = (await fnRow.first().getByRole('cell').allInnerTexts()).map((t) => t.trim());
    check(`Functions: "${settings.fn}" is triggered by ${settings.trigger}`, cells[1] === settings.trigger,
      `row: ${JSON.stringify(cells)}`);
    check(`Functions: "${settings.fn}" belongs to ${settings.app}`, cells[2] === settings.app,
      `row: ${JSON.stringify(cells)}`);
  } else {
    fail(`Functions: no row "${settings.fn}"`);
  }
  await shot('functions');

  // ---- Runs: the contact form's run, Completed -------------------------------------
  await nav.getByRole('link', { name: 'Runs', exact: true }).first().click();
  await page.waitForURL(/\/runs/);
  const runRow = page.getByRole('row').filter({ hasText: settings.runId });
  let runCells = [];
  for (const end = Date.now() + WAIT_MS; Date.now() < end;) {
    if (await runRow.count()) {
      runCells = (await runRow.first().getByRole('cell').allInnerTexts()).map((t) => t.trim());
      if (runCells[0] === 'Completed') break;
    }
    // The list refreshes itself; the button is what a person would press.
    const refresh = page.getByRole('button', { name: 'Refresh runs' });
    if (await refresh.count()) await refresh.first().click().catch(() => {});
    await page.waitForTimeout(1000);
  }
  check(`Runs: run ${settings.runId} is Completed`, runCells[0] === 'Completed', `row: ${JSON.stringify(runCells)}`);
  check(`Runs: the run is of "${settings.fn}", triggered by ${settings.trigger}`,
    runCells.includes(settings.fn) && runCells.includes(settings.trigger), `row: ${JSON.stringify(runCells)}`);
  await shot('runs');

  // ---- the run's page: its steps, their outputs, the event's payload ---------------
  // The row opens the run below it; its Run ID links to the run's own page,
  // which opens in a new tab.
  await runRow.first().click();
  const runLink = page.getByRole('link', { name: settings.runId, exact: true });
  check('Runs: the opened run links to its own page', await visible(runLink));
  [page] = await Promise.all([context.waitForEvent('page'), runLink.first().click()]);
  // A person's browser shows the new tab; headless, it would stay in the
  // background, where Chromium holds back rendering.
  await page.bringToFront();
  await page.waitForLoadState('load');
  check("the run's page is /run?runID=<the run>", page.url() === `${origin}/run?runID=${settings.runId}`, page.url());
  // The status is COMPLETED in the page's text and "Completed" on screen (CSS):
  // what is compared is what the browser renders (innerText).
  const status = page.getByText(/^completed$/i).filter({ visible: true });
  const shown = (await visible(status)) ? (await status.first().innerText()).trim() : '(none)';
  check("the run's page says Completed", shown === 'Completed', `shows ${shown}`);
  check(`the run's page names the function "${settings.fn}"`, await visible(page.getByText(settings.fn, { exact: true })));
  for (const step of settings.steps) {
    check(`run page: step "${step.name}" is in the trace`, await visible(page.getByText(step.name, { exact: true })));
  }
  // The trigger is shown first: its payload, in the Monaco viewer.
  const [payload, seen] = await editorJson((v) => Array.isArray(v) && v[0] && v[0].id === settings.event.id);
  check("run page: the payload viewer shows the event's JSON (Monaco, not blank)",
    payload !== null, `editors show: ${JSON.stringify(seen).slice(0, 300)}`);
  if (payload) {
    check(`run page: the payload is ${settings.event.name} with the form's data`,
      payload[0].name === settings.event.name &&
      Object.entries(settings.event.data).every(([k, v]) => payload[0].data && payload[0].data[k] === v),
      JSON.stringify(payload).slice(0, 300));
  }
  await shot('run');
  for (const step of settings.steps) {
    await page.getByText(step.name, { exact: true }).first().click();
    const [output, texts] = await editorJson((v) => same(v, step.output));
    check(`run page: step "${step.name}" shows its output ${JSON.stringify(step.output)}`, output !== null,
      `editors show: ${JSON.stringify(texts).slice(0, 300)}`);
    await shot(`run-step-${step.name}`);
  }

  const outside = refused.filter((u) => !EXPECTED_OUTSIDE.some((re) => re.test(u)));
  check('the UI asked for nothing outside its origin but its web fonts (Monaco is served locally)',
    outside.length === 0, [...new Set(outside)].join(' '));
  check(`no console error or uncaught exception from ${origin}`, pageErrors.length === 0,
    pageErrors.slice(0, 5).join(' | '));
  for (const n of notes) console.log(`# note: ${n}`);
  console.log(`# refused outside requests: ${refused.length} (${[...new Set(refused.map((u) => new URL(u).host))].join(', ') || 'none'})`);
} catch (err) {
  fail(`the browser check stopped: ${err.message.split('\n')[0]}`);
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
