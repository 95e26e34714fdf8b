/* incidents: the month of a contract, from the store to the content of the délégataire's report.
 *
 * For each public site of the contract, its outages are avail_compute()'s incidents over the month
 * and the CONTRACT_LOOKBACK before it (so that an outage that began in the previous month keeps its
 * real start), outside maintenance. An incident belongs to the month in which it was restored; one
 * still going on now is shown in the current month, ongoing (doc/report.md, "GTR"). Its GTR clock runs
 * on the contract's calendar, and it is attributed to the site's NRO when the NRO was down within
 * dependency_grace of its start and that outage overlaps it. */
#include "config.h"
#include "contract/contract_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sla/health.h"

#define CONTRACT_LOOKBACK (62 * 86400) /* how far back an incident restored in the month may have begun */
#define CI_MAX_NROS 256                /* NROs whose outages are kept at once (one read each) */

typedef struct {
    char id[NAME_MAX_LEN + 1];
    avail_result r;                    /* its outages over the looked-back period */
    bool ok;
} ci_nro;

typedef struct {
    db *d;
    const server_config *cfg;
    const contract_class *cls;
    contract_report *rep;
    size_t cap_incidents;
    ci_nro *nros;
    size_t nnros;
    int64_t *eligible;                 /* per site row, for the communes' availability */
    contract_site_filter admit;        /* NULL: every site of the contract */
    const void *admit_arg;
} ci_build;

/* The NRO's outages, read once per NRO over [from, to). NULL when it cannot be read. */
static const avail_result *ci_nro_outages(ci_build *b, const char *nro, int64_t from, int64_t to)
{
    for (size_t i = 0; i < b->nnros; i++)
        if (strcmp(b->nros[i].id, nro) == 0)
            return b->nros[i].ok ? &b->nros[i].r : NULL;
    if (b->nnros == CI_MAX_NROS)
        return NULL;
    ci_nro *n = &b->nros[b->nnros++];
    snprintf(n->id, sizeof n->id, "%s", nro);
    n->ok = server_config_site(b->cfg, nro) && state_availability(b->d, b->cfg, nro, from, to, &n->r) == 0;
    return n->ok ? &n->r : NULL;
}

/* Whether the NRO was down at some instant of [start - grace, start + grace] in an outage that
 * overlaps the incident [start, end). */
static bool ci_attributed(const avail_result *nro, int64_t start, int64_t end, int64_t grace)
{
    for (size_t i = 0; nro && i < nro->nincidents; i++) {
        const avail_incident *n = &nro->incidents[i];
        if (n->start <= start + grace && n->end > start - grace && n->start < end && n->end > start)
            return true;
    }
    return false;
}

static contract_incident *ci_push(ci_build *b)
{
    contract_report *r = b->rep;
    if (r->nincidents == b->cap_incidents) {
        size_t c = b->cap_incidents ? b->cap_incidents * 2 : 64;
        contract_incident *p = realloc(r->incidents, c * sizeof *p);
        if (!p)
            return NULL;
        r->incidents = p;
        b->cap_incidents = c;
    }
    contract_incident *in = &r->incidents[r->nincidents++];
    memset(in, 0, sizeof *in);
    return in;
}

void contract_incident_judge(const contract_class *cls, contract_incident *in, int64_t end)
{
    int64_t until = in->restored ? in->restored : end;
    in->duration = until - in->start;
    in->gtr_deadline = contract_calendar_deadline(cls->calendar, in->start, cls->gtr);
    in->overrun = until > in->gtr_deadline ? contract_calendar_counted(cls->calendar, in->gtr_deadline, until) : 0;
    in->breach = in->overrun > 0;
    in->penalty = contract_penalty(in->overrun, cls->penalty_per_hour);
}

bool contract_incidents_cap(const contract_class *cls, contract_incident *in, size_t n)
{
    double cum = 0;
    bool cut = false;
    for (size_t i = 0; i < n; i++) {
        if (cls->penalty_cap >= 0 && cum + in[i].penalty > cls->penalty_cap) {
            in[i].penalty = cls->penalty_cap - cum;
            cut = true;
        }
        cum += in[i].penalty;
    }
    return cut;
}

