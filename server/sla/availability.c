#include "config.h"
#include "sla/availability.h"
#include "timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const health_names[] = {"unknown", "ok", "degraded", "down"};
static const char *const state_names[] = {"unknown", "up", "down"};
static const char *const policy_names[] = {"excluded", "up", "down"};
static const char *const verdict_names[] = {"insufficient_data", "met", "missed"};

const char *avail_verdict_name(avail_verdict v)
{
    return v >= AVAIL_VERDICT_INSUFFICIENT && v <= AVAIL_VERDICT_MISSED ? verdict_names[v] : "?";
}

const char *health_name(health h) { return h >= HEALTH_UNKNOWN && h <= HEALTH_DOWN ? health_names[h] : "?"; }
const char *avail_state_name(avail_state s) { return s >= STATE_UNKNOWN && s <= STATE_DOWN ? state_names[s] : "?"; }
const char *unknown_policy_name(unknown_policy p) { return p >= UNKNOWN_EXCLUDED && p <= UNKNOWN_AS_DOWN ? policy_names[p] : "?"; }

int unknown_policy_parse(const char *s, unknown_policy *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, policy_names[i]) == 0) {
            *out = (unknown_policy)i;
            return 0;
        }
    return -1;
}

/* ---- state at an instant ------------------------------------------------------------------- */

static const avail_span *av_span_at(const avail_member *m, int64_t t)
{
    size_t lo = 0, hi = m->nspans;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->spans[mid].end <= t)
            lo = mid + 1;
        else if (m->spans[mid].start > t)
            hi = mid;
        else
            return &m->spans[mid];
    }
    return NULL;
}

/* Appends "; text" (or text alone) to a cause, within its size. */
static void av_append(char *dst, size_t size, const char *text)
{
    size_t n = strlen(dst);
    if (n + 3 >= size)
        return;
    snprintf(dst + n, size - n, "%s%s", n ? "; " : "", text);
}

static avail_state av_group_state(const avail_group *g, int64_t t, char *cause, size_t size)
{
    int up = 0, unknown = 0;
    for (size_t i = 0; i < g->nmembers; i++) {
        const avail_span *sp = av_span_at(&g->members[i], t);
        health h = sp ? sp->h : HEALTH_UNKNOWN;
        if (h == HEALTH_OK || h == HEALTH_DEGRADED) {
            up++;
        } else if (h == HEALTH_UNKNOWN) {
            unknown++;
            if (cause) {
                char part[AVAIL_NAME_MAX + 16];
                snprintf(part, sizeof part, "%s unknown", g->members[i].name);
                av_append(cause, size, part);
            }
        } else if (cause) {
            char part[AVAIL_NAME_MAX + AVAIL_CAUSE_MAX + 16];
            snprintf(part, sizeof part, "%s down (%s)", g->members[i].name, sp->cause[0] ? sp->cause : "critical");
            av_append(cause, size, part);
        }
    }
    if (g->nmembers == 0)
        return STATE_UNKNOWN;
    if (up >= g->min_up)
        return STATE_UP;
    return up + unknown >= g->min_up ? STATE_UNKNOWN : STATE_DOWN;
}

static avail_state av_combine(avail_state a, avail_state b)
{
    if (a == STATE_DOWN || b == STATE_DOWN)
        return STATE_DOWN;
    if (a == STATE_UNKNOWN || b == STATE_UNKNOWN)
        return STATE_UNKNOWN;
    return STATE_UP;
}

avail_state avail_service_state_at(const avail_service *s, int64_t t, char *cause, size_t size)
{
    avail_state st = s->ngroups ? STATE_UP : STATE_UNKNOWN;
    if (cause && size)
        cause[0] = '\0';
    for (size_t g = 0; g < s->ngroups; g++)
        st = av_combine(st, av_group_state(&s->groups[g], t, cause, size));
    return st;
}

avail_state avail_site_state_at(const avail_site *site, int64_t t, char *cause, size_t size)
{
    avail_state st = site->nservices ? STATE_UP : STATE_UNKNOWN;
    if (cause && size)
        cause[0] = '\0';
    for (size_t i = 0; i < site->nservices; i++) {
        char c[AVAIL_CAUSE_MAX];
        avail_state s = avail_service_state_at(&site->services[i], t, c, sizeof c);
        if (s == STATE_DOWN && cause) {
            char part[AVAIL_CAUSE_MAX + 40];
            snprintf(part, sizeof part, "%s: %s", site->services[i].name, c);
            av_append(cause, size, part);
        }
        st = av_combine(st, s);
    }
    return st;
}

/* ---- the sweep ----------------------------------------------------------------------------- */

