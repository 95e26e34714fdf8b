#include "config.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "push.h"

#define VOCAB_LABEL_MAX 128

/* The strings point into the parsed document, which the vocab keeps: nothing is copied, and the site
 * kinds' services stay readable by the server's site model with their file:line:column. */
struct vocab {
    conf_doc *doc;
    char *path;
    vocab_class *classes;
    const char **class_names; /* NULL-terminated */
    size_t nclasses;
    vocab_metric *metrics;
    size_t nmetrics;
    vocab_graph *graphs;
    size_t ngraphs;
    vocab_word *units, *texts, *services, *kinds;
    size_t nunits, ntexts, nservices, nkinds;
    const char **kind_names;
    const conf_node **kind_services;
    const conf_node **key_nodes; /* per class: its key_metrics node, checked once metrics are read */
    char *class_list, *kind_list;
};

static const char *const vc_sections[] = {"classes", "units", "texts", "services", "site_kinds", "graphs", NULL};

static bool vc_is_section(const char *k)
{
    for (const char *const *s = vc_sections; *s; s++)
        if (strcmp(*s, k) == 0)
            return true;
    return false;
}

static void *vc_calloc(size_t n, size_t size, vg_err *err)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        vg_fail(err, VG_E_NOMEM, "vocabulary: out of memory");
    return p;
}

/* A class name goes into cls[16] fields and file names: a lower-case word. */
bool vocab_class_name_is_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VOCAB_CLASS_MAX || s[0] < 'a' || s[0] > 'z')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* fr and en of map n: both or neither (both when required), printable text: it ends up in pages and
 * PDFs. An empty word is allowed (the unit "state" is shown as nothing). */
static vg_code vc_text(const conf_doc *d, const conf_node *n, bool required, vocab_text *out, vg_err *err)
{
    static const char *const keys[] = {"fr", "en"};
    const conf_node *at[2] = {conf_map_get(d, n, "fr"), conf_map_get(d, n, "en")};
    out->fr = out->en = "";
    if (!at[0] && !at[1] && !required)
        return VG_OK;
    for (int i = 0; i < 2; i++) {
        if (!at[i])
            return conf_fail(err, d, n, keys[i], "missing: give the French (fr) and the English (en) words");
        const char *s = conf_node_scalar(at[i]);
        if (!s || (*s && !text_is_valid(s, VOCAB_LABEL_MAX)))
            return conf_fail(err, d, at[i], keys[i], "must be printable text of at most %d bytes", VOCAB_LABEL_MAX);
        *(i ? &out->en : &out->fr) = s;
    }
    return VG_OK;
}

/* A section `name: {fr: ..., en: ...}` per word (units, texts, services). */
static vg_code vc_words(const conf_doc *d, const conf_node *n, const char *what, vocab_word **out, size_t *count,
                        vg_err *err)
{
    static const char *const keys[] = {"fr", "en", NULL};
    if (conf_check_map(d, n, what, NULL, err))
        return VG_E_INVALID;
    if (!(*out = vc_calloc(conf_len(n), sizeof **out, err)))
        return VG_E_NOMEM;
    for (size_t i = 0; i < conf_len(n); i++) {
        const conf_node *kn = conf_map_key_at(d, n, i), *e = conf_map_value_at(d, n, i);
        const char *name = conf_node_scalar(kn);
        vocab_word *w = &(*out)[*count];
        if (!*name || !text_is_valid(name, PUSH_TEXT_MAX))
            return conf_fail(err, d, kn, name, "must be printable text of at most %d bytes", PUSH_TEXT_MAX);
        if (conf_check_map(d, e, name, keys, err) || vc_text(d, e, false, &w->label, err))
            return VG_E_INVALID;
        w->name = name;
        (*count)++;
    }
    return VG_OK;
}

static vocab_class *vc_class_add(vocab *v, const char *name)
{
    vocab_class *c = &v->classes[v->nclasses];
    c->name = name;
    c->label.fr = c->label.en = "";
    v->class_names[v->nclasses++] = name;
    return c;
}

