#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/ingest_route.h"

static bool ir_checks(const server_site *s, const server_agent *agent);

void ingest_router_init(ingest_router *r, const server_config *cfg, const server_agent *agent)
{
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
    r->agent = agent;
    /* most agents check no public site: their samples are then never looked up one device at a time */
    for (size_t i = 0; i < cfg->nsites && !r->checks_any; i++)
        r->checks_any = ir_checks(&cfg->sites[i], agent);
}

/* Whether the agent checks public site s: the site names it, or names none and the agent is the
 * default checker of public_sites (config/public_sites.c fills pub->agent with it at load). */
static bool ir_checks(const server_site *s, const server_agent *agent)
{
    return s->pub && strcmp(s->kind, "public") == 0 && strcmp(s->pub->agent, agent->id) == 0;
}

const char *ingest_router_site(ingest_router *r, const char *device)
{
    if (!r->checks_any)
        return r->agent->site;
    if (r->last_site && strcmp(r->last_device, device) == 0)
        return r->last_site;
    const server_site *s = server_config_site(r->cfg, device);
    r->last_site = s && ir_checks(s, r->agent) ? s->id : r->agent->site;
    snprintf(r->last_device, sizeof r->last_device, "%s", device);
    return r->last_site;
}

void ingest_routes_clear(ingest_routes *rt)
{
    free(rt->sites);
    free(rt->start);
    free(rt->idx);
    free(rt->dev_group);
    memset(rt, 0, sizeof *rt);
}

/* The group of site among the first n of rt->sites, or n. Sites are cfg's strings: compared by address. */
static size_t ir_group_of(const ingest_routes *rt, const char *site, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (rt->sites[k] == site)
            return k;
    return n;
}

/* Each described device's group, looked up once: a checking agent describes its 1,200 public sites
 * in every push, and each subset takes its own (a lookup per device and subset would cost sites x
 * devices x sites). A device of a site that has no sample in the batch belongs to no group. */
static vg_code ir_device_groups(ingest_router *r, const push_batch *b, ingest_routes *rt)
{
    size_t nd = push_batch_device_count(b);
    rt->dev_group = malloc((nd ? nd : 1) * sizeof *rt->dev_group);
    if (!rt->dev_group)
        return VG_E_NOMEM;
    for (size_t i = 0; i < nd; i++)
        rt->dev_group[i] = ir_group_of(rt, ingest_router_site(r, push_batch_device_at(b, i)->name), rt->nsites);
    return VG_OK;
}

vg_code ingest_routes_build(ingest_router *r, const push_batch *b, ingest_routes *rt)
{
    memset(rt, 0, sizeof *rt);
    size_t n = push_batch_count(b);
    size_t *group = malloc((n ? n : 1) * sizeof *group);
    rt->sites = malloc((n + 1) * sizeof *rt->sites);
    rt->idx = malloc((n ? n : 1) * sizeof *rt->idx);
    if (!group || !rt->sites || !rt->idx) {
        free(group);
        return VG_E_NOMEM;
    }
    rt->router = r;
    rt->sites[rt->nsites++] = r->agent->site;
    const char *prev = NULL;
    size_t prev_group = 0;
    for (size_t i = 0; i < n; i++) {
        const char *site = ingest_router_site(r, push_batch_at(b, i)->device);
        if (site != prev) { /* samples come device by device: a new site is looked up only at a change */
            prev_group = ir_group_of(rt, site, rt->nsites);
            if (prev_group == rt->nsites)
                rt->sites[rt->nsites++] = site;
            prev = site;
        }
        group[i] = prev_group;
    }
    rt->start = calloc(rt->nsites + 1, sizeof *rt->start);
    if (!rt->start) {
        free(group);
        return VG_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) /* counting sort: each group keeps the batch's order */
        rt->start[group[i] + 1]++;
    for (size_t k = 0; k < rt->nsites; k++)
        rt->start[k + 1] += rt->start[k];
    size_t *fill = calloc(rt->nsites, sizeof *fill);
    if (!fill) {
        free(group);
        return VG_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        rt->idx[rt->start[group[i]] + fill[group[i]]++] = i;
    free(fill);
    free(group);
    return ir_device_groups(r, b, rt);
}

push_batch *ingest_routes_subset(const ingest_routes *rt, const push_batch *b, size_t k)
{
    push_batch *out = push_batch_new(push_batch_agent(b), push_batch_seq(b));
    for (size_t j = rt->start[k]; out && j < rt->start[k + 1]; j++)
        if (push_batch_add(out, push_batch_at(b, rt->idx[j])) != 0) {
            push_batch_free(out);
            return NULL;
        }
    for (size_t i = 0; out && i < push_batch_device_count(b); i++) {
        const push_device *d = push_batch_device_at(b, i);
        if (rt->dev_group[i] == k &&
            push_batch_set_device(out, d->name, d->cls, d->profile) != 0) {
            push_batch_free(out);
            return NULL;
        }
    }
    return out;
}

vg_code ingest_route_rrd_write(ingest_router *r, rrd_store *rrd, const push_batch *b, rrd_store_stats *st,
                               vg_err *err)
{
    ingest_routes rt;
    vg_code rc = ingest_routes_build(r, b, &rt);
    if (rc == VG_OK && rt.nsites == 1) { /* the usual push: the agent's own site only */
        ingest_routes_clear(&rt);
        return rrd_store_write(rrd, r->agent->site, b, st, err);
    }
    if (rc == VG_OK)
        rc = rrd_store_stats_init(st, push_batch_count(b));
    for (size_t k = 0; rc == VG_OK && k < rt.nsites; k++) {
        if (rt.start[k] == rt.start[k + 1])
            continue;
        push_batch *sub = ingest_routes_subset(&rt, b, k);
        rrd_store_stats part;
        memset(&part, 0, sizeof part);
        rc = sub ? rrd_store_write(rrd, rt.sites[k], sub, &part, err) : vg_fail(err, VG_E_IO, "out of memory");
        /* each fate and failure back at its sample's place in b */
        for (size_t j = 0; rc == VG_OK && j < part.nfate; j++)
            st->fate[rt.idx[rt.start[k] + j]] = part.fate[j];
        for (size_t f = 0; rc == VG_OK && f < part.nfailures && st->nfailures < RRD_STORE_FAILURES_MAX; f++) {
            st->failures[st->nfailures] = part.failures[f];
            st->failures[st->nfailures++].index = rt.idx[rt.start[k] + part.failures[f].index];
        }
        st->failed_series += part.failed_series;
        rrd_store_stats_clear(&part);
        push_batch_free(sub);
    }
    if (rc == VG_OK)
        rrd_store_stats_count(st);
    else if (rc == VG_E_NOMEM)
        vg_fail(err, VG_E_IO, "out of memory");
    ingest_routes_clear(&rt);
    return rc == VG_OK ? VG_OK : VG_E_IO;
}
