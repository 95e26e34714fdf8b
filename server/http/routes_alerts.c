/* api_alerts: on-call alerts, silences and test notifications.
 *
 *   GET    /api/v1/alerts            ?site=S&state=firing|acknowledged|resolved&severity=warning|critical
 *   POST   /api/v1/alerts/ID/ack     {"comment": "..."} (admin token; who = the token's name)
 *   GET    /api/v1/silences          silences not yet over
 *   POST   /api/v1/silences          {"site", "device"?, "duration": 7200 | "2h", "start"?, "reason"} (admin)
 *   DELETE /api/v1/silences/ID       (admin)
 *   POST   /api/v1/test-notify       {"contact": NAME} (admin): queued, sent by the next tick */
#include "config.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/alerts.h"
#include "http/api_routes.h"
#include "names.h"
#include "store/alert_store.h"

static const char *aa_arg(const api_request *req, const char *name)
{
    return req->arg ? req->arg(req->arg_ctx, name) : NULL;
}

#define AA_LIST_MAX 1000 /* alerts_list's newest */

static int aa_cmp_newest(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "id"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "id"));
    return (x < y) - (x > y);
}

/* A limited scope's alerts without site=: site by site, so that other sites' alerts do not take the
 * places of its own among the newest AA_LIST_MAX; then newest first again. NULL on a database error. */
static json_t *aa_list_scoped(api_ctx *ctx, const auth_principal *who, const char *state, const char *sev, int64_t now)
{
    const server_config *cfg = ctx->cfg;
    json_t *all = json_array();
    for (size_t i = 0; all && i < cfg->nsites; i++) {
        if (!auth_may_see(who, cfg, cfg->sites[i].id))
            continue;
        json_t *part = alerts_list(api_db(ctx), cfg->sites[i].id, state, sev, now);
        if (!part || json_array_extend(all, part) != 0) {
            json_decref(part);
            json_decref(all);
            return NULL;
        }
        json_decref(part);
    }
    size_t n = json_array_size(all);
    json_t **v = calloc(n + 1, sizeof *v);
    if (!v) {
        json_decref(all);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(all, i));
    qsort(v, n, sizeof *v, aa_cmp_newest);
    json_array_clear(all);
    for (size_t i = 0; i < n; i++)
        if (i < AA_LIST_MAX)
            json_array_append_new(all, v[i]);
        else
            json_decref(v[i]);
    free(v);
    return all;
}

api_reply api_route_alerts_list(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny))
        return deny;
    const char *site = aa_arg(req, "site"), *state = aa_arg(req, "state"), *sev = aa_arg(req, "severity");
    if (site && !name_is_valid(site))
        return api_error(400, "site", "not a valid site name");
    if (!api_scope_site_arg(ctx, req, site, &deny))
        return deny;
    if (state && strcmp(state, "firing") && strcmp(state, "acknowledged") && strcmp(state, "resolved"))
        return api_error(400, "state", "firing, acknowledged or resolved");
    if (sev && strcmp(sev, "warning") && strcmp(sev, "critical"))
        return api_error(400, "severity", "warning or critical");
    const auth_principal *who = api_who(ctx, req);
    json_t *arr = !site && api_scope_limited(who) ? aa_list_scoped(ctx, who, state, sev, (int64_t)req->now)
                                                  : alerts_list(api_db(ctx), site, state, sev, (int64_t)req->now);
    if (!arr)
        return api_error(500, NULL, "database error");
    return api_json_reply(200, json_pack("{s:I, s:o}", "now", (json_int_t)req->now, "alerts", arr));
}

/* Whether alert (or silence) id exists for the caller: of a site in its scope. Another site's is
 * answered as one that does not exist; a database error gives *failed. */
static bool aa_visible(api_ctx *ctx, const api_request *req, bool silence, int64_t id, bool *failed)
{
    const auth_principal *who = api_who(ctx, req);
    *failed = false;
    if (!api_scope_limited(who))
        return true; /* the store says whether it exists */
    char site[NAME_MAX_LEN + 1];
    bool found = false;
    if (alert_store_site_of(api_db(ctx), silence, id, site, &found, NULL) != VG_OK) {
        *failed = true;
        return false;
    }
    return found && auth_may_see(who, ctx->cfg, site);
}

static json_t *aa_body(const api_request *req)
{
    json_error_t jerr;
    json_t *o = req->len ? json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr) : json_object();
    if (o && !json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* POST /api/v1/alerts/ID/ack */
api_reply api_route_alert_ack(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &deny))
        return deny;
    const char *p = req->path + strlen("/api/v1/alerts/");
    char *end;
    long long id = strtoll(p, &end, 10);
    if (end == p || id <= 0 || strcmp(end, "/ack") != 0)
        return api_error(404, NULL, "no such endpoint: POST /api/v1/alerts/ID/ack");
    bool failed;
    if (!aa_visible(ctx, req, false, id, &failed))
        return failed ? api_error(500, NULL, "database error") : api_error(404, "id", "no firing alert with this id");
    json_t *o = aa_body(req);
    if (!o)
        return api_error(400, "body", "a JSON object {\"comment\": ...} is expected");
    const char *comment = json_string_value(json_object_get(o, "comment"));
    api_reply r;
    if (comment && !text_is_valid(comment, 255)) {
        r = api_error(400, "comment", "at most 255 printable characters");
    } else {
        const auth_principal *who = api_who(ctx, req);
        vg_code rc = alerts_ack(api_db(ctx), id, who->name, comment ? comment : "", (int64_t)req->now, NULL);
        if (rc == VG_E_NOT_FOUND)
            r = api_error(vg_http_status(rc), "id", "no firing alert with this id");
        else if (rc != VG_OK)
            r = api_error(vg_http_status(rc), NULL, "database error");
        else
            r = api_json_reply(200, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "state", "acknowledged",
                                              "ack_by", who->name));
    }
    json_decref(o);
    return r;
}

