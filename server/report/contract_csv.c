/* The délégataire's report as CSV, laid out like the monthly report's (csv.c): one file, every row
 * starting with its section (meta, summary, communes, sites, incidents), each section with its header
 * row; French: UTF-8 with a BOM, ';' and ',' decimals; English: RFC 4180. Every site is here: this is
 * where the 1,200 rows go. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/contract_formats.h"
#include "report/csv_out.h"
#include "report/formats.h"
#include "report/i18n.h"

/* a time in the zone; empty for none (an ongoing incident's restoration) */
static void ccsv_time(csv_out *c, int64_t t, const char *tz)
{
    char b[40] = "";
    if (t)
        i18n_iso(t, tz, b, sizeof b);
    csv_field(c, b);
}

static void ccsv_kv(csv_out *c, const char *section, const char *k, const char *v)
{
    csv_field(c, section);
    csv_field(c, k);
    csv_text(c, v);
    csv_end(c);
}

static void ccsv_kv_int(csv_out *c, const char *k, int64_t v)
{
    csv_field(c, "summary");
    csv_field(c, k);
    csv_int(c, v);
    csv_end(c);
}

static void ccsv_kv_num(csv_out *c, const char *k, double v, int decimals)
{
    csv_field(c, "summary");
    csv_field(c, k);
    csv_num(c, v, decimals);
    csv_end(c);
}

static void ccsv_meta(csv_out *c, const cview *v)
{
    char b[64];
    csv_row(c, (const char *const[]){"section", "key", "value", NULL});
    ccsv_kv(c, "meta", "report", "contract");
    ccsv_kv(c, "meta", "contract", v->contract);
    ccsv_kv(c, "meta", "label", cview_label(v, c->l));
    ccsv_kv(c, "meta", "period", v->period);
    ccsv_kv(c, "meta", "timezone", v->timezone);
    i18n_iso(v->from, v->timezone, b, sizeof b);
    ccsv_kv(c, "meta", "period_from", b);
    i18n_iso(v->to, v->timezone, b, sizeof b);
    ccsv_kv(c, "meta", "period_to", b);
    i18n_iso(v->counted_until, v->timezone, b, sizeof b);
    ccsv_kv(c, "meta", "counted_until", b);
    ccsv_kv(c, "meta", "calendar", v->calendar);
    ccsv_kv(c, "meta", "software", v->software);
    i18n_iso(v->generated_at, "UTC", b, sizeof b);
    ccsv_kv(c, "meta", "generated_at", b);
    ccsv_kv(c, "meta", "digest_sha256", v->digest);
    ccsv_kv(c, "meta", "lang", TR(c->l, "fr", "en"));
    const cview_summary *s = &v->sum;
    ccsv_kv_num(c, "target_pct", v->target, 4);
    ccsv_kv_int(c, "gtr_s", v->gtr);
    ccsv_kv_num(c, "penalty_per_hour_eur", v->penalty_per_hour, 2);
    ccsv_kv_num(c, "penalty_cap_eur", v->penalty_cap, 2);
    ccsv_kv_int(c, "sites", s->sites);
    ccsv_kv_int(c, "met", s->met);
    ccsv_kv_int(c, "missed", s->missed);
    ccsv_kv_int(c, "insufficient_data", s->nodata);
    ccsv_kv_num(c, "mean_availability_pct", s->mean_availability, 6);
    ccsv_kv_num(c, "min_availability_pct", s->min_availability, 6);
    ccsv_kv_int(c, "downtime_s", s->downtime);
    ccsv_kv_int(c, "incidents", s->incidents);
    ccsv_kv_int(c, "attributed_to_nro", s->attributed);
    ccsv_kv_int(c, "breaches", s->breaches);
    ccsv_kv_int(c, "breaches_nro", s->breaches_nro);
    ccsv_kv_int(c, "sites_breached", s->sites_breached);
    ccsv_kv_int(c, "sites_capped", s->sites_capped);
    ccsv_kv_num(c, "penalties_eur", s->penalties, 2);
    ccsv_kv_num(c, "penalties_nro_eur", s->penalties_nro, 2);
    ccsv_kv_num(c, "penalties_link_eur", s->penalties_link, 2);
}

