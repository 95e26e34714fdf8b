#include "config.h"
#include "http/public_state.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sla/health.h"
#include "store/db_public.h"
#include "timeutil.h"

#define PS_MAX_INSTANCES (PUBLIC_MAX_ADDRESSES + 1) /* one per address; "" for a single one */
#define PS_MAX_MEMBERS 64                           /* devices of class link at one public site */

typedef struct {
    char name[INSTANCE_MAX_LEN + 1];
    double loss, rtt;
    int64_t loss_ts, rtt_ts; /* the samples' times */
} ps_inst;

typedef struct {
    pubstate_row *row;
    int64_t from, to;    /* its month up to now; to <= from: a month not begun */
    bool plain;          /* the public kind's single link service: computed from the bulk reads */
    avail_member *members;
    size_t nmembers;
    const avail_window *windows;
    size_t nwindows;
    ps_inst inst[PS_MAX_INSTANCES];
    size_t ninst;
} ps_site;

typedef struct {
    const char *id;
    bool down;
} ps_nro;

typedef struct {
    const server_config *cfg;
    ps_site *sites;
    size_t n;
    ps_site **by_id;     /* sorted by id, for the rows the statements call back with */
    ps_nro *nros;
    size_t nnros;
    int64_t now, fresh_after;
} ps_build;

static int ps_cmp_id(const void *a, const void *b)
{
    return strcmp((*(ps_site *const *)a)->row->site->id, (*(ps_site *const *)b)->row->site->id);
}

static int ps_key_id(const void *key, const void *elem)
{
    return strcmp(key, (*(ps_site *const *)elem)->row->site->id);
}

static ps_site *ps_find(ps_build *b, const char *id)
{
    ps_site **p = bsearch(id, b->by_id, b->n, sizeof *b->by_id, ps_key_id);
    return p ? *p : NULL;
}

static void ps_on_state(void *ctx, const char *site, const char *state, int64_t ts, const char *cause)
{
    ps_build *b = ctx;
    for (size_t i = 0; i < b->nnros; i++)
        if (strcmp(b->nros[i].id, site) == 0)
            b->nros[i].down = strcmp(state, "down") == 0;
    ps_site *s = ps_find(b, site);
    if (!s)
        return;
    snprintf(s->row->state, sizeof s->row->state, "%s", state[0] ? state : "unknown");
    s->row->since = ts;
    snprintf(s->row->cause, sizeof s->row->cause, "%s", cause);
}

/* A value older than three steps is no longer the link's (the dashboard's staleness, api_data.c). */
static void ps_on_value(void *ctx, const char *site, const char *metric, const char *instance, double value, int64_t ts)
{
    ps_build *b = ctx;
    ps_site *s = ps_find(b, site);
    if (!s || ts < b->fresh_after || !isfinite(value))
        return;
    size_t i = 0;
    while (i < s->ninst && strcmp(s->inst[i].name, instance) != 0)
        i++;
    if (i == s->ninst) {
        if (s->ninst == PS_MAX_INSTANCES)
            return;
        snprintf(s->inst[i].name, sizeof s->inst[i].name, "%s", instance);
        s->inst[i].loss = s->inst[i].rtt = NAN;
        s->ninst++;
    }
    bool loss = strcmp(metric, "link.loss") == 0;
    *(loss ? &s->inst[i].loss : &s->inst[i].rtt) = value;
    *(loss ? &s->inst[i].loss_ts : &s->inst[i].rtt_ts) = ts;
}

/* Several addresses: the loss is the worst one's (a link that loses echoes is what to see), the RTT
 * that of the address answering best (least loss, then the quickest): the one the site is reached by. */
static void ps_link_figures(ps_site *s)
{
    pubstate_row *r = s->row;
    const ps_inst *best = NULL;
    for (size_t i = 0; i < s->ninst; i++) {
        const ps_inst *in = &s->inst[i];
        if (!isnan(in->loss) && (isnan(r->loss) || in->loss > r->loss))
            r->loss = in->loss;
        /* an RTT older than the address's last loss is from before it stopped answering: none now */
        if (isnan(in->rtt) || (!isnan(in->loss) && in->rtt_ts < in->loss_ts))
            continue;
        double l = isnan(in->loss) ? 100 : in->loss, bl = best && !isnan(best->loss) ? best->loss : 100;
        if (!best || l < bl || (l == bl && in->rtt < best->rtt))
            best = in;
    }
    if (best)
        r->rtt = best->rtt;
}

