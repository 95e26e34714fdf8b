/* Maintenance windows in the API: one-off windows and recurring series (an RRULE of
 * sla/recurrence.h), listed occurrence by occurrence; one occurrence moved, edited or cancelled
 * without touching its series. Reads need an API token, changes one of role admin; each change is
 * logged (who, which window, never a token). doc/api.md, "Maintenance windows". */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_routes.h"
#include "log.h"
#include "sla/recurrence.h"

#define MT_SPAN_MAX (31LL * 86400) /* an occurrence or a window lasts at most 31 days */
#define MT_DATE_HINT "a date (YYYY-MM-DDTHH:MM in the site's time zone, or with its UTC offset) or Unix seconds"

/* A time given as Unix seconds or as a date in the zone tz; false with a 400 naming the field. */
static bool mt_time(json_t *j, const char *tz, const char *field, int64_t *out, api_reply *bad)
{
    vg_err err = {0};
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        if (*out >= 0 && *out <= API_TIME_MAX)
            return true;
        snprintf(err.msg, sizeof err.msg, "out of range: Unix seconds from 0 to %lld", (long long)API_TIME_MAX);
    } else if (json_is_string(j) && api_time_parse(json_string_value(j), tz, out, &err) == VG_OK) {
        return true;
    }
    char msg[VG_ERR_MAX + 128];
    snprintf(msg, sizeof msg, "%s%s%s", MT_DATE_HINT, err.msg[0] ? ": " : "", err.msg);
    *bad = api_error(400, field, msg);
    return false;
}

/* start < end, within MT_SPAN_MAX; false with a 400 naming end. */
static bool mt_span(int64_t start, int64_t end, api_reply *bad)
{
    if (end <= start)
        *bad = api_error(400, "end", "must be after start");
    else if (end - start > MT_SPAN_MAX)
        *bad = api_error(400, "end", "a maintenance window lasts at most 31 days");
    else
        return true;
    return false;
}

/* An error of the store as a reply: its field and message for what the caller got wrong. */
static api_reply mt_store_error(vg_code rc, const vg_err *err)
{
    if (rc == VG_E_INVALID || rc == VG_E_NOT_FOUND || rc == VG_E_CONFLICT)
        return api_error(vg_http_status(rc), err->field[0] ? err->field : NULL, err->msg);
    return api_error(vg_http_status(rc), NULL, "database error");
}

/* One window or occurrence as the listings give it. */
static json_t *mt_item_json(const api_ctx *ctx, const db_maint_item *it)
{
    json_t *o = json_pack("{s:I, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)it->id, "site",
                          it->site, "occurrence", (json_int_t)it->w.occurrence, "start", (json_int_t)it->w.start, "end",
                          (json_int_t)it->w.end, "service", it->w.service, "reason", it->w.reason, "who", it->w.who,
                          "rrule", it->rrule, "tz", it->tz[0] ? it->tz : api_site_tz(ctx, it->site));
    if (o && it->rrule[0]) {
        char fr[200], en[200];
        recur_describe(it->rrule, "fr", fr, sizeof fr);
        recur_describe(it->rrule, "en", en, sizeof en);
        json_object_set_new(o, "recurrence", json_pack("{s:s, s:s}", "fr", fr, "en", en));
        json_object_set_new(o, "moved", json_boolean(it->moved));
        json_object_set_new(o, "cancelled", json_boolean(it->cancelled));
        if (it->changed)
            json_object_set_new(o, "changed", json_integer(it->changed));
    }
    return o;
}

/* The windows of one site (NULL: every site) into list; *truncated as the store says. */
static bool mt_list_site(api_ctx *ctx, const char *site, int64_t from, int64_t to, json_t *list, bool *truncated)
{
    db_maint_item *items;
    size_t n;
    bool more = false;
    if (db_maintenance_items(api_db(ctx), site, from, to, true, &items, &n, &more, NULL) != VG_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, mt_item_json(ctx, &items[i]));
    free(items);
    *truncated = *truncated || more;
    return true;
}

static int mt_cmp_start(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "start"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "start"));
    return (x > y) - (x < y);
}

