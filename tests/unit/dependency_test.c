/* Public sites as sites: a checking agent's push lands in each public site it checks (its latest
 * values, its RRD folder, its health), the rest in the agent's own site (http/ingest_route.h); a
 * device named after a public site that another agent checks stays in the pushing agent's site. Then
 * the dependencies (alerting/dependency.h): with the NRO down, the alerts of the public sites behind
 * it are held and the NRO's alone is notified, counting them; a public site down on its own is
 * notified after the grace; a public site has no heartbeat of its own. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "alerting/alerts.h"
#include "alerting/dependency.h"
#include "config/server_config.h"
#include "contract/contract.h"
#include "http/api.h"
#include "store/db.h"
#include "store/rrd_store.h"
#include "test_db.h"
#include "test_util.h"

#define T0 1790000000

static api_ctx ctx;
static server_config *cfg;
static char *dir;

static int setup(void **state)
{
    (void)state;
    char path[512], yaml[4096];
    dir = tu_tmpdir();
    tu_write(dir, "public.csv",
             "id,name,commune,category,nro,address,contract\n"
             "ecole-1,École Jaurès,Amiens,school,nro-a,127.0.0.11,standard\n"
             "ecole-2,École Hugo,Amiens,school,nro-a,127.0.0.12,standard\n"
             "mairie-1,Mairie,Amiens,town_hall,nro-a,127.0.0.13,standard\n"
             "police-1,Police,Doullens,police,nro-b,127.0.0.14,standard\n",
             path, sizeof path);
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 60\n"
             "sites: [{id: dc, kind: datacenter}, {id: nro-a, kind: nro}, {id: nro-b, kind: nro}]\n"
             "agents: [{id: dc, token: dependency-test-token-dc, site: dc},"
             " {id: nro-a-agent, token: dependency-test-token-na, site: nro-a}]\n"
             "api_tokens: [{name: wall, token: dependency-read-token-1}]\n"
             "contracts: {standard: {target: 99.5, gtr: 4h}}\n"
             "public_sites: {file: public.csv, agent: dc}\n"
             "dependency_grace: 120\n"
             "alerting:\n"
             "  group_wait: 30\n"
             "  contacts: [{name: noc, webhook: 'http://127.0.0.1:9/hook'}]\n",
             dir);
    vg_err err;
    cfg = server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), &err);
    if (!cfg)
        fail_msg("%s", err.msg);
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = cfg;
    snprintf(path, sizeof path, "%s/vigie.db", dir);
    assert_int_equal(db_open(tu_db(path), &ctx.db, &err), VG_OK);
    ctx.rrd = rrd_store_new(dir, 60);
    assert_non_null(ctx.rrd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rrd_store_free(ctx.rrd);
    db_close(ctx.db);
    server_config_free(cfg);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static int count(const char *sql)
{
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", dir);
    long long n = tu_db_count(path, sql);
    assert_true(n >= 0);
    return (int)n;
}

static uint64_t seq_dc, seq_na;

/* A push of the checking agent dc: link.reachable of each public site device given (1 or 0), and a
 * sample of its own UPS. */