static vg_code vc_classes(vocab *v, const conf_node *n, vg_err *err)
{
    static const char *const keys[] = {"fr", "en", "key_metrics", NULL};
    const conf_doc *d = v->doc;
    if (conf_check_map(d, n, "classes", NULL, err))
        return VG_E_INVALID;
    if (conf_len(n) == 0)
        return conf_fail(err, d, n, "classes", "give at least one class");
    for (size_t i = 0; i < conf_len(n); i++) {
        const conf_node *kn = conf_map_key_at(d, n, i), *e = conf_map_value_at(d, n, i);
        const char *name = conf_node_scalar(kn);
        if (!vocab_class_name_is_valid(name))
            return conf_fail(err, d, kn, name, "a class is a lower-case word of at most %d characters",
                             VOCAB_CLASS_MAX);
        if (vc_is_section(name))
            return conf_fail(err, d, kn, name, "'%s' names a section of the vocabulary: choose another class name",
                             name);
        v->key_nodes[v->nclasses] = conf_map_get(d, e, "key_metrics");
        vocab_class *c = vc_class_add(v, name);
        if (conf_check_map(d, e, name, keys, err) || vc_text(d, e, true, &c->label, err))
            return VG_E_INVALID;
    }
    return VG_OK;
}

static vocab_kind vc_kind(const char *unit)
{
    return strcmp(unit, "state") == 0 ? VOCAB_STATE : strcmp(unit, "bool") == 0 ? VOCAB_BOOL : VOCAB_NUMBER;
}

/* [min, max] of map[key], when given. */
static vg_code vc_range(const conf_doc *d, const conf_node *e, const char *key, bool *has, double *lo, double *hi,
                        vg_err *err)
{
    const conf_node *r = conf_map_get(d, e, key);
    if (!r)
        return VG_OK;
    if (conf_node_kind(r) != CONF_SEQ || conf_len(r) != 2 ||
        conf_scalar_double(d, conf_seq_at(d, r, 0), key, lo, err) ||
        conf_scalar_double(d, conf_seq_at(d, r, 1), key, hi, err) || *lo > *hi)
        return conf_fail(err, d, r, key, "must be [min, max] with min <= max");
    *has = true;
    return VG_OK;
}

#define VOCAB_TEST_WORDS_MAX 8

/* `during_test: any`, or a list of at most VOCAB_TEST_WORDS_MAX state words (vocab.h). */
static vg_code vc_during_test(const conf_doc *d, const conf_node *e, vocab_metric *m, vg_err *err)
{
    const conf_node *n = conf_map_get(d, e, "during_test");
    if (!n)
        return VG_OK;
    const char *s = conf_node_scalar(n);
    if (s && strcmp(s, "any") == 0) {
        m->test_any = true;
        return VG_OK;
    }
    if (conf_node_kind(n) != CONF_SEQ || conf_len(n) == 0 || conf_len(n) > VOCAB_TEST_WORDS_MAX)
        return conf_fail(err, d, n, "during_test", "must be 'any' or a list of 1 to %d state words",
                         VOCAB_TEST_WORDS_MAX);
    for (size_t i = 0; i < conf_len(n); i++) {
        const char *w = conf_node_scalar(conf_seq_at(d, n, i));
        if (!w || !*w || !text_is_valid(w, PUSH_TEXT_MAX))
            return conf_fail(err, d, conf_seq_at(d, n, i), "during_test", "must be a state word of at most %d bytes",
                             PUSH_TEXT_MAX);
    }
    m->test_words = n;
    return VG_OK;
}

