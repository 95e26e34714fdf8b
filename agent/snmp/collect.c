#include "config.h"
#include "vocab_names.h"
#include "snmp/collect.h"
#include "snmp/collect_seen.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "utf8.h"

/* An answer kept until the cycle's samples are built: numbers inline, strings in the device's string
 * arena. (A raw_value per answer, with its 256-byte buffer, made the agent's memory grow by half a
 * kilobyte per table cell: 150 MB for 500 devices.) */
typedef struct {
    double number;
    uint64_t counter;
    uint32_t str_off;
    uint16_t str_len;
    uint8_t kind;     /* raw_kind */
    uint8_t asn_type;
} collect_val;

typedef struct {
    bool have;
    collect_val v;
} collect_slot;

/* A table cell: its row index lies in the column's `ids`. */
typedef struct {
    uint32_t idx_off;
    uint16_t len;
    collect_val v;
} collect_row;

typedef struct {
    oid *ids;              /* the row indexes, end to end */
    size_t nids, capids;
    collect_row *rows;     /* in increasing index order: col_find searches them by halves */
    size_t nrows, cap;
} collect_column;

typedef struct {
    char key[NAME_MAX_LEN + INSTANCE_MAX_LEN + 2];
    uint64_t value;
    int64_t at;
} collect_counter;

struct collect {
    char device[NAME_MAX_LEN + 1];
    const poll_plan *plan;       /* shared; NULL: no answers to read */
    collect_slot *slots;         /* the plan's scalars, in its order */
    size_t nslots;
    collect_column *cols;        /* the plan's columns, in its order */
    size_t ncols;
    char *strs;                  /* the string answers of the cycle, NUL-terminated, end to end */
    size_t nstrs, capstrs;
    collect_counter *counters;   /* kept between cycles: the last value of each counter */
    size_t ncounters;
    bool have_uptime, rebooted;
    double last_uptime;
    collect_seen *seen;          /* during collect_emit: the (metric, instance) pairs given */
    char *problems;
    size_t problems_len;
};

/* ---- answers ------------------------------------------------------------------------------- */

collect *collect_new(const char *device)
{
    collect *c = calloc(1, sizeof *c);
    if (c)
        snprintf(c->device, sizeof c->device, "%s", device);
    return c;
}

static void collect_free_answers(collect *c)
{
    for (size_t i = 0; i < c->ncols; i++) {
        free(c->cols[i].rows);
        free(c->cols[i].ids);
    }
    free(c->cols);
    free(c->slots);
    c->cols = NULL;
    c->slots = NULL;
    c->ncols = c->nslots = 0;
    c->plan = NULL;
}

void collect_free(collect *c)
{
    if (!c)
        return;
    collect_free_answers(c);
    free(c->strs);
    free(c->counters);
    free(c->problems);
    free(c);
}

void collect_drop(collect *c)
{
    for (size_t i = 0; i < c->ncols; i++) {
        collect_column *col = &c->cols[i];
        free(col->rows);
        free(col->ids);
        col->rows = NULL;
        col->ids = NULL;
        col->cap = col->capids = col->nrows = col->nids = 0;
    }
    for (size_t i = 0; i < c->nslots; i++)
        c->slots[i].have = false;
    free(c->strs);
    c->strs = NULL;
    c->nstrs = c->capstrs = 0;
}