static int av_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Every instant in (from, to) where something may change, sorted and unique, with from and to. */
static int64_t *av_points(const avail_site *site, int64_t from, int64_t to, size_t *count)
{
    size_t n = 2 + 2 * site->nmaintenance;
    for (size_t s = 0; s < site->nservices; s++)
        for (size_t g = 0; g < site->services[s].ngroups; g++)
            for (size_t m = 0; m < site->services[s].groups[g].nmembers; m++)
                n += 2 * site->services[s].groups[g].members[m].nspans;
    int64_t *p = malloc(n * sizeof *p);
    if (!p)
        return NULL;
    size_t k = 0;
#define AV_ADD(t)                          \
    do {                                   \
        int64_t t_ = (t);                  \
        if (t_ > from && t_ < to)          \
            p[k++] = t_;                   \
    } while (0)
    p[k++] = from;
    p[k++] = to;
    for (size_t i = 0; i < site->nmaintenance; i++) {
        AV_ADD(site->maintenance[i].start);
        AV_ADD(site->maintenance[i].end);
    }
    for (size_t s = 0; s < site->nservices; s++)
        for (size_t g = 0; g < site->services[s].ngroups; g++)
            for (size_t m = 0; m < site->services[s].groups[g].nmembers; m++) {
                const avail_member *mb = &site->services[s].groups[g].members[m];
                for (size_t i = 0; i < mb->nspans; i++) {
                    AV_ADD(mb->spans[i].start);
                    AV_ADD(mb->spans[i].end);
                }
            }
#undef AV_ADD
    qsort(p, k, sizeof *p, av_cmp64);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || p[i] != p[u - 1])
            p[u++] = p[i];
    *count = u;
    return p;
}

/* Whether [t, ...) is inside a maintenance window for the site ("") or for a service. */
static bool av_in_maintenance(const avail_site *site, const char *service, int64_t t)
{
    for (size_t i = 0; i < site->nmaintenance; i++) {
        const avail_window *w = &site->maintenance[i];
        if (t >= w->start && t < w->end && (w->service[0] == '\0' || (service && strcmp(w->service, service) == 0)))
            return true;
    }
    return false;
}

static void av_account(avail_figures *f, avail_state st, bool maint, int64_t d)
{
    f->length += d;
    if (maint)
        f->maintenance += d;
    else if (st == STATE_UP)
        f->uptime += d;
    else if (st == STATE_DOWN)
        f->downtime += d;
    else
        f->unknown += d;
}

static void av_finish(avail_figures *f, const avail_site *site, size_t incidents, int64_t counted)
{
    double target = site->target;
    unknown_policy policy = site->policy;
    f->monitored = f->uptime + f->downtime;
    f->coverage = f->length > f->maintenance ? 100.0 * (double)f->monitored / (double)(f->length - f->maintenance) : NAN;
    f->eligible = f->length - f->maintenance;
    if (policy == UNKNOWN_EXCLUDED)
        f->eligible -= f->unknown;
    else if (policy == UNKNOWN_AS_UP)
        f->uptime += f->unknown;
    else
        f->downtime += f->unknown;
    f->availability = f->eligible > 0 ? 100.0 * (double)(f->eligible - f->downtime) / (double)f->eligible : NAN;
    f->allowed_downtime = (double)f->eligible * (1 - target / 100.0);
    f->budget_consumed = f->allowed_downtime > 0 ? 100.0 * (double)f->downtime / f->allowed_downtime
                                                 : (f->downtime > 0 ? INFINITY : 0);
    /* the coverage compared in integers: 90 % of a month is a whole number of seconds or not */
    bool covered = f->length > f->maintenance &&
                   (double)f->monitored * 100.0 >= site->min_coverage * (double)(f->length - f->maintenance);
    f->verdict = !covered || f->eligible <= 0   ? AVAIL_VERDICT_INSUFFICIENT
                 : f->availability >= target ? AVAIL_VERDICT_MET
                                             : AVAIL_VERDICT_MISSED;
    f->target_met = f->verdict == AVAIL_VERDICT_MET;
    f->incidents = incidents;
    f->mttr = incidents ? (double)counted / (double)incidents : NAN;
    f->mtbf = incidents ? (double)(f->eligible - f->downtime) / (double)incidents : NAN;
}

static int av_add_incident(avail_result *r, size_t *cap, int64_t start, const avail_site *site)
{
    if (r->nincidents == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        avail_incident *p = realloc(r->incidents, c * sizeof *p);
        if (!p)
            return -1;
        r->incidents = p;
        *cap = c;
    }
    avail_incident *in = &r->incidents[r->nincidents++];
    memset(in, 0, sizeof *in);
    in->start = start;
    avail_site_state_at(site, start, in->cause, sizeof in->cause);
    for (size_t s = 0; s < site->nservices; s++)
        if (avail_service_state_at(&site->services[s], start, NULL, 0) == STATE_DOWN) {
            size_t n = strlen(in->services);
            snprintf(in->services + n, sizeof in->services - n, "%s%s", n ? ", " : "", site->services[s].name);
        }
    return 0;
}

