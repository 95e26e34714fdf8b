/* The public sites' API (doc/api.md, "Public sites"):
 *
 *   GET /api/v1/public-sites      ?commune&category&contract&nro&state&q: every public site with its
 *                                 state, availability this month and latest RTT and loss, worst first
 *   GET /api/v1/public-sites/ID   one of them, with its addresses, its checks and this month's
 *                                 contract incidents (contract/contract.h)
 *   GET /api/v1/agent/targets     what the calling agent (its bearer token) checks: the public sites
 *                                 whose agent it is, as agent/check/check_targets.c reads them
 *
 * The live figures come from http/public_state.h, which reads each table once for all the sites. */
#include "config.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/public_sites.h"
#include "contract/contract.h"
#include "http/api_routes.h"
#include "http/public_state.h"
#include "log.h"
#include "timeutil.h"
#include "utf8.h"

#define RP_TEXT_MAX 100      /* bytes of a commune or q filter */
/* What agent/check/check_targets.c takes of one target (AGENT_CHECK_PORTS, AGENT_CHECK_HTTP): a site
 * with more is left out of its agent's list rather than have the agent refuse the whole list. */
#define RP_AGENT_PORTS 8
#define RP_AGENT_HTTP 4

static const char *const rp_categories[] = {"school", "town_hall", "police", "traffic", "camera", "other"};
static const char *const rp_states[] = {"up", "down", "unknown"};

/* ---- case-insensitive matching ------------------------------------------------------------------ */

/* s lowered into out: ASCII, and the capitals of Latin-1 and French (É -> é, Œ -> œ, Ÿ -> ÿ) in
 * UTF-8, so that "ecole" finds "ÉCOLE"'s neighbours and "école" finds "École". Other bytes as they are. */
static void rp_fold(const char *s, char *out, size_t size)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && k + 3 < size; p++) {
        if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97) {
            out[k++] = (char)0xC3;
            out[k++] = (char)(p[1] + 0x20);
            p++;
        } else if (p[0] == 0xC5 && p[1] == 0x92) {
            out[k++] = (char)0xC5;
            out[k++] = (char)0x93;
            p++;
        } else if (p[0] == 0xC5 && p[1] == 0xB8) {
            out[k++] = (char)0xC3;
            out[k++] = (char)0xBF;
            p++;
        } else {
            out[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        }
    }
    out[k] = '\0';
}

static bool rp_contains(const char *hay, const char *folded_needle)
{
    char f[256];
    rp_fold(hay, f, sizeof f);
    return strstr(f, folded_needle) != NULL;
}

/* ---- filters -------------------------------------------------------------------------------------- */

typedef struct {
    char commune[RP_TEXT_MAX * 2 + 4]; /* folded; "" for any */
    char q[RP_TEXT_MAX * 2 + 4];       /* folded; "" for any */
    const char *category, *contract, *nro, *state;
} rp_filter;

static const char *rp_arg(const api_request *req, const char *name)
{
    const char *v = req->arg(req->arg_ctx, name);
    return v && *v ? v : NULL;
}

static bool rp_in(const char *v, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, list[i]) == 0)
            return true;
    return false;
}

static bool rp_text(const api_request *req, const char *name, char *out, size_t size, api_reply *bad)
{
    const char *v = rp_arg(req, name);
    out[0] = '\0';
    if (!v)
        return true;
    if (strlen(v) > RP_TEXT_MAX || !utf8_is_valid(v) || utf8_find_control(v, strlen(v), NULL)) {
        *bad = api_error(400, name, "at most 100 bytes of UTF-8 text, no control character");
        return false;
    }
    rp_fold(v, out, size);
    return true;
}

/* Whether who sees a public site of the contract (nro NULL) or hanging from the NRO (contract NULL), or
 * the NRO itself: a filter naming none is as unknown to it as a name that is not in server.yaml. */
