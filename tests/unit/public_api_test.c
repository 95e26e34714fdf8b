/* The public sites' API (http/routes_public.c, http/public_state.h), driven in process on a store
 * filled through the ingest: five public sites behind two NROs, checked by two agents, an hour of
 * pushes from the month's first instant. Asserted: the filters and their 400s, the worst-first order,
 * the counts, attributed_to while the NRO is down, the availability (hand-computed, and equal to what
 * the per-site code computes), RTT and loss of a site of two addresses, one site with its checks and
 * its contract incidents, the 404s, each agent's target list (parsed by the agent's own parser), the
 * kind filter of /api/v1/sites; then 1,200 public sites answered with as many SQL statements as 3. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check/check_internal.h"
#include "config/server_config.h"
#include "http/api.h"
#include "sla/health.h"
#include "store/db.h"
#include "store/db_internal.h"
#include "store/rrd_store.h"
#include "test_db.h"
#include "test_util.h"

#define M 1796079600LL /* 2026-12-01 00:00 Europe/Paris */
#define NOW (M + 3600)
#define RD_TOKEN "Bearer public-read-token-1"
#define TOK_DC "public-test-token-dc-0001"
#define TOK_CHK "public-test-token-chk2-001"
#define TOK_NRO "public-test-token-nroa-001"

static api_ctx ctx;
static server_config *cfg;
static char *dir;

static const char *const CSV =
    "id,name,commune,category,nro,address,contract,agent,checks,epci\n"
    "ecole-1,École Jaurès,Amiens,school,nro-a,198.18.1.11,standard,,icmp tcp:554,Amiens Métropole\n"
    "ecole-2,École Hugo,Amiens,school,nro-a,198.18.1.12 198.18.1.22,standard,,,\n"
    "mairie-1,Mairie,Doullens,town_hall,nro-b,198.18.1.13,standard,chk2,http:https://mairie.example/=204,\n"
    "police-1,Police,Doullens,police,nro-b,198.18.1.14,standard,chk2,,\n"
    "cam-1,Caméra du parvis,Amiens,camera,nro-a,198.18.1.15,premium,,,\n";