/* One class section: metric name -> {unit, doc, fr, en, range, heartbeat, during_test}. */
static vg_code vc_metrics(vocab *v, const char *cls, const conf_node *n, vg_err *err)
{
    static const char *const keys[] = {"unit", "doc", "fr", "en", "range", "heartbeat", "during_test", NULL};
    const conf_doc *d = v->doc;
    if (conf_check_map(d, n, cls, NULL, err))
        return VG_E_INVALID;
    for (size_t j = 0; j < conf_len(n); j++) {
        const conf_node *kn = conf_map_key_at(d, n, j), *e = conf_map_value_at(d, n, j);
        const char *name = conf_node_scalar(kn);
        vocab_metric *m = &v->metrics[v->nmetrics];
        const char *unit = NULL, *doc = "";
        if (!metric_name_is_valid(name))
            return conf_fail(err, d, kn, name, "not a valid metric name");
        if (conf_check_map(d, e, name, keys, err) || conf_get_str(d, e, "unit", true, PUSH_UNIT_MAX, &unit, err) ||
            conf_get_str(d, e, "doc", false, 1024, &doc, err) || vc_text(d, e, false, &m->label, err) ||
            vc_range(d, e, "range", &m->has_range, &m->range_min, &m->range_max, err) ||
            conf_get_int32(d, e, "heartbeat", false, 60, 7 * 86400, &m->heartbeat, err) ||
            vc_during_test(d, e, m, err))
            return VG_E_INVALID;
        /* a profile's unit goes into every sample: it must be what the server accepts in a push */
        if (!text_is_valid(unit, PUSH_UNIT_MAX))
            return conf_fail(err, d, conf_map_get(d, e, "unit"), "unit",
                             "must be printable text (no tab, newline or other control character)");
        m->name = name;
        m->cls = cls;
        m->unit = unit;
        m->kind = vc_kind(unit);
        m->doc = doc;
        v->nmetrics++;
    }
    return VG_OK;
}

static vg_code vc_site_kinds(vocab *v, const conf_node *n, vg_err *err)
{
    static const char *const keys[] = {"fr", "en", "services", NULL};
    const conf_doc *d = v->doc;
    if (conf_check_map(d, n, "site_kinds", NULL, err))
        return VG_E_INVALID;
    if (!(v->kinds = vc_calloc(conf_len(n), sizeof *v->kinds, err)) ||
        !(v->kind_names = vc_calloc(conf_len(n) + 1, sizeof *v->kind_names, err)) ||
        !(v->kind_services = vc_calloc(conf_len(n), sizeof *v->kind_services, err)))
        return VG_E_NOMEM;
    for (size_t i = 0; i < conf_len(n); i++) {
        const conf_node *kn = conf_map_key_at(d, n, i), *e = conf_map_value_at(d, n, i);
        const char *name = conf_node_scalar(kn);
        vocab_word *w = &v->kinds[v->nkinds];
        if (!vocab_class_name_is_valid(name))
            return conf_fail(err, d, kn, name, "a kind of site is a lower-case word of at most %d characters",
                             VOCAB_CLASS_MAX);
        if (conf_check_map(d, e, name, keys, err) || vc_text(d, e, true, &w->label, err) ||
            conf_require_keys(d, e, name, (const char *const[]){"services", NULL}, err))
            return VG_E_INVALID;
        /* the content is the server's (site_model.c), which reads it with the same rules as server.yaml */
        if (conf_node_kind(conf_map_get(d, e, "services")) != CONF_MAP)
            return conf_fail(err, d, conf_map_get(d, e, "services"), "services", "must be a mapping of services");
        w->name = name;
        v->kind_services[v->nkinds] = conf_map_get(d, e, "services");
        v->kind_names[v->nkinds++] = name;
    }
    return VG_OK;
}

/* graphs[i].metrics[j]: a name, or {metric: NAME, fr: LEGEND, en: LEGEND}. */
static vg_code vc_series(const vocab *v, const conf_node *n, const char *cls, vocab_series *s, vg_err *err)
{
    static const char *const keys[] = {"metric", "fr", "en", NULL};
    const conf_doc *d = v->doc;
    const char *name = conf_node_scalar(n);
    s->legend.fr = s->legend.en = "";
    if (!name) {
        if (conf_check_map(d, n, "series", keys, err) || conf_get_str(d, n, "metric", true, NAME_MAX_LEN, &name, err) ||
            vc_text(d, n, true, &s->legend, err))
            return VG_E_INVALID;
    }
    if (!vocab_metric_for(v, cls, name))
        return conf_fail(err, d, n, "metrics", "'%s' is not a metric of class %s", name, cls);
    s->metric = name;
    return VG_OK;
}

