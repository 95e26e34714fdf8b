/* profile_metric: one entry of a profile's `metrics:` (sources, type, enum, thresholds, and the keys
 * of table metrics), checked against the vocabulary's name and unit for the profile's class. */
#include "config.h"
#include "profile/profile_internal.h"

#include <stdlib.h>
#include <string.h>

#include "names.h"

static int prof_read_source(const conf_doc *d, const conf_node *n, prof_source *src,
                            bool *is_column, vg_err *err)
{
    static const char *const keys[] = {"oid", "column", "mib", "scale", "offset", "instance", NULL};
    if (conf_check_map(d, n, "source", keys, err))
        return -1;
    const conf_node *o = conf_map_get(d, n, "oid"), *c = conf_map_get(d, n, "column");
    if ((o == NULL) == (c == NULL))
        return conf_fail(err, d, n, "oid", "a source gives exactly one of 'oid' (scalar) or 'column' (table)");
    *is_column = c != NULL;
    const char *mib = NULL, *inst = NULL;
    src->scale = 1;
    if (prof_read_oid(d, o ? o : c, o ? "oid" : "column", &src->oid, err) ||
        conf_get_str(d, n, "mib", false, 128, &mib, err) ||
        conf_get_str(d, n, "instance", false, INSTANCE_MAX_LEN, &inst, err) ||
        prof_check_text(d, conf_map_get(d, n, "instance"), "instance", inst, INSTANCE_MAX_LEN, err) ||
        conf_get_double(d, n, "scale", false, &src->scale, err) ||
        conf_get_double(d, n, "offset", false, &src->offset, err))
        return -1;
    if (src->scale == 0)
        return conf_fail(err, d, conf_map_get(d, n, "scale"), "scale", "must not be 0");
    if (inst && c)
        return conf_fail(err, d, conf_map_get(d, n, "instance"), "instance",
                         "only for scalar sources: a table metric names rows with the metric's 'instance'");
    src->mib = prof_strdup(mib);
    src->instance = prof_strdup(inst);
    return 0;
}

static int prof_read_template(const conf_doc *d, const conf_node *n, const char *key, char **out,
                              vg_err *err)
{
    const char *s = conf_node_scalar(n);
    if (!s)
        return conf_fail(err, d, n, key, "must be a string");
    oid probe[3] = {1, 2, 3};
    char buf[INSTANCE_MAX_LEN + 1];
    if (profile_expand_index(s, probe, 3, buf, sizeof buf) != 0)
        return conf_fail(err, d, n, key, "'%s': only {index} and {index.N} (N from 1) may appear in braces", s);
    if (prof_check_text(d, n, key, s, INSTANCE_MAX_LEN, err))
        return -1;
    *out = prof_strdup(s);
    return 0;
}

static int prof_read_health(const conf_doc *d, const conf_node *n, prof_metric *m, vg_err *err)
{
    static const char *const keys[] = {"warning_below", "critical_below", "warning_above",
                                       "critical_above", NULL};
    if (conf_check_map(d, n, "health", keys, err))
        return -1;
    struct {
        const char *key;
        bool *has;
        double *v;
    } t[] = {{"warning_below", &m->has_warn_below, &m->warn_below},
             {"critical_below", &m->has_crit_below, &m->crit_below},
             {"warning_above", &m->has_warn_above, &m->warn_above},
             {"critical_above", &m->has_crit_above, &m->crit_above}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (!conf_map_get(d, n, t[i].key))
            continue;
        if (conf_get_double(d, n, t[i].key, true, t[i].v, err))
            return -1;
        *t[i].has = true;
    }
    return 0;
}

static int prof_read_column_ref(const conf_doc *d, const conf_node *n, const char *what,
                                const char *const *keys, prof_oid *col, vg_err *err)
{
    if (conf_check_map(d, n, what, keys, err) || conf_require_keys(d, n, what, (const char *const[]){"column", NULL}, err))
        return -1;
    return prof_read_oid(d, conf_map_get(d, n, "column"), "column", col, err);
}

/* [min, max] with min <= max (a metric's range, a filter's range). */
static int prof_read_range(const conf_doc *d, const conf_node *v, double *lo, double *hi, vg_err *err)
{
    if (conf_node_kind(v) != CONF_SEQ || conf_len(v) != 2 || conf_scalar_double(d, conf_seq_at(d, v, 0), "range", lo, err) ||
        conf_scalar_double(d, conf_seq_at(d, v, 1), "range", hi, err) || *lo > *hi)
        return conf_fail(err, d, v, "range", "must be [min, max] with min <= max");
    return 0;
}

