/* vigie dashboard: who is on call (GET /api/v1/oncall), a line in the header added through
 * window.vigie (app.js): each rotation's person on call and until when, refreshed every minute while
 * someone is logged in (the logout button shows), in the dashboard's language. */
'use strict';

(() => {
  const V = window.vigie;
  if (!V) return;
  V.addWords({
    fr: { 'oc.label': 'Astreinte\u00a0:', 'oc.until': 'jusqu\u2019au {t}', 'oc.nobody': 'personne', 'oc.override': 'remplacement' },
    en: { 'oc.label': 'On call:', 'oc.until': 'until {t}', 'oc.nobody': 'nobody', 'oc.override': 'override' },
  });
  const { h, t } = V;
  let last = null;

  function show(el) {
    el.textContent = '';
    const rots = (last && last.rotations) || [];
    el.hidden = rots.length === 0;
    if (!rots.length) return;
    el.append(h('span', { class: 'oncall-label', text: t('oc.label') + ' ' }));
    rots.forEach((r, i) => {
      const until = r.until ? ' (' + t('oc.until', { t: V.fmtTime(r.until, r.timezone, true) }) + ')' : '';
      const title = r.override ? t('oc.override') + ' #' + r.override.id + (r.override.reason ? ': ' + r.override.reason : '') : '';
      el.append(h('span', { class: 'oncall-who', dataset: { rotation: r.rotation }, title },
        (i ? ' · ' : '') + r.rotation + ' ', h('strong', { text: r.on_call || t('oc.nobody') }), until));
    });
  }

  async function load(el) {
    const logout = document.getElementById('logout');
    if (!logout || logout.hidden) { el.hidden = true; return; } /* nobody logged in: no 401 to draw */
    try {
      last = await V.api('/api/v1/oncall');
    } catch (e) {
      last = null; /* a server without rotations answers an empty list; any failure hides the line */
    }
    show(el);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const tools = document.querySelector('header .tools');
    if (!tools) return;
    const el = h('span', { id: 'oncall-now', class: 'oncall', hidden: true, 'aria-live': 'polite' });
    tools.prepend(el);
    const toggle = document.getElementById('lang-toggle');
    if (toggle) toggle.addEventListener('click', () => show(el));
    /* the logout button shows once someone logs in: ask then, rather than at the next minute */
    const logout = document.getElementById('logout');
    if (logout) new MutationObserver(() => load(el)).observe(logout, { attributes: true, attributeFilter: ['hidden'] });
    setTimeout(() => load(el), 1500);
    setInterval(() => load(el), 60000);
  });
})();