static vg_code vc_graphs(vocab *v, const conf_node *n, vg_err *err)
{
    static const char *const keys[] = {"class", "fr", "en", "metrics", "min", "max", NULL};
    const conf_doc *d = v->doc;
    if (conf_node_kind(n) != CONF_SEQ)
        return conf_fail(err, d, n, "graphs", "must be a list of graphs");
    if (!(v->graphs = vc_calloc(conf_len(n), sizeof *v->graphs, err)))
        return VG_E_NOMEM;
    for (size_t i = 0; i < conf_len(n); i++) {
        const conf_node *e = conf_seq_at(d, n, i), *ms;
        vocab_graph *g = &v->graphs[i];
        const char *cls = NULL;
        if (conf_check_map(d, e, "graph", keys, err) || conf_get_str(d, e, "class", true, VOCAB_CLASS_MAX, &cls, err) ||
            conf_check_choice(d, e, "class", cls, v->class_names, NULL, err) || vc_text(d, e, true, &g->title, err) ||
            conf_get_list(d, e, "metrics", true, 1, VOCAB_GRAPH_MAX_SERIES, "metrics", &ms, err))
            return VG_E_INVALID;
        g->cls = cls;
        for (size_t j = 0; j < conf_len(ms); j++)
            if (vc_series(v, conf_seq_at(d, ms, j), cls, &g->series[g->nseries++], err))
                return VG_E_INVALID;
        if (conf_map_get(d, e, "min")) {
            if (conf_get_double(d, e, "min", true, &g->min, err))
                return VG_E_INVALID;
            g->has_min = true;
        }
        if (conf_map_get(d, e, "max")) {
            if (conf_get_double(d, e, "max", true, &g->max, err))
                return VG_E_INVALID;
            g->has_max = true;
        }
        if (g->has_min && g->has_max && g->min >= g->max)
            return conf_fail(err, d, e, "min", "min must be below max");
        v->ngraphs++;
    }
    return VG_OK;
}

/* Key metrics name metrics their class may use; units are listed in `units` when it is given. */
static vg_code vc_check(vocab *v, vg_err *err)
{
    const conf_doc *d = v->doc;
    for (size_t i = 0; i < v->nclasses; i++) {
        vocab_class *c = &v->classes[i];
        const conf_node *kn = v->key_nodes[i];
        if (!kn)
            continue;
        if (conf_node_kind(kn) != CONF_SEQ)
            return conf_fail(err, d, kn, "key_metrics", "must be a list of metric names");
        const char **list = vc_calloc(conf_len(kn), sizeof *list, err);
        if (!list)
            return VG_E_NOMEM;
        c->key_metrics = list;
        for (size_t j = 0; j < conf_len(kn); j++) {
            const char *name = conf_node_scalar(conf_seq_at(d, kn, j));
            if (!name || !vocab_metric_for(v, c->name, name))
                return conf_fail(err, d, conf_seq_at(d, kn, j), "key_metrics", "'%s' is not a metric of class %s",
                                 name ? name : "", c->name);
            list[c->nkey_metrics++] = name;
        }
    }
    if (!v->units)
        return VG_OK;
    for (size_t i = 0; i < v->nmetrics; i++)
        if (!vocab_unit_find(v, v->metrics[i].unit)) {
            const conf_node *sec = conf_map_get(d, conf_doc_root(d), v->metrics[i].cls);
            const conf_node *e = conf_map_get(d, sec, v->metrics[i].name);
            return conf_fail(err, d, conf_map_get(d, e, "unit"), "unit", "'%s' is not listed in 'units'",
                             v->metrics[i].unit);
        }
    return VG_OK;
}

/* "a, b or c" */
static char *vc_join(const char *const *names, size_t n, vg_err *err)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 4;
    char *s = vc_calloc(len, 1, err);
    size_t o = 0;
    for (size_t i = 0; s && i < n; i++)
        o += (size_t)snprintf(s + o, len - o, "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " or ", names[i]);
    return s;
}