static void load(const char *csv)
{
    char path[512], yaml[4096];
    dir = tu_tmpdir();
    tu_write(dir, "public.csv", csv, path, sizeof path);
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 60\n"
             "sites: [{id: dc, kind: datacenter}, {id: nro-a, kind: nro}, {id: nro-b, kind: nro}]\n"
             "agents: [{id: dc, token: " TOK_DC ", site: dc}, {id: chk2, token: " TOK_CHK ", site: dc},"
             " {id: nro-a-agent, token: " TOK_NRO ", site: nro-a}]\n"
             "api_tokens: [{name: wall, token: public-read-token-1}]\n"
             "contracts: {standard: {target: 99.5, gtr: 4h}, premium: {target: 99.9, gtr: 2h}}\n"
             "public_sites: {file: public.csv, agent: dc}\n"
             "dependency_grace: 120\n",
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

/* ---- pushes ---------------------------------------------------------------------------------- */

typedef struct {
    json_t *samples, *devices;
} batch;

static void add(batch *b, const char *device, const char *metric, const char *instance, double v, const char *unit,
                int64_t ts)
{
    json_t *s = json_pack("{s:s, s:s, s:f, s:s, s:I}", "device", device, "metric", metric, "value", v, "unit", unit,
                          "ts", (json_int_t)ts);
    if (instance)
        json_object_set_new(s, "instance", json_string(instance));
    if (strcmp(metric, "link.reachable") == 0)
        json_object_set_new(s, "severity", json_string(v ? "ok" : "critical"));
    json_array_append_new(b->samples, s);
}

static void send_batch(const char *agent, const char *token, uint64_t seq, batch *b, int64_t ts)
{
    json_t *o = json_pack("{s:s, s:I, s:o, s:o}", "agent", agent, "seq", (json_int_t)seq, "samples", b->samples,
                          "devices", b->devices);
    char *body = json_dumps(o, JSON_COMPACT), auth[96];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    api_reply r = api_ingest(&ctx, auth, body, strlen(body), (time_t)ts);
    if (r.status != 200)
        fail_msg("push %d: %s", r.status, r.body);
    free(r.body);
    free(body);
    json_decref(o);
}

static void link_up(batch *b, const char *site, bool up, int64_t ts)
{
    add(b, site, "link.reachable", NULL, up, "bool", ts);
    json_array_append_new(b->devices, json_pack("{s:s, s:s}", "name", site, "class", "link"));
}

/* An hour, a push a minute: ecole-1 down from M+1800 with its NRO (its OLT), cam-1 down for
 * [M+600, M+1200), mairie-1 down from M+3060 alone, police-1 never checked. */
static void fill(void)
{
    for (int64_t t = M, k = 1; t <= NOW; t += 60, k++) {
        batch dc = {json_array(), json_array()}, chk = {json_array(), json_array()}, nro = {json_array(), json_array()};
        link_up(&dc, "ecole-1", t < M + 1800, t);
        link_up(&dc, "ecole-2", true, t);
        link_up(&dc, "cam-1", t < M + 600 || t >= M + 1200, t);
        link_up(&chk, "mairie-1", t < M + 3060, t);
        add(&nro, "olt", "link.reachable", NULL, t < M + 1800, "bool", t);
        json_array_append_new(nro.devices, json_pack("{s:s, s:s}", "name", "olt", "class", "olt"));
        if (t == M)
            add(&dc, "ecole-1", "link.rtt", NULL, 3.5, "ms", t); /* stale at NOW: not shown */
        if (t == NOW - 60) /* fresh, but from before its last loss (100 % at NOW): not its RTT now */
            add(&dc, "ecole-1", "link.rtt", NULL, 2.5, "ms", t);
        if (t == NOW) {
            add(&dc, "ecole-1", "link.loss", NULL, 100, "%", t);
            add(&dc, "ecole-2", "link.loss", "198.18.1.12", 0, "%", t);
            add(&dc, "ecole-2", "link.rtt", "198.18.1.12", 12, "ms", t);
            add(&dc, "ecole-2", "link.loss", "198.18.1.22", 40, "%", t);
            add(&dc, "ecole-2", "link.rtt", "198.18.1.22", 5, "ms", t);
        }
        send_batch("dc", TOK_DC, (uint64_t)k, &dc, t);
        send_batch("chk2", TOK_CHK, (uint64_t)k, &chk, t);
        send_batch("nro-a-agent", TOK_NRO, (uint64_t)k, &nro, t);
    }
}

static int setup(void **state)
{
    (void)state;
    load(CSV);
    fill();
    return 0;
}

/* ---- requests -------------------------------------------------------------------------------- */

typedef struct {
    const char *keys[8], *vals[8];
} args;

static const char *get_arg(void *c, const char *name)
{
    args *a = c;
    for (int i = 0; i < 8 && a->keys[i]; i++)
        if (strcmp(a->keys[i], name) == 0)
            return a->vals[i];
    return NULL;
}

/* GET path with "k=v" arguments; the status in *status, the parsed body returned. */
static json_t *get(const char *path, const char *auth, int *status, const char *kv1, const char *kv2)
{
    args a;
    memset(&a, 0, sizeof a);
    char buf[2][256];
    const char *kvs[2] = {kv1, kv2};
    for (int i = 0, n = 0; i < 2; i++)
        if (kvs[i]) {
            snprintf(buf[i], sizeof buf[i], "%s", kvs[i]);
            char *eq = strchr(buf[i], '=');
            *eq = '\0';
            a.keys[n] = buf[i];
            a.vals[n++] = eq + 1;
        }
    api_request req = {.method = "GET", .path = path, .authorization = auth, .now = (time_t)NOW, .arg = get_arg,
                       .arg_ctx = &a};
    api_reply r = api_dispatch(&ctx, &req);
    *status = r.status;
    json_error_t e;
    json_t *j = json_loads(r.body, 0, &e);
    if (!j)
        fail_msg("%s: not JSON: %s", path, r.body);
    free(r.body);
    return j;
}

static json_t *list(const char *kv1, const char *kv2)
{
    int st;
    json_t *j = get("/api/v1/public-sites", RD_TOKEN, &st, kv1, kv2);
    if (st != 200)
        fail_msg("%d: %s", st, json_dumps(j, 0));
    return j;
}

/* The ids of the answer, joined by spaces. */
static const char *ids(json_t *j, char *out, size_t size)
{
    size_t i;
    json_t *s;
    out[0] = '\0';
    json_array_foreach(json_object_get(j, "sites"), i, s) {
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", n ? " " : "", json_string_value(json_object_get(s, "id")));
    }
    return out;
}

static json_t *site_of(json_t *j, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(j, "sites"), i, s) if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0) return s;
    fail_msg("no %s", id);
    return NULL;
}