static void push_dc(int64_t ts, const char *const *devices, const int *up, size_t n)
{
    char body[8192];
    int len = snprintf(body, sizeof body, "{\"agent\":\"dc\",\"seq\":%llu,\"samples\":[", (unsigned long long)++seq_dc);
    len += snprintf(body + len, sizeof body - (size_t)len,
                    "{\"device\":\"ups-dc\",\"metric\":\"battery.charge\",\"value\":100,\"unit\":\"%%\",\"ts\":%lld}",
                    (long long)ts);
    for (size_t i = 0; i < n; i++)
        len += snprintf(body + len, sizeof body - (size_t)len,
                        ",{\"device\":\"%s\",\"metric\":\"link.reachable\",\"value\":%d,\"unit\":\"bool\",\"ts\":%lld,"
                        "\"severity\":\"%s\"}",
                        devices[i], up[i], (long long)ts, up[i] ? "ok" : "critical");
    len += snprintf(body + len, sizeof body - (size_t)len, "],\"devices\":[{\"name\":\"ups-dc\",\"class\":\"ups\"}");
    for (size_t i = 0; i < n; i++)
        len += snprintf(body + len, sizeof body - (size_t)len, ",{\"name\":\"%s\",\"class\":\"link\"}", devices[i]);
    snprintf(body + len, sizeof body - (size_t)len, "]}");
    api_reply r = api_ingest(&ctx, "Bearer dependency-test-token-dc", body, strlen(body), (time_t)ts);
    if (r.status != 200)
        fail_msg("push %d: %s", r.status, r.body);
    free(r.body);
}

/* The NRO's own agent: its OLT answers or not (an OLT down takes the NRO's network service down). */
static void push_nro(int64_t ts, int olt_up)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"agent\":\"nro-a-agent\",\"seq\":%llu,\"samples\":[{\"device\":\"olt\",\"metric\":\"link.reachable\","
             "\"value\":%d,\"unit\":\"bool\",\"ts\":%lld,\"severity\":\"%s\"}],\"devices\":[{\"name\":\"olt\","
             "\"class\":\"olt\"}]}",
             (unsigned long long)++seq_na, olt_up, (long long)ts, olt_up ? "ok" : "critical");
    api_reply r = api_ingest(&ctx, "Bearer dependency-test-token-na", body, strlen(body), (time_t)ts);
    if (r.status != 200)
        fail_msg("push %d: %s", r.status, r.body);
    free(r.body);
}

