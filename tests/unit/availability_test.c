/* Golden tests of the availability arithmetic on scripted timelines; every expected figure is
 * computed by hand in the test from the timeline, not read from the code under test. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sla/availability.h"

#define TZ_PARIS "Europe/Paris"
#define TARGET 99.982

/* A small builder: one site, services with groups of members, spans added in order. */
typedef struct {
    avail_span spans[8][16];
    avail_member members[8];
    avail_group groups[4];
    avail_service services[4];
    avail_window windows[4];
    avail_site site;
} fixture;

static void fx_init(fixture *f, unknown_policy policy)
{
    memset(f, 0, sizeof *f);
    f->site.target = TARGET;
    f->site.policy = policy;
    f->site.services = f->services;
    f->site.maintenance = f->windows;
}

/* Adds a service with one group of `n` members (member indexes m0..m0+n-1), k of n needed. */
static void fx_service(fixture *f, const char *name, int m0, int n, int k)
{
    avail_group *g = &f->groups[f->site.nservices];
    g->members = &f->members[m0];
    g->nmembers = (size_t)n;
    g->min_up = k;
    avail_service *s = &f->services[f->site.nservices++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->groups = g;
    s->ngroups = 1;
    for (int i = 0; i < n; i++) {
        snprintf(f->members[m0 + i].name, AVAIL_NAME_MAX, "%s-%d", name, i + 1);
        f->members[m0 + i].spans = f->spans[m0 + i];
    }
}

static void fx_span(fixture *f, int m, int64_t start, int64_t end, health h)
{
    avail_member *mb = &f->members[m];
    avail_span *sp = &mb->spans[mb->nspans++];
    sp->start = start;
    sp->end = end;
    sp->h = h;
    snprintf(sp->cause, sizeof sp->cause, "%s", h == HEALTH_DOWN ? "ups.status=OB" : "");
}

static void fx_window(fixture *f, int64_t start, int64_t end, const char *service)
{
    avail_window *w = &f->windows[f->site.nmaintenance++];
    w->start = start;
    w->end = end;
    snprintf(w->service, sizeof w->service, "%s", service);
    snprintf(w->reason, sizeof w->reason, "battery replacement");
}

static void month(int y, int m, int64_t *from, int64_t *to)
{
    assert_int_equal(avail_month_bounds(TZ_PARIS, y, m, from, to), 0);
}

static void assert_close(double a, double b) { if (fabs(a - b) > 1e-6) fail_msg("%.9f != %.9f", a, b); }

static void test_month_lengths(void **state)
{
    int64_t from, to;
    month(2026, 11, &from, &to);
    assert_int_equal(from, 1793487600); /* 2026-11-01 00:00 CET = 2026-10-31 23:00 UTC */
    assert_int_equal(to - from, 30 * 86400);
    month(2026, 10, &from, &to);
    assert_int_equal(to - from, 745 * 3600); /* summer time ends on 25 October */
    month(2026, 3, &from, &to);
    assert_int_equal(to - from, 743 * 3600); /* summer time starts on 29 March */
    month(2026, 2, &from, &to);
    assert_int_equal(to - from, 28 * 86400);
    month(2028, 2, &from, &to);
    assert_int_equal(to - from, 29 * 86400);
    month(2026, 12, &from, &to);
    assert_int_equal(to - from, 31 * 86400);
    int64_t yf, yt;
    assert_int_equal(avail_year_bounds(TZ_PARIS, 2026, &yf, &yt), 0);
    assert_int_equal(yt - yf, 365 * 86400);
    assert_int_equal(avail_month_bounds(TZ_PARIS, 2026, 13, &from, &to), -1);
}

static void test_clean_month(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    int64_t from, to;
    month(2026, 11, &from, &to);
    fx_span(&f, 0, from - 3600, to + 3600, HEALTH_OK);
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.length, 2592000);
    assert_int_equal(r.site.eligible, 2592000);
    assert_int_equal(r.site.downtime, 0);
    assert_close(r.site.availability, 100.0);
    assert_close(r.site.allowed_downtime, 466.56); /* 7 min 46.6 s for 30 days at 99.982 % */
    assert_true(r.site.target_met);
    assert_int_equal(r.site.incidents, 0);
    assert_true(isnan(r.site.mttr));
    avail_result_free(&r);
}

