/* vigie dashboard: the UPS self-tests of a site (GET /api/v1/selftests), a section of the site's page
 * added through window.vigie (app.js): per UPS its last test and result, its last pass and that pass's
 * age in days, a test running now and the level of its "selftest" alert; then this month's tests. */
'use strict';

(() => {
  const V = window.vigie;
  if (!V) return;
  V.addWords({
    fr: {
      'st.title': 'Autotests des onduleurs', 'st.ups': 'Onduleur', 'st.last': 'Dernier test', 'st.result': 'Résultat',
      'st.passed': 'Dernier succès', 'st.age': 'Âge du succès', 'st.now': 'En cours', 'st.alert': 'Alerte',
      'st.days': '{n}\u00a0j', 'st.month': 'Tests du mois', 'st.none': 'Aucun test ce mois-ci.',
      'st.kind.self-test': 'autotest', 'st.kind.calibration': 'calibration', 'st.duration': 'Durée',
      'st.r.passed': 'réussi', 'st.r.failed': 'échoué', 'st.r.warning': 'réussi avec réserves', 'st.r.aborted': 'interrompu',
      'st.r.in_progress': 'en cours', 'st.r.none': 'aucun', 'st.r.unknown': 'inconnu',
      'st.max': 'alerte au-delà de {n} jours sans succès',
    },
    en: {
      'st.title': 'UPS self-tests', 'st.ups': 'UPS', 'st.last': 'Last test', 'st.result': 'Result',
      'st.passed': 'Last pass', 'st.age': 'Age of the pass', 'st.now': 'Running', 'st.alert': 'Alert',
      'st.days': '{n}\u00a0d', 'st.month': 'Tests this month', 'st.none': 'No test this month.',
      'st.kind.self-test': 'self-test', 'st.kind.calibration': 'calibration', 'st.duration': 'Duration',
      'st.r.passed': 'passed', 'st.r.failed': 'failed', 'st.r.warning': 'passed with warnings', 'st.r.aborted': 'aborted',
      'st.r.in_progress': 'in progress', 'st.r.none': 'none', 'st.r.unknown': 'unknown',
      'st.max': 'alert past {n} days without a pass',
    },
  });
  const { h, t } = V;
  const badgeOf = { passed: 'ok', warning: 'degraded', failed: 'down', aborted: 'degraded', in_progress: 'unknown' };

  /* When a test was: its start, else the UPS's date, else what it is dated by. */
  function when(x, tz) {
    if (!x) return '—';
    if (x.start) return V.fmtTime(x.start, tz);
    if (x.date) return x.date;
    return x.at ? V.fmtTime(x.at, tz) : '—';
  }
  const result = (r) => t('st.r.' + r) === 'st.r.' + r ? r : t('st.r.' + r);

  function upsRow(u, tz) {
    const last = u.last;
    const level = (u.alert && u.alert.level) || 'ok';
    return h('tr', { dataset: { ups: u.device, alert: level } },
      h('td', { text: u.device }),
      h('td', { text: when(last, tz) }),
      h('td', {}, last ? V.badge(badgeOf[last.result] || 'unknown', result(last.result)) : '—'),
      h('td', { text: u.last_passed ? (u.last_passed.date || when(u.last_passed, tz)) : '—' }),
      h('td', { class: 'num', text: u.age_days === null || u.age_days === undefined ? '—' : t('st.days', { n: u.age_days }) }),
      h('td', { text: u.in_progress ? t('st.kind.' + u.in_progress_kind) : '—' }),
      h('td', { class: 'hide-narrow', title: (u.alert && u.alert.why) || '' },
        level === 'ok' ? '—' : V.badge(level === 'critical' ? 'down' : 'degraded', (u.alert && u.alert.why) || level)));
  }

  function render(d, siteDoc) {
    const site = d && d.sites && d.sites[0];
    if (!site || !site.ups || !site.ups.length) return null;
    const tz = site.timezone || (siteDoc && siteDoc.timezone);
    const head = h('tr', {}, ...['st.ups', 'st.last', 'st.result', 'st.passed', 'st.age', 'st.now', 'st.alert']
      .map((k, i) => h('th', { class: (i === 4 ? 'num' : '') + (i === 6 ? ' hide-narrow' : ''), text: t(k) })));
    const body = h('tbody', {}, site.ups.map((u) => upsRow(u, tz)));
    const tests = [];
    for (const u of site.ups) for (const x of u.tests || []) tests.push(Object.assign({ device: u.device }, x));
    tests.sort((a, b) => (a.at || 0) - (b.at || 0));
    const list = tests.length
      ? h('table', { class: 'list' }, h('tbody', {}, tests.map((x) => h('tr', {},
        h('td', { text: when(x, tz) }), h('td', { text: x.device }), h('td', { text: t('st.kind.' + x.kind) }),
        h('td', {}, V.badge(badgeOf[x.result] || 'unknown', result(x.result))),
        h('td', { class: 'num', text: x.duration === null || x.duration === undefined ? '—' : V.fmtDuration(x.duration) })))))
      : h('div', { class: 'muted small', text: t('st.none') });
    return h('section', { class: 'selftests', dataset: { section: 'selftests' } },
      h('h2', { text: t('st.title') }),
      h('div', { class: 'panel table-wrap' }, h('table', { class: 'list' }, h('thead', {}, head), body)),
      d.max_age_days ? h('p', { class: 'muted small', text: t('st.max', { n: d.max_age_days }) }) : null,
      h('h3', { text: t('st.month') }), h('div', { class: 'panel table-wrap' }, list));
  }

  V.siteSections.push({
    id: 'selftests',
    load: (site) => V.api('/api/v1/selftests?' + V.q({ site })),
    render,
  });
})();