static bool rp_scope_has(const server_config *cfg, const auth_principal *who, const char *contract, const char *nro)
{
    if (!api_scope_limited(who) || (nro && api_scope_sees(who, cfg, nro)))
        return true;
    for (size_t i = 0; i < cfg->nsites; i++) {
        const server_public_info *p = cfg->sites[i].pub;
        if (p && (contract ? strcmp(p->contract, contract) : strcmp(p->nro, nro)) == 0 &&
            auth_may_see(who, cfg, cfg->sites[i].id))
            return true;
    }
    return false;
}

static bool rp_filters(api_ctx *ctx, const api_request *req, rp_filter *f, api_reply *bad)
{
    memset(f, 0, sizeof *f);
    if (!rp_text(req, "commune", f->commune, sizeof f->commune, bad) || !rp_text(req, "q", f->q, sizeof f->q, bad))
        return false;
    f->category = rp_arg(req, "category");
    f->contract = rp_arg(req, "contract");
    f->nro = rp_arg(req, "nro");
    f->state = rp_arg(req, "state");
    if (f->category && !rp_in(f->category, rp_categories, sizeof rp_categories / sizeof *rp_categories)) {
        *bad = api_error(400, "category", "must be school, town_hall, police, traffic, camera or other");
        return false;
    }
    if (f->state && !rp_in(f->state, rp_states, sizeof rp_states / sizeof *rp_states)) {
        *bad = api_error(400, "state", "must be up, down or unknown");
        return false;
    }
    const auth_principal *who = api_who(ctx, req);
    if (f->contract && (!name_is_valid(f->contract) || !contract_find(ctx->cfg->contracts, f->contract) ||
                        !rp_scope_has(ctx->cfg, who, f->contract, NULL))) {
        *bad = api_error(400, "contract", "not a contract of server.yaml");
        return false;
    }
    const server_site *n = f->nro && name_is_valid(f->nro) ? server_config_site(ctx->cfg, f->nro) : NULL;
    if (f->nro && (!n || strcmp(n->kind, "nro") != 0 || !rp_scope_has(ctx->cfg, who, NULL, f->nro))) {
        *bad = api_error(400, "nro", "not a site of kind nro in server.yaml");
        return false;
    }
    return true;
}

/* The filters that the configuration answers (all but state). */
static bool rp_matches(const server_site *s, const rp_filter *f)
{
    const server_public_info *p = s->pub;
    if ((f->category && strcmp(p->category, f->category) != 0) || (f->contract && strcmp(p->contract, f->contract) != 0) ||
        (f->nro && strcmp(p->nro, f->nro) != 0))
        return false;
    if (f->commune[0]) {
        char c[256];
        rp_fold(p->commune, c, sizeof c);
        if (strcmp(c, f->commune) != 0)
            return false;
    }
    return !f->q[0] || rp_contains(s->id, f->q) || rp_contains(s->name, f->q) || rp_contains(p->commune, f->q);
}

/* ---- JSON ----------------------------------------------------------------------------------------- */

static json_t *rp_num(double v) { return isnan(v) ? json_null() : json_real(v); }
static json_t *rp_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* One site as the list gives it. The cause is the one of its current state, null while up. */
static json_t *rp_site(const pubstate_row *r)
{
    const server_site *s = r->site;
    const server_public_info *p = s->pub;
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:s}", "id", s->id, "name", s->name, "commune",
                          p->commune, "epci", rp_str(p->epci), "category", p->category, "nro", rp_str(p->nro),
                          "contract", p->contract, "state", r->state);
    if (!o)
        return NULL;
    json_object_set_new(o, "since", r->since ? json_integer(r->since) : json_null());
    json_object_set_new(o, "cause", strcmp(r->state, "up") != 0 ? rp_str(r->cause) : json_null());
    json_object_set_new(o, "attributed_to", rp_str(r->attributed_to));
    json_object_set_new(o, "availability", rp_num(r->availability));
    json_object_set_new(o, "rtt", rp_num(r->rtt));
    json_object_set_new(o, "loss", rp_num(r->loss));
    return o;
}

/* The checks of a site as objects: {type: icmp}, {type: tcp, port}, {type: http, name, url, expect}.
 * The configuration was checked at load: a word that does not parse now gives NULL. */