/* A limited scope's windows: site by site, so that neither another site's window nor its truncation
 * shows, then by start as the store lists them. */
static bool mt_list_scoped(api_ctx *ctx, const auth_principal *who, int64_t from, int64_t to, json_t *list,
                           bool *truncated)
{
    const server_config *cfg = ctx->cfg;
    for (size_t i = 0; i < cfg->nsites; i++)
        if (auth_may_see(who, cfg, cfg->sites[i].id) && !mt_list_site(ctx, cfg->sites[i].id, from, to, list, truncated))
            return false;
    size_t n = json_array_size(list);
    json_t **v = calloc(n + 1, sizeof *v);
    if (!v)
        return false;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(list, i));
    qsort(v, n, sizeof *v, mt_cmp_start);
    json_array_clear(list);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, v[i]);
    free(v);
    return true;
}

/* GET ?site&month|from&to: every window and occurrence meeting the period, cancelled ones flagged;
 * a limited scope's sites only. */
api_reply api_route_maintenance_list(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    const char *site;
    int64_t from, to;
    if (!api_sla_read_window(ctx, req, &site, &from, &to, &deny))
        return deny;
    const auth_principal *who = api_who(ctx, req);
    json_t *list = json_array();
    bool truncated = false;
    if (!(!site && api_scope_limited(who) ? mt_list_scoped(ctx, who, from, to, list, &truncated)
                                          : mt_list_site(ctx, site, from, to, list, &truncated))) {
        json_decref(list);
        return api_error(500, NULL, "database error");
    }
    return api_json_reply(200, json_pack("{s:I, s:I, s:b, s:o}", "from", (json_int_t)from, "to", (json_int_t)to,
                                         "truncated", truncated, "maintenance", list));
}

/* The checks of a new window's fields, and its declaration (for a site of scope's: another is unknown). */
static api_reply mt_add(api_ctx *ctx, json_t *o, const auth_principal *scope, int64_t now)
{
    const char *who = scope->name;
    const char *site = json_string_value(json_object_get(o, "site"));
    const char *service = json_string_value(json_object_get(o, "service"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    json_t *jr = json_object_get(o, "rrule");
    const char *rrule = json_string_value(jr);
    api_reply r;
    int64_t start = 0, end = 0;
    const char *tz = site ? api_site_tz(ctx, site) : "Europe/Paris";
    if (!site || !name_is_valid(site))
        return api_error(400, "site", "a valid site name is required");
    if (!server_config_site(ctx->cfg, site) || !api_scope_sees(scope, ctx->cfg, site))
        return api_error(404, "site", "no such site in server.yaml");
    if (service && (strlen(service) >= 32 || !metric_name_is_valid(service)))
        return api_error(400, "service", "a service name such as power, cooling, network, environment");
    if (!reason || !*reason || !text_is_valid(reason, 127))
        return api_error(400, "reason", "a reason of at most 127 printable characters is required");
    if (jr && !json_is_null(jr) && (!rrule || !*rrule))
        return api_error(400, "rrule", "a rule such as FREQ=MONTHLY;BYDAY=1TU (RFC 5545), or no rrule for a one-off");
    if (!mt_time(json_object_get(o, "start"), tz, "start", &start, &r) ||
        !mt_time(json_object_get(o, "end"), tz, "end", &end, &r) || !mt_span(start, end, &r))
        return r;
    int64_t id = 0;
    vg_err err;
    vg_code rc = rrule ? db_maintenance_add_series(api_db(ctx), site, service ? service : "", start, end, rrule, tz,
                                                   reason, who, now, &id, &err)
                       : db_maintenance_add(api_db(ctx), site, service ? service : "", start, end, reason, who, now,
                                            &id, &err);
    db_maint_item it;
    if (rc == VG_OK)
        rc = db_maintenance_get(api_db(ctx), id, &it, &err);
    if (rc != VG_OK)
        return mt_store_error(rc, &err);
    log_info("api", "maintenance %lld declared by %s for %s%s%s%s%s", (long long)id, who, site, service ? "/" : "",
             service ? service : "", it.rrule[0] ? ", repeating " : "", it.rrule);
    json_t *doc = mt_item_json(ctx, &it);
    json_object_del(doc, "occurrence");
    return api_json_reply(201, doc);
}

/* POST {"site", "service" (optional), "start", "end", "reason", "rrule" (optional)}: start and end as
 * in from/to, the first occurrence of a series. */
api_reply api_route_maintenance_add(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &deny))
        return deny;
    const auth_principal *who = api_who(ctx, req);
    json_error_t jerr;
    json_t *o = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return api_error(400, "body", "a JSON object {site, service, start, end, reason, rrule} is required");
    }
    api_reply r = mt_add(ctx, o, who, (int64_t)req->now);
    json_decref(o);
    return r;
}