api_reply api_route_silences_list(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &deny))
        return deny;
    json_t *arr = alerts_silences(api_db(ctx), (int64_t)req->now);
    if (!arr)
        return api_error(500, NULL, "database error");
    api_scope_filter(api_who(ctx, req), ctx->cfg, arr, "site");
    return api_json_reply(200, json_pack("{s:I, s:o}", "now", (json_int_t)req->now, "silences", arr));
}

/* "2h", "30m", "1d", "90s", "3600" -> seconds; -1 when not a duration. */
static long long aa_duration(const json_t *j)
{
    if (json_is_integer(j))
        return json_integer_value(j);
    const char *s = json_string_value(j);
    if (!s || !*s)
        return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0)
        return -1;
    if (v > 31 * 86400)
        return LLONG_MAX; /* past any bound, and v * mult cannot overflow below */
    long long mult = !*end || strcmp(end, "s") == 0 ? 1 : strcmp(end, "m") == 0 ? 60 : strcmp(end, "h") == 0 ? 3600
                   : strcmp(end, "d") == 0 ? 86400 : -1;
    return mult < 0 ? -1 : v * mult;
}

api_reply api_route_silences_add(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &deny))
        return deny;
    json_t *o = aa_body(req);
    if (!o)
        return api_error(400, "body", "a JSON object {site, device, duration, reason} is required");
    const char *site = json_string_value(json_object_get(o, "site"));
    const char *device = json_string_value(json_object_get(o, "device"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    long long duration = aa_duration(json_object_get(o, "duration"));
    json_t *js = json_object_get(o, "start");
    int64_t start = json_is_integer(js) ? json_integer_value(js) : (int64_t)req->now;
    api_reply r;
    if (!site || !name_is_valid(site))
        r = api_error(400, "site", "a valid site name is required");
    else if (!api_scope_sees(api_who(ctx, req), ctx->cfg, site))
        r = api_no_such_site();
    else if (device && !name_is_valid(device))
        r = api_error(400, "device", "not a valid device name");
    else if (!reason || !*reason || !text_is_valid(reason, 127))
        r = api_error(400, "reason", "a reason of at most 127 printable characters is required");
    else if (duration <= 0 || duration > 31 * 86400)
        r = api_error(400, "duration", "a duration such as 7200, \"2h\", \"30m\" or \"1d\" (at most 31 days)");
    else if (js && (!json_is_integer(js) || start < 0 || start > API_TIME_MAX))
        r = api_error(400, "start", "Unix seconds, from 0 to 9999-12-31");
    else {
        const auth_principal *who = api_who(ctx, req);
        int64_t id = 0;
        vg_code rc = alerts_silence_add(api_db(ctx), site, device, start, start + duration, reason, who->name,
                                        (int64_t)req->now, &id, NULL);
        r = rc != VG_OK ? api_error(vg_http_status(rc), NULL, "database error")
                   : api_json_reply(201, json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s}", "id", (json_int_t)id, "site",
                                                   site, "device", device ? device : "", "start", (json_int_t)start,
                                                   "end", (json_int_t)(start + duration), "reason", reason, "who",
                                                   who->name));
    }
    json_decref(o);
    return r;
}

api_reply api_route_silences_delete(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &deny))
        return deny;
    const char *p = req->path + strlen("/api/v1/silences/");
    char *end;
    long long id = strtoll(p, &end, 10);
    if (!*p || *end || id <= 0)
        return api_error(400, "id", "a silence id is a positive integer");
    bool failed;
    if (!aa_visible(ctx, req, true, id, &failed))
        return failed ? api_error(500, NULL, "database error") : api_error(404, "id", "no such silence");
    vg_code rc = alerts_silence_delete(api_db(ctx), id, NULL);
    if (rc == VG_E_NOT_FOUND)
        return api_error(vg_http_status(rc), "id", "no such silence");
    if (rc != VG_OK)
        return api_error(vg_http_status(rc), NULL, "database error");
    return api_json_reply(200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

api_reply api_route_test_notify(api_ctx *ctx, const api_request *req)
{
    api_reply deny;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &deny))
        return deny;
    json_t *o = aa_body(req);
    const char *contact = o ? json_string_value(json_object_get(o, "contact")) : NULL;
    api_reply r;
    if (!contact || !name_is_valid(contact)) {
        r = api_error(400, "contact", "a JSON object {\"contact\": NAME} naming a contact of alerting.contacts");
    } else {
        const auth_principal *who = api_who(ctx, req);
        int n = 0;
        vg_code rc = alerts_test_notify(api_db(ctx), ctx->cfg, contact, who->name, (int64_t)req->now, &n, NULL);
        if (rc != VG_OK)
            r = api_error(vg_http_status(rc), "contact", "no such contact in alerting.contacts");
        else
            r = api_json_reply(202, json_pack("{s:s, s:i, s:s}", "contact", contact, "queued", n, "note",
                                              "sent by the server's next alerting round (a few seconds)"));
    }
    json_decref(o);
    return r;
}
