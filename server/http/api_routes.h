/* api_routes: the handlers behind api_dispatch(), one group per file (api.c: status, health;
 * ingest.c: the agents' pushes; api_sla.c: sites, availability, events, maintenance; ...). Each checks
 * its own credential. */
#ifndef VIGIE_API_ROUTES_H
#define VIGIE_API_ROUTES_H

#include "auth/auth.h"
#include "http/api.h"
#include "report/report.h"
#include "report/report_render.h"

/* Helpers shared by the handlers. */
api_reply api_json_reply(int status, json_t *o);
/* Who asks (api_auth.c): req->who once api_dispatch has set it, else resolved from the request's
 * Bearer token or session cookie; NULL for nobody. */
const auth_principal *api_who(api_ctx *ctx, const api_request *req);
/* Fills *out with the principal of req's Bearer token or session cookie; false when there is none. */
bool api_principal(api_ctx *ctx, const api_request *req, auth_principal *out);
/* Unknown bearer tokens per client address (api_auth.c): whether this one must wait (429 with
 * Retry-After in *deny), and counting a failure. */
bool api_bearer_throttled(const api_request *req, api_reply *deny);
void api_bearer_failed(const api_request *req);
/* 401 unless the request has a principal, 403 when its role is below need. */
bool api_check_role(api_ctx *ctx, const api_request *req, auth_role need, api_reply *deny);
/* Whether the request's principal may see site (its scope): a handler answers 404 for a site it may not
 * see, as for a site that does not exist, and leaves such sites out of every listing and sum. */
bool api_sees(api_ctx *ctx, const api_request *req, const char *site);
/* api_scope.c: the scope in the handlers. A NULL principal (a route without credential, /metrics with
 * metrics_public and no token) and an unlimited scope are not limited: they see every site. */
bool api_scope_limited(const auth_principal *who);
bool api_scope_sees(const auth_principal *who, const server_config *cfg, const char *site);
/* api_scope_sees as report_query.admit and contract_report_build_scoped take it (who: the principal). */
bool api_scope_admit(const void *who, const server_config *cfg, const char *site);
/* 404 {"error": "no such site", "field": "site"}: a site out of the scope, as one that does not exist. */
api_reply api_no_such_site(void);
/* true for a NULL site or one the caller sees; else false with api_no_such_site() in *deny. */
bool api_scope_site_arg(api_ctx *ctx, const api_request *req, const char *site, api_reply *deny);
/* Removes from the array arr the objects whose string member key names a site who does not see. */
void api_scope_filter(const auth_principal *who, const server_config *cfg, json_t *arr, const char *key);
/* Sets q->admit and q->admit_arg to the caller's scope (NULL: every site). */
void api_scope_report(api_ctx *ctx, const api_request *req, report_query *q);
/* skew_agents_json() of the sites who sees; NULL when out of memory. */
json_t *api_scope_agents(const auth_principal *who, const server_config *cfg);
/* Appends an audit entry (audit/audit.h) for req's principal and address, taking the writers' lock;
 * a failure is logged, never returned. Call it with the lock not held. */
void api_audit(api_ctx *ctx, const api_request *req, const char *action, const char *object, const char *outcome,
               const char *detail);
/* The token of "Authorization: Bearer TOKEN", or NULL. */
const char *api_bearer(const char *authorization);
/* The writers' lock of ctx (api.h), when it has one. */
void api_lock(api_ctx *ctx);
void api_unlock(api_ctx *ctx);

/* Time arguments: Unix seconds or a date in the site's zone (report_parse_time), within
 * [0, API_TIME_MAX] (9999-12-31), an overflow refused rather than saturated. */
#define API_TIME_MAX 253402300799LL
/* The longest from..to a read route takes (series, availability, events, maintenance): 5 years. */
#define API_MAX_SPAN (5LL * 366 * 86400)
vg_code api_time_parse(const char *s, const char *tz, int64_t *out, vg_err *err);
/* The query argument `name` into *out (left alone when absent); false with a 400 naming it. */
bool api_time_arg(const api_request *req, const char *name, const char *tz, int64_t *out, api_reply *bad);
/* from < to and to - from <= max_span; false with a 400 naming the field at fault. */
bool api_time_span(int64_t from, int64_t to, const char *from_name, const char *to_name, int64_t max_span,
                   api_reply *bad);

/* ingest.c: POST /api/v1/ingest (api_ingest, with the agent's clock header), and the refusal of a
 * push whose token is no agent's, counted as api_ingest counts it (for api_admit). */
api_reply api_route_ingest(api_ctx *ctx, const api_request *req);
void api_ingest_refuse_token(api_ctx *ctx, const char *token, api_reply *deny);

api_reply api_route_sites(api_ctx *ctx, const api_request *req);
api_reply api_route_availability(api_ctx *ctx, const api_request *req);
api_reply api_route_events(api_ctx *ctx, const api_request *req);

/* routes_sla.c's reading of a listing's site and period ([from, to) made explicit), and a site's zone
 * (the first site's for NULL), for routes_maintenance.c. */
bool api_sla_read_window(api_ctx *ctx, const api_request *req, const char **site, int64_t *from, int64_t *to,
                         api_reply *deny);
const char *api_site_tz(const api_ctx *ctx, const char *site);

/* routes_maintenance.c: maintenance windows and series (GET, POST), one occurrence moved or edited
 * (PUT .../ID/occurrences/OCC), cancelled (DELETE .../ID/occurrences/OCC), a window or a whole series
 * deleted (DELETE .../ID). */
api_reply api_route_maintenance_list(api_ctx *ctx, const api_request *req);
api_reply api_route_maintenance_add(api_ctx *ctx, const api_request *req);
api_reply api_route_maintenance_delete(api_ctx *ctx, const api_request *req);
api_reply api_route_maintenance_put(api_ctx *ctx, const api_request *req);

