#include "config.h"
#include "cluster/shard_metrics.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A family name longer than this is no vigie name (vigie_ + a 64-byte metric + _value): left out. */
#define SM_NAME_MAX 200
#define SM_UP "vigie_federation_member_up"

typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} sm_buf;

typedef struct {
    char name[SM_NAME_MAX + 1];
    char *help, *type; /* the first member's "# HELP ..." and "# TYPE ..." lines, verbatim; NULL: none */
    bool grouped;      /* histogram or summary: name_bucket, _sum and _count are its samples */
    sm_buf samples;
} sm_family;

typedef struct {
    sm_family *list;
    size_t n, cap;
    bool oom;
    size_t cur; /* the family of the last # HELP or # TYPE line, SIZE_MAX for none */
} sm_families;

static void sm_put(sm_buf *b, const char *p, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sm_puts(sm_buf *b, const char *s) { sm_put(b, s, strlen(s)); }

/* A label value as the exposition format escapes it: backslash, double quote, newline. */
static void sm_put_escaped(sm_buf *b, const char *v)
{
    for (; *v; v++)
        sm_puts(b, *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : (char[2]){*v, 0});
}

static size_t sm_family_find(const sm_families *f, const char *name, size_t n)
{
    if (f->cur != SIZE_MAX && strlen(f->list[f->cur].name) == n && memcmp(f->list[f->cur].name, name, n) == 0)
        return f->cur; /* most samples follow their family's header */
    for (size_t i = 0; i < f->n; i++)
        if (strlen(f->list[i].name) == n && memcmp(f->list[i].name, name, n) == 0)
            return i;
    return SIZE_MAX;
}

static size_t sm_family_add(sm_families *f, const char *name, size_t n)
{
    size_t i = sm_family_find(f, name, n);
    if (i != SIZE_MAX || n > SM_NAME_MAX)
        return i;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        sm_family *p = realloc(f->list, cap * sizeof *p);
        if (!p) {
            f->oom = true;
            return SIZE_MAX;
        }
        f->list = p;
        f->cap = cap;
    }
    sm_family *o = &f->list[f->n];
    memset(o, 0, sizeof *o);
    memcpy(o->name, name, n);
    return f->n++;
}

static size_t sm_name_len(const char *p, size_t n)
{
    size_t k = 0;
    while (k < n && (p[k] == '_' || p[k] == ':' || (p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
                     (k && p[k] >= '0' && p[k] <= '9')))
        k++;
    return k;
}

static char *sm_dup(const char *p, size_t n)
{
    char *s = malloc(n + 2);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\n';
        s[n + 1] = '\0';
    }
    return s;
}

/* "# HELP name ..." or "# TYPE name type": the family's header (the first member's) and the current
 * family; other comments are dropped. */
static void sm_comment(sm_families *f, const char *p, size_t n)
{
    bool help = n > 7 && memcmp(p, "# HELP ", 7) == 0, type = n > 7 && memcmp(p, "# TYPE ", 7) == 0;
    if (!help && !type)
        return;
    size_t k = sm_name_len(p + 7, n - 7);
    if (!k || (7 + k < n && p[7 + k] != ' '))
        return;
    size_t i = sm_family_add(f, p + 7, k);
    if (i == SIZE_MAX)
        return;
    sm_family *o = &f->list[i];
    char **slot = help ? &o->help : &o->type;
    bool first = !*slot;
    if (first && !(*slot = sm_dup(p, n)))
        f->oom = true;
    if (type && first) {
        const char *w = p + 7 + k + (7 + k < n);
        size_t wn = n - (size_t)(w - p);
        o->grouped = (wn == 9 && memcmp(w, "histogram", 9) == 0) || (wn == 7 && memcmp(w, "summary", 7) == 0);
    }
    f->cur = i;
}

/* The braces at p (p[0] == '{'): their length up to and with the '}', 0 when malformed; *has_shard
 * when a label is named shard. */
static size_t sm_labels(const char *p, size_t n, bool *has_shard)
{
    size_t k = 1;
    while (k < n && p[k] != '}') {
        size_t ln = sm_name_len(p + k, n - k);
        if (!ln || k + ln + 1 >= n || p[k + ln] != '=' || p[k + ln + 1] != '"')
            return 0;
        if (ln == 5 && memcmp(p + k, "shard", 5) == 0)
            *has_shard = true;
        k += ln + 2;
        while (k < n && p[k] != '"')
            k += p[k] == '\\' ? 2 : 1; /* an escaped quote does not end the value */
        if (k >= n)
            return 0;
        k++;
        if (k < n && p[k] == ',')
            k++;
        else if (k < n && p[k] != '}')
            return 0;
    }
    return k < n ? k + 1 : 0;
}

/* " VALUE [TIMESTAMP]": a float as the format writes them (NaN, +Inf, -Inf included), then at most an
 * integer. */
