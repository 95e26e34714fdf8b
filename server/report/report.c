#include "config.h"
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "energy/energy_site.h"
#include "report/report_changes.h"
#include "sla/selftest.h"
#include "sla/health.h"
#include "timeutil.h"

vg_code report_parse_month(const char *s, int *year, int *month)
{
    char tail;
    if (sscanf(s, "%4d-%2d%c", year, month, &tail) != 2 || *month < 1 || *month > 12 || *year < 1970 || *year > 9999)
        return VG_E_INVALID;
    return VG_OK;
}

/* "Z", "+01:00", "-0530" after a time: the offset east of UTC in seconds; -1 when it is not one. */
static int report_parse_offset(const char *s, int *off)
{
    if (strcmp(s, "Z") == 0) {
        *off = 0;
        return 0;
    }
    int h, m;
    char tail;
    /* a '+' of a query string decoded as a space: the only place a space can come from there */
    if ((s[0] != '+' && s[0] != '-' && s[0] != ' ') ||
        (sscanf(s + 1, "%2d:%2d%c", &h, &m, &tail) != 2 && sscanf(s + 1, "%2d%2d%c", &h, &m, &tail) != 2) ||
        strspn(s + 1, "0123456789:") != strlen(s + 1) || h > 14 || m > 59)
        return -1;
    *off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return 0;
}

vg_code report_parse_time(const char *s, const char *tz, int64_t *out, vg_err *err)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s && !*end && strlen(s) > 4) {
        *out = v;
        return VG_OK;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    int n = sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used);
    const char *rest = n == 3 ? s + used : "";
    if (n == 3 && *rest == 'T') {
        int u2 = 0;
        if (sscanf(rest, "T%2d:%2d%n", &h, &mi, &u2) != 2)
            return vg_fail(err, VG_E_INVALID, "'%s': a time is HH:MM after the T", s);
        rest += u2;
        if (*rest == ':') {
            if (sscanf(rest, ":%2d%n", &sec, &u2) != 1)
                return vg_fail(err, VG_E_INVALID, "'%s': seconds are :SS", s);
            rest += u2;
        }
    }
    if (n != 3 || strspn(s, "0123456789") != 4)
        return vg_fail(err, VG_E_INVALID, "not Unix seconds nor a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)");
    int off = 0;
    bool has_off = *rest != '\0';
    if (has_off && (rest == s + used || report_parse_offset(rest, &off) != 0))
        return vg_fail(err, VG_E_INVALID, "'%s': after the time only a UTC offset may follow (Z, +01:00, -05:00)", s);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || y < 1970)
        return vg_fail(err, VG_E_INVALID, "'%s' is not a date and time of the calendar", s);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec,
                    .tm_isdst = -1};
    struct tm check = tm;
    int64_t t = time_zone_mktime("UTC", &check);
    if (check.tm_mday != d)
        return vg_fail(err, VG_E_INVALID, "'%s': no such day (%04d-%02d has no %d)", s, y, mo, d);
    if (has_off) {
        *out = t - off;
        return VG_OK;
    }
    int64_t a, b;
    time_local_kind k = time_zone_local_readings(tz, &tm, &a, &b);
    if (k == TIME_LOCAL_NEVER)
        return vg_fail(err, VG_E_INVALID,
                       "'%s' does not exist in %s (the clocks jumped over it): give a time that exists, or its UTC "
                       "offset (for instance %04d-%02d-%02dT%02d:%02d+01:00)",
                       s, tz, y, mo, d, h, mi);
    if (k == TIME_LOCAL_TWICE) {
        struct tm ta, tb;
        time_zone_localtime(tz, a, &ta);
        time_zone_localtime(tz, b, &tb);
        long oa = ta.tm_gmtoff, ob = tb.tm_gmtoff;
        return vg_fail(err, VG_E_INVALID,
                       "'%s' happens twice in %s (the clocks went back): give its UTC offset, %04d-%02d-%02dT%02d:%02d%+03ld:%02ld "
                       "(the first) or %04d-%02d-%02dT%02d:%02d%+03ld:%02ld (the second)",
                       s, tz, y, mo, d, h, mi, oa / 3600, labs(oa) % 3600 / 60, y, mo, d, h, mi, ob / 3600,
                       labs(ob) % 3600 / 60);
    }
    *out = a;
    return VG_OK;
}

static json_t *report_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *report_figures(const avail_figures *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "length", json_integer(f->length));
    json_object_set_new(o, "eligible", json_integer(f->eligible));
    json_object_set_new(o, "availability", report_num(f->availability));
    /* no verdict below the coverage: null, never a false "missed" nor a true "met" */
    json_object_set_new(o, "target_met", f->verdict == AVAIL_VERDICT_INSUFFICIENT ? json_null() : json_boolean(f->target_met));
    json_object_set_new(o, "verdict", json_string(avail_verdict_name(f->verdict)));
    json_object_set_new(o, "coverage", report_num(f->coverage));
    json_object_set_new(o, "monitored", json_integer(f->monitored));
    json_object_set_new(o, "allowed_downtime", report_num(f->allowed_downtime));
    json_object_set_new(o, "downtime", json_integer(f->downtime));
    json_object_set_new(o, "budget_consumed", report_num(f->budget_consumed));
    json_object_set_new(o, "unknown", json_integer(f->unknown));
    json_object_set_new(o, "maintenance", json_integer(f->maintenance));
    json_object_set_new(o, "incidents", json_integer((json_int_t)f->incidents));
    json_object_set_new(o, "mttr", report_num(f->mttr));
    json_object_set_new(o, "mtbf", report_num(f->mtbf));
    return o;
}

