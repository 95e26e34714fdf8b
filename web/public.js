/* vigie dashboard: the public sites (GET /api/v1/public-sites, /api/v1/public-sites/ID), a view of its
 * own added through window.vigie.views (app.js).
 *   #/public      the ~1,200 sites grouped by NRO or by commune, coloured by state (a site down because
 *                 of its NRO apart), worst first, searched and filtered by category, contract and state
 *                 in the page;
 *   #/public/ID   one site: its state and cause, addresses and checks, its loss and RTT graphs (app.js's
 *                 charts, GET /api/v1/series) and the month's contract incidents against the GTR.
 * The list is one fetch and one DOM build into a DocumentFragment (each group's tiles one escaped
 * HTML string), nothing read from the layout while building, and no listener per tile (tiles are
 * plain links; the toolbar has one delegated listener per event), so that 1,200 tiles render well
 * under a second. Each render is measured with the User Timing API, so that the browser test
 * (tests/browser/public.mjs) reads what the page itself saw:
 *   measure "vigie:public:render"  from the data in hand to the tiles laid out (layout forced once);
 *   measure "vigie:public:paint"   the same to the next frame after it (requestAnimationFrame, then
 *                                  a task: the frame has been committed);
 *   measure "vigie:public:load"    from the route's start, the fetch included, to that frame;
 * only the last render's marks and measures are kept, its figure also in the list's data-render-ms.
 * The filters live in the address (#/public?q=…) through history.replaceState, so that typing
 * filters the loaded list without fetching it again. */
'use strict';

