#include "config.h"
#include "report/view_energy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a member is read ("sites[0].energy.facility"), for the error; the first error is kept. */
typedef struct {
    char at[128];
    vg_err *err;
    vg_code rc;
} ve_ctx;

static void ve_bad(ve_ctx *c, const char *k, const char *what)
{
    if (c->rc)
        return;
    char field[192];
    snprintf(field, sizeof field, "%s.%s", c->at, k);
    c->rc = vg_fail_field(c->err, VG_E_INVALID, field, "report document: %s %s", field, what);
}

static json_t *ve_get(ve_ctx *c, const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        ve_bad(c, k, "is missing");
    return v;
}

/* A number, or NAN for null. */
static double ve_num(ve_ctx *c, const json_t *o, const char *k)
{
    json_t *v = ve_get(c, o, k);
    if (v && json_is_number(v))
        return json_number_value(v);
    if (v && !json_is_null(v))
        ve_bad(c, k, "is neither a number nor null");
    return NAN;
}

static int64_t ve_int(ve_ctx *c, const json_t *o, const char *k)
{
    json_t *v = ve_get(c, o, k);
    if (v && !json_is_integer(v))
        ve_bad(c, k, "is not an integer");
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* A string, or NULL for null (nullable) . */
static const char *ve_str(ve_ctx *c, const json_t *o, const char *k, bool nullable)
{
    json_t *v = ve_get(c, o, k);
    if (v && json_is_string(v))
        return json_string_value(v);
    if (v && !(nullable && json_is_null(v)))
        ve_bad(c, k, nullable ? "is neither a string nor null" : "is not a string");
    return NULL;
}

/* {"fr": ..., "en": ...} or null. */
static report_view_msg ve_msg(ve_ctx *c, const json_t *o, const char *k)
{
    report_view_msg m = {NULL, NULL};
    json_t *v = ve_get(c, o, k);
    if (!v || json_is_null(v))
        return m;
    m.fr = json_string_value(json_object_get(v, "fr"));
    m.en = json_string_value(json_object_get(v, "en"));
    if (!json_is_object(v) || !m.fr || !m.en) {
        ve_bad(c, k, "is neither {\"fr\", \"en\"} nor null");
        m.fr = m.en = NULL;
    }
    return m;
}

static json_t *ve_obj(ve_ctx *c, const json_t *o, const char *k)
{
    json_t *v = ve_get(c, o, k);
    if (v && !json_is_object(v)) {
        ve_bad(c, k, "is not an object");
        return NULL;
    }
    return v;
}

/* An array's elements, each an object, allocated `size` bytes each. */
static json_t *ve_arr(ve_ctx *c, const json_t *o, const char *k, size_t size, void **out, size_t *n)
{
    json_t *v = ve_get(c, o, k);
    *n = 0;
    *out = NULL;
    if (v && !json_is_array(v))
        ve_bad(c, k, "is not an array");
    if (!v || !json_is_array(v) || c->rc)
        return NULL;
    *n = json_array_size(v);
    *out = calloc(*n ? *n : 1, size);
    if (!*out && !c->rc)
        c->rc = vg_fail(c->err, VG_E_NOMEM, "out of memory");
    for (size_t i = 0; *out && i < *n; i++)
        if (!json_is_object(json_array_get(v, i))) {
            char name[64];
            snprintf(name, sizeof name, "%s[%zu]", k, i);
            ve_bad(c, name, "is not an object");
        }
    return c->rc ? NULL : v;
}

static size_t ve_push(ve_ctx *c, const char *k)
{
    size_t n = strlen(c->at);
    snprintf(c->at + n, sizeof c->at - n, ".%s", k);
    return n;
}

static void ve_side(ve_ctx *c, const json_t *e, const char *k, report_view_energy_side *s)
{
    json_t *o = ve_obj(c, e, k);
    if (!o)
        return;
    size_t at = ve_push(c, k);
    s->source = ve_str(c, o, "source", true);
    s->missing = ve_msg(c, o, "missing");
    s->note = ve_msg(c, o, "note");
    json_t *p = ve_get(c, o, "partial");
    if (p && !json_is_boolean(p))
        ve_bad(c, "partial", "is not a boolean");
    s->partial = json_is_true(p);
    s->kwh = ve_num(c, o, "kwh");
    s->coverage = ve_num(c, o, "coverage");
    c->at[at] = '\0';
}

static void ve_energy(ve_ctx *c, const json_t *e, report_view_energy *v)
{
    v->min_coverage = ve_num(c, e, "min_coverage");
    ve_side(c, e, "facility", &v->facility);
    ve_side(c, e, "it", &v->it);
    json_t *p = ve_obj(c, e, "pue");
    if (p) {
        size_t at = ve_push(c, "pue");
        v->pue = ve_num(c, p, "value");
        v->pue_status = ve_str(c, p, "status", false);
        v->pue_ratio = ve_num(c, p, "ratio");
        v->pue_coverage = ve_num(c, p, "coverage");
        c->at[at] = '\0';
    }
    json_t *days = ve_arr(c, e, "days", sizeof *v->days, (void **)&v->days, &v->ndays);
    for (size_t i = 0; days && i < v->ndays; i++) {
        json_t *d = json_array_get(days, i);
        report_view_energy_day *y = &v->days[i];
        y->date = ve_str(c, d, "date", false);
        y->pue_status = ve_str(c, d, "pue_status", false);
        y->facility_kwh = ve_num(c, d, "facility_kwh");
        y->it_kwh = ve_num(c, d, "it_kwh");
        y->pue = ve_num(c, d, "pue");
        y->ratio = ve_num(c, d, "ratio");
    }
}

static void ve_power(ve_ctx *c, const json_t *p, report_view_energy *v)
{
    size_t at = ve_push(c, "power");
    v->rule = ve_str(c, p, "rule", false);
    v->power_status = ve_str(c, p, "status", false);
    v->power_missing = ve_msg(c, p, "missing");
    v->units = ve_int(c, p, "units");
    v->needed = ve_int(c, p, "needed");
    v->capacity_w = ve_num(c, p, "capacity_w");
    v->usable_w = ve_num(c, p, "usable_w");
    v->load_w = ve_num(c, p, "load_w");
    v->headroom_w = ve_num(c, p, "headroom_w");
    v->headroom_pct = ve_num(c, p, "headroom_pct");
    json_t *ups = ve_arr(c, p, "ups", sizeof *v->ups, (void **)&v->ups, &v->nups);
    for (size_t i = 0; ups && i < v->nups; i++) {
        json_t *u = json_array_get(ups, i);
        v->ups[i] = (report_view_ups){ve_str(c, u, "device", false), ve_num(c, u, "capacity_w"), ve_num(c, u, "load_w"),
                                      ve_num(c, u, "load_pct")};
    }
    c->at[at] = '\0';
}

static void ve_headroom(ve_ctx *c, const json_t *h, report_view_energy *v)
{
    json_t *p = ve_obj(c, h, "power"), *cl = ve_obj(c, h, "cooling");
    if (p)
        ve_power(c, p, v);
    json_t *ph = ve_arr(c, h, "pdu", sizeof *v->phases, (void **)&v->phases, &v->nphases);
    for (size_t i = 0; ph && i < v->nphases; i++) {
        json_t *x = json_array_get(ph, i);
        v->phases[i] = (report_view_phase){ve_str(c, x, "device", false), ve_str(c, x, "phase", false),
                                           ve_str(c, x, "rating_from", true), ve_num(c, x, "current_a"),
                                           ve_num(c, x, "rating_a"), ve_num(c, x, "load_pct"),
                                           ve_num(c, x, "headroom_pct")};
    }
    if (!cl)
        return;
    size_t at = ve_push(c, "cooling");
    v->cooling_status = ve_str(c, cl, "status", false);
    v->cooling_missing = ve_msg(c, cl, "missing");
    v->heat_load_kw = ve_num(c, cl, "heat_load_kw");
    v->cooling_usable_kw = ve_num(c, cl, "usable_kw");
    v->cooling_headroom_kw = ve_num(c, cl, "headroom_kw");
    v->cooling_headroom_pct = ve_num(c, cl, "headroom_pct");
    json_t *u = ve_arr(c, cl, "coolers", sizeof *v->coolers, (void **)&v->coolers, &v->ncoolers);
    for (size_t i = 0; u && i < v->ncoolers; i++) {
        json_t *x = json_array_get(u, i);
        v->coolers[i] = (report_view_cooler){ve_str(c, x, "device", false), ve_num(c, x, "in_use_pct"),
                                             ve_num(c, x, "output_kw"), ve_num(c, x, "rated_kw")};
    }
    c->at[at] = '\0';
}

vg_code report_view_energy_read(const json_t *site, const char *at, report_view_energy **out, vg_err *err)
{
    *out = NULL;
    json_t *e = json_object_get(site, "energy"), *h = json_object_get(site, "headroom");
    if (!e && !h)
        return VG_OK;
    ve_ctx c = {.err = err};
    snprintf(c.at, sizeof c.at, "%s", at);
    report_view_energy *v = calloc(1, sizeof *v);
    if (!v)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    json_t *eo = ve_obj(&c, site, "energy"), *ho = ve_obj(&c, site, "headroom");
    size_t n = strlen(c.at);
    if (eo) {
        ve_push(&c, "energy");
        ve_energy(&c, eo, v);
        c.at[n] = '\0';
    }
    if (ho) {
        ve_push(&c, "headroom");
        ve_headroom(&c, ho, v);
        c.at[n] = '\0';
    }
    if (c.rc) {
        report_view_energy_free(v);
        return c.rc;
    }
    *out = v;
    return VG_OK;
}

void report_view_energy_free(report_view_energy *e)
{
    if (!e)
        return;
    free(e->days);
    free(e->ups);
    free(e->phases);
    free(e->coolers);
    free(e);
}
