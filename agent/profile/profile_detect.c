/* profile_detect: which profiles a device gets from its sysObjectID and probe answers, which probes
 * are worth asking, the trap declarations, and the instance templates of table rows. */
#include "config.h"
#include "profile/profile_internal.h"

#include <stdlib.h>
#include <string.h>

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

/* How well profile p matches: -1 when it does not, else the length of its matching sysObjectID prefix
 * (0: matched by its probes alone). */
static int prof_match(const profile *p, const oid *soid, size_t len, profile_probe_fn probe_ok, void *ctx)
{
    if (p->nmatch_soid == 0 && p->nprobes == 0)
        return -1; /* never detected: given by name only */
    int prefix = prof_soid_match(p, soid, len);
    if (prefix > 0 && p->match_any)
        return prefix; /* its sysObjectID is enough */
    if (prefix == 0 && !p->match_any)
        return -1;
    bool probed = p->nprobes == 0;
    for (size_t j = 0; j < p->nprobes && !probed; j++)
        probed = probe_ok(ctx, &p->probes[j]);
    if (!probed)
        return -1;
    return prefix < 0 ? 0 : prefix;
}

typedef struct {
    const profile *p;
    int prefix;
} prof_hit;

static int prof_hit_cmp(const void *a, const void *b)
{
    const prof_hit *x = a, *y = b;
    if (x->p->priority != y->p->priority)
        return x->p->priority > y->p->priority ? -1 : 1;
    if (x->prefix != y->prefix)
        return x->prefix > y->prefix ? -1 : 1;
    return strcmp(x->p->name, y->p->name);
}

static bool prof_superseded(const profile *p, const prof_hit *hits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; hits[i].p != p && k < hits[i].p->nsupersedes; k++)
            if (strcmp(hits[i].p->supersedes[k], p->name) == 0)
                return true;
    return false;
}

size_t profile_set_detect_all(const profile_set *set, const oid *soid, size_t len, profile_probe_fn probe_ok,
                              void *ctx, const profile **out, size_t max)
{
    size_t count = profile_set_count(set), n = 0, kept = 0;
    prof_hit *hits = prof_calloc(count ? count : 1, sizeof *hits);
    for (size_t i = 0; i < count; i++) {
        const profile *p = profile_set_at(set, i);
        int prefix = prof_match(p, soid, len, probe_ok, ctx);
        if (prefix >= 0)
            hits[n++] = (prof_hit){p, prefix};
    }
    qsort(hits, n, sizeof *hits, prof_hit_cmp);
    for (size_t i = 0; i < n && kept < max; i++)
        if (!prof_superseded(hits[i].p, hits, n))
            out[kept++] = hits[i].p;
    free(hits);
    return kept;
}

const profile *profile_set_detect(const profile_set *set, const oid *soid, size_t len,
                                  profile_probe_fn probe_ok, void *ctx)
{
    const profile *best = NULL;
    return profile_set_detect_all(set, soid, len, probe_ok, ctx, &best, 1) ? best : NULL;
}

bool prof_probe_same(const prof_oid *a, const prof_oid *b)
{
    return a->len == b->len && memcmp(a->ids, b->ids, a->len * sizeof(oid)) == 0 &&
           (a->pattern == NULL) == (b->pattern == NULL) && (!a->pattern || strcmp(a->pattern, b->pattern) == 0);
}

size_t profile_set_probes(const profile_set *set, const oid *soid, size_t len, const prof_oid **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < profile_set_count(set); i++) {
        const profile *p = profile_set_at(set, i);
        int prefix = prof_soid_match(p, soid, len);
        if (p->nprobes == 0 || (prefix == 0 && !p->match_any) || (prefix > 0 && p->match_any))
            continue; /* detected without asking, or ruled out (or in) by its sysObjectID */
        for (size_t j = 0; j < p->nprobes && n < max; j++) {
            const prof_oid *o = &p->probes[j];
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = prof_probe_same(out[k], o);
            if (!seen)
                out[n++] = o;
        }
    }
    return n;
}

size_t profile_set_probe_count(const profile_set *set)
{
    size_t n = 0;
    for (size_t i = 0; i < profile_set_count(set); i++)
        n += profile_set_at(set, i)->nprobes;
    return n;
}

const prof_trap *profile_find_trap(const profile *p, const oid *trap_oid, size_t len)
{
    for (size_t i = 0; p && i < p->ntraps; i++)
        if (snmp_oid_compare(p->traps[i].oid.ids, p->traps[i].oid.len, trap_oid, len) == 0)
            return &p->traps[i];
    return NULL;
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

void profile_set_each_oid(const profile_set *set, void (*fn)(void *ctx, const oid *o, size_t len), void *ctx)
{
    for (size_t i = 0; i < profile_set_count(set); i++) {
        const profile *p = profile_set_at(set, i);
        for (size_t k = 0; k < p->nmatch_soid; k++)
            fn(ctx, p->match_soid[k].ids, p->match_soid[k].len);
        for (size_t k = 0; k < p->nprobes; k++)
            fn(ctx, p->probes[k].ids, p->probes[k].len);
        for (size_t k = 0; k < p->nmetrics; k++) {
            const prof_metric *m = &p->metrics[k];
            for (size_t s = 0; s < m->nsources; s++)
                fn(ctx, m->sources[s].oid.ids, m->sources[s].oid.len);
            for (size_t f = 0; f < m->nfilters; f++)
                if (m->filters[f].has_column)
                    fn(ctx, m->filters[f].column.ids, m->filters[f].column.len);
            if (m->has_label)
                fn(ctx, m->label_col.ids, m->label_col.len);
            if (m->has_precision)
                fn(ctx, m->precision_col.ids, m->precision_col.len);
            if (m->has_divisor)
                fn(ctx, m->divisor_col.ids, m->divisor_col.len);
            if (m->has_unit_from)
                fn(ctx, m->unit_oid.ids, m->unit_oid.len);
        }
    }
}