(() => {
  const V = window.vigie;
  if (!V || !V.views) return;
  V.addWords({
    fr: {
      'nav.public': 'Sites publics', 'pub.title': 'Sites publics', 'pub.sub': 'Du pire au meilleur',
      'pub.by': 'Grouper', 'pub.by.nro': 'par NRO', 'pub.by.commune': 'par commune', 'pub.search': 'Rechercher',
      'pub.searchHint': 'nom, identifiant ou commune', 'pub.category': 'Catégorie', 'pub.contract': 'Contrat',
      'pub.state': 'État', 'pub.all': 'Tous', 'pub.shown': '{n} sites affichés sur {total}', 'pub.none': 'Aucun site public ne correspond.',
      'pub.empty': 'Aucun site public sur ce serveur (server.yaml, public_sites).',
      'pub.group': '{n} sites', 'pub.groupDown': '{n} en panne', 'pub.byNro': 'à cause du NRO',
      'pub.byNroOf': 'en panne à cause de {nro}', 'pub.summaryNro': '{n} à cause d’un NRO',
      'pub.cat.school': 'École', 'pub.cat.town_hall': 'Mairie', 'pub.cat.police': 'Police', 'pub.cat.traffic': 'Sécurité routière',
      'pub.cat.camera': 'Vidéoprotection', 'pub.cat.other': 'Autre',
      'pub.back': '← Sites publics', 'pub.since': 'depuis {time}', 'pub.cause': 'Cause', 'pub.avail': 'Disponibilité du mois',
      'pub.rtt': 'Temps de réponse', 'pub.loss': 'Pertes', 'pub.nro': 'NRO', 'pub.commune': 'Commune', 'pub.epci': 'EPCI',
      'pub.addresses': 'Adresses surveillées', 'pub.checksList': 'Contrôles\u00a0: {list}', 'pub.graphs': 'Courbes du lien',
      'pub.incidents': 'Incidents du mois (contrat)', 'pub.noincident': 'Aucun incident ce mois-ci.',
      'pub.inc.start': 'Début', 'pub.inc.restored': 'Rétabli', 'pub.inc.duration': 'Durée', 'pub.inc.deadline': 'Échéance GTR',
      'pub.inc.breach': 'GTR', 'pub.inc.penalty': 'Pénalité', 'pub.inc.cause': 'Cause', 'pub.inc.ongoing': 'en cours',
      'pub.inc.met': 'respectée', 'pub.inc.breached': 'dépassée de {d}', 'pub.notfound': 'Site public inconnu : {id}',
      'pub.check.icmp': 'ping (ICMP)', 'pub.check.tcp': 'connexion TCP au port {port}', 'pub.check.http': 'GET {url} (attendu {expect})',
    },
    en: {
      'nav.public': 'Public sites', 'pub.title': 'Public sites', 'pub.sub': 'Worst first',
      'pub.by': 'Group', 'pub.by.nro': 'by NRO', 'pub.by.commune': 'by commune', 'pub.search': 'Search',
      'pub.searchHint': 'name, id or commune', 'pub.category': 'Category', 'pub.contract': 'Contract',
      'pub.state': 'State', 'pub.all': 'All', 'pub.shown': '{n} sites shown of {total}', 'pub.none': 'No public site matches.',
      'pub.empty': 'No public site on this server (server.yaml, public_sites).',
      'pub.group': '{n} sites', 'pub.groupDown': '{n} down', 'pub.byNro': 'because of the NRO',
      'pub.byNroOf': 'down because of {nro}', 'pub.summaryNro': '{n} because of an NRO',
      'pub.cat.school': 'School', 'pub.cat.town_hall': 'Town hall', 'pub.cat.police': 'Police', 'pub.cat.traffic': 'Traffic safety',
      'pub.cat.camera': 'Video protection', 'pub.cat.other': 'Other',
      'pub.back': '← Public sites', 'pub.since': 'since {time}', 'pub.cause': 'Cause', 'pub.avail': 'Availability this month',
      'pub.rtt': 'Round-trip time', 'pub.loss': 'Loss', 'pub.nro': 'NRO', 'pub.commune': 'Commune', 'pub.epci': 'EPCI',
      'pub.addresses': 'Addresses checked', 'pub.checksList': 'Checks: {list}', 'pub.graphs': 'Link graphs',
      'pub.incidents': 'Incidents this month (contract)', 'pub.noincident': 'No incident this month.',
      'pub.inc.start': 'Start', 'pub.inc.restored': 'Restored', 'pub.inc.duration': 'Duration', 'pub.inc.deadline': 'GTR deadline',
      'pub.inc.breach': 'GTR', 'pub.inc.penalty': 'Penalty', 'pub.inc.cause': 'Cause', 'pub.inc.ongoing': 'ongoing',
      'pub.inc.met': 'met', 'pub.inc.breached': 'exceeded by {d}', 'pub.notfound': 'No such public site: {id}',
      'pub.check.icmp': 'ping (ICMP)', 'pub.check.tcp': 'TCP connect to port {port}', 'pub.check.http': 'GET {url} (expects {expect})',
    },
  });
  const { h, t } = V;
  const STATES = ['down', 'unknown', 'up'];
  const CATEGORIES = ['school', 'town_hall', 'police', 'traffic', 'camera', 'other'];
  const TZ = 'Europe/Paris'; /* a public site has its NRO's time zone; the API does not say it */
  const F = { group: 'nro', q: '', category: '', contract: '', state: '' };
  let loadMark = null; /* the mark of the list's fetch, until its first render */

  const fmts = {};
  const num = (v, d) => {
    const k = V.lang() + d;
    if (!fmts[k]) fmts[k] = new Intl.NumberFormat(V.lang() === 'fr' ? 'fr-FR' : 'en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
    return fmts[k].format(v);
  };
  const none = (v) => v === null || v === undefined;
  /* never rounded up: 99.996 % is not 100 % */
  const pct = (v, d) => (none(v) ? '—' : num(Math.floor(v * 10 ** d + 1e-9) / 10 ** d, d) + '\u00a0%');
  const ms = (v) => (none(v) ? '—' : num(v, v >= 100 ? 0 : 1) + '\u00a0ms');
  const catName = (c) => (CATEGORIES.includes(c) ? t('pub.cat.' + c) : c);
  const stateOf = (s) => (STATES.includes(s.state) ? s.state : 'unknown');

  /* ---- the list ------------------------------------------------------------------------------ */

  function readFilters(params) {
    F.group = params.get('group') === 'commune' ? 'commune' : 'nro';
    for (const k of ['q', 'category', 'contract', 'state']) F[k] = (params.get(k) || '').slice(0, 100);
  }
  function writeFilters() {
    const p = new URLSearchParams();
    if (F.group !== 'nro') p.set('group', F.group);
    for (const k of ['q', 'category', 'contract', 'state']) if (F[k]) p.set(k, F[k]);
    const qs = p.toString();
    history.replaceState(null, '', location.pathname + location.search + '#/public' + (qs ? '?' + qs : ''));
  }

  /* The API's q: a substring of the id, the name or the commune, whatever the case. */
  function matches(s, needle) {
    if (F.category && s.category !== F.category) return false;
    if (F.contract && s.contract !== F.contract) return false;
    if (F.state && stateOf(s) !== F.state) return false;
    if (!needle) return true;
    return s.id.toLowerCase().includes(needle) || (s.name || '').toLowerCase().includes(needle) ||
      (s.commune || '').toLowerCase().includes(needle);
  }

  /* Groups in the server's order (worst first) within each; the groups with the most down sites
   * first, then the most unknown, then by name. */
  function groupsOf(list) {
    const by = new Map();
    for (const s of list) {
      const key = (F.group === 'nro' ? s.nro : s.commune) || '—';
      let g = by.get(key);
      if (!g) { g = { key, sites: [], down: 0, unknown: 0, nro: 0 }; by.set(key, g); }
      g.sites.push(s);
      const st = stateOf(s);
      if (st === 'down') { g.down++; if (s.attributed_to) g.nro++; } else if (st === 'unknown') g.unknown++;
    }
    return [...by.values()].sort((a, b) => b.down - a.down || b.unknown - a.unknown || a.key.localeCompare(b.key));
  }

  /* One compact tile as HTML: a link (no listener), its state in its class, its detail in its title.
   * The tiles of a group are one string put in with one innerHTML (one parse instead of four
   * createElement calls a tile); every text and attribute goes through esc(). */
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (v) => String(v === null || v === undefined ? '' : v).replace(/[&<>"']/g, (c) => ESC[c]);
  function tile(s) {
    const st = stateOf(s);
    const byNro = st === 'down' && s.attributed_to;
    const title = s.id + ' · ' + t('state.' + st) + (s.attributed_to ? ' (' + t('pub.byNroOf', { nro: s.attributed_to }) + ')' : '') +
      (s.cause ? ' — ' + s.cause : '');
    return '<a class="pt st-' + st + (byNro ? ' by-nro' : '') + '" href="#/public/' + esc(encodeURIComponent(s.id)) +
      '" data-id="' + esc(s.id) + '" data-state="' + st + '" title="' + esc(title) + '"><span class="pt-name">' + esc(s.name || s.id) +
      '</span><span class="pt-sub">' + esc((F.group === 'nro' ? s.commune : s.nro) + ' · ' + catName(s.category)) +
      '</span><span class="pt-av">' + esc(byNro ? t('pub.byNro') : pct(s.availability, 2)) + '</span></a>';
  }

  function groupHead(g) {
    const head = document.createElement('h3');
    head.className = 'pg-head';
    const name = F.group === 'nro' && g.key !== '—' ? document.createElement('a') : document.createElement('span');
    if (name.tagName === 'A') name.href = '#/site/' + encodeURIComponent(g.key);
    name.textContent = g.key;
    const counts = document.createElement('span');
    counts.className = 'pg-counts';
    counts.textContent = t('pub.group', { n: g.sites.length }) + (g.down ? ' · ' + t('pub.groupDown', { n: g.down }) : '') +
      (g.nro ? ' (' + t('pub.byNro') + ')' : '');
    head.append(name, counts);
    return head;
  }

  /* The User Timing marks of one render (see the header); `from` names the mark it starts at. */
  function measured(box, from) {
    if (!box.isConnected) return;
    void box.offsetHeight; /* the layout, once, after the whole list is in */
    performance.mark('vigie:public:laid-out');
    const render = performance.measure('vigie:public:render', 'vigie:public:start', 'vigie:public:laid-out');
    box.dataset.renderMs = render.duration.toFixed(1);
    requestAnimationFrame(() => setTimeout(() => {
      performance.mark('vigie:public:painted');
      performance.measure('vigie:public:paint', 'vigie:public:start', 'vigie:public:painted');
      if (from) performance.measure('vigie:public:load', from, 'vigie:public:painted');
      box.dataset.painted = String((box.dataset.painted | 0) + 1);
    }, 0));
  }

  /* The groups and tiles of the filtered list, built off the page and put in at once. */
  function renderList(box, all) {
    /* only the last render's entries are kept: a wall display re-renders every 15 s for months */
    for (const n of ['render', 'paint', 'load']) performance.clearMeasures('vigie:public:' + n);
    for (const n of ['start', 'laid-out', 'painted']) performance.clearMarks('vigie:public:' + n);
    performance.mark('vigie:public:start');
    const needle = F.q.trim().toLowerCase();
    const list = all.filter((s) => matches(s, needle));
    const frag = document.createDocumentFragment();
    const counts = { down: 0, unknown: 0, up: 0, nro: 0 };
    for (const s of list) { counts[stateOf(s)]++; if (stateOf(s) === 'down' && s.attributed_to) counts.nro++; }
    const summary = h('div', { class: 'summary', dataset: { shown: String(list.length) } },
      counts.down ? V.badge('down', t('summary.down', { n: counts.down }) + (counts.nro ? ' · ' + t('pub.summaryNro', { n: counts.nro }) : '')) : null,
      counts.unknown ? V.badge('unknown', t('summary.unknown', { n: counts.unknown })) : null,
      counts.up ? V.badge('up', t('summary.up', { n: counts.up })) : null,
      h('span', { class: 'muted small', text: t('pub.shown', { n: list.length, total: all.length }) }));
    frag.append(summary);
    if (!list.length) frag.append(h('div', { class: 'panel empty', text: all.length ? t('pub.none') : t('pub.empty') }));
    for (const g of groupsOf(list)) {
      const sec = document.createElement('section');
      sec.className = 'pg' + (g.down ? ' has-down' : '');
      sec.dataset.group = g.key;
      sec.dataset.count = String(g.sites.length);
      sec.dataset.down = String(g.down);
      const grid = document.createElement('div');
      grid.className = 'pt-grid';
      grid.innerHTML = g.sites.map(tile).join('');
      sec.append(groupHead(g), grid);
      frag.append(sec);
    }
    box.replaceChildren(frag);
    box.dataset.shown = String(list.length);
    box.dataset.group = F.group;
    measured(box, null); /* in the page already when a filter changed: the layout counts too */
  }

  function select(name, label, values, nameOf) {
    return h('label', {}, label, h('select', { name, 'aria-label': label },
      h('option', { value: '', text: t('pub.all') }),
      values.map((v) => h('option', { value: v, selected: F[name] === v, text: nameOf(v) }))));
  }

  function toolbar(all, box) {
    const present = (k) => [...new Set(all.map((s) => s[k]).filter(Boolean))];
    const cats = present('category').sort((a, b) => catName(a).localeCompare(catName(b)));
    const contracts = present('contract').sort();
    const bar = h('div', { class: 'filters pub-filters' },
      h('label', {}, t('pub.search'), h('input', { type: 'search', id: 'pub-q', name: 'q', value: F.q, placeholder: t('pub.searchHint'),
        'aria-label': t('pub.search'), autocomplete: 'off', maxlength: '100' })),
      select('category', t('pub.category'), cats, catName),
      select('contract', t('pub.contract'), contracts, (c) => c),
      select('state', t('pub.state'), STATES, (s) => t('state.' + s)),
      h('span', { class: 'pub-group', role: 'group', 'aria-label': t('pub.by') }, t('pub.by') + ' ',
        ['nro', 'commune'].map((g) => h('button', { type: 'button', class: 'act' + (F.group === g ? ' on' : ''),
          dataset: { groupBy: g }, 'aria-pressed': F.group === g ? 'true' : 'false', text: t('pub.by.' + g) }))));
    /* one listener per kind of event for the whole toolbar */
    const changed = (e) => {
      const el = e.target;
      /* the search box's change on blur repeats its last input: rebuilding the tiles then would take
       * the one being clicked from under the mouse, and the click would be lost */
      if (!el.name || !(el.name in F) || F[el.name] === el.value) return;
      F[el.name] = el.value;
      writeFilters();
      renderList(box, all);
    };
    bar.addEventListener('input', changed);
    bar.addEventListener('change', changed);
    bar.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-group-by]');
      if (!b || F.group === b.dataset.groupBy) return;
      F.group = b.dataset.groupBy;
      for (const x of bar.querySelectorAll('button[data-group-by]')) {
        x.classList.toggle('on', x === b);
        x.setAttribute('aria-pressed', x === b ? 'true' : 'false');
      }
      writeFilters();
      renderList(box, all);
    });
    return bar;
  }

  function viewList(d) {
    const all = (d.list && d.list.sites) || [];
    const box = h('div', { class: 'pub-list', id: 'pub-list' });
    /* a refresh rebuilds the page: the search field keeps its focus and caret */
    const active = document.activeElement && document.activeElement.id === 'pub-q' ? document.activeElement : null;
    const caret = active ? [active.selectionStart, active.selectionEnd] : null;
    const bar = toolbar(all, box);
    renderList(box, all);
    queueMicrotask(() => { /* app.js has put the view in the page */
      measured(box, loadMark);
      loadMark = null;
      const input = document.getElementById('pub-q');
      if (caret && input) { input.focus(); input.setSelectionRange(caret[0], caret[1]); }
    });
    return [h('div', { class: 'page-head' }, h('h1', { text: t('pub.title') }), h('span', { class: 'sub', text: t('pub.sub') })), bar, box];
  }

  /* ---- one site --------------------------------------------------------------------------------- */

  /* The API's checks: the objects of GET /api/v1/agent/targets, or the CSV's words ("icmp tcp:554"). */
  function checksOf(c) {
    if (typeof c === 'string') return c.split(/\s+/).filter(Boolean);
    return Array.isArray(c) ? c : [];
  }

  function checkText(c) {
    if (typeof c === 'string') { /* a word of the CSV: icmp, tcp:PORT, http:URL[=STATUS] */
      const m = /^(icmp|tcp|http):?(.*)$/.exec(c);
      if (!m) return c;
      if (m[1] === 'tcp') return t('pub.check.tcp', { port: m[2] });
      if (m[1] === 'http') { const e = /^(.*)=(\d{3})$/.exec(m[2]); return t('pub.check.http', { url: e ? e[1] : m[2], expect: e ? e[2] : 200 }); }
      return t('pub.check.icmp');
    }
    if (c.type === 'tcp') return t('pub.check.tcp', { port: c.port });
    if (c.type === 'http') return t('pub.check.http', { url: c.url, expect: c.expect || 200 });
    return t('pub.check.icmp');
  }

  function kpi(label, value, sub, name) {
    return h('div', { class: 'panel kpi', dataset: { kpi: name } }, h('div', { class: 'label', text: label }),
      h('div', { class: 'value', text: value }), sub ? h('div', { class: 'muted small', text: sub }) : null);
  }

  /* The loss and RTT series this site has (its latest values say which instances: one per address
   * when it has several), else the one of a single address. */
  function linkSeries(s, latest) {
    const out = [];
    for (const metric of ['link.loss', 'link.rtt']) {
      const vs = ((latest && latest.values) || []).filter((v) => v.metric === metric);
      if (vs.length) out.push(...vs);
      else out.push({ device: s.id, metric, instance: '', unit: metric === 'link.loss' ? '%' : 'ms' });
    }
    return out;
  }

  function graphs(s, latest) {
    const now = Math.floor(Date.now() / 1000);
    if (V.getRange() === 'month') V.setRange('day'); /* the site page's third range: not offered here */
    const range = V.getRange() === 'week' ? { from: now - 7 * 86400, to: now } : { from: now - 86400, to: now };
    const tools = h('div', { class: 'chart-tools' }, ['day', 'week'].map((r) => h('button', { type: 'button',
      class: 'act' + ((V.getRange() === 'week') === (r === 'week') ? ' on' : ''), dataset: { range: r }, text: t('range.' + r),
      onclick: () => { V.setRange(r); V.render(); } })));
    const panel = h('div', { class: 'panel chart-panel', dataset: { section: 'link-graphs' } }, tools);
    for (const v of linkSeries(s, latest)) {
      const box = h('div', { class: 'chart-box', dataset: { series: v.device + '|' + v.metric + '|' + v.instance } },
        h('div', { class: 'muted small', text: (v.metric === 'link.loss' ? t('pub.loss') : t('pub.rtt')) + (v.instance ? ' · ' + v.instance : '') }));
      panel.append(box);
      V.drawSeries(box, s.id, v, range, TZ);
    }
    return panel;
  }

  function incidents(list) {
    if (!list || !list.length) return h('div', { class: 'panel empty', dataset: { section: 'contract-incidents' }, text: t('pub.noincident') });
    const head = h('tr', {}, ['start', 'restored', 'duration', 'deadline', 'breach', 'penalty', 'cause']
      .map((k) => h('th', { class: k === 'deadline' || k === 'penalty' ? 'hide-narrow' : '', text: t('pub.inc.' + k) })));
    const rows = list.slice().sort((a, b) => b.start - a.start).map((i) => h('tr', { dataset: { start: String(i.start), breach: String(!!i.breach) } },
      h('td', { class: 'nowrap', text: V.fmtTime(i.start, TZ) }),
      h('td', { class: 'nowrap', text: none(i.restored) ? t('pub.inc.ongoing') : V.fmtTime(i.restored, TZ) }),
      h('td', { class: 'num', text: V.fmtDuration(i.duration || 0) }),
      h('td', { class: 'nowrap hide-narrow', text: none(i.gtr_deadline) ? '—' : V.fmtTime(i.gtr_deadline, TZ) }),
      h('td', {}, i.breach ? V.badge('down', t('pub.inc.breached', { d: V.fmtDuration(i.overrun || 0) })) : V.badge('up', t('pub.inc.met'))),
      h('td', { class: 'num hide-narrow', text: i.penalty ? num(i.penalty, 0) + '\u00a0€' : '—' }),
      h('td', { text: (i.attributed_to ? t('pub.byNroOf', { nro: i.attributed_to }) + (i.cause ? ' — ' : '') : '') + (i.cause || '') })));
    return h('div', { class: 'panel table-wrap', dataset: { section: 'contract-incidents' } },
      h('table', { class: 'list' }, h('thead', {}, head), h('tbody', {}, rows)));
  }

  function viewSite(d, id) {
    const s = d.site;
    if (!s) return [h('p', {}, h('a', { href: '#/public', text: t('pub.back') })), h('div', { class: 'panel empty', text: t('pub.notfound', { id }) })];
    const st = stateOf(s);
    const stateWord = t('state.' + st) + (st === 'down' && s.attributed_to ? ' · ' + t('pub.byNroOf', { nro: s.attributed_to }) : '');
    const nro = h('a', { href: '#/site/' + encodeURIComponent(s.nro), text: s.nro });
    return h('section', { class: 'public-site', dataset: { site: s.id, state: st } },
      h('p', {}, h('a', { href: '#/public', text: t('pub.back') })),
      h('div', { class: 'page-head' }, h('h1', { text: s.name || s.id }),
        h('span', { class: 'badge st-' + st + (s.attributed_to ? ' by-nro' : '') }, stateWord),
        h('span', { class: 'sub' }, [s.id, catName(s.category), s.commune + (s.epci ? ' (' + s.epci + ')' : ''), s.contract].join(' · '), ' · ', t('pub.nro'), ' ', nro)),
      h('section', { class: 'kpis' },
        kpi(t('pub.avail'), pct(s.availability, 3), null, 'availability'),
        kpi(t('pub.rtt'), ms(s.rtt), null, 'rtt'),
        kpi(t('pub.loss'), pct(s.loss, 1), null, 'loss'),
        kpi(t('pub.cause'), s.cause || '—', none(s.since) ? null : t('pub.since', { time: V.fmtTime(s.since, TZ) }), 'cause')),
      h('h2', { text: t('pub.addresses') }),
      h('div', { class: 'panel', dataset: { section: 'addresses' } },
        h('ul', { class: 'pub-addr' }, (s.addresses || []).map((a) => h('li', { class: 'num', text: a }))),
        h('div', { class: 'muted small', text: t('pub.checksList', { list: checksOf(s.checks).map(checkText).join(', ') || '—' }) })),
      h('h2', { text: t('pub.graphs') }), graphs(s, d.latest),
      h('h2', { text: t('pub.incidents') }), incidents(s.incidents));
  }

  V.views.public = {
    load: async (route) => {
      if (!route.id) {
        readFilters(route.params);
        loadMark = 'vigie:public:fetch';
        performance.clearMarks(loadMark);
        performance.mark(loadMark);
        return { list: await V.api('/api/v1/public-sites') };
      }
      const [site, latest] = await Promise.all([
        V.api('/api/v1/public-sites/' + encodeURIComponent(route.id)).catch((e) => { if (e.status === 404) return null; throw e; }),
        V.api('/api/v1/latest?' + V.q({ site: route.id })).catch(() => null)]);
      return { site, latest };
    },
    render: (d, route) => (route.id ? viewSite(d, route.id) : viewList(d)),
  };
})();