static void ps_on_spans(void *ctx, const char *site, const char *device, avail_span *spans, size_t nspans)
{
    ps_build *b = ctx;
    ps_site *s = ps_find(b, site);
    avail_member *m = NULL;
    if (s && s->plain && s->nmembers < PS_MAX_MEMBERS &&
        (m = realloc(s->members, (s->nmembers + 1) * sizeof *m)) != NULL) {
        s->members = m;
        m = &s->members[s->nmembers++];
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", device);
        m->spans = spans;
        m->nspans = nspans;
        return;
    }
    free(spans); /* not a row's, or out of memory: that site is then judged without this device */
}

/* Whether the site has the public kind's services: one service judged on every device of class link. */
static bool ps_plain(const server_site *site)
{
    const site_model *m = &site->model;
    return m->nservices == 1 && strcmp(m->services[0].cls, "link") == 0 && m->services[0].ndevices == 0 &&
           m->services[0].nconditions == 0;
}

static int ps_cmp_item(const void *a, const void *b)
{
    const db_maint_item *x = a, *y = b;
    int c = strcmp(x->site, y->site);
    return c ? c : (x->w.start > y->w.start) - (x->w.start < y->w.start);
}

/* Every site's maintenance windows of [from, to) in one listing, handed to each row as a slice of
 * *wins (sorted by site; the caller frees it). */
