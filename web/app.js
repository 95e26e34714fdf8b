/* vigie dashboard: plain JavaScript, no build step, no library, nothing fetched but this server's API.
 *
 * Views (hash routes): #/ sites overview, #/site/ID one site, #/incidents?month=YYYY-MM, #/alerts.
 * The API token is typed once into the login form (or a one-time link of `vigie login-link` is
 * followed: #login=... in the address, taken out at once): the server answers with an HttpOnly session
 * cookie and a CSRF token that every POST, PUT and DELETE carries in X-CSRF-Token. The page keeps no
 * secret: neither in localStorage nor in the address; a reload asks the server for its session
 * (GET /api/v1/session). Everything refreshes every 15 s; data older than 3 server steps is
 * called stale. French by default, English with the toggle. Text from the server only ever goes
 * into the page as text (textContent), never as HTML. */
'use strict';

(() => {
  const REFRESH_MS = 15000;
  const MAX_CHARTS = 4;
  const EVENTS_PAGE = 200;

  /* ---- words ---------------------------------------------------------------------------- */

  const I18N = {
    fr: {
      'nav.sites': 'Sites', 'nav.incidents': 'Incidents', 'nav.alerts': 'Alertes', logout: 'Déconnexion',
      'login.title': 'Accès au tableau de bord',
      'login.help': 'Saisissez votre jeton d’API une fois : le serveur ouvre une session de ce navigateur, qui ne garde pas le jeton.',
      'login.token': 'Jeton d’API', 'login.submit': 'Entrer',
      'login.bad': 'Le serveur n’accepte pas ce jeton.',
      'login.expired': 'Votre session a pris fin : saisissez à nouveau votre jeton.',
      'login.link': 'Ce lien de connexion est inconnu, déjà utilisé ou expiré : demandez-en un autre (vigie login-link).',
      'login.limited': 'Trop d’essais manqués depuis cette adresse : réessayez dans {s} s.',
      'login.origin': 'Connexion refusée : elle ne vient pas de cette page.',
      'login.url': 'Un jeton dans l’adresse n’est plus accepté (il resterait dans l’historique) : saisissez-le ici.',
      'login.as': 'Connecté : {name}',
      'state.up': 'En service', 'state.down': 'En panne', 'state.unknown': 'Inconnu',
      'health.ok': 'OK', 'health.degraded': 'Dégradé', 'health.down': 'En panne', 'health.unknown': 'Inconnu',
      'health.stale': 'Données anciennes',
      'avail.month': 'Disponibilité du mois', 'avail.target': 'objectif {t}', 'avail.none': 'rien de mesuré encore',
      'avail.insufficient': 'données insuffisantes\u00a0: {c} du temps surveillé, {m} requis (ni atteint ni manqué)',
      'budget.left': '{left} restantes sur {total}', 'budget.of': 'sur {total} ce mois-ci', 'budget.over': 'budget dépassé de {over} (sur {total})',
      'alerts.none': 'aucune alerte', 'alerts.one': '1 alerte en cours', 'alerts.many': '{n} alertes en cours',
      'alerts.off': 'alerting non activé',
      'devices.count': '{n} équipements', 'devices.issues': '{n} en défaut',
      'age.ago': 'dernière valeur il y a {age}', 'stale.site': 'données anciennes : dernière valeur il y a {age}',
      'banner.stale': 'Données anciennes : {sites} — plus aucune valeur reçue depuis plus de {limit} (3 pas du serveur).',
      'banner.error': 'Le serveur ne répond pas ({msg}). Affichage figé depuis {time}.',
      'refresh.ok': 'actualisé à {time}', 'refresh.error': 'échec à {time}', 'refresh.loading': 'chargement…',
      'sites.title': 'Sites', 'sites.sub': 'Ce mois-ci, du pire au meilleur', 'sites.none': 'Aucun site sur ce serveur.',
      'summary.up': '{n} en service', 'summary.down': '{n} en panne', 'summary.unknown': '{n} inconnu(s)',
      'site.back': '← Tous les sites', 'site.services': 'Services', 'site.devices': 'Équipements', 'site.graphs': 'Courbes',
      'site.incidents': 'Incidents du mois', 'site.downtime': 'Indisponibilité comptée', 'site.budget': 'Budget restant',
      'site.unknownTime': 'Temps sans donnée', 'site.ytd': 'Depuis le 1er janvier', 'site.nodevices': 'Aucun équipement n’a encore envoyé de valeurs.',
      'site.maintenance': 'Maintenances du mois', 'site.noincident': 'Aucun incident ce mois-ci.',
      'site.alerts': 'Alertes en cours', 'incn.none': 'aucun incident', 'incn.one': '1 incident', 'incn.many': '{n} incidents',
      'device.seen': 'vu il y a {age}', 'device.all': 'Toutes les valeurs ({n})', 'device.unreachable': 'ne répond pas',
      'range.day': '24 h', 'range.week': '7 jours', 'range.month': 'Mois en cours',
      'chart.add': '+ Ajouter une courbe', 'chart.remove': 'Retirer', 'chart.none': 'Aucune donnée sur la période',
      'chart.hint': 'Cliquez une valeur d’un équipement pour la tracer.', 'chart.min': 'min', 'chart.max': 'max',
      'chart.loading': 'chargement…',
      'inc.title': 'Incidents', 'inc.month': 'Mois', 'inc.site': 'Site', 'inc.all': 'Tous', 'inc.start': 'Début',
      'inc.end': 'Fin', 'inc.duration': 'Durée', 'inc.counted': 'Compté', 'inc.services': 'Services', 'inc.cause': 'Cause',
      'inc.maint': 'en maintenance', 'inc.none': 'Aucun incident ce mois-ci.', 'inc.ongoing': 'en cours',
      'ev.title': 'Changements d’état', 'ev.scope': 'Portée', 'ev.when': 'Date', 'ev.item': 'Élément', 'ev.state': 'État',
      'ev.cause': 'Cause', 'ev.none': 'Aucun changement d’état.', 'ev.more': 'Afficher plus ({n} restants)',
      'ev.truncated': 'Liste tronquée par le serveur (10 000 au plus).',
      'scope.all': 'Toutes', 'scope.site': 'Site', 'scope.service': 'Service', 'scope.device': 'Équipement',
      'al.title': 'Alertes', 'al.off': 'Alerting non activé sur ce serveur.', 'al.none': 'Aucune alerte.',
      'al.state': 'État', 'al.severity': 'Gravité', 'al.fired': 'Déclenchée', 'al.summary': 'Résumé', 'al.item': 'Équipement',
      'al.ack': 'Acquitter', 'al.silence': 'Silence 2 h', 'al.acked': 'acquittée par {who}',
      'al.comment': 'Commentaire (facultatif) :', 'al.reason': 'Raison du silence :',
      'al.admin': 'Refusé : cette action demande un jeton de rôle admin.', 'al.done': 'C’est fait.',
      'al.unsupported': 'Ce serveur ne propose pas cette action.', 'al.all': 'Toutes',
      'state.firing': 'En cours', 'state.acknowledged': 'Acquittée', 'state.resolved': 'Résolue',
      'sev.warning': 'Avertissement', 'sev.critical': 'Critique',
      'dur.d': 'j', 'dur.h': 'h', 'dur.min': 'min', 'dur.s': 's',
      'foot': 'vigie — supervision du data center et des NRO',
    },
    en: {
      'nav.sites': 'Sites', 'nav.incidents': 'Incidents', 'nav.alerts': 'Alerts', logout: 'Log out',
      'login.title': 'Dashboard access',
      'login.help': 'Enter your API token once: the server opens a session for this browser, which does not keep the token.',
      'login.token': 'API token', 'login.submit': 'Enter',
      'login.bad': 'The server does not accept this token.',
      'login.expired': 'Your session has ended: enter your token again.',
      'login.link': 'This login link is unknown, used or expired: ask for another (vigie login-link).',
      'login.limited': 'Too many failed attempts from this address: try again in {s} s.',
      'login.origin': 'Login refused: it does not come from this page.',
      'login.url': 'A token in the address is no longer accepted (it would stay in the history): enter it here.',
      'login.as': 'Logged in: {name}',
      'state.up': 'Up', 'state.down': 'Down', 'state.unknown': 'Unknown',
      'health.ok': 'OK', 'health.degraded': 'Degraded', 'health.down': 'Down', 'health.unknown': 'Unknown',
      'health.stale': 'Stale data',
      'avail.month': 'Availability this month', 'avail.target': 'target {t}', 'avail.none': 'nothing measured yet',
      'avail.insufficient': 'insufficient data: {c} of the time monitored, {m} needed (neither met nor missed)',
      'budget.left': '{left} left of {total}', 'budget.of': 'of {total} this month', 'budget.over': 'budget exceeded by {over} (of {total})',
      'alerts.none': 'no alert firing', 'alerts.one': '1 alert firing', 'alerts.many': '{n} alerts firing',
      'alerts.off': 'alerting not enabled',
      'devices.count': '{n} devices', 'devices.issues': '{n} with issues',
      'age.ago': 'last value {age} ago', 'stale.site': 'stale data: last value {age} ago',
      'banner.stale': 'Stale data: {sites} — no value received for more than {limit} (3 server steps).',
      'banner.error': 'The server does not answer ({msg}). Display frozen since {time}.',
      'refresh.ok': 'refreshed at {time}', 'refresh.error': 'failed at {time}', 'refresh.loading': 'loading…',
      'sites.title': 'Sites', 'sites.sub': 'This month, worst first', 'sites.none': 'No site on this server.',
      'summary.up': '{n} up', 'summary.down': '{n} down', 'summary.unknown': '{n} unknown',
      'site.back': '← All sites', 'site.services': 'Services', 'site.devices': 'Devices', 'site.graphs': 'Graphs',
      'site.incidents': 'Incidents this month', 'site.downtime': 'Counted downtime', 'site.budget': 'Budget left',
      'site.unknownTime': 'Time without data', 'site.ytd': 'Year to date', 'site.nodevices': 'No device has sent values yet.',
      'site.maintenance': 'Maintenance this month', 'site.noincident': 'No incident this month.',
      'site.alerts': 'Alerts firing', 'incn.none': 'no incident', 'incn.one': '1 incident', 'incn.many': '{n} incidents',
      'device.seen': 'seen {age} ago', 'device.all': 'All values ({n})', 'device.unreachable': 'not answering',
      'range.day': '24 h', 'range.week': '7 days', 'range.month': 'This month',
      'chart.add': '+ Add a graph', 'chart.remove': 'Remove', 'chart.none': 'No data in this period',
      'chart.hint': 'Click a device value to plot it.', 'chart.min': 'min', 'chart.max': 'max',
      'chart.loading': 'loading…',
      'inc.title': 'Incidents', 'inc.month': 'Month', 'inc.site': 'Site', 'inc.all': 'All', 'inc.start': 'Start',
      'inc.end': 'End', 'inc.duration': 'Duration', 'inc.counted': 'Counted', 'inc.services': 'Services', 'inc.cause': 'Cause',
      'inc.maint': 'in maintenance', 'inc.none': 'No incident this month.', 'inc.ongoing': 'ongoing',
      'ev.title': 'State changes', 'ev.scope': 'Scope', 'ev.when': 'Time', 'ev.item': 'Item', 'ev.state': 'State',
      'ev.cause': 'Cause', 'ev.none': 'No state change.', 'ev.more': 'Show more ({n} left)',
      'ev.truncated': 'List cut by the server (10,000 at most).',
      'scope.all': 'All', 'scope.site': 'Site', 'scope.service': 'Service', 'scope.device': 'Device',
      'al.title': 'Alerts', 'al.off': 'Alerting not enabled on this server.', 'al.none': 'No alerts.',
      'al.state': 'State', 'al.severity': 'Severity', 'al.fired': 'Fired', 'al.summary': 'Summary', 'al.item': 'Device',
      'al.ack': 'Acknowledge', 'al.silence': 'Silence 2 h', 'al.acked': 'acknowledged by {who}',
      'al.comment': 'Comment (optional):', 'al.reason': 'Reason for the silence:',
      'al.admin': 'Refused: this action needs an API token of role admin.', 'al.done': 'Done.',
      'al.unsupported': 'This server does not offer this action.', 'al.all': 'All',
      'state.firing': 'Firing', 'state.acknowledged': 'Acknowledged', 'state.resolved': 'Resolved',
      'sev.warning': 'Warning', 'sev.critical': 'Critical',
      'dur.d': 'd', 'dur.h': 'h', 'dur.min': 'min', 'dur.s': 's',
      'foot': 'vigie — monitoring of the data center and the NRO shelters',
    },
  };

  /* What classes, metrics, units, state words, services and kinds of site are called, and which
   * metrics a device card shows first: the server's vocabulary (GET /api/v1/vocabulary, from
   * mibs/vocabulary.yaml), loaded once with the first view. */
  function indexVocab(v) {
    const classes = {};
    for (const c of v.classes || []) classes[c.name] = c;
    return { classes, metrics: v.metrics || {}, units: v.units || {}, texts: v.texts || {}, services: v.services || {},
      kinds: v.site_kinds || {} };
  }

  /* ---- state ---------------------------------------------------------------------------- */

  const store = {
    get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set(k, v) { try { if (v === null) localStorage.removeItem(k); else localStorage.setItem(k, v); } catch (e) { /* private mode */ } },
  };
  const S = {
    lang: store.get('vigie.lang') === 'en' ? 'en' : 'fr',
    auth: null,          /* the session: {name, role, scope, csrf} of /api/v1/login or /api/v1/session */
    checked: false,      /* whether the server was asked for a session yet */
    route: null,
    data: null,          /* what the current view last loaded */
    lastOk: 0,           /* when the last refresh succeeded (ms) */
    error: null,
    timer: null,
    loading: false,
    alertsEnabled: null, /* unknown until /api/v1/alerts answers */
    range: 'day',
    charts: {},          /* site -> [series keys] */
    eventsShown: EVENTS_PAGE,
    incFilter: { site: '', scope: '' },
    alertFilter: 'firing',
    notice: '',
    vocab: null,         /* indexVocab() of /api/v1/vocabulary */
  };

  const t = (key, vars) => {
    let s = (I18N[S.lang] && I18N[S.lang][key]) || I18N.fr[key] || key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
    return s;
  };
  const locale = () => (S.lang === 'fr' ? 'fr-FR' : 'en-GB');

  /* ---- formatting ----------------------------------------------------------------------- */

  const numFmt = {};
  function fmtNum(v, digits) {
    const key = S.lang + digits;
    if (!numFmt[key]) numFmt[key] = new Intl.NumberFormat(locale(), { minimumFractionDigits: 0, maximumFractionDigits: digits });
    return numFmt[key].format(v);
  }
  function fmtFixed(v, digits) {
    return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  }
  function fmtPct(v) { return v === null || v === undefined ? '—' : fmtFixed(Math.floor(v * 1000 + 1e-9) / 1000, 3) + '\u00a0%'; }
  function fmtDuration(sec) {
    sec = Math.max(0, Math.round(sec));
    const d = Math.floor(sec / 86400), h = Math.floor((sec % 86400) / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    const u = (k) => t('dur.' + k);
    if (d) return `${d} ${u('d')} ${h} ${u('h')}`;
    if (h) return `${h} ${u('h')} ${String(m).padStart(2, '0')} ${u('min')}`;
    if (m) return `${m} ${u('min')} ${s} ${u('s')}`;
    return `${s} ${u('s')}`;
  }
  function fmtTime(ts, tz, withDate) {
    const o = { hour: '2-digit', minute: '2-digit', timeZone: tz || 'Europe/Paris' };
    if (withDate !== false) { o.day = '2-digit'; o.month = '2-digit'; }
    return new Intl.DateTimeFormat(locale(), o).format(new Date(ts * 1000));
  }
  function fmtClock(ms) {
    return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(ms));
  }
  /* The vocabulary's word for `name` in `table`, or `fallback` when it has none. */
  function word(table, name, fallback) {
    const e = S.vocab && Object.prototype.hasOwnProperty.call(S.vocab[table], name) ? S.vocab[table][name] : null;
    const w = e && e[S.lang === 'fr' ? 'fr' : 'en'];
    return typeof w === 'string' && (w || table === 'units') ? w : fallback;
  }
  function serviceName(n) { return word('services', n, n); }
  function metricName(m) { return word('metrics', m, m); }
  function unitName(u) { return word('units', u, u); }
  function textValue(s) { return word('texts', s, s); }
  function kindName(k) { return word('kinds', k, k); }
  /* a class the vocabulary does not list is called what generic is */
  function classOf(cls) { return (S.vocab && (S.vocab.classes[cls] || S.vocab.classes.generic)) || null; }
  function className(cls) { const c = classOf(cls); return c ? c[S.lang === 'fr' ? 'fr' : 'en'] : cls; }
  function keyMetrics(cls) { const c = S.vocab && S.vocab.classes[cls]; return (c && c.key_metrics) || []; }
  function fmtValue(v) {
    if (v.text) return textValue(v.text);
    if (v.unit === 's') return fmtDuration(v.value);
    if (v.unit === 'bool') return v.value >= 1 ? '✓' : '✗';
    const u = unitName(v.unit);
    const digits = Math.abs(v.value) >= 100 ? 0 : 1;
    return fmtNum(v.value, digits) + (u ? '\u00a0' + u : '');
  }
  function plural(n, one, many, none) { return n === 0 && none ? t(none) : t(n === 1 ? one : many, { n }); }

  /* ---- DOM ------------------------------------------------------------------------------ */

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  const SVGNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, v);
    for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }
  const badge = (cls, text) => h('span', { class: 'badge st-' + cls }, text);

  /* ---- API ------------------------------------------------------------------------------ */

  class AuthError extends Error {}
  async function api(path, opts) {
    opts = opts || {};
    const method = opts.method || 'GET';
    const headers = { Accept: 'application/json' };
    if (opts.body) headers['Content-Type'] = 'application/json';
    /* the session cookie goes by itself (same origin only); an action carries the CSRF token besides */
    if (method !== 'GET' && method !== 'HEAD' && S.auth) headers['X-CSRF-Token'] = S.auth.csrf;
    const res = await fetch(path, {
      method, headers, cache: 'no-store', credentials: 'same-origin',
      body: opts.body ? JSON.stringify(opts.body) : undefined,
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) throw new AuthError(data && data.error ? data.error : 'unauthorized');
    if (!res.ok) {
      const err = new Error((data && data.error) || res.statusText || ('HTTP ' + res.status));
      err.status = res.status;
      throw err;
    }
    return data;
  }
  /* /api/v1/alerts when the server has it; null when alerting is not enabled (404). */
  async function apiAlerts(query) {
    try {
      const d = await api('/api/v1/alerts' + (query ? '?' + query : ''));
      S.alertsEnabled = true;
      return d;
    } catch (e) {
      if (e.status === 404) { S.alertsEnabled = false; return null; }
      throw e;
    }
  }
  const q = (o) => Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');

  /* ---- routes --------------------------------------------------------------------------- */

  function parseRoute() {
    const hash = location.hash.replace(/^#/, '') || '/';
    const [path, query] = hash.split('?');
    const params = new URLSearchParams(query || '');
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'site' && parts[1]) return { view: 'site', site: decodeURIComponent(parts[1]), params };
    if (parts[0] === 'incidents') return { view: 'incidents', params };
    if (parts[0] === 'alerts') return { view: 'alerts', params };
    /* a view of a file of web/ (window.vigie.views): #/NAME or #/NAME/ID */
    if (Object.prototype.hasOwnProperty.call(EXT.views, parts[0])) return { view: parts[0], id: parts[1] ? decodeURIComponent(parts[1]) : null, params };
    return { view: 'sites', params };
  }

  function thisMonth() {
    const d = new Date();
    return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0');
  }

  async function load(route) {
    if (!S.vocab) S.vocab = indexVocab(await api('/api/v1/vocabulary'));
    if (Object.prototype.hasOwnProperty.call(EXT.views, route.view)) return EXT.views[route.view].load(route);
    if (route.view === 'sites') {
      const [sites, devices, alerts] = await Promise.all([api('/api/v1/sites'), api('/api/v1/devices'), apiAlerts('state=firing')]);
      return { sites, devices, alerts };
    }
    if (route.view === 'site') {
      const site = route.site;
      const [sites, avail, devices, latest, alerts] = await Promise.all([
        api('/api/v1/sites'), api('/api/v1/availability?' + q({ site })), api('/api/v1/devices?' + q({ site })),
        api('/api/v1/latest?' + q({ site })), apiAlerts(q({ site, state: 'firing' })),
      ]);
      /* the sections of the files of web/ loaded after this one (window.vigie, below), each on its own */
      const ext = {};
      await Promise.all(EXT.siteSections.map((x) => x.load(site).then((v) => { ext[x.id] = v; }, () => { ext[x.id] = null; })));
      return { sites, avail, devices, latest, alerts, ext };
    }
    if (route.view === 'incidents') {
      const month = route.params.get('month') || thisMonth();
      const [avail, events] = await Promise.all([api('/api/v1/availability?' + q({ month })), api('/api/v1/events?' + q({ month }))]);
      return { month, avail, events };
    }
    if (route.view === 'alerts') {
      const alerts = await apiAlerts(S.alertFilter ? q({ state: S.alertFilter }) : '');
      return { alerts };
    }
    return {};
  }

  /* ---- chrome: header, banner, language -------------------------------------------------- */

  function applyStaticTexts() {
    document.documentElement.lang = S.lang;
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    document.getElementById('lang-toggle').textContent = S.lang === 'fr' ? 'EN' : 'FR';
    const out = document.getElementById('logout');
    out.hidden = !S.auth;
    out.title = S.auth ? t('login.as', { name: S.auth.name }) : '';
    document.getElementById('foot-text').textContent = t('foot');
    for (const a of document.querySelectorAll('[data-nav]')) {
      const active = S.route && (a.dataset.nav === S.route.view || (a.dataset.nav === 'sites' && S.route.view === 'site'));
      a.classList.toggle('active', !!active);
    }
  }

  function setRefreshStatus() {
    const el = document.getElementById('refresh-status');
    el.textContent = '';
    el.classList.toggle('error', !!S.error);
    if (!S.auth) return;
    const label = S.loading && !S.lastOk ? t('refresh.loading')
      : S.error ? t('refresh.error', { time: fmtClock(Date.now()) }) : t('refresh.ok', { time: fmtClock(S.lastOk) });
    el.append(h('span', { class: 'dot' }), h('span', { text: label }));
  }

  function setBanner(kind, text) {
    const b = document.getElementById('banner');
    b.hidden = !text;
    b.className = 'banner ' + (kind || '');
    b.textContent = text || '';
  }

  /* Sites whose newest value is older than the server's limit (3 steps). */
  function staleSites(devices) {
    const bySite = {};
    for (const d of (devices && devices.devices) || []) {
      const cur = bySite[d.site];
      if (cur === undefined || d.age < cur) bySite[d.site] = d.age;
    }
    const limit = devices ? devices.stale_after : 0;
    return { limit, ages: bySite, stale: Object.keys(bySite).filter((k) => bySite[k] > limit) };
  }

  function updateBanner() {
    if (S.error && S.lastOk) {
      setBanner('error', t('banner.error', { msg: S.error, time: fmtClock(S.lastOk) }));
      return;
    }
    if (S.error) { setBanner('error', S.error); return; }
    const devices = S.data && S.data.devices;
    if (devices) {
      const st = staleSites(devices);
      if (st.stale.length) {
        const names = st.stale.map((id) => siteName(id)).join(', ');
        setBanner('stale', t('banner.stale', { sites: names, limit: fmtDuration(st.limit) }));
        return;
      }
    }
    setBanner('', '');
  }

  function siteName(id) {
    const sites = S.data && S.data.sites && S.data.sites.sites;
    const s = sites && sites.find((x) => x.site === id);
    return s ? s.name : id;
  }

  /* ---- budget arithmetic ---------------------------------------------------------------- */

  /* The whole month's allowed downtime, what is left of it, the share left. */
  function budgetOf(site) {
    const f = site.figures || {};
    const p = site.period || {};
    const total = Math.max(0, ((p.to - p.from) - (f.maintenance || 0)) * (1 - site.target / 100));
    const used = f.downtime || 0;
    return { total, used, left: Math.max(0, total - used), over: Math.max(0, used - total), share: total > 0 ? Math.max(0, (total - used) / total) : 0 };
  }

  function budgetBlock(site, short) {
    const b = budgetOf(site);
    const bar = h('div', { class: 'bar' + (b.share <= 0 ? ' empty' : b.share < 0.35 ? ' low' : ''), role: 'meter',
      'aria-valuemin': '0', 'aria-valuemax': String(Math.round(b.total)), 'aria-valuenow': String(Math.round(b.left)) });
    const fill = h('span');
    fill.style.width = (b.share <= 0 ? 100 : Math.max(1.5, b.share * 100)).toFixed(1) + '%';
    bar.append(fill);
    const text = short ? t('budget.of', { total: fmtDuration(b.total) })
      : b.over > 0 ? t('budget.over', { over: fmtDuration(b.over), total: fmtDuration(b.total) })
        : t('budget.left', { left: fmtDuration(b.left), total: fmtDuration(b.total) });
    return h('div', { class: 'budget' }, bar, h('div', { class: 'budget-text', text }));
  }

  /* A period has a verdict only when enough of it was monitored (the site's min_coverage). */
  function verdictClass(f) {
    if (f.availability === null || f.availability === undefined) return '';
    return f.verdict === 'met' ? ' met' : f.verdict === 'missed' ? ' miss' : ' nodata';
  }
  function targetText(site, f) {
    if (f.verdict === 'insufficient_data')
      return t('avail.insufficient', { c: fmtPct(f.coverage), m: fmtFixed(site.min_coverage, 0) + '\u00a0%' });
    return t('avail.target', { t: fmtFixed(site.target, 3) + '\u00a0%' });
  }

  function firingCount(alerts, site) {
    if (!alerts || !Array.isArray(alerts.alerts)) return null;
    return alerts.alerts.filter((a) => a.site === site && a.state === 'firing').length;
  }

  /* ---- view: sites ---------------------------------------------------------------------- */

  const STATE_RANK = { down: 0, unknown: 1, up: 2 };
  /* Worst first: down, unknown, up; then the lowest availability, the least budget left, the most
   * alerts firing, the most devices in trouble. */
  function sortWorstFirst(sites, firing, issues) {
    return sites.slice().sort((a, b) => {
      const sa = STATE_RANK[a.state] ?? 1, sb = STATE_RANK[b.state] ?? 1;
      if (sa !== sb) return sa - sb;
      const va = a.figures.availability ?? 101, vb = b.figures.availability ?? 101;
      if (va !== vb) return va - vb;
      const ba = budgetOf(a).share, bb = budgetOf(b).share;
      if (ba !== bb) return ba - bb;
      const fa = firing(a.site), fb = firing(b.site);
      if (fa !== fb) return fb - fa;
      const ia = issues(a.site), ib = issues(b.site);
      if (ia !== ib) return ib - ia;
      return a.name.localeCompare(b.name);
    });
  }

  function viewSites(d) {
    const devList = (d.devices && d.devices.devices) || [];
    const sites = sortWorstFirst((d.sites && d.sites.sites) || [], (id) => firingCount(d.alerts, id) || 0,
      (id) => devList.filter((x) => x.site === id && (x.health === 'down' || x.health === 'degraded')).length);
    const st = staleSites(d.devices);
    const counts = { up: 0, down: 0, unknown: 0 };
    for (const x of sites) counts[x.state in counts ? x.state : 'unknown']++;
    const head = h('div', { class: 'page-head' }, h('h1', { text: t('sites.title') }), h('span', { class: 'sub', text: t('sites.sub') + ' (' + ((d.sites && d.sites.period) || '') + ')' }));
    const summary = h('div', { class: 'summary' },
      counts.down ? badge('down', t('summary.down', { n: counts.down })) : null,
      counts.unknown ? badge('unknown', t('summary.unknown', { n: counts.unknown })) : null,
      counts.up ? badge('up', t('summary.up', { n: counts.up })) : null);
    if (!sites.length) return [head, h('div', { class: 'panel empty', text: t('sites.none') })];
    const tiles = h('div', { class: 'tiles' });
    for (const site of sites) tiles.append(siteTile(site, d, st));
    return [head, summary, tiles];
  }

  function siteTile(site, d, st) {
    const f = site.figures || {};
    const state = ['up', 'down', 'unknown'].includes(site.state) ? site.state : 'unknown';
    const devs = ((d.devices && d.devices.devices) || []).filter((x) => x.site === site.site);
    const issues = devs.filter((x) => x.health === 'down' || x.health === 'degraded').length;
    const firing = firingCount(d.alerts, site.site);
    const age = st.ages[site.site];
    const stale = age !== undefined && age > st.limit;
    const av = f.availability;
    const avEl = h('span', { class: 'avail-value' + verdictClass(f),
      dataset: { value: av === null || av === undefined ? '' : String(av) }, text: fmtPct(av) });
    return h('a', { class: 'tile state-' + state, href: '#/site/' + encodeURIComponent(site.site), dataset: { site: site.site, state } },
      h('div', { class: 'tile-head' },
        h('div', {}, h('div', { class: 'tile-name', text: site.name }), h('div', { class: 'tile-kind', text: kindName(site.kind) })),
        badge(state, t('state.' + state))),
      h('div', { class: 'avail' }, avEl, h('span', { class: 'avail-target', text: av === null || av === undefined ? t('avail.none') : targetText(site, f) })),
      budgetBlock(site),
      h('div', { class: 'tile-foot' },
        h('span', { class: 'alerts-count' + (firing ? ' firing' : ''), dataset: { count: firing === null ? '' : String(firing) },
          text: firing === null ? '0 · ' + t('alerts.off') : plural(firing, 'alerts.one', 'alerts.many', 'alerts.none') }),
        h('span', { text: t('devices.count', { n: devs.length }) + (issues ? ' · ' + t('devices.issues', { n: issues }) : '') }),
        age === undefined ? null : h('span', { class: stale ? 'stale' : '', text: stale ? t('stale.site', { age: fmtDuration(age) }) : t('age.ago', { age: fmtDuration(age) }) })));
  }

  /* ---- view: one site ------------------------------------------------------------------- */

  function seriesKey(v) { return v.device + '|' + v.metric + '|' + v.instance; }
  function seriesLabel(v) {
    const inst = v.label && v.label !== v.instance ? v.label : v.instance;
    const u = unitName(v.unit);
    return v.device + ' · ' + metricName(v.metric) + (inst ? ' ' + inst : '') + (u ? ' (' + u + ')' : '');
  }

  /* One line of a device card: a value, or a summary of several instances. */
  function keyRows(values, cls) {
    const rows = [];
    const wanted = keyMetrics(cls);
    for (const m of wanted) {
      const vs = values.filter((v) => v.metric === m);
      if (!vs.length) continue;
      if (vs.length <= 3) {
        for (const v of vs) {
          const inst = vs.length > 1 ? ' ' + (v.label && v.label.length < 24 ? v.label : v.instance) : '';
          rows.push({ name: metricName(m) + inst, text: fmtValue(v), sev: v.severity, key: seriesKey(v), v });
        }
        continue;
      }
      /* many instances: states as "n/N up", numbers as min – max */
      if (vs[0].text) {
        const good = vs.filter((v) => !v.severity || v.severity === 'ok').length;
        const worst = vs.find((v) => v.severity === 'critical') || vs.find((v) => v.severity === 'warning');
        rows.push({ name: metricName(m), text: `${good}/${vs.length} ${textValue(vs[0].text && good === vs.length ? vs[0].text : 'ok')}`, sev: worst ? worst.severity : null });
      } else {
        const nums = vs.map((v) => v.value);
        const lo = Math.min(...nums), hi = Math.max(...nums);
        const u = unitName(vs[0].unit);
        const total = m === 'olt.ont.online' || m === 'olt.ont.count';
        const text = total ? fmtNum(nums.reduce((a, b) => a + b, 0), 0) : `${fmtNum(lo, 1)} … ${fmtNum(hi, 1)}${u ? '\u00a0' + u : ''}`;
        const worst = vs.find((v) => v.severity === 'critical') || vs.find((v) => v.severity === 'warning');
        rows.push({ name: metricName(m) + ' (' + vs.length + ')', text, sev: worst ? worst.severity : null, key: seriesKey(vs[0]) });
      }
    }
    return rows;
  }

  function kvTable(rows, onPick) {
    const tb = h('tbody');
    for (const r of rows) {
      const tr = h('tr', { class: r.key ? 'graphable' : '', title: r.key ? seriesLabel(r.v || { device: '', metric: r.key.split('|')[1], instance: r.key.split('|')[2], unit: '' }) : null },
        h('td', { text: r.name }), h('td', { class: 'v' + (r.sev && r.sev !== 'ok' ? ' sev-' + r.sev : ''), text: r.text }));
      if (r.key) tr.addEventListener('click', () => onPick(r.key));
      tb.append(tr);
    }
    return h('table', { class: 'kv' }, tb);
  }

  function deviceCard(dev, values, onPick) {
    const health = dev.stale ? 'stale' : dev.health;
    const rows = keyRows(values, dev.class);
    const all = values.map((v) => ({ name: metricName(v.metric) + (v.instance ? ' ' + (v.label && v.label.length < 28 ? v.label : v.instance) : ''),
      text: fmtValue(v), sev: v.severity, key: seriesKey(v), v }));
    const unreachable = dev.reachable === false;
    return h('article', { class: 'device h-' + (dev.stale ? 'unknown' : dev.health) + (dev.stale ? ' stale' : ''), dataset: { device: dev.device, health: dev.health } },
      h('div', { class: 'device-head' },
        h('h3', { text: dev.device }),
        badge(health === 'stale' ? 'stale' : health, t('health.' + health))),
      h('div', { class: 'device-meta', text: [className(dev.class), dev.profile,
        unreachable ? t('device.unreachable') : null, t('device.seen', { age: fmtDuration(dev.age) })].filter(Boolean).join(' · ') }),
      rows.length ? kvTable(rows, onPick) : null,
      all.length ? h('details', { class: 'all' }, h('summary', { text: t('device.all', { n: all.length }) }), kvTable(all, onPick)) : null);
  }

  function defaultCharts(values) {
    const pick = (pred) => values.find(pred);
    const out = [];
    const temp = pick((v) => v.metric === 'env.temperature') || pick((v) => v.metric === 'cooling.supply.temperature');
    if (temp) out.push(seriesKey(temp));
    const load = pick((v) => v.metric === 'ups.load') || pick((v) => v.metric === 'input.current');
    if (load) out.push(seriesKey(load));
    if (!out.length && values.length) out.push(seriesKey(values[0]));
    return out;
  }

  function viewSite(d, route) {
    const siteDoc = (d.avail && d.avail.sites && d.avail.sites[0]) || null;
    const summary = ((d.sites && d.sites.sites) || []).find((x) => x.site === route.site);
    if (!siteDoc) return [h('div', { class: 'panel empty', text: route.site })];
    const state = summary && ['up', 'down', 'unknown'].includes(summary.state) ? summary.state : 'unknown';
    const f = siteDoc.figures;
    const tz = siteDoc.timezone;
    const values = (d.latest && d.latest.values) || [];
    const devs = (d.devices && d.devices.devices) || [];
    const services = (d.devices && d.devices.services) || [];
    const firing = firingCount(d.alerts, route.site);
    if (!S.charts[route.site]) S.charts[route.site] = defaultCharts(values);

    const out = [];
    out.push(h('p', {}, h('a', { href: '#/', text: t('site.back') })));
    out.push(h('div', { class: 'page-head' }, h('h1', { text: siteDoc.name }), badge(state, t('state.' + state)),
      h('span', { class: 'sub', text: kindName(siteDoc.kind) + ' · ' + siteDoc.period.label })));

    const b = budgetOf(siteDoc);
    out.push(h('section', { class: 'kpis' },
      kpi(t('avail.month'), fmtPct(f.availability), targetText(siteDoc, f), 'availability'),
      kpi(t('site.budget'), b.over > 0 ? '−' + fmtDuration(b.over) : fmtDuration(b.left), null, 'budget', budgetBlock(siteDoc, true)),
      kpi(t('site.downtime'), fmtDuration(f.downtime), plural(f.incidents, 'incn.one', 'incn.many', 'incn.none')),
      kpi(t('site.unknownTime'), fmtDuration(f.unknown)),
      kpi(t('site.alerts'), firing === null ? '0' : String(firing), firing === null ? t('alerts.off') : null, 'alerts'),
      kpi(t('site.ytd'), fmtPct(siteDoc.year_to_date.availability), targetText(siteDoc, siteDoc.year_to_date), 'ytd')));
    out.push(h('h2', { text: t('site.services') }));
    const sv = h('div', { class: 'services' });
    for (const x of services) {
      const figs = (siteDoc.services || []).find((y) => y.name === x.name);
      sv.append(h('div', { class: 'service', dataset: { service: x.name, state: x.state } }, h('span', { class: 'name', text: serviceName(x.name) }),
        badge(x.state, t('state.' + x.state)), figs ? h('span', { class: 'muted small num', text: fmtPct(figs.availability) }) : null));
    }
    out.push(sv);

    out.push(h('h2', { text: t('site.graphs') }));
    out.push(chartPanel(route.site, values, tz, siteDoc));

    out.push(h('h2', { text: t('site.devices') }));
    if (!devs.length) out.push(h('div', { class: 'panel empty', text: t('site.nodevices') }));
    const grid = h('div', { class: 'devices' });
    const order = { down: 0, degraded: 1, unknown: 2, ok: 3 };
    const onPick = (key) => {
      const list = S.charts[route.site].filter((k) => k !== key);
      list.unshift(key);
      S.charts[route.site] = list.slice(0, MAX_CHARTS);
      render();
      const panel = document.querySelector('.chart-panel');
      if (panel) panel.scrollIntoView({ behavior: 'smooth', block: 'start' });
    };
    for (const dev of devs.slice().sort((a, b2) => (order[a.health] ?? 2) - (order[b2.health] ?? 2) || a.device.localeCompare(b2.device)))
      grid.append(deviceCard(dev, values.filter((v) => v.device === dev.device), onPick));
    out.push(grid);

    for (const x of EXT.siteSections) { const el = x.render(d.ext && d.ext[x.id], siteDoc); if (el) out.push(el); }
    out.push(h('h2', { text: t('site.incidents') }));
    out.push(incidentsTable(siteDoc.incidents.map((i) => Object.assign({ site: siteDoc.site, tz }, i)), false, 'site.noincident'));
    /* web/maintenance.js: the month's windows with their recurrence; this table without it */
    const mt = EXT.maintenance ? EXT.maintenance(d.ext && d.ext.maintenance, siteDoc, tz) : null;
    if (mt) out.push(...mt);
    else if (siteDoc.maintenance_windows && siteDoc.maintenance_windows.length) {
      out.push(h('h2', { text: t('site.maintenance') }));
      const tb = h('tbody');
      for (const w of siteDoc.maintenance_windows)
        tb.append(h('tr', {}, h('td', { text: fmtTime(w.start, tz) }), h('td', { text: fmtTime(w.end, tz) }),
          h('td', { text: w.service || '—' }), h('td', { text: w.reason }), h('td', { class: 'hide-narrow', text: w.who })));
      out.push(h('div', { class: 'panel table-wrap' }, h('table', { class: 'list' }, tb)));
    }
    return h('section', { class: 'site', dataset: { site: route.site } }, out);
  }

  function kpi(label, value, sub, name, extra) {
    return h('div', { class: 'panel kpi', dataset: { kpi: name || '' } }, h('div', { class: 'label', text: label }),
      h('div', { class: 'value', text: value }), extra || null, sub ? h('div', { class: 'muted small', text: sub }) : null);
  }

  /* ---- charts --------------------------------------------------------------------------- */

  function chartRange(siteDoc, now) {
    if (S.range === 'week') return { from: now - 7 * 86400, to: now };
    if (S.range === 'month') return { from: siteDoc.period.from, to: now };
    return { from: now - 86400, to: now };
  }

  function chartPanel(site, values, tz, siteDoc) {
    const byKey = {};
    for (const v of values) byKey[seriesKey(v)] = v;
    const keys = S.charts[site] || [];
    const tools = h('div', { class: 'chart-tools' });
    for (const r of ['day', 'week', 'month'])
      tools.append(h('button', { type: 'button', class: 'act' + (S.range === r ? ' on' : ''), dataset: { range: r }, text: t('range.' + r),
        onclick: () => { S.range = r; render(); } }));
    const addBtn = h('button', { type: 'button', class: 'act', text: t('chart.add'), disabled: keys.length >= MAX_CHARTS || !values.length,
      onclick: () => { const k = values.map(seriesKey).find((x) => !keys.includes(x)); if (k) { keys.push(k); render(); } } });
    tools.append(addBtn);
    const panel = h('div', { class: 'panel chart-panel' }, tools);
    if (!keys.length) panel.append(h('div', { class: 'empty', text: t('chart.hint') }));
    const now = (S.data && S.data.devices && S.data.devices.now) || Math.floor(Date.now() / 1000);
    const range = chartRange(siteDoc, now);
    keys.forEach((key, idx) => {
      const v = byKey[key] || { device: key.split('|')[0], metric: key.split('|')[1], instance: key.split('|')[2], unit: '' };
      const select = h('select', { 'aria-label': t('site.graphs'), onchange: (e) => { keys[idx] = e.target.value; render(); } });
      const groups = {};
      for (const x of values.slice().sort((a, b) => a.device.localeCompare(b.device) || metricName(a.metric).localeCompare(metricName(b.metric)))) {
        if (!groups[x.device]) { groups[x.device] = h('optgroup', { label: x.device }); select.append(groups[x.device]); }
        groups[x.device].append(h('option', { value: seriesKey(x), selected: seriesKey(x) === key, text: seriesLabel(x) }));
      }
      const box = h('div', { class: 'chart-box', dataset: { series: key } });
      panel.append(h('div', { class: 'chart-tools' }, select,
        h('button', { type: 'button', class: 'act', text: t('chart.remove'), onclick: () => { keys.splice(idx, 1); render(); } })), box);
      drawSeries(box, site, v, range, tz);
    });
    return panel;
  }

  const chartCache = new Map(); /* url -> {at, data}: a chart is fetched again after a refresh period */
  async function fetchSeries(site, v, range, cf, width) {
    const step = Math.max(1, Math.ceil((range.to - range.from) / Math.max(200, width)));
    const url = '/api/v1/series?' + q({ site, device: v.device, metric: v.metric, instance: v.instance, from: range.from, to: range.to, cf, step });
    const key = url.replace(/&from=\d+&to=\d+/, '&r=' + S.range);
    const hit = chartCache.get(key);
    if (hit && Date.now() - hit.at < (S.range === 'day' ? REFRESH_MS - 1000 : 5 * 60000)) return hit.data;
    const data = await api(url);
    chartCache.set(key, { at: Date.now(), data });
    return data;
  }

  async function drawSeries(box, site, v, range, tz) {
    await Promise.resolve(); /* measured once render() has put the box in the page */
    const width = Math.max(300, Math.floor(box.clientWidth || (box.parentNode && box.parentNode.clientWidth) || 800));
    const holder = h('div', { class: 'muted small', text: t('chart.loading') });
    box.append(holder);
    try {
      const [avg, lo, hi] = await Promise.all(['AVERAGE', 'MIN', 'MAX'].map((cf) => fetchSeries(site, v, range, cf, width).catch(() => null)));
      holder.remove();
      box.append(lineChart(avg, lo, hi, v, tz, width, range));
    } catch (e) {
      holder.textContent = e.message;
    }
  }

  function niceStep(span, n) {
    const raw = span / Math.max(1, n);
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  function tzOffset(tz, ts) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ts * 1000)).reduce((o, p) => { o[p.type] = p.value; return o; }, {});
    return (Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second) / 1000) - ts;
  }

  function lineChart(avg, lo, hi, v, tz, W, range) {
    const H = W < 520 ? 200 : 250;
    const m = { l: 52, r: 14, t: 12, b: 26 };
    const pts = (avg && avg.points) || [];
    const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': seriesLabel(v) });
    svg.dataset.points = String(pts.filter((p) => p[1] !== null).length);
    const known = [];
    for (const set of [pts, (lo && lo.points) || [], (hi && hi.points) || []]) for (const p of set) if (p[1] !== null) known.push(p[1]);
    const x0 = range.from, x1 = range.to;
    const X = (ts) => m.l + ((ts - x0) / (x1 - x0)) * (W - m.l - m.r);
    if (!known.length) {
      svg.append(s('rect', { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, fill: '#fafbfc', stroke: '#e6eaf0' }));
      svg.append(s('text', { class: 'nodata', x: W / 2, y: H / 2, 'text-anchor': 'middle' }, t('chart.none')));
      return svg;
    }
    let ymin = Math.min(...known), ymax = Math.max(...known);
    if (ymin === ymax) { ymin -= Math.abs(ymin) * 0.05 || 1; ymax += Math.abs(ymax) * 0.05 || 1; }
    const step = niceStep(ymax - ymin, H < 220 ? 4 : 5);
    ymin = Math.floor(ymin / step) * step;
    ymax = Math.ceil(ymax / step) * step;
    const Y = (val) => H - m.b - ((val - ymin) / (ymax - ymin)) * (H - m.t - m.b);
    const grid = s('g', { class: 'grid' }), axis = s('g', { class: 'axis' });
    const digits = step < 1 ? Math.min(3, Math.ceil(-Math.log10(step))) : 0;
    for (let y = ymin; y <= ymax + step / 2; y += step) {
      grid.append(s('line', { x1: m.l, x2: W - m.r, y1: Y(y), y2: Y(y) }));
      axis.append(s('text', { x: m.l - 6, y: Y(y) + 4, 'text-anchor': 'end' }, fmtFixed(y, digits)));
    }
    /* time ticks at round local times */
    const span = x1 - x0;
    const steps = [3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400];
    const maxTicks = Math.max(2, Math.floor((W - m.l - m.r) / 80));
    const tstep = steps.find((x) => span / x <= maxTicks) || 7 * 86400;
    const off = tzOffset(tz, x1);
    for (let ts = Math.ceil((x0 + off) / tstep) * tstep - off; ts <= x1; ts += tstep) {
      grid.append(s('line', { x1: X(ts), x2: X(ts), y1: m.t, y2: H - m.b }));
      const label = tstep >= 86400 ? new Intl.DateTimeFormat(locale(), { day: '2-digit', month: '2-digit', timeZone: tz }).format(new Date(ts * 1000))
        : fmtTime(ts, tz, false);
      axis.append(s('text', { x: X(ts), y: H - 8, 'text-anchor': 'middle' }, label));
    }
    svg.append(grid, axis);
    /* min-max band */
    const lp = ((lo && lo.points) || []), hp = ((hi && hi.points) || []);
    if (lp.length && lp.length === hp.length) {
      let seg = [];
      const flush = () => {
        if (seg.length > 1) {
          const top = seg.map((p) => `${X(p[0]).toFixed(1)},${Y(p[2]).toFixed(1)}`);
          const bottom = seg.slice().reverse().map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`);
          svg.append(s('polygon', { class: 'band', points: top.concat(bottom).join(' ') }));
        }
        seg = [];
      };
      for (let i = 0; i < lp.length; i++) {
        if (lp[i][1] === null || hp[i][1] === null) flush(); else seg.push([lp[i][0], lp[i][1], hp[i][1]]);
      }
      flush();
    }
    /* the line, broken where data is missing; a point alone is drawn as a dot */
    let d = '';
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i];
      if (p[1] === null) continue;
      const prev = i > 0 && pts[i - 1][1] !== null, next = i + 1 < pts.length && pts[i + 1][1] !== null;
      if (!prev && !next) svg.append(s('circle', { class: 'point', cx: X(p[0]).toFixed(1), cy: Y(p[1]).toFixed(1), r: 2.5 }));
      d += (prev ? 'L' : 'M') + X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1);
    }
    svg.append(s('path', { class: 'line', d }));
    /* hover / touch read-out */
    const cursor = s('line', { class: 'cursor', y1: m.t, y2: H - m.b, visibility: 'hidden' });
    const dot = s('circle', { class: 'cursor-dot', r: 3.5, visibility: 'hidden' });
    const tipBg = s('rect', { class: 'tip-bg', rx: 4, visibility: 'hidden', height: 20 });
    const tip = s('text', { class: 'tip', visibility: 'hidden' });
    svg.append(cursor, dot, tipBg, tip);
    const known2 = pts.filter((p) => p[1] !== null);
    const move = (clientX) => {
      const rect = svg.getBoundingClientRect();
      const x = ((clientX - rect.left) / rect.width) * W;
      const ts = x0 + ((x - m.l) / (W - m.l - m.r)) * (x1 - x0);
      let best = null;
      for (const p of known2) if (!best || Math.abs(p[0] - ts) < Math.abs(best[0] - ts)) best = p;
      if (!best) return;
      const px = X(best[0]), py = Y(best[1]);
      for (const el of [cursor, dot, tip, tipBg]) el.setAttribute('visibility', 'visible');
      cursor.setAttribute('x1', px); cursor.setAttribute('x2', px);
      dot.setAttribute('cx', px); dot.setAttribute('cy', py);
      tip.textContent = fmtValue({ value: best[1], unit: v.unit }) + ' — ' + fmtTime(best[0], tz);
      const tw = tip.getComputedTextLength ? tip.getComputedTextLength() : 120;
      const tx = Math.min(Math.max(m.l + 4, px + 8), W - m.r - tw - 8);
      tip.setAttribute('x', tx); tip.setAttribute('y', m.t + 14);
      tipBg.setAttribute('x', tx - 5); tipBg.setAttribute('y', m.t); tipBg.setAttribute('width', tw + 10);
    };
    svg.addEventListener('mousemove', (e) => move(e.clientX));
    svg.addEventListener('touchmove', (e) => { if (e.touches[0]) move(e.touches[0].clientX); }, { passive: true });
    svg.addEventListener('mouseleave', () => { for (const el of [cursor, dot, tip, tipBg]) el.setAttribute('visibility', 'hidden'); });
    return svg;
  }

  /* ---- view: incidents ------------------------------------------------------------------ */

  function incidentsTable(list, withSite, emptyKey) {
    if (!list.length) return h('div', { class: 'panel empty', text: t(emptyKey || 'inc.none') });
    const head = h('tr', {}, withSite ? h('th', { text: t('inc.site') }) : null, h('th', { text: t('inc.start') }),
      h('th', { class: 'hide-narrow', text: t('inc.end') }), h('th', { text: t('inc.duration') }), h('th', { class: 'hide-narrow', text: t('inc.counted') }),
      h('th', { text: t('inc.services') }), h('th', { text: t('inc.cause') }));
    const tb = h('tbody');
    for (const i of list.slice().sort((a, b) => b.start - a.start)) {
      tb.append(h('tr', { dataset: { site: i.site } },
        withSite ? h('td', {}, h('a', { href: '#/site/' + encodeURIComponent(i.site), text: siteNameFrom(i) })) : null,
        h('td', { text: fmtTime(i.start, i.tz) }), h('td', { class: 'hide-narrow', text: fmtTime(i.end, i.tz) }),
        h('td', { class: 'num', text: fmtDuration(i.duration) }),
        h('td', { class: 'num hide-narrow', text: i.excluded ? t('inc.maint') : fmtDuration(i.counted) }),
        h('td', { text: i.services }), h('td', { text: i.cause })));
    }
    return h('div', { class: 'panel table-wrap' }, h('table', { class: 'list incidents' }, h('thead', {}, head), tb));
  }
  function siteNameFrom(i) { return i.siteName || i.site; }

  function viewIncidents(d) {
    const sites = (d.avail && d.avail.sites) || [];
    const tzOf = {}, nameOf = {};
    for (const x of sites) { tzOf[x.site] = x.timezone; nameOf[x.site] = x.name; }
    const f = S.incFilter;
    const monthInput = h('input', { type: 'month', value: d.month, 'aria-label': t('inc.month'),
      onchange: (e) => { if (/^\d{4}-\d{2}$/.test(e.target.value)) location.hash = '#/incidents?month=' + e.target.value; } });
    const siteSel = h('select', { 'aria-label': t('inc.site'), onchange: (e) => { f.site = e.target.value; S.eventsShown = EVENTS_PAGE; render(); } },
      h('option', { value: '', text: t('inc.all') }), sites.map((x) => h('option', { value: x.site, selected: f.site === x.site, text: x.name })));
    const scopeSel = h('select', { 'aria-label': t('ev.scope'), onchange: (e) => { f.scope = e.target.value; S.eventsShown = EVENTS_PAGE; render(); } },
      ['', 'site', 'service', 'device'].map((x) => h('option', { value: x, selected: f.scope === x, text: t('scope.' + (x || 'all')) })));
    const out = [h('div', { class: 'page-head' }, h('h1', { text: t('inc.title') }), h('span', { class: 'sub', text: d.month })),
      h('div', { class: 'filters' }, h('label', {}, t('inc.month'), monthInput), h('label', {}, t('inc.site'), siteSel), h('label', {}, t('ev.scope'), scopeSel))];
    const incidents = [];
    for (const x of sites) if (!f.site || f.site === x.site) for (const i of x.incidents) incidents.push(Object.assign({ site: x.site, siteName: x.name, tz: x.timezone }, i));
    out.push(incidentsTable(incidents, true));
    out.push(h('h2', { text: t('ev.title') }));
    const now = Math.floor(Date.now() / 1000);
    const evs = ((d.events && d.events.events) || []).filter((e) => e.ts <= now && (!f.site || e.site === f.site) && (!f.scope || e.scope === f.scope)).reverse();
    if (!evs.length) out.push(h('div', { class: 'panel empty', text: t('ev.none') }));
    else {
      const tb = h('tbody');
      for (const e of evs.slice(0, S.eventsShown))
        tb.append(h('tr', {}, h('td', { class: 'nowrap', text: fmtTime(e.ts, tzOf[e.site]) }), h('td', { text: nameOf[e.site] || e.site }),
          h('td', { class: 'hide-narrow', text: t('scope.' + e.scope) }),
          h('td', { text: e.scope === 'service' ? serviceName(e.name) : e.scope === 'site' ? (nameOf[e.name] || e.name) : e.name }),
          h('td', {}, badge(e.state, t((e.scope === 'device' ? 'health.' : 'state.') + e.state))), h('td', { class: 'hide-narrow', text: e.cause })));
      out.push(h('div', { class: 'panel table-wrap' }, h('table', { class: 'list events' },
        h('thead', {}, h('tr', {}, h('th', { text: t('ev.when') }), h('th', { text: t('inc.site') }), h('th', { class: 'hide-narrow', text: t('ev.scope') }),
          h('th', { text: t('ev.item') }), h('th', { text: t('ev.state') }), h('th', { class: 'hide-narrow', text: t('ev.cause') }))), tb)));
      if (evs.length > S.eventsShown)
        out.push(h('p', {}, h('button', { type: 'button', class: 'act', text: t('ev.more', { n: evs.length - S.eventsShown }),
          onclick: () => { S.eventsShown += EVENTS_PAGE; render(); } })));
      if (d.events.truncated) out.push(h('p', { class: 'muted small', text: t('ev.truncated') }));
    }
    return out;
  }

  /* ---- view: alerts --------------------------------------------------------------------- */

  async function alertAction(path, body) {
    try {
      await api(path, { method: 'POST', body });
      S.notice = t('al.done');
    } catch (e) {
      S.notice = e.status === 403 ? t('al.admin') : e.status === 404 || e.status === 405 ? t('al.unsupported') : e.message;
    }
    refresh();
  }

  function viewAlerts(d) {
    const out = [h('div', { class: 'page-head' }, h('h1', { text: t('al.title') }))];
    if (!d.alerts) {
      out.push(h('div', { class: 'panel empty', dataset: { alerting: 'off' }, text: t('al.off') }));
      return out;
    }
    out.push(h('div', { class: 'filters' }, h('label', {}, t('al.state'),
      h('select', { onchange: (e) => { S.alertFilter = e.target.value; refresh(); } },
        ['firing', 'acknowledged', 'resolved', ''].map((x) => h('option', { value: x, selected: S.alertFilter === x, text: x ? t('state.' + x) : t('al.all') }))))));
    if (S.notice) out.push(h('p', { class: 'panel small', text: S.notice }));
    const list = d.alerts.alerts || [];
    if (!list.length) { out.push(h('div', { class: 'panel empty', text: t('al.none') })); return out; }
    const tb = h('tbody');
    for (const a of list) {
      const acts = h('div', { class: 'alert-actions' });
      if (a.state === 'firing')
        acts.append(h('button', { type: 'button', class: 'act', text: t('al.ack'), onclick: () => {
          const comment = window.prompt(t('al.comment'), '');
          if (comment !== null) alertAction('/api/v1/alerts/' + encodeURIComponent(a.id) + '/ack', { comment });
        } }));
      if (a.state !== 'resolved')
        acts.append(h('button', { type: 'button', class: 'act', text: t('al.silence'), onclick: () => {
          const reason = window.prompt(t('al.reason'), '');
          if (reason) alertAction('/api/v1/silences', Object.assign({ site: a.site, duration: '2h', reason }, a.device ? { device: a.device } : {}));
        } }));
      tb.append(h('tr', { dataset: { alert: String(a.id) } },
        h('td', {}, badge(a.state, t('state.' + a.state))), h('td', {}, badge(a.severity, t('sev.' + a.severity))),
        h('td', {}, h('a', { href: '#/site/' + encodeURIComponent(a.site), text: a.site })),
        h('td', { text: [a.device, a.metric, a.instance].filter(Boolean).join(' · ') }),
        h('td', { text: a.summary + (a.ack_by ? ' — ' + t('al.acked', { who: a.ack_by }) : '') }),
        h('td', { class: 'num hide-narrow', text: a.fired ? fmtTime(a.fired) : '' }), h('td', {}, acts)));
    }
    out.push(h('div', { class: 'panel table-wrap' }, h('table', { class: 'list alerts' },
      h('thead', {}, h('tr', {}, h('th', { text: t('al.state') }), h('th', { text: t('al.severity') }), h('th', { text: t('inc.site') }),
        h('th', { text: t('al.item') }), h('th', { text: t('al.summary') }), h('th', { class: 'hide-narrow', text: t('al.fired') }), h('th', {}))), tb)));
    return out;
  }

  /* ---- login ---------------------------------------------------------------------------- */

  function viewLogin(message) {
    const input = h('input', { type: 'password', id: 'token', autocomplete: 'current-password', placeholder: t('login.token'), 'aria-label': t('login.token') });
    const form = h('form', { onsubmit: (e) => {
      e.preventDefault();
      const v = input.value.trim();
      input.value = '';
      if (v) login({ token: v });
    } }, input, h('button', { type: 'submit', class: 'act on', text: t('login.submit') }));
    return h('div', { class: 'panel login' }, h('h1', { text: t('login.title') }), h('p', { class: 'muted', text: t('login.help') }),
      message ? h('p', { class: 'error-text', text: message }) : null, form);
  }

  /* ---- session ---------------------------------------------------------------------------- */

  /* POST /api/v1/login with {token} or {link}: the session (cookie set by the server) or why not. */
  async function login(body) {
    let res = null, data = null;
    try {
      res = await fetch('/api/v1/login', {
        method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify(body), cache: 'no-store', credentials: 'same-origin',
      });
      data = await res.json().catch(() => null);
    } catch (e) {
      S.authMessage = e.message || String(e);
    }
    S.checked = true;
    S.error = null;
    if (res && res.ok && data && data.csrf) {
      S.auth = { name: data.name, role: data.role, scope: data.scope, csrf: data.csrf };
      S.authMessage = null;
      S.data = null;
      refresh();
      return;
    }
    S.auth = null;
    if (res && res.status === 429) S.authMessage = t('login.limited', { s: res.headers.get('Retry-After') || '60' });
    else if (res && res.status === 403) S.authMessage = t('login.origin');
    else if (res) S.authMessage = body.link ? t('login.link') : t('login.bad');
    render();
  }

  /* A page (re)loaded: the session this browser has, if any (GET /api/v1/session). */
  async function resume(message) {
    try {
      const d = (await api('/api/v1/session')).session; /* null: none (no 401 in the console) */
      S.auth = d ? { name: d.name, role: d.role, scope: d.scope, csrf: d.csrf } : null;
      if (!d) S.authMessage = message;
    } catch (e) {
      S.auth = null;
      S.authMessage = message || (e instanceof AuthError ? null : e.message);
    }
    S.checked = true;
    refresh();
  }

  async function logout() {
    try { await api('/api/v1/logout', { method: 'POST' }); } catch (e) { /* ended already: the same for the page */ }
    S.auth = null;
    S.data = null;
    S.authMessage = null;
    clearTimeout(S.timer);
    render();
  }

  /* ---- rendering and refresh ------------------------------------------------------------ */

  function render() {
    applyStaticTexts();
    setRefreshStatus();
    const main = document.getElementById('main');
    if (!S.auth) {
      setBanner('', '');
      main.replaceChildren(S.checked ? viewLogin(S.authMessage) : h('div', { class: 'empty', text: t('refresh.loading') }));
      return;
    }
    if (!S.data) { main.replaceChildren(h('div', { class: 'empty', text: S.error || t('refresh.loading') })); updateBanner(); return; }
    updateBanner();
    const r = S.route;
    const scroll = window.scrollY;
    const opened = new Set([...document.querySelectorAll('details.all[open]')].map((el) => el.closest('[data-device]') && el.closest('[data-device]').dataset.device));
    let content;
    if (r.view === 'sites') content = viewSites(S.data);
    else if (r.view === 'site') content = viewSite(S.data, r);
    else if (r.view === 'incidents') content = viewIncidents(S.data);
    else if (Object.prototype.hasOwnProperty.call(EXT.views, r.view)) content = EXT.views[r.view].render(S.data, r);
    else content = viewAlerts(S.data);
    main.replaceChildren(...[].concat(content));
    for (const el of document.querySelectorAll('[data-device]')) if (opened.has(el.dataset.device)) { const det = el.querySelector('details.all'); if (det) det.open = true; }
    window.scrollTo(0, scroll);
  }

  async function refresh() {
    clearTimeout(S.timer);
    S.route = parseRoute();
    if (!S.auth) { render(); return; }
    S.loading = true;
    const route = S.route;
    try {
      const data = await load(route);
      if (S.route !== route) return; /* the user moved on meanwhile */
      S.data = Object.assign({ view: route.view }, data);
      S.lastOk = Date.now();
      S.error = null;
      S.authMessage = null;
    } catch (e) {
      if (e instanceof AuthError) {
        S.auth = null;
        S.authMessage = t('login.expired');
        S.data = null;
      } else {
        S.error = e.message || String(e);
        if (S.data && S.data.view !== route.view) S.data = null;
      }
    } finally {
      S.loading = false;
    }
    render();
    S.timer = setTimeout(refresh, REFRESH_MS);
  }

  function init() {
    /* no secret stays in the address: a one-time link's (#login=...) is taken out before anything else
     * runs, and a token of an old bookmark (?token=...) is dropped unused */
    const url = new URL(location.href);
    const m = /^#login=(vgl_[0-9a-f]{64})$/.exec(url.hash);
    const hadToken = url.searchParams.has('token');
    if (m || hadToken || url.hash.startsWith('#login=')) {
      url.searchParams.delete('token');
      history.replaceState(null, '', url.pathname + (url.searchParams.toString() ? '?' + url.searchParams : '') +
        (url.hash.startsWith('#login=') ? '#/' : url.hash));
    }
    store.set('vigie.token', null); /* what an older dashboard kept in this browser */
    const lang = url.searchParams.get('lang');
    if (lang === 'en' || lang === 'fr') S.lang = lang;
    document.getElementById('lang-toggle').addEventListener('click', () => {
      S.lang = S.lang === 'fr' ? 'en' : 'fr';
      store.set('vigie.lang', S.lang);
      render();
    });
    document.getElementById('logout').addEventListener('click', logout);
    window.addEventListener('hashchange', () => { S.data = null; S.notice = ''; S.eventsShown = EVENTS_PAGE; render(); refresh(); });
    let resizeTimer = null;
    window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { if (S.route && S.route.view === 'site') render(); }, 250); });
    if (m) login({ link: m[1] });
    else resume(hadToken ? t('login.url') : null);
  }

  /* ---- extensions ----------------------------------------------------------------------------
   * A file of web/ loaded after this one (index.html) adds a section to a site's page with
   * window.vigie.siteSections.push({id, load(site) -> Promise of its data, render(data, siteDoc) -> an
   * element or null}) and its words with window.vigie.addWords({fr: {...}, en: {...}}); it builds the
   * page with the helpers below. init waits for DOMContentLoaded, so that those files are read first.
   * A file adds a view of its own with window.vigie.views.NAME = {load(route) -> Promise of its data,
   * render(data, route) -> elements}, routed at #/NAME and #/NAME/ID (route.id); it may draw series
   * with drawSeries (the site page's charts, in the range getRange/setRange share with it). */
  const EXT = {
    siteSections: [], views: {}, h, t, api, q, badge, fmtTime, fmtDuration, textValue, lang: () => S.lang,
    drawSeries, render, getRange: () => S.range, setRange(r) { S.range = r; },
    addWords(w) { for (const l of ['fr', 'en']) Object.assign(I18N[l], (w && w[l]) || {}); },
  };
  window.vigie = EXT;
  document.addEventListener('DOMContentLoaded', init);
})();