static json_t *report_site(db *d, const server_config *cfg, const char *site, const report_query *q, vg_err *err)
{
    state_site_info info;
    state_site_info_get(cfg, site, &info);
    int64_t from = q->from, to = q->to;
    char label[32] = "";
    if (q->month) {
        if (avail_month_bounds(info.timezone, q->year, q->month, &from, &to) != 0) {
            vg_fail_field(err, VG_E_INVALID, "month", "no month %04d-%02d in %s", q->year, q->month, info.timezone);
            return NULL;
        }
        snprintf(label, sizeof label, "%04d-%02d", q->year, q->month);
    }
    /* what has not happened yet is not counted */
    int64_t until = q->now && to > q->now ? (q->now > from ? q->now : from) : to;
    avail_result r, ytd;
    if (state_availability(d, cfg, site, from, until, &r) != 0) {
        vg_fail(err, VG_E_IO, "site %s: cannot compute the availability", site);
        return NULL;
    }
    struct tm tm;
    int64_t yf, yt;
    time_zone_localtime(info.timezone, from, &tm);
    avail_year_bounds(info.timezone, tm.tm_year + 1900, &yf, &yt);
    if (state_availability(d, cfg, site, yf, until, &ytd) != 0) {
        avail_result_free(&r);
        vg_fail(err, VG_E_IO, "site %s: cannot compute the year to date", site);
        return NULL;
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:s}", "site", site, "name", info.name, "kind", info.kind,
                          "timezone", info.timezone, "target", info.target, "min_coverage", info.min_coverage,
                          "unknown_policy", unknown_policy_name(info.model->unknown));
    json_object_set_new(o, "period", json_pack("{s:s, s:I, s:I, s:I, s:f}", "label", label, "from", (json_int_t)from,
                                               "to", (json_int_t)to, "counted_until", (json_int_t)until, "hours",
                                               (double)(to - from) / 3600.0));
    json_object_set_new(o, "figures", report_figures(&r.site));
    json_t *y = report_figures(&ytd.site);
    json_object_set_new(y, "from", json_integer(yf));
    json_object_set_new(y, "to", json_integer(until));
    /* the annual budget: what a whole year at the target allows */
    json_object_set_new(y, "annual_allowed_downtime", json_real((double)(yt - yf) * (1 - info.target / 100.0)));
    json_object_set_new(o, "year_to_date", y);
    json_t *services = json_array();
    const avail_site *as = NULL;
    state_site *ss = state_site_build(d, cfg, site, from, until);
    if (ss)
        as = state_site_avail(ss);
    for (size_t i = 0; i < r.nservices; i++) {
        json_t *sv = report_figures(&r.services[i]);
        json_object_set_new(sv, "name", json_string(as && i < as->nservices ? as->services[i].name : "?"));
        json_array_append_new(services, sv);
    }
    json_object_set_new(o, "services", services);
    json_t *incidents = json_array();
    for (size_t i = 0; i < r.nincidents; i++) {
        const avail_incident *in = &r.incidents[i];
        json_array_append_new(incidents, json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:b}", "start", (json_int_t)in->start,
                                                   "end", (json_int_t)in->end, "duration", (json_int_t)(in->end - in->start),
                                                   "counted", (json_int_t)in->counted, "services", in->services,
                                                   "cause", in->cause, "excluded", in->excluded));
    }
    json_object_set_new(o, "incidents", incidents);
    json_t *windows = json_array();
    db_maint_item *w = NULL;
    size_t nw = 0;
    /* each occurrence of a series is a window of its own, marked recurring (its rule, and whether it
     * was moved from the rule's times) */
    if (db_maintenance_items(d, site, from, to, false, &w, &nw, NULL, NULL) == VG_OK)
        for (size_t i = 0; i < nw; i++)
            json_array_append_new(windows, json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:I, s:b, s:s, s:b}", "id",
                                                     (json_int_t)w[i].id, "service", w[i].w.service, "start",
                                                     (json_int_t)w[i].w.start, "end", (json_int_t)w[i].w.end, "reason",
                                                     w[i].w.reason, "who", w[i].w.who, "occurrence",
                                                     (json_int_t)w[i].w.occurrence, "recurring", w[i].rrule[0] != 0,
                                                     "rrule", w[i].rrule, "moved", w[i].moved));
    /* who changed the figures, and when: a window's declaration, an occurrence's move (report_changes.h) */
    for (size_t i = 0; i < nw; i++)
        report_changes_window(json_array_get(windows, i), w[i].created, w[i].moved ? w[i].changed : 0);
    free(w);
    json_object_set_new(o, "maintenance_windows", windows);
    /* and the occurrences cancelled, which no longer count */
    json_object_set_new(o, "maintenance_cancelled", report_changes_cancelled(d, site, from, to));
    /* energy, PUE and headroom (energy/energy_site.h), when the query brings the RRD files */
    if (q->rrd && energy_site_report(d, q->rrd, cfg, site, from, to, until, o, err) != VG_OK) {
        json_decref(o);
        o = NULL; /* err says why */
    }
    /* the UPS self-tests of the period, their last pass's age at its end (sla/selftest.h) */
    json_t *tests = NULL;
    if (o && selftest_site_json(d, cfg, site, from, until, until, &tests, err) == VG_OK)
        json_object_set_new(o, "self_tests", tests);
    else if (o) {
        json_decref(o);
        o = NULL; /* err says why */
    }
    state_site_free(ss);
    avail_result_free(&r);
    avail_result_free(&ytd);
    return o;
}

