/* profile_read: one profile file into a profile (the schema of mibs/README.md), checked against the
 * vocabulary: its class, match, enums and traps here, its metrics in profile_metric.c. */
#include "config.h"
#include "profile/profile_internal.h"

#include <yaml.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

char *prof_strdup(const char *s)
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

void *prof_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

/* Text a profile puts into samples (units, enum and trap texts, instances) must be what the server
 * accepts in a push, printable UTF-8 (names.h): a tab in an enum's text made the server refuse every
 * batch that carried it, with all the other samples of the cycle (found by fuzzing). */
int prof_check_text(const conf_doc *d, const conf_node *n, const char *key, const char *s, size_t max,
                    vg_err *err)
{
    if (s && *s && !text_is_valid(s, max))
        return conf_fail(err, d, n, key, "must be printable text (no tab, newline or other control character)");
    return 0;
}

/* ---- small readers ------------------------------------------------------------------------- */

int prof_read_oid(const conf_doc *d, const conf_node *n, const char *key, prof_oid *out, vg_err *err)
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

/* match.probe: OIDs, or {oid, pattern} maps for a probe whose answer's text must match. */
static int prof_read_probe(const conf_doc *d, const conf_node *n, prof_oid *o, vg_err *err)
{
    static const char *const keys[] = {"oid", "pattern", "mib", NULL};
    if (conf_node_kind(n) != CONF_MAP)
        return prof_read_oid(d, n, "probe", o, err);
    const char *pat = NULL;
    const conf_node *on = conf_map_get(d, n, "oid");
    if (conf_check_map(d, n, "probe", keys, err) || conf_get_str(d, n, "pattern", true, 128, &pat, err))
        return -1;
    if (!on)
        return conf_fail(err, d, n, "oid", "a probe with a pattern names its 'oid'");
    if (prof_read_oid(d, on, "oid", o, err))
        return -1;
    o->pattern = prof_strdup(pat);
    return 0;
}

static int prof_read_probe_list(const conf_doc *d, const conf_node *n, prof_oid **out, size_t *count, vg_err *err)
{
    bool one = conf_node_kind(n) != CONF_SEQ;
    if (!one && (conf_len(n) == 0 || conf_len(n) > PROF_MAX_LIST))
        return conf_fail(err, d, n, "probe", "must be an OID or a list of 1 to %d OIDs", PROF_MAX_LIST);
    size_t len = one ? 1 : conf_len(n);
    *out = prof_calloc(len, sizeof **out);
    for (size_t i = 0; i < len; i++) {
        if (prof_read_probe(d, one ? n : conf_seq_at(d, n, i), &(*out)[i], err) != 0)
            return -1;
        (*count)++;
    }
    return 0;
}

int prof_read_values(const conf_doc *d, const conf_node *n, const char *key, prof_values *v, vg_err *err)
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

void prof_values_free(prof_values *v)
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

const prof_enum *prof_find_enum(const profile *p, const char *name)
{
    for (size_t i = 0; i < p->nenums; i++)
        if (strcmp(p->enums[i].name, name) == 0)
            return &p->enums[i];
    return NULL;
}

/* ---- traps --------------------------------------------------------------------------------- */