static json_t *rp_checks(const server_public_info *p, size_t *nports, size_t *nhttp)
{
    public_check c[PUBLIC_MAX_CHECKS];
    size_t n = 0;
    vg_err err;
    *nports = *nhttp = 0;
    if (public_checks_parse(p->checks, c, PUBLIC_MAX_CHECKS, &n, NULL, &err) != VG_OK)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *o = c[i].type == PUBLIC_CHECK_ICMP ? json_pack("{s:s}", "type", "icmp")
                    : c[i].type == PUBLIC_CHECK_TCP
                        ? json_pack("{s:s, s:i}", "type", "tcp", "port", c[i].port)
                        : json_pack("{s:s, s:s, s:s, s:i}", "type", "http", "name", c[i].name, "url", c[i].url,
                                    "expect", c[i].expect);
        *nports += c[i].type == PUBLIC_CHECK_TCP;
        *nhttp += c[i].type == PUBLIC_CHECK_HTTP;
        json_array_append_new(a, o);
    }
    return a;
}

/* A contract incident, in the shape of GET /api/v1/incidents (routes_incidents.c). */
static json_t *rp_incident(const contract_incident *in)
{
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:b, s:I, s:f, s:s}", "site", in->site, "start", (json_int_t)in->start,
                          "duration", (json_int_t)in->duration, "gtr_deadline", (json_int_t)in->gtr_deadline, "breach",
                          in->breach, "overrun", (json_int_t)in->overrun, "penalty", in->penalty, "cause", in->cause);
    if (!o)
        return NULL;
    json_object_set_new(o, "restored", in->restored ? json_integer(in->restored) : json_null());
    json_object_set_new(o, "attributed_to", rp_str(in->attributed_to));
    return o;
}

/* ---- the routes ----------------------------------------------------------------------------------- */

static api_reply rp_build_fail(const vg_err *err)
{
    log_error("api", "public sites: %s", err->msg);
    return api_error(err->code == VG_E_NOMEM ? 500 : 503, NULL, err->code == VG_E_NOMEM ? "out of memory" : "database error");
}

api_reply api_route_public_sites(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    rp_filter f;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny) || !rp_filters(ctx, req, &f, &deny))
        return deny;
    const server_config *cfg = ctx->cfg;
    pubstate_row *rows = calloc(cfg->nsites + 1, sizeof *rows);
    if (!rows)
        return api_error(500, NULL, "out of memory");
    size_t n = 0;
    const auth_principal *who = api_who(ctx, req);
    for (size_t i = 0; i < cfg->nsites && n < PUBLIC_MAX_SITES; i++)
        if (cfg->sites[i].pub && rp_matches(&cfg->sites[i], &f) && api_scope_sees(who, cfg, cfg->sites[i].id))
            rows[n++].site = &cfg->sites[i];
    vg_err err = {0};
    if (pubstate_build(api_db(ctx), cfg, rows, n, (int64_t)req->now, &err) != VG_OK) {
        free(rows);
        return rp_build_fail(&err);
    }
    qsort(rows, n, sizeof *rows, pubstate_cmp);
    /* counts: the sites of every filter but state, so that ?state=down still tells how many are up */
    json_int_t up = 0, down = 0, unknown = 0;
    json_t *sites = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *st = rows[i].state;
        *(strcmp(st, "up") == 0 ? &up : strcmp(st, "down") == 0 ? &down : &unknown) += 1;
        if (!f.state || strcmp(f.state, st) == 0)
            json_array_append_new(sites, rp_site(&rows[i]));
    }
    free(rows);
    return api_json_reply(200, json_pack("{s:{s:I, s:I, s:I}, s:o}", "counts", "up", up, "down", down, "unknown",
                                         unknown, "sites", sites));
}

/* This month's incidents of the site under its contract, in the site's zone. */
static json_t *rp_site_incidents(api_ctx *ctx, const server_site *s, int64_t now, vg_err *err)
{
    struct tm tm;
    time_zone_localtime(s->timezone, now, &tm);
    contract_report *r = NULL;
    if (contract_report_build(api_db(ctx), ctx->cfg, s->pub->contract, tm.tm_year + 1900, tm.tm_mon + 1, s->id, now,
                              &r, err) != VG_OK)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->nincidents; i++)
        json_array_append_new(a, rp_incident(&r->incidents[i]));
    contract_report_free(r);
    return a;
}

