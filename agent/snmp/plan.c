#include "config.h"
#include "snmp/plan.h"

#include <stdint.h>
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
    uint8_t *col_use;         /* per column: PLAN_USE_* of the metrics that read it */
    size_t ncols, nswept;
};

/* How a column is read: by a metric walked whole each cycle, or through an index template (a joined
 * row may lie anywhere in the other table), or at the same row by a swept metric. Only a column read
 * in the last way alone is swept: a slice of it holds every cell its rows need. */
#define PLAN_USE_WHOLE 1
#define PLAN_USE_SWEPT 2

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

/* The index of column o (added if new), marked as read by a swept metric at the same row or not. */
static int plan_col(poll_plan *pl, const prof_oid *o, bool swept_row)
{
    int i = plan_find(pl->cols, &pl->ncols, o);
    pl->col_use[i] |= swept_row ? PLAN_USE_SWEPT : PLAN_USE_WHOLE;
    return i;
}

/* Whether an index template names the row itself ("{index}", or none given). */
static bool plan_same_row(const char *tmpl) { return !tmpl || strcmp(tmpl, "{index}") == 0; }

static void plan_add_profile(poll_plan *pl, const profile *pr, const profile *g)
{
    for (size_t i = 0; pr && i < pr->nmetrics; i++) {
        const prof_metric *m = &pr->metrics[i];
        poll_metric *pm = &pl->metrics[pl->nmetrics++];
        pm->m = m;
        pm->prof = pr == g ? NULL : pr;
        pm->label = pm->precision = pm->divisor = pm->unit = -1;
        bool sw = m->sweep;
        for (size_t s = 0; s < m->nsources; s++)
            pm->src[s] = m->is_table ? plan_col(pl, &m->sources[s].oid, sw)
                                     : plan_find(pl->scalars, &pl->nscalars, &m->sources[s].oid);
        if (m->has_label)
            pm->label = plan_col(pl, &m->label_col, sw && plan_same_row(m->label_index_tmpl));
        for (size_t f = 0; f < m->nfilters; f++)
            pm->filter[f] = m->filters[f].has_column
                                ? plan_col(pl, &m->filters[f].column, sw && plan_same_row(m->filters[f].index_tmpl))
                                : -1;
        if (m->has_precision)
            pm->precision = m->precision_scalar ? plan_find(pl->scalars, &pl->nscalars, &m->precision_col)
                                                : plan_col(pl, &m->precision_col, sw);
        if (m->has_unit_from)
            pm->unit = m->unit_from_column ? plan_col(pl, &m->unit_oid, sw && plan_same_row(m->unit_index_tmpl))
                                           : plan_find(pl->scalars, &pl->nscalars, &m->unit_oid);
        if (m->has_divisor)
            pm->divisor = plan_col(pl, &m->divisor_col, sw);
    }
}

/* The columns metric pm reads (at most PROF_MAX_SOURCES + 4 + PROF_MAX_FILTERS), into out. */
static size_t plan_metric_columns(const poll_metric *pm, int *out)
{
    const prof_metric *m = pm->m;
    size_t n = 0;
    for (size_t s = 0; m->is_table && s < m->nsources; s++)
        out[n++] = pm->src[s];
    for (size_t f = 0; f < m->nfilters; f++)
        if (pm->filter[f] >= 0)
            out[n++] = pm->filter[f];
    if (pm->label >= 0)
        out[n++] = pm->label;
    if (pm->divisor >= 0)
        out[n++] = pm->divisor;
    if (pm->precision >= 0 && !m->precision_scalar)
        out[n++] = pm->precision;
    if (pm->unit >= 0 && m->unit_from_column)
        out[n++] = pm->unit;
    return n;
}

/* A swept metric one of whose sources is walked whole anyway (olt.ont.status and olt.ont.online's count
 * of the same column) gives every row each cycle: its other columns are then needed whole too (a label
 * swept would be missing from most rows). Marking them may do the same to another metric: until none. */
static void plan_settle_sweeps(poll_plan *pl)
{
    for (size_t i = 0; i < pl->nmetrics; i++)
        pl->metrics[i].swept = pl->metrics[i].m->sweep;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < pl->nmetrics; i++) {
            poll_metric *pm = &pl->metrics[i];
            bool whole = false;
            for (size_t s = 0; pm->swept && s < pm->m->nsources; s++)
                whole = whole || (pl->col_use[pm->src[s]] & PLAN_USE_WHOLE);
            if (!whole)
                continue;
            int cols[PROF_MAX_SOURCES + 4 + PROF_MAX_FILTERS];
            size_t n = plan_metric_columns(pm, cols);
            for (size_t k = 0; k < n; k++)
                pl->col_use[cols[k]] |= PLAN_USE_WHOLE;
            pm->swept = false;
            changed = true;
        }
    }
    for (size_t i = 0; i < pl->ncols; i++)
        pl->nswept += pl->col_use[i] == PLAN_USE_SWEPT;
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
    free(pl->col_use);
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
    pl->col_use = calloc(max ? max : 1, sizeof *pl->col_use);
    if (!pl->metrics || !pl->scalars || !pl->cols || !pl->col_use) {
        plan_free(pl);
        return NULL;
    }
    plan_add_profile(pl, g, g);
    for (size_t i = 0; i < pl->nprofs; i++)
        plan_add_profile(pl, pl->profs[i], g);
    plan_settle_sweeps(pl);
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
bool plan_column_swept(const poll_plan *pl, size_t i) { return pl->col_use[i] == PLAN_USE_SWEPT; }
size_t plan_swept_count(const poll_plan *pl) { return pl->nswept; }
size_t plan_metric_count(const poll_plan *pl) { return pl->nmetrics; }
const poll_metric *plan_metric(const poll_plan *pl, size_t i) { return &pl->metrics[i]; }
