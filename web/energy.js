/* vigie dashboard: a site's energy, PUE, headroom and trends (GET /api/v1/energy, /headroom, /trends),
 * a section of the site's page added through window.vigie (app.js): this month's kWh of the facility
 * and of IT with the share of the time measured, the PUE or why there is none, the daily PUE as SVG
 * bars, the power headroom of the site and of each UPS and PDU phase as bars, the cooling's, and the
 * trend warnings in the page's language. Text from the server goes in as text only. */
'use strict';

(() => {
  const V = window.vigie;
  if (!V) return;
  V.addWords({
    fr: {
      'en.title': 'Énergie et PUE', 'en.facility': 'Énergie du site', 'en.it': 'Énergie IT', 'en.pue': 'PUE du mois',
      'en.measured': 'mesurée {c} du temps', 'en.notMeasured': 'non mesurée', 'en.days': 'PUE par jour',
      'en.noBar': 'sans barre : pas de PUE ce jour-là', 'en.partial': 'PUE partiel : entrées des onduleurs, sans la climatisation',
      'en.src.meter': 'compteur déclaré', 'en.src.ups_input': 'entrées des onduleurs', 'en.src.pdu_input': 'entrées des PDU',
      'en.src.ups_output': 'sorties des onduleurs',
      'en.st.no_facility': 'pas de PUE : énergie du site non mesurée', 'en.st.no_it': 'pas de PUE : énergie IT non mesurée',
      'en.st.no_time': 'pas de PUE : mois non commencé', 'en.st.low_coverage': 'pas de PUE : moins de {m} des heures mesurées',
      'en.st.not_same_time': 'pas de PUE : les deux mesures ne couvrent pas {m} des mêmes heures',
      'en.st.below_one': 'pas de PUE : rapport inférieur à 1 ({r}), mesures incohérentes',
      'hr.title': 'Marges de puissance et de froid', 'hr.site': 'Onduleurs ({rule})', 'hr.left': 'marge {w} ({p})',
      'hr.load': '{load} sur {usable} utilisables', 'hr.exceeded': 'dépassée de {w}', 'hr.none': 'non calculée',
      'hr.rule.service': '{k} sur {n} suffisent', 'hr.phase': 'Phases des PDU', 'hr.rating': 'calibre {a}',
      'hr.noRating': 'calibre non indiqué', 'hr.cooling': 'Froid', 'hr.heat': 'charge thermique {heat} sur {usable} utilisables',
      'tr.title': 'Tendances', 'tr.none': 'Aucune tendance inquiétante.',
    },
    en: {
      'en.title': 'Energy and PUE', 'en.facility': 'Facility energy', 'en.it': 'IT energy', 'en.pue': 'PUE of the month',
      'en.measured': 'measured {c} of the time', 'en.notMeasured': 'not measured', 'en.days': 'PUE per day',
      'en.noBar': 'no bar: no PUE that day', 'en.partial': 'a partial PUE: UPS inputs, cooling left out',
      'en.src.meter': 'declared meter', 'en.src.ups_input': 'UPS inputs', 'en.src.pdu_input': 'PDU inputs',
      'en.src.ups_output': 'UPS outputs',
      'en.st.no_facility': 'no PUE: facility energy not measured', 'en.st.no_it': 'no PUE: IT energy not measured',
      'en.st.no_time': 'no PUE: the month has not started', 'en.st.low_coverage': 'no PUE: less than {m} of the hours measured',
      'en.st.not_same_time': 'no PUE: the two sides do not cover {m} of the same hours',
      'en.st.below_one': 'no PUE: a ratio below 1 ({r}), inconsistent measurements',
      'hr.title': 'Power and cooling headroom', 'hr.site': 'UPS ({rule})', 'hr.left': 'headroom {w} ({p})',
      'hr.load': '{load} of {usable} usable', 'hr.exceeded': 'exceeded by {w}', 'hr.none': 'not computed',
      'hr.rule.service': '{k} of {n} carry it', 'hr.phase': 'PDU phases', 'hr.rating': 'rating {a}',
      'hr.noRating': 'rating not reported', 'hr.cooling': 'Cooling', 'hr.heat': 'heat load {heat} of {usable} usable',
      'tr.title': 'Trends', 'tr.none': 'No worrying trend.',
    },
  });
  const { h, t } = V;
  const SVGNS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs) => {
    const el = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    return el;
  };
  const num = (v, d) => new Intl.NumberFormat(V.lang() === 'fr' ? 'fr-FR' : 'en-GB',
    { minimumFractionDigits: d, maximumFractionDigits: d }).format(v);
  const pct = (v) => (v === null || v === undefined ? '—' : num(v, 1) + '\u00a0%');
  const kwh = (v) => (v === null || v === undefined ? '—' : num(v, 1) + '\u00a0kWh');
  const watts = (v) => (v === null || v === undefined ? '—' : v >= 10000 ? num(v / 1000, 1) + '\u00a0kW' : num(v, 0) + '\u00a0W');
  const msg = (m) => (m ? m[V.lang() === 'fr' ? 'fr' : 'en'] : '');

  function kpi(label, value, sub) {
    return h('div', { class: 'panel kpi' }, h('div', { class: 'label', text: label }), h('div', { class: 'value', text: value }),
      sub ? h('div', { class: 'muted small', text: sub }) : null);
  }

  function side(label, s) {
    if (!s.source) return kpi(label, t('en.notMeasured'), msg(s.missing));
    return kpi(label, kwh(s.kwh), t('en.measured', { c: pct(s.coverage) }) + ' · ' + t('en.src.' + s.source));
  }

  function pueText(e) {
    const p = e.pue;
    if (p.status === 'ok') return num(p.value, 3);
    return t('en.st.' + p.status, { m: pct(e.min_coverage), r: p.ratio === null ? '—' : num(p.ratio, 3) });
  }

  /* The daily PUE as bars from 1.0; a day without one is a grey tick. */
  function dailyChart(e) {
    const days = e.days || [];
    if (!days.length) return null;
    let top = 2;
    for (const d of days) if (d.pue !== null && d.pue > top) top = Math.ceil(d.pue * 2) / 2;
    const W = 640, H = 150, x0 = 34, hh = 118, slot = (W - x0) / days.length;
    const el = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': t('en.days') });
    for (let v = 1; v <= top + 1e-9; v += 0.5) {
      const y = 6 + hh - ((v - 1) / (top - 1)) * hh;
      el.append(svg('line', { x1: x0, x2: W, y1: y, y2: y, stroke: '#e6eaf0' }));
      const lab = svg('text', { x: x0 - 5, y: y + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#667' });
      lab.textContent = num(v, 1);
      el.append(lab);
    }
    days.forEach((d, i) => {
      const x = x0 + slot * i + slot * 0.15, bw = slot * 0.7;
      if (d.pue !== null) {
        const bh = ((Math.min(d.pue, top) - 1) / (top - 1)) * hh;
        const r = svg('rect', { x, y: 6 + hh - bh, width: bw, height: Math.max(bh, 0.5), fill: '#1f5fa8', 'data-date': d.date });
        const tip = svg('title');
        tip.textContent = d.date + ' : ' + num(d.pue, 3);
        r.append(tip);
        el.append(r);
      } else {
        el.append(svg('rect', { x, y: 6 + hh - 1.5, width: bw, height: 1.5, fill: '#aab' }));
      }
      if (days.length <= 16 || i % 2 === 0) {
        const lab = svg('text', { x: x + bw / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 9, fill: '#667' });
        lab.textContent = d.date.slice(8);
        el.append(lab);
      }
    });
    return h('div', { class: 'panel' }, h('div', { class: 'muted small', text: t('en.days') + ' (' + t('en.noBar') + ')' }), el);
  }

  /* A bar of what is used of a capacity: green, amber under 20 % left, red when exceeded. */
  /* a style property, not a style attribute: the server's Content-Security-Policy refuses those */
  const barCell = (child) => { const td = h('td', {}, child); td.style.width = '30%'; return td; };
  function usedBar(usedPct) {
    const left = 100 - usedPct;
    const bar = h('div', { class: 'bar' + (left < 0 ? ' empty' : left < 20 ? ' low' : ''), role: 'meter',
      'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(usedPct)) });
    const fill = h('span');
    fill.style.width = Math.max(1.5, Math.min(100, usedPct)).toFixed(1) + '%';
    bar.append(fill);
    return bar;
  }

  function powerRow(p) {
    const rule = p.rule === 'service' ? t('hr.rule.service', { k: p.needed, n: p.units }) : p.rule;
    if (p.status === 'not_reported')
      return h('tr', {}, h('td', { text: t('hr.site', { rule }) }), h('td', { text: t('hr.none') }), h('td', { class: 'muted', text: msg(p.missing) }));
    const used = (p.load_w / p.usable_w) * 100;
    return h('tr', { dataset: { headroom: p.status } }, h('td', { text: t('hr.site', { rule }) }), barCell(usedBar(used)),
      h('td', { text: t('hr.load', { load: watts(p.load_w), usable: watts(p.usable_w) }) + ' · ' +
        (p.headroom_w < 0 ? t('hr.exceeded', { w: watts(-p.headroom_w) }) : t('hr.left', { w: watts(p.headroom_w), p: pct(p.headroom_pct) })) }));
  }

  function headroom(hr) {
    const rows = [powerRow(hr.power)];
    for (const u of hr.power.ups || [])
      rows.push(h('tr', {}, h('td', { text: u.device }), barCell(u.load_pct === null ? '—' : usedBar(u.load_pct)),
        h('td', { text: watts(u.load_w) + ' · ' + pct(u.load_pct) + (u.capacity_w ? ' · ' + watts(u.capacity_w) : '') })));
    for (const p of hr.pdu || [])
      rows.push(h('tr', {}, h('td', { text: p.device + ' ' + p.phase }), barCell(p.load_pct === null ? '—' : usedBar(p.load_pct)),
        h('td', { text: (p.current_a === null ? '—' : num(p.current_a, 1) + '\u00a0A') + ' · ' +
          (p.rating_a === null ? t('hr.noRating') : t('hr.rating', { a: num(p.rating_a, 0) + '\u00a0A' }) + ' · ' + pct(p.load_pct)) })));
    const c = hr.cooling;
    rows.push(h('tr', {}, h('td', { text: t('hr.cooling') }),
      barCell(c.status === 'not_reported' ? '—' : usedBar((c.heat_load_kw / c.usable_kw) * 100)),
      h('td', { class: c.status === 'not_reported' ? 'muted' : '', text: c.status === 'not_reported' ? msg(c.missing)
        : t('hr.heat', { heat: num(c.heat_load_kw, 1) + '\u00a0kW', usable: num(c.usable_kw, 1) + '\u00a0kW' }) })));
    return h('div', { class: 'panel table-wrap' }, h('table', { class: 'list' }, h('tbody', {}, rows)));
  }

  function trends(tr) {
    const warn = (tr && tr.warnings) || [];
    if (!warn.length) return h('div', { class: 'panel muted small', text: t('tr.none') });
    return h('div', { class: 'panel' }, h('ul', {}, warn.map((w) =>
      h('li', { dataset: { trend: w.kind, device: w.device } }, V.badge('degraded', msg(w.text))))));
  }

  function render(d) {
    if (!d || !d.energy) return null;
    const e = d.energy.energy;
    const out = [h('h2', { text: t('en.title') }),
      h('section', { class: 'kpis' }, side(t('en.facility'), e.facility), side(t('en.it'), e.it),
        kpi(t('en.pue'), pueText(e), e.facility.partial && e.pue.status === 'ok' ? t('en.partial') : msg(e.it.note)))];
    const chart = dailyChart(e);
    if (chart) out.push(chart);
    if (d.headroom) out.push(h('h2', { text: t('hr.title') }), headroom(d.headroom.headroom));
    if (d.trends) out.push(h('h2', { text: t('tr.title') }), trends(d.trends.trends));
    return h('section', { class: 'energy', dataset: { section: 'energy' } }, out);
  }

  V.siteSections.push({
    id: 'energy',
    load: async (site) => {
      const [energy, hr, tr] = await Promise.all(['energy', 'headroom', 'trends']
        .map((p) => V.api('/api/v1/' + p + '?' + V.q({ site })).catch(() => null)));
      return { energy, headroom: hr, trends: tr };
    },
    render,
  });
})();
