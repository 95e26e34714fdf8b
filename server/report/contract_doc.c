/* The délégataire's report as one JSON document, from contract_report_build()'s month (see
 * contract_render.h and doc/report.md for its members). Everything a format prints is in it, so that
 * its digest covers what is signed. */
#include "config.h"
#include "report/contract_render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static json_t *cdoc_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* met, missed or insufficient_data: without enough of the month monitored there is no verdict */
static const char *cdoc_verdict(const server_config *cfg, const contract_site_row *s)
{
    if (s->target_met)
        return "met";
    const server_site *ss = server_config_site(cfg, s->id);
    double min = ss ? ss->min_coverage : SERVER_MIN_COVERAGE_DEFAULT;
    if (!isfinite(s->availability) || !isfinite(s->coverage) || s->coverage < min)
        return "insufficient_data";
    return "missed";
}

static const char *cdoc_epci(const server_config *cfg, const char *site)
{
    const server_site *ss = server_config_site(cfg, site);
    return ss && ss->pub ? ss->pub->epci : "";
}

static json_t *cdoc_site(const server_config *cfg, const contract_site_row *s)
{
    const char *v = cdoc_verdict(cfg, s);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:I, s:I, s:I, s:I}", "site", s->id,
                          "name", s->name, "commune", s->commune, "epci", cdoc_epci(cfg, s->id), "category",
                          s->category, "nro", s->nro, "availability", cdoc_num(s->availability), "coverage",
                          cdoc_num(s->coverage), "verdict", v, "target_met",
                          strcmp(v, "insufficient_data") == 0 ? json_null() : json_boolean(s->target_met),
                          "downtime", (json_int_t)s->downtime, "incidents", (json_int_t)s->incidents, "breaches",
                          (json_int_t)s->breaches, "attributed", (json_int_t)s->attributed);
    if (o) {
        json_object_set_new(o, "penalty", json_real(s->penalty));
        json_object_set_new(o, "penalty_nro", json_real(s->penalty_nro));
        json_object_set_new(o, "penalty_link", json_real(s->penalty_link));
        json_object_set_new(o, "capped", json_boolean(s->capped));
    }
    return o;
}

static const contract_site_row *cdoc_row(const contract_report *r, const char *site)
{
    for (size_t i = 0; i < r->nsites; i++)
        if (strcmp(r->sites[i].id, site) == 0)
            return &r->sites[i];
    return NULL;
}

static json_t *cdoc_incident(const contract_report *r, const contract_incident *in)
{
    const contract_site_row *s = cdoc_row(r, in->site);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:o, s:I, s:I, s:b, s:I, s:f, s:o, s:s}", "site", in->site, "name",
                          s ? s->name : in->site, "commune", s ? s->commune : "", "start", (json_int_t)in->start,
                          "restored", in->restored ? json_integer(in->restored) : json_null(), "duration",
                          (json_int_t)in->duration, "gtr_deadline", (json_int_t)in->gtr_deadline, "breach",
                          in->breach, "overrun", (json_int_t)in->overrun, "penalty", in->penalty, "attributed_to",
                          in->attributed_to[0] ? json_string(in->attributed_to) : json_null(), "cause", in->cause);
    return o;
}

static json_t *cdoc_commune(const server_config *cfg, const contract_report *r, const contract_commune_row *c)
{
    size_t missed = 0;
    const char *epci = "";
    for (size_t i = 0; i < r->nsites; i++)
        if (strcmp(r->sites[i].commune, c->commune) == 0) {
            missed += strcmp(cdoc_verdict(cfg, &r->sites[i]), "missed") == 0; /* not those without a verdict */
            if (!epci[0])
                epci = cdoc_epci(cfg, r->sites[i].id);
        }
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "commune", c->commune, "epci", epci, "sites",
                          (json_int_t)c->sites, "not_met", (json_int_t)missed, "incidents", (json_int_t)c->incidents,
                          "breaches", (json_int_t)c->breaches, "downtime", (json_int_t)c->downtime, "availability",
                          cdoc_num(c->availability));
    if (o) {
        json_object_set_new(o, "penalty", json_real(c->penalty));
        json_object_set_new(o, "penalty_nro", json_real(c->penalty_nro));
        json_object_set_new(o, "penalty_link", json_real(c->penalty_link));
    }
    return o;
}

