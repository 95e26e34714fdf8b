// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core, against a
// vigie-server fed by the demo estate (tests/integration/browser.sh starts it).
//
//   node dashboard.mjs live|stale
//
// Environment: VIGIE_URL, VIGIE_TOKEN (an API token), ARTIFACTS (folder for the screenshots),
// CHROMIUM (default /usr/bin/chromium), MODULES (the node_modules holding playwright-core; default
// the one beside this file). Prints one line per check, "PASS|what" or
// "FAIL|what|why", and "# ..." comments; browser.sh turns them into TAP.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { signIn } from './signin.mjs';

const phase = process.argv[2] || 'live';
const URL_ = process.env.VIGIE_URL;
const TOKEN = process.env.VIGIE_TOKEN;
const ART = process.env.ARTIFACTS || '.';
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const MODULES = process.env.MODULES || path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules');
const { chromium } = await import(pathToFileURL(path.join(MODULES, 'playwright-core', 'index.mjs')).href);

function result(ok, what, why) {
  const clean = (s) => String(s).replace(/[|\n\r]+/g, ' ').slice(0, 400);
  console.log(ok ? `PASS|${clean(what)}` : `FAIL|${clean(what)}|${clean(why || '')}`);
}
async function check(what, fn) {
  try {
    const r = await fn();
    if (r === false) result(false, what, 'condition false');
    else result(true, what);
  } catch (e) {
    result(false, what, e && e.message ? e.message : e);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function apiGet(p) {
  const res = await fetch(URL_ + p, { headers: { Authorization: 'Bearer ' + TOKEN } });
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
  return res.json();
}

// The availability as the dashboard writes it in French: 3 decimals, never rounded up.
const pctFr = (v) => new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 3, maximumFractionDigits: 3 })
  .format(Math.floor(v * 1000 + 1e-9) / 1000) + '\u00a0%';
const norm = (s) => s.replace(/[\u202f\u00a0]/g, ' ');

async function shot(page, name) {
  const file = path.join(ART, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`# screenshot ${file}`);
  return file;
}

const browser = await chromium.launch({
  executablePath: EXE,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
}).catch((e) => {
  result(false, 'headless Chromium starts', e.message);
  process.exit(1);
});
result(true, 'headless Chromium starts');