/* The incidents of one site that belong to the month [from, to), measured to T = min(to, now). */
static vg_code ci_site_incidents(ci_build *b, const server_site *s, contract_site_row *row, const avail_result *look,
                                 int64_t from, int64_t T, vg_err *err)
{
    contract_report *r = b->rep;
    const avail_result *nro = NULL;
    if (s->pub->nro[0])
        nro = ci_nro_outages(b, s->pub->nro, from - CONTRACT_LOOKBACK - b->cfg->dependency_grace,
                             T + b->cfg->dependency_grace);
    size_t first = r->nincidents;
    for (size_t i = 0; i < look->nincidents; i++) {
        const avail_incident *a = &look->incidents[i];
        bool ongoing = a->end >= T;
        if (a->excluded || (!ongoing && a->end < from) || (ongoing && T < r->now))
            continue; /* in maintenance, restored before the month, or restored in a later one */
        contract_incident *in = ci_push(b);
        if (!in)
            return vg_fail(err, VG_E_NOMEM, "out of memory");
        snprintf(in->site, sizeof in->site, "%s", s->id);
        snprintf(in->cause, sizeof in->cause, "%s", a->cause);
        in->start = a->start;
        in->restored = ongoing ? 0 : a->end;
        contract_incident_judge(b->cls, in, T);
        if (ci_attributed(nro, in->start, ongoing ? T : in->restored, b->cfg->dependency_grace))
            snprintf(in->attributed_to, sizeof in->attributed_to, "%s", s->pub->nro);
    }
    row->capped = r->nincidents > first && contract_incidents_cap(b->cls, &r->incidents[first], r->nincidents - first);
    for (size_t i = first; i < r->nincidents; i++) {
        const contract_incident *in = &r->incidents[i];
        row->incidents++;
        row->breaches += in->breach;
        row->attributed += in->attributed_to[0] != 0;
        row->penalty += in->penalty;
        *(in->attributed_to[0] ? &row->penalty_nro : &row->penalty_link) += in->penalty;
    }
    return VG_OK;
}

static void ci_row_init(contract_site_row *row, const server_site *s)
{
    memset(row, 0, sizeof *row);
    snprintf(row->id, sizeof row->id, "%s", s->id);
    snprintf(row->name, sizeof row->name, "%s", s->name);
    snprintf(row->commune, sizeof row->commune, "%s", s->pub->commune);
    snprintf(row->category, sizeof row->category, "%s", s->pub->category);
    snprintf(row->nro, sizeof row->nro, "%s", s->pub->nro);
    row->availability = row->coverage = NAN;
}

/* One site: its month's figures, then its incidents. */
static vg_code ci_site(ci_build *b, const server_site *s, vg_err *err)
{
    contract_report *r = b->rep;
    contract_site_row *row = &r->sites[r->nsites];
    ci_row_init(row, s);
    int64_t from, to;
    if (avail_month_bounds(s->timezone, r->year, r->month, &from, &to) != 0)
        return vg_fail_field(err, VG_E_INVALID, "month", "%04d-%02d is not a month", r->year, r->month);
    int64_t T = to < r->now ? to : r->now;
    b->eligible[r->nsites] = 0;
    r->nsites++;
    if (T <= from)
        return VG_OK; /* a month to come */
    state_site *st = state_site_build(b->d, b->cfg, s->id, from - CONTRACT_LOOKBACK, T);
    if (!st)
        return vg_fail(err, VG_E_IO, "site %s: cannot read its health runs", s->id);
    avail_result month, look;
    int rc = avail_compute(state_site_avail(st), from, T, &month);
    if (rc == 0 && avail_compute(state_site_avail(st), from - CONTRACT_LOOKBACK, T, &look) != 0) {
        avail_result_free(&month);
        rc = -1;
    }
    state_site_free(st);
    if (rc != 0)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    row->availability = month.site.availability;
    row->coverage = month.site.coverage;
    row->target_met = month.site.verdict != AVAIL_VERDICT_INSUFFICIENT && month.site.availability >= b->cls->target;
    row->downtime = month.site.downtime;
    b->eligible[r->nsites - 1] = month.site.eligible;
    vg_code vc = ci_site_incidents(b, s, row, &look, from, T, err);
    avail_result_free(&month);
    avail_result_free(&look);
    return vc;
}

static int ci_row_cmp(const void *a, const void *b)
{
    const contract_site_row *x = a, *y = b;
    bool xn = isnan(x->availability), yn = isnan(y->availability);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->availability != y->availability)
        return x->availability < y->availability ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int ci_incident_cmp(const void *a, const void *b)
{
    const contract_incident *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return strcmp(x->site, y->site);
}

static int ci_commune_cmp(const void *a, const void *b)
{
    return strcmp(((const contract_commune_row *)a)->commune, ((const contract_commune_row *)b)->commune);
}