static void assert_bad(const char *path, const char *kv, const char *field)
{
    int st;
    json_t *j = get(path, RD_TOKEN, &st, kv, NULL);
    assert_int_equal(st, 400);
    assert_string_equal(json_string_value(json_object_get(j, "field")), field);
    json_decref(j);
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_list_order_counts_figures(void **state)
{
    (void)state;
    char buf[256];
    json_t *j = list(NULL, NULL);
    /* down (50 %, 85 %), unknown, up (83.3 %, 100 %) */
    assert_string_equal(ids(j, buf, sizeof buf), "ecole-1 mairie-1 police-1 cam-1 ecole-2");
    json_t *c = json_object_get(j, "counts");
    assert_int_equal(json_integer_value(json_object_get(c, "down")), 2);
    assert_int_equal(json_integer_value(json_object_get(c, "unknown")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "up")), 2);
    json_t *e1 = site_of(j, "ecole-1");
    assert_string_equal(json_string_value(json_object_get(e1, "state")), "down");
    assert_int_equal(json_integer_value(json_object_get(e1, "since")), M + 1800);
    assert_string_equal(json_string_value(json_object_get(e1, "attributed_to")), "nro-a");
    assert_non_null(json_string_value(json_object_get(e1, "cause")));
    /* [M, M+1800) up, [M+1800, M+3600) down */
    assert_float_equal(json_number_value(json_object_get(e1, "availability")), 50.0, 1e-9);
    assert_true(json_is_null(json_object_get(e1, "rtt"))); /* an hour old, or older than its 100 % loss */
    assert_float_equal(json_number_value(json_object_get(e1, "loss")), 100, 1e-9);
    assert_string_equal(json_string_value(json_object_get(e1, "epci")), "Amiens Métropole");
    assert_string_equal(json_string_value(json_object_get(e1, "contract")), "standard");
    json_t *m1 = site_of(j, "mairie-1");
    assert_true(json_is_null(json_object_get(m1, "attributed_to"))); /* nro-b is not down: its own outage */
    assert_float_equal(json_number_value(json_object_get(m1, "availability")), 3060.0 / 36, 1e-9);
    json_t *p1 = site_of(j, "police-1");
    assert_string_equal(json_string_value(json_object_get(p1, "state")), "unknown");
    assert_true(json_is_null(json_object_get(p1, "availability")) && json_is_null(json_object_get(p1, "since")));
    json_t *c1 = site_of(j, "cam-1");
    assert_float_equal(json_number_value(json_object_get(c1, "availability")), 3000.0 / 36, 1e-9);
    assert_true(json_is_null(json_object_get(c1, "cause")) && json_is_null(json_object_get(c1, "attributed_to")));
    json_t *e2 = site_of(j, "ecole-2");
    assert_float_equal(json_number_value(json_object_get(e2, "availability")), 100, 1e-9);
    /* two addresses: the worst loss, the RTT of the one that answers best */
    assert_float_equal(json_number_value(json_object_get(e2, "loss")), 40, 1e-9);
    assert_float_equal(json_number_value(json_object_get(e2, "rtt")), 12, 1e-9);
    assert_true(json_is_null(json_object_get(e2, "epci")));
    /* the same figures as the per-site code (sla/health.h) */
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(j, "sites"), i, s) {
        avail_result r;
        assert_int_equal(state_availability(ctx.db, cfg, json_string_value(json_object_get(s, "id")), M, NOW, &r), 0);
        json_t *a = json_object_get(s, "availability");
        if (isnan(r.site.availability))
            assert_true(json_is_null(a));
        else
            assert_float_equal(json_number_value(a), r.site.availability, 1e-9);
        avail_result_free(&r);
    }
    json_decref(j);
}