static json_t *cdoc_summary(const server_config *cfg, const contract_report *r)
{
    size_t met = 0, missed = 0, nodata = 0, breached = 0, capped = 0, breaches_nro = 0, navail = 0;
    int64_t downtime = 0;
    double sum = 0, min = NAN;
    for (size_t i = 0; i < r->nsites; i++) {
        const contract_site_row *s = &r->sites[i];
        const char *v = cdoc_verdict(cfg, s);
        met += strcmp(v, "met") == 0;
        missed += strcmp(v, "missed") == 0;
        nodata += strcmp(v, "insufficient_data") == 0;
        breached += s->breaches > 0;
        capped += s->capped;
        downtime += s->downtime;
        if (isfinite(s->availability)) {
            sum += s->availability;
            navail++;
            min = isfinite(min) && min < s->availability ? min : s->availability;
        }
    }
    for (size_t i = 0; i < r->nincidents; i++)
        breaches_nro += r->incidents[i].breach && r->incidents[i].attributed_to[0];
    const contract_totals *t = &r->totals;
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "sites",
                          (json_int_t)r->nsites, "met", (json_int_t)met, "missed", (json_int_t)missed,
                          "insufficient_data", (json_int_t)nodata, "mean_availability",
                          cdoc_num(navail ? sum / (double)navail : NAN), "min_availability", cdoc_num(min),
                          "downtime", (json_int_t)downtime, "incidents", (json_int_t)t->incidents, "attributed",
                          (json_int_t)t->attributed, "breaches", (json_int_t)t->breaches, "breaches_nro",
                          (json_int_t)breaches_nro, "sites_breached", (json_int_t)breached, "sites_capped",
                          (json_int_t)capped);
    if (o) {
        json_object_set_new(o, "penalties", json_real(t->penalty));
        json_object_set_new(o, "penalties_nro", json_real(t->penalty_nro));
        json_object_set_new(o, "penalties_link", json_real(t->penalty_link));
    }
    return o;
}

static json_t *cdoc_contract(const contract_report *r)
{
    const contract_class *c = r->cls;
    const contract_calendar *cal = contract_calendar_of(c);
    double cap = contract_penalty_cap(c);
    return json_pack("{s:s, s:s, s:s, s:f, s:I, s:s, s:s, s:f, s:o}", "id", r->contract, "fr",
                     contract_label(c, "fr"), "en", contract_label(c, "en"), "target", contract_target(c), "gtr",
                     (json_int_t)contract_gtr(c), "calendar", contract_calendar_name(cal), "calendar_timezone",
                     contract_calendar_timezone(cal), "penalty_per_hour", contract_penalty_per_hour(c),
                     "penalty_cap", cap < 0 ? json_null() : json_real(cap));
}

/* The zone times are shown in: the first site's (the NRO's, Europe/Paris by default), else the
 * calendar's. */
static const char *cdoc_timezone(const server_config *cfg, const contract_report *r)
{
    const server_site *s = r->nsites ? server_config_site(cfg, r->sites[0].id) : NULL;
    return s ? s->timezone : contract_calendar_timezone(contract_calendar_of(r->cls));
}

vg_code report_contract_doc(const server_config *cfg, const contract_report *r, int64_t now, json_t **out,
                            vg_err *err)
{
    *out = NULL;
    json_t *sites = json_array(), *incidents = json_array(), *communes = json_array();
    bool ok = sites && incidents && communes;
    for (size_t i = 0; ok && i < r->nsites; i++)
        ok = json_array_append_new(sites, cdoc_site(cfg, &r->sites[i])) == 0;
    for (size_t i = 0; ok && i < r->nincidents; i++)
        ok = json_array_append_new(incidents, cdoc_incident(r, &r->incidents[i])) == 0;
    for (size_t i = 0; ok && i < r->ncommunes; i++)
        ok = json_array_append_new(communes, cdoc_commune(cfg, r, &r->communes[i])) == 0;
    char label[16];
    snprintf(label, sizeof label, "%04d-%02d", r->year, r->month);
    int64_t until = r->now && r->to > r->now ? (r->now > r->from ? r->now : r->from) : r->to;
    json_t *doc = ok ? json_pack("{s:s, s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:o}", "software",
                                 PACKAGE_NAME " " PACKAGE_VERSION, "report", "contract", "period", label,
                                 "generated_at", (json_int_t)now, "contract", cdoc_contract(r), "from",
                                 (json_int_t)r->from, "to", (json_int_t)r->to, "counted_until", (json_int_t)until,
                                 "timezone", cdoc_timezone(cfg, r), "summary", cdoc_summary(cfg, r), "communes",
                                 communes, "sites", sites, "incidents", incidents)
                     : NULL;
    if (!doc) {
        if (!ok) {
            json_decref(sites);
            json_decref(incidents);
            json_decref(communes);
        }
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    *out = doc;
    return VG_OK;
}

vg_code report_contract_build(db *d, const server_config *cfg, const char *contract, int year, int month,
                              int64_t now, json_t **out, vg_err *err)
{
    return report_contract_build_scoped(d, cfg, contract, year, month, NULL, NULL, now, out, err);
}

vg_code report_contract_build_scoped(db *d, const server_config *cfg, const char *contract, int year, int month,
                                     contract_site_filter admit, const void *admit_arg, int64_t now, json_t **out,
                                     vg_err *err)
{
    contract_report *r = NULL;
    *out = NULL;
    vg_code rc = contract_report_build_scoped(d, cfg, contract, year, month, NULL, admit, admit_arg, now, &r, err);
    if (rc != VG_OK)
        return rc;
    rc = report_contract_doc(cfg, r, now, out, err);
    contract_report_free(r);
    return rc;
}