/* api_report.c: the monthly SLA report (PDF, HTML, CSV, JSON) and its mailing. */
api_reply api_route_report(api_ctx *ctx, const api_request *req);
api_reply api_route_report_send(api_ctx *ctx, const api_request *req);
/* routes_report.c's readings of month= (YYYY-MM or previous, in the zone tz), format= and lang= (the
 * default lang: report.lang), and its mailing of a rendered PDF to report.recipients: body and
 * pdf->data are freed, reply (the answer's object: sent, filename, recipients and bytes are added) is
 * taken. For routes_contract_report.c. */
bool api_report_month(const api_request *req, const char *tz, int *year, int *month, api_reply *bad);
bool api_report_format_lang(const api_ctx *ctx, const api_request *req, report_format *format, report_lang *lang,
                            api_reply *bad);
/* Whether the report can be mailed: as PDF (else 400 format), with smtp and recipients (else 503). */
bool api_report_can_mail(const api_ctx *ctx, report_format format, api_reply *bad);
api_reply api_report_mail(api_ctx *ctx, const char *filename, const char *subject, char *body, report_render_out *pdf,
                          json_t *reply);
/* routes_contract_report.c: the same routes with contract=C, the délégataire's report of a contract. */
api_reply api_route_contract_report(api_ctx *ctx, const api_request *req);
api_reply api_route_contract_report_send(api_ctx *ctx, const api_request *req);
/* routes_incidents.c: a contract's month of public-site incidents against its GTR. */
api_reply api_route_incidents(api_ctx *ctx, const api_request *req);
/* routes_public.c: the public sites (list, one site) and an agent's targets (its bearer token). */
api_reply api_route_public_sites(api_ctx *ctx, const api_request *req);
api_reply api_route_public_site(api_ctx *ctx, const api_request *req);
api_reply api_route_agent_targets(api_ctx *ctx, const api_request *req);

/* api_data.c: devices, latest values, RRD series, Prometheus /metrics. */
api_reply api_route_devices(api_ctx *ctx, const api_request *req);
api_reply api_route_latest(api_ctx *ctx, const api_request *req);
api_reply api_route_series(api_ctx *ctx, const api_request *req);
api_reply api_route_metrics(api_ctx *ctx, const api_request *req);
/* The alerts not resolved at `site` (NULL: everywhere), from alerts.c; /metrics exports it as
 * vigie_alerts_firing. */
size_t api_alerts_firing(api_ctx *ctx, const char *site);

/* api_alerts.c: on-call alerts, silences, test notifications. */
api_reply api_route_alerts_list(api_ctx *ctx, const api_request *req);
api_reply api_route_alert_ack(api_ctx *ctx, const api_request *req);
api_reply api_route_silences_list(api_ctx *ctx, const api_request *req);
api_reply api_route_silences_add(api_ctx *ctx, const api_request *req);
api_reply api_route_silences_delete(api_ctx *ctx, const api_request *req);
api_reply api_route_test_notify(api_ctx *ctx, const api_request *req);

/* routes_vocab.c: mibs/vocabulary.yaml as the dashboard reads it (classes, metrics, labels). */
api_reply api_route_vocabulary(api_ctx *ctx, const api_request *req);

/* routes_selftest.c: the UPS self-tests of a site (sla/selftest.h). */
api_reply api_route_selftests(api_ctx *ctx, const api_request *req);

/* routes_energy.c: energy and PUE, power and cooling headroom, trends of a site (server/energy/). */
api_reply api_route_energy(api_ctx *ctx, const api_request *req);
api_reply api_route_headroom(api_ctx *ctx, const api_request *req);
api_reply api_route_trends(api_ctx *ctx, const api_request *req);

/* routes_tokens.c: personal API tokens (list, add, revoke; admin) and GET /api/v1/whoami. */
api_reply api_route_tokens_list(api_ctx *ctx, const api_request *req);
api_reply api_route_tokens_add(api_ctx *ctx, const api_request *req);
api_reply api_route_tokens_revoke(api_ctx *ctx, const api_request *req);
api_reply api_route_whoami(api_ctx *ctx, const api_request *req);

/* routes_audit.c: the audit trail listed and verified (admin without a scope). */
api_reply api_route_audit_list(api_ctx *ctx, const api_request *req);
api_reply api_route_audit_verify(api_ctx *ctx, const api_request *req);

/* routes_session.c: the dashboard's login (a token or a one-time link) and logout, its session, and the
 * login links (auth/auth_session.h, auth/auth_link.h). They take the writers' lock themselves. */
api_reply api_route_login(api_ctx *ctx, const api_request *req);
api_reply api_route_logout(api_ctx *ctx, const api_request *req);
api_reply api_route_session(api_ctx *ctx, const api_request *req);
api_reply api_route_login_link(api_ctx *ctx, const api_request *req);

/* routes_oncall.c: on-call rotations now or at a date, their overrides (list, add, delete; operator)
 * and a rotation's schedule as iCalendar (alerting/oncall.h). */
api_reply api_route_oncall(api_ctx *ctx, const api_request *req);
api_reply api_route_oncall_overrides(api_ctx *ctx, const api_request *req);
api_reply api_route_oncall_override_add(api_ctx *ctx, const api_request *req);
api_reply api_route_oncall_override_delete(api_ctx *ctx, const api_request *req);
api_reply api_route_oncall_ics(api_ctx *ctx, const api_request *req);

/* web.c: the dashboard's static files (GET / and /static/NAME) from server.yaml web_dir. */
api_reply api_route_web(api_ctx *ctx, const api_request *req);

#endif