static void test_filters(void **state)
{
    (void)state;
    char buf[256];
    static const struct {
        const char *a, *b, *want;
    } cases[] = {
        {"commune=amiens", NULL, "ecole-1 cam-1 ecole-2"},
        {"category=school", NULL, "ecole-1 ecole-2"},
        {"contract=premium", NULL, "cam-1"},
        {"nro=nro-b", NULL, "mairie-1 police-1"},
        {"state=down", NULL, "ecole-1 mairie-1"},
        {"state=unknown", NULL, "police-1"},
        {"q=ÉCOLE", NULL, "ecole-1 ecole-2"},  /* the names, whatever the case of É */
        {"q=hug", NULL, "ecole-2"},
        {"q=DOULL", NULL, "mairie-1 police-1"}, /* the commune */
        {"q=cam-", NULL, "cam-1"},              /* the id */
        {"commune=Amiens", "state=up", "cam-1 ecole-2"},
        {"commune=Nowhere", NULL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = list(cases[i].a, cases[i].b);
        if (strcmp(ids(j, buf, sizeof buf), cases[i].want) != 0)
            fail_msg("%s %s: '%s', not '%s'", cases[i].a, cases[i].b ? cases[i].b : "", buf, cases[i].want);
        json_decref(j);
    }
    /* counts are those of every filter but state */
    json_t *j = list("state=down", NULL);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counts"), "up")), 2);
    json_decref(j);
    assert_bad("/api/v1/public-sites", "category=zoo", "category");
    assert_bad("/api/v1/public-sites", "state=sideways", "state");
    assert_bad("/api/v1/public-sites", "contract=nope", "contract");
    assert_bad("/api/v1/public-sites", "nro=ecole-1", "nro");
    assert_bad("/api/v1/public-sites", "nro=../x", "nro");
    char longq[140] = "q=";
    memset(longq + 2, 'a', 101);
    assert_bad("/api/v1/public-sites", longq, "q");
    assert_bad("/api/v1/public-sites", "commune=a\x01z", "commune");
}

static void test_one_site(void **state)
{
    (void)state;
    int st;
    json_t *j = get("/api/v1/public-sites/ecole-1", RD_TOKEN, &st, NULL, NULL);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "École Jaurès");
    assert_string_equal(json_string_value(json_object_get(j, "attributed_to")), "nro-a");
    assert_float_equal(json_number_value(json_object_get(j, "availability")), 50.0, 1e-9);
    json_t *addr = json_object_get(j, "addresses");
    assert_int_equal(json_array_size(addr), 1);
    assert_string_equal(json_string_value(json_array_get(addr, 0)), "198.18.1.11");
    json_t *ch = json_object_get(j, "checks");
    assert_int_equal(json_array_size(ch), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "type")), "icmp");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ch, 1), "port")), 554);
    /* the month's incident: ongoing, behind its NRO, 30 min into a 4 h GTR */
    json_t *inc = json_object_get(j, "incidents");
    assert_int_equal(json_array_size(inc), 1);
    json_t *in = json_array_get(inc, 0);
    assert_int_equal(json_integer_value(json_object_get(in, "start")), M + 1800);
    assert_true(json_is_null(json_object_get(in, "restored")));
    assert_int_equal(json_integer_value(json_object_get(in, "duration")), 1800);
    assert_int_equal(json_integer_value(json_object_get(in, "gtr_deadline")), M + 1800 + 4 * 3600);
    assert_false(json_is_true(json_object_get(in, "breach")));
    assert_string_equal(json_string_value(json_object_get(in, "attributed_to")), "nro-a");
    json_decref(j);
    j = get("/api/v1/public-sites/cam-1", RD_TOKEN, &st, NULL, NULL);
    assert_int_equal(st, 200);
    in = json_array_get(json_object_get(j, "incidents"), 0);
    assert_int_equal(json_integer_value(json_object_get(in, "restored")), M + 1200);
    assert_int_equal(json_integer_value(json_object_get(in, "duration")), 600);
    assert_true(json_is_null(json_object_get(in, "attributed_to")));
    json_decref(j);
    j = get("/api/v1/public-sites/mairie-1", RD_TOKEN, &st, NULL, NULL);
    json_t *http = json_array_get(json_object_get(j, "checks"), 0);
    assert_string_equal(json_string_value(json_object_get(http, "url")), "https://mairie.example/");
    assert_int_equal(json_integer_value(json_object_get(http, "expect")), 204);
    json_decref(j);
    static const struct {
        const char *path;
        int status;
    } bad[] = {{"/api/v1/public-sites/nro-a", 404},      {"/api/v1/public-sites/nope", 404},
               {"/api/v1/public-sites/", 400},           {"/api/v1/public-sites/bad id", 400},
               {"/api/v1/public-sites/a/../../etc", 400}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = get(bad[i].path, RD_TOKEN, &st, NULL, NULL);
        assert_int_equal(st, bad[i].status);
        json_decref(j);
    }
    char longid[120];
    snprintf(longid, sizeof longid, "/api/v1/public-sites/%065d", 1);
    j = get(longid, RD_TOKEN, &st, NULL, NULL);
    assert_int_equal(st, 400);
    json_decref(j);
}