static int prof_read_filter(const conf_doc *d, const conf_node *n, prof_filter *f, vg_err *err)
{
    static const char *const keys[] = {"column", "mib", "index", "values", "pattern", "range", NULL};
    if (conf_check_map(d, n, "filter", keys, err))
        return -1;
    const conf_node *col = conf_map_get(d, n, "column"), *ix = conf_map_get(d, n, "index");
    const conf_node *vals = conf_map_get(d, n, "values"), *rng = conf_map_get(d, n, "range");
    const char *pat = NULL;
    if (!col && !ix)
        return conf_fail(err, d, n, "column", "a filter tests a 'column', or an 'index' part");
    if ((vals != NULL) + (conf_map_get(d, n, "pattern") != NULL) + (rng != NULL) != 1)
        return conf_fail(err, d, n, "values", "a filter gives exactly one of 'values', 'pattern' or 'range'");
    if (rng && prof_read_range(d, rng, &f->range_min, &f->range_max, err))
        return -1;
    f->has_range = rng != NULL;
    if (col) {
        if (prof_read_oid(d, col, "column", &f->column, err))
            return -1;
        f->has_column = true;
    }
    if (ix && prof_read_template(d, ix, "index", &f->index_tmpl, err))
        return -1;
    if (vals && prof_read_values(d, vals, "values", &f->values, err))
        return -1;
    if (conf_get_str(d, n, "pattern", false, 128, &pat, err))
        return -1;
    f->pattern = prof_strdup(pat);
    return 0;
}

static int prof_read_table_keys(const conf_doc *d, const conf_node *n, prof_metric *m,
                                vg_err *err)
{
    const conf_node *v;
    if ((v = conf_map_get(d, n, "instance")) && prof_read_template(d, v, "instance", &m->instance_tmpl, err))
        return -1;
    if ((v = conf_map_get(d, n, "label"))) {
        static const char *const keys[] = {"column", "mib", "index", NULL};
        if (prof_read_column_ref(d, v, "label", keys, &m->label_col, err))
            return -1;
        const conf_node *ix = conf_map_get(d, v, "index");
        if (ix && prof_read_template(d, ix, "index", &m->label_index_tmpl, err))
            return -1;
        m->has_label = true;
    }
    if ((v = conf_map_get(d, n, "filter"))) {
        /* one condition, or a list of conditions that must all hold */
        bool list = conf_node_kind(v) == CONF_SEQ;
        size_t count = list ? conf_len(v) : 1;
        if (count == 0 || count > PROF_MAX_FILTERS)
            return conf_fail(err, d, v, "filter", "give 1 to %d conditions", PROF_MAX_FILTERS);
        for (size_t i = 0; i < count; i++)
            if (prof_read_filter(d, list ? conf_seq_at(d, v, i) : v, &m->filters[m->nfilters++], err))
                return -1;
    }
    if ((v = conf_map_get(d, n, "precision"))) {
        static const char *const keys[] = {"column", "mib", NULL};
        if (prof_read_column_ref(d, v, "precision", keys, &m->precision_col, err))
            return -1;
        m->has_precision = true;
    }
    if ((v = conf_map_get(d, n, "divisor"))) {
        static const char *const keys[] = {"column", "mib", NULL};
        if (prof_read_column_ref(d, v, "divisor", keys, &m->divisor_col, err))
            return -1;
        m->has_divisor = true;
    }
    const char *agg = NULL;
    if (conf_get_str(d, n, "aggregate", false, 16, &agg, err))
        return -1;
    if (agg && strcmp(agg, "count") == 0)
        m->aggregate = PROF_AGG_COUNT;
    else if (agg && strcmp(agg, "sum") == 0)
        m->aggregate = PROF_AGG_SUM;
    else if (agg)
        return conf_fail(err, d, conf_map_get(d, n, "aggregate"), "aggregate", "'%s' is not count or sum", agg);
    if (conf_get_bool(d, n, "sweep", false, &m->sweep, err))
        return -1;
    if (m->sweep && m->aggregate != PROF_AGG_NONE)
        return conf_fail(err, d, conf_map_get(d, n, "sweep"), "sweep",
                         "not with aggregate: a count or sum needs every row each cycle");
    return 0;
}

