#include "config.h"
#include "conf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "names.h"
#include "utf8.h"

struct conf_doc {
    char *name;
    yaml_document_t doc;
};

static char *conf_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static vg_code conf_vfail(vg_err *err, vg_code code, const conf_doc *doc, const conf_node *at, const char *key,
                          const char *fmt, va_list ap)
{
    if (!err)
        return code;
    char what[CONF_ERR_MAX];
    vsnprintf(what, sizeof what, fmt, ap);
    const char *name = doc ? doc->name : "?";
    int line = at ? conf_node_line(at) : 1, col = at ? conf_node_column(at) : 1;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", key ? key : "");
    if (key)
        snprintf(err->msg, sizeof err->msg, "%s:%d:%d: key '%s': %s", name, line, col, key, what);
    else
        snprintf(err->msg, sizeof err->msg, "%s:%d:%d: %s", name, line, col, what);
    return code;
}

vg_code conf_fail(vg_err *err, const conf_doc *doc, const conf_node *at, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vg_code rc = conf_vfail(err, VG_E_INVALID, doc, at, key, fmt, ap);
    va_end(ap);
    return rc;
}

vg_code conf_fail_code(vg_err *err, vg_code code, const conf_doc *doc, const conf_node *at, const char *key,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vg_code rc = conf_vfail(err, code, doc, at, key, fmt, ap);
    va_end(ap);
    return rc;
}

/* An alias makes one node reachable twice: refused, because a handful of them nest into an
 * exponential tree ("billion laughs") and vigie's files have no use for them. */
static vg_code conf_check_aliases(conf_doc *d, vg_err *err)
{
    yaml_document_t *y = &d->doc;
    size_t count = (size_t)(y->nodes.top - y->nodes.start);
    unsigned char *seen = calloc(count + 1, 1);
    if (!seen)
        return conf_fail_code(err, VG_E_NOMEM, d, NULL, NULL, "out of memory");
    vg_code rc = VG_OK;
    for (yaml_node_t *n = y->nodes.start; n < y->nodes.top && rc == VG_OK; n++) {
        int ids[2];
        if (n->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
                if (seen[*it]++) {
                    rc = conf_fail(err, d, yaml_document_get_node(y, *it), NULL, "YAML aliases are not supported");
                    break;
                }
            }
        } else if (n->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
                ids[0] = p->key;
                ids[1] = p->value;
                for (int k = 0; k < 2; k++) {
                    if (seen[ids[k]]++) {
                        rc = conf_fail(err, d, yaml_document_get_node(y, ids[k]), NULL,
                                       "YAML aliases are not supported");
                        break;
                    }
                }
                if (rc)
                    break;
            }
        }
    }
    free(seen);
    return rc;
}

/* No string of a configuration or a profile may hold a control character (utf8.h): a token with
 * "\r\n" became an extra HTTP header, a name with U+0085 a second line in a log; "\0" would cut a
 * value short without a word. No key of vigie's files needs a newline or a tab (the SMS body is one
 * line of JSON or a form), so the check is made once, on every scalar of the document, keys too.
 * `key` is the nearest mapping key above n, for the message; the value is never quoted (a secret).
 * The depth was bounded before the document was built, and aliases were refused: the walk ends. */
static vg_code conf_check_controls(const conf_doc *d, const conf_node *n, const char *key, vg_err *err)
{
    yaml_document_t *y = (yaml_document_t *)&d->doc;
    vg_err why;
    if (!n)
        return VG_OK;
    if (n->type == YAML_SCALAR_NODE) {
        if (utf8_check_control((const char *)n->data.scalar.value, n->data.scalar.length, &why) != VG_OK)
            return conf_fail(err, d, n, key, "%s", why.msg);
    } else if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
            if (conf_check_controls(d, yaml_document_get_node(y, *it), key, err) != VG_OK)
                return VG_E_INVALID;
    } else if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
            const conf_node *kn = yaml_document_get_node(y, p->key);
            const char *k = conf_node_scalar(kn);
            if (k && utf8_check_control(k, kn->data.scalar.length, &why) != VG_OK)
                return conf_fail(err, d, kn, NULL, "a key holds a %s", why.msg);
            /* a key that is a list or a map is refused by conf_check_map; it is walked all the same */
            if ((!k && conf_check_controls(d, kn, key, err) != VG_OK) ||
                conf_check_controls(d, yaml_document_get_node(y, p->value), k ? k : key, err) != VG_OK)
                return VG_E_INVALID;
        }
    }
    return VG_OK;
}