/* The answer, as the agent parses it. */
static agent_check *targets(const char *token, const char *agent, size_t *n, json_t **doc)
{
    int st;
    char auth[80];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    *doc = get("/api/v1/agent/targets", auth, &st, NULL, NULL);
    assert_int_equal(st, 200);
    char *text = json_dumps(*doc, JSON_COMPACT);
    agent_check *list = NULL;
    vg_err err;
    if (check_targets_parse(text, strlen(text), agent, &list, n, &err) != VG_OK)
        fail_msg("the agent refuses the list: %s", err.msg);
    free(text);
    return list;
}

static void free_targets(agent_check *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        agent_check_clear(&l[i]);
    free(l);
}

static void test_agent_targets(void **state)
{
    (void)state;
    size_t n;
    json_t *doc;
    agent_check *l = targets(TOK_DC, "dc", &n, &doc);
    assert_int_equal(n, 3); /* sorted by name by the parser */
    assert_string_equal(l[0].name, "cam-1");
    assert_string_equal(l[1].name, "ecole-1");
    assert_string_equal(l[2].name, "ecole-2");
    assert_string_equal(l[1].cls, "link");
    assert_true(l[1].icmp);
    assert_int_equal(l[1].nports, 1);
    assert_int_equal(l[1].ports[0], 554);
    assert_int_equal(l[2].nhosts, 2);
    assert_string_equal(l[2].hosts[1], "198.18.1.22");
    assert_true(l[0].icmp && l[0].nports == 0 && l[0].nhttp == 0); /* no checks column: icmp */
    assert_int_equal(json_array_size(json_object_get(doc, "skipped")), 0);
    free_targets(l, n);
    json_decref(doc);
    l = targets(TOK_CHK, "chk2", &n, &doc);
    assert_int_equal(n, 2);
    assert_string_equal(l[0].name, "mairie-1");
    assert_false(l[0].icmp);
    assert_int_equal(l[0].nhttp, 1);
    assert_string_equal(l[0].http[0].url, "https://mairie.example/");
    assert_int_equal(l[0].http[0].expect, 204);
    assert_string_equal(l[1].name, "police-1");
    assert_true(l[1].icmp); /* no checks column: an echo */
    assert_string_equal(l[1].hosts[0], "198.18.1.14");
    assert_int_equal(json_array_size(json_object_get(doc, "skipped")), 0); /* the CSV holds only what agents check */
    free_targets(l, n);
    json_decref(doc);
    l = targets(TOK_NRO, "nro-a-agent", &n, &doc);
    assert_int_equal(n, 0);
    free(l);
    json_decref(doc);
    /* a read token is no agent's; an agent's token reads nothing */
    int st;
    json_t *j = get("/api/v1/agent/targets", RD_TOKEN, &st, NULL, NULL);
    assert_int_equal(st, 401);
    json_decref(j);
    j = get("/api/v1/agent/targets", NULL, &st, NULL, NULL);
    assert_int_equal(st, 401);
    json_decref(j);
    j = get("/api/v1/public-sites", "Bearer " TOK_DC, &st, NULL, NULL);
    assert_int_equal(st, 401);
    json_decref(j);
    api_reply deny;
    assert_false(api_admit(&ctx, "GET", "/api/v1/agent/targets", RD_TOKEN, &deny));
    assert_int_equal(deny.status, 401);
    free(deny.body);
    assert_true(api_admit(&ctx, "GET", "/api/v1/agent/targets", "Bearer " TOK_CHK, &deny));
}