int prof_read_metric(const vocab *vocabulary, const conf_doc *d, const conf_node *kn, const conf_node *n, profile *p,
                     prof_metric *m, vg_err *err)
{
    static const char *const keys[] = {"unit", "sources", "type", "enum", "absent", "range", "health",
                                       "instance", "label", "filter", "precision", "divisor", "aggregate",
                                       "transform", "unit_from", "sweep", NULL};
    static const char *const table_only[] = {"instance", "label", "filter", "divisor", "aggregate", "sweep", NULL};
    const char *name = conf_node_scalar(kn);
    m->name = prof_strdup(name);
    m->line = conf_node_line(kn);
    const vocab_metric *voc = vocabulary ? vocab_metric_for(vocabulary, p->cls, name) : NULL;
    if (vocabulary && !voc)
        return conf_fail(err, d, kn, name, "not in mibs/vocabulary.yaml for class %s", p->cls);
    if (conf_check_map(d, n, name, keys, err))
        return -1;
    const char *unit = NULL, *type = "auto", *en = NULL, *transform = NULL;
    if (conf_get_str(d, n, "unit", false, 16, &unit, err) ||
        conf_get_str(d, n, "type", false, 16, &type, err) ||
        conf_get_str(d, n, "transform", false, 16, &transform, err) ||
        conf_get_str(d, n, "enum", false, 64, &en, err))
        return -1;
    if (voc) {
        bool is_state = strcmp(voc->unit, "state") == 0;
        if (!unit && !is_state)
            return conf_fail(err, d, n, "unit", "missing: the vocabulary says '%s'", voc->unit);
        if (unit && strcmp(unit, voc->unit) != 0)
            return conf_fail(err, d, conf_map_get(d, n, "unit"), "unit",
                             "'%s' but the vocabulary says '%s' for %s", unit, voc->unit, name);
        unit = voc->unit;
    }
    m->unit = prof_strdup(unit ? unit : "");
    if (strcmp(type, "auto") == 0)
        m->type = PROF_TYPE_AUTO;
    else if (strcmp(type, "counter") == 0)
        m->type = PROF_TYPE_COUNTER;
    else if (strcmp(type, "hexstring") == 0)
        m->type = PROF_TYPE_HEXSTRING;
    else if (strcmp(type, "last_number") == 0)
        m->type = PROF_TYPE_LAST_NUMBER;
    else if (strcmp(type, "date") == 0)
        m->type = PROF_TYPE_DATE;
    else
        return conf_fail(err, d, conf_map_get(d, n, "type"), "type",
                         "'%s' is not auto, counter, hexstring, last_number or date", type);
    if (transform && strcmp(transform, "mw_to_dbm") == 0)
        m->transform = PROF_TRANSFORM_MW_TO_DBM;
    else if (transform)
        return conf_fail(err, d, conf_map_get(d, n, "transform"), "transform", "'%s' is not mw_to_dbm", transform);
    if (en && !(m->en = prof_find_enum(p, en)))
        return conf_fail(err, d, conf_map_get(d, n, "enum"), "enum", "no enum '%s' in this profile", en);

    const conf_node *srcs = conf_map_get(d, n, "sources");
    if (!srcs)
        return conf_fail(err, d, n, "sources", "missing in metric %s", name);
    if (conf_node_kind(srcs) != CONF_SEQ || conf_len(srcs) == 0 || conf_len(srcs) > PROF_MAX_SOURCES)
        return conf_fail(err, d, srcs, "sources", "must be a list of 1 to %d sources", PROF_MAX_SOURCES);
    for (size_t i = 0; i < conf_len(srcs); i++) {
        bool col = false;
        m->nsources++; /* counted before it is read, so that profile_clear frees a half-read one */
        if (prof_read_source(d, conf_seq_at(d, srcs, i), &m->sources[i], &col, err))
            return -1;
        if (m->sources[i].instance)
            m->multi_instance = true;
        if (i == 0)
            m->is_table = col;
        else if (col != m->is_table)
            return conf_fail(err, d, conf_seq_at(d, srcs, i), "sources",
                             "mixes scalar 'oid' and table 'column' sources");
    }
    const conf_node *v;
    if ((v = conf_map_get(d, n, "absent")) && prof_read_values(d, v, "absent", &m->absent, err))
        return -1;
    if ((v = conf_map_get(d, n, "range"))) {
        if (prof_read_range(d, v, &m->range_lo, &m->range_hi, err))
            return -1;
        m->has_range = true;
    }
    if ((v = conf_map_get(d, n, "health")) && prof_read_health(d, v, m, err))
        return -1;
    if (!m->is_table) {
        for (const char *const *k = table_only; *k; k++)
            if (conf_map_get(d, n, *k))
                return conf_fail(err, d, conf_map_get(d, n, *k), *k, "only for table metrics (sources with 'column')");
        if ((v = conf_map_get(d, n, "precision"))) {
            static const char *const pkeys[] = {"oid", "mib", NULL};
            if (conf_check_map(d, v, "precision", pkeys, err) ||
                conf_require_keys(d, v, "precision", (const char *const[]){"oid", NULL}, err) ||
                prof_read_oid(d, conf_map_get(d, v, "oid"), "oid", &m->precision_col, err))
                return -1;
            m->has_precision = m->precision_scalar = true;
        }
    } else if (prof_read_table_keys(d, n, m, err)) {
        return -1;
    }
    if ((v = conf_map_get(d, n, "unit_from"))) {
        if (m->en || !*m->unit)
            return conf_fail(err, d, v, "unit_from", "only for metrics with a unit");
        if (prof_read_unit_from(d, v, m, err))
            return -1;
    }
    if (m->is_table && !m->instance_tmpl)
        m->instance_tmpl = prof_strdup("{index}");
    if (m->multi_instance)
        for (size_t i = 0; i < m->nsources; i++)
            if (!m->sources[i].instance)
                return conf_fail(err, d, srcs, "instance", "give every source an 'instance' or none");
    if (m->aggregate == PROF_AGG_COUNT && (m->en || m->type == PROF_TYPE_COUNTER))
        return conf_fail(err, d, conf_map_get(d, n, "aggregate"), "aggregate", "count goes with neither enum nor counter");
    return 0;
}