/* Totals and per-commune rows, before the rows are sorted (eligible[] is in site order). */
static vg_code ci_totals(ci_build *b, vg_err *err)
{
    contract_report *r = b->rep;
    int64_t *elig = calloc(r->nsites + 1, sizeof *elig);
    r->communes = calloc(r->nsites + 1, sizeof *r->communes);
    if (!elig || !r->communes) {
        free(elig);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    contract_totals *t = &r->totals;
    for (size_t i = 0; i < r->nsites; i++) {
        const contract_site_row *s = &r->sites[i];
        t->sites++;
        t->incidents += s->incidents;
        t->breaches += s->breaches;
        t->attributed += s->attributed;
        t->penalty += s->penalty;
        t->penalty_nro += s->penalty_nro;
        t->penalty_link += s->penalty_link;
        size_t c = 0;
        while (c < r->ncommunes && strcmp(r->communes[c].commune, s->commune) != 0)
            c++;
        contract_commune_row *cr = &r->communes[c];
        if (c == r->ncommunes++)
            snprintf(cr->commune, sizeof cr->commune, "%s", s->commune);
        else
            r->ncommunes--;
        cr->sites++;
        cr->incidents += s->incidents;
        cr->breaches += s->breaches;
        cr->penalty += s->penalty;
        cr->penalty_nro += s->penalty_nro;
        cr->penalty_link += s->penalty_link;
        cr->downtime += s->downtime;
        elig[c] += b->eligible[i];
    }
    for (size_t c = 0; c < r->ncommunes; c++)
        r->communes[c].availability =
            elig[c] > 0 ? 100.0 * (double)(elig[c] - r->communes[c].downtime) / (double)elig[c] : NAN;
    free(elig);
    qsort(r->communes, r->ncommunes, sizeof *r->communes, ci_commune_cmp);
    return VG_OK;
}

static bool ci_member(const ci_build *b, const server_site *s, const char *contract, const char *only)
{
    return s->pub && strcmp(s->pub->contract, contract) == 0 && (!only || strcmp(s->id, only) == 0) &&
           (!b->admit || b->admit(b->admit_arg, b->cfg, s->id));
}

static vg_code ci_run(ci_build *b, const char *only, vg_err *err)
{
    contract_report *r = b->rep;
    const server_config *cfg = b->cfg;
    const char *zone = contract_calendar_is_24x7(b->cls->calendar) ? "Europe/Paris" : b->cls->calendar->timezone;
    if (avail_month_bounds(zone, r->year, r->month, &r->from, &r->to) != 0)
        return vg_fail_field(err, VG_E_INVALID, "month", "%04d-%02d is not a month", r->year, r->month);
    size_t n = 0;
    for (size_t i = 0; i < cfg->nsites; i++)
        n += ci_member(b, &cfg->sites[i], r->contract, only);
    if (only && n == 0)
        return vg_fail_field(err, VG_E_NOT_FOUND, "site", "no public site '%s' under contract '%s'", only, r->contract);
    if (b->admit && n == 0) /* none in the caller's scope: the contract is unknown to it */
        return vg_fail_field(err, VG_E_NOT_FOUND, "contract", "no contract '%s' in server.yaml", r->contract);
    r->sites = calloc(n + 1, sizeof *r->sites);
    b->eligible = calloc(n + 1, sizeof *b->eligible);
    b->nros = calloc(CI_MAX_NROS, sizeof *b->nros);
    if (!r->sites || !b->eligible || !b->nros)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    vg_code rc;
    for (size_t i = 0; i < cfg->nsites; i++)
        if (ci_member(b, &cfg->sites[i], r->contract, only) && (rc = ci_site(b, &cfg->sites[i], err)) != VG_OK)
            return rc;
    if ((rc = ci_totals(b, err)) != VG_OK)
        return rc;
    qsort(r->sites, r->nsites, sizeof *r->sites, ci_row_cmp);
    if (r->nincidents)
        qsort(r->incidents, r->nincidents, sizeof *r->incidents, ci_incident_cmp);
    return VG_OK;
}

vg_code contract_report_build(db *d, const server_config *cfg, const char *name, int year, int month,
                              const char *site, int64_t now, contract_report **out, vg_err *err)
{
    return contract_report_build_scoped(d, cfg, name, year, month, site, NULL, NULL, now, out, err);
}

vg_code contract_report_build_scoped(db *d, const server_config *cfg, const char *name, int year, int month,
                                     const char *site, contract_site_filter admit, const void *admit_arg, int64_t now,
                                     contract_report **out, vg_err *err)
{
    *out = NULL;
    const contract_class *cls = contract_find(cfg->contracts, name);
    if (!cls)
        return vg_fail_field(err, VG_E_NOT_FOUND, "contract", "no contract '%s' in server.yaml", name ? name : "");
    if (month < 1 || month > 12 || year < 1970 || year > 9999)
        return vg_fail_field(err, VG_E_INVALID, "month", "%04d-%02d is not a month", year, month);
    ci_build b = {.d = d, .cfg = cfg, .cls = cls, .rep = calloc(1, sizeof *b.rep), .admit = admit, .admit_arg = admit_arg};
    if (!b.rep)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    snprintf(b.rep->contract, sizeof b.rep->contract, "%s", cls->name);
    b.rep->cls = cls;
    b.rep->year = year;
    b.rep->month = month;
    b.rep->now = now;
    vg_code rc = ci_run(&b, site, err);
    for (size_t i = 0; i < b.nnros; i++)
        if (b.nros[i].ok)
            avail_result_free(&b.nros[i].r);
    free(b.nros);
    free(b.eligible);
    if (rc != VG_OK) {
        contract_report_free(b.rep);
        return rc;
    }
    *out = b.rep;
    return VG_OK;
}

void contract_report_free(contract_report *r)
{
    if (!r)
        return;
    free(r->sites);
    free(r->incidents);
    free(r->communes);
    free(r);
}