/* libyaml's scanner spends, on every token, time in proportion to the depth of the flow collections
 * ([ and {) around it: a few MiB of '[' kept the loader busy for hours. A first pass over the
 * parser's events stops at the first document nested deeper than vigie's files ever are (found by
 * fuzzing). Syntax errors are left to the loader, which reports them. */
#define CONF_MAX_DEPTH 64

static vg_code conf_check_depth(const char *name, const char *text, size_t len, vg_err *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int depth = 0;
    vg_code rc = VG_OK;
    for (bool done = false; !done && rc == VG_OK;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev))
            break;
        switch (ev.type) {
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > CONF_MAX_DEPTH)
                rc = vg_fail(err, VG_E_INVALID, "%s:%zu:%zu: nested more than %d levels deep", name,
                             ev.start_mark.line + 1, ev.start_mark.column + 1, CONF_MAX_DEPTH);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_DOCUMENT_END_EVENT: /* the loader reads the first document only */
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

conf_doc *conf_doc_load_string(const char *name, const char *text, size_t len, vg_err *err)
{
    conf_doc *d = calloc(1, sizeof *d);
    if (!d || !(d->name = conf_strdup(name))) {
        free(d);
        vg_fail(err, VG_E_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    if (len > CONF_MAX_BYTES) {
        vg_fail(err, VG_E_INVALID, "%s: file larger than %u bytes", name, CONF_MAX_BYTES);
        goto fail_name;
    }
    if (conf_check_depth(name, text, len, err) != VG_OK)
        goto fail_name;
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &d->doc)) {
        /* libyaml says "memory error" for an allocation that failed */
        vg_fail(err, parser.error == YAML_MEMORY_ERROR ? VG_E_NOMEM : VG_E_INVALID,
                "%s:%zu:%zu: YAML syntax error: %s%s%s", name, parser.problem_mark.line + 1,
                parser.problem_mark.column + 1, parser.problem ? parser.problem : "unknown",
                parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        goto fail_name;
    }
    yaml_parser_delete(&parser);
    if (conf_check_aliases(d, err) != VG_OK ||
        conf_check_controls(d, yaml_document_get_root_node(&d->doc), NULL, err) != VG_OK) {
        conf_doc_free(d);
        return NULL;
    }
    return d;

fail_name:
    free(d->name);
    free(d);
    return NULL;
}

conf_doc *conf_doc_load_file(const char *path, vg_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        vg_fail(err, VG_E_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(CONF_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        vg_fail(err, VG_E_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    size_t n = fread(buf, 1, CONF_MAX_BYTES + 1, f);
    int read_error = ferror(f);
    fclose(f);
    conf_doc *d = NULL;
    if (read_error)
        vg_fail(err, VG_E_IO, "%s: read error", path);
    else
        d = conf_doc_load_string(path, buf, n, err);
    free(buf);
    return d;
}

void conf_doc_free(conf_doc *d)
{
    if (!d)
        return;
    yaml_document_delete(&d->doc);
    free(d->name);
    free(d);
}

const char *conf_doc_name(const conf_doc *d) { return d->name; }

const conf_node *conf_doc_root(const conf_doc *d)
{
    return yaml_document_get_root_node((yaml_document_t *)&d->doc);
}

conf_kind conf_node_kind(const conf_node *n)
{
    if (!n)
        return CONF_NONE;
    switch (n->type) {
    case YAML_SCALAR_NODE: return CONF_SCALAR;
    case YAML_MAPPING_NODE: return CONF_MAP;
    case YAML_SEQUENCE_NODE: return CONF_SEQ;
    default: return CONF_NONE;
    }
}

int conf_node_line(const conf_node *n) { return (int)n->start_mark.line + 1; }
int conf_node_column(const conf_node *n) { return (int)n->start_mark.column + 1; }

const char *conf_node_scalar(const conf_node *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

size_t conf_len(const conf_node *n)
{
    if (!n)
        return 0;
    if (n->type == YAML_SEQUENCE_NODE)
        return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (n->type == YAML_MAPPING_NODE)
        return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    return 0;
}

const conf_node *conf_seq_at(const conf_doc *d, const conf_node *seq, size_t i)
{
    if (conf_node_kind(seq) != CONF_SEQ || i >= conf_len(seq))
        return NULL;
    return yaml_document_get_node((yaml_document_t *)&d->doc, seq->data.sequence.items.start[i]);
}

const conf_node *conf_map_key_at(const conf_doc *d, const conf_node *map, size_t i)
{
    if (conf_node_kind(map) != CONF_MAP || i >= conf_len(map))
        return NULL;
    return yaml_document_get_node((yaml_document_t *)&d->doc, map->data.mapping.pairs.start[i].key);
}

const conf_node *conf_map_value_at(const conf_doc *d, const conf_node *map, size_t i)
{
    if (conf_node_kind(map) != CONF_MAP || i >= conf_len(map))
        return NULL;
    return yaml_document_get_node((yaml_document_t *)&d->doc, map->data.mapping.pairs.start[i].value);
}

const conf_node *conf_map_get(const conf_doc *d, const conf_node *map, const char *key)
{
    size_t n = conf_len(map);
    for (size_t i = 0; i < n && conf_node_kind(map) == CONF_MAP; i++) {
        const char *k = conf_node_scalar(conf_map_key_at(d, map, i));
        if (k && strcmp(k, key) == 0)
            return conf_map_value_at(d, map, i);
    }
    return NULL;
}

static bool conf_in_list(const char *s, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

typedef struct {
    const char *key;
    size_t i;
} conf_key_ref;

static int conf_key_cmp(const void *a, const void *b)
{
    const conf_key_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

vg_code conf_check_map(const conf_doc *d, const conf_node *n, const char *what,
                       const char *const *allowed, vg_err *err)
{
    if (conf_node_kind(n) != CONF_MAP)
        return conf_fail(err, d, n, NULL, "%s must be a mapping (key: value)", what);
    size_t len = conf_len(n);
    /* Duplicates are found by sorting the keys: comparing each key with every earlier one took
     * minutes on a map of a few hundred thousand keys (a profile's metrics or enums). dup is the
     * first key, in file order, that repeats an earlier one, and first that earlier one. */
    conf_key_ref *refs = malloc((len ? len : 1) * sizeof *refs);
    if (!refs)
        return conf_fail_code(err, VG_E_NOMEM, d, n, NULL, "out of memory");
    size_t nrefs = 0, dup = len, first = 0;
    for (size_t i = 0; i < len; i++) {
        const char *k = conf_node_scalar(conf_map_key_at(d, n, i));
        if (k)
            refs[nrefs++] = (conf_key_ref){k, i};
    }
    qsort(refs, nrefs, sizeof *refs, conf_key_cmp);
    for (size_t r = 1, g = 0; r < nrefs; r++) {
        if (strcmp(refs[r].key, refs[g].key) != 0)
            g = r;
        else if (refs[r].i < dup) {
            dup = refs[r].i;
            first = refs[g].i;
        }
    }
    free(refs);
    for (size_t i = 0; i < len; i++) {
        const conf_node *kn = conf_map_key_at(d, n, i);
        const char *k = conf_node_scalar(kn);
        if (!k)
            return conf_fail(err, d, kn, NULL, "%s: keys must be plain words", what);
        if (allowed && !conf_in_list(k, allowed))
            return conf_fail(err, d, kn, k, "unknown key in %s", what);
        if (i == dup)
            return conf_fail(err, d, kn, k, "duplicate key in %s (first at line %d)", what,
                             conf_node_line(conf_map_key_at(d, n, first)));
    }
    return VG_OK;
}

vg_code conf_require_keys(const conf_doc *d, const conf_node *n, const char *what,
                          const char *const *required, vg_err *err)
{
    for (; required && *required; required++)
        if (!conf_map_get(d, n, *required))
            return conf_fail(err, d, n, *required, "missing in %s", what);
    return VG_OK;
}

vg_code conf_get_str(const conf_doc *d, const conf_node *map, const char *key, bool required,
                     size_t max_len, const char **out, vg_err *err)
{
    const conf_node *v = conf_map_get(d, map, key);
    if (!v)
        return required ? conf_fail(err, d, map, key, "missing") : VG_OK;
    const char *s = conf_node_scalar(v);
    if (!s)
        return conf_fail(err, d, v, key, "must be a string");
    if (required && *s == '\0')
        return conf_fail(err, d, v, key, "must not be empty");
    if (strlen(s) > max_len)
        return conf_fail(err, d, v, key, "longer than %zu characters", max_len);
    *out = s;
    return VG_OK;
}

vg_code conf_get_buf(const conf_doc *d, const conf_node *map, const char *key, bool required, char *dst,
                     size_t size, vg_err *err)
{
    const char *s = NULL;
    vg_code rc = conf_get_str(d, map, key, required, size - 1, &s, err);
    if (rc == VG_OK && s)
        memcpy(dst, s, strlen(s) + 1);
    return rc;
}

vg_code conf_scalar_int(const conf_doc *d, const conf_node *n, const char *key, long long min,
                        long long max, long long *out, vg_err *err)
{
    const char *s = conf_node_scalar(n);
    if (!s || !*s)
        return conf_fail(err, d, n, key, "must be an integer");
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return conf_fail(err, d, n, key, "'%s' is not an integer", s);
    if (v < min || v > max)
        return conf_fail(err, d, n, key, "%lld is out of range [%lld, %lld]", v, min, max);
    *out = v;
    return VG_OK;
}

vg_code conf_scalar_double(const conf_doc *d, const conf_node *n, const char *key, double *out,
                           vg_err *err)
{
    const char *s = conf_node_scalar(n);
    if (!s || !*s)
        return conf_fail(err, d, n, key, "must be a number");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return conf_fail(err, d, n, key, "'%s' is not a number", s);
    *out = v;
    return VG_OK;
}

vg_code conf_get_int(const conf_doc *d, const conf_node *map, const char *key, bool required,
                     long long min, long long max, long long *out, vg_err *err)
{
    const conf_node *v = conf_map_get(d, map, key);
    if (!v)
        return required ? conf_fail(err, d, map, key, "missing") : VG_OK;
    return conf_scalar_int(d, v, key, min, max, out, err);
}

vg_code conf_get_int32(const conf_doc *d, const conf_node *map, const char *key, bool required, int min,
                       int max, int *out, vg_err *err)
{
    long long v = *out;
    vg_code rc = conf_get_int(d, map, key, required, min, max, &v, err);
    if (rc == VG_OK)
        *out = (int)v;
    return rc;
}

vg_code conf_get_double(const conf_doc *d, const conf_node *map, const char *key, bool required,
                        double *out, vg_err *err)
{
    const conf_node *v = conf_map_get(d, map, key);
    if (!v)
        return required ? conf_fail(err, d, map, key, "missing") : VG_OK;
    return conf_scalar_double(d, v, key, out, err);
}

vg_code conf_get_bool(const conf_doc *d, const conf_node *map, const char *key, bool required,
                      bool *out, vg_err *err)
{
    const conf_node *v = conf_map_get(d, map, key);
    if (!v)
        return required ? conf_fail(err, d, map, key, "missing") : VG_OK;
    const char *s = conf_node_scalar(v);
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "on") == 0)) {
        *out = true;
        return VG_OK;
    }
    if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 || strcmp(s, "off") == 0)) {
        *out = false;
        return VG_OK;
    }
    return conf_fail(err, d, v, key, "must be true or false");
}

vg_code conf_get_list(const conf_doc *d, const conf_node *map, const char *key, bool required, size_t min,
                      size_t max, const char *noun, const conf_node **out, vg_err *err)
{
    const conf_node *n = conf_map_get(d, map, key);
    *out = n;
    if (!n)
        return required ? conf_fail(err, d, map, key, "missing") : VG_OK;
    if (conf_node_kind(n) != CONF_SEQ || conf_len(n) < min || conf_len(n) > max)
        return min ? conf_fail(err, d, n, key, "must be a list of %zu to %zu %s", min, max, noun)
                   : conf_fail(err, d, n, key, "must be a list of at most %zu %s", max, noun);
    return VG_OK;
}

vg_code conf_check_choice(const conf_doc *d, const conf_node *map, const char *key, const char *val,
                          const char *const *choices, const char *msg, vg_err *err)
{
    if (conf_in_list(val, choices))
        return VG_OK;
    if (msg)
        return conf_fail(err, d, conf_map_get(d, map, key), key, "'%s' %s", val, msg);
    char list[CONF_ERR_MAX] = "";
    size_t o = 0;
    for (size_t i = 0; choices[i] && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i == 0 ? "" : choices[i + 1] ? ", " : " or ",
                              choices[i]);
    return conf_fail(err, d, conf_map_get(d, map, key), key, "'%s' is not %s", val, list);
}

vg_code conf_check_name(const conf_doc *d, const conf_node *map, const char *key, const char *val, vg_err *err)
{
    if (name_is_valid(val))
        return VG_OK;
    return conf_fail(err, d, conf_map_get(d, map, key), key,
                     "'%s': use 1-64 of [A-Za-z0-9._-], starting with a letter or digit", val);
}