const problems = [];
async function newPage(viewport) {
  const ctx = await browser.newContext({ viewport: viewport || { width: 1366, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url()));
  return { ctx, page };
}

try {
  if (phase === 'live') await live();
  else await stale();
} catch (e) {
  result(false, 'the browser run ends normally', e && e.message ? e.message : e);
} finally {
  await browser.close();
}

async function live() {
  const sites = await apiGet('/api/v1/sites');
  const devices = await apiGet('/api/v1/devices');
  const { page, ctx } = await newPage();

  await check('the dashboard loads from / once the token is typed into its form, and shows one tile per site', async () => {
    await signIn(page, URL_, TOKEN, '/#/');
    await page.locator('.tile').first().waitFor({ timeout: 15000 });
    const n = await page.locator('.tile').count();
    assert(n === sites.sites.length, `${n} tiles for ${sites.sites.length} sites`);
  });
  await check('the token is neither in the address bar nor in localStorage (a session cookie instead)', async () => {
    assert(!page.url().includes(TOKEN), 'URL holds the token: ' + page.url());
    const kept = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    assert(!kept.includes(TOKEN), 'localStorage holds ' + kept);
  });
  for (const s of sites.sites) {
    await check(`tile ${s.site}: state ${s.state} and availability ${s.figures.availability} as /api/v1/sites says`, async () => {
      const tile = page.locator(`.tile[data-site="${s.site}"]`);
      assert(await tile.count() === 1, 'no tile');
      const state = await tile.getAttribute('data-state');
      assert(state === s.state, `tile state ${state}, API ${s.state}`);
      assert(await tile.evaluate((el, st) => el.classList.contains('state-' + st), s.state), 'tile not coloured by its state');
      const text = norm(await tile.locator('.avail-value').innerText());
      const want = s.figures.availability === null ? '—' : norm(pctFr(s.figures.availability));
      assert(text === want, `shows "${text}", expected "${want}"`);
      const name = await tile.locator('.tile-name').innerText();
      assert(name === s.name, `name "${name}"`);
    });
  }
  await check('each tile has its error budget bar, "X left of Y" against 99.982 %', async () => {
    const texts = await page.locator('.tile .budget-text').allInnerTexts();
    assert(texts.length === sites.sites.length, `${texts.length} budget texts`);
    for (const t of texts) assert(/restantes sur \d+ min \d+ s$/.test(norm(t)), `budget text "${t}"`);
    // a month monitored less than the site's min_coverage has no verdict and says so instead of the target
    const targets = await page.locator('.tile .avail-target').allInnerTexts();
    const names = await page.locator('.tile .tile-name').allInnerTexts();
    for (let i = 0; i < targets.length; i++) {
      const s = sites.sites.find((x) => x.name === names[i]);
      const target = norm(targets[i]);
      if (s.figures.verdict === 'insufficient_data')
        assert(target.startsWith('données insuffisantes') && target.includes(`${s.min_coverage} % requis`), `${s.id}: target "${target}"`);
      else
        assert(target.includes(norm(pctFr(s.target))), `${s.id}: target "${target}", expected ${s.target} %`);
    }
  });
  await check('tiles come worst first (down, unknown, then lowest availability)', async () => {
    const order = await page.locator('.tile').evaluateAll((els) => els.map((e) => [e.dataset.state, parseFloat(e.querySelector('.avail-value').dataset.value || '101')]));
    const rank = { down: 0, unknown: 1, up: 2 };
    for (let i = 1; i < order.length; i++) {
      const a = order[i - 1], b = order[i];
      assert(rank[a[0]] < rank[b[0]] || (rank[a[0]] === rank[b[0]] && a[1] <= b[1]), 'order ' + JSON.stringify(order));
    }
  });
  await check('each tile counts its firing alerts as /api/v1/alerts says (0 without alerting)', async () => {
    const res = await fetch(URL_ + '/api/v1/alerts?state=firing', { headers: { Authorization: 'Bearer ' + TOKEN } });
    const alerts = res.status === 404 ? null : await res.json();
    for (const s of sites.sites) {
      const el = page.locator(`.tile[data-site="${s.site}"] .alerts-count`);
      const text = await el.innerText();
      if (!alerts) {
        assert(/^0 · alerting non activé$/.test(text), `${s.site}: "${text}"`);
        continue;
      }
      const want = alerts.alerts.filter((a) => a.site === s.site && a.state === 'firing').length;
      const got = parseInt(await el.getAttribute('data-count'), 10);
      // alerts may fire or resolve between the two reads: allow the page's own refresh to catch up
      assert(got === want || Math.abs(got - want) <= 1, `${s.site}: ${got} shown, ${want} firing`);
      assert(want === 0 ? /aucune alerte/.test(text) : new RegExp('^' + got + ' alertes? en cours$').test(text), `${s.site}: "${text}"`);
    }
  });
  await shot(page, 'overview-desktop.png');

  // Into a site: Péronne, whose cooling unit is in warning.
  const peronneDevs = devices.devices.filter((d) => d.site === 'peronne');
  const peronneSvc = devices.services.filter((d) => d.site === 'peronne');
  await check('a click on the Péronne tile opens its page', async () => {
    await page.locator('.tile[data-site="peronne"]').click();
    await page.locator('section.site[data-site="peronne"] h1').waitFor({ timeout: 10000 });
    assert(page.url().endsWith('#/site/peronne'), page.url());
    const h1 = await page.locator('section.site h1').innerText();
    assert(h1 === 'NRO Péronne', `heading "${h1}"`);
  });
  await check('the site page lists its services with their state from the API', async () => {
    for (const s of peronneSvc) {
      const el = page.locator(`.service[data-service="${s.name}"]`);
      assert(await el.count() === 1, `no service ${s.name}`);
      assert(await el.getAttribute('data-state') === s.state, `service ${s.name} state`);
    }
  });
  await check('the site page shows each device with its health (the cooling unit degraded)', async () => {
    const cards = await page.locator('.device').evaluateAll((els) => els.map((e) => [e.dataset.device, e.dataset.health]));
    assert(cards.length === peronneDevs.length, `${cards.length} cards for ${peronneDevs.length} devices`);
    const clim = cards.find((c) => c[0] === 'clim');
    assert(clim && clim[1] === 'degraded', 'clim card: ' + JSON.stringify(clim));
  });
  await check('device cards show key values: UPS status, battery charge and runtime; door; PON levels', async () => {
    const ups = norm(await page.locator('.device[data-device="ups"] .kv').first().innerText());
    assert(/État\s+OL/.test(ups) && /Charge batterie\s+100 %/.test(ups) && /Autonomie\s+\d+ min \d+ s/.test(ups), 'UPS card: ' + ups);
    const env = norm(await page.locator('.device[data-device="env"] .kv').first().innerText());
    assert(/Porte\s+fermée/.test(env) && /Température\s+\d/.test(env), 'env card: ' + env);
    const olt = norm(await page.locator('.device[data-device="olt"] .kv').first().innerText());
    assert(/Réception ONT.*dBm/.test(olt), 'OLT card: ' + olt);
  });
  await check('a 24 h graph is drawn from /api/v1/series', async () => {
    await page.locator('svg.chart').first().waitFor({ timeout: 15000 });
    const pts = await page.locator('svg.chart').first().getAttribute('data-points');
    assert(parseInt(pts, 10) > 0, `data-points ${pts}`);
  });
  await check('a click on a device value plots that series', async () => {
    await page.locator('.device[data-device="ups"] tr.graphable').filter({ hasText: 'Charge batterie' }).first().click();
    await page.waitForFunction(() => (document.querySelector('.chart-box') || {}).dataset?.series === 'ups|battery.charge|', null, { timeout: 10000 });
  });
  await check('the 7-day range redraws the graphs', async () => {
    await page.locator('button[data-range="week"]').click();
    await page.locator('button[data-range="week"].on').waitFor({ timeout: 5000 });
    await page.locator('svg.chart').first().waitFor({ timeout: 10000 });
  });
  await page.locator('button[data-range="day"]').click();
  await page.locator('svg.chart').first().waitFor({ timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(300);
  await shot(page, 'site-peronne-desktop.png');

  await check('the Italie page shows its eight devices, PDU currents and cooling temperatures', async () => {
    await page.goto(URL_ + '/#/site/italie');
    await page.locator('section.site[data-site="italie"] .device').first().waitFor({ timeout: 10000 });
    const n = await page.locator('.device').count();
    assert(n === 8, `${n} devices`);
    const pdu = norm(await page.locator('.device[data-device="pdu-a"] .kv').first().innerText());
    assert(/Courant d’entrée\s+[\d,]+ A/.test(pdu), 'PDU card: ' + pdu);
    const clim = norm(await page.locator('.device[data-device="clim-1"] .kv').first().innerText());
    assert(/Air soufflé\s+[\d,]+ °C/.test(clim) && /État\s+marche/.test(clim), 'cooling card: ' + clim);
  });
  await page.locator('svg.chart').first().waitFor({ timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(300);
  await shot(page, 'site-italie-desktop.png');

  await check('English labels with the language toggle, French again after', async () => {
    await page.locator('#lang-toggle').click();
    await page.locator('h2', { hasText: 'Devices' }).waitFor({ timeout: 5000 });
    assert(await page.locator('html').getAttribute('lang') === 'en', 'lang attribute');
    await shot(page, 'site-italie-en.png');
    await page.locator('#lang-toggle').click();
    await page.locator('h2', { hasText: 'Équipements' }).waitFor({ timeout: 5000 });
  });

  await check('the incidents page lists the month\'s state changes', async () => {
    await page.goto(URL_ + '/#/incidents');
    await page.locator('h1', { hasText: 'Incidents' }).waitFor({ timeout: 10000 });
    await page.locator('table.events tbody tr').first().waitFor({ timeout: 10000 });
    const rows = await page.locator('table.events tbody tr').count();
    assert(rows > 0, 'no event rows');
  });
  await shot(page, 'incidents.png');

  await check('the alerts page lists alerts, or says alerting is not enabled', async () => {
    await page.goto(URL_ + '/#/alerts');
    await page.locator('h1', { hasText: 'Alertes' }).waitFor({ timeout: 10000 });
    const res = await fetch(URL_ + '/api/v1/alerts', { headers: { Authorization: 'Bearer ' + TOKEN } });
    if (res.status === 404) await page.locator('[data-alerting="off"]', { hasText: 'Alerting non activé' }).waitFor({ timeout: 5000 });
    else await page.locator('table.alerts, .empty').first().waitFor({ timeout: 5000 });
  });
  await shot(page, 'alerts.png');
  await check('"Acquitter" acknowledges a firing alert through POST /api/v1/alerts/ID/ack', async () => {
    const res = await fetch(URL_ + '/api/v1/alerts?state=firing', { headers: { Authorization: 'Bearer ' + TOKEN } });
    assert(res.status === 200, 'GET /api/v1/alerts answered ' + res.status);
    const firing = (await res.json()).alerts;
    /* the demo's Péronne cooling unit is in warning: there is always an alert to acknowledge */
    assert(firing.length > 0, 'no alert firing in the demo estate (the Péronne cooling unit should be one)');
    const id = String(firing[0].id);
    page.once('dialog', (d) => d.accept('seen by the browser test'));
    await page.locator(`tr[data-alert="${id}"] button`, { hasText: 'Acquitter' }).click();
    await page.locator('p.panel', { hasText: 'C’est fait.' }).waitFor({ timeout: 10000 });
    const after = await apiGet('/api/v1/alerts?state=acknowledged');
    const a = after.alerts.find((x) => String(x.id) === id);
    assert(a && a.ack_comment === 'seen by the browser test', 'alert not acknowledged: ' + JSON.stringify(a));
  });
  await ctx.close();

  // A phone.
  const phone = await newPage({ width: 390, height: 844 });
  await check('on a phone (390 px) the overview and a site page fit the screen width', async () => {
    await signIn(phone.page, URL_, TOKEN, '/#/');
    await phone.page.locator('.tile').first().waitFor({ timeout: 15000 });
    let w = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert(w <= 390, `overview is ${w} px wide`);
    await shot(phone.page, 'overview-phone.png');
    await phone.page.goto(URL_ + '/#/site/doullens');
    await phone.page.locator('svg.chart').first().waitFor({ timeout: 15000 });
    await phone.page.waitForTimeout(300);
    w = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert(w <= 390, `site page is ${w} px wide`);
    await shot(phone.page, 'site-doullens-phone.png');
  });
  await phone.ctx.close();

  // A token the server does not know.
  const bad = await newPage();
  await check('a wrong token brings the token form back with a message', async () => {
    await signIn(bad.page, URL_, 'not-a-valid-token-0000', '/#/');
    await bad.page.locator('.login .error-text').waitFor({ timeout: 10000 });
    const kept = await bad.page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    assert(!kept.includes('not-a-valid-token'), 'the wrong token was kept');
    await shot(bad.page, 'login.png');
    await bad.page.locator('#token').fill(TOKEN);
    await bad.page.locator('.login button[type=submit]').click();
    await bad.page.locator('.tile').first().waitFor({ timeout: 10000 });
  });
  await bad.ctx.close();

  // 401s are expected from the wrong-token check; nothing else may go wrong.
  await check('no script error, CSP violation or failed request', async () => {
    const real = problems.filter((p) => !/401 \(Unauthorized\)/.test(p));
    assert(real.length === 0, real.join('; '));
  });
}

async function stale() {
  const { page } = await newPage();
  await check('with the agents stopped, the overview says plainly that data is stale', async () => {
    await signIn(page, URL_, TOKEN, '/#/');
    await page.locator('#banner.stale').waitFor({ timeout: 15000 });
    const text = norm(await page.locator('#banner').innerText());
    assert(/Données anciennes/.test(text) && /Data center Italie/.test(text), 'banner: ' + text);
    const staleTiles = await page.locator('.tile .tile-foot .stale').count();
    assert(staleTiles === 3, `${staleTiles} tiles say stale`);
  });
  await shot(page, 'overview-stale.png');
  await check('device cards of a silent site are marked stale', async () => {
    await page.goto(URL_ + '/#/site/doullens');
    await page.locator('.device').first().waitFor({ timeout: 10000 });
    const badges = await page.locator('.device .badge').allInnerTexts();
    assert(badges.length > 0 && badges.every((b) => /Données anciennes/.test(b)), 'badges: ' + badges.join(', '));
  });
  await shot(page, 'site-doullens-stale.png');
  await check('no script error, CSP violation or failed request (stale phase)', async () => {
    assert(problems.length === 0, problems.join('; '));
  });
}
