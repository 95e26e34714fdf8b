// How the browser tests open the dashboard: as a person does (issue 20), by typing the token once into
// the login form, never with the token in the address. `address` is what follows the server's URL
// ("/#/site/x", "/?lang=fr#/public"); the page is at that route once the form is sent.
export async function signIn(page, base, token, address) {
  await page.goto(base + (address || '/#/'));
  const input = page.locator('.login #token');
  await input.waitFor({ timeout: 15000 });
  await input.fill(token);
  await page.locator('.login button[type=submit]').click();
  await input.waitFor({ state: 'detached', timeout: 15000 }).catch(() => {}); /* a wrong token keeps the form */
}
