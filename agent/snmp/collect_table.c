/* collect_table: the samples of table metrics. Rows are looked up by index in the cycle's columns,
 * kept by the metric's filters (on a column of the same row, of a row joined through an index
 * template, or on the index itself), named by their label, and given one by one or counted and summed
 * per instance (aggregates). */
#include "config.h"
#include "snmp/collect_internal.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

const collect_row *collect_col_find(const collect_column *c, const oid *idx, size_t len)
{
    size_t lo = 0, hi = c->nrows;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = snmp_oid_compare(collect_row_idx(c, &c->rows[mid]), c->rows[mid].len, idx, len);
        if (r == 0)
            return &c->rows[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
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

bool collect_join_index(const char *tmpl, const oid *ri, size_t rlen, oid *idx, size_t *ilen)
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
        const collect_row *r = collect_col_find(&c->cols[col], idx, ilen);
        if (!r)
            return false;
        v = collect_raw(c, &r->v, &text);
    }
    if (f->pattern)
        return v->kind == RAW_STRING && fnmatch(f->pattern, v->str, 0) == 0;
    if (f->has_range) {
        double num;
        return snmp_value_number(v, &num) && num >= f->range_min && num <= f->range_max;
    }
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
    const collect_row *l = collect_col_find(&c->cols[pm->label], idx, ilen);
    raw_value v;
    if (l)
        collect_clean_label(collect_raw(c, &l->v, &v), label, size);
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
        const oid *ri = collect_row_idx(col, row);
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
        collect_sample(c, out, m->name, g[k].instance, NULL, m->unit, &res, collect_metric_has_health(m), now, &from);
    }
    free(g);
}

void collect_table(collect *c, const poll_metric *pm, const poll_sink *out, int64_t now)
{
    const prof_metric *m = pm->m;
    bool with_sev = collect_metric_has_health(m);
    if (m->aggregate != PROF_AGG_NONE) {
        collect_aggregate(c, pm, out, now);
        return;
    }
    /* rows: those of the first source, then those only a fallback source has */
    for (size_t s = 0; s < m->nsources; s++) {
        const collect_column *col = &c->cols[pm->src[s]];
        for (size_t r = 0; r < col->nrows; r++) {
            const collect_row *row = &col->rows[r];
            const oid *ri = collect_row_idx(col, row);
            bool seen = false;
            for (size_t e = 0; e < s && !seen; e++)
                seen = collect_col_find(&c->cols[pm->src[e]], ri, row->len) != NULL;
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
