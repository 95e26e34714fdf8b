#include "config.h"
#include "energy/energy_site.h"

#include <stdlib.h>

#include "energy/energy.h"
#include "energy/headroom.h"
#include "energy/inventory.h"
#include "energy/trend_watch.h"
#include "sla/health.h"

/* What every document of a site starts from. */
typedef struct {
    state_site_info info;
    const energy_site_config *cfg;
    inventory *inv;
} es_site;

static vg_code es_open(db *d, const server_config *cfg, const char *site, es_site *s, vg_err *err)
{
    state_site_info_get(cfg, site, &s->info);
    const server_site *ss = server_config_site(cfg, site);
    s->cfg = energy_config_get(ss ? ss->energy : NULL);
    return inventory_load(d, site, s->cfg, &s->inv, err);
}

static json_t *es_head(const es_site *s)
{
    return json_pack("{s:s, s:s, s:s}", "site", s->info.id, "name", s->info.name, "timezone", s->info.timezone);
}

vg_code energy_site_energy(db *d, rrd_store *rrd, const server_config *cfg, const char *site, int64_t from, int64_t to,
                           int64_t until, json_t **out, vg_err *err)
{
    es_site s;
    energy_period *p;
    vg_code rc = es_open(d, cfg, site, &s, err);
    if (rc != VG_OK)
        return rc;
    rc = energy_compute(rrd, s.inv, s.cfg, site, s.info.timezone, from, to, until, &p, err);
    inventory_free(s.inv);
    if (rc != VG_OK)
        return rc;
    json_t *o = es_head(&s);
    json_object_set_new(o, "energy", energy_period_json(p));
    energy_period_free(p);
    *out = o;
    return VG_OK;
}

vg_code energy_site_headroom(db *d, const server_config *cfg, const char *site, int64_t now, json_t **out, vg_err *err)
{
    es_site s;
    vg_code rc = es_open(d, cfg, site, &s, err);
    if (rc != VG_OK)
        return rc;
    headroom_when w = {.now = now, .max_age = 3 * (int64_t)cfg->step};
    json_t *h = NULL;
    rc = headroom_read(s.inv, s.cfg, s.info.model, site, &w, &h, err);
    inventory_free(s.inv);
    if (rc != VG_OK)
        return rc;
    json_t *o = es_head(&s);
    json_object_set_new(o, "headroom", h);
    *out = o;
    return VG_OK;
}

vg_code energy_site_trends(db *d, rrd_store *rrd, const server_config *cfg, const char *site, int64_t now, json_t **out,
                           vg_err *err)
{
    es_site s;
    vg_code rc = es_open(d, cfg, site, &s, err);
    if (rc != VG_OK)
        return rc;
    json_t *t = NULL;
    rc = trend_watch_site(rrd, s.inv, s.info.model, s.cfg, site, now, &t, err);
    inventory_free(s.inv);
    if (rc != VG_OK)
        return rc;
    json_t *o = es_head(&s);
    json_object_set_new(o, "trends", t);
    *out = o;
    return VG_OK;
}

vg_code energy_site_report(db *d, rrd_store *rrd, const server_config *cfg, const char *site, int64_t from, int64_t to,
                           int64_t until, json_t *site_obj, vg_err *err)
{
    es_site s;
    energy_period *p = NULL;
    json_t *h = NULL;
    vg_code rc = es_open(d, cfg, site, &s, err);
    if (rc != VG_OK)
        return rc;
    headroom_when w = {.rrd = rrd, .from = from, .to = until > from ? until : from + 1};
    if ((rc = energy_compute(rrd, s.inv, s.cfg, site, s.info.timezone, from, to, until, &p, err)) == VG_OK &&
        (rc = headroom_read(s.inv, s.cfg, s.info.model, site, &w, &h, err)) == VG_OK) {
        json_object_set_new(site_obj, "energy", energy_period_json(p));
        json_object_set_new(site_obj, "headroom", h);
    }
    energy_period_free(p);
    inventory_free(s.inv);
    return rc;
}
