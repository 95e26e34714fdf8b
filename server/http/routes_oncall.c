/* routes_oncall: on-call rotations (alerting/oncall.h) and their overrides (store/db_oncall.h).
 *
 *   GET    /api/v1/oncall[?at=DATE]              each rotation: who is on call, since, until, who is next
 *   GET    /api/v1/oncall/overrides[?rotation=R] overrides not yet over (at= for another instant)
 *   POST   /api/v1/oncall/overrides              {rotation, who, from, to, reason?} (operator, audited)
 *   DELETE /api/v1/oncall/overrides/ID           (operator, audited)
 *   GET    /api/v1/oncall.ics?rotation=R         the next ONCALL_ICS_WEEKS weeks as iCalendar
 *
 * DATEs are Unix seconds or YYYY-MM-DD[THH:MM] in the rotation's zone (the first rotation's for at=). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/oncall.h"
#include "http/api_routes.h"
#include "names.h"

#define RO_WEEKS ((int64_t)ONCALL_ICS_WEEKS * 7 * 86400)
/* GET /api/v1/oncall reads the overrides from a year before at: a stretch's start may lie that far */
#define RO_BEFORE (366LL * 86400)

static const oncall_config *ro_cfg(const api_ctx *ctx) { return ctx->cfg->alerting->oncall; }

static const char *ro_zone(const api_ctx *ctx, const oncall_rotation *r)
{
    const oncall_config *c = ro_cfg(ctx);
    return r ? r->tz : c && c->nrotations ? c->rotations[0].tz : api_site_tz(ctx, NULL);
}

static json_t *ro_override_json(const db_oncall_override *o)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:I, s:s}", "id", (json_int_t)o->id, "rotation", o->rotation,
                     "who", o->who, "start", (json_int_t)o->start, "end", (json_int_t)o->end, "reason", o->reason,
                     "created", (json_int_t)o->created, "created_by", o->created_by);
}

api_reply api_route_oncall(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &r))
        return r;
    int64_t at = (int64_t)req->now;
    if (!api_time_arg(req, "at", ro_zone(ctx, NULL), &at, &r))
        return r;
    db_oncall_override *ov = NULL;
    size_t nov = 0;
    if (db_oncall_overrides(api_db(ctx), NULL, at - RO_BEFORE, at + RO_WEEKS, &ov, &nov, NULL) != VG_OK)
        return api_error(500, NULL, "database error");
    json_t *o = oncall_json(ro_cfg(ctx), ov, nov, at);
    free(ov);
    if (!o)
        return api_error(500, NULL, "out of memory");
    json_object_set_new(o, "now", json_integer((json_int_t)req->now));
    return api_json_reply(200, o);
}

api_reply api_route_oncall_overrides(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &r))
        return r;
    const char *rot = req->arg(req->arg_ctx, "rotation");
    if (rot && !oncall_rotation_find(ro_cfg(ctx), rot))
        return api_error(404, "rotation", "no such rotation in alerting.oncall");
    int64_t at = (int64_t)req->now;
    if (!api_time_arg(req, "at", ro_zone(ctx, oncall_rotation_find(ro_cfg(ctx), rot)), &at, &r))
        return r;
    db_oncall_override *ov = NULL;
    size_t nov = 0;
    if (db_oncall_overrides(api_db(ctx), rot, at, API_TIME_MAX, &ov, &nov, NULL) != VG_OK)
        return api_error(500, NULL, "database error");
    json_t *arr = json_array();
    for (size_t i = 0; i < nov; i++)
        json_array_append_new(arr, ro_override_json(&ov[i]));
    free(ov);
    return api_json_reply(200, json_pack("{s:I, s:o}", "now", (json_int_t)req->now, "overrides", arr));
}

/* An instant of the body: Unix seconds or a date string in zone tz; false with the 400 in *bad. */
static bool ro_time(const json_t *o, const char *field, const char *tz, int64_t *out, api_reply *bad)
{
    const json_t *v = json_object_get(o, field);
    char num[32];
    const char *s = json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        s = num;
    }
    vg_err err;
    if (!s || !*s) {
        *bad = api_error(400, field, "required: Unix seconds or YYYY-MM-DD[THH:MM] in the rotation's zone");
        return false;
    }
    if (api_time_parse(s, tz, out, &err) != VG_OK) {
        *bad = api_error(400, field, err.msg);
        return false;
    }
    return true;
}

