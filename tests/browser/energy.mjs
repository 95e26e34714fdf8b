// The energy section of a site's page (web/energy.js) in Debian's headless Chromium, against the
// vigie-server of tests/integration/energy.sh: the month's kWh and PUE as the API gives them, a bar
// of the daily PUE for the day that has one, the headroom rows and the trend warning, in French and
// then in English, with no script error.
//
//   node energy.mjs            environment: VIGIE_URL, VIGIE_TOKEN, CHROMIUM, MODULES, ARTIFACTS
// Prints "PASS|what" or "FAIL|what|why" per check; energy.sh turns them into TAP.
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
async function apiGet(p) {
  const res = await fetch(URL_ + p, { headers: { Authorization: 'Bearer ' + TOKEN } });
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
  return res.json();
}

const browser = await chromium.launch({
  executablePath: EXE, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
    '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
const energy = (await apiGet('/api/v1/energy?site=italie')).energy;

await signIn(page, URL_, TOKEN, '/?lang=fr#/site/italie');
await check('the site page shows the energy section', async () => {
  await page.waitForSelector('section.energy', { timeout: 20000 });
});
const text = async () => norm(await page.$eval('section.energy', (e) => e.innerText));
await check("the facility and IT kWh and the month's PUE are the API's, in French", async () => {
  const s = await text();
  const kwh = (v) => (v === null ? '—' : new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
    .format(v) + ' kWh');
  const want = [kwh(energy.facility.kwh), kwh(energy.it.kwh), 'Énergie et PUE'];
  /* the data may be of last month when the test runs on the 1st or 2nd: then there is no PUE */
  if (energy.pue.status === 'ok')
    want.push(new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 3 }).format(energy.pue.value), 'PUE partiel');
  else
    want.push('pas de PUE');
  for (const w of want) assert(s.includes(norm(w)), `"${w}" not in: ${s.slice(0, 300)}`);
});
await check('one bar of daily PUE per day that has one', async () => {
  const bars = await page.$$eval('section.energy svg rect[data-date]', (r) => r.map((x) => x.dataset.date));
  const want = energy.days.filter((d) => d.pue !== null).map((d) => d.date);
  assert(JSON.stringify(bars) === JSON.stringify(want), `bars ${bars} != ${want}`);
});
await check('the headroom rows: 2N, 7 300 W left (73,0 %), pdu-a L1 rated 20 A', async () => {
  const s = await text();
  for (const want of ['Onduleurs (2N)', 'marge 7 300 W (73,0 %)', 'pdu-a L1', 'calibre 20 A'])
    assert(s.includes(want), `"${want}" not in: ${s}`);
});
await check('the trend warning in French', async () => {
  const s = await text();
  assert(/env : à ce rythme 27 °C dans \d h/.test(s), s);
});
await page.click('#lang-toggle');
await check('the same in English', async () => {
  await page.waitForFunction(() => document.querySelector('section.energy') &&
    document.querySelector('section.energy').innerText.includes('Energy and PUE'), null, { timeout: 10000 });
  const s = await text();
  for (const want of ['Facility energy', 'headroom 7,300 W (73.0 %)', 'env: at this rate 27 °C in'])
    assert(s.includes(want), `"${want}" not in: ${s}`);
  await page.screenshot({ path: path.join(ART, 'energy-site-en.png'), fullPage: true });
});
await check('no script error on the page', () => assert(errors.length === 0, errors.join('; ')));
await browser.close();
