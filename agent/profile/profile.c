#include "config.h"
#include "profile/profile.h"

#include <dirent.h>
#include <fnmatch.h>
#include <yaml.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

typedef struct {
    char *cls;
    char *name;
    char *unit;
} vocab_entry;

struct profile_set {
    vocab_entry *vocab;
    size_t nvocab;
    profile *profiles;
    size_t count;
    const profile *generic;
};

static const char *const prof_classes[] = {"generic", "ups", "pdu", "cooling", "olt", "env", NULL};

static char *prof_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d)
        abort(); /* a profile that cannot be held in memory is not worth limping on */
    memcpy(d, s, n);
    return d;
}

static void *prof_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

/* Text a profile puts into samples (units, enum and trap texts, instances) must be what the server
 * accepts in a push, printable UTF-8 (names.h): a tab in an enum's text made the server refuse every
 * batch that carried it, with all the other samples of the cycle (found by fuzzing). */
static int prof_check_text(const conf_doc *d, const conf_node *n, const char *key, const char *s,
                           size_t max, vg_err *err)
{
    if (s && *s && !text_is_valid(s, max))
        return conf_fail(err, d, n, key, "must be printable text (no tab, newline or other control character)");
    return 0;
}

/* ---- vocabulary ---------------------------------------------------------------------------- */

static int vocab_load(profile_set *set, const char *path, vg_err *err)
{
    conf_doc *d = conf_doc_load_file(path, err);
    if (!d)
        return -1;
    const conf_node *root = conf_doc_root(d);
    int rc = conf_check_map(d, root, "vocabulary", prof_classes, err);
    size_t total = 0;
    for (size_t i = 0; rc == 0 && i < conf_len(root); i++)
        total += conf_len(conf_map_value_at(d, root, i));
    set->vocab = prof_calloc(total, sizeof *set->vocab);
    for (size_t i = 0; rc == 0 && i < conf_len(root); i++) {
        const char *cls = conf_node_scalar(conf_map_key_at(d, root, i));
        const conf_node *names = conf_map_value_at(d, root, i);
        static const char *const keys[] = {"unit", "doc", NULL};
        rc = conf_check_map(d, names, cls, NULL, err);
        for (size_t j = 0; rc == 0 && j < conf_len(names); j++) {
            const char *name = conf_node_scalar(conf_map_key_at(d, names, j));
            const conf_node *e = conf_map_value_at(d, names, j);
            const char *unit = NULL;
            if (!metric_name_is_valid(name))
                rc = conf_fail(err, d, conf_map_key_at(d, names, j), name, "not a valid metric name");
            else if (conf_check_map(d, e, name, keys, err) ||
                     conf_get_str(d, e, "unit", true, 16, &unit, err) ||
                     prof_check_text(d, conf_map_get(d, e, "unit"), "unit", unit, PUSH_UNIT_MAX, err))
                rc = -1;
            else {
                vocab_entry *v = &set->vocab[set->nvocab++];
                v->cls = prof_strdup(cls);
                v->name = prof_strdup(name);
                v->unit = prof_strdup(unit);
            }
        }
    }
    conf_doc_free(d);
    return rc;
}

static const vocab_entry *vocab_find(const profile_set *set, const char *cls, const char *name)
{
    for (size_t i = 0; i < set->nvocab; i++)
        if (strcmp(set->vocab[i].cls, cls) == 0 && strcmp(set->vocab[i].name, name) == 0)
            return &set->vocab[i];
    return NULL;
}

/* A profile of class C may use C's names, then generic's, then env's (many cards carry probes). */
static const vocab_entry *vocab_lookup(const profile_set *set, const char *cls, const char *name)
{
    const vocab_entry *v = vocab_find(set, cls, name);
    if (!v)
        v = vocab_find(set, "generic", name);
    if (!v)
        v = vocab_find(set, "env", name);
    return v;
}

