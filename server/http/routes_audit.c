/* routes_audit: the audit trail (audit/audit.h), for admins of every site (an admin limited to a scope
 * is refused: the trail is the whole server's).
 *
 *   GET /api/v1/audit          ?since&until (dates in the first site's zone, or Unix seconds), who=NAME,
 *                              action=A (exact, or a prefix ending in '.': "maintenance."), limit=N
 *                              (1 to 10000, default 1000): the entries in id order, newest last; when
 *                              more match than the limit, the newest N and "truncated": true
 *   GET /api/v1/audit/verify   ?head=ID:HASH (default: the last entry this server appended): the chain
 *                              checked, {"ok", "entries", "first_bad", "problem", "reason", "head"} */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "http/api_routes.h"
#include "log.h"
#include "store/db_audit.h"

#define AUDIT_LIST_DEFAULT 1000
#define AUDIT_LIST_MAX 10000

static bool ra_admin(api_ctx *ctx, const api_request *req, api_reply *deny)
{
    if (!api_check_role(ctx, req, AUTH_ROLE_ADMIN, deny))
        return false;
    const auth_principal *p = api_who(ctx, req);
    if (p && p->scope.n > 0) {
        *deny = api_error(403, "Authorization", "the audit trail needs an admin token without a scope");
        return false;
    }
    return true;
}

static bool ra_text_arg(const api_request *req, const char *name, size_t max, const char **out, api_reply *bad)
{
    const char *s = req->arg(req->arg_ctx, name);
    if (s && (!*s || strlen(s) > max)) {
        char msg[64];
        snprintf(msg, sizeof msg, "1 to %zu bytes", max);
        *bad = api_error(400, name, msg);
        return false;
    }
    *out = s;
    return true;
}

static bool ra_filter(api_ctx *ctx, const api_request *req, db_audit_filter *f, api_reply *bad)
{
    const char *tz = api_site_tz(ctx, NULL);
    f->limit = AUDIT_LIST_DEFAULT;
    if (!api_time_arg(req, "since", tz, &f->since, bad) || !api_time_arg(req, "until", tz, &f->until, bad) ||
        !ra_text_arg(req, "who", DB_AUDIT_WHO_MAX, &f->who, bad) ||
        !ra_text_arg(req, "action", DB_AUDIT_ACTION_MAX, &f->action, bad))
        return false;
    if (f->since && f->until && f->until <= f->since) {
        *bad = api_error(400, "until", "must be after since");
        return false;
    }
    const char *l = req->arg(req->arg_ctx, "limit");
    if (l) {
        char *end;
        errno = 0;
        long n = strtol(l, &end, 10);
        if (errno || end == l || *end || n < 1 || n > AUDIT_LIST_MAX) {
            *bad = api_error(400, "limit", "an integer from 1 to 10000");
            return false;
        }
        f->limit = (int)n;
    }
    return true;
}

static json_t *ra_row_json(const db_audit_row *r)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id, "ts",
                     (json_int_t)r->ts, "who", r->who, "addr", r->addr, "action", r->action, "object", r->object,
                     "outcome", r->outcome, "detail", r->detail, "prev", r->prev, "hash", r->hash);
}

static bool ra_each(void *ctx, const db_audit_row *r)
{
    json_t *o = ra_row_json(r);
    if (!o) /* a row changed to bytes that are not UTF-8: shown without its texts, verify names it */
        o = json_pack("{s:I, s:I, s:b}", "id", (json_int_t)r->id, "ts", (json_int_t)r->ts, "malformed", 1);
    json_array_append_new(ctx, o);
    return true;
}

api_reply api_route_audit_list(api_ctx *ctx, const api_request *req)
{
    api_reply bad;
    db_audit_filter f = {0};
    if (!ra_admin(ctx, req, &bad) || !ra_filter(ctx, req, &f, &bad))
        return bad;
    json_t *arr = json_array();
    bool more = false;
    vg_err err;
    if (db_audit_each(api_db(ctx), &f, ra_each, arr, &more, &err) != VG_OK) {
        log_error("api", "/api/v1/audit: %s", err.msg);
        json_decref(arr);
        return api_error(500, NULL, "database error");
    }
    return api_json_reply(200, json_pack("{s:o, s:b, s:i}", "entries", arr, "truncated", more, "limit", f.limit));
}

api_reply api_route_audit_verify(api_ctx *ctx, const api_request *req)
{
    api_reply bad;
    if (!ra_admin(ctx, req, &bad))
        return bad;
    audit_head expect = {0};
    const char *h = req->arg(req->arg_ctx, "head");
    if (h && !audit_head_parse(h, &expect))
        return api_error(400, "head", "ID:HASH, as the server's log gives the head (64 hex digits)");
    if (!h)
        audit_head_get(&expect);
    audit_verdict v;
    vg_err err;
    if (audit_verify(api_db(ctx), &expect, &v, &err) != VG_OK) {
        log_error("api", "/api/v1/audit/verify: %s", err.msg);
        return api_error(500, NULL, "database error");
    }
    json_t *head = v.head.id ? json_pack("{s:I, s:s}", "id", (json_int_t)v.head.id, "hash", v.head.hash) : json_null();
    json_t *exp = expect.id ? json_pack("{s:I, s:s}", "id", (json_int_t)expect.id, "hash", expect.hash) : json_null();
    const char *problem = audit_problem_name(v.problem);
    return api_json_reply(200, json_pack("{s:b, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "ok", v.ok, "entries",
                                         (json_int_t)v.entries, "first_bad",
                                         v.ok ? json_null() : json_integer(v.first_bad), "problem",
                                         problem ? json_string(problem) : json_null(), "other",
                                         v.other ? json_integer(v.other) : json_null(), "reason",
                                         v.ok ? json_null() : json_string(v.reason), "head", head, "expected_head",
                                         exp));
}