/* "/api/v1/maintenance/ID" or ".../ID/occurrences/OCC": the id, and OCC's text (NULL without). */
static bool mt_path(const char *path, int64_t *id, const char **occ, api_reply *bad)
{
    const char *p = path + strlen("/api/v1/maintenance/");
    size_t digits = strspn(p, "0123456789");
    *occ = NULL;
    if (digits == 0 || digits > 18 || (p[digits] && p[digits] != '/') || (*id = strtoll(p, NULL, 10)) <= 0) {
        *bad = api_error(400, "id", "a maintenance window id is a positive integer");
        return false;
    }
    if (!p[digits])
        return true;
    static const char sub[] = "/occurrences/";
    if (strncmp(p + digits, sub, strlen(sub)) != 0 || !p[digits + strlen(sub)] || strlen(p + digits) > 80) {
        *bad = api_error(404, NULL, "no such endpoint: /api/v1/maintenance/ID or /api/v1/maintenance/ID/occurrences/OCC");
        return false;
    }
    *occ = p + digits + strlen(sub);
    return true;
}

/* The window or series ID, when the caller sees its site: one of another site does not exist for it. */
static bool mt_get(api_ctx *ctx, const api_request *req, int64_t id, db_maint_item *s, api_reply *bad)
{
    vg_err err;
    vg_code rc = db_maintenance_get(api_db(ctx), id, s, &err);
    if (rc == VG_OK && !api_scope_sees(api_who(ctx, req), ctx->cfg, s->site))
        rc = VG_E_NOT_FOUND;
    if (rc != VG_OK) {
        *bad = rc == VG_E_NOT_FOUND ? api_error(404, "id", "no such maintenance window") : mt_store_error(rc, &err);
        return false;
    }
    return true;
}

/* The series of ID and OCC's instant (Unix seconds, or a date in the series' zone). */
static bool mt_occurrence(api_ctx *ctx, const api_request *req, int64_t id, const char *occ_text, db_maint_item *s,
                          int64_t *occ, api_reply *bad)
{
    vg_err err;
    if (!mt_get(ctx, req, id, s, bad))
        return false;
    if (api_time_parse(occ_text, s->tz[0] ? s->tz : api_site_tz(ctx, s->site), occ, &err) != VG_OK) {
        char msg[VG_ERR_MAX + 128];
        snprintf(msg, sizeof msg, "the occurrence's start as the rule gives it, %s: %s", MT_DATE_HINT, err.msg);
        *bad = api_error(400, "occurrence", msg);
        return false;
    }
    return true;
}