/* ---- small readers ------------------------------------------------------------------------- */

static int prof_read_oid(const conf_doc *d, const conf_node *n, const char *key, prof_oid *out,
                         vg_err *err)
{
    const char *s = conf_node_scalar(n);
    oid buf[MAX_OID_LEN];
    size_t len;
    if (!s || oid_parse(s, buf, MAX_OID_LEN, &len) != 0)
        return conf_fail(err, d, n, key, "'%s' is not a numeric OID (.1.3.6.1...)", s ? s : "");
    out->ids = prof_calloc(len, sizeof(oid));
    memcpy(out->ids, buf, len * sizeof(oid));
    out->len = len;
    return 0;
}

/* A node that may be one OID or a list of them. */
static int prof_read_oid_list(const conf_doc *d, const conf_node *n, const char *key,
                              prof_oid **out, size_t *count, vg_err *err)
{
    if (conf_node_kind(n) == CONF_SCALAR) {
        *out = prof_calloc(1, sizeof **out);
        *count = 1;
        return prof_read_oid(d, n, key, &(*out)[0], err);
    }
    if (conf_node_kind(n) != CONF_SEQ || conf_len(n) == 0 || conf_len(n) > PROF_MAX_LIST)
        return conf_fail(err, d, n, key, "must be an OID or a list of 1 to %d OIDs", PROF_MAX_LIST);
    *out = prof_calloc(conf_len(n), sizeof **out);
    for (size_t i = 0; i < conf_len(n); i++) {
        if (prof_read_oid(d, conf_seq_at(d, n, i), key, &(*out)[i], err) != 0)
            return -1;
        (*count)++;
    }
    return 0;
}

static int prof_read_values(const conf_doc *d, const conf_node *n, const char *key, prof_values *v,
                            vg_err *err)
{
    if (conf_node_kind(n) != CONF_SEQ || conf_len(n) > PROF_MAX_LIST)
        return conf_fail(err, d, n, key, "must be a list of at most %d values", PROF_MAX_LIST);
    if (conf_len(n))
        v->items = prof_calloc(conf_len(n), sizeof *v->items);
    for (size_t i = 0; i < conf_len(n); i++) {
        const conf_node *item = conf_seq_at(d, n, i);
        const char *s = conf_node_scalar(item);
        if (!s)
            return conf_fail(err, d, item, key, "must hold numbers or strings");
        char *end;
        double num = strtod(s, &end);
        size_t k = v->count++;
        /* a quoted "N/A" stays a string; 1, -1, 2147483647 are numbers */
        const yaml_node_t *y = (const yaml_node_t *)item;
        bool quoted = y->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                      y->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        if (*s && !*end && !quoted) {
            v->items[k].num = num;
        } else {
            v->items[k].is_string = true;
            v->items[k].str = prof_strdup(s);
        }
    }
    return 0;
}

static void prof_values_free(prof_values *v)
{
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i].str);
    free(v->items);
}

/* ---- enums --------------------------------------------------------------------------------- */

static int prof_read_enum_entry(const conf_doc *d, const conf_node *n, const char *key,
                                prof_enum_entry *e, vg_err *err)
{
    static const char *const keys[] = {"text", "severity", "value", NULL};
    const char *text = NULL, *sev = "ok";
    if (conf_check_map(d, n, "enum entry", keys, err) ||
        conf_get_str(d, n, "text", true, PUSH_TEXT_MAX, &text, err) ||
        prof_check_text(d, conf_map_get(d, n, "text"), "text", text, PUSH_TEXT_MAX, err) ||
        conf_get_str(d, n, "severity", false, 16, &sev, err))
        return -1;
    e->sev = severity_parse(sev);
    if (e->sev == SEV_NONE)
        return conf_fail(err, d, conf_map_get(d, n, "severity"), "severity",
                         "'%s' is not ok, warning, critical or unknown", sev);
    if (conf_map_get(d, n, "value")) {
        if (conf_get_double(d, n, "value", true, &e->value, err))
            return -1;
        e->has_value = true;
    }
    e->text = prof_strdup(text);
    (void)key;
    return 0;
}

