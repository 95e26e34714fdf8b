#include "config.h"
#include "report/contract_view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/digest.h"
#include "report/i18n.h"

/* Where a member is read ("sites[3]"), for the error; the first error is kept and the reading goes on
 * with zeros, so that the readers stay straight lines. */
typedef struct {
    char at[96];
    vg_err *err;
    vg_code rc;
} cv_ctx;

static void cv_bad(cv_ctx *c, const char *k, const char *what)
{
    if (c->rc)
        return;
    char field[160];
    snprintf(field, sizeof field, "%s%s%s", c->at, c->at[0] && k ? "." : "", k ? k : "");
    c->rc = vg_fail_field(c->err, VG_E_INVALID, field, "contract report document: %s %s", field, what);
}

static json_t *cv_get(cv_ctx *c, const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        cv_bad(c, k, "is missing");
    return v;
}

static const char *cv_str(cv_ctx *c, const json_t *o, const char *k, bool nullable)
{
    json_t *v = cv_get(c, o, k);
    if (v && json_is_string(v))
        return json_string_value(v);
    if (v && !(nullable && json_is_null(v)))
        cv_bad(c, k, nullable ? "is neither a string nor null" : "is not a string");
    return nullable ? NULL : "";
}

static int64_t cv_int(cv_ctx *c, const json_t *o, const char *k, bool nullable)
{
    json_t *v = cv_get(c, o, k);
    if (v && json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (v && !(nullable && json_is_null(v)))
        cv_bad(c, k, nullable ? "is neither an integer nor null" : "is not an integer");
    return 0;
}

static double cv_num(cv_ctx *c, const json_t *o, const char *k, bool nullable)
{
    json_t *v = cv_get(c, o, k);
    if (v && json_is_number(v))
        return json_number_value(v);
    if (v && !(nullable && json_is_null(v)))
        cv_bad(c, k, nullable ? "is neither a number nor null" : "is not a number");
    return NAN;
}

static bool cv_bool(cv_ctx *c, const json_t *o, const char *k)
{
    json_t *v = cv_get(c, o, k);
    if (v && !json_is_boolean(v))
        cv_bad(c, k, "is not a boolean");
    return v && json_is_true(v);
}

/* An array of objects: *n elements of size allocated in *out. */
static json_t *cv_arr(cv_ctx *c, const json_t *o, const char *k, size_t size, void **out, size_t *n)
{
    json_t *a = cv_get(c, o, k);
    *n = 0;
    *out = NULL;
    if (a && !json_is_array(a)) {
        cv_bad(c, k, "is not an array");
        a = NULL;
    }
    size_t len = a ? json_array_size(a) : 0;
    *out = calloc(len ? len : 1, size);
    if (!*out && !c->rc)
        c->rc = vg_fail(c->err, VG_E_NOMEM, "out of memory");
    if (*out)
        *n = len;
    return *out ? a : NULL;
}

/* Enters element i of array k: "sites[3]"; false when it is not an object. */
static bool cv_enter(cv_ctx *c, const char *k, size_t i, const json_t *e)
{
    snprintf(c->at, sizeof c->at, "%s[%zu]", k, i);
    if (!json_is_object(e)) {
        cv_bad(c, NULL, "is not an object");
        return false;
    }
    return true;
}

static void cv_site(cv_ctx *c, const json_t *o, cview_site *s)
{
    s->id = cv_str(c, o, "site", false);
    s->name = cv_str(c, o, "name", false);
    s->commune = cv_str(c, o, "commune", false);
    s->epci = cv_str(c, o, "epci", false);
    s->category = cv_str(c, o, "category", false);
    s->nro = cv_str(c, o, "nro", false);
    s->availability = cv_num(c, o, "availability", true);
    s->coverage = cv_num(c, o, "coverage", true);
    const char *v = cv_str(c, o, "verdict", false);
    if (strcmp(v, "met") == 0)
        s->status = CONTENT_MET;
    else if (strcmp(v, "missed") == 0)
        s->status = CONTENT_MISSED;
    else if (strcmp(v, "insufficient_data") == 0)
        s->status = CONTENT_NODATA;
    else
        cv_bad(c, "verdict", "is not met, missed or insufficient_data");
    s->downtime = cv_int(c, o, "downtime", false);
    s->incidents = cv_int(c, o, "incidents", false);
    s->breaches = cv_int(c, o, "breaches", false);
    s->attributed = cv_int(c, o, "attributed", false);
    s->penalty = cv_num(c, o, "penalty", false);
    s->penalty_nro = cv_num(c, o, "penalty_nro", false);
    s->penalty_link = cv_num(c, o, "penalty_link", false);
    s->capped = cv_bool(c, o, "capped");
}

static void cv_commune(cv_ctx *c, const json_t *o, cview_commune *m)
{
    m->commune = cv_str(c, o, "commune", false);
    m->epci = cv_str(c, o, "epci", false);
    m->sites = cv_int(c, o, "sites", false);
    m->not_met = cv_int(c, o, "not_met", false);
    m->incidents = cv_int(c, o, "incidents", false);
    m->breaches = cv_int(c, o, "breaches", false);
    m->downtime = cv_int(c, o, "downtime", false);
    m->availability = cv_num(c, o, "availability", true);
    m->penalty = cv_num(c, o, "penalty", false);
    m->penalty_nro = cv_num(c, o, "penalty_nro", false);
    m->penalty_link = cv_num(c, o, "penalty_link", false);
}

static void cv_incident(cv_ctx *c, const json_t *o, cview_incident *in)
{
    in->site = cv_str(c, o, "site", false);
    in->name = cv_str(c, o, "name", false);
    in->commune = cv_str(c, o, "commune", false);
    in->cause = cv_str(c, o, "cause", false);
    in->attributed_to = cv_str(c, o, "attributed_to", true);
    in->start = cv_int(c, o, "start", false);
    in->restored = cv_int(c, o, "restored", true);
    in->duration = cv_int(c, o, "duration", false);
    in->gtr_deadline = cv_int(c, o, "gtr_deadline", false);
    in->overrun = cv_int(c, o, "overrun", false);
    in->breach = cv_bool(c, o, "breach");
    in->penalty = cv_num(c, o, "penalty", false);
}

static void cv_summary(cv_ctx *c, const json_t *o, cview_summary *s)
{
    snprintf(c->at, sizeof c->at, "summary");
    if (!o || !json_is_object(o)) {
        cv_bad(c, NULL, "is not an object");
        return;
    }
    s->sites = cv_int(c, o, "sites", false);
    s->met = cv_int(c, o, "met", false);
    s->missed = cv_int(c, o, "missed", false);
    s->nodata = cv_int(c, o, "insufficient_data", false);
    s->mean_availability = cv_num(c, o, "mean_availability", true);
    s->min_availability = cv_num(c, o, "min_availability", true);
    s->downtime = cv_int(c, o, "downtime", false);
    s->incidents = cv_int(c, o, "incidents", false);
    s->attributed = cv_int(c, o, "attributed", false);
    s->breaches = cv_int(c, o, "breaches", false);
    s->breaches_nro = cv_int(c, o, "breaches_nro", false);
    s->sites_breached = cv_int(c, o, "sites_breached", false);
    s->sites_capped = cv_int(c, o, "sites_capped", false);
    s->penalties = cv_num(c, o, "penalties", false);
    s->penalties_nro = cv_num(c, o, "penalties_nro", false);
    s->penalties_link = cv_num(c, o, "penalties_link", false);
}

static void cv_contract(cv_ctx *c, const json_t *o, cview *v)
{
    snprintf(c->at, sizeof c->at, "contract");
    if (!o || !json_is_object(o)) {
        cv_bad(c, NULL, "is not an object");
        return;
    }
    v->contract = cv_str(c, o, "id", false);
    v->label_fr = cv_str(c, o, "fr", false);
    v->label_en = cv_str(c, o, "en", false);
    v->calendar = cv_str(c, o, "calendar", false);
    v->target = cv_num(c, o, "target", false);
    v->gtr = cv_int(c, o, "gtr", false);
    v->penalty_per_hour = cv_num(c, o, "penalty_per_hour", false);
    v->penalty_cap = cv_num(c, o, "penalty_cap", true);
}

/* 100 %, [target, 100), [target - 1, target), [target - 5, target - 1), below, no figure */
static void cv_bands(cview *v)
{
    for (size_t i = 0; i < v->nsites; i++) {
        double a = v->sites[i].availability;
        int b = !isfinite(a) ? 5 : a >= 100 ? 0 : a >= v->target ? 1 : a >= v->target - 1 ? 2 : a >= v->target - 5 ? 3 : 4;
        v->bands[b]++;
    }
}

cview *cview_new(const json_t *doc, vg_err *err)
{
    cview *v = calloc(1, sizeof *v);
    if (!v) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        return NULL;
    }
    cv_ctx c = {.err = err};
    const char *kind = json_string_value(json_object_get(doc, "report"));
    if (!json_is_object(doc) || !kind || strcmp(kind, "contract") != 0) {
        free(v);
        vg_fail_field(err, VG_E_INVALID, "report", "not a contract report document");
        return NULL;
    }
    v->doc = json_incref((json_t *)doc);
    v->software = cv_str(&c, doc, "software", false);
    v->period = cv_str(&c, doc, "period", false);
    v->timezone = cv_str(&c, doc, "timezone", false);
    v->generated_at = cv_int(&c, doc, "generated_at", false);
    v->from = cv_int(&c, doc, "from", false);
    v->to = cv_int(&c, doc, "to", false);
    v->counted_until = cv_int(&c, doc, "counted_until", false);
    cv_contract(&c, json_object_get(doc, "contract"), v);
    cv_summary(&c, json_object_get(doc, "summary"), &v->sum);
    c.at[0] = '\0';
    json_t *a = cv_arr(&c, doc, "sites", sizeof *v->sites, (void **)&v->sites, &v->nsites);
    for (size_t i = 0; a && i < v->nsites; i++)
        if (cv_enter(&c, "sites", i, json_array_get(a, i)))
            cv_site(&c, json_array_get(a, i), &v->sites[i]);
    c.at[0] = '\0';
    a = cv_arr(&c, doc, "communes", sizeof *v->communes, (void **)&v->communes, &v->ncommunes);
    for (size_t i = 0; a && i < v->ncommunes; i++)
        if (cv_enter(&c, "communes", i, json_array_get(a, i)))
            cv_commune(&c, json_array_get(a, i), &v->communes[i]);
    c.at[0] = '\0';
    a = cv_arr(&c, doc, "incidents", sizeof *v->incidents, (void **)&v->incidents, &v->nincidents);
    for (size_t i = 0; a && i < v->nincidents; i++)
        if (cv_enter(&c, "incidents", i, json_array_get(a, i)))
            cv_incident(&c, json_array_get(a, i), &v->incidents[i]);
    if (!c.rc && report_digest_hex(doc, v->digest) != VG_OK)
        c.rc = vg_fail(err, VG_E_INTERNAL, "cannot compute the digest of the figures");
    if (c.rc) {
        cview_free(v);
        return NULL;
    }
    cv_bands(v);
    return v;
}

void cview_free(cview *v)
{
    if (!v)
        return;
    free(v->sites);
    free(v->communes);
    free(v->incidents);
    json_decref((json_t *)v->doc);
    free(v);
}

const char *cview_label(const cview *v, report_lang l) { return TR(l, v->label_fr, v->label_en); }

bool cview_site_exception(const cview_site *s) { return s->status == CONTENT_MISSED || s->breaches > 0; }