vg_code collect_begin(collect *c, const poll_plan *plan, vg_err *err)
{
    collect_drop(c);
    if (plan == c->plan)
        return VG_OK;
    collect_free_answers(c);
    if (!plan)
        return VG_OK;
    size_t ns = plan_scalar_count(plan), nc = plan_column_count(plan);
    c->slots = calloc(ns ? ns : 1, sizeof *c->slots);
    c->cols = calloc(nc ? nc : 1, sizeof *c->cols);
    if (!c->slots || !c->cols) {
        collect_free_answers(c);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    c->nslots = ns;
    c->ncols = nc;
    c->plan = plan;
    return VG_OK;
}

/* Grows an array of n items of `size` to hold `need`, doubling; false when out of memory. */
static bool collect_grow(void **arr, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : first;
    while (n < need)
        n *= 2;
    void *a = realloc(*arr, n * size);
    if (!a)
        return false;
    *arr = a;
    *cap = n;
    return true;
}

/* Copies a raw value into the compact store. */
static vg_code collect_keep(collect *c, const raw_value *raw, collect_val *v, vg_err *err)
{
    *v = (collect_val){.number = raw->number, .counter = raw->counter, .kind = (uint8_t)raw->kind,
                       .asn_type = raw->asn_type};
    if (raw->kind != RAW_STRING)
        return VG_OK;
    size_t len = raw->str_len < RAW_STR_MAX ? raw->str_len : RAW_STR_MAX - 1;
    if (c->nstrs + len + 1 > UINT32_MAX || !collect_grow((void **)&c->strs, &c->capstrs, c->nstrs + len + 1, 1, 256))
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    memcpy(c->strs + c->nstrs, raw->str, len);
    c->strs[c->nstrs + len] = '\0';
    v->str_off = (uint32_t)c->nstrs;
    v->str_len = (uint16_t)len;
    c->nstrs += len + 1;
    return VG_OK;
}

/* The raw value the converter reads, rebuilt from the compact store. */
static const raw_value *collect_raw(const collect *c, const collect_val *v, raw_value *out)
{
    out->kind = (raw_kind)v->kind;
    out->asn_type = v->asn_type;
    out->number = v->number;
    out->counter = v->counter;
    out->str_len = v->str_len;
    if (v->kind == RAW_STRING)
        memcpy(out->str, c->strs + v->str_off, (size_t)v->str_len + 1);
    else
        out->str[0] = '\0';
    return out;
}

vg_code collect_scalar(collect *c, size_t i, const raw_value *v, vg_err *err)
{
    if (i >= c->nslots)
        return vg_fail(err, VG_E_NOT_FOUND, "no scalar %zu in the plan", i);
    c->slots[i].have = false;
    if (v->kind == RAW_NONE)
        return VG_OK;
    vg_code rc = collect_keep(c, v, &c->slots[i].v, err);
    c->slots[i].have = rc == VG_OK;
    return rc;
}

static const oid *row_idx(const collect_column *c, const collect_row *r) { return c->ids + r->idx_off; }

vg_code collect_cell(collect *c, size_t col, const oid *index, size_t len, const raw_value *v, vg_err *err)
{
    if (col >= c->ncols)
        return vg_fail(err, VG_E_NOT_FOUND, "no column %zu in the plan", col);
    if (len == 0 || len > COLLECT_INDEX_MAX)
        return vg_fail(err, VG_E_INVALID, "a row index of %zu sub-identifiers", len);
    collect_column *cl = &c->cols[col];
    if (cl->nrows) {
        const collect_row *last = &cl->rows[cl->nrows - 1];
        if (snmp_oid_compare(row_idx(cl, last), last->len, index, len) >= 0)
            return vg_fail(err, VG_E_INVALID, "a row not after the previous one");
    }
    if (v->kind == RAW_NONE)
        return VG_OK;
    if (!collect_grow((void **)&cl->ids, &cl->capids, cl->nids + len, sizeof(oid), 16) ||
        !collect_grow((void **)&cl->rows, &cl->cap, cl->nrows + 1, sizeof(collect_row), 8))
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    collect_row *r = &cl->rows[cl->nrows];
    vg_code rc = collect_keep(c, v, &r->v, err);
    if (rc != VG_OK)
        return rc;
    memcpy(cl->ids + cl->nids, index, len * sizeof(oid));
    r->idx_off = (uint32_t)cl->nids;
    r->len = (uint16_t)len;
    cl->nids += len;
    cl->nrows++;
    return VG_OK;
}

vg_code collect_answer(collect *c, const oid *name, size_t len, const raw_value *v, vg_err *err)
{
    if (!c->plan)
        return vg_fail(err, VG_E_NOT_FOUND, "no plan");
    for (size_t i = 0; i < c->nslots; i++) {
        const prof_oid *o = plan_scalar(c->plan, i);
        if (o->len == len && memcmp(o->ids, name, len * sizeof(oid)) == 0)
            return collect_scalar(c, i, v, err);
    }
    for (size_t i = 0; i < c->ncols; i++) {
        const prof_oid *o = plan_column(c->plan, i);
        if (len > o->len && oid_has_prefix(name, len, o->ids, o->len))
            return collect_cell(c, i, name + o->len, len - o->len, v, err);
    }
    return vg_fail(err, VG_E_NOT_FOUND, "the plan asks for no such OID");
}

/* ---- samples ------------------------------------------------------------------------------- */

static void collect_problem(collect *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void collect_problem(collect *c, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = strlen(line);
    char *p = realloc(c->problems, c->problems_len + len + 2);
    if (!p)
        return;
    c->problems = p;
    memcpy(p + c->problems_len, line, len);
    c->problems_len += len;
    p[c->problems_len++] = '\n';
    p[c->problems_len] = '\0';
    log_debug("poll", "%s: %s", c->device, line);
}

const char *collect_problems(const collect *c) { return c->problems ? c->problems : ""; }

static const collect_row *col_find(const collect_column *c, const oid *idx, size_t len)
{
    size_t lo = 0, hi = c->nrows;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = snmp_oid_compare(row_idx(c, &c->rows[mid]), c->rows[mid].len, idx, len);
        if (r == 0)
            return &c->rows[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The counter's rate since its last value; false on its first value, or when it went back (a reset
 * or a reboot: a rate across it would be absurd). */
static bool collect_counter_rate(collect *c, const char *metric, const char *instance, const raw_value *raw,
                                 int64_t now, double *rate)
{
    char key[sizeof c->counters[0].key];
    snprintf(key, sizeof key, "%s|%s", metric, instance);
    collect_counter *k = NULL;
    for (size_t i = 0; i < c->ncounters && !k; i++)
        if (strcmp(c->counters[i].key, key) == 0)
            k = &c->counters[i];
    if (!k) {
        collect_counter *n = realloc(c->counters, (c->ncounters + 1) * sizeof *n);
        if (!n)
            return false;
        c->counters = n;
        k = &c->counters[c->ncounters++];
        snprintf(k->key, sizeof k->key, "%s", key);
        k->value = raw->counter;
        k->at = now;
        return false;
    }
    bool ok = snmp_value_counter_rate(k->value, raw->counter, raw->asn_type == ASN_COUNTER64,
                                      (double)(now - k->at), rate) == 0;
    k->value = raw->counter;
    k->at = now;
    return ok;
}

/* Evaluates a metric's sources for one row (or the scalar): first valid answer wins. */
static bool collect_join_index(const char *tmpl, const oid *ri, size_t rlen, oid *idx, size_t *ilen);

/* The answer of the metric's unit_from for this row (or the scalar), NULL when there is none. */
static const raw_value *collect_unit_raw(const collect *c, const poll_metric *pm, const oid *idx, size_t ilen,
                                         raw_value *out)
{
    const prof_metric *m = pm->m;
    if (!m->unit_from_column) {
        const collect_slot *sl = &c->slots[pm->unit];
        return sl->have ? collect_raw(c, &sl->v, out) : NULL;
    }
    oid j[COLLECT_INDEX_MAX];
    size_t jlen = ilen;
    memcpy(j, idx, ilen * sizeof(oid));
    if (m->unit_index_tmpl && !collect_join_index(m->unit_index_tmpl, idx, ilen, j, &jlen))
        return NULL;
    const collect_row *r = col_find(&c->cols[pm->unit], j, jlen);
    return r ? collect_raw(c, &r->v, out) : NULL;
}

/* The device's unit for the metric as a factor to the vocabulary's; false when the device names a unit
 * the profile does not list (the value cannot be trusted). No answer: the metric's own unit. */
static bool collect_unit(collect *c, const poll_metric *pm, const oid *idx, size_t ilen, const char *instance,
                         double *mul, double *add)
{
    *mul = 1;
    *add = 0;
    if (pm->unit < 0)
        return true;
    raw_value v;
    const raw_value *u = collect_unit_raw(c, pm, idx, ilen, &v);
    if (!u)
        return true;
    int k = snmp_value_list_index(&pm->m->unit_codes, u);
    if (k < 0) {
        collect_problem(c, "%s[%s]: the device gives unit code '%s', which the profile does not list", pm->m->name,
                        instance, u->kind == RAW_STRING ? u->str : "(a number)");
        return false;
    }
    return profile_unit_factor(pm->m->unit_names[k], pm->m->unit, mul, add) == 0;
}

static bool collect_eval(collect *c, const poll_metric *pm, const oid *idx, size_t ilen, const char *instance,
                         int64_t now, conv_result *res, int *used)
{
    const prof_metric *m = pm->m;
    bool reported = false;
    double umul, uadd;
    if (!collect_unit(c, pm, idx, ilen, instance, &umul, &uadd))
        return false;
    for (size_t s = 0; s < m->nsources; s++) {
        const raw_value *raw = NULL;
        raw_value answer;
        double factor = 1;
        if (!m->is_table) {
            const collect_slot *sl = &c->slots[pm->src[s]];
            raw = sl->have ? collect_raw(c, &sl->v, &answer) : NULL;
            if (m->multi_instance && strcmp(m->sources[s].instance, instance) != 0)
                continue; /* a source of another phase */
            const collect_slot *ps = pm->precision >= 0 ? &c->slots[pm->precision] : NULL;
            if (ps && ps->have && ps->v.kind == RAW_NUMBER && ps->v.number > 0 && ps->v.number < 10)
                factor = pow(10, -ps->v.number);
        } else {
            const collect_row *r = col_find(&c->cols[pm->src[s]], idx, ilen);
            raw = r ? collect_raw(c, &r->v, &answer) : NULL;
            const collect_row *pr = pm->precision >= 0 ? col_find(&c->cols[pm->precision], idx, ilen) : NULL;
            if (pr && pr->v.kind == RAW_NUMBER && pr->v.number > 0 && pr->v.number < 10)
                factor = pow(10, -pr->v.number);
            const collect_row *dv = pm->divisor >= 0 ? col_find(&c->cols[pm->divisor], idx, ilen) : NULL;
            if (dv && dv->v.kind == RAW_NUMBER && dv->v.number != 0)
                factor /= dv->v.number;
            else if (pm->divisor >= 0)
                continue; /* no divisor for that row: its value cannot be read */
        }
        if (!raw)
            continue;
        raw_value rated;
        if (m->type == PROF_TYPE_COUNTER) {
            if (raw->kind != RAW_NUMBER)
                continue;
            rated = *raw;
            if (!collect_counter_rate(c, m->name, instance, raw, now, &rated.number))
                return false; /* first poll or reset: no rate yet */
            raw = &rated;
        }
        conv_status st = snmp_value_convert_unit(m, &m->sources[s], raw, factor, umul, uadd, res);
        if (st == CONV_OK) {
            *used = (int)s;
            return true;
        }
        if (st == CONV_OUT_OF_RANGE && !reported) {
            collect_problem(c, "%s[%s] = %g from %s is outside [%g, %g]: not stored", m->name, instance, res->value,
                            m->sources[s].mib ? m->sources[s].mib : "?", m->range_lo, m->range_hi);
            reported = true;
        } else if (st == CONV_INVALID) {
            collect_problem(c, "%s[%s]: '%s' from %s is not a number", m->name, instance,
                            raw->kind == RAW_STRING ? raw->str : "?", m->sources[s].mib ? m->sources[s].mib : "?");
        }
    }
    return false;
}

/* Where a sample's value was read: the metric, the source that answered and the row. */
typedef struct {
    const poll_metric *pm;
    int src;
    const oid *idx;
    size_t ilen;
} collect_from;

static void collect_origin(const poll_sink *out, const collect_from *from)
{
    char text[OID_TEXT_MAX], idx[OID_TEXT_MAX] = "";
    const prof_oid *o = &from->pm->m->sources[from->src].oid;
    oid_format(o->ids, o->len, text, sizeof text);
    if (from->ilen)
        oid_format(from->idx, from->ilen, idx, sizeof idx);
    char where[2 * OID_TEXT_MAX];
    snprintf(where, sizeof where, "%s%s", text, idx);
    out->origin(out->ctx, from->pm->prof ? from->pm->prof->name : "generic", where);
}

static void collect_sample(const collect *c, const poll_sink *out, const char *metric, const char *instance,
                           const char *label, const char *unit, const conv_result *res, bool with_sev, int64_t now,
                           const collect_from *from)
{
    if (!collect_seen_add(c->seen, metric, instance))
        return; /* a profile of higher precedence gave it already */
    push_sample s;
    if (push_sample_set(&s, c->device, metric, instance, res->value, unit, now) != 0)
        return;
    snprintf(s.text, sizeof s.text, "%s", res->text);
    if (label)
        snprintf(s.label, sizeof s.label, "%s", label);
    s.sev = with_sev ? res->sev : SEV_NONE;
    if (out->sample(out->ctx, &s) != 0)
        log_warn("poll", "%s: %s[%s] not taken (not UTF-8, not finite, or out of memory): dropped", c->device, metric,
                 instance);
    else if (out->origin && from)
        collect_origin(out, from);
}

/* Row labels come from devices: keep them printable so they can go into JSON and HTML. */
static void collect_clean_label(const raw_value *v, char *out, size_t size)
{
    if (v->kind == RAW_NUMBER) {
        snprintf(out, size, "%.0f", v->number);
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < v->str_len && o + 1 < size; i++) {
        unsigned char ch = (unsigned char)v->str[i];
        out[o++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    out[o] = '\0';
    o = utf8_replace_controls(out, ' '); /* C1, U+2028, U+2029 too, which the server refuses */
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    if (!text_is_valid(out, size - 1))
        out[0] = '\0';
}

/* Builds the index of another row from this row's index and a template ("{index.1}"). */
static bool collect_join_index(const char *tmpl, const oid *ri, size_t rlen, oid *idx, size_t *ilen)
{
    char text[OID_TEXT_MAX];
    if (profile_expand_index(tmpl, ri, rlen, text, sizeof text) != 0)
        return false;
    if (strchr(text, '.') == NULL) { /* a single sub-identifier */
        char *end;
        unsigned long v = strtoul(text, &end, 10);
        if (*end || !*text)
            return false;
        idx[0] = v;
        *ilen = 1;
        return true;
    }
    return oid_parse(text, idx, COLLECT_INDEX_MAX, ilen) == 0;
}

static bool collect_filter_ok(const collect *c, const prof_filter *f, int col, const oid *ri, size_t rlen)
{
    raw_value text;
    const raw_value *v;
    if (col < 0) { /* a test on the index itself: the expanded template as text */
        memset(&text, 0, sizeof text);
        text.kind = RAW_STRING;
        if (profile_expand_index(f->index_tmpl, ri, rlen, text.str, sizeof text.str) != 0)
            return false;
        text.str_len = strlen(text.str);
        v = &text;
    } else {
        oid idx[COLLECT_INDEX_MAX];
        size_t ilen = rlen;
        memcpy(idx, ri, rlen * sizeof(oid));
        if (f->index_tmpl && !collect_join_index(f->index_tmpl, ri, rlen, idx, &ilen))
            return false;
        const collect_row *r = col_find(&c->cols[col], idx, ilen);
        if (!r)
            return false;
        v = collect_raw(c, &r->v, &text);
    }
    if (f->pattern)
        return v->kind == RAW_STRING && fnmatch(f->pattern, v->str, 0) == 0;
    return snmp_value_in_list(&f->values, v);
}

static bool collect_row_kept(const collect *c, const poll_metric *pm, const oid *ri, size_t rlen)
{
    for (size_t f = 0; f < pm->m->nfilters; f++)
        if (!collect_filter_ok(c, &pm->m->filters[f], pm->filter[f], ri, rlen))
            return false;
    return true;
}

static void collect_label(const collect *c, const poll_metric *pm, const oid *ri, size_t rlen, char *label,
                          size_t size)
{
    label[0] = '\0';
    if (pm->label < 0)
        return;
    oid idx[COLLECT_INDEX_MAX];
    size_t ilen = rlen;
    memcpy(idx, ri, rlen * sizeof(oid));
    if (pm->m->label_index_tmpl && !collect_join_index(pm->m->label_index_tmpl, ri, rlen, idx, &ilen))
        return;
    const collect_row *l = col_find(&c->cols[pm->label], idx, ilen);
    raw_value v;
    if (l)
        collect_clean_label(collect_raw(c, &l->v, &v), label, size);
}

static bool metric_has_health(const prof_metric *m)
{
    return m->en || m->has_warn_below || m->has_crit_below || m->has_warn_above || m->has_crit_above;
}

typedef struct {
    char instance[INSTANCE_MAX_LEN + 1];
    double value;
} collect_group;

/* The severity of an aggregate's total, by the metric's thresholds (ok when it has none). */
static severity collect_group_severity(const prof_metric *m, double v)
{
    if ((m->has_crit_below && v < m->crit_below) || (m->has_crit_above && v > m->crit_above))
        return SEV_CRITICAL;
    if ((m->has_warn_below && v < m->warn_below) || (m->has_warn_above && v > m->warn_above))
        return SEV_WARNING;
    return SEV_OK;
}

/* aggregate: count (or sum) the kept rows of the first source per instance ("" = the whole device).
 * Every instance seen among all rows is reported, with 0 when none of its rows is kept: "0 ONT
 * online" is news, not a gap. */
static void collect_aggregate(collect *c, const poll_metric *pm, const poll_sink *out, int64_t now)
{
    const prof_metric *m = pm->m;
    const collect_column *col = &c->cols[pm->src[0]];
    collect_group *g = calloc(col->nrows + 1, sizeof *g);
    size_t ng = 0;
    if (!g)
        return;
    if (strcmp(m->instance_tmpl, "") == 0)
        ng = 1; /* the whole device: reported even when the table is empty */
    for (size_t r = 0; r < col->nrows; r++) {
        const collect_row *row = &col->rows[r];
        const oid *ri = row_idx(col, row);
        char instance[INSTANCE_MAX_LEN + 1];
        if (profile_expand_index(m->instance_tmpl, ri, row->len, instance, sizeof instance) != 0)
            continue;
        size_t k = 0;
        while (k < ng && strcmp(g[k].instance, instance) != 0)
            k++;
        if (k == ng)
            snprintf(g[ng++].instance, sizeof g[0].instance, "%s", instance);
        if (!collect_row_kept(c, pm, ri, row->len))
            continue;
        conv_result res;
        int used;
        if (m->aggregate == PROF_AGG_COUNT)
            g[k].value += 1;
        else if (collect_eval(c, pm, ri, row->len, instance, now, &res, &used))
            g[k].value += res.value;
    }
    for (size_t k = 0; k < ng; k++) {
        conv_result res = {.value = g[k].value};
        res.sev = collect_group_severity(m, res.value);
        collect_from from = {pm, 0, NULL, 0};
        collect_sample(c, out, m->name, g[k].instance, NULL, m->unit, &res, metric_has_health(m), now, &from);
    }
    free(g);
}

static void collect_table(collect *c, const poll_metric *pm, const poll_sink *out, int64_t now)
{
    const prof_metric *m = pm->m;
    bool with_sev = metric_has_health(m);
    if (m->aggregate != PROF_AGG_NONE) {
        collect_aggregate(c, pm, out, now);
        return;
    }
    /* rows: those of the first source, then those only a fallback source has */
    for (size_t s = 0; s < m->nsources; s++) {
        const collect_column *col = &c->cols[pm->src[s]];
        for (size_t r = 0; r < col->nrows; r++) {
            const collect_row *row = &col->rows[r];
            const oid *ri = row_idx(col, row);
            bool seen = false;
            for (size_t e = 0; e < s && !seen; e++)
                seen = col_find(&c->cols[pm->src[e]], ri, row->len) != NULL;
            if (seen || !collect_row_kept(c, pm, ri, row->len))
                continue;
            char instance[INSTANCE_MAX_LEN + 1], label[INSTANCE_MAX_LEN + 1];
            if (profile_expand_index(m->instance_tmpl, ri, row->len, instance, sizeof instance) != 0)
                continue;
            conv_result res;
            collect_from from = {pm, 0, ri, row->len};
            if (!collect_eval(c, pm, ri, row->len, instance, now, &res, &from.src))
                continue;
            collect_label(c, pm, ri, row->len, label, sizeof label);
            collect_sample(c, out, m->name, instance, label, m->unit, &res, with_sev, now, &from);
        }
    }
}

/* device.reboot when the uptime went back since the last cycle. */
static void collect_uptime(collect *c, double uptime, const poll_sink *out, int64_t now)
{
    /* 32-bit TimeTicks wrap after 497 days: a drop from near the top is not a reboot */
    bool wrapped = c->last_uptime > 4.0e7 && uptime < 1.0e6;
    if (c->have_uptime && uptime < c->last_uptime && !wrapped) {
        conv_result r = {.value = 1, .sev = SEV_WARNING};
        snprintf(r.text, sizeof r.text, "reboot");
        collect_sample(c, out, VOCAB_DEVICE_REBOOT, "", NULL, "bool", &r, true, now, NULL);
        c->rebooted = true;
        log_warn("poll", "%s: sysUpTime went back from %.0f s to %.0f s: the device rebooted", c->device,
                 c->last_uptime, uptime);
    }
    c->have_uptime = true;
    c->last_uptime = uptime;
}

static void collect_emit_metrics(collect *c, const poll_sink *out, int64_t now);

void collect_emit(collect *c, const char *cls, const char *prof, bool answered, const poll_sink *out, int64_t now)
{
    c->rebooted = false;
    c->problems_len = 0;
    if (c->problems)
        c->problems[0] = '\0';
    if (out->device(out->ctx, c->device, cls, prof) != 0)
        log_warn("poll", "%s: batch full, device description dropped", c->device);
    conv_result res = {.value = answered ? 1 : 0, .sev = answered ? SEV_OK : SEV_UNKNOWN};
    snprintf(res.text, sizeof res.text, "%s", answered ? "" : "no answer");
    c->seen = collect_seen_new();
    collect_sample(c, out, VOCAB_DEVICE_REACHABLE, "", NULL, "bool", &res, true, now, NULL);
    if (answered && c->plan)
        collect_emit_metrics(c, out, now);
    collect_seen_free(c->seen);
    c->seen = NULL;
}

bool collect_rebooted(const collect *c) { return c->rebooted; }

static void collect_emit_metrics(collect *c, const poll_sink *out, int64_t now)
{
    conv_result res;
    for (size_t i = 0; i < plan_metric_count(c->plan); i++) {
        const poll_metric *pm = plan_metric(c->plan, i);
        const prof_metric *m = pm->m;
        if (m->is_table) {
            collect_table(c, pm, out, now);
            continue;
        }
        if (m->multi_instance) {
            /* per-phase scalars: each instance once, its sources tried in order */
            for (size_t s = 0; s < m->nsources; s++) {
                bool first = true;
                for (size_t e = 0; e < s && first; e++)
                    first = strcmp(m->sources[e].instance, m->sources[s].instance) != 0;
                collect_from from = {pm, 0, NULL, 0};
                if (first && collect_eval(c, pm, NULL, 0, m->sources[s].instance, now, &res, &from.src))
                    collect_sample(c, out, m->name, m->sources[s].instance, NULL, m->unit, &res, metric_has_health(m),
                                   now, &from);
            }
            continue;
        }
        collect_from from = {pm, 0, NULL, 0};
        if (!collect_eval(c, pm, NULL, 0, "", now, &res, &from.src))
            continue;
        collect_sample(c, out, m->name, "", NULL, m->unit, &res, metric_has_health(m), now, &from);
        if (strcmp(m->name, VOCAB_DEVICE_UPTIME) == 0)
            collect_uptime(c, res.value, out, now);
    }
}

/* ---- a sink into a batch ------------------------------------------------------------------- */

static int collect_batch_device(void *b, const char *name, const char *cls, const char *prof)
{
    return push_batch_set_device(b, name, cls, prof);
}

static int collect_batch_sample(void *b, const push_sample *s) { return push_batch_add(b, s); }

poll_sink poll_sink_batch(push_batch *b)
{
    return (poll_sink){.ctx = b, .device = collect_batch_device, .sample = collect_batch_sample};
}