static int prof_read_enums(const conf_doc *d, const conf_node *n, profile *p, vg_err *err)
{
    if (conf_check_map(d, n, "enums", NULL, err))
        return -1;
    p->enums = prof_calloc(conf_len(n), sizeof *p->enums);
    for (size_t i = 0; i < conf_len(n); i++) {
        const char *name = conf_node_scalar(conf_map_key_at(d, n, i));
        const conf_node *codes = conf_map_value_at(d, n, i);
        prof_enum *en = &p->enums[p->nenums++];
        en->name = prof_strdup(name);
        if (conf_check_map(d, codes, name, NULL, err))
            return -1;
        if (conf_len(codes) == 0)
            return conf_fail(err, d, codes, name, "an enum needs at least one code");
        en->entries = prof_calloc(conf_len(codes), sizeof *en->entries);
        for (size_t j = 0; j < conf_len(codes); j++) {
            const conf_node *kn = conf_map_key_at(d, codes, j);
            const char *code = conf_node_scalar(kn);
            prof_enum_entry *e;
            if (strcmp(code, "default") == 0) {
                e = &en->dflt;
                en->has_default = true;
            } else {
                e = &en->entries[en->count++];
                char *end;
                long long v = strtoll(code, &end, 10);
                if (*code && !*end) {
                    e->code = v;
                } else {
                    e->is_string = true;
                    e->code_str = prof_strdup(code);
                }
            }
            if (prof_read_enum_entry(d, conf_map_value_at(d, codes, j), code, e, err))
                return -1;
        }
    }
    return 0;
}

static const prof_enum *prof_find_enum(const profile *p, const char *name)
{
    for (size_t i = 0; i < p->nenums; i++)
        if (strcmp(p->enums[i].name, name) == 0)
            return &p->enums[i];
    return NULL;
}

/* ---- metrics ------------------------------------------------------------------------------- */

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

static int prof_read_filter(const conf_doc *d, const conf_node *n, prof_filter *f, vg_err *err)
{
    static const char *const keys[] = {"column", "mib", "index", "values", "pattern", NULL};
    if (conf_check_map(d, n, "filter", keys, err))
        return -1;
    const conf_node *col = conf_map_get(d, n, "column"), *ix = conf_map_get(d, n, "index");
    const conf_node *vals = conf_map_get(d, n, "values");
    const char *pat = NULL;
    if (!col && !ix)
        return conf_fail(err, d, n, "column", "a filter tests a 'column', or an 'index' part");
    if ((vals == NULL) == (conf_map_get(d, n, "pattern") == NULL))
        return conf_fail(err, d, n, "values", "a filter gives exactly one of 'values' or 'pattern'");
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
    return 0;
}