api_reply api_route_public_site(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny))
        return deny;
    const char *id = req->path + strlen("/api/v1/public-sites/");
    if (strlen(id) > NAME_MAX_LEN || !name_is_valid(id))
        return api_error(400, "id", "not a site id: 1-64 of [A-Za-z0-9._-]");
    const server_site *s = server_config_site(ctx->cfg, id);
    if (!s || !s->pub || !api_scope_sees(api_who(ctx, req), ctx->cfg, s->id))
        return api_error(404, "id", "no public site of that id");
    pubstate_row row = {.site = s};
    vg_err err = {0};
    if (pubstate_build(api_db(ctx), ctx->cfg, &row, 1, (int64_t)req->now, &err) != VG_OK)
        return rp_build_fail(&err);
    json_t *inc = rp_site_incidents(ctx, s, (int64_t)req->now, &err);
    if (!inc)
        return rp_build_fail(&err);
    json_t *o = rp_site(&row), *addr = json_array();
    if (!o || !addr) {
        json_decref(o);
        json_decref(addr);
        json_decref(inc);
        return api_error(500, NULL, "out of memory");
    }
    size_t nports, nhttp;
    for (size_t i = 0; i < s->pub->naddresses; i++)
        json_array_append_new(addr, json_string(s->pub->addresses[i]));
    json_t *checks = rp_checks(s->pub, &nports, &nhttp);
    json_object_set_new(o, "addresses", addr);
    json_object_set_new(o, "checks", checks ? checks : json_array());
    json_object_set_new(o, "incidents", inc);
    return api_json_reply(200, o);
}

static bool rp_is_ip(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* One site as its agent checks it; NULL with *why when the agent could not take it: the agent checks
 * IP addresses only (no resolver on its loop), and takes RP_AGENT_PORTS / RP_AGENT_HTTP at most. */
static json_t *rp_target(const server_site *s, const char **why)
{
    size_t nports, nhttp;
    json_t *hosts = json_array(), *checks = rp_checks(s->pub, &nports, &nhttp);
    for (size_t i = 0; i < s->pub->naddresses; i++)
        if (rp_is_ip(s->pub->addresses[i]))
            json_array_append_new(hosts, json_string(s->pub->addresses[i]));
    *why = !checks ? "its checks cannot be read" : json_array_size(hosts) == 0 ? "no IP address (host names are not checked)"
           : nports > RP_AGENT_PORTS ? "more than 8 TCP ports"
           : nhttp > RP_AGENT_HTTP   ? "more than 4 HTTP checks"
                                     : NULL;
    if (*why) {
        json_decref(hosts);
        json_decref(checks);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "device", s->id, "site", s->id, "class", "link", "hosts", hosts,
                     "checks", checks);
}

api_reply api_route_agent_targets(api_ctx *ctx, const api_request *req)
{
    const char *token = api_bearer(req->authorization);
    const server_agent *a = token ? server_config_agent_by_token(ctx->cfg, token) : NULL;
    api_reply deny;
    if (!a) { /* as a push with that token would be refused, and counted */
        api_ingest_refuse_token(ctx, token, &deny);
        return deny;
    }
    json_t *targets = json_array(), *skipped = json_array();
    for (size_t i = 0; i < ctx->cfg->nsites; i++) {
        const server_site *s = &ctx->cfg->sites[i];
        if (!s->pub || strcmp(s->pub->agent, a->id) != 0)
            continue;
        const char *why = NULL;
        json_t *t = rp_target(s, &why);
        if (t)
            json_array_append_new(targets, t);
        else
            json_array_append_new(skipped, json_pack("{s:s, s:s}", "site", s->id, "reason", why));
    }
    /* "skipped": fields the agent does not know are left alone (check_targets.c) */
    return api_json_reply(200, json_pack("{s:s, s:o, s:o}", "agent", a->id, "targets", targets, "skipped", skipped));
}
