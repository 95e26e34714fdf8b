// The public-sites view (web/public.js) in Debian's headless Chromium, against the vigie-server of
// tests/integration/browser_public.sh: 1,200 public sites over four NROs, 312 down (300 behind nro-d,
// 12 alone), 8 unknown. The page is checked against the API and against the numbers the script
// computed from the CSV (EXPECT, a JSON file): every site rendered and the time it took (the page's
// own User Timing measures, under a second), the counts, worst first, the groups by NRO and by
// commune, the search and the filters, a site's page (state, addresses, graphs, incidents), French
// and English, no script error.
//
//   node public.mjs            environment: VIGIE_URL, VIGIE_TOKEN, EXPECT, CHROMIUM, MODULES, ARTIFACTS
// Prints "PASS|what" or "FAIL|what|why" per check, and "# ..." comments; browser_public.sh turns them
// into TAP.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { signIn } from './signin.mjs';

const URL_ = process.env.VIGIE_URL;
const TOKEN = process.env.VIGIE_TOKEN;
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const ART = process.env.ARTIFACTS || '.';
const E = JSON.parse(fs.readFileSync(process.env.EXPECT, 'utf8'));
const MODULES = process.env.MODULES || path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules');
const { chromium } = await import(pathToFileURL(path.join(MODULES, 'playwright-core', 'index.mjs')).href);
const RENDER_MAX_MS = 1000; /* issue 19: "renders 1,200 sites in under a second in Chromium" */

const clean = (s) => String(s).replace(/[|\n\r]+/g, ' ').slice(0, 400);
const norm = (s) => s.replace(/[\u202f\u00a0]/g, ' ');
async function check(what, fn) {
  try {
    const r = await fn();
    const w = typeof what === 'function' ? what() : what;
    console.log(r === false ? `FAIL|${clean(w)}|condition false` : `PASS|${clean(w)}`);
  } catch (e) {
    const w = typeof what === 'function' ? what() : what;
    console.log(`FAIL|${clean(w)}|${clean(e && e.message ? e.message : e)}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
async function apiGet(p) {
  const res = await fetch(URL_ + p, { headers: { Authorization: 'Bearer ' + TOKEN } });
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
  return res.json();
}
async function shot(page, name) {
  const file = path.join(ART, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`# screenshot ${file}`);
}

const browser = await chromium.launch({
  executablePath: EXE, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
});
const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
const page = await ctx.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push('page error: ' + e.message));
page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));

const api = await apiGet('/api/v1/public-sites');
const LIST = '#pub-list';
const tiles = () => page.$$eval(`${LIST} a.pt`, (a) => a.map((x) => ({ id: x.dataset.id, state: x.dataset.state, nro: x.classList.contains('by-nro') })));
const groups = () => page.$$eval(`${LIST} section.pg`, (s) => s.map((x) => ({ key: x.dataset.group, count: +x.dataset.count, down: +x.dataset.down,
  ids: [...x.querySelectorAll('a.pt')].map((a) => a.dataset.id) })));
/* waits until the list shows n sites (a filter applied and rendered) */
const shown = async (n) => {
  await page.waitForFunction((n) => { const b = document.getElementById('pub-list'); return b && b.dataset.shown === String(n); }, n, { timeout: 10000 })
    .catch(async () => { throw new Error(`shown ${await page.$eval(LIST, (b) => b.dataset.shown).catch(() => '?')}, want ${n}`); });
};
/* waits for the page of public site id, saying where the page is when it does not come */
const sitePage = (id) => page.waitForSelector(`section.public-site[data-site="${id}"]`, { timeout: 15000 }).catch(async () => {
  throw new Error(`not on the page of ${id}: at ${await page.evaluate(() => location.hash)}, ` +
    `"${(await page.$eval('main', (e) => e.innerText).catch(() => '')).slice(0, 200)}"`);
});
const measures = (name) => page.evaluate((n) => performance.getEntriesByName(n, 'measure').map((m) => m.duration), name);

