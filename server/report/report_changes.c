#include "config.h"
#include "report/report_changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/i18n.h"
#include "store/db_audit.h"

void report_changes_window(json_t *w, int64_t created, int64_t changed)
{
    json_object_set_new(w, "created", json_integer(created));
    json_object_set_new(w, "changed", changed ? json_integer(changed) : json_null());
}

json_t *report_changes_cancelled(db *d, const char *site, int64_t from, int64_t to)
{
    json_t *arr = json_array();
    db_maint_item *w = NULL;
    size_t n = 0, kept = 0;
    if (db_maintenance_items(d, site, from, to, true, &w, &n, NULL, NULL) != VG_OK)
        return arr;
    for (size_t i = 0; i < n && kept < REPORT_CHANGES_MAX; i++) {
        if (!w[i].cancelled)
            continue;
        kept++;
        json_array_append_new(arr, json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:I}", "id", (json_int_t)w[i].id,
                                             "service", w[i].w.service, "start", (json_int_t)w[i].w.start, "end",
                                             (json_int_t)w[i].w.end, "reason", w[i].w.reason, "who", w[i].w.who,
                                             "cancelled", (json_int_t)w[i].changed));
    }
    free(w);
    report_changes_deleted(d, site, from, to, arr);
    return arr;
}

typedef struct {
    const char *site;
    int64_t from, to;
    json_t *arr;
    size_t kept;
} rc_deleted_walk;

/* One "maintenance.delete" entry of the trail: its detail is the DELETE's reply, naming the window. */
static bool rc_deleted_row(void *ctx, const db_audit_row *r)
{
    rc_deleted_walk *w = ctx;
    if (strcmp(r->outcome, "200") != 0 || r->ts < w->from)
        return true; /* refused; or deleted before the period began, when it had changed none of its figures */
    json_error_t jerr;
    json_t *o = json_loads(r->detail, JSON_REJECT_DUPLICATES, &jerr);
    const char *site = json_string_value(json_object_get(o, "site"));
    json_t *start = json_object_get(o, "start"), *end = json_object_get(o, "end");
    const char *rrule = json_string_value(json_object_get(o, "rrule"));
    bool series = rrule && rrule[0];
    /* a one-off window of the period, or a series begun before its end (its occurrences are not
     * expanded again: the series is named once) */
    if (site && strcmp(site, w->site) == 0 && json_is_integer(start) && json_is_integer(end) &&
        json_integer_value(start) < w->to && (series || json_integer_value(end) > w->from) && w->kept < REPORT_CHANGES_MAX) {
        w->kept++;
        json_t *reason = json_object_get(o, "reason"), *service = json_object_get(o, "service");
        json_array_append_new(w->arr, json_pack("{s:I, s:s, s:O, s:O, s:s, s:s, s:I, s:b, s:s}", "id",
                                                json_integer_value(json_object_get(o, "id")),
                                                "service", json_is_string(service) ? json_string_value(service) : "",
                                                "start", start, "end", end, "reason",
                                                json_is_string(reason) ? json_string_value(reason) : "", "who", r->who,
                                                "cancelled", (json_int_t)r->ts, "deleted", 1, "rrule",
                                                series ? rrule : ""));
    }
    json_decref(o);
    return true;
}

void report_changes_deleted(db *d, const char *site, int64_t from, int64_t to, json_t *arr)
{
    rc_deleted_walk w = {site, from, to, arr, 0};
    db_audit_filter f = {.since = from, .action = "maintenance.delete"};
    vg_err err;
    (void)db_audit_each(d, &f, rc_deleted_row, &w, NULL, &err); /* the report goes on without them */
}

static int64_t rc_int(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static const char *rc_str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

void report_changes_read_window(const json_t *e, report_view_window *w)
{
    w->created = rc_int(e, "created");
    w->changed = rc_int(e, "changed");
}

void report_changes_read_cancelled(const json_t *o, report_view_window **out, size_t *n)
{
    const json_t *arr = json_object_get(o, "maintenance_cancelled");
    size_t m = json_is_array(arr) ? json_array_size(arr) : 0;
    *out = NULL;
    *n = 0;
    if (m > REPORT_CHANGES_MAX)
        m = REPORT_CHANGES_MAX;
    if (m == 0 || !(*out = calloc(m, sizeof **out)))
        return;
    for (size_t i = 0; i < m; i++) {
        const json_t *e = json_array_get(arr, i);
        report_view_window *w = &(*out)[(*n)++];
        w->id = rc_int(e, "id");
        w->service = rc_str(e, "service");
        w->start = rc_int(e, "start");
        w->end = rc_int(e, "end");
        w->reason = rc_str(e, "reason");
        w->who = rc_str(e, "who");
        w->rrule = "";
        w->recurring = true;
        w->changed = rc_int(e, "cancelled");
        w->deleted = json_is_true(json_object_get(e, "deleted"));
        if (w->deleted && rc_str(e, "rrule")[0])
            w->rrule = rc_str(e, "rrule");
    }
}

void report_changes_by(report_lang l, const report_view_window *w, const char *tz, char *out, size_t size)
{
    char t[64];
    int64_t when = w->moved && w->changed ? w->changed : w->created;
    if (when <= 0) {
        snprintf(out, size, "%s", w->who);
        return;
    }
    report_render_time(l, when, tz, t, sizeof t);
    if (w->moved && w->changed)
        snprintf(out, size, TR(l, "déplacée par %s, %s", "moved by %s, %s"), w->who, t);
    else
        snprintf(out, size, "%s, %s", w->who, t);
}

void report_changes_cancelled_by(report_lang l, const report_view_window *w, const char *tz, char *out, size_t size)
{
    char t[64] = "";
    if (w->changed > 0)
        report_render_time(l, w->changed, tz, t, sizeof t);
    if (w->deleted)
        snprintf(out, size, TR(l, "%s supprimée par %s%s%s", "%s deleted by %s%s%s"),
                 w->rrule[0] ? TR(l, "série", "series") : TR(l, "fenêtre", "window"), w->who, t[0] ? ", " : "", t);
    else
        snprintf(out, size, TR(l, "annulée par %s%s%s", "cancelled by %s%s%s"), w->who, t[0] ? ", " : "", t);
}

void report_changes_cancelled_line(report_lang l, const report_view_window *w, const char *tz, const vocab *words,
                                   char *out, size_t size)
{
    char a[64], e[64], by[160];
    report_render_time(l, w->start, tz, a, sizeof a);
    report_render_time(l, w->end, tz, e, sizeof e);
    report_changes_cancelled_by(l, w, tz, by, sizeof by);
    snprintf(out, size, TR(l, "%s – %s, %s, %s : %s", "%s – %s, %s, %s: %s"), a, e,
             *w->service ? i18n_service(words, l, w->service) : TR(l, "tout le site", "whole site"), w->reason, by);
}
