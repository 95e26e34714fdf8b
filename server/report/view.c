#include "config.h"
#include "report/view.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/digest.h"
#include "report/report_changes.h"
#include "report/view_energy.h"
#include "report/view_selftests.h"

/* Where in the document a member is read: "sites[1].figures", for the error. */
typedef struct {
    char at[96];
    vg_err *err;
} view_ctx;

static vg_code view_bad(view_ctx *c, const char *k, const char *what)
{
    char field[160];
    snprintf(field, sizeof field, "%s%s%s", c->at, c->at[0] && k ? "." : "", k ? k : "");
    return vg_fail_field(c->err, VG_E_INVALID, field, "report document: %s %s", field, what);
}

static vg_code view_get(view_ctx *c, const json_t *o, const char *k, json_t **v)
{
    *v = json_object_get(o, k);
    return *v ? VG_OK : view_bad(c, k, "is missing");
}

static vg_code view_str(view_ctx *c, const json_t *o, const char *k, const char **out)
{
    json_t *v;
    vg_code rc = view_get(c, o, k, &v);
    if (rc)
        return rc;
    if (!json_is_string(v))
        return view_bad(c, k, "is not a string");
    *out = json_string_value(v);
    return VG_OK;
}

static vg_code view_int(view_ctx *c, const json_t *o, const char *k, int64_t *out)
{
    json_t *v;
    vg_code rc = view_get(c, o, k, &v);
    if (rc)
        return rc;
    if (!json_is_integer(v))
        return view_bad(c, k, "is not an integer");
    *out = (int64_t)json_integer_value(v);
    return VG_OK;
}

/* a number; null reads as NAN where nullable */
static vg_code view_num(view_ctx *c, const json_t *o, const char *k, bool nullable, double *out)
{
    json_t *v;
    vg_code rc = view_get(c, o, k, &v);
    if (rc)
        return rc;
    if (nullable && json_is_null(v))
        *out = NAN;
    else if (json_is_number(v))
        *out = json_number_value(v);
    else
        return view_bad(c, k, nullable ? "is neither a number nor null" : "is not a number");
    return VG_OK;
}

static vg_code view_bool(view_ctx *c, const json_t *o, const char *k, bool *out)
{
    json_t *v;
    vg_code rc = view_get(c, o, k, &v);
    if (rc)
        return rc;
    if (!json_is_boolean(v))
        return view_bad(c, k, "is not a boolean");
    *out = json_is_true(v);
    return VG_OK;
}

static vg_code view_obj(view_ctx *c, const json_t *o, const char *k, json_t **out)
{
    vg_code rc = view_get(c, o, k, out);
    if (rc)
        return rc;
    return json_is_object(*out) ? VG_OK : view_bad(c, k, "is not an object");
}

/* An array member: its elements allocated (size each), *n of them. */
static vg_code view_arr(view_ctx *c, const json_t *o, const char *k, size_t size, void **out, size_t *n, json_t **arr)
{
    vg_code rc = view_get(c, o, k, arr);
    if (rc)
        return rc;
    if (!json_is_array(*arr))
        return view_bad(c, k, "is not an array");
    *n = json_array_size(*arr);
    *out = calloc(*n ? *n : 1, size);
    return *out ? VG_OK : vg_fail(c->err, VG_E_NOMEM, "out of memory");
}

/* The path grows as the reader goes down ("sites[1]" + ".figures"); view_pop puts it back. */
static size_t view_push(view_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t view_push(view_ctx *c, const char *fmt, ...)
{
    size_t n = strlen(c->at);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->at + n, sizeof c->at - n, fmt, ap);
    va_end(ap);
    return n;
}

static void view_pop(view_ctx *c, size_t n) { c->at[n] = '\0'; }

/* "verdict", and target_met agreeing with it (null when there is no verdict) */
static vg_code view_verdict(view_ctx *c, const json_t *o, report_view_figures *f)
{
    static const char *const names[] = {"insufficient_data", "met", "missed"};
    const char *v;
    vg_code rc = view_str(c, o, "verdict", &v);
    if (rc)
        return rc;
    for (int i = 0; i < 3; i++)
        if (strcmp(v, names[i]) == 0) {
            f->verdict = (report_verdict)i;
            f->target_met = f->verdict == REPORT_MET;
            json_t *m = json_object_get(o, "target_met");
            bool agrees = f->verdict == REPORT_INSUFFICIENT ? json_is_null(m) : json_is_boolean(m) && json_is_true(m) == f->target_met;
            return agrees ? VG_OK : view_bad(c, "target_met", "does not agree with the verdict");
        }
    return view_bad(c, "verdict", "is not met, missed or insufficient_data");
}