static void test_routing(void **state)
{
    (void)state;
    static const char *const devs[] = {"ecole-1", "ecole-2", "police-1"};
    static const int up[] = {1, 1, 1};
    push_dc(T0, devs, up, 3);
    /* each public site has its own latest values, the agent's site its UPS only */
    assert_int_equal(count("SELECT COUNT(*) FROM latest WHERE site='ecole-1' AND device='ecole-1'"
                           " AND metric='link.reachable'"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM latest WHERE site='police-1' AND device='police-1'"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM latest WHERE site='dc'"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM latest WHERE site='dc' AND device='ups-dc'"), 1);
    /* and its own RRD folder */
    char path[1024];
    struct stat sb;
    assert_int_equal(rrd_store_path(ctx.rrd, "ecole-1", "ecole-1", "link.reachable", "", path, sizeof path), 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(rrd_store_path(ctx.rrd, "dc", "ecole-1", "link.reachable", "", path, sizeof path), 0);
    if (stat(path, &sb) == 0)
        fail_msg("%s exists: the public site's series went to the agent's site", path);
    /* its device and health: the site is up */
    assert_int_equal(count("SELECT COUNT(*) FROM devices WHERE site='ecole-1' AND device='ecole-1' AND class='link'"), 1);
    /* the NRO agent's device named like a public site it does not check stays its own */
    char body[512];
    snprintf(body, sizeof body,
             "{\"agent\":\"nro-a-agent\",\"seq\":%llu,\"samples\":[{\"device\":\"ecole-1\",\"metric\":\"link.reachable\","
             "\"value\":1,\"unit\":\"bool\",\"ts\":%lld}]}",
             (unsigned long long)++seq_na, (long long)T0);
    api_reply r = api_ingest(&ctx, "Bearer dependency-test-token-na", body, strlen(body), T0);
    assert_int_equal(r.status, 200);
    free(r.body);
    assert_int_equal(count("SELECT COUNT(*) FROM latest WHERE site='nro-a' AND device='ecole-1'"), 1);
    assert_true(dependency_has_heartbeat(cfg, "dc"));
    assert_false(dependency_has_heartbeat(cfg, "ecole-1"));
}

/* [from, to): both agents push every minute (the NRO's OLT up or not, the sites as given), the timer
 * ticks every 15 s. */
static void run(int64_t from, int64_t to, const int *sites, int olt_up)
{
    static const char *const devs[] = {"ecole-1", "ecole-2", "mairie-1", "police-1"};
    for (int64_t now = from; now < to; now += 15) {
        if ((now - from) % 60 == 0) {
            push_dc(now, devs, sites, 4);
            push_nro(now + 5, olt_up);
        }
        alerts_tick(ctx.db, cfg, 0, now + 10, NULL);
    }
}

static void test_nro_down(void **state)
{
    (void)state;
    static const int up[] = {1, 1, 1, 1}, down_a[] = {0, 0, 0, 1}, police_down[] = {1, 1, 1, 0};
    int64_t t = T0 + 3600;
    run(t, t + 120, up, 1);
    assert_int_equal(count("SELECT COUNT(*) FROM alerts WHERE state='firing'"), 0);
    /* the NRO's OLT and the three sites behind it go down in the same minute */
    t += 120;
    run(t, t + 420, down_a, 0);
    assert_int_equal(dependency_down_behind(ctx.db, cfg, "nro-a", t + 420), 3);
    /* one notification, the NRO's (its site and OLT alerts in one message), which counts the sites */
    assert_int_equal(count("SELECT COUNT(*) FROM alerts WHERE site='nro-a' AND kind='site' AND notified=1"
                           " AND summary LIKE '%3 public sites behind it down%'"), 1);
    assert_int_equal(count("SELECT COUNT(*) FROM alerts WHERE site IN ('ecole-1','ecole-2','mairie-1')"
                           " AND state='firing' AND notified=0 AND held='NRO nro-a down'"), 6);
    assert_int_equal(count("SELECT COUNT(*) FROM alerts WHERE site IN ('ecole-1','ecole-2','mairie-1')"
                           " AND notified=1"), 0);
    assert_int_equal(count("SELECT COUNT(*) FROM notifications WHERE event='firing'"), 1);
    /* all back: the held alerts resolve unpaged */
    t += 420;
    run(t, t + 120, up, 1);
    assert_int_equal(count("SELECT COUNT(*) FROM alerts WHERE state!='resolved'"), 0);
    assert_int_equal(count("SELECT COUNT(*) FROM alerts WHERE site IN ('ecole-1','ecole-2','mairie-1')"
                           " AND notified=1"), 0);
    /* a site down alone is paged once the grace (120 s) is over, not before */
    t += 120;
    run(t, t + 90, police_down, 1);
    assert_int_equal(count("SELECT COUNT(*) FROM alerts WHERE site='police-1' AND state='firing' AND notified=0"
                           " AND held='waiting for NRO nro-b'"), 2);
    run(t + 90, t + 300, police_down, 1);
    assert_int_equal(count("SELECT COUNT(*) FROM alerts WHERE site='police-1' AND notified=1"), 2);
    assert_int_equal(count("SELECT COUNT(*) FROM notifications WHERE event='firing'"), 2);
}

/* The month of the contract from what test_nro_down stored: the three sites behind nro-a have one
 * incident each, of the 420 s the NRO was down, attributed to it; police-1's own outage (from
 * T0 + 4260, still on at T0 + 4560) is a single link's. GTR 4 h: no breach. */
static void test_contract_month(void **state)
{
    (void)state;
    contract_report *r = NULL;
    vg_err err;
    int64_t now = T0 + 4560;
    if (contract_report_build(ctx.db, cfg, "standard", 2026, 9, NULL, now, &r, &err) != VG_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(r->nsites, 4);
    assert_int_equal(r->nincidents, 4);
    size_t attributed = 0;
    for (size_t i = 0; i < r->nincidents; i++) {
        const contract_incident *in = &r->incidents[i];
        assert_false(in->breach);
        if (strcmp(in->site, "police-1") == 0) {
            assert_string_equal(in->attributed_to, "");
            assert_int_equal(in->start, T0 + 4260);
            assert_int_equal(in->restored, 0);
            continue;
        }
        assert_string_equal(in->attributed_to, "nro-a");
        assert_int_equal(in->start, T0 + 3720);
        assert_int_equal(in->restored, T0 + 4140);
        assert_int_equal(in->duration, 420);
        attributed++;
    }
    assert_int_equal(attributed, 3);
    assert_int_equal(r->totals.attributed, 3);
    assert_int_equal(r->totals.incidents, 4);
    contract_report_free(r);
    /* a site that is not of the contract, a contract that does not exist */
    assert_int_equal(contract_report_build(ctx.db, cfg, "standard", 2026, 9, "nro-a", now, &r, &err), VG_E_NOT_FOUND);
    assert_int_equal(contract_report_build(ctx.db, cfg, "gold", 2026, 9, NULL, now, &r, &err), VG_E_NOT_FOUND);
    assert_string_equal(err.field, "contract");
}

/* The query string of a request: "name=value" pairs. */
static const char *const *query;
static const char *arg_of(void *c, const char *name)
{
    (void)c;
    size_t n = strlen(name);
    for (const char *const *q = query; q && *q; q++)
        if (strncmp(*q, name, n) == 0 && (*q)[n] == '=')
            return *q + n + 1;
    return NULL;
}

static api_reply get(const char *path, const char *const *args)
{
    query = args;
    api_request req = {.method = "GET", .path = path, .authorization = "Bearer dependency-read-token-1",
                       .now = T0 + 4560, .arg = arg_of};
    return api_dispatch(&ctx, &req);
}

/* The same month through GET /api/v1/incidents, and its refusals naming the field. */
static void test_incidents_route(void **state)
{
    (void)state;
    static const char *const ok[] = {"contract=standard", "month=2026-09", NULL};
    api_reply r = get("/api/v1/incidents", ok);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "incidents")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "totals"), "attributed")), 3);
    json_t *first = json_array_get(json_object_get(doc, "incidents"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "attributed_to")), "nro-a");
    assert_int_equal(json_integer_value(json_object_get(first, "duration")), 420);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "contract"), "gtr")), 4 * 3600);
    json_decref(doc);
    free(r.body);
    static const char *const one[] = {"contract=standard", "month=2026-09", "site=police-1", NULL};
    r = get("/api/v1/incidents", one);
    assert_int_equal(r.status, 200);
    doc = json_loads(r.body, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "incidents")), 1);
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(doc, "incidents"), 0), "restored")));
    json_decref(doc);
    free(r.body);
    static const char *const bad_month[] = {"contract=standard", "month=2026-13", NULL};
    static const char *const no_contract[] = {"month=2026-09", NULL};
    static const char *const unknown[] = {"contract=gold", "month=2026-09", NULL};
    static const char *const not_public[] = {"contract=standard", "month=2026-09", "site=dc", NULL};
    const struct { const char *const *args; int status; const char *field; } cases[] = {
        {bad_month, 400, "month"}, {no_contract, 400, "contract"}, {unknown, 404, "contract"}, {not_public, 404, "site"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = get("/api/v1/incidents", cases[i].args);
        assert_int_equal(r.status, cases[i].status);
        doc = json_loads(r.body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(doc, "field")), cases[i].field);
        json_decref(doc);
        free(r.body);
    }
    query = NULL;
    api_request anon = {.method = "GET", .path = "/api/v1/incidents", .now = T0, .arg = arg_of};
    r = api_dispatch(&ctx, &anon);
    assert_int_equal(r.status, 401);
    free(r.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_nro_down),
        cmocka_unit_test(test_contract_month),
        cmocka_unit_test(test_incidents_route),
    };
    return cmocka_run_group_tests_name("dependency", tests, setup, teardown);
}
