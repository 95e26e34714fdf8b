#include "config.h"
#include "audit/audit.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* audit_verify (audit.h): one walk of the trail in id order, keeping the first problem found. */

typedef struct {
    audit_verdict *v;
    int64_t first_id;                       /* the trail's first entry left */
    char first_prev[DB_AUDIT_HASH_HEX + 1]; /* its prev: what a purge entry must name */
    bool anchored;                          /* entry 1 with prev "", or a purge entry names first_id - 1 */
    const audit_head *expect;               /* NULL, or the head to find */
    bool expect_seen;
    char expect_hash[DB_AUDIT_HASH_HEX + 1]; /* the hash of the entry of expect's id, when seen */
    db_audit_row last;
} avf_walk;

const char *audit_problem_name(audit_problem p)
{
    static const char *const names[] = {NULL, "hash", "link", "gap", "start", "malformed", "truncated", "head"};
    return p <= AUDIT_BAD_HEAD ? names[p] : NULL;
}

static void avf_bad(audit_verdict *v, int64_t id, audit_problem p, int64_t other, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Keeps the first problem only: the walk is in id order, so the first kept is the first bad entry. */
static void avf_bad(audit_verdict *v, int64_t id, audit_problem p, int64_t other, const char *fmt, ...)
{
    if (!v->ok)
        return;
    v->ok = false;
    v->first_bad = id;
    v->problem = p;
    v->other = other;
    int n = snprintf(v->reason, sizeof v->reason, "entry %" PRId64 ": ", id);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason + n, sizeof v->reason - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Whether the purge entry r names the last entry before the first one left. */
static bool avf_anchors(const avf_walk *w, const db_audit_row *r)
{
    if (strcmp(r->action, AUDIT_PURGE_ACTION) != 0)
        return false;
    json_t *o = json_loads(r->detail, 0, NULL);
    json_t *through = json_object_get(o, "through");
    const char *hash = json_string_value(json_object_get(o, "hash"));
    bool yes = json_is_integer(through) && json_integer_value(through) == w->first_id - 1 && hash &&
               strcmp(hash, w->first_prev) == 0;
    json_decref(o);
    return yes;
}

static bool avf_row(void *ctx, const db_audit_row *r)
{
    avf_walk *w = ctx;
    audit_verdict *v = w->v;
    bool first = v->entries++ == 0;
    char want[DB_AUDIT_HASH_HEX + 1];
    audit_hash(r, want);
    if (r->malformed)
        avf_bad(v, r->id, AUDIT_BAD_MALFORMED, 0, "a field is not of its type, or longer than any entry holds");
    else if (strcmp(want, r->hash) != 0)
        avf_bad(v, r->id, AUDIT_BAD_HASH, 0, "its hash does not match its content");
    if (first) {
        w->first_id = r->id;
        snprintf(w->first_prev, sizeof w->first_prev, "%s", r->prev);
        w->anchored = r->id == 1 && r->prev[0] == '\0';
        if (r->id == 1 && r->prev[0])
            avf_bad(v, r->id, AUDIT_BAD_LINK, 0, "the first entry names an entry before it");
    } else if (r->id != w->last.id + 1) {
        if (r->id == w->last.id + 2)
            avf_bad(v, r->id, AUDIT_BAD_GAP, w->last.id, "the entry before it is missing (%" PRId64 " → %" PRId64 ")",
                    w->last.id, r->id);
        else
            avf_bad(v, r->id, AUDIT_BAD_GAP, w->last.id, "the %" PRId64 " entries before it are missing (%" PRId64
                    " → %" PRId64 ")", r->id - w->last.id - 1, w->last.id, r->id);
    } else if (strcmp(r->prev, w->last.hash) != 0) {
        avf_bad(v, r->id, AUDIT_BAD_LINK, w->last.id, "it does not follow entry %" PRId64 " (its prev is not that "
                "entry's hash)", w->last.id);
    }
    if (!w->anchored && strcmp(want, r->hash) == 0 && avf_anchors(w, r))
        w->anchored = true;
    if (w->expect && r->id == w->expect->id) {
        w->expect_seen = true;
        snprintf(w->expect_hash, sizeof w->expect_hash, "%s", r->hash);
    }
    w->last = *r;
    return true;
}

vg_code audit_verify(db *d, const audit_head *expect, audit_verdict *out, vg_err *err)
{
    memset(out, 0, sizeof *out);
    avf_walk *w = calloc(1, sizeof *w); /* two rows of 2 KiB: not on a thread's stack */
    if (!w)
        return vg_fail(err, VG_E_NOMEM, "audit verify: out of memory");
    out->ok = true;
    w->v = out;
    w->expect = expect && expect->id > 0 ? expect : NULL;
    vg_code rc = db_audit_each(d, NULL, avf_row, w, NULL, err);
    if (rc == VG_OK) {
        /* a start not anchored is a problem of the first entry: it comes before any the walk found */
        if (out->entries > 0 && !w->anchored && w->first_id > 1) {
            out->ok = true;
            avf_bad(out, w->first_id, AUDIT_BAD_START, 0, "the entries before it (1 to %" PRId64 ") are missing and "
                    "no purge entry records their removal", w->first_id - 1);
        } else if (out->entries > 0 && w->first_id < 1) {
            out->ok = true; /* no append gives an id below 1 */
            avf_bad(out, w->first_id, AUDIT_BAD_MALFORMED, 0, "an id below 1");
        }
        out->head.id = out->entries ? w->last.id : 0;
        snprintf(out->head.hash, sizeof out->head.hash, "%s", out->entries ? w->last.hash : "");
        if (w->expect && !w->expect_seen && out->head.id < w->expect->id)
            avf_bad(out, w->expect->id, AUDIT_BAD_TRUNCATED, out->head.id, "missing: the newest entries were "
                    "deleted (the trail ends at %" PRId64 ")", out->head.id);
        else if (w->expect && w->expect_seen && strcmp(w->expect_hash, w->expect->hash) != 0)
            avf_bad(out, w->expect->id, AUDIT_BAD_HEAD, 0, "its hash is not the one written when it was appended");
    }
    free(w);
    return rc;
}