static vg_code vc_read(vocab *v, vg_err *err)
{
    const conf_doc *d = v->doc;
    const conf_node *root = conf_doc_root(d);
    if (conf_check_map(d, root, "vocabulary", NULL, err))
        return VG_E_INVALID;
    size_t nsections = 0, nmetrics = 0;
    const conf_node *classes = conf_map_get(d, root, "classes");
    for (size_t i = 0; i < conf_len(root); i++)
        if (!vc_is_section(conf_node_scalar(conf_map_key_at(d, root, i)))) {
            nsections++;
            nmetrics += conf_len(conf_map_value_at(d, root, i));
        }
    size_t ncls = (classes ? conf_len(classes) : 0) + nsections;
    if (!(v->classes = vc_calloc(ncls, sizeof *v->classes, err)) ||
        !(v->class_names = vc_calloc(ncls + 1, sizeof *v->class_names, err)) ||
        !(v->key_nodes = vc_calloc(ncls, sizeof *v->key_nodes, err)) ||
        !(v->metrics = vc_calloc(nmetrics, sizeof *v->metrics, err)))
        return VG_E_NOMEM;
    if (classes && vc_classes(v, classes, err))
        return VG_E_INVALID;
    for (size_t i = 0; i < conf_len(root); i++) {
        const conf_node *kn = conf_map_key_at(d, root, i);
        const char *cls = conf_node_scalar(kn);
        if (vc_is_section(cls))
            continue;
        if (classes && !vocab_class_find(v, cls)) {
            char *list = vc_join(v->class_names, v->nclasses, err);
            conf_fail(err, d, kn, cls, "not a class of 'classes' (%s), nor a section of the vocabulary",
                      list ? list : "");
            free(list);
            return VG_E_INVALID;
        }
        if (!classes) {
            if (!vocab_class_name_is_valid(cls))
                return conf_fail(err, d, kn, cls, "a class is a lower-case word of at most %d characters",
                                 VOCAB_CLASS_MAX);
            vc_class_add(v, cls);
        }
        if (vc_metrics(v, cls, conf_map_value_at(d, root, i), err))
            return VG_E_INVALID;
    }
    const conf_node *n;
    if (((n = conf_map_get(d, root, "units")) && vc_words(d, n, "units", &v->units, &v->nunits, err)) ||
        ((n = conf_map_get(d, root, "texts")) && vc_words(d, n, "texts", &v->texts, &v->ntexts, err)) ||
        ((n = conf_map_get(d, root, "services")) && vc_words(d, n, "services", &v->services, &v->nservices, err)) ||
        ((n = conf_map_get(d, root, "site_kinds")) && vc_site_kinds(v, n, err)) ||
        ((n = conf_map_get(d, root, "graphs")) && vc_graphs(v, n, err)) || vc_check(v, err))
        return err && err->code ? err->code : VG_E_INVALID;
    if (!(v->class_list = vc_join(v->class_names, v->nclasses, err)) ||
        !(v->kind_list = vc_join(v->kind_names ? v->kind_names : (const char *[]){NULL}, v->nkinds, err)))
        return VG_E_NOMEM;
    return VG_OK;
}

vocab *vocab_load(const char *path, vg_err *err)
{
    vg_err local;
    if (!err)
        err = &local;
    vocab *v = vc_calloc(1, sizeof *v, err);
    if (!v)
        return NULL;
    if (!(v->path = strdup(path))) {
        vg_fail(err, VG_E_NOMEM, "%s: out of memory", path);
        vocab_free(v);
        return NULL;
    }
    v->doc = conf_doc_load_file(path, err);
    if (!v->doc || vc_read(v, err) != VG_OK) {
        vocab_free(v);
        return NULL;
    }
    free(v->key_nodes); /* only needed while reading */
    v->key_nodes = NULL;
    return v;
}

void vocab_free(vocab *v)
{
    if (!v)
        return;
    for (size_t i = 0; v->classes && i < v->nclasses; i++)
        free((void *)v->classes[i].key_metrics);
    free(v->classes);
    free(v->class_names);
    free(v->key_nodes);
    free(v->metrics);
    free(v->graphs);
    free(v->units);
    free(v->texts);
    free(v->services);
    free(v->kinds);
    free(v->kind_names);
    free(v->kind_services);
    free(v->class_list);
    free(v->kind_list);
    conf_doc_free(v->doc);
    free(v->path);
    free(v);
}

const char *vocab_path(const vocab *v) { return v->path; }

size_t vocab_class_count(const vocab *v) { return v->nclasses; }
const vocab_class *vocab_class_at(const vocab *v, size_t i) { return i < v->nclasses ? &v->classes[i] : NULL; }
const char *const *vocab_class_names(const vocab *v) { return v->class_names; }
const char *vocab_class_list(const vocab *v) { return v->class_list; }