static int prof_read_metric(const profile_set *set, const conf_doc *d, const conf_node *kn,
                            const conf_node *n, profile *p, prof_metric *m, vg_err *err)
{
    static const char *const keys[] = {"unit", "sources", "type", "enum", "absent", "range", "health",
                                       "instance", "label", "filter", "precision", "divisor", "aggregate",
                                       "transform", NULL};
    static const char *const table_only[] = {"instance", "label", "filter", "precision", "divisor",
                                             "aggregate", NULL};
    const char *name = conf_node_scalar(kn);
    m->name = prof_strdup(name);
    m->line = conf_node_line(kn);
    const vocab_entry *voc = set ? vocab_lookup(set, p->cls, name) : NULL;
    if (set && !voc)
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
    else
        return conf_fail(err, d, conf_map_get(d, n, "type"), "type", "'%s' is not auto, counter or hexstring", type);
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
        if (conf_node_kind(v) != CONF_SEQ || conf_len(v) != 2 ||
            conf_scalar_double(d, conf_seq_at(d, v, 0), "range", &m->range_lo, err) ||
            conf_scalar_double(d, conf_seq_at(d, v, 1), "range", &m->range_hi, err) ||
            m->range_lo > m->range_hi)
            return conf_fail(err, d, v, "range", "must be [min, max] with min <= max");
        m->has_range = true;
    }
    if ((v = conf_map_get(d, n, "health")) && prof_read_health(d, v, m, err))
        return -1;
    if (!m->is_table) {
        for (const char *const *k = table_only; *k; k++)
            if (conf_map_get(d, n, *k))
                return conf_fail(err, d, conf_map_get(d, n, *k), *k, "only for table metrics (sources with 'column')");
    } else if (prof_read_table_keys(d, n, m, err)) {
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

/* ---- traps --------------------------------------------------------------------------------- */

static int prof_read_trap(const profile_set *set, const conf_doc *d, const conf_node *kn, const conf_node *n,
                          const profile *p, prof_trap *t, vg_err *err)
{
    static const char *const keys[] = {"metric", "value", "text", "severity", "mib", "instance",
                                       "instance_varbind", NULL};
    static const char *const required[] = {"metric", "severity", NULL};
    t->line = conf_node_line(kn);
    if (prof_read_oid(d, kn, "traps", &t->oid, err) || conf_check_map(d, n, "trap", keys, err) ||
        conf_require_keys(d, n, "trap", required, err))
        return -1;
    const char *metric = NULL, *text = "", *sev = "ok", *mib = NULL, *inst = "";
    t->value = 1;
    if (conf_get_str(d, n, "metric", true, NAME_MAX_LEN, &metric, err) ||
        conf_get_str(d, n, "text", false, PUSH_TEXT_MAX, &text, err) ||
        conf_get_str(d, n, "severity", true, 16, &sev, err) ||
        conf_get_str(d, n, "mib", false, 128, &mib, err) ||
        conf_get_str(d, n, "instance", false, INSTANCE_MAX_LEN, &inst, err) ||
        conf_get_double(d, n, "value", false, &t->value, err) ||
        prof_check_text(d, conf_map_get(d, n, "text"), "text", text, PUSH_TEXT_MAX, err) ||
        prof_check_text(d, conf_map_get(d, n, "instance"), "instance", inst, INSTANCE_MAX_LEN, err))
        return -1;
    t->metric = prof_strdup(metric);
    t->text = prof_strdup(text);
    t->mib = prof_strdup(mib);
    t->instance = prof_strdup(inst);
    const vocab_entry *voc = set ? vocab_lookup(set, p->cls, metric) : NULL;
    if (set && !voc)
        return conf_fail(err, d, conf_map_get(d, n, "metric"), "metric", "'%s' is not in mibs/vocabulary.yaml for class %s",
                         metric, p->cls);
    t->unit = prof_strdup(voc ? voc->unit : "");
    t->sev = severity_parse(sev);
    if (t->sev == SEV_NONE)
        return conf_fail(err, d, conf_map_get(d, n, "severity"), "severity",
                         "'%s' is not ok, warning, critical or unknown", sev);
    const conf_node *v = conf_map_get(d, n, "instance_varbind");
    if (v) {
        if (inst[0])
            return conf_fail(err, d, v, "instance_varbind", "give 'instance' or 'instance_varbind', not both");
        if (prof_read_oid(d, v, "instance_varbind", &t->instance_varbind, err))
            return -1;
        t->has_instance_varbind = true;
    }
    return 0;
}

static int prof_read_traps(const profile_set *set, const conf_doc *d, const conf_node *n, profile *p,
                           vg_err *err)
{
    if (conf_check_map(d, n, "traps", NULL, err))
        return -1;
    p->traps = prof_calloc(conf_len(n), sizeof *p->traps);
    for (size_t i = 0; i < conf_len(n); i++) {
        prof_trap *t = &p->traps[p->ntraps++]; /* counted before it is read, so that profile_clear frees it */
        const conf_node *kn = conf_map_key_at(d, n, i);
        if (prof_read_trap(set, d, kn, conf_map_value_at(d, n, i), p, t, err))
            return -1;
        for (size_t j = 0; j + 1 < p->ntraps; j++)
            if (snmp_oid_compare(p->traps[j].oid.ids, p->traps[j].oid.len, t->oid.ids, t->oid.len) == 0)
                return conf_fail(err, d, kn, "traps", "trap %s is declared twice (also line %d)",
                                 conf_node_scalar(kn), p->traps[j].line);
    }
    return 0;
}

const prof_trap *profile_find_trap(const profile *p, const oid *trap_oid, size_t len)
{
    for (size_t i = 0; p && i < p->ntraps; i++)
        if (snmp_oid_compare(p->traps[i].oid.ids, p->traps[i].oid.len, trap_oid, len) == 0)
            return &p->traps[i];
    return NULL;
}

/* ---- profiles ------------------------------------------------------------------------------ */

static void prof_oid_free(prof_oid *o) { free(o->ids); }

static void profile_clear(profile *p)
{
    free(p->name);
    free(p->cls);
    free(p->description);
    free(p->file);
    for (size_t i = 0; i < p->nmatch_soid; i++)
        prof_oid_free(&p->match_soid[i]);
    free(p->match_soid);
    for (size_t i = 0; i < p->nprobes; i++)
        prof_oid_free(&p->probes[i]);
    free(p->probes);
    for (size_t i = 0; i < p->nenums; i++) {
        prof_enum *e = &p->enums[i];
        for (size_t j = 0; j < e->count; j++) {
            free(e->entries[j].text);
            free(e->entries[j].code_str);
        }
        free(e->dflt.text);
        free(e->entries);
        free(e->name);
    }
    free(p->enums);
    for (size_t i = 0; i < p->nmetrics; i++) {
        prof_metric *m = &p->metrics[i];
        for (size_t j = 0; j < m->nsources; j++) {
            prof_oid_free(&m->sources[j].oid);
            free(m->sources[j].mib);
            free(m->sources[j].instance);
        }
        free(m->name);
        free(m->unit);
        free(m->instance_tmpl);
        free(m->label_index_tmpl);
        prof_oid_free(&m->label_col);
        prof_oid_free(&m->precision_col);
        prof_oid_free(&m->divisor_col);
        prof_values_free(&m->absent);
        for (size_t f = 0; f < m->nfilters; f++) {
            prof_oid_free(&m->filters[f].column);
            free(m->filters[f].index_tmpl);
            free(m->filters[f].pattern);
            prof_values_free(&m->filters[f].values);
        }
    }
    free(p->metrics);
    for (size_t i = 0; i < p->ntraps; i++) {
        prof_trap *t = &p->traps[i];
        prof_oid_free(&t->oid);
        prof_oid_free(&t->instance_varbind);
        free(t->mib);
        free(t->metric);
        free(t->unit);
        free(t->text);
        free(t->instance);
    }
    free(p->traps);
    memset(p, 0, sizeof *p);
}

static int prof_read_match(const conf_doc *d, const conf_node *n, profile *p, vg_err *err)
{
    static const char *const keys[] = {"sys_object_id", "probe", NULL};
    if (conf_check_map(d, n, "match", keys, err))
        return -1;
    const conf_node *v;
    if ((v = conf_map_get(d, n, "sys_object_id")) &&
        prof_read_oid_list(d, v, "sys_object_id", &p->match_soid, &p->nmatch_soid, err))
        return -1;
    if ((v = conf_map_get(d, n, "probe")) && prof_read_oid_list(d, v, "probe", &p->probes, &p->nprobes, err))
        return -1;
    return 0;
}

static bool prof_name_ok(const char *s)
{
    if (!*s || strlen(s) > NAME_MAX_LEN)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

/* Reads one profile document. `set` gives the vocabulary (NULL: not checked). */
static int profile_read(const profile_set *set, const conf_doc *d, const char *path, profile *p,
                        vg_err *err)
{
    static const char *const keys[] = {"profile", "class", "description", "priority", "match",
                                       "enums", "metrics", "traps", NULL};
    static const char *const required[] = {"profile", "class", "metrics", NULL};
    const conf_node *root = conf_doc_root(d);
    const char *name, *cls, *desc = "";
    long long prio = 50;
    p->file = prof_strdup(path);
    if (conf_check_map(d, root, "profile", keys, err) || conf_require_keys(d, root, "profile", required, err) ||
        conf_get_str(d, root, "profile", true, NAME_MAX_LEN, &name, err) ||
        conf_get_str(d, root, "class", true, 16, &cls, err) ||
        conf_get_str(d, root, "description", false, 512, &desc, err) ||
        conf_get_int(d, root, "priority", false, 0, 1000, &prio, err))
        return -1;
    if (!prof_name_ok(name))
        return conf_fail(err, d, conf_map_get(d, root, "profile"), "profile",
                         "'%s': use lower case letters, digits and '-'", name);
    bool cls_ok = false;
    for (const char *const *c = prof_classes; *c; c++)
        cls_ok = cls_ok || strcmp(*c, cls) == 0;
    if (!cls_ok)
        return conf_fail(err, d, conf_map_get(d, root, "class"), "class",
                         "'%s' is not one of generic, ups, pdu, cooling, olt, env", cls);
    p->name = prof_strdup(name);
    p->cls = prof_strdup(cls);
    p->description = prof_strdup(desc);
    p->priority = (int)prio;
    const conf_node *v;
    if ((v = conf_map_get(d, root, "match")) && prof_read_match(d, v, p, err))
        return -1;
    if ((v = conf_map_get(d, root, "enums")) && prof_read_enums(d, v, p, err))
        return -1;
    const conf_node *metrics = conf_map_get(d, root, "metrics");
    if (conf_check_map(d, metrics, "metrics", NULL, err))
        return -1;
    p->metrics = prof_calloc(conf_len(metrics), sizeof *p->metrics);
    for (size_t i = 0; i < conf_len(metrics); i++) {
        int rc = prof_read_metric(set, d, conf_map_key_at(d, metrics, i), conf_map_value_at(d, metrics, i),
                                  p, &p->metrics[p->nmetrics], err);
        p->nmetrics++; /* counted even when half-read, so that profile_clear frees it */
        if (rc)
            return -1;
    }
    if ((v = conf_map_get(d, root, "traps")) && prof_read_traps(set, d, v, p, err))
        return -1;
    return 0;
}

/* ---- sets ---------------------------------------------------------------------------------- */

static int prof_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the .yaml files of dir except the vocabulary, sorted, so that load order never depends on readdir. */
static char **prof_list_files(const char *dir, size_t *count, vg_err *err)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        snprintf(err->msg, sizeof err->msg, "%s: cannot open profile folder", dir);
        return NULL;
    }
    size_t cap = 16, n = 0;
    char **names = prof_calloc(cap, sizeof *names);
    struct dirent *de;
    while ((de = readdir(dh))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0 || de->d_name[0] == '.' ||
            strcmp(de->d_name, "vocabulary.yaml") == 0)
            continue;
        if (n == cap) {
            cap *= 2;
            char **p = realloc(names, cap * sizeof *names);
            if (!p)
                abort();
            names = p;
        }
        size_t plen = strlen(dir) + len + 2;
        names[n] = malloc(plen);
        if (!names[n])
            abort();
        snprintf(names[n++], plen, "%s/%s", dir, de->d_name);
    }
    closedir(dh);
    qsort(names, n, sizeof *names, prof_cmp_names);
    *count = n;
    return names;
}

