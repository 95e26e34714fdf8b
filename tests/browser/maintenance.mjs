// The site page's maintenance table in a real browser (tests/integration/maintenance.sh starts the
// server and declares the windows): each occurrence of a series with its rule in words, in French and
// in English, a moved one and a cancelled one marked.
//
//   node maintenance.mjs SITE MOVED_OCC CANCELLED_OCC
//
// Environment: VIGIE_URL, VIGIE_TOKEN, CHROMIUM, MODULES as for dashboard.mjs. Prints "PASS|what" or
// "FAIL|what|why" per check.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { signIn } from './signin.mjs';

const [site, moved, cancelled] = process.argv.slice(2);
const URL_ = process.env.VIGIE_URL;
const TOKEN = process.env.VIGIE_TOKEN;
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const MODULES = process.env.MODULES || path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules');
const { chromium } = await import(pathToFileURL(path.join(MODULES, 'playwright-core', 'index.mjs')).href);

const clean = (s) => String(s).replace(/[|\n\r]+/g, ' ').slice(0, 400);
async function check(what, fn) {
  try {
    await fn();
    console.log(`PASS|${clean(what)}`);
  } catch (e) {
    console.log(`FAIL|${clean(what)}|${clean(e && e.message ? e.message : e)}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const browser = await chromium.launch({
  executablePath: EXE, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
});
const problems = [];
try {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  /* console errors are shown, not counted: other sections of the page (other files of web/) log theirs */
  page.on('console', (m) => { if (m.type() === 'error') console.log('# console: ' + clean(m.text())); });
  await signIn(page, URL_, TOKEN, '/#/site/' + encodeURIComponent(site));
  const table = page.locator('[data-section="maintenance"] table');
  const row = (occ) => table.locator(`tr[data-occurrence="${occ}"]`);
  await check('the site page lists the month\'s maintenance windows with a recurrence column', async () => {
    await table.waitFor({ timeout: 15000 });
    const heads = await table.locator('th').allInnerTexts();
    assert(heads.map((x) => x.toLowerCase()).includes('récurrence'), 'headers ' + heads.join(', '));
  });
  await check('the moved occurrence shows its rule in words and the mark "déplacée"', async () => {
    const text = await row(moved).innerText();
    assert(text.includes('le 1er mardi de chaque mois') && text.includes('déplacée'), text);
  });
  await check('the cancelled occurrence is marked "annulée" and struck through', async () => {
    const r = row(cancelled);
    const text = await r.innerText();
    assert(text.includes('chaque mercredi') && text.includes('annulée'), text);
    const deco = await r.locator('td').first().evaluate((el) => getComputedStyle(el).textDecorationLine);
    assert(deco === 'line-through', 'text-decoration ' + deco);
  });
  await check('in English the rule reads "the first Tuesday of every month", the mark "moved"', async () => {
    await page.click('#lang-toggle');
    await page.waitForFunction((occ) => {
      const r = document.querySelector(`[data-section="maintenance"] tr[data-occurrence="${occ}"]`);
      return r && r.innerText.includes('the first Tuesday of every month') && r.innerText.includes('moved');
    }, moved, { timeout: 10000 });
  });
  await check('no uncaught script error on the page', async () => { assert(problems.length === 0, problems.join('; ')); });
} finally {
  await browser.close();
}