static void test_one_outage(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    int64_t from, to;
    month(2026, 11, &from, &to);
    int64_t t = from + 10 * 86400;
    fx_span(&f, 0, from, t, HEALTH_OK);
    fx_span(&f, 0, t, t + 600, HEALTH_DOWN);
    fx_span(&f, 0, t + 600, to, HEALTH_DEGRADED); /* degraded still counts as up */
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.downtime, 600);
    assert_close(r.site.availability, 100.0 * (2592000 - 600) / 2592000.0); /* 99.976852 % */
    assert_false(r.site.target_met);
    assert_close(r.site.budget_consumed, 100.0 * 600 / 466.56);
    assert_int_equal(r.site.incidents, 1);
    assert_close(r.site.mttr, 600);
    assert_close(r.site.mtbf, 2592000 - 600);
    assert_int_equal(r.nincidents, 1);
    assert_int_equal(r.incidents[0].start, t);
    assert_int_equal(r.incidents[0].end, t + 600);
    assert_string_equal(r.incidents[0].services, "power");
    assert_non_null(strstr(r.incidents[0].cause, "power-1 down (ups.status=OB)"));
    assert_int_equal(r.services[0].downtime, 600);
    avail_result_free(&r);
}

static void test_outage_across_month_boundary(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    int64_t nov_from, nov_to, dec_from, dec_to;
    month(2026, 11, &nov_from, &nov_to);
    month(2026, 12, &dec_from, &dec_to);
    assert_int_equal(nov_to, dec_from);
    fx_span(&f, 0, nov_from, nov_to - 600, HEALTH_OK);
    fx_span(&f, 0, nov_to - 600, dec_from + 1200, HEALTH_DOWN); /* 23:50 to 00:20 local */
    fx_span(&f, 0, dec_from + 1200, dec_to, HEALTH_OK);
    avail_result r;
    assert_int_equal(avail_compute(&f.site, nov_from, nov_to, &r), 0);
    assert_int_equal(r.site.downtime, 600);
    assert_int_equal(r.nincidents, 1);
    assert_int_equal(r.incidents[0].end, nov_to); /* split at the boundary */
    avail_result_free(&r);
    assert_int_equal(avail_compute(&f.site, dec_from, dec_to, &r), 0);
    assert_int_equal(r.site.downtime, 1200);
    assert_int_equal(r.incidents[0].start, dec_from);
    avail_result_free(&r);
}

static void test_maintenance(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    int64_t from, to;
    month(2026, 11, &from, &to);
    int64_t a = from + 86400, b = from + 2 * 86400;
    fx_span(&f, 0, from, a + 600, HEALTH_OK);
    fx_span(&f, 0, a + 600, a + 1200, HEALTH_DOWN); /* inside the window [a, a + 3600) */
    fx_span(&f, 0, a + 1200, b + 3000, HEALTH_OK);
    fx_span(&f, 0, b + 3000, b + 4200, HEALTH_DOWN); /* overruns the window [b, b + 3600) by 600 s */
    fx_span(&f, 0, b + 4200, to, HEALTH_OK);
    fx_window(&f, a, a + 3600, "");
    fx_window(&f, b, b + 3600, "");
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.maintenance, 7200);
    assert_int_equal(r.site.eligible, 2592000 - 7200);
    assert_int_equal(r.site.downtime, 600);
    assert_int_equal(r.nincidents, 2);
    assert_true(r.incidents[0].excluded);
    assert_false(r.incidents[1].excluded);
    assert_int_equal(r.incidents[1].counted, 600);
    assert_int_equal(r.site.incidents, 1);
    assert_close(r.site.allowed_downtime, (2592000 - 7200) * (1 - TARGET / 100));
    avail_result_free(&r);
}