static void prof_free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static profile_set *prof_set_new(const char *dir, vg_err *err)
{
    profile_set *set = prof_calloc(1, sizeof *set);
    char path[4096];
    snprintf(path, sizeof path, "%s/vocabulary.yaml", dir);
    if (vocab_load(set, path, err) != 0) {
        profile_set_free(set);
        return NULL;
    }
    return set;
}

static int prof_set_add(profile_set *set, const char *path, vg_err *err)
{
    conf_doc *d = conf_doc_load_file(path, err);
    if (!d)
        return -1;
    profile *p = &set->profiles[set->count];
    int rc = profile_read(set, d, path, p, err);
    if (rc == 0) {
        const profile *dup = profile_set_find(set, p->name);
        if (dup)
            rc = conf_fail(err, d, conf_map_get(d, conf_doc_root(d), "profile"), "profile",
                           "'%s' is also the name of %s", p->name, dup->file);
    }
    if (rc == 0) {
        for (size_t i = 0; i < p->nmetrics && rc == 0; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(p->metrics[i].name, p->metrics[j].name) == 0) {
                    rc = -1; /* conf_check_map already refuses duplicate keys; kept as a guard */
                    snprintf(err->msg, sizeof err->msg, "%s:%d: metric %s defined twice", path,
                             p->metrics[i].line, p->metrics[i].name);
                    break;
                }
    }
    conf_doc_free(d);
    if (rc != 0) {
        profile_clear(p);
        return -1;
    }
    set->count++;
    if (strcmp(p->cls, "generic") == 0 && strcmp(p->name, "generic") == 0)
        set->generic = p;
    return 0;
}

