#include "config.h"
#include "alerting/oncall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timeutil.h"

/* ---- shifts --------------------------------------------------------------------------------- */

int64_t oncall_shift_start(const oncall_rotation *r, long k)
{
    /* the local date moves by whole days and the zone converts: across a DST change the handover
     * keeps its wall-clock time (a skipped 02:30 reads as 03:30, a repeated one as its first) */
    struct tm tm = {.tm_year = r->year - 1900, .tm_mon = r->month - 1,
                    .tm_mday = r->day + (int)(k * r->every), .tm_hour = r->hour, .tm_min = r->minute,
                    .tm_isdst = -1};
    return time_zone_mktime(r->tz, &tm);
}

long oncall_shift_at(const oncall_rotation *r, int64_t t)
{
    int64_t s0 = oncall_shift_start(r, 0);
    if (t < s0)
        return -1;
    /* a guess from the average length, then corrected by at most a shift either way (a DST change
     * moves a handover by an hour, never by a shift) */
    long k = (long)((t - s0) / ((int64_t)r->every * 86400));
    for (int i = 0; i < 4 && k > 0 && oncall_shift_start(r, k) > t; i++)
        k--;
    for (int i = 0; i < 4 && oncall_shift_start(r, k + 1) <= t; i++)
        k++;
    return k;
}

/* ---- overrides ------------------------------------------------------------------------------ */

int oncall_who(const oncall_config *c, const oncall_rotation *r, const db_oncall_override *ov, size_t nov,
               int64_t t, const db_oncall_override **by)
{
    const db_oncall_override *best = NULL;
    int who = -1;
    for (size_t i = 0; i < nov; i++) {
        const db_oncall_override *o = &ov[i];
        if (strcmp(o->rotation, r->name) || t < o->start || t >= o->end)
            continue;
        int p = oncall_person_find(c, o->who);
        if (p < 0) /* a person since removed from server.yaml: the rotation decides */
            continue;
        if (!best || o->created > best->created || (o->created == best->created && o->id > best->id)) {
            best = o;
            who = p;
        }
    }
    if (by)
        *by = best;
    if (best)
        return who;
    long k = oncall_shift_at(r, t);
    return k < 0 ? -1 : r->people[k % (long)r->npeople];
}

/* ---- the schedule --------------------------------------------------------------------------- */

static int oc_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The instants in [from, to] where who is on call may change: from, to, each handover, each
 * override's start and end. *n of them, sorted, without repeats; malloc'd. */
static int64_t *oc_cuts(const oncall_rotation *r, const db_oncall_override *ov, size_t nov, int64_t from, int64_t to,
                        size_t *n)
{
    long k0 = oncall_shift_at(r, from), k1 = oncall_shift_at(r, to);
    size_t shifts = k1 < 0 ? 0 : (size_t)(k1 - (k0 < 0 ? -1 : k0)) + 1;
    int64_t *v = malloc((2 + shifts + 2 * nov) * sizeof *v);
    if (!v)
        return NULL;
    size_t m = 0;
    v[m++] = from;
    v[m++] = to;
    for (long k = k0 < 0 ? 0 : k0 + 1; k1 >= 0 && k <= k1; k++)
        v[m++] = oncall_shift_start(r, k);
    for (size_t i = 0; i < nov; i++) {
        if (strcmp(ov[i].rotation, r->name))
            continue;
        if (ov[i].start > from && ov[i].start < to)
            v[m++] = ov[i].start;
        if (ov[i].end > from && ov[i].end < to)
            v[m++] = ov[i].end;
    }
    qsort(v, m, sizeof *v, oc_cmp64);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (v[i] >= from && v[i] <= to && (u == 0 || v[i] != v[u - 1]))
            v[u++] = v[i];
    *n = u;
    return v;
}

vg_code oncall_schedule(const oncall_config *c, const oncall_rotation *r, const db_oncall_override *ov, size_t nov,
                        int64_t from, int64_t to, oncall_segment **out, size_t *n, vg_err *err)
{
    *out = NULL;
    *n = 0;
    if (to <= from)
        return VG_OK;
    size_t ncuts = 0;
    int64_t *cuts = oc_cuts(r, ov, nov, from, to, &ncuts);
    oncall_segment *s = cuts ? malloc(ncuts * sizeof *s) : NULL;
    if (!s) {
        free(cuts);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    size_t m = 0;
    for (size_t i = 0; i + 1 < ncuts; i++) {
        const db_oncall_override *by = NULL;
        int who = oncall_who(c, r, ov, nov, cuts[i], &by);
        int64_t id = by ? by->id : 0;
        /* a cut that changes nothing (an override of the person already on call ending) joins the two */
        if (m > 0 && s[m - 1].person == who && s[m - 1].override_id == id) {
            s[m - 1].end = cuts[i + 1];
            continue;
        }
        s[m++] = (oncall_segment){cuts[i], cuts[i + 1], who, id};
    }
    free(cuts);
    *out = s;
    *n = m;
    return VG_OK;
}

/* ---- escalation ----------------------------------------------------------------------------- */

size_t oncall_level_contacts(const alerting_config *a, int level, const db_oncall_override *ov, size_t nov,
                             int64_t now, int *out, size_t max, char *who, size_t wsize)
{
    if (who && wsize)
        who[0] = '\0';
    if (level < 0 || (size_t)level >= a->nchain || max == 0)
        return 0;
    int rot = a->chain_rotation[level] - 1;
    if (rot < 0 || !a->oncall || (size_t)rot >= a->oncall->nrotations) {
        out[0] = a->chain[level];
        return a->chain[level] >= 0 ? 1 : 0;
    }
    const oncall_config *c = a->oncall;
    int p = oncall_who(c, &c->rotations[rot], ov, nov, now, NULL);
    if (p < 0)
        return 0;
    if (who && wsize)
        snprintf(who, wsize, "%s", c->people[p].name);
    size_t n = 0;
    for (size_t i = 0; i < c->people[p].ncontacts && n < max; i++)
        out[n++] = c->people[p].contacts[i];
    return n;
}

size_t oncall_resolve_level(db *d, const alerting_config *a, int level, int64_t now, int *out, size_t max,
                            char *who, size_t wsize)
{
    db_oncall_override *ov = NULL;
    size_t nov = 0;
    vg_err err;
    bool rotation = level >= 0 && (size_t)level < a->nchain && a->chain_rotation[level] > 0 && a->oncall;
    if (rotation && db_oncall_overrides(d, oncall_level_name(a, level), now, now + 1, &ov, &nov, &err) != VG_OK)
        log_error("oncall", "overrides of rotation %s not read, the rotation alone decides: %s",
                  oncall_level_name(a, level), err.msg);
    size_t n = oncall_level_contacts(a, level, ov, nov, now, out, max, who, wsize);
    if (rotation && n == 0)
        log_warn("oncall", "nobody is on call in rotation %s: level %d reaches no one", oncall_level_name(a, level),
                 level + 1);
    free(ov);
    return n;
}

const char *oncall_level_name(const alerting_config *a, int level)
{
    if (level < 0 || (size_t)level >= a->nchain)
        return "?";
    int rot = a->chain_rotation[level] - 1;
    if (rot >= 0 && a->oncall && (size_t)rot < a->oncall->nrotations)
        return a->oncall->rotations[rot].name;
    int c = a->chain[level];
    return c >= 0 && (size_t)c < a->ncontacts ? a->contacts[c].name : "?";
}