static void test_redundancy(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 2, 1);   /* 1 of 2 UPS feeds */
    fx_service(&f, "cooling", 2, 3, 2); /* 2 of 3 cooling units */
    int64_t from, to;
    month(2026, 11, &from, &to);
    int64_t t = from + 5 * 86400;
    /* UPS A down for an hour: B holds. Then both down for 120 s. */
    fx_span(&f, 0, from, t, HEALTH_OK);
    fx_span(&f, 0, t, t + 3600, HEALTH_DOWN);
    fx_span(&f, 0, t + 3600, to, HEALTH_OK);
    fx_span(&f, 1, from, t + 1000, HEALTH_OK);
    fx_span(&f, 1, t + 1000, t + 1120, HEALTH_DOWN);
    fx_span(&f, 1, t + 1120, to, HEALTH_OK);
    /* cooling: one unit down a day (N+1 holds), a second one down 300 s of it */
    for (int m = 2; m < 5; m++) {
        if (m == 2) {
            fx_span(&f, m, from, t, HEALTH_OK);
            fx_span(&f, m, t, t + 86400, HEALTH_DOWN);
            fx_span(&f, m, t + 86400, to, HEALTH_OK);
        } else if (m == 3) {
            fx_span(&f, m, from, t + 50000, HEALTH_OK);
            fx_span(&f, m, t + 50000, t + 50300, HEALTH_DOWN);
            fx_span(&f, m, t + 50300, to, HEALTH_OK);
        } else {
            fx_span(&f, m, from, to, HEALTH_OK);
        }
    }
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.services[0].downtime, 120);
    assert_int_equal(r.services[1].downtime, 300);
    assert_int_equal(r.site.downtime, 420);
    assert_int_equal(r.site.incidents, 2);
    assert_string_equal(r.incidents[1].services, "cooling");
    avail_result_free(&r);
}

static void test_unknown_policies(void **state)
{
    int64_t from, to;
    month(2026, 11, &from, &to);
    int64_t t = from + 3 * 86400;
    const unknown_policy pol[] = {UNKNOWN_EXCLUDED, UNKNOWN_AS_UP, UNKNOWN_AS_DOWN};
    for (int i = 0; i < 3; i++) {
        fixture f;
        fx_init(&f, pol[i]);
        fx_service(&f, "power", 0, 1, 1);
        fx_span(&f, 0, from, t, HEALTH_OK);
        /* [t, t + 3600): no data at all (agent cut off); then unreachable 600 s */
        fx_span(&f, 0, t + 3600, t + 7200, HEALTH_OK);
        fx_span(&f, 0, t + 7200, t + 7800, HEALTH_UNKNOWN);
        fx_span(&f, 0, t + 7800, to, HEALTH_OK);
        avail_result r;
        assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
        assert_int_equal(r.site.unknown, 4200); /* always shown */
        if (pol[i] == UNKNOWN_EXCLUDED) {
            assert_int_equal(r.site.eligible, 2592000 - 4200);
            assert_int_equal(r.site.downtime, 0);
            assert_close(r.site.availability, 100);
        } else if (pol[i] == UNKNOWN_AS_UP) {
            assert_int_equal(r.site.eligible, 2592000);
            assert_close(r.site.availability, 100);
        } else {
            assert_int_equal(r.site.eligible, 2592000);
            assert_int_equal(r.site.downtime, 4200);
            assert_close(r.site.availability, 100.0 * (2592000 - 4200) / 2592000);
        }
        avail_result_free(&r);
    }
}

static void test_dst_and_february(void **state)
{
    int64_t from, to;
    /* October 2026 (745 h) with a 10-minute outage on the night the clocks go back */
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    month(2026, 10, &from, &to);
    int64_t t = 1792888200; /* 2026-10-25 02:30 CEST = 00:30 UTC, the first of the two 02:30 */
    fx_span(&f, 0, from, t, HEALTH_OK);
    fx_span(&f, 0, t, t + 600, HEALTH_DOWN);
    fx_span(&f, 0, t + 600, to, HEALTH_OK);
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.length, 745 * 3600);
    assert_close(r.site.allowed_downtime, 745 * 3600 * (1 - TARGET / 100)); /* 482.76 s */
    assert_close(r.site.availability, 100.0 * (745 * 3600 - 600) / (745 * 3600.0));
    avail_result_free(&r);
    /* March 2026 (743 h), clean */
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    month(2026, 3, &from, &to);
    fx_span(&f, 0, from, to, HEALTH_OK);
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.eligible, 743 * 3600);
    assert_close(r.site.allowed_downtime, 743 * 3600 * (1 - TARGET / 100));
    avail_result_free(&r);
    /* February 2026: 28 days, 435.456 s allowed */
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    month(2026, 2, &from, &to);
    fx_span(&f, 0, from, to, HEALTH_OK);
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_close(r.site.allowed_downtime, 435.456);
    avail_result_free(&r);
}