static void test_sites_kind(void **state)
{
    (void)state;
    static const struct {
        const char *kind, *want;
    } cases[] = {{"kind=nro", "nro-a nro-b"}, {"kind=datacenter,nro", "dc nro-a nro-b"}, {"kind=public", "cam-1 ecole-1 ecole-2 mairie-1 police-1"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st;
        json_t *j = get("/api/v1/sites", RD_TOKEN, &st, cases[i].kind, NULL);
        assert_int_equal(st, 200);
        /* sorted here: the order is report_build's (worst first), checked below for nro */
        char got[256] = "";
        const char *names[16];
        size_t n = 0, k;
        json_t *s;
        json_array_foreach(json_object_get(j, "sites"), k, s) names[n++] = json_string_value(json_object_get(s, "site"));
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++)
                if (strcmp(names[b], names[a]) < 0) {
                    const char *t = names[a];
                    names[a] = names[b];
                    names[b] = t;
                }
        for (size_t a = 0; a < n; a++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", a ? " " : "", names[a]);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: '%s'", cases[i].kind, got);
        assert_non_null(json_string_value(json_object_get(json_array_get(json_object_get(j, "sites"), 0), "state")));
        json_decref(j);
    }
    int st;
    json_t *j = get("/api/v1/sites", RD_TOKEN, &st, "kind=nro", NULL);
    /* nro-a down half the hour comes before nro-b (no data) */
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "sites"), 0), "site")), "nro-a");
    json_decref(j);
    j = get("/api/v1/sites", RD_TOKEN, &st, NULL, NULL);
    /* no kind: every site but the public ones (report_build leaves them to the contract report) */
    assert_int_equal(json_array_size(json_object_get(j, "sites")), 3);
    json_decref(j);
    assert_bad("/api/v1/sites", "kind=zoo", "kind");
    assert_bad("/api/v1/sites", "kind=nro,", "kind");
    assert_bad("/api/v1/sites", "kind=", "kind");
}

/* ---- 1,200 sites ------------------------------------------------------------------------------ */


static int setup_many(void **state)
{
    (void)state;
    size_t size = 1300 * 96;
    char *csv = malloc(size);
    size_t len = (size_t)snprintf(csv, size, "id,name,commune,category,nro,address,contract\n");
    for (int i = 0; i < 1200; i++)
        len += (size_t)snprintf(csv + len, size - len, "s%04d,Site %d,Commune %d,school,%s,198.18.%d.%d,standard\n", i, i,
                                i % 40, i % 2 ? "nro-a" : "nro-b", 2 + i / 250, 1 + i % 250);
    load(csv);
    free(csv);
    /* three pushes of every site: s0000..s0099 go down at the third */
    for (int k = 0; k < 3; k++) {
        batch b = {json_array(), json_array()};
        char id[16];
        for (int i = 0; i < 1200; i++) {
            snprintf(id, sizeof id, "s%04d", i);
            link_up(&b, id, k < 2 || i >= 100, M + 60 * k);
            add(&b, id, "link.rtt", NULL, 1 + i % 7, "ms", M + 60 * k);
        }
        send_batch("dc", TOK_DC, (uint64_t)k + 1, &b, M + 60 * k);
    }
    return 0;
}

static int run_counted(const char *kv, size_t *nsites)
{
    int64_t before = sq_statements(ctx.db->sql);
    int st;
    args a;
    memset(&a, 0, sizeof a);
    char buf[64];
    if (kv) {
        snprintf(buf, sizeof buf, "%s", kv);
        *strchr(buf, '=') = '\0';
        a.keys[0] = buf;
        a.vals[0] = buf + strlen(buf) + 1;
    }
    api_request req = {.method = "GET", .path = "/api/v1/public-sites", .authorization = RD_TOKEN, .now = (time_t)(M + 180),
                       .arg = get_arg, .arg_ctx = &a};
    api_reply r = api_dispatch(&ctx, &req);
    int statements = (int)(sq_statements(ctx.db->sql) - before);
    st = r.status;
    json_t *j = json_loads(r.body, 0, NULL);
    assert_int_equal(st, 200);
    *nsites = json_array_size(json_object_get(j, "sites"));
    if (!kv) {
        assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counts"), "down")), 100);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counts"), "up")), 1100);
        json_t *first = json_array_get(json_object_get(j, "sites"), 0);
        assert_string_equal(json_string_value(json_object_get(first, "id")), "s0000");
        /* up [M, M+120), down [M+120, M+180) */
        assert_float_equal(json_number_value(json_object_get(first, "availability")), 200.0 / 3, 1e-9);
    }
    json_decref(j);
    free(r.body);
    return statements;
}

static void test_many_sites_statements(void **state)
{
    (void)state;
    size_t all, few, one;
    int s_all = run_counted(NULL, &all), s_few = run_counted("q=s000", &few), s_one = run_counted("q=s0001", &one);
    assert_int_equal(all, 1200);
    assert_int_equal(few, 10);
    assert_int_equal(one, 1);
    print_message("statements: %d for 1,200 sites, %d for 10, %d for 1\n", s_all, s_few, s_one);
    assert_int_equal(s_all, s_few);
    assert_int_equal(s_all, s_one);
    assert_true(s_all <= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_order_counts_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_site, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sites_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_sites_statements, setup_many, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