static int prof_read_trap(const vocab *vocabulary, const conf_doc *d, const conf_node *kn, const conf_node *n,
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
    const vocab_metric *voc = vocabulary ? vocab_metric_for(vocabulary, p->cls, metric) : NULL;
    if (vocabulary && !voc)
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

static int prof_read_traps(const vocab *vocabulary, const conf_doc *d, const conf_node *n, profile *p,
                           vg_err *err)
{
    if (conf_check_map(d, n, "traps", NULL, err))
        return -1;
    p->traps = prof_calloc(conf_len(n), sizeof *p->traps);
    for (size_t i = 0; i < conf_len(n); i++) {
        prof_trap *t = &p->traps[p->ntraps++]; /* counted before it is read, so that profile_clear frees it */
        const conf_node *kn = conf_map_key_at(d, n, i);
        if (prof_read_trap(vocabulary, d, kn, conf_map_value_at(d, n, i), p, t, err))
            return -1;
        for (size_t j = 0; j + 1 < p->ntraps; j++)
            if (snmp_oid_compare(p->traps[j].oid.ids, p->traps[j].oid.len, t->oid.ids, t->oid.len) == 0)
                return conf_fail(err, d, kn, "traps", "trap %s is declared twice (also line %d)",
                                 conf_node_scalar(kn), p->traps[j].line);
    }
    return 0;
}

/* ---- profiles ------------------------------------------------------------------------------ */

void prof_oid_free(prof_oid *o)
{
    free(o->ids);
    free(o->pattern);
}

void profile_clear(profile *p)
{
    free(p->name);
    free(p->cls);
    free(p->description);
    free(p->file);
    for (size_t i = 0; i < p->nmatch_soid; i++)
        prof_oid_free(&p->match_soid[i]);
    free(p->match_soid);
    for (size_t i = 0; i < p->nsupersedes; i++)
        free(p->supersedes[i]);
    free(p->supersedes);
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
        prof_unit_from_free(m);
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
    static const char *const keys[] = {"sys_object_id", "probe", "require", NULL};
    const char *req = "all";
    if (conf_check_map(d, n, "match", keys, err) || conf_get_str(d, n, "require", false, 8, &req, err))
        return -1;
    if (strcmp(req, "any") == 0)
        p->match_any = true;
    else if (strcmp(req, "all") != 0)
        return conf_fail(err, d, conf_map_get(d, n, "require"), "require", "'%s' is not all or any", req);
    const conf_node *v;
    if ((v = conf_map_get(d, n, "sys_object_id")) &&
        prof_read_oid_list(d, v, "sys_object_id", &p->match_soid, &p->nmatch_soid, err))
        return -1;
    if ((v = conf_map_get(d, n, "probe")) && prof_read_probe_list(d, v, &p->probes, &p->nprobes, err))
        return -1;
    if (p->match_any && (!p->nmatch_soid || !p->nprobes))
        return conf_fail(err, d, n, "require", "'any' needs both sys_object_id and probe");
    return 0;
}

static bool prof_name_ok(const char *s);

/* supersedes: [NAME, ...]: profiles of the same family this one replaces (an older MIB generation the
 * device also answers); checked to exist once the whole folder is read. */
static int prof_read_supersedes(const conf_doc *d, const conf_node *n, profile *p, vg_err *err)
{
    if (conf_node_kind(n) != CONF_SEQ || conf_len(n) == 0 || conf_len(n) > PROF_MAX_LIST)
        return conf_fail(err, d, n, "supersedes", "must be a list of 1 to %d profile names", PROF_MAX_LIST);
    p->supersedes = prof_calloc(conf_len(n), sizeof *p->supersedes);
    for (size_t i = 0; i < conf_len(n); i++) {
        const char *s = conf_node_scalar(conf_seq_at(d, n, i));
        if (!s || !prof_name_ok(s))
            return conf_fail(err, d, conf_seq_at(d, n, i), "supersedes", "'%s' is not a profile name", s ? s : "?");
        p->supersedes[p->nsupersedes++] = prof_strdup(s);
    }
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

int profile_read(const vocab *vocabulary, const conf_doc *d, const char *path, profile *p, vg_err *err)
{
    static const char *const keys[] = {"profile", "class", "description", "priority", "match",
                                       "supersedes", "enums", "metrics", "traps", NULL};
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
    if (vocabulary && !vocab_class_find(vocabulary, cls))
        return conf_fail(err, d, conf_map_get(d, root, "class"), "class", "'%s' is not one of %s", cls,
                         vocab_class_list(vocabulary));
    p->name = prof_strdup(name);
    p->cls = prof_strdup(cls);
    p->description = prof_strdup(desc);
    p->priority = (int)prio;
    const conf_node *v;
    if ((v = conf_map_get(d, root, "match")) && prof_read_match(d, v, p, err))
        return -1;
    if ((v = conf_map_get(d, root, "supersedes")) && prof_read_supersedes(d, v, p, err))
        return -1;
    if ((v = conf_map_get(d, root, "enums")) && prof_read_enums(d, v, p, err))
        return -1;
    const conf_node *metrics = conf_map_get(d, root, "metrics");
    if (conf_check_map(d, metrics, "metrics", NULL, err))
        return -1;
    p->metrics = prof_calloc(conf_len(metrics), sizeof *p->metrics);
    for (size_t i = 0; i < conf_len(metrics); i++) {
        int rc = prof_read_metric(vocabulary, d, conf_map_key_at(d, metrics, i), conf_map_value_at(d, metrics, i),
                                  p, &p->metrics[p->nmetrics], err);
        p->nmetrics++; /* counted even when half-read, so that profile_clear frees it */
        if (rc)
            return -1;
    }
    if ((v = conf_map_get(d, root, "traps")) && prof_read_traps(vocabulary, d, v, p, err))
        return -1;
    return 0;
}
