#include "config.h"
#include "vocab_names.h"
#include "snmp/collect_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"


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

const raw_value *collect_raw(const collect *c, const collect_val *v, raw_value *out)
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

vg_code collect_cell(collect *c, size_t col, const oid *index, size_t len, const raw_value *v, vg_err *err)
{
    if (col >= c->ncols)
        return vg_fail(err, VG_E_NOT_FOUND, "no column %zu in the plan", col);
    if (len == 0 || len > COLLECT_INDEX_MAX)
        return vg_fail(err, VG_E_INVALID, "a row index of %zu sub-identifiers", len);
    collect_column *cl = &c->cols[col];
    if (cl->nrows) {
        const collect_row *last = &cl->rows[cl->nrows - 1];
        if (snmp_oid_compare(collect_row_idx(cl, last), last->len, index, len) >= 0)
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

void collect_trim(collect *c, size_t col, const oid *bound, size_t len)
{
    if (col >= c->ncols)
        return;
    collect_column *cl = &c->cols[col];
    while (cl->nrows) {
        const collect_row *last = &cl->rows[cl->nrows - 1];
        if (snmp_oid_compare(collect_row_idx(cl, last), last->len, bound, len) <= 0)
            break;
        cl->nids = last->idx_off; /* its index was the last one stored */
        cl->nrows--;
    }
}

size_t collect_rows(const collect *c, size_t col) { return col < c->ncols ? c->cols[col].nrows : 0; }

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
    const collect_row *r = collect_col_find(&c->cols[pm->unit], j, jlen);
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

bool collect_eval(collect *c, const poll_metric *pm, const oid *idx, size_t ilen, const char *instance, int64_t now,
                  conv_result *res, int *used)
{
    const prof_metric *m = pm->m;
    /* what made a source unusable, told only when no later source gives the value: a fallback that
     * answers (millidegrees where the first source expects degrees) is not a problem of the device */
    char problem[512] = "";
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
            const collect_row *r = collect_col_find(&c->cols[pm->src[s]], idx, ilen);
            raw = r ? collect_raw(c, &r->v, &answer) : NULL;
            const collect_row *pr = pm->precision >= 0 ? collect_col_find(&c->cols[pm->precision], idx, ilen) : NULL;
            if (pr && pr->v.kind == RAW_NUMBER && pr->v.number > 0 && pr->v.number < 10)
                factor = pow(10, -pr->v.number);
            const collect_row *dv = pm->divisor >= 0 ? collect_col_find(&c->cols[pm->divisor], idx, ilen) : NULL;
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
        if (st == CONV_OUT_OF_RANGE && !problem[0])
            snprintf(problem, sizeof problem, "%s[%s] = %g from %s is outside [%g, %g]: not stored", m->name, instance,
                     res->value, m->sources[s].mib ? m->sources[s].mib : "?", m->range_lo, m->range_hi);
        else if (st == CONV_INVALID && !problem[0])
            snprintf(problem, sizeof problem, "%s[%s]: '%s' from %s is not a number", m->name, instance,
                     raw->kind == RAW_STRING ? raw->str : "?", m->sources[s].mib ? m->sources[s].mib : "?");
    }
    if (problem[0])
        collect_problem(c, "%s", problem);
    return false;
}

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

void collect_sample(const collect *c, const poll_sink *out, const char *metric, const char *instance, const char *label,
                    const char *unit, const conv_result *res, bool with_sev, int64_t now, const collect_from *from)
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
bool collect_metric_has_health(const prof_metric *m)
{
    return m->en || m->has_warn_below || m->has_crit_below || m->has_warn_above || m->has_crit_above;
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
                    collect_sample(c, out, m->name, m->sources[s].instance, NULL, m->unit, &res,
                                   collect_metric_has_health(m), now, &from);
            }
            continue;
        }
        collect_from from = {pm, 0, NULL, 0};
        if (!collect_eval(c, pm, NULL, 0, "", now, &res, &from.src))
            continue;
        collect_sample(c, out, m->name, "", NULL, m->unit, &res, collect_metric_has_health(m), now, &from);
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
