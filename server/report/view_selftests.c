#include "config.h"
#include "report/view_selftests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a member is read ("sites[0].self_tests[1].last"), for the error; the first error is kept. */
typedef struct {
    char at[160];
    vg_err *err;
    vg_code rc;
} vs_ctx;

static void vs_bad(vs_ctx *c, const char *k, const char *what)
{
    if (c->rc)
        return;
    char field[224];
    snprintf(field, sizeof field, "%s%s%s", c->at, k ? "." : "", k ? k : "");
    c->rc = vg_fail_field(c->err, VG_E_INVALID, field, "report document: %s %s", field, what);
}

static json_t *vs_get(vs_ctx *c, const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        vs_bad(c, k, "is missing");
    return v;
}

/* An integer, or `null_as` for null when nullable. */
static int64_t vs_int(vs_ctx *c, const json_t *o, const char *k, bool nullable, int64_t null_as)
{
    json_t *v = vs_get(c, o, k);
    if (v && json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (v && !(nullable && json_is_null(v)))
        vs_bad(c, k, nullable ? "is neither an integer nor null" : "is not an integer");
    return null_as;
}

static const char *vs_str(vs_ctx *c, const json_t *o, const char *k, bool nullable)
{
    json_t *v = vs_get(c, o, k);
    if (v && json_is_string(v))
        return json_string_value(v);
    if (v && !(nullable && json_is_null(v)))
        vs_bad(c, k, nullable ? "is neither a string nor null" : "is not a string");
    return NULL;
}

static void vs_test(vs_ctx *c, const json_t *o, report_view_test *t)
{
    if (!json_is_object(o)) {
        vs_bad(c, NULL, "is not an object");
        return;
    }
    t->kind = vs_str(c, o, "kind", false);
    t->result = vs_str(c, o, "result", false);
    t->date = vs_str(c, o, "date", true);
    t->start = vs_int(c, o, "start", true, 0);
    t->end = vs_int(c, o, "end", true, 0);
    t->at = vs_int(c, o, "at", true, 0);
    t->duration = vs_int(c, o, "duration", true, -1);
}

/* o[k]: a test, or null (*has false). */
static void vs_maybe_test(vs_ctx *c, const json_t *o, const char *k, bool *has, report_view_test *t)
{
    json_t *v = vs_get(c, o, k);
    *has = v && !json_is_null(v);
    if (!*has)
        return;
    size_t n = strlen(c->at);
    snprintf(c->at + n, sizeof c->at - n, ".%s", k);
    vs_test(c, v, t);
    c->at[n] = '\0';
}

static void vs_ups(vs_ctx *c, const json_t *o, report_view_ups_tests *u)
{
    if (!json_is_object(o)) {
        vs_bad(c, NULL, "is not an object");
        return;
    }
    u->device = vs_str(c, o, "device", false);
    vs_maybe_test(c, o, "last", &u->has_last, &u->last);
    vs_maybe_test(c, o, "last_passed", &u->has_passed, &u->passed);
    u->age_days = vs_int(c, o, "age_days", true, -1);
    u->tests_in_period = vs_int(c, o, "tests_in_period", false, 0);
    u->passed_in_period = vs_int(c, o, "passed_in_period", false, 0);
    u->failed_in_period = vs_int(c, o, "failed_in_period", false, 0);
    json_t *arr = vs_get(c, o, "tests");
    if (arr && !json_is_array(arr))
        vs_bad(c, "tests", "is not an array");
    if (c->rc || !arr)
        return;
    u->tests = calloc(json_array_size(arr) + 1, sizeof *u->tests);
    if (!u->tests) {
        c->rc = vg_fail(c->err, VG_E_NOMEM, "out of memory");
        return;
    }
    size_t n = strlen(c->at);
    for (size_t i = 0; i < json_array_size(arr) && !c->rc; i++) {
        snprintf(c->at + n, sizeof c->at - n, ".tests[%zu]", i);
        vs_test(c, json_array_get(arr, i), &u->tests[u->ntests++]);
        c->at[n] = '\0';
    }
}

vg_code report_view_selftests_read(const json_t *site, const char *at, report_view_selftests **out, vg_err *err)
{
    *out = NULL;
    json_t *arr = json_object_get(site, "self_tests");
    if (!arr)
        return VG_OK;
    vs_ctx c = {.err = err};
    snprintf(c.at, sizeof c.at, "%s.self_tests", at);
    if (!json_is_array(arr)) {
        vs_bad(&c, NULL, "is not an array");
        return c.rc;
    }
    report_view_selftests *v = calloc(1, sizeof *v);
    if (v)
        v->ups = calloc(json_array_size(arr) + 1, sizeof *v->ups);
    if (!v || !v->ups) {
        free(v);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    size_t n = strlen(c.at);
    for (size_t i = 0; i < json_array_size(arr) && !c.rc; i++) {
        snprintf(c.at + n, sizeof c.at - n, "[%zu]", i);
        vs_ups(&c, json_array_get(arr, i), &v->ups[v->nups++]);
        c.at[n] = '\0';
    }
    if (c.rc) {
        report_view_selftests_free(v);
        return c.rc;
    }
    *out = v;
    return VG_OK;
}

void report_view_selftests_free(report_view_selftests *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nups; i++)
        free(v->ups[i].tests);
    free(v->ups);
    free(v);
}