/* Worst first: lowest availability, then the most downtime, then the name. */
static int report_cmp_sites(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_t *fx = json_object_get(x, "figures"), *fy = json_object_get(y, "figures");
    json_t *ax = json_object_get(fx, "availability"), *ay = json_object_get(fy, "availability");
    double vx = json_is_number(ax) ? json_number_value(ax) : 101, vy = json_is_number(ay) ? json_number_value(ay) : 101;
    if (vx != vy)
        return vx < vy ? -1 : 1;
    json_int_t dx = json_integer_value(json_object_get(fx, "downtime")), dy = json_integer_value(json_object_get(fy, "downtime"));
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "site")), json_string_value(json_object_get(y, "site")));
}

typedef struct {
    char (*ids)[NAME_MAX_LEN + 1];
    size_t n, cap;
} report_sites;

static void report_add_site(report_sites *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0)
            return;
    if (s->n < s->cap)
        snprintf(s->ids[s->n++], NAME_MAX_LEN + 1, "%s", id);
}

vg_code report_build(db *d, const server_config *cfg, const report_query *q, json_t **result, vg_err *err)
{
    *result = NULL;
    report_sites sites = {0};
    sites.cap = cfg->nsites + cfg->nagents + 1;
    sites.ids = calloc(sites.cap, sizeof *sites.ids);
    if (!sites.ids)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    if (q->site) {
        bool known = server_config_site(cfg, q->site) != NULL;
        for (size_t i = 0; i < cfg->nagents && !known; i++)
            known = strcmp(cfg->agents[i].site, q->site) == 0;
        if (!known || (q->admit && !q->admit(q->admit_arg, cfg, q->site))) {
            free(sites.ids);
            return vg_fail_field(err, VG_E_NOT_FOUND, "site", "no site '%s'", q->site);
        }
        report_add_site(&sites, q->site);
    } else {
        for (size_t i = 0; i < cfg->nsites; i++)
            if (!cfg->sites[i].pub) /* the public sites are the délégataire's report's (contract_render.h) */
                report_add_site(&sites, cfg->sites[i].id);
        for (size_t i = 0; i < cfg->nagents; i++)
            report_add_site(&sites, cfg->agents[i].site);
        for (size_t i = sites.n; q->admit && i-- > 0;) /* outside the caller's scope: never computed */
            if (!q->admit(q->admit_arg, cfg, sites.ids[i]))
                memmove(sites.ids[i], sites.ids[i + 1], (--sites.n - i) * sizeof *sites.ids);
    }
    json_t **docs = calloc(sites.n ? sites.n : 1, sizeof *docs);
    json_t *out = NULL;
    vg_code rc = VG_OK;
    size_t n = 0;
    if (!docs) {
        free(sites.ids);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    for (; n < sites.n; n++) {
        vg_err e = {.code = VG_E_NOMEM};
        snprintf(e.msg, sizeof e.msg, "out of memory");
        docs[n] = report_site(d, cfg, sites.ids[n], q, &e);
        if (!docs[n]) {
            rc = e.code;
            if (err)
                *err = e;
            goto done;
        }
    }
    qsort(docs, n, sizeof *docs, report_cmp_sites);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, docs[i]);
        docs[i] = NULL;
    }
    char label[16] = "";
    if (q->month)
        snprintf(label, sizeof label, "%04d-%02d", q->year, q->month);
    out = json_pack("{s:s, s:s, s:I, s:o}", "software", PACKAGE_NAME " " PACKAGE_VERSION, "period", label,
                    "generated_at", (json_int_t)q->now, "sites", arr);
    if (!out)
        rc = vg_fail(err, VG_E_NOMEM, "out of memory");
    *result = out;
done:
    for (size_t i = 0; i < n; i++)
        json_decref(docs[i]);
    free(docs);
    free(sites.ids);
    return rc;
}
