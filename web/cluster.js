/* vigie dashboard: which server of a pair answers (GET /api/v1/health's `cluster`, doc/cluster.md), a
 * chip in the header added through window.vigie (app.js): this server's node and role, and the leader
 * when this one follows, and its shard in a sharded estate (the data shown is still the whole
 * estate's), refreshed every 15 s, in the dashboard's language. A server alone shows nothing: there
 * is no pair to tell apart. */
'use strict';

(() => {
  const V = window.vigie;
  if (!V) return;
  V.addWords({
    fr: {
      'cl.leader': 'Serveur {node} : meneur', 'cl.follower': 'Serveur {node} : suiveur, meneur {leader}',
      'cl.none': 'Serveur {node} : suiveur, aucun meneur', 'cl.title': 'Paire de serveurs, terme {term} du bail',
      'cl.unreachable': 'Serveur injoignable', 'cl.shard': 'partition {shard}',
      'cl.shard_title': 'Partition {shard} du parc, terme {term} de son bail ; le tableau montre tout le parc',
    },
    en: {
      'cl.leader': 'Server {node}: leader', 'cl.follower': 'Server {node}: follower, leader {leader}',
      'cl.none': 'Server {node}: follower, no leader', 'cl.title': 'Server pair, lease term {term}',
      'cl.unreachable': 'Server unreachable', 'cl.shard': 'shard {shard}',
      'cl.shard_title': 'Shard {shard} of the estate, lease term {term}; the dashboard shows the whole estate',
    },
  });
  const { h, t } = V;
  let last = null;

  function show(el) {
    const c = last && last.cluster;
    el.textContent = '';
    el.hidden = !c || c.role === 'alone';
    if (el.hidden) return;
    const key = c.role === 'leader' ? 'cl.leader' : c.leader ? 'cl.follower' : 'cl.none';
    el.className = 'cluster-role chip-button role-' + c.role;
    el.dataset.role = c.role;
    el.title = c.shard ? t('cl.shard_title', { shard: c.shard, term: c.term }) : t('cl.title', { term: c.term });
    el.dataset.shard = c.shard || '';
    el.append(h('span', { text: t(key, { node: c.node, leader: c.leader }) }));
    if (c.shard) el.append(h('span', { class: 'cluster-shard', text: ' · ' + t('cl.shard', { shard: c.shard }) }));
  }

  async function load(el) {
    try {
      const r = await fetch('/api/v1/health', { cache: 'no-store' }); /* no token: health is public */
      last = r.ok ? await r.json() : null;
    } catch (e) {
      last = null;
    }
    show(el);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const tools = document.querySelector('header .tools');
    if (!tools) return;
    const el = h('span', { id: 'cluster-role', class: 'cluster-role', hidden: true, 'aria-live': 'polite' });
    tools.prepend(el);
    const toggle = document.getElementById('lang-toggle');
    if (toggle) toggle.addEventListener('click', () => show(el));
    load(el);
    setInterval(() => load(el), 15000);
  });
})();