static vg_code ps_windows(db *d, ps_build *b, int64_t from, int64_t to, avail_window **wins, vg_err *err)
{
    db_maint_item *items = NULL;
    size_t n = 0;
    *wins = NULL;
    vg_code rc = db_maintenance_items(d, NULL, from, to, false, &items, &n, NULL, err);
    if (rc != VG_OK)
        return rc;
    if (n)
        qsort(items, n, sizeof *items, ps_cmp_item);
    *wins = malloc((n ? n : 1) * sizeof **wins);
    if (!*wins) {
        free(items);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        (*wins)[i] = items[i].w;
    size_t k = 0; /* both lists by id: one walk */
    for (size_t i = 0; i < b->n; i++) {
        ps_site *s = b->by_id[i];
        while (k < n && strcmp(items[k].site, s->row->site->id) < 0)
            k++;
        s->windows = &(*wins)[k];
        while (k < n && strcmp(items[k].site, s->row->site->id) == 0) {
            s->nwindows++;
            k++;
        }
    }
    free(items);
    return VG_OK;
}

static vg_code ps_availability(db *d, ps_build *b, ps_site *s, vg_err *err)
{
    const server_site *site = s->row->site;
    if (s->to <= s->from)
        return VG_OK;
    avail_result r;
    if (!s->plain) {
        if (state_availability(d, b->cfg, site->id, s->from, s->to, &r) != 0)
            return vg_fail(err, VG_E_IO, "site %s: cannot compute its availability", site->id);
    } else {
        const site_service *sv = &site->model.services[0];
        avail_group g = {.members = s->members, .nmembers = s->nmembers};
        g.min_up = sv->min_up > 0 ? sv->min_up : (s->nmembers > 1 ? (int)s->nmembers - 1 : 1);
        avail_service svc = {.groups = &g, .ngroups = 1};
        snprintf(svc.name, sizeof svc.name, "%s", sv->name);
        /* a service with no device to judge it is left out, as state_site_build does */
        avail_site as = {.target = site->target, .min_coverage = site->min_coverage, .policy = site->model.unknown,
                         .services = &svc, .nservices = s->nmembers ? 1 : 0, .maintenance = s->windows,
                         .nmaintenance = s->nwindows};
        if (avail_compute(&as, s->from, s->to, &r) != 0)
            return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    s->row->availability = r.site.availability;
    avail_result_free(&r);
    return VG_OK;
}

/* The ids the statements read: every row's (n), then their NROs (for the states). */
static vg_code ps_lists(ps_build *b, char **rows_list, char **all_list, vg_err *err)
{
    const char **ids = calloc(2 * b->n + 1, sizeof *ids);
    b->nros = calloc(b->n + 1, sizeof *b->nros);
    if (!ids || !b->nros) {
        free(ids);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        ids[k++] = b->sites[i].row->site->id;
    *rows_list = db_public_site_list(ids, k);
    for (size_t i = 0; i < b->n; i++) {
        const char *nro = b->sites[i].row->site->pub->nro;
        size_t j = 0;
        while (j < b->nnros && strcmp(b->nros[j].id, nro) != 0)
            j++;
        if (nro[0] && j == b->nnros) {
            b->nros[b->nnros++].id = nro;
            ids[k++] = nro;
        }
    }
    *all_list = db_public_site_list(ids, k);
    free(ids);
    return *rows_list && *all_list ? VG_OK : vg_fail(err, VG_E_NOMEM, "out of memory");
}

static void ps_init_site(ps_build *b, ps_site *s, pubstate_row *row)
{
    memset(s, 0, sizeof *s);
    s->row = row;
    snprintf(row->state, sizeof row->state, "unknown");
    row->since = 0;
    row->cause[0] = '\0';
    row->attributed_to = NULL;
    row->availability = row->rtt = row->loss = NAN;
    s->plain = ps_plain(row->site);
    struct tm tm;
    time_zone_localtime(row->site->timezone, b->now, &tm);
    if (avail_month_bounds(row->site->timezone, tm.tm_year + 1900, tm.tm_mon + 1, &s->from, &s->to) != 0)
        s->from = s->to = 0;
    if (s->to > b->now)
        s->to = b->now > s->from ? b->now : s->from;
}

static vg_code ps_run(db *d, ps_build *b, vg_err *err)
{
    char *rows_list = NULL, *all_list = NULL;
    avail_window *wins = NULL;
    vg_code rc = ps_lists(b, &rows_list, &all_list, err);
    int64_t from = b->now, to = 0, step = 2 * (int64_t)b->cfg->step; /* health.c's cover of a run */
    for (size_t i = 0; i < b->n; i++)
        if (b->sites[i].to > b->sites[i].from) {
            from = b->sites[i].from < from ? b->sites[i].from : from;
            to = b->sites[i].to > to ? b->sites[i].to : to;
        }
    if (rc == VG_OK)
        rc = db_public_states(d, all_list, b->now + 1, ps_on_state, b, err);
    if (rc == VG_OK)
        rc = db_public_values(d, rows_list, "link.rtt", "link.loss", ps_on_value, b, err);
    if (rc == VG_OK && to > from)
        rc = db_public_spans(d, rows_list, "link", from, to, step, ps_on_spans, b, err);
    if (rc == VG_OK && to > from)
        rc = ps_windows(d, b, from, to, &wins, err);
    for (size_t i = 0; rc == VG_OK && i < b->n; i++) {
        ps_site *s = &b->sites[i];
        ps_link_figures(s);
        const char *nro = s->row->site->pub->nro;
        for (size_t j = 0; j < b->nnros; j++)
            if (strcmp(s->row->state, "down") == 0 && b->nros[j].down && strcmp(b->nros[j].id, nro) == 0)
                s->row->attributed_to = nro;
        rc = ps_availability(d, b, s, err);
    }
    free(wins);
    free(rows_list);
    free(all_list);
    return rc;
}

vg_code pubstate_build(db *d, const server_config *cfg, pubstate_row *rows, size_t n, int64_t now, vg_err *err)
{
    ps_build b = {.cfg = cfg, .n = n, .now = now, .fresh_after = now - 3 * (int64_t)cfg->step};
    b.sites = calloc(n + 1, sizeof *b.sites);
    b.by_id = calloc(n + 1, sizeof *b.by_id);
    vg_code rc = VG_OK;
    if (!b.sites || !b.by_id)
        rc = vg_fail(err, VG_E_NOMEM, "out of memory");
    for (size_t i = 0; rc == VG_OK && i < n; i++) {
        ps_init_site(&b, &b.sites[i], &rows[i]);
        b.by_id[i] = &b.sites[i];
    }
    if (rc == VG_OK) {
        qsort(b.by_id, n, sizeof *b.by_id, ps_cmp_id);
        rc = ps_run(d, &b, err);
    }
    for (size_t i = 0; b.sites && i < n; i++) {
        for (size_t m = 0; m < b.sites[i].nmembers; m++)
            free(b.sites[i].members[m].spans);
        free(b.sites[i].members);
    }
    free(b.sites);
    free(b.by_id);
    free(b.nros);
    return rc;
}

static int ps_state_rank(const char *s) { return strcmp(s, "down") == 0 ? 0 : strcmp(s, "up") == 0 ? 2 : 1; }

int pubstate_cmp(const void *a, const void *b)
{
    const pubstate_row *x = a, *y = b;
    int rx = ps_state_rank(x->state), ry = ps_state_rank(y->state);
    if (rx != ry)
        return rx - ry;
    bool xn = isnan(x->availability), yn = isnan(y->availability);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->availability != y->availability)
        return x->availability < y->availability ? -1 : 1;
    return strcmp(x->site->id, y->site->id);
}