static void ccsv_communes(csv_out *c, const cview *v)
{
    csv_row(c, (const char *const[]){"section", "commune", "epci", "sites", "not_met", "availability_pct", "downtime_s",
                                      "incidents", "breaches", "penalty_eur", "penalty_nro_eur", "penalty_link_eur", NULL});
    for (size_t i = 0; i < v->ncommunes; i++) {
        const cview_commune *m = &v->communes[i];
        csv_field(c, "communes");
        csv_text(c, m->commune);
        csv_text(c, m->epci);
        csv_int(c, m->sites);
        csv_int(c, m->not_met);
        csv_num(c, m->availability, 6);
        csv_int(c, m->downtime);
        csv_int(c, m->incidents);
        csv_int(c, m->breaches);
        csv_num(c, m->penalty, 2);
        csv_num(c, m->penalty_nro, 2);
        csv_num(c, m->penalty_link, 2);
        csv_end(c);
    }
}

static const char *ccsv_verdict(content_status st)
{
    return st == CONTENT_MET ? "met" : st == CONTENT_MISSED ? "missed" : "insufficient_data";
}

static void ccsv_sites(csv_out *c, const cview *v)
{
    csv_row(c, (const char *const[]){"section", "site", "name", "commune", "epci", "category", "nro",
                                      "availability_pct", "coverage_pct", "verdict", "downtime_s", "incidents",
                                      "attributed_to_nro", "breaches", "penalty_eur", "penalty_nro_eur",
                                      "penalty_link_eur", "capped", NULL});
    for (size_t i = 0; i < v->nsites; i++) {
        const cview_site *s = &v->sites[i];
        csv_field(c, "sites");
        csv_field(c, s->id);
        csv_text(c, s->name);
        csv_text(c, s->commune);
        csv_text(c, s->epci);
        csv_field(c, s->category);
        csv_field(c, s->nro);
        csv_num(c, s->availability, 6);
        csv_num(c, s->coverage, 3);
        csv_field(c, ccsv_verdict(s->status));
        csv_int(c, s->downtime);
        csv_int(c, s->incidents);
        csv_int(c, s->attributed);
        csv_int(c, s->breaches);
        csv_num(c, s->penalty, 2);
        csv_num(c, s->penalty_nro, 2);
        csv_num(c, s->penalty_link, 2);
        csv_bool(c, s->capped);
        csv_end(c);
    }
}

static void ccsv_incidents(csv_out *c, const cview *v)
{
    csv_row(c, (const char *const[]){"section", "site", "commune", "start", "restored", "duration_s", "gtr_deadline",
                                      "breach", "overrun_s", "penalty_eur", "attributed_to", "cause", NULL});
    for (size_t i = 0; i < v->nincidents; i++) {
        const cview_incident *in = &v->incidents[i];
        csv_field(c, "incidents");
        csv_field(c, in->site);
        csv_text(c, in->commune);
        ccsv_time(c, in->start, v->timezone);
        ccsv_time(c, in->restored, v->timezone);
        csv_int(c, in->duration);
        ccsv_time(c, in->gtr_deadline, v->timezone);
        csv_bool(c, in->breach);
        csv_int(c, in->overrun);
        csv_num(c, in->penalty, 2);
        csv_field(c, in->attributed_to ? in->attributed_to : "");
        csv_text(c, in->cause);
        csv_end(c);
    }
}

vg_code contract_csv(const cview *v, report_lang l, report_render_out *out, vg_err *err)
{
    report_buf b;
    vg_code rc = report_buf_open(&b, err);
    if (rc != VG_OK)
        return rc;
    csv_out c = csv_out_start(b.f, l);
    if (l == REPORT_LANG_FR)
        fputs("\xEF\xBB\xBF", b.f);
    ccsv_meta(&c, v);
    ccsv_communes(&c, v);
    ccsv_sites(&c, v);
    ccsv_incidents(&c, v);
    return report_buf_close(&b, out, err);
}