static void test_service_maintenance(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    fx_service(&f, "cooling", 1, 1, 1);
    int64_t from, to;
    month(2026, 11, &from, &to);
    int64_t t = from + 86400;
    fx_span(&f, 0, from, to, HEALTH_OK);
    fx_span(&f, 1, from, t, HEALTH_OK);
    fx_span(&f, 1, t, t + 1800, HEALTH_DOWN); /* cooling stopped for its own maintenance */
    fx_span(&f, 1, t + 1800, to, HEALTH_OK);
    fx_window(&f, t - 60, t + 1800, "cooling");
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.downtime, 0);
    assert_int_equal(r.site.maintenance, 0); /* the site itself was not in maintenance */
    assert_int_equal(r.services[1].maintenance, 1860);
    assert_int_equal(r.services[1].downtime, 0);
    assert_int_equal(r.nincidents, 1);
    assert_true(r.incidents[0].excluded);
    avail_result_free(&r);
}

/* Coverage: the share of the time outside maintenance that was monitored. November 2026 has
 * 2,592,000 s; at min_coverage 90 a verdict needs 2,332,800 s known. */
static void test_coverage(void **state)
{
    int64_t from, to;
    month(2026, 11, &from, &to);
    avail_result r;
    fixture f;
    /* installed two days before the month's end: 172,800 s known, 6.667 % */
    fx_init(&f, UNKNOWN_EXCLUDED);
    f.site.min_coverage = 90;
    fx_service(&f, "power", 0, 1, 1);
    fx_span(&f, 0, to - 2 * 86400, to, HEALTH_OK);
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_close(r.site.availability, 100);
    assert_int_equal(r.site.monitored, 172800);
    assert_close(r.site.coverage, 100.0 * 172800 / 2592000);
    assert_int_equal(r.site.verdict, AVAIL_VERDICT_INSUFFICIENT);
    assert_false(r.site.target_met);
    assert_string_equal(avail_verdict_name(r.site.verdict), "insufficient_data");
    assert_int_equal(r.services[0].verdict, AVAIL_VERDICT_INSUFFICIENT);
    avail_result_free(&r);
    /* exactly 90 %: 259,200 s unknown at the start; a verdict */
    fx_init(&f, UNKNOWN_EXCLUDED);
    f.site.min_coverage = 90;
    fx_service(&f, "power", 0, 1, 1);
    fx_span(&f, 0, from + 259200, to, HEALTH_OK);
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_close(r.site.coverage, 90);
    assert_int_equal(r.site.verdict, AVAIL_VERDICT_MET);
    assert_true(r.site.target_met);
    avail_result_free(&r);
    /* one second less: insufficient */
    fx_init(&f, UNKNOWN_EXCLUDED);
    f.site.min_coverage = 90;
    fx_service(&f, "power", 0, 1, 1);
    fx_span(&f, 0, from + 259201, to, HEALTH_OK);
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.monitored, 2332799);
    assert_int_equal(r.site.verdict, AVAIL_VERDICT_INSUFFICIENT);
    avail_result_free(&r);
    /* a day of site maintenance is not part of it: 3 days unknown of 29 outside maintenance,
     * 2,246,400 / 2,505,600 = 89.655 %, insufficient; with min_coverage 89 the 600 s outage misses */
    for (int k = 0; k < 2; k++) {
        fx_init(&f, UNKNOWN_EXCLUDED);
        f.site.min_coverage = k ? 89 : 90;
        fx_service(&f, "power", 0, 1, 1);
        fx_span(&f, 0, from + 3 * 86400, from + 10 * 86400, HEALTH_OK);
        fx_span(&f, 0, from + 10 * 86400, from + 10 * 86400 + 600, HEALTH_DOWN);
        fx_span(&f, 0, from + 10 * 86400 + 600, to, HEALTH_OK);
        fx_window(&f, from + 20 * 86400, from + 21 * 86400, "");
        assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
        assert_int_equal(r.site.maintenance, 86400);
        assert_int_equal(r.site.monitored, 2246400);
        assert_close(r.site.coverage, 100.0 * 2246400 / 2505600);
        assert_int_equal(r.site.verdict, k ? AVAIL_VERDICT_MISSED : AVAIL_VERDICT_INSUFFICIENT);
        assert_close(r.site.availability, 100.0 * (2246400 - 600) / 2246400);
        avail_result_free(&r);
    }
    /* counting the unknown as down does not give a verdict on half a month either */
    fx_init(&f, UNKNOWN_AS_DOWN);
    f.site.min_coverage = 90;
    fx_service(&f, "power", 0, 1, 1);
    fx_span(&f, 0, from + 15 * 86400, to, HEALTH_OK);
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_close(r.site.coverage, 50);
    assert_close(r.site.availability, 50);
    assert_int_equal(r.site.verdict, AVAIL_VERDICT_INSUFFICIENT);
    avail_result_free(&r);
    /* a month entirely in maintenance has no verdict */
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    fx_span(&f, 0, from, to, HEALTH_OK);
    fx_window(&f, from - 60, to + 60, "");
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_true(isnan(r.site.coverage));
    assert_int_equal(r.site.verdict, AVAIL_VERDICT_INSUFFICIENT);
    avail_result_free(&r);
}

