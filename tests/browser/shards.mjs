// The dashboard of a sharded estate (doc/cluster.md, "Beyond a pair") in Debian's headless Chromium,
// against a server of shard north of tests/integration/shards.sh: the header names the server's shard,
// the home page shows every site of the estate (north's and south's, read from the shared database),
// and the page of south's site draws its graph, whose series north's server forwards to south's.
//
//   node shards.mjs            environment: VIGIE_URL, VIGIE_TOKEN, CHROMIUM, MODULES, ARTIFACTS
// Prints "PASS|what" or "FAIL|what|why" per check; shards.sh turns them into TAP.
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
async function check(what, fn) {
  try {
    const r = await fn();
    console.log(r === false ? `FAIL|${clean(what)}|condition false` : `PASS|${clean(what)}`);
  } catch (e) {
    console.log(`FAIL|${clean(what)}|${clean(e && e.message ? e.message : e)}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const browser = await chromium.launch({
  executablePath: EXE, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
    '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

await signIn(page, URL_, TOKEN, '/?lang=en#/');
await check('the header names this server and its shard', async () => {
  const el = page.locator('#cluster-role');
  await el.waitFor({ state: 'visible', timeout: 20000 });
  const text = await el.innerText();
  assert(/Server n\d: (leader|follower)/.test(text) && text.includes('shard north'), text);
  assert((await el.getAttribute('data-shard')) === 'north', 'data-shard');
});
await check('the home page shows both shards\' sites', async () => {
  await page.locator('.tile').first().waitFor({ timeout: 15000 });
  const sites = await page.locator('.tile').evaluateAll((els) => els.map((e) => e.dataset.site).sort());
  assert(JSON.stringify(sites) === '["italie","sud"]', JSON.stringify(sites));
});
await check('south\'s site page draws its graph from a series north\'s server forwards to south\'s', async () => {
  const series = page.waitForResponse((r) => r.url().includes('/api/v1/series?') && r.url().includes('site=sud'),
    { timeout: 20000 });
  await page.locator('.tile[data-site="sud"]').click();
  await page.locator('section.site[data-site="sud"] h1').waitFor({ timeout: 10000 });
  const r = await series;
  assert(r.status() === 200, `series: HTTP ${r.status()}`);
  const j = await r.json();
  assert(Array.isArray(j.points) && j.points.length > 0, 'series: ' + JSON.stringify(j).slice(0, 200));
  await page.locator('.chart-box svg.chart').first().waitFor({ timeout: 15000 }); // the series' chart
});
await check('no script error', async () => assert(errors.length === 0, errors.join('; ')));
await page.screenshot({ path: path.join(ART, 'shards.png') });
await browser.close();