profile_set *profile_set_load(const char *dir, vg_err *err)
{
    profile_set *set = prof_set_new(dir, err);
    if (!set)
        return NULL;
    size_t n = 0;
    char **files = prof_list_files(dir, &n, err);
    if (!files) {
        profile_set_free(set);
        return NULL;
    }
    set->profiles = prof_calloc(n, sizeof *set->profiles);
    for (size_t i = 0; i < n; i++) {
        if (prof_set_add(set, files[i], err) != 0) {
            prof_free_list(files, n);
            profile_set_free(set);
            return NULL;
        }
    }
    prof_free_list(files, n);
    return set;
}

int profile_set_check(const char *dir, FILE *out)
{
    vg_err err;
    profile_set *set = prof_set_new(dir, &err);
    if (!set) {
        fprintf(out, "%s\n", err.msg);
        return 1;
    }
    size_t n = 0;
    char **files = prof_list_files(dir, &n, &err);
    if (!files) {
        fprintf(out, "%s\n", err.msg);
        profile_set_free(set);
        return 1;
    }
    int problems = 0;
    set->profiles = prof_calloc(n, sizeof *set->profiles);
    for (size_t i = 0; i < n; i++) {
        if (prof_set_add(set, files[i], &err) != 0) {
            fprintf(out, "%s\n", err.msg);
            problems++;
        }
    }
    if (problems == 0)
        fprintf(out, "%zu profiles and %zu vocabulary names checked in %s: no problem\n", set->count,
                set->nvocab, dir);
    prof_free_list(files, n);
    profile_set_free(set);
    return problems;
}