/* The body of POST /api/v1/oncall/overrides checked into *ov; false with the 400 in *bad. */
static bool ro_body(api_ctx *ctx, const json_t *o, db_oncall_override *ov, api_reply *bad)
{
    const char *rot = json_string_value(json_object_get(o, "rotation"));
    const char *who = json_string_value(json_object_get(o, "who"));
    const json_t *jr = json_object_get(o, "reason");
    const char *reason = jr ? json_string_value(jr) : "";
    const oncall_rotation *r = rot ? oncall_rotation_find(ro_cfg(ctx), rot) : NULL;
    if (!r) {
        *bad = api_error(400, "rotation", "the name of a rotation of alerting.oncall");
        return false;
    }
    if (!who || oncall_person_find(ro_cfg(ctx), who) < 0) {
        *bad = api_error(400, "who", "the name of a person of alerting.oncall.people");
        return false;
    }
    if (!reason || !text_is_valid(reason, DB_ONCALL_REASON_MAX)) {
        *bad = api_error(400, "reason", "at most 127 printable characters");
        return false;
    }
    if (!ro_time(o, "from", r->tz, &ov->start, bad) || !ro_time(o, "to", r->tz, &ov->end, bad) ||
        !api_time_span(ov->start, ov->end, "from", "to", 366LL * 86400, bad))
        return false;
    snprintf(ov->rotation, sizeof ov->rotation, "%s", rot);
    snprintf(ov->who, sizeof ov->who, "%s", who);
    snprintf(ov->reason, sizeof ov->reason, "%s", reason);
    return true;
}

api_reply api_route_oncall_override_add(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &r))
        return r;
    json_error_t jerr;
    json_t *o = req->len ? json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    db_oncall_override ov = {0};
    if (!json_is_object(o))
        r = api_error(400, "body", "a JSON object {rotation, who, from, to, reason} is required");
    else if (ro_body(ctx, o, &ov, &r)) {
        ov.created = (int64_t)req->now;
        snprintf(ov.created_by, sizeof ov.created_by, "%s", api_who(ctx, req)->name);
        vg_code rc = db_oncall_override_add(api_db(ctx), &ov, &ov.id, NULL);
        r = rc != VG_OK ? api_error(vg_http_status(rc), NULL, "database error")
                        : api_json_reply(201, ro_override_json(&ov));
    }
    json_decref(o);
    return r;
}

api_reply api_route_oncall_override_delete(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_OPERATOR, &r))
        return r;
    const char *p = req->path + strlen("/api/v1/oncall/overrides/");
    char *end;
    long long id = strtoll(p, &end, 10);
    if (!*p || *end || id <= 0)
        return api_error(400, "id", "an override id is a positive integer");
    db_oncall_override ov;
    vg_code rc = db_oncall_override_delete(api_db(ctx), id, &ov, NULL);
    if (rc == VG_E_NOT_FOUND)
        return api_error(404, "id", "no such override");
    if (rc != VG_OK)
        return api_error(vg_http_status(rc), NULL, "database error");
    json_t *o = ro_override_json(&ov);
    json_object_set_new(o, "deleted", json_true());
    return api_json_reply(200, o);
}

api_reply api_route_oncall_ics(api_ctx *ctx, const api_request *req)
{
    api_reply r;
    if (!api_check_role(ctx, req, AUTH_ROLE_READ, &r))
        return r;
    const char *rot = req->arg(req->arg_ctx, "rotation");
    const oncall_rotation *rt = oncall_rotation_find(ro_cfg(ctx), rot);
    if (!rot)
        return api_error(400, "rotation", "rotation=NAME is required");
    if (!rt)
        return api_error(404, "rotation", "no such rotation in alerting.oncall");
    int64_t from = (int64_t)req->now, to = from + RO_WEEKS;
    db_oncall_override *ov = NULL;
    size_t nov = 0;
    if (db_oncall_overrides(api_db(ctx), rot, from, to, &ov, &nov, NULL) != VG_OK)
        return api_error(500, NULL, "database error");
    char *text = oncall_ics(ro_cfg(ctx), rt, ov, nov, from, to, (int64_t)req->now);
    free(ov);
    if (!text)
        return api_error(500, NULL, "out of memory");
    r = (api_reply){.status = 200, .body = text, .content_type = "text/calendar; charset=utf-8"};
    snprintf(r.disposition, sizeof r.disposition, "attachment; filename=\"vigie-oncall-%s.ics\"", rot);
    return r;
}
