#include "config.h"
#include "sla/selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a UPS's recorded tests amount to at a time: the last test, the last pass and its age, a test
 * running now, the tests of a period; for the API, the CLI, the dashboard, the report and the alert. */

vg_code selftest_ups_get(db *d, const server_config *cfg, const char *site, const char *device, int64_t when,
                         selftest_ups *out, vg_err *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->device, sizeof out->device, "%s", device);
    out->age_days = -1;
    vg_code rc;
    if ((rc = db_selftest_last(d, site, device, SELFTEST_KIND_TEST, NULL, when + 1, &out->last, &out->has_last,
                               err)) != VG_OK ||
        (rc = db_selftest_last(d, site, device, SELFTEST_KIND_TEST, "passed", when + 1, &out->passed,
                               &out->has_passed, err)) != VG_OK ||
        (rc = db_selftest_last(d, site, device, SELFTEST_KIND_CALIBRATION, NULL, when + 1, &out->calibration,
                               &out->has_calibration, err)) != VG_OK ||
        (rc = db_selftest_first_seen(d, site, device, SELFTEST_KIND_TEST, &out->watched_since, err)) != VG_OK)
        return rc;
    if (out->has_passed && out->passed.at > 0 && out->passed.at <= when)
        out->age_days = (when - out->passed.at) / 86400;
    /* running: the newest test of either kind is in progress and was seen so lately */
    int64_t cover = (int64_t)SELFTEST_COVER_STEPS * cfg->step;
    const db_selftest *cand[2] = {out->has_last ? &out->last : NULL, out->has_calibration ? &out->calibration : NULL};
    for (int i = 0; i < 2; i++)
        if (cand[i] && strcmp(cand[i]->result, SELFTEST_IN_PROGRESS) == 0 && cand[i]->last + cover >= when) {
            out->in_progress = true;
            snprintf(out->in_progress_kind, sizeof out->in_progress_kind, "%s", cand[i]->kind);
            out->in_progress_since = cand[i]->start;
        }
    return VG_OK;
}

typedef struct {
    char (*names)[NAME_MAX_LEN + 1];
    size_t n;
} st_names;

static void st_names_add(st_names *l, const char *device)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->names[i], device) == 0)
            return;
    if (l->n < SELFTEST_SITE_UPS_MAX)
        snprintf(l->names[l->n++], NAME_MAX_LEN + 1, "%s", device);
}

static void st_add_ups(void *ctx, const char *device, const char *cls, const char *profile, int64_t seen)
{
    (void)profile;
    (void)seen;
    if (strcmp(cls, "ups") == 0)
        st_names_add(ctx, device);
}

static void st_add_tested(void *ctx, const char *device) { st_names_add(ctx, device); }

static int st_cmp_names(const void *a, const void *b) { return strcmp(a, b); }

vg_code selftest_site_ups(db *d, const char *site, char (**names)[NAME_MAX_LEN + 1], size_t *n, vg_err *err)
{
    st_names l = {calloc(SELFTEST_SITE_UPS_MAX, sizeof *l.names), 0};
    *names = NULL;
    *n = 0;
    if (!l.names)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    vg_code rc = db_devices_each(d, site, st_add_ups, &l);
    if (rc != VG_OK)
        vg_fail(err, rc, "site %s: cannot read its devices", site);
    else
        rc = db_selftest_devices(d, site, st_add_tested, &l, err);
    if (rc != VG_OK) {
        free(l.names);
        return rc;
    }
    qsort(l.names, l.n, sizeof *l.names, st_cmp_names);
    *names = l.names;
    *n = l.n;
    return VG_OK;
}

static json_t *st_time(int64_t t) { return t > 0 ? json_integer(t) : json_null(); }

json_t *selftest_test_json(const db_selftest *t)
{
    json_t *o = json_pack("{s:s, s:s}", "kind", t->kind, "result", t->result);
    json_object_set_new(o, "start", st_time(t->start));
    json_object_set_new(o, "end", st_time(t->end));
    json_object_set_new(o, "at", st_time(t->at));
    json_object_set_new(o, "date", t->date[0] ? json_string(t->date) : json_null());
    json_object_set_new(o, "duration", t->start > 0 && t->end >= t->start ? json_integer(t->end - t->start)
                                                                            : json_null());
    return o;
}

static json_t *st_maybe(bool has, const db_selftest *t) { return has ? selftest_test_json(t) : json_null(); }

/* One UPS's object (selftest.h); NULL with err. */
static json_t *st_ups_json(db *d, const server_config *cfg, const char *site, const char *device, int64_t from,
                           int64_t until, int64_t when, vg_err *err)
{
    selftest_ups u;
    db_selftest *tests = NULL;
    size_t n = 0;
    if (selftest_ups_get(d, cfg, site, device, when, &u, err) != VG_OK ||
        db_selftest_list(d, site, device, from, until, SELFTEST_LIST_MAX, &tests, &n, err) != VG_OK)
        return NULL;
    json_t *o = json_pack("{s:s, s:b}", "device", device, "in_progress", u.in_progress);
    json_object_set_new(o, "in_progress_kind", u.in_progress ? json_string(u.in_progress_kind) : json_null());
    json_object_set_new(o, "in_progress_since", u.in_progress ? st_time(u.in_progress_since) : json_null());
    json_object_set_new(o, "last", st_maybe(u.has_last, &u.last));
    json_object_set_new(o, "last_passed", st_maybe(u.has_passed, &u.passed));
    json_object_set_new(o, "age_days", u.age_days >= 0 ? json_integer(u.age_days) : json_null());
    json_object_set_new(o, "calibration", st_maybe(u.has_calibration, &u.calibration));
    json_object_set_new(o, "watched_since", st_time(u.watched_since));
    json_t *arr = json_array();
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, selftest_test_json(&tests[i]));
        passed += strcmp(tests[i].result, "passed") == 0;
        failed += strcmp(tests[i].result, "failed") == 0;
    }
    json_object_set_new(o, "tests", arr);
    json_object_set_new(o, "tests_in_period", json_integer((json_int_t)n));
    json_object_set_new(o, "passed_in_period", json_integer(passed));
    json_object_set_new(o, "failed_in_period", json_integer(failed));
    free(tests);
    return o;
}

vg_code selftest_site_json(db *d, const server_config *cfg, const char *site, int64_t from, int64_t until,
                           int64_t when, json_t **out, vg_err *err)
{
    char (*names)[NAME_MAX_LEN + 1] = NULL;
    size_t n = 0;
    *out = NULL;
    vg_code rc = selftest_site_ups(d, site, &names, &n, err);
    if (rc != VG_OK)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; i < n && rc == VG_OK; i++) {
        json_t *o = st_ups_json(d, cfg, site, names[i], from, until, when, err);
        if (!o)
            rc = err && err->code ? err->code : VG_E_IO;
        else
            json_array_append_new(arr, o);
    }
    free(names);
    if (rc != VG_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return VG_OK;
}