int avail_compute(const avail_site *site, int64_t from, int64_t to, avail_result *out)
{
    memset(out, 0, sizeof *out);
    out->from = from;
    out->to = to;
    out->nservices = site->nservices;
    out->services = calloc(site->nservices ? site->nservices : 1, sizeof *out->services);
    int64_t *svc_counted = calloc(site->nservices ? site->nservices : 1, sizeof *svc_counted);
    size_t *svc_incidents = calloc(site->nservices ? site->nservices : 1, sizeof *svc_incidents);
    bool *svc_down = calloc(site->nservices ? site->nservices : 1, sizeof *svc_down);
    size_t npoints = 0, cap = 0;
    int64_t *pts = av_points(site, from, to, &npoints);
    if (!out->services || !svc_counted || !svc_incidents || !svc_down || !pts)
        goto oom;
    avail_incident *open = NULL;
    for (size_t i = 0; i + 1 < npoints; i++) {
        int64_t a = pts[i], d = pts[i + 1] - a;
        bool site_maint = av_in_maintenance(site, NULL, a);
        avail_state raw = site->nservices ? STATE_UP : STATE_UNKNOWN, eff = raw;
        size_t judged = 0; /* services outside a window of their own */
        for (size_t s = 0; s < site->nservices; s++) {
            const avail_service *sv = &site->services[s];
            avail_state st = avail_service_state_at(sv, a, NULL, 0);
            bool own = av_in_maintenance(site, sv->name, a), maint = site_maint || own;
            av_account(&out->services[s], st, maint, d);
            raw = av_combine(raw, st);
            /* a service in its own window neither takes the site down nor holds it up */
            if (!own) {
                eff = av_combine(eff, st);
                judged++;
            }
            /* an incident of the service is one run of it down, as for the site: counted when some
             * of it is outside maintenance (an outage that begins inside a window and runs past it
             * is one), and only that part counts */
            if (st != STATE_DOWN) {
                svc_down[s] = false;
            } else if (!maint) {
                if (!svc_down[s])
                    svc_incidents[s]++;
                svc_down[s] = true;
                svc_counted[s] += d;
            }
        }
        if (site->nservices && judged == 0)
            site_maint = true; /* every service under work at once: the site is in maintenance */
        av_account(&out->site, eff, site_maint, d);
        if (raw == STATE_DOWN) {
            if (!open) {
                if (av_add_incident(out, &cap, a, site) != 0)
                    goto oom;
                open = &out->incidents[out->nincidents - 1];
            }
            open->end = a + d;
            if (eff == STATE_DOWN && !site_maint)
                open->counted += d;
        } else {
            open = NULL;
        }
    }
    size_t counted_incidents = 0;
    int64_t counted_time = 0;
    for (size_t i = 0; i < out->nincidents; i++) {
        out->incidents[i].excluded = out->incidents[i].counted == 0;
        if (!out->incidents[i].excluded) {
            counted_incidents++;
            counted_time += out->incidents[i].counted;
        }
    }
    av_finish(&out->site, site, counted_incidents, counted_time);
    for (size_t s = 0; s < site->nservices; s++)
        av_finish(&out->services[s], site, svc_incidents[s], svc_counted[s]);
    free(pts);
    free(svc_counted);
    free(svc_incidents);
    free(svc_down);
    return 0;
oom:
    free(pts);
    free(svc_counted);
    free(svc_incidents);
    free(svc_down);
    avail_result_free(out);
    return -1;
}

void avail_result_free(avail_result *r)
{
    free(r->services);
    free(r->incidents);
    r->services = NULL;
    r->incidents = NULL;
    r->nservices = r->nincidents = 0;
}

/* ---- calendar periods in a time zone ------------------------------------------------------- */

static int64_t av_local_mktime(const char *tz, int year, int month, int day)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_isdst = -1};
    return time_zone_mktime(tz, &tm);
}

int avail_month_bounds(const char *tz, int year, int month, int64_t *from, int64_t *to)
{
    if (month < 1 || month > 12 || year < 1970 || year > 9999)
        return -1;
    *from = av_local_mktime(tz, year, month, 1);
    *to = month == 12 ? av_local_mktime(tz, year + 1, 1, 1) : av_local_mktime(tz, year, month + 1, 1);
    return *from < *to ? 0 : -1;
}

int avail_year_bounds(const char *tz, int year, int64_t *from, int64_t *to)
{
    if (year < 1970 || year > 9999)
        return -1;
    *from = av_local_mktime(tz, year, 1, 1);
    *to = av_local_mktime(tz, year + 1, 1, 1);
    return 0;
}