static vg_code view_figures(view_ctx *c, const json_t *o, report_view_figures *f)
{
    vg_code rc;
    if ((rc = view_int(c, o, "length", &f->length)) || (rc = view_int(c, o, "eligible", &f->eligible)) ||
        (rc = view_num(c, o, "availability", true, &f->availability)) ||
        (rc = view_verdict(c, o, f)) || (rc = view_num(c, o, "coverage", true, &f->coverage)) ||
        (rc = view_int(c, o, "monitored", &f->monitored)) ||
        (rc = view_num(c, o, "allowed_downtime", true, &f->allowed_downtime)) ||
        (rc = view_int(c, o, "downtime", &f->downtime)) ||
        (rc = view_num(c, o, "budget_consumed", true, &f->budget_consumed)) ||
        (rc = view_int(c, o, "unknown", &f->unknown)) || (rc = view_int(c, o, "maintenance", &f->maintenance)) ||
        (rc = view_int(c, o, "incidents", &f->incidents)) || (rc = view_num(c, o, "mttr", true, &f->mttr)) ||
        (rc = view_num(c, o, "mtbf", true, &f->mtbf)))
        return rc;
    return VG_OK;
}

static vg_code view_site(view_ctx *c, const json_t *o, report_view_site *s)
{
    vg_code rc;
    json_t *p, *f, *y, *arr;
    if ((rc = view_str(c, o, "site", &s->id)) || (rc = view_str(c, o, "name", &s->name)) ||
        (rc = view_str(c, o, "kind", &s->kind)) || (rc = view_str(c, o, "timezone", &s->timezone)) ||
        (rc = view_num(c, o, "target", false, &s->target)) ||
        (rc = view_num(c, o, "min_coverage", false, &s->min_coverage)) ||
        (rc = view_str(c, o, "unknown_policy", &s->unknown_policy)) || (rc = view_obj(c, o, "period", &p)) ||
        (rc = view_obj(c, o, "figures", &f)) || (rc = view_obj(c, o, "year_to_date", &y)))
        return rc;
    size_t at = view_push(c, ".period");
    if ((rc = view_str(c, p, "label", &s->period.label)) || (rc = view_int(c, p, "from", &s->period.from)) ||
        (rc = view_int(c, p, "to", &s->period.to)) || (rc = view_int(c, p, "counted_until", &s->period.counted_until)) ||
        (rc = view_num(c, p, "hours", false, &s->period.hours)))
        return rc;
    view_pop(c, at);
    view_push(c, ".figures");
    if ((rc = view_figures(c, f, &s->figures)))
        return rc;
    view_pop(c, at);
    view_push(c, ".year_to_date");
    if ((rc = view_figures(c, y, &s->ytd.figures)) || (rc = view_int(c, y, "from", &s->ytd.from)) ||
        (rc = view_int(c, y, "to", &s->ytd.to)) ||
        (rc = view_num(c, y, "annual_allowed_downtime", false, &s->ytd.annual_allowed_downtime)))
        return rc;
    view_pop(c, at);
    if ((rc = view_arr(c, o, "services", sizeof *s->services, (void **)&s->services, &s->nservices, &arr)))
        return rc;
    for (size_t i = 0; i < s->nservices; i++) {
        json_t *e = json_array_get(arr, i);
        report_view_service *v = &s->services[i];
        view_push(c, ".services[%zu]", i);
        if (!json_is_object(e))
            return view_bad(c, NULL, "is not an object");
        if ((rc = view_str(c, e, "name", &v->name)) || (rc = view_figures(c, e, &v->figures)))
            return rc;
        view_pop(c, at);
    }
    if ((rc = view_arr(c, o, "incidents", sizeof *s->incidents, (void **)&s->incidents, &s->nincidents, &arr)))
        return rc;
    for (size_t i = 0; i < s->nincidents; i++) {
        json_t *e = json_array_get(arr, i);
        report_view_incident *v = &s->incidents[i];
        view_push(c, ".incidents[%zu]", i);
        if (!json_is_object(e))
            return view_bad(c, NULL, "is not an object");
        if ((rc = view_int(c, e, "start", &v->start)) || (rc = view_int(c, e, "end", &v->end)) ||
            (rc = view_int(c, e, "duration", &v->duration)) || (rc = view_int(c, e, "counted", &v->counted)) ||
            (rc = view_str(c, e, "services", &v->services)) || (rc = view_str(c, e, "cause", &v->cause)) ||
            (rc = view_bool(c, e, "excluded", &v->excluded)))
            return rc;
        view_pop(c, at);
    }
    if ((rc = view_arr(c, o, "maintenance_windows", sizeof *s->windows, (void **)&s->windows, &s->nwindows, &arr)))
        return rc;
    for (size_t i = 0; i < s->nwindows; i++) {
        json_t *e = json_array_get(arr, i);
        report_view_window *v = &s->windows[i];
        view_push(c, ".maintenance_windows[%zu]", i);
        if (!json_is_object(e))
            return view_bad(c, NULL, "is not an object");
        if ((rc = view_int(c, e, "id", &v->id)) || (rc = view_str(c, e, "service", &v->service)) ||
            (rc = view_int(c, e, "start", &v->start)) || (rc = view_int(c, e, "end", &v->end)) ||
            (rc = view_str(c, e, "reason", &v->reason)) || (rc = view_str(c, e, "who", &v->who)) ||
            (rc = view_bool(c, e, "recurring", &v->recurring)) || (rc = view_str(c, e, "rrule", &v->rrule)) ||
            (rc = view_bool(c, e, "moved", &v->moved)))
            return rc;
        report_changes_read_window(e, v);
        view_pop(c, at);
    }
    report_changes_read_cancelled(o, &s->cancelled, &s->ncancelled);
    /* energy, PUE and headroom, when the document has them (view_energy.h) */
    if ((rc = report_view_energy_read(o, c->at, &s->energy, c->err)))
        return rc;
    /* the UPS self-tests, when the document has them (view_selftests.h) */
    return report_view_selftests_read(o, c->at, &s->self_tests, c->err);
}

