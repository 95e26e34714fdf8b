// The dashboard's login in Debian's headless Chromium (tests/integration/browser_login.sh starts the
// server): a person limited to the NRO shelters (server.yaml api_tokens, scope kind:nro, role read)
// types their token once and sees only their sites; the token never enters the address, the session
// cookie is HttpOnly and SameSite=Strict, nothing secret is kept in the page's storage; an action sent
// without the session's CSRF token is refused (403) and the same with it is done; logout ends the
// session on the server; a one-time login link opens a session once and leaves the address at once.
//
//   node login.mjs     environment: VIGIE_URL, DELEG_TOKEN (scoped, read), OPS_TOKEN (operator),
//                      EXPECT_SITES (the scoped person's site ids, comma-separated), CHROMIUM, MODULES,
//                      ARTIFACTS
// Prints "PASS|what" or "FAIL|what|why" per check and "# ..." comments; browser_login.sh makes TAP.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const URL_ = process.env.VIGIE_URL;
const DELEG = process.env.DELEG_TOKEN;
const OPS = process.env.OPS_TOKEN;
const WANT = (process.env.EXPECT_SITES || '').split(',').filter(Boolean).sort();
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
const problems = [];
const addresses = []; /* every address a page of the test was at */
async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/40[13]|429/.test(m.text())) problems.push('console: ' + m.text()); });
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) addresses.push(f.url()); });
  return { ctx, page };
}
/* the page's own fetch, with or without the CSRF token of its session */
const pageFetch = (page, p, method, body, withCsrf) => page.evaluate(async ({ p, method, body, withCsrf }) => {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (withCsrf) {
    const s = await (await fetch('/api/v1/session', { credentials: 'same-origin' })).json();
    headers['X-CSRF-Token'] = s.session.csrf;
  }
  const res = await fetch(p, { method, headers, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin' });
  return { status: res.status, body: await res.text() };
}, { p, method, body, withCsrf });
async function typeToken(page, token) {
  await page.locator('#token').waitFor({ timeout: 15000 });
  await page.locator('#token').fill(token);
  await page.locator('.login button[type=submit]').click();
}

try {
  const { ctx, page } = await newPage();
  await check('without a session the dashboard shows the login form, and no error', async () => {
    await page.goto(URL_ + '/#/');
    await page.locator('.login #token').waitFor({ timeout: 15000 });
    assert((await page.locator('#logout').isHidden()), 'the logout button shows without a session');
  });
  await shot(page, 'login-form.png');

  await check('a wrong token is refused with a message, and is not kept', async () => {
    await typeToken(page, 'not-a-token-of-this-server');
    await page.locator('.login .error-text').waitFor({ timeout: 10000 });
    const text = await page.locator('.login .error-text').innerText();
    assert(/n’accepte pas ce jeton/.test(text), 'message: ' + text);
  });

  let tilesSeen = [];
  await check(`the scoped person types their token once and sees only their ${WANT.length} sites (${WANT.join(', ')})`, async () => {
    await typeToken(page, DELEG);
    await page.locator('.tile').first().waitFor({ timeout: 15000 });
    const api = await pageFetch(page, '/api/v1/sites', 'GET');
    assert(api.status === 200, '/api/v1/sites from the page: ' + api.status);
    const ids = JSON.parse(api.body).sites.map((s) => s.site).sort();
    tilesSeen = await page.locator('.tile').count();
    assert(JSON.stringify(ids) === JSON.stringify(WANT), `the session's /api/v1/sites lists ${ids.join(', ')}`);
    assert(tilesSeen === WANT.length, `${tilesSeen} tiles`);
  });
  await shot(page, 'login-scoped-overview.png');

  await check('the address never held the token, nor a session secret', async () => {
    assert(addresses.length > 0, 'no address recorded');
    for (const a of addresses.concat([page.url()])) assert(!a.includes(DELEG) && !/vg[st]_/.test(a) && !/token=/.test(a), 'address: ' + a);
  });
  await check('the session cookie is HttpOnly and SameSite=Strict: document.cookie does not show it', async () => {
    const dc = await page.evaluate(() => document.cookie);
    assert(!dc.includes('vigie_session'), 'document.cookie: ' + dc);
    const c = (await ctx.cookies()).find((x) => x.name === 'vigie_session');
    assert(c, 'no vigie_session cookie in the browser');
    assert(c.httpOnly && c.sameSite === 'Strict' && c.path === '/' && /^vgs_[0-9a-f]{64}$/.test(c.value), JSON.stringify({ ...c, value: '…' }));
    assert(c.expires > Date.now() / 1000 + 11 * 3600, 'expires ' + c.expires);
  });
  await check('no token nor session secret in localStorage or sessionStorage', async () => {
    const kept = await page.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]));
    assert(!kept.includes(DELEG) && !/vg[stl]_/.test(kept) && !kept.includes('vigie.token'), 'storage: ' + kept);
  });
  await check('a reload keeps the session (GET /api/v1/session), without the form', async () => {
    await page.reload();
    await page.locator('.tile').first().waitFor({ timeout: 15000 });
    assert(await page.locator('.login').count() === 0, 'the login form came back');
    const who = await pageFetch(page, '/api/v1/whoami', 'GET');
    assert(who.status === 200 && /"name":"deleg"/.test(who.body) && /"via":"session"/.test(who.body), who.body);
  });
  const cookie = (await ctx.cookies()).find((x) => x.name === 'vigie_session');
  await check('logout ends the session: the form is back and the old cookie opens nothing any more', async () => {
    await page.locator('#logout').click();
    await page.locator('.login #token').waitFor({ timeout: 10000 });
    assert(!(await ctx.cookies()).some((x) => x.name === 'vigie_session'), 'the cookie stayed in the browser');
    const res = await fetch(URL_ + '/api/v1/sites', { headers: { Cookie: 'vigie_session=' + (cookie && cookie.value) } });
    assert(res.status === 401, 'the old cookie still gives ' + res.status);
  });
  await ctx.close();

  // An operator's action from the page: refused without the CSRF token, done with it.
  const op = await newPage();
  await check('an action fetched from the page WITHOUT the CSRF header is refused (403 X-CSRF-Token); with it, done', async () => {
    await op.page.goto(URL_ + '/#/');
    await typeToken(op.page, OPS);
    await op.page.locator('.tile').first().waitFor({ timeout: 15000 });
    const now = Math.floor(Date.now() / 1000);
    const body = { site: WANT[0], start: now + 86400, end: now + 90000, reason: 'browser test' };
    const without = await pageFetch(op.page, '/api/v1/maintenance', 'POST', body, false);
    assert(without.status === 403 && /X-CSRF-Token/.test(without.body), `without: ${without.status} ${without.body}`);
    const withIt = await pageFetch(op.page, '/api/v1/maintenance', 'POST', body, true);
    assert(withIt.status === 201 || withIt.status === 200, `with: ${withIt.status} ${withIt.body}`);
  });
  await check('a login sent from another origin is refused', async () => {
    const res = await fetch(URL_ + '/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' }, body: JSON.stringify({ token: OPS }) });
    assert(res.status === 403, 'status ' + res.status);
  });
  await op.ctx.close();

  // A one-time login link, asked with the person's token (as `vigie login-link` does).
  let link = null;
  await check('POST /api/v1/login-links gives an address whose secret is after #', async () => {
    const res = await fetch(URL_ + '/api/v1/login-links', { method: 'POST', headers: { Authorization: 'Bearer ' + DELEG } });
    assert(res.status === 201, 'status ' + res.status);
    link = (await res.json()).url;
    assert(/^http:\/\/127\.0\.0\.1:\d+\/#login=vgl_[0-9a-f]{64}$/.test(link), 'url: ' + link);
  });
  const l1 = await newPage();
  await check('the login link opens the session of the scoped person, and leaves the address at once', async () => {
    const before = addresses.length;
    await l1.page.goto(link);
    await l1.page.locator('.tile').first().waitFor({ timeout: 15000 });
    assert(!l1.page.url().includes('login='), 'address: ' + l1.page.url());
    assert(await l1.page.locator('.tile').count() === WANT.length, 'tiles');
    assert(addresses.slice(before).every((a) => !a.includes('vgl_') || a === link), addresses.slice(before).join(' '));
  });
  await l1.ctx.close();
  const l2 = await newPage();
  await check('the same link a second time opens nothing: the form says why', async () => {
    await l2.page.goto(link);
    await l2.page.locator('.login .error-text').waitFor({ timeout: 10000 });
    const text = await l2.page.locator('.login .error-text').innerText();
    assert(/lien de connexion/.test(text), 'message: ' + text);
    assert(!l2.page.url().includes('login='), 'address: ' + l2.page.url());
  });
  await shot(l2.page, 'login-link-used.png');
  await check('an old bookmark with ?token= is not used and leaves the address', async () => {
    await l2.page.goto(URL_ + '/?token=' + encodeURIComponent(DELEG) + '#/');
    await l2.page.locator('.login .error-text').waitFor({ timeout: 10000 });
    assert(!l2.page.url().includes('token='), 'address: ' + l2.page.url());
    assert(!(await l2.ctx.cookies()).some((x) => x.name === 'vigie_session'), 'a session was opened');
  });
  await l2.ctx.close();

  await check('no script error, CSP violation or failed request', async () => {
    assert(problems.length === 0, problems.join('; '));
  });
} finally {
  await browser.close();
}