/* A cooling outage that starts inside the cooling window [t, t + 3600) and lasts until t + 5400:
 * the service counts one incident of 1,800 s (its MTTR), the site too. A second outage of power that
 * runs through a power window counts once, before and after the window. */
static void test_service_incident_from_window(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    fx_service(&f, "cooling", 1, 1, 1);
    int64_t from, to;
    month(2026, 11, &from, &to);
    int64_t t = from + 5 * 86400, u = from + 12 * 86400;
    fx_span(&f, 1, from, t + 1800, HEALTH_OK);
    fx_span(&f, 1, t + 1800, t + 5400, HEALTH_DOWN);
    fx_span(&f, 1, t + 5400, to, HEALTH_OK);
    fx_window(&f, t, t + 3600, "cooling");
    fx_span(&f, 0, from, u - 300, HEALTH_OK);
    fx_span(&f, 0, u - 300, u + 3600 + 120, HEALTH_DOWN); /* 300 s before, 120 s after */
    fx_span(&f, 0, u + 3600 + 120, to, HEALTH_OK);
    fx_window(&f, u, u + 3600, "power");
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    const avail_figures *pw = &r.services[0], *cl = &r.services[1];
    assert_int_equal(cl->maintenance, 3600);
    assert_int_equal(cl->downtime, 1800);
    assert_int_equal(cl->incidents, 1);
    assert_close(cl->mttr, 1800);
    assert_close(cl->mtbf, (2592000 - 3600 - 1800) / 1.0);
    assert_int_equal(pw->maintenance, 3600);
    assert_int_equal(pw->downtime, 420);
    assert_int_equal(pw->incidents, 1);
    assert_close(pw->mttr, 420);
    /* the site: cooling's window leaves power judged, power's leaves cooling judged */
    assert_int_equal(r.site.maintenance, 0);
    assert_int_equal(r.site.downtime, 1800 + 420);
    assert_int_equal(r.site.incidents, 2);
    assert_int_equal(r.nincidents, 2);
    assert_int_equal(r.incidents[0].counted, 1800);
    assert_int_equal(r.incidents[1].counted, 420);
    assert_close(r.site.mttr, (1800 + 420) / 2.0);
    avail_result_free(&r);
}

/* Concurrent maintenance: while cooling is under work [t, t + 3600), the site is judged on power
 * alone (a power outage then is site downtime); while both are under work [t + 1800, t + 2400),
 * the site is in maintenance. */
