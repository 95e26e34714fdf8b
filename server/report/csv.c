/* The report as CSV: one table per section (meta, sites, services, incidents, maintenance), each
 * with its header line; the language decides the separator and the decimal mark (French: ';' and ',',
 * with a BOM), times are ISO 8601 with the site's offset. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/content.h"
#include "report/csv_out.h"
#include "report/view_selftests.h"
#include "report/energy_formats.h"
#include "report/formats.h"
#include "report/i18n.h"

/* target_met: yes, no, or empty without a verdict (less than min_coverage monitored) */
static void csv_met(csv_out *c, const report_view_figures *f)
{
    if (f->verdict == REPORT_INSUFFICIENT)
        csv_field(c, "");
    else
        csv_bool(c, f->verdict == REPORT_MET);
}

static const char *csv_verdict(report_verdict v)
{
    return v == REPORT_MET ? "met" : v == REPORT_MISSED ? "missed" : "insufficient_data";
}

static void csv_time(csv_out *c, int64_t t, const char *tz)
{
    char b[40];
    i18n_iso(t, tz, b, sizeof b);
    csv_field(c, b);
}

static void csv_sites(csv_out *c, const report_view *v)
{
    csv_row(c, (const char *const[]){"section", "site", "name", "kind", "timezone", "unknown_policy", "period_from",
                                     "period_to", "counted_until", "hours", "target_pct", "availability_pct",
                                     "target_met", "allowed_downtime_s", "downtime_s", "budget_consumed_pct",
                                     "unknown_s", "maintenance_s", "eligible_s", "incidents", "mttr_s", "mtbf_s",
                                     "ytd_from", "ytd_to", "ytd_availability_pct", "ytd_downtime_s",
                                     "annual_allowed_downtime_s", "annual_budget_consumed_pct", "verdict",
                                     "coverage_pct", "min_coverage_pct", "ytd_verdict", "ytd_coverage_pct", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_site *s = &v->sites[i];
        const report_view_figures *fig = &s->figures;
        const char *tz = s->timezone;
        csv_field(c, "sites");
        csv_field(c, s->id);
        csv_text(c, s->name);
        csv_field(c, s->kind);
        csv_field(c, tz);
        csv_field(c, s->unknown_policy);
        csv_time(c, s->period.from, tz);
        csv_time(c, s->period.to, tz);
        csv_time(c, s->period.counted_until, tz);
        csv_num(c, s->period.hours, 0);
        csv_num(c, s->target, 4);
        csv_num(c, fig->availability, 6);
        csv_met(c, fig);
        csv_num(c, fig->allowed_downtime, 1);
        csv_int(c, fig->downtime);
        csv_num(c, fig->budget_consumed, 2);
        csv_int(c, fig->unknown);
        csv_int(c, fig->maintenance);
        csv_int(c, fig->eligible);
        csv_int(c, fig->incidents);
        csv_num(c, fig->mttr, 1);
        csv_num(c, fig->mtbf, 1);
        csv_time(c, s->ytd.from, tz);
        csv_time(c, s->ytd.to, tz);
        csv_num(c, s->ytd.figures.availability, 6);
        csv_int(c, s->ytd.figures.downtime);
        csv_num(c, s->ytd.annual_allowed_downtime, 1);
        csv_num(c, content_ytd_budget(s), 2);
        csv_field(c, csv_verdict(fig->verdict));
        csv_num(c, fig->coverage, 3);
        csv_num(c, s->min_coverage, 3);
        csv_field(c, csv_verdict(s->ytd.figures.verdict));
        csv_num(c, s->ytd.figures.coverage, 3);
        csv_end(c);
    }
}

static void csv_services(csv_out *c, const report_view *v)
{
    csv_row(c, (const char *const[]){"section", "site", "service", "availability_pct", "target_met", "downtime_s",
                                     "unknown_s", "maintenance_s", "incidents", "mttr_s", "mtbf_s", "verdict",
                                     "coverage_pct", NULL});
    for (size_t i = 0; i < v->nsites; i++)
        for (size_t k = 0; k < v->sites[i].nservices; k++) {
            const report_view_service *sv = &v->sites[i].services[k];
            csv_field(c, "services");
            csv_field(c, v->sites[i].id);
            csv_field(c, sv->name);
            csv_num(c, sv->figures.availability, 6);
            csv_met(c, &sv->figures);
            csv_int(c, sv->figures.downtime);
            csv_int(c, sv->figures.unknown);
            csv_int(c, sv->figures.maintenance);
            csv_int(c, sv->figures.incidents);
            csv_num(c, sv->figures.mttr, 1);
            csv_num(c, sv->figures.mtbf, 1);
            csv_field(c, csv_verdict(sv->figures.verdict));
            csv_num(c, sv->figures.coverage, 3);
            csv_end(c);
        }
}

static void csv_incidents(csv_out *c, const report_view *v)
{
    csv_row(c, (const char *const[]){"section", "site", "start", "end", "duration_s", "counted_s", "services", "cause",
                                     "excluded", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_site *s = &v->sites[i];
        for (size_t k = 0; k < s->nincidents; k++) {
            const report_view_incident *in = &s->incidents[k];
            csv_field(c, "incidents");
            csv_field(c, s->id);
            csv_time(c, in->start, s->timezone);
            csv_time(c, in->end, s->timezone);
            csv_int(c, in->duration);
            csv_int(c, in->counted);
            csv_text(c, in->services);
            csv_text(c, in->cause);
            csv_bool(c, in->excluded);
            csv_end(c);
        }
    }
}

static void csv_time_or_empty(csv_out *c, int64_t t, const char *tz);

static void csv_windows(csv_out *c, const report_view *v)
{
    csv_row(c, (const char *const[]){"section", "site", "id", "service", "start", "end", "reason", "who", "recurring",
                                     "rrule", "moved", "declared", "changed", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_site *s = &v->sites[i];
        for (size_t k = 0; k < s->nwindows; k++) {
            const report_view_window *w = &s->windows[k];
            csv_field(c, "maintenance");
            csv_field(c, s->id);
            csv_int(c, w->id);
            csv_field(c, w->service);
            csv_time(c, w->start, s->timezone);
            csv_time(c, w->end, s->timezone);
            csv_text(c, w->reason);
            csv_text(c, w->who);
            csv_bool(c, w->recurring);
            csv_field(c, w->rrule);
            csv_bool(c, w->moved);
            csv_time_or_empty(c, w->created, s->timezone); /* who declared it when (report_changes.h) */
            csv_time_or_empty(c, w->changed, s->timezone);
            csv_end(c);
        }
    }
}

/* The occurrences cancelled in the period: who cancelled them, when (report_changes.h). */
static void csv_cancelled(csv_out *c, const report_view *v)
{
    csv_row(c, (const char *const[]){"section", "site", "id", "service", "start", "end", "reason", "who", "cancelled",
                                     NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_site *s = &v->sites[i];
        for (size_t k = 0; k < s->ncancelled; k++) {
            const report_view_window *w = &s->cancelled[k];
            csv_field(c, w->deleted ? "maintenance_deleted" : "maintenance_cancelled");
            csv_field(c, s->id);
            csv_int(c, w->id);
            csv_field(c, w->service);
            csv_time(c, w->start, s->timezone);
            csv_time(c, w->end, s->timezone);
            csv_text(c, w->reason);
            csv_text(c, w->who);
            csv_time_or_empty(c, w->changed, s->timezone);
            csv_end(c);
        }
    }
}

/* The writers energy_formats.c's sections go through. */
static void csv_energy_field(void *c, const char *s) { csv_field(c, s); }
static void csv_energy_end(void *c) { csv_end(c); }

/* The UPS self-tests (view_selftests.h): a line "selftest_ups" per UPS (its last test, the age of its
 * last pass), then a line "selftests" per test of the period. */
static void csv_time_or_empty(csv_out *c, int64_t t, const char *tz)
{
    if (t > 0)
        csv_time(c, t, tz);
    else
        csv_field(c, "");
}

static void csv_test(csv_out *c, const char *section, const char *site, const char *tz, const char *device,
                     const report_view_test *t, int64_t age_days)
{
    csv_field(c, section);
    csv_field(c, site);
    csv_field(c, device);
    csv_field(c, t ? t->kind : "");
    csv_field(c, t ? t->result : "");
    csv_time_or_empty(c, t ? t->start : 0, tz);
    csv_time_or_empty(c, t ? t->end : 0, tz);
    csv_time_or_empty(c, t ? t->at : 0, tz);
    csv_field(c, t && t->date ? t->date : "");
    if (t && t->duration >= 0)
        csv_int(c, t->duration);
    else
        csv_field(c, "");
    if (age_days >= 0)
        csv_int(c, age_days);
    else
        csv_field(c, "");
    csv_end(c);
}

static void csv_selftests(csv_out *c, const report_view *v)
{
    csv_row(c, (const char *const[]){"section", "site", "ups", "kind", "result", "start", "end", "at", "date",
                                     "duration_s", "age_days", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const report_view_site *s = &v->sites[i];
        for (size_t k = 0; s->self_tests && k < s->self_tests->nups; k++) {
            const report_view_ups_tests *u = &s->self_tests->ups[k];
            csv_test(c, "selftest_ups", s->id, s->timezone, u->device, u->has_last ? &u->last : NULL, u->age_days);
            for (size_t t = 0; t < u->ntests; t++)
                csv_test(c, "selftests", s->id, s->timezone, u->device, &u->tests[t], -1);
        }
    }
}

vg_code report_csv(const report_view *v, const report_render_opts *o, report_render_out *out, vg_err *err)
{
    content_facts f;
    report_buf b;
    content_facts_get(v, o->lang, &f);
    vg_code rc = report_buf_open(&b, err);
    if (rc)
        return rc;
    csv_out c = {b.f, o->lang, o->lang == REPORT_LANG_FR ? ';' : ',', true};
    if (o->lang == REPORT_LANG_FR)
        fputs("\xEF\xBB\xBF", b.f); /* the BOM by which spreadsheets recognise UTF-8 */
    char gen[40];
    time_t g = (time_t)v->generated_at;
    struct tm tm;
    gmtime_r(&g, &tm);
    strftime(gen, sizeof gen, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char nsites[16];
    snprintf(nsites, sizeof nsites, "%zu", f.nsites);
    csv_row(&c, (const char *const[]){"section", "key", "value", NULL});
    csv_row(&c, (const char *const[]){"meta", "report", "vigie monthly SLA report", NULL});
    csv_row(&c, (const char *const[]){"meta", "period", v->period, NULL});
    csv_row(&c, (const char *const[]){"meta", "sites", nsites, NULL});
    csv_row(&c, (const char *const[]){"meta", "software", v->software, NULL});
    csv_row(&c, (const char *const[]){"meta", "generated_at", gen, NULL});
    csv_row(&c, (const char *const[]){"meta", "digest_sha256", v->digest, NULL});
    csv_row(&c, (const char *const[]){"meta", "lang", o->lang == REPORT_LANG_FR ? "fr" : "en", NULL});
    csv_sites(&c, v);
    csv_services(&c, v);
    csv_incidents(&c, v);
    csv_windows(&c, v);
    csv_cancelled(&c, v);
    csv_selftests(&c, v);
    csv_energy_sections(v, o->lang, csv_energy_field, csv_energy_end, &c); /* energy_formats.c */
    return report_buf_close(&b, out, err);
}