report_view *report_view_new(const json_t *doc, vg_err *err)
{
    view_ctx c = {.at = "", .err = err};
    report_view *v = calloc(1, sizeof *v);
    json_t *arr;
    vg_code rc;
    if (!v) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        return NULL;
    }
    if (!json_is_object(doc)) {
        vg_fail_field(err, VG_E_INVALID, "", "report document: not a JSON object");
        free(v);
        return NULL;
    }
    v->doc = json_incref((json_t *)doc);
    if ((rc = view_str(&c, doc, "software", &v->software)) || (rc = view_str(&c, doc, "period", &v->period)) ||
        (rc = view_int(&c, doc, "generated_at", &v->generated_at)) ||
        (rc = view_arr(&c, doc, "sites", sizeof *v->sites, (void **)&v->sites, &v->nsites, &arr)))
        goto fail;
    for (size_t i = 0; i < v->nsites; i++) {
        json_t *e = json_array_get(arr, i);
        snprintf(c.at, sizeof c.at, "sites[%zu]", i);
        if (!json_is_object(e)) {
            view_bad(&c, NULL, "is not an object");
            goto fail;
        }
        if (view_site(&c, e, &v->sites[i]))
            goto fail;
    }
    if (report_digest_hex(doc, v->digest) != VG_OK) {
        vg_fail(err, VG_E_NOMEM, "cannot compute the SHA-256 digest of the figures");
        goto fail;
    }
    return v;
fail:
    report_view_free(v);
    return NULL;
}

void report_view_free(report_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; v->sites && i < v->nsites; i++) {
        free(v->sites[i].services);
        free(v->sites[i].incidents);
        free(v->sites[i].windows);
        free(v->sites[i].cancelled);
        report_view_energy_free(v->sites[i].energy);
        report_view_selftests_free(v->sites[i].self_tests);
    }
    free(v->sites);
    json_decref((json_t *)v->doc);
    free(v);
}
