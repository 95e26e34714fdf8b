#include "config.h"
#include "snmp/plan.h"

#include <stdlib.h>
#include <string.h>

struct poll_plan {
    const profile *profs[PROF_MAX_COMPOSE];
    size_t nprofs;
    poll_metric *metrics;
    size_t nmetrics;
    const prof_oid **scalars; /* deduplicated: a device's answers follow this order */
    size_t nscalars;
    const prof_oid **cols;    /* deduplicated */
    size_t ncols;
};

struct plan_set {
    const profile_set *profiles;
    poll_plan **plans;
    size_t nplans, cap;
};

/* The index of o in list, added at the end when it is not there yet (list has room for it). */
static int plan_find(const prof_oid **list, size_t *n, const prof_oid *o)
{
    for (size_t i = 0; i < *n; i++)
        if (list[i]->len == o->len && memcmp(list[i]->ids, o->ids, o->len * sizeof(oid)) == 0)
            return (int)i;
    list[*n] = o;
    return (int)(*n)++;
}

static void plan_add_profile(poll_plan *pl, const profile *pr, const profile *g)
{
    for (size_t i = 0; pr && i < pr->nmetrics; i++) {
        const prof_metric *m = &pr->metrics[i];
        poll_metric *pm = &pl->metrics[pl->nmetrics++];
        pm->m = m;
        pm->prof = pr == g ? NULL : pr;
        pm->label = pm->precision = pm->divisor = pm->unit = -1;
        for (size_t s = 0; s < m->nsources; s++)
            pm->src[s] = m->is_table ? plan_find(pl->cols, &pl->ncols, &m->sources[s].oid)
                                     : plan_find(pl->scalars, &pl->nscalars, &m->sources[s].oid);
        if (m->has_label)
            pm->label = plan_find(pl->cols, &pl->ncols, &m->label_col);
        for (size_t f = 0; f < m->nfilters; f++)
            pm->filter[f] = m->filters[f].has_column ? plan_find(pl->cols, &pl->ncols, &m->filters[f].column) : -1;
        if (m->has_precision)
            pm->precision = m->precision_scalar ? plan_find(pl->scalars, &pl->nscalars, &m->precision_col)
                                                : plan_find(pl->cols, &pl->ncols, &m->precision_col);
        if (m->has_unit_from)
            pm->unit = m->unit_from_column ? plan_find(pl->cols, &pl->ncols, &m->unit_oid)
                                           : plan_find(pl->scalars, &pl->nscalars, &m->unit_oid);
        if (m->has_divisor)
            pm->divisor = plan_find(pl->cols, &pl->ncols, &m->divisor_col);
    }
}

/* At most how many OIDs a profile's metrics name. */
static size_t plan_count(const profile *pr)
{
    size_t n = 0;
    for (size_t i = 0; pr && i < pr->nmetrics; i++)
        n += pr->metrics[i].nsources + 4 + PROF_MAX_FILTERS;
    return n;
}

static void plan_free(poll_plan *pl)
{
    if (!pl)
        return;
    free(pl->metrics);
    free(pl->scalars);
    free(pl->cols);
    free(pl);
}

static poll_plan *plan_new(const profile_set *set, const profile *const *profs, size_t n)
{
    const profile *g = profile_set_generic(set);
    size_t metrics = g ? g->nmetrics : 0, max = plan_count(g);
    poll_plan *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    for (size_t i = 0; i < n && pl->nprofs < PROF_MAX_COMPOSE; i++) {
        if (profs[i] == g)
            continue;
        pl->profs[pl->nprofs++] = profs[i];
        metrics += profs[i]->nmetrics;
        max += plan_count(profs[i]);
    }
    pl->metrics = calloc(metrics ? metrics : 1, sizeof *pl->metrics);
    pl->scalars = calloc(max ? max : 1, sizeof *pl->scalars);
    pl->cols = calloc(max ? max : 1, sizeof *pl->cols);
    if (!pl->metrics || !pl->scalars || !pl->cols) {
        plan_free(pl);
        return NULL;
    }
    plan_add_profile(pl, g, g);
    for (size_t i = 0; i < pl->nprofs; i++)
        plan_add_profile(pl, pl->profs[i], g);
    return pl;
}

/* Whether plan pl was built for exactly these profiles (generic.yaml's left out). */
static bool plan_is_for(const poll_plan *pl, const profile *g, const profile *const *profs, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (profs[i] == g)
            continue;
        if (k >= pl->nprofs || pl->profs[k] != profs[i])
            return false;
        k++;
    }
    return k == pl->nprofs;
}

plan_set *plan_set_new(const profile_set *profiles)
{
    plan_set *s = calloc(1, sizeof *s);
    if (s)
        s->profiles = profiles;
    return s;
}

void plan_set_free(plan_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nplans; i++)
        plan_free(s->plans[i]);
    free(s->plans);
    free(s);
}

vg_code plan_set_get(plan_set *s, const profile *const *profs, size_t n, const poll_plan **out, vg_err *err)
{
    *out = NULL;
    const profile *g = profile_set_generic(s->profiles);
    for (size_t i = 0; i < s->nplans; i++)
        if (plan_is_for(s->plans[i], g, profs, n)) {
            *out = s->plans[i];
            return VG_OK;
        }
    if (s->nplans == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        poll_plan **pls = realloc(s->plans, cap * sizeof *pls);
        if (!pls)
            return vg_fail(err, VG_E_NOMEM, "out of memory");
        s->plans = pls;
        s->cap = cap;
    }
    poll_plan *pl = plan_new(s->profiles, profs, n);
    if (!pl)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    s->plans[s->nplans++] = pl;
    *out = pl;
    return VG_OK;
}

const profile *plan_profile(const poll_plan *pl) { return pl->nprofs ? pl->profs[0] : NULL; }
size_t plan_profile_count(const poll_plan *pl) { return pl->nprofs; }
const profile *plan_profile_at(const poll_plan *pl, size_t i) { return pl->profs[i]; }
size_t plan_scalar_count(const poll_plan *pl) { return pl->nscalars; }
const prof_oid *plan_scalar(const poll_plan *pl, size_t i) { return pl->scalars[i]; }
size_t plan_column_count(const poll_plan *pl) { return pl->ncols; }
const prof_oid *plan_column(const poll_plan *pl, size_t i) { return pl->cols[i]; }
size_t plan_metric_count(const poll_plan *pl) { return pl->nmetrics; }
const poll_metric *plan_metric(const poll_plan *pl, size_t i) { return &pl->metrics[i]; }