const vocab_class *vocab_class_find(const vocab *v, const char *name)
{
    for (size_t i = 0; name && i < v->nclasses; i++)
        if (strcmp(v->classes[i].name, name) == 0)
            return &v->classes[i];
    return NULL;
}

size_t vocab_metric_count(const vocab *v) { return v->nmetrics; }
const vocab_metric *vocab_metric_at(const vocab *v, size_t i) { return i < v->nmetrics ? &v->metrics[i] : NULL; }

static const vocab_metric *vc_metric_in(const vocab *v, const char *cls, const char *name)
{
    for (size_t i = 0; i < v->nmetrics; i++)
        if ((!cls || strcmp(v->metrics[i].cls, cls) == 0) && strcmp(v->metrics[i].name, name) == 0)
            return &v->metrics[i];
    return NULL;
}

const vocab_metric *vocab_metric_find(const vocab *v, const char *name)
{
    return name ? vc_metric_in(v, NULL, name) : NULL;
}

const vocab_metric *vocab_metric_for(const vocab *v, const char *cls, const char *name)
{
    if (!cls || !name)
        return NULL;
    const vocab_metric *m = vc_metric_in(v, cls, name);
    if (!m)
        m = vc_metric_in(v, "generic", name);
    if (!m)
        m = vc_metric_in(v, "env", name);
    return m;
}

bool vocab_metric_test_caused(const vocab *v, const vocab_metric *m, const char *text)
{
    if (!m || m->test_any)
        return m != NULL;
    for (size_t i = 0; m->test_words && text && i < conf_len(m->test_words); i++)
        if (strcmp(conf_node_scalar(conf_seq_at(v->doc, m->test_words, i)), text) == 0)
            return true;
    return false;
}

size_t vocab_graph_count(const vocab *v) { return v->ngraphs; }
const vocab_graph *vocab_graph_at(const vocab *v, size_t i) { return i < v->ngraphs ? &v->graphs[i] : NULL; }

size_t vocab_class_graphs(const vocab *v, const char *cls, const vocab_graph **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < v->ngraphs && n < max; i++)
        if (strcmp(v->graphs[i].cls, cls) == 0)
            out[n++] = &v->graphs[i];
    return n;
}

static const vocab_word *vc_word_find(const vocab_word *w, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(w[i].name, name) == 0)
            return &w[i];
    return NULL;
}

size_t vocab_unit_count(const vocab *v) { return v->nunits; }
const vocab_word *vocab_unit_at(const vocab *v, size_t i) { return i < v->nunits ? &v->units[i] : NULL; }
const vocab_word *vocab_unit_find(const vocab *v, const char *unit) { return vc_word_find(v->units, v->nunits, unit); }
size_t vocab_text_count(const vocab *v) { return v->ntexts; }
const vocab_word *vocab_text_at(const vocab *v, size_t i) { return i < v->ntexts ? &v->texts[i] : NULL; }
const vocab_word *vocab_text_find(const vocab *v, const char *text) { return vc_word_find(v->texts, v->ntexts, text); }
size_t vocab_service_count(const vocab *v) { return v->nservices; }
const vocab_word *vocab_service_at(const vocab *v, size_t i) { return i < v->nservices ? &v->services[i] : NULL; }
const vocab_word *vocab_service_find(const vocab *v, const char *name)
{
    return vc_word_find(v->services, v->nservices, name);
}

size_t vocab_site_kind_count(const vocab *v) { return v->nkinds; }
const vocab_word *vocab_site_kind_at(const vocab *v, size_t i) { return i < v->nkinds ? &v->kinds[i] : NULL; }
const vocab_word *vocab_site_kind_find(const vocab *v, const char *kind)
{
    return vc_word_find(v->kinds, v->nkinds, kind);
}
const char *const *vocab_site_kind_names(const vocab *v)
{
    static const char *const none[] = {NULL};
    return v->kind_names ? v->kind_names : none;
}
const char *vocab_site_kind_list(const vocab *v) { return v->kind_list; }

const conf_node *vocab_site_services(const vocab *v, const char *kind, const conf_doc **doc)
{
    for (size_t i = 0; kind && i < v->nkinds; i++)
        if (strcmp(v->kinds[i].name, kind) == 0) {
            if (doc)
                *doc = v->doc;
            return v->kind_services[i];
        }
    return NULL;
}