await signIn(page, URL_, TOKEN, '/?lang=fr#/public');
let timing = {};
await check(() => `the view renders all ${E.total} sites, as many as the API lists, with their names`, async () => {
  await page.waitForSelector(`${LIST}[data-painted]`, { timeout: 30000 });
  const t = await tiles();
  assert(api.sites.length === E.total && t.length === E.total, `${t.length} tiles, API ${api.sites.length}, CSV ${E.total}`);
  assert(new Set(t.map((x) => x.id)).size === E.total, 'a site twice');
  /* the names as the API gives them (quotes, apostrophes, « » and commas escaped, not lost) */
  const names = await page.$$eval(`${LIST} a.pt .pt-name`, (n) => n.map((x) => x.textContent));
  const byId = new Map(api.sites.map((s) => [s.id, s.name]));
  const bad = t.filter((x, i) => byId.get(x.id) !== names[i]);
  assert(!bad.length, `${bad.length} names differ, e.g. ${bad[0] && bad[0].id}`);
  assert(api.sites.some((s) => /['«,]/.test(s.name)), 'no name to escape in the data');
});
await check(() => `the 1,200 tiles render in ${timing.paint} ms to the next frame (laid out in ${timing.render} ms; ` +
  `${timing.load} ms from the fetch's start), under ${RENDER_MAX_MS} ms, measured in the page`, async () => {
  const [render, paint, load] = [await measures('vigie:public:render'), await measures('vigie:public:paint'), await measures('vigie:public:load')];
  assert(render.length && paint.length && load.length, `measures: ${render.length} ${paint.length} ${load.length}`);
  timing = { render: render[0].toFixed(0), paint: paint[0].toFixed(0), load: load[0].toFixed(0) };
  console.log(`# render ${render[0].toFixed(1)} ms, paint ${paint[0].toFixed(1)} ms, load ${load[0].toFixed(1)} ms`);
  assert(paint[0] < RENDER_MAX_MS, `${paint[0]} ms`);
});
await check(`the counts shown are the API's and the hand-computed ones: ${E.down} en panne (${E.down_nro} à cause d’un NRO), ${E.unknown} inconnus, ${E.up} en service`, async () => {
  const c = api.counts;
  assert(c.down === E.down && c.unknown === E.unknown && c.up === E.up, `API ${JSON.stringify(c)}`);
  const s = norm(await page.$eval(`${LIST} .summary`, (e) => e.innerText));
  for (const w of [`${E.down} en panne · ${E.down_nro} à cause d’un NRO`, `${E.unknown} inconnu(s)`, `${E.up} en service`, `${E.total} sites affichés sur ${E.total}`])
    assert(s.includes(w), `"${w}" not in "${s}"`);
  const t = await tiles();
  const n = (st) => t.filter((x) => x.state === st).length;
  assert(n('down') === E.down && n('unknown') === E.unknown && n('up') === E.up, `tiles ${n('down')} ${n('unknown')} ${n('up')}`);
  assert(t.filter((x) => x.nro).length === E.down_nro, `${t.filter((x) => x.nro).length} tiles marked behind their NRO`);
});
await check('worst first: the groups with the most sites down first, and in each the API\'s order (down, unknown, up, availability)', async () => {
  const g = await groups();
  for (let i = 1; i < g.length; i++) assert(g[i - 1].down >= g[i].down, `group ${g[i].key} (${g[i].down} down) after ${g[i - 1].key}`);
  assert(g[0].key === 'nro-d' && g[0].down === E.nros['nro-d'], `first group ${g[0].key} ${g[0].down}`);
  for (const x of g) {
    const want = api.sites.filter((s) => s.nro === x.key).map((s) => s.id);
    assert(JSON.stringify(x.ids) === JSON.stringify(want), `group ${x.key}: ${x.ids.slice(0, 5)} … != ${want.slice(0, 5)} …`);
  }
  const rank = { down: 0, unknown: 1, up: 2 };
  for (const x of g) {
    const st = x.ids.map((id) => rank[api.sites.find((s) => s.id === id).state]);
    assert(st.every((v, i) => !i || st[i - 1] <= v), `group ${x.key} not worst first`);
  }
});
await check(`grouped by NRO: ${Object.keys(E.nros).length} groups of ${Object.values(E.nros).join(', ')} sites`, async () => {
  const g = await groups();
  const got = Object.fromEntries(g.map((x) => [x.key, x.count]));
  assert(JSON.stringify(Object.keys(got).sort()) === JSON.stringify(Object.keys(E.nros).sort()), Object.keys(got).join(' '));
  for (const [k, n] of Object.entries(E.nros)) assert(got[k] === n && g.find((x) => x.key === k).ids.length === n, `${k}: ${got[k]} != ${n}`);
  await shot(page, 'public-list-fr.png');
});
let communeMs = 0;
await check(() => `grouped by commune: ${Object.keys(E.communes).length} groups with the CSV's counts (re-rendered in ${communeMs} ms)`, async () => {
  await page.click('button[data-group-by="commune"]');
  await page.waitForSelector(`${LIST}[data-group="commune"]`, { timeout: 10000 });
  const g = await groups();
  assert(g.length === Object.keys(E.communes).length, `${g.length} groups, want ${Object.keys(E.communes).length}`);
  for (const x of g) assert(E.communes[x.key] === x.count && x.ids.length === x.count, `${x.key}: ${x.count} != ${E.communes[x.key]}`);
  const m = await measures('vigie:public:render');
  communeMs = m[m.length - 1].toFixed(0);
  assert(m[m.length - 1] < RENDER_MAX_MS, `${communeMs} ms`);
  assert(/group=commune/.test(await page.evaluate(() => location.hash)), 'the grouping is not in the address');
  await page.click('button[data-group-by="nro"]');
  await page.waitForSelector(`${LIST}[data-group="nro"]`, { timeout: 10000 });
});
await check(`the search box: "${E.q}" leaves ${E.q_count} sites, "${E.q2.toUpperCase()}" ${E.q2_count} (whatever the case), as the API's q`, async () => {
  await page.fill('#pub-q', E.q);
  await shown(E.q_count);
  const ids = (await tiles()).map((x) => x.id).sort();
  const viaApi = (await apiGet('/api/v1/public-sites?q=' + encodeURIComponent(E.q))).sites.map((s) => s.id).sort();
  assert(JSON.stringify(ids) === JSON.stringify(viaApi), `${ids.length} shown, API ${viaApi.length}`);
  await page.fill('#pub-q', E.q2.toUpperCase());
  await shown(E.q2_count);
  const viaApi2 = await apiGet('/api/v1/public-sites?q=' + encodeURIComponent(E.q2));
  assert(viaApi2.sites.length === E.q2_count, `API q=${E.q2}: ${viaApi2.sites.length}`);
  await page.fill('#pub-q', '');
  await shown(E.total);
});
await check(`the filters: category ${E.category} ${E.category_count}, contract ${E.contract} ${E.contract_count}, both ${E.both_count}, and "${E.q}" ${E.q_both_count}`, async () => {
  await page.selectOption('select[name=category]', E.category);
  await shown(E.category_count);
  assert((await tiles()).length === E.category_count, 'tiles');
  assert((await apiGet('/api/v1/public-sites?category=' + E.category)).sites.length === E.category_count, 'API category');
  await page.selectOption('select[name=category]', '');
  await page.selectOption('select[name=contract]', E.contract);
  await shown(E.contract_count);
  assert((await apiGet('/api/v1/public-sites?contract=' + E.contract)).sites.length === E.contract_count, 'API contract');
  await page.selectOption('select[name=category]', E.category);
  await shown(E.both_count);
  await page.fill('#pub-q', E.q);
  await shown(E.q_both_count);
  await shot(page, 'public-filtered-fr.png');
});
await check(`the filters live in the address: a reload shows the same ${E.q_both_count} sites, then the state filter "down" ${E.down}`, async () => {
  const hash = await page.evaluate(() => location.hash);
  assert(hash.includes('category=' + E.category) && hash.includes('contract=' + E.contract), hash);
  await page.reload();
  await page.waitForSelector(`${LIST}[data-painted]`, { timeout: 30000 });
  await shown(E.q_both_count);
  assert(await page.$eval('#pub-q', (i) => i.value) === E.q, 'the search box lost its text');
  await page.fill('#pub-q', '');
  await page.selectOption('select[name=category]', '');
  await page.selectOption('select[name=contract]', '');
  await page.selectOption('select[name=state]', 'down');
  await shown(E.down);
  const t = await tiles();
  assert(t.every((x) => x.state === 'down'), 'a tile that is not down');
  await page.selectOption('select[name=state]', '');
  await shown(E.total);
});

const site = await apiGet('/api/v1/public-sites/' + encodeURIComponent(E.site));
await check(`clicking ${E.site} (down alone) opens #/public/${E.site} with its state, addresses and checks`, async () => {
  assert(site.state === 'down' && site.attributed_to === null, `API: ${site.state} ${site.attributed_to}`);
  await page.click(`${LIST} a.pt[data-id="${E.site}"]`);
  await sitePage(E.site);
  assert(await page.evaluate(() => location.hash) === '#/public/' + E.site, 'hash');
  const s = norm(await page.$eval('section.public-site', (e) => e.innerText));
  assert(s.includes('En panne') && !s.includes('à cause de'), s.slice(0, 300));
  for (const a of site.addresses) assert(s.includes(a), `address ${a} missing`);
  assert(s.includes('ping (ICMP)') && s.includes(site.name), s.slice(0, 300));
});
await check('its loss and RTT graphs are drawn (points, or a clear "no data")', async () => {
  await page.waitForFunction(() => {
    const boxes = [...document.querySelectorAll('[data-section=link-graphs] .chart-box')];
    return boxes.length >= 2 && boxes.every((b) => b.querySelector('svg.chart'));
  }, null, { timeout: 20000 });
  const boxes = await page.$$eval('[data-section=link-graphs] .chart-box', (b) => b.map((x) => ({ series: x.dataset.series,
    points: +(x.querySelector('svg.chart').dataset.points || 0), nodata: !!x.querySelector('svg.chart text.nodata') })));
  const metrics = boxes.map((b) => b.series.split('|')[1]);
  assert(metrics.includes('link.loss') && metrics.includes('link.rtt'), metrics.join(' '));
  for (const b of boxes) assert(b.points > 0 || b.nodata, `${b.series}: neither points nor "no data"`);
  assert(boxes.some((b) => b.points > 0), 'no graph has a point');
});
await check(`its incidents of the month: the API's ${(site.incidents || []).length}, the ongoing one "en cours"`, async () => {
  const inc = site.incidents || [];
  assert(inc.length >= 1, 'the API has no incident for a site down');
  const rows = await page.$$eval('[data-section=contract-incidents] tbody tr', (r) => r.map((x) => x.innerText));
  assert(rows.length === inc.length, `${rows.length} rows, API ${inc.length}`);
  if (inc.some((i) => i.restored === null)) assert(rows.some((r) => r.includes('en cours')), rows.join(' / '));
  assert(rows.every((r) => /respectée|dépassée/.test(r)), rows.join(' / '));
  await shot(page, 'public-site-fr.png');
});
await check(`a site behind nro-d (${E.site_nro}) says it is down because of its NRO`, async () => {
  await page.goto(`${URL_}/#/public/${encodeURIComponent(E.site_nro)}`);
  await sitePage(E.site_nro);
  const s = norm(await page.$eval('section.public-site', (e) => e.innerText));
  assert(s.includes('en panne à cause de nro-d'), s.slice(0, 300));
});
await check('the same in English: the site page, then the list, its counts and its filters', async () => {
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.querySelector('section.public-site') &&
    document.querySelector('section.public-site').innerText.includes('down because of nro-d'), null, { timeout: 10000 });
  const s = norm(await page.$eval('section.public-site', (e) => e.innerText));
  for (const w of ['← Public sites', 'Availability this month', 'Addresses checked', 'Link graphs', 'Incidents this month'])
    assert(s.includes(w), `"${w}" not in ${s.slice(0, 300)}`);
  await page.click('a[href="#/public"]');
  await page.waitForSelector(`${LIST}[data-painted]`, { timeout: 30000 });
  const l = norm(await page.$eval('main', (e) => e.innerText));
  for (const w of ['Public sites', `${E.down} down · ${E.down_nro} because of an NRO`, `${E.unknown} unknown`, `${E.up} up`,
    `${E.total} sites shown of ${E.total}`, 'Category', 'Contract', 'by commune'])
    assert(l.includes(w), `"${w}" not in ${l.slice(0, 400)}`);
  await shot(page, 'public-list-en.png');
});
await check('no script error on the pages', () => assert(errors.length === 0, errors.join('; ')));
await browser.close();
