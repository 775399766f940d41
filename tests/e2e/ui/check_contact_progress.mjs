// The contact progress page (functions/product/routes/contact_progress.html)
// in a real browser (Debian's Chromium, headless, driven by playwright-core),
// for tests/e2e/test_contact_progress.sh:
//   node check_contact_progress.mjs SETTINGS.json
// SETTINGS: {page, chromium, ready, waitMs}.  Fills the form and sends it,
// expects "queued", writes the file `ready` once the page has opened its
// realtime websocket (the shell then lets the run's emails through), and
// expects "queued → emailed".  Prints "ok   - …" / "FAIL - …" lines.  Only
// 127.0.0.1 is reachable: other requests are refused before they leave.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const settings = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let failures = 0;
const check = (what, cond, detail = '') => {
  if (cond) console.log(`ok   - ${what}`);
  else {
    failures++;
    console.log(`FAIL - ${what}${detail ? `: ${detail}` : ''}`);
  }
};

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'inngest-fcgi-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: settings.chromium || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
});
try {
  await context.route('**/*', (route) =>
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient'));
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  let socket = null;
  page.on('websocket', (ws) => { socket = ws.url(); });
  const status = () => page.textContent('#status');
  await page.goto(settings.page);
  await page.fill('input[name=name]', 'Grace Hopper');
  await page.fill('input[name=email]', 'grace@example.org');
  await page.fill('textarea[name=message]', 'Sent from a real browser');
  await page.click('button');
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('queued'),
    null, { timeout: settings.waitMs }).catch(() => {});
  check('the page says "queued" once the form was accepted', (await status()) === 'queued', await status());
  const until = Date.now() + settings.waitMs;
  while (!socket && Date.now() < until) await page.waitForTimeout(100);
  check('the page opened the realtime websocket with its token', /\/v1\/realtime\/connect\?token=/.test(socket || ''),
    socket || 'none');
  await page.waitForTimeout(500); // the server registers the subscription
  fs.writeFileSync(settings.ready, 'ready\n');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'queued → emailed',
    null, { timeout: settings.waitMs * 4 }).catch(() => {});
  check('the page shows "queued → emailed" when the run has sent the emails',
    (await status()) === 'queued → emailed', await status());
  check('no script error on the page', errors.length === 0, errors.join(' | '));
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