void profile_set_free(profile_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        profile_clear(&set->profiles[i]);
    free(set->profiles);
    for (size_t i = 0; i < set->nvocab; i++) {
        free(set->vocab[i].cls);
        free(set->vocab[i].name);
        free(set->vocab[i].unit);
    }
    free(set->vocab);
    free(set);
}

size_t profile_set_count(const profile_set *set) { return set->count; }
const profile *profile_set_at(const profile_set *set, size_t i) { return &set->profiles[i]; }
const profile *profile_set_generic(const profile_set *set) { return set->generic; }

const profile *profile_set_find(const profile_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->profiles[i].name && strcmp(set->profiles[i].name, name) == 0)
            return &set->profiles[i];
    return NULL;
}

/* Longest matching sysObjectID prefix, 0 when none matches, -1 when the profile gives none. */
static int prof_soid_match(const profile *p, const oid *soid, size_t len)
{
    if (p->nmatch_soid == 0)
        return -1;
    int best = 0;
    for (size_t i = 0; i < p->nmatch_soid; i++)
        if (soid && oid_has_prefix(soid, len, p->match_soid[i].ids, p->match_soid[i].len) &&
            (int)p->match_soid[i].len > best)
            best = (int)p->match_soid[i].len;
    return best;
}

const profile *profile_set_detect(const profile_set *set, const oid *soid, size_t len,
                                  profile_probe_fn probe_ok, void *ctx)
{
    const profile *best = NULL;
    int best_prefix = 0;
    for (size_t i = 0; i < set->count; i++) {
        const profile *p = &set->profiles[i];
        if (p->nmatch_soid == 0 && p->nprobes == 0)
            continue;
        int prefix = prof_soid_match(p, soid, len);
        if (prefix == 0)
            continue;
        bool probed = p->nprobes == 0;
        for (size_t j = 0; j < p->nprobes && !probed; j++)
            probed = probe_ok(ctx, &p->probes[j]);
        if (!probed)
            continue;
        if (prefix < 0)
            prefix = 0;
        if (!best || p->priority > best->priority ||
            (p->priority == best->priority && prefix > best_prefix) ||
            (p->priority == best->priority && prefix == best_prefix && strcmp(p->name, best->name) < 0)) {
            best = p;
            best_prefix = prefix;
        }
    }
    return best;
}