static bool sm_value_ok(const char *p, size_t n)
{
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t'))
        k++;
    if (!k || k == n)
        return false;
    char v[64];
    size_t vn = 0;
    while (k < n && p[k] != ' ' && p[k] != '\t' && vn < sizeof v - 1)
        v[vn++] = p[k++];
    v[vn] = '\0';
    char *end;
    strtod(v, &end);
    if (end == v || *end)
        return false;
    while (k < n && (p[k] == ' ' || p[k] == '\t'))
        k++;
    if (k < n && p[k] == '-')
        k++;
    while (k < n && p[k] >= '0' && p[k] <= '9')
        k++;
    return k == n;
}

/* The family of a sample named name: the current one when it is its name (or its _bucket, _sum or
 * _count), else one known by that name, else the histogram it is a part of, else a new one. */
static size_t sm_family_of(sm_families *f, const char *name, size_t n)
{
    static const char *const parts[] = {"_bucket", "_sum", "_count"};
    size_t i = sm_family_find(f, name, n);
    if (i != SIZE_MAX)
        return i;
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        size_t pn = strlen(parts[k]);
        if (n > pn && memcmp(name + n - pn, parts[k], pn) == 0) {
            i = sm_family_find(f, name, n - pn);
            if (i != SIZE_MAX && f->list[i].grouped)
                return i;
        }
    }
    return sm_family_add(f, name, n);
}

/* A sample line of member m, with its shard label, into its family; a malformed one is left out. */
static void sm_sample(sm_families *f, const shard_metrics_member *m, const char *p, size_t n)
{
    size_t k = sm_name_len(p, n), lab = 0;
    bool has_shard = false;
    if (!k || k > SM_NAME_MAX || (p[0] >= '0' && p[0] <= '9'))
        return;
    if (k < n && p[k] == '{' && !(lab = sm_labels(p + k, n - k, &has_shard)))
        return;
    if (!sm_value_ok(p + k + lab, n - k - lab))
        return;
    size_t i = sm_family_of(f, p, k);
    if (i == SIZE_MAX)
        return;
    sm_buf *b = &f->list[i].samples;
    if (has_shard) {
        sm_put(b, p, n);
    } else {
        sm_put(b, p, k);
        sm_puts(b, "{shard=\"");
        sm_put_escaped(b, m->shard);
        sm_puts(b, lab > 2 ? "\"," : "\"}");
        if (lab > 2)
            sm_put(b, p + k + 1, lab - 1); /* the member's labels and its '}' */
        sm_put(b, p + k + lab, n - k - lab);
    }
    sm_puts(b, "\n");
}

static void sm_member(sm_families *f, const shard_metrics_member *m)
{
    const char *p = m->text, *end = p + (m->len ? m->len : strlen(p));
    f->cur = SIZE_MAX; /* a member's samples never fall into the previous member's last family */
    while (p < end && !f->oom) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
        size_t t = n;
        while (t && (p[t - 1] == '\r' || p[t - 1] == ' ' || p[t - 1] == '\t'))
            t--;
        if (t && p[0] == '#')
            sm_comment(f, p, t);
        else if (t)
            sm_sample(f, m, p, t);
        p += n + 1;
    }
}

/* vigie_federation_member_up: a family like the others, so that a member's own (none should have
 * one: a forwarded /metrics is never federated) is not written twice. */
static void sm_member_up(sm_families *f, const shard_metrics_member *members, size_t n)
{
    static const char help[] = "# HELP " SM_UP " 1 when one of the shard's servers answered this federation's "
                               "scrape of its /metrics, 0 when none did";
    static const char type[] = "# TYPE " SM_UP " gauge";
    f->cur = SIZE_MAX;
    sm_comment(f, help, sizeof help - 1);
    sm_comment(f, type, sizeof type - 1);
    size_t i = sm_family_find(f, SM_UP, strlen(SM_UP));
    for (size_t k = 0; i != SIZE_MAX && k < n; k++) {
        sm_buf *b = &f->list[i].samples;
        sm_puts(b, SM_UP "{shard=\"");
        sm_put_escaped(b, members[k].shard);
        sm_puts(b, members[k].text ? "\"} 1\n" : "\"} 0\n");
    }
}

static void sm_families_free(sm_families *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->list[i].help);
        free(f->list[i].type);
        free(f->list[i].samples.s);
    }
    free(f->list);
}

vg_code shard_metrics_merge(const shard_metrics_member *members, size_t n, char **out, size_t *out_len,
                            vg_err *err)
{
    sm_families f = {.cur = SIZE_MAX};
    for (size_t k = 0; k < n; k++)
        if (members[k].text)
            sm_member(&f, &members[k]);
    sm_member_up(&f, members, n);
    sm_buf b = {0};
    sm_puts(&b, ""); /* an empty merge is "", not NULL */
    for (size_t i = 0; i < f.n; i++) {
        f.oom = f.oom || f.list[i].samples.oom;
        if (f.list[i].help)
            sm_puts(&b, f.list[i].help);
        if (f.list[i].type)
            sm_puts(&b, f.list[i].type);
        if (f.list[i].samples.s)
            sm_put(&b, f.list[i].samples.s, f.list[i].samples.len);
    }
    sm_families_free(&f);
    if (f.oom || b.oom) {
        free(b.s);
        return vg_fail(err, VG_E_NOMEM, "out of memory merging the shards' metrics");
    }
    *out = b.s;
    *out_len = b.len;
    return VG_OK;
}