static void test_service_window_semantics(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    fx_service(&f, "cooling", 1, 1, 1);
    int64_t from, to;
    month(2026, 11, &from, &to);
    int64_t t = from + 8 * 86400;
    fx_span(&f, 0, from, t + 600, HEALTH_OK);
    fx_span(&f, 0, t + 600, t + 900, HEALTH_DOWN);
    fx_span(&f, 0, t + 900, to, HEALTH_OK);
    fx_span(&f, 1, from, t, HEALTH_OK);
    fx_span(&f, 1, t, t + 3600, HEALTH_DOWN); /* cooling stopped for its work: not the site's */
    fx_span(&f, 1, t + 3600, to, HEALTH_OK);
    fx_window(&f, t, t + 3600, "cooling");
    fx_window(&f, t + 1800, t + 2400, "power");
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.maintenance, 600);
    assert_int_equal(r.site.eligible, 2592000 - 600);
    assert_int_equal(r.site.downtime, 300);
    assert_int_equal(r.site.incidents, 1);
    assert_int_equal(r.services[0].maintenance, 600);
    assert_int_equal(r.services[0].downtime, 300);
    assert_int_equal(r.services[1].maintenance, 3600);
    assert_int_equal(r.services[1].downtime, 0);
    assert_int_equal(r.services[1].incidents, 0);
    avail_result_free(&r);
}

/* doc/report.md's example, "Maintenance windows": t is 09:00. */
static void test_report_md_example(void **state)
{
    fixture f;
    fx_init(&f, UNKNOWN_EXCLUDED);
    fx_service(&f, "power", 0, 1, 1);
    fx_service(&f, "cooling", 1, 1, 1);
    int64_t from, to;
    month(2026, 11, &from, &to);
    int64_t t = from + 14 * 86400 + 9 * 3600;
    fx_span(&f, 0, from, t + 300, HEALTH_OK);
    fx_span(&f, 0, t + 300, t + 600, HEALTH_DOWN); /* UPS 09:05-09:10 */
    fx_span(&f, 0, t + 600, to, HEALTH_OK);
    fx_span(&f, 1, from, t + 1200, HEALTH_OK);
    fx_span(&f, 1, t + 1200, t + 4800, HEALTH_DOWN); /* cooling stopped 09:20, back 10:20 */
    fx_span(&f, 1, t + 4800, to, HEALTH_OK);
    fx_window(&f, t, t + 3600, "cooling");
    fx_window(&f, t + 1800, t + 2400, "power");
    avail_result r;
    assert_int_equal(avail_compute(&f.site, from, to, &r), 0);
    assert_int_equal(r.site.maintenance, 600);
    assert_int_equal(r.site.downtime, 1500);
    assert_int_equal(r.site.incidents, 2);
    assert_close(r.site.mttr, 750);
    assert_int_equal(r.nincidents, 2);
    assert_int_equal(r.incidents[0].start, t + 300);
    assert_int_equal(r.incidents[0].counted, 300);
    assert_string_equal(r.incidents[0].services, "power");
    assert_int_equal(r.incidents[1].start, t + 1200);
    assert_int_equal(r.incidents[1].end, t + 4800);
    assert_int_equal(r.incidents[1].counted, 1200);
    assert_int_equal(r.services[0].maintenance, 600);
    assert_int_equal(r.services[0].downtime, 300);
    assert_int_equal(r.services[0].incidents, 1);
    assert_int_equal(r.services[1].maintenance, 3600);
    assert_int_equal(r.services[1].downtime, 1200);
    assert_int_equal(r.services[1].incidents, 1);
    assert_close(r.services[1].mttr, 1200);
    avail_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_lengths),   cmocka_unit_test(test_clean_month),
        cmocka_unit_test(test_one_outage),      cmocka_unit_test(test_outage_across_month_boundary),
        cmocka_unit_test(test_maintenance),     cmocka_unit_test(test_redundancy),
        cmocka_unit_test(test_unknown_policies), cmocka_unit_test(test_dst_and_february),
        cmocka_unit_test(test_service_maintenance), cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_service_incident_from_window), cmocka_unit_test(test_service_window_semantics),
        cmocka_unit_test(test_report_md_example),
    };
    return cmocka_run_group_tests_name("availability", tests, NULL, NULL);
}