size_t profile_set_probes(const profile_set *set, const oid *soid, size_t len, const prof_oid **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < set->count; i++) {
        const profile *p = &set->profiles[i];
        if (p->nprobes == 0 || prof_soid_match(p, soid, len) == 0)
            continue; /* detected without asking, or ruled out by its sysObjectID */
        for (size_t j = 0; j < p->nprobes && n < max; j++) {
            const prof_oid *o = &p->probes[j];
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = out[k]->len == o->len && memcmp(out[k]->ids, o->ids, o->len * sizeof(oid)) == 0;
            if (!seen)
                out[n++] = o;
        }
    }
    return n;
}

size_t profile_set_probe_count(const profile_set *set)
{
    size_t n = 0;
    for (size_t i = 0; i < set->count; i++)
        n += set->profiles[i].nprobes;
    return n;
}

int profile_expand_index(const char *tmpl, const oid *index, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (const char *s = tmpl; *s;) {
        char piece[OID_TEXT_MAX];
        if (*s == '{') {
            const char *close = strchr(s, '}');
            if (!close)
                return -1;
            size_t n = (size_t)(close - s);
            if (n == 6 && strncmp(s, "{index", 6) == 0) {
                piece[0] = '\0';
                size_t p = 0;
                for (size_t i = 0; i < len && p < sizeof piece - 12; i++)
                    p += (size_t)snprintf(piece + p, sizeof piece - p, i ? ".%lu" : "%lu", (unsigned long)index[i]);
            } else if (n > 7 && strncmp(s, "{index.", 7) == 0) {
                char *end;
                long k = strtol(s + 7, &end, 10);
                if (end != close || k < 1)
                    return -1;
                if ((size_t)k > len)
                    snprintf(piece, sizeof piece, "?");
                else
                    snprintf(piece, sizeof piece, "%lu", (unsigned long)index[k - 1]);
            } else {
                return -1;
            }
            s = close + 1;
        } else {
            piece[0] = *s++;
            piece[1] = '\0';
        }
        size_t pl = strlen(piece);
        if (o + pl >= size)
            return -1;
        memcpy(out + o, piece, pl + 1);
        o += pl;
    }
    if (size)
        out[o] = '\0';
    return 0;
}
