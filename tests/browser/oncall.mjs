// The dashboard's on-call line (web/oncall.js) in Debian's headless Chromium, against the vigie-server
// of tests/integration/oncall.sh: after logging in, the header names each rotation's person on call
// as GET /api/v1/oncall does, in French, then in English after the language toggle, with no script
// error.
//
//   node oncall.mjs            environment: VIGIE_URL, VIGIE_TOKEN, CHROMIUM, MODULES, ARTIFACTS
// Prints "PASS|what" or "FAIL|what|why" per check; oncall.sh turns them into TAP.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { signIn } from './signin.mjs';

const URL_ = process.env.VIGIE_URL;
const TOKEN = process.env.VIGIE_TOKEN;
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const ART = process.env.ARTIFACTS || '.';
const MODULES = process.env.MODULES || path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules');
const { chromium } = await import(pathToFileURL(path.join(MODULES, 'playwright-core', 'index.mjs')).href);

const clean = (s) => String(s).replace(/[|\n\r]+/g, ' ').slice(0, 400);
const norm = (s) => s.replace(/[\u202f\u00a0]/g, ' ');
async function check(what, fn) {
  try {
    const r = await fn();
    console.log(r === false ? `FAIL|${clean(what)}|condition false` : `PASS|${clean(what)}`);
  } catch (e) {
    console.log(`FAIL|${clean(what)}|${clean(e && e.message ? e.message : e)}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
const res = await fetch(URL_ + '/api/v1/oncall', { headers: { Authorization: 'Bearer ' + TOKEN } });
const oncall = await res.json();
const who = oncall.rotations[0].on_call;

const browser = await chromium.launch({
  executablePath: EXE, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
    '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

await signIn(page, URL_, TOKEN, '/?lang=fr#/alerts');
await check(`the header says who is on call in French (${who})`, async () => {
  const el = page.locator('#oncall-now');
  await el.waitFor({ state: 'visible', timeout: 20000 });
  const text = norm(await el.textContent());
  assert(text.startsWith('Astreinte :'), text);
  assert(text.includes('primary ' + who), text);
  assert(/jusqu.au \d\d\/\d\d/.test(text), text);
});
await check('the language toggle puts it in English', async () => {
  await page.locator('#lang-toggle').click();
  const text = norm(await page.locator('#oncall-now').textContent());
  assert(text.startsWith('On call:') && text.includes('primary ' + who) && text.includes('until '), text);
});
await check('no script error', async () => assert(errors.length === 0, errors.join('; ')));
await page.screenshot({ path: path.join(ART, 'oncall.png') });
await browser.close();