api_reply api_route_maintenance_delete(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &deny))
        return deny;
    const char *who = api_who(ctx, req)->name, *occ_text;
    int64_t id, occ;
    if (!mt_path(req->path, &id, &occ_text, &deny))
        return deny;
    vg_err err;
    vg_code rc;
    db_maint_item s;
    if (!occ_text) {
        /* read first: the reply names what is gone, and the audit trail keeps the reply of a DELETE, so
         * that the report of its month can say who deleted it and when (report_changes.h) */
        if (!mt_get(ctx, req, id, &s, &deny))
            return deny;
        if ((rc = db_maintenance_delete(api_db(ctx), id, &err)) == VG_E_NOT_FOUND)
            return api_error(vg_http_status(rc), "id", "no such maintenance window");
        if (rc != VG_OK)
            return api_error(vg_http_status(rc), NULL, "database error");
        log_info("api", "maintenance %lld deleted by %s", (long long)id, who);
        return api_json_reply(200, json_pack("{s:I, s:b, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)id,
                                             "deleted", 1, "site", s.site, "service", s.w.service, "start",
                                             (json_int_t)s.w.start, "end", (json_int_t)s.w.end, "rrule", s.rrule,
                                             "who", s.w.who, "reason", s.w.reason));
    }
    if (!mt_occurrence(ctx, req, id, occ_text, &s, &occ, &deny))
        return deny;
    if ((rc = db_maintenance_occurrence_cancel(api_db(ctx), id, occ, who, (int64_t)req->now, &err)) != VG_OK)
        return mt_store_error(rc, &err);
    log_info("api", "maintenance %lld: occurrence %lld cancelled by %s", (long long)id, (long long)occ, who);
    return api_json_reply(200, json_pack("{s:I, s:I, s:b}", "id", (json_int_t)id, "occurrence", (json_int_t)occ,
                                         "cancelled", 1));
}

/* The new times and reason of an occurrence from the body: a start alone moves it whole, an end
 * alone changes its end, what is absent stays as it is now. */
static bool mt_change(json_t *o, const char *tz, const db_maint_item *now, int64_t *start, int64_t *end,
                      const char **reason, api_reply *bad)
{
    json_t *js = json_object_get(o, "start"), *je = json_object_get(o, "end"), *jr = json_object_get(o, "reason");
    *start = now->w.start;
    *end = now->w.end;
    *reason = jr ? json_string_value(jr) : NULL;
    if (!js && !je && !jr) {
        *bad = api_error(400, "body", "give start, end or reason: what changes in this occurrence");
        return false;
    }
    if (jr && (!*reason || !**reason || !text_is_valid(*reason, 127))) {
        *bad = api_error(400, "reason", "a reason of at most 127 printable characters");
        return false;
    }
    if (js && !mt_time(js, tz, "start", start, bad))
        return false;
    if (!je)
        *end = *start + (now->w.end - now->w.start);
    else if (!mt_time(je, tz, "end", end, bad))
        return false;
    return mt_span(*start, *end, bad);
}

/* PUT .../ID/occurrences/OCC {start?, end?, reason?}: moves or edits one occurrence (a cancelled one
 * comes back). */
api_reply api_route_maintenance_put(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &r))
        return r;
    const char *who = api_who(ctx, req)->name, *occ_text;
    int64_t id, occ, start, end;
    if (!mt_path(req->path, &id, &occ_text, &r))
        return r;
    if (!occ_text)
        return api_error(404, NULL, "PUT goes to /api/v1/maintenance/ID/occurrences/OCC: one occurrence of a series");
    db_maint_item s, cur;
    vg_err err;
    vg_code rc;
    if (!mt_occurrence(ctx, req, id, occ_text, &s, &occ, &r))
        return r;
    if ((rc = db_maintenance_occurrence_get(api_db(ctx), id, occ, &cur, &err)) != VG_OK)
        return mt_store_error(rc, &err);
    json_error_t jerr;
    json_t *o = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
    const char *reason;
    if (!o || !json_is_object(o))
        r = api_error(400, "body", "a JSON object {start, end, reason} (each optional) is required");
    else if (mt_change(o, s.tz, &cur, &start, &end, &reason, &r)) {
        rc = db_maintenance_occurrence_set(api_db(ctx), id, occ, start, end, reason ? reason : cur.w.reason, who,
                                           (int64_t)req->now, &err);
        if (rc == VG_OK)
            rc = db_maintenance_occurrence_get(api_db(ctx), id, occ, &cur, &err);
        if (rc != VG_OK)
            r = mt_store_error(rc, &err);
        else {
            log_info("api", "maintenance %lld: occurrence %lld moved or edited by %s (%lld to %lld)", (long long)id,
                     (long long)occ, who, (long long)start, (long long)end);
            r = api_json_reply(200, mt_item_json(ctx, &cur));
        }
    }
    json_decref(o);
    return r;
}
