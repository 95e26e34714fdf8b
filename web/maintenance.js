/* vigie dashboard: the month's maintenance windows of a site (GET /api/v1/maintenance), shown by
 * app.js where its own table was (window.vigie.maintenance): each occurrence of a recurring series
 * with its rule in words (the server's, in the page's language), moved and cancelled occurrences
 * marked; a cancelled one is struck through, as it counts nowhere. */
'use strict';

(() => {
  const V = window.vigie;
  if (!V) return;
  V.addWords({
    fr: {
      'mt.start': 'Début', 'mt.end': 'Fin', 'mt.service': 'Service', 'mt.rule': 'Récurrence', 'mt.reason': 'Motif',
      'mt.who': 'Déclarée par', 'mt.once': 'ponctuelle', 'mt.moved': 'déplacée', 'mt.cancelled': 'annulée',
      'mt.site': 'tout le site', 'mt.truncated': 'Une série compte plus d’occurrences que la liste n’en montre.',
    },
    en: {
      'mt.start': 'Start', 'mt.end': 'End', 'mt.service': 'Service', 'mt.rule': 'Recurrence', 'mt.reason': 'Reason',
      'mt.who': 'Declared by', 'mt.once': 'one-off', 'mt.moved': 'moved', 'mt.cancelled': 'cancelled',
      'mt.site': 'whole site', 'mt.truncated': 'A series has more occurrences than the list shows.',
    },
  });
  const { h, t } = V;

  /* the rule in words, then the occurrence's mark */
  function rule(w) {
    if (!w.rrule) return h('td', { text: t('mt.once') });
    const words = (w.recurrence && w.recurrence[V.lang() === 'fr' ? 'fr' : 'en']) || w.rrule;
    const mark = w.cancelled ? V.badge('down', t('mt.cancelled')) : w.moved ? V.badge('degraded', t('mt.moved')) : null;
    return h('td', { title: w.rrule }, h('span', { text: words }), mark ? ' ' : null, mark);
  }

  function row(w, tz) {
    return h('tr', { class: w.cancelled ? 'cancelled' : '', dataset: { id: String(w.id), occurrence: String(w.occurrence) } },
      h('td', { text: V.fmtTime(w.start, tz) }), h('td', { text: V.fmtTime(w.end, tz) }),
      h('td', { text: w.service || t('mt.site') }), rule(w), h('td', { text: w.reason }),
      h('td', { class: 'hide-narrow', text: w.who }));
  }

  /* The title and the table, or null when the month has no window (as before). */
  V.maintenance = (d, siteDoc, tz) => {
    const list = d && d.maintenance;
    if (!list || !list.length) return null;
    const head = h('tr', {}, ...['mt.start', 'mt.end', 'mt.service', 'mt.rule', 'mt.reason', 'mt.who']
      .map((k, i) => h('th', { class: i === 5 ? 'hide-narrow' : '', text: t(k) })));
    const tb = h('tbody', {}, ...list.map((w) => row(w, tz)));
    const out = [h('h2', { text: t('site.maintenance') }),
      h('div', { class: 'panel table-wrap', dataset: { section: 'maintenance' } }, h('table', { class: 'list' }, h('thead', {}, head), tb))];
    if (d.truncated) out.push(h('div', { class: 'muted small', text: t('mt.truncated') }));
    return out;
  };
  /* loaded with the page's other data; shown by V.maintenance, not as a section of its own */
  V.siteSections.push({ id: 'maintenance', load: (site) => V.api('/api/v1/maintenance?' + V.q({ site })), render: () => null });
})();
