#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/dependency.h"
#include "cluster/shard.h"
#include "log.h"
#include "store/alert_store.h"

static bool dep_site_down(db *d, const char *site, int64_t now)
{
    char state[32] = "";
    return db_event_last_before(d, site, "site", site, now + 1, state, sizeof state, NULL) == VG_OK &&
           strcmp(state, "down") == 0;
}

static int dep_grace(const server_config *cfg)
{
    return cfg->dependency_grace > 0 ? cfg->dependency_grace : 2 * cfg->step;
}

/* Whether the agent checking public site s has its heartbeat alert open (it is silent). */
static bool dep_checker_silent(db *d, const server_config *cfg, const server_site *s)
{
    for (size_t i = 0; i < cfg->nagents; i++) {
        if (strcmp(cfg->agents[i].id, s->pub->agent) != 0)
            continue;
        alert_key key = {cfg->agents[i].site, "", "agent.heartbeat", "", "heartbeat"};
        alert_row r;
        bool found = false;
        vg_err err;
        return alert_store_find_open(d, &key, &r, &found, &err) == VG_OK && found;
    }
    return false;
}

/* Why alert r of public site s must wait now, or NULL. */
static const char *dep_reason(db *d, const server_config *cfg, const server_site *s, const alert_row *r,
                              int64_t now, char *buf, size_t size)
{
    if (dep_checker_silent(d, cfg, s))
        return "checking agent unreachable";
    if (!s->pub->nro[0])
        return NULL;
    if (dep_site_down(d, s->pub->nro, now)) {
        snprintf(buf, size, "NRO %s down", s->pub->nro);
        return buf;
    }
    /* the NRO back up within the grace: its sites' next checks have not come in yet, and what they
     * raised during the outage is the NRO's, not theirs */
    if (dep_site_down(d, s->pub->nro, now - dep_grace(cfg))) {
        snprintf(buf, size, "NRO %s recovering", s->pub->nro);
        return buf;
    }
    if (now - r->fired < dep_grace(cfg)) {
        snprintf(buf, size, "waiting for NRO %s", s->pub->nro);
        return buf;
    }
    return NULL;
}

void dependency_hold(db *d, const server_config *cfg, int64_t now)
{
    alert_row *rows = NULL;
    size_t n = 0;
    vg_err err;
    if (alert_store_select(d, ALERT_SELECT_TO_NOTIFY, &rows, &n, &err) != VG_OK) {
        log_error("alerts", "dependencies: %s", err.msg);
        return;
    }
    const server_site *s = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!s || strcmp(s->id, rows[i].site) != 0) /* rows come ordered by site */
            s = server_config_site(cfg, rows[i].site);
        if (!s || !s->pub || !shard_owns(cfg, s->id)) /* the site's shard's leader holds it (shard.h) */
            continue;
        char buf[32 + NAME_MAX_LEN];
        const char *why = dep_reason(d, cfg, s, &rows[i], now, buf, sizeof buf);
        if (why && alert_store_hold(d, rows[i].id, why, &err) != VG_OK)
            log_error("alerts", "dependencies: alert #%lld: %s", (long long)rows[i].id, err.msg);
    }
    free(rows);
}

size_t dependency_down_behind(db *d, const server_config *cfg, const char *nro, int64_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->nsites; i++) {
        const server_site *s = &cfg->sites[i];
        if (s->pub && strcmp(s->pub->nro, nro) == 0 && dep_site_down(d, s->id, now))
            n++;
    }
    return n;
}

bool dependency_has_heartbeat(const server_config *cfg, const char *site)
{
    const server_site *s = server_config_site(cfg, site);
    return !(s && s->pub);
}
