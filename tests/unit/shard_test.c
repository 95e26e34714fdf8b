/* shard: the reads of a sharded estate (cluster/shard_forward.h, cluster/shard_metrics.h): which
 * requests are forwarded to another shard, and the merge of the shards' /metrics by family (labels
 * injected and escaped, histograms kept whole, malformed member lines left out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/shard_forward.h"
#include "cluster/shard_metrics.h"
#include "config/server_config.h"

/* ---- the forward decision --------------------------------------------------------------------- */

/* Two shards, north (this server's) and south; italie in north, nro-sud in south. */
static server_config *two_shards(void)
{
    server_config *cfg = calloc(1, sizeof *cfg);
    cfg->sites = calloc(2, sizeof *cfg->sites);
    snprintf(cfg->sites[0].id, sizeof cfg->sites[0].id, "italie");
    snprintf(cfg->sites[1].id, sizeof cfg->sites[1].id, "nro-sud");
    cfg->sites[1].shard = 1;
    cfg->nsites = 2;
    cfg->cluster.on = true;
    snprintf(cfg->cluster.node, sizeof cfg->cluster.node, "vigie-a");
    cfg->cluster.nshards = 2;
    snprintf(cfg->cluster.shards[0].name, sizeof cfg->cluster.shards[0].name, "north");
    snprintf(cfg->cluster.shards[0].servers[0], SHARD_URL_MAX, "http://127.0.0.1:1");
    cfg->cluster.shards[0].nservers = 1;
    snprintf(cfg->cluster.shards[1].name, sizeof cfg->cluster.shards[1].name, "south");
    snprintf(cfg->cluster.shards[1].servers[0], SHARD_URL_MAX, "http://127.0.0.1:2");
    cfg->cluster.shards[1].nservers = 1;
    return cfg;
}

static void free_cfg(server_config *cfg)
{
    free(cfg->sites);
    free(cfg);
}

/* A request's arguments and headers: "name=value" strings, headers with a ':' */
typedef struct {
    const char *kv[4];
} fake_req;

static const char *fake_lookup(void *ctx, const char *name, char sep)
{
    fake_req *f = ctx;
    size_t n = strlen(name);
    for (size_t i = 0; i < 4 && f->kv[i]; i++)
        if (strncmp(f->kv[i], name, n) == 0 && f->kv[i][n] == sep)
            return f->kv[i] + n + 1;
    return NULL;
}

static const char *fake_arg(void *ctx, const char *name) { return fake_lookup(ctx, name, '='); }
static const char *fake_header(void *ctx, const char *name) { return fake_lookup(ctx, name, ':'); }

static const server_shard *target(const server_config *cfg, const char *method, const char *path, fake_req *f)
{
    api_request req = {.method = method, .path = path, .arg = fake_arg, .header = fake_header, .arg_ctx = f,
                       .query = ""};
    return shard_fwd_target(cfg, NULL, &req);
}

static void test_forward_other_shard(void **state)
{
    (void)state;
    server_config *cfg = two_shards();
    fake_req sud = {{"site=nro-sud"}};
    const server_shard *s = target(cfg, "GET", "/api/v1/series", &sud);
    assert_non_null(s);
    assert_string_equal(s->name, "south");
    assert_non_null(target(cfg, "HEAD", "/api/v1/energy", &sud));
    assert_non_null(target(cfg, "GET", "/api/v1/trends", &sud));
    assert_non_null(target(cfg, "GET", "/api/v1/report", &sud));
    free_cfg(cfg);
}

static void test_answered_here(void **state)
{
    (void)state;
    server_config *cfg = two_shards();
    fake_req own = {{"site=italie"}}, sud = {{"site=nro-sud"}}, none = {{"device=ups"}};
    fake_req unknown = {{"site=nowhere"}}, bad = {{"site=../etc"}};
    fake_req looped = {{"site=nro-sud", SHARD_FWD_HEADER ":vigie-b"}};
    assert_null(target(cfg, "GET", "/api/v1/series", &own));         /* its own shard's site */
    assert_null(target(cfg, "GET", "/api/v1/series", &none));        /* no site: 400 here */
    assert_null(target(cfg, "GET", "/api/v1/series", &unknown));     /* 404 here */
    assert_null(target(cfg, "GET", "/api/v1/series", &bad));         /* 400 here */
    assert_null(target(cfg, "GET", "/api/v1/series", &looped));      /* already forwarded: never again */
    assert_null(target(cfg, "GET", "/api/v1/headroom", &sud));       /* read from the database */
    assert_null(target(cfg, "GET", "/api/v1/availability", &sud));   /* read from the database */
    assert_null(target(cfg, "POST", "/api/v1/series", &sud));        /* not a read */
    assert_null(target(cfg, "GET", "/api/v1/series/x", &sud));       /* not the route */
    cfg->cluster.nshards = 0; /* one pair: every site is this server's */
    cfg->sites[1].shard = 0;
    assert_null(target(cfg, "GET", "/api/v1/series", &sud));
    free_cfg(cfg);
}

static void test_federates(void **state)
{
    (void)state;
    server_config *cfg = two_shards();
    fake_req fed = {{"federate=1"}}, plain = {{"x=1"}}, looped = {{"federate=1", SHARD_FWD_HEADER ":vigie-b"}};
    api_request req = {.method = "GET", .path = "/metrics", .arg = fake_arg, .header = fake_header, .arg_ctx = &fed};
    assert_true(shard_fwd_federates(cfg, &req));
    req.arg_ctx = &plain;
    assert_false(shard_fwd_federates(cfg, &req));
    req.arg_ctx = &looped;
    assert_false(shard_fwd_federates(cfg, &req));
    req.arg_ctx = &fed;
    cfg->cluster.nshards = 0;
    assert_false(shard_fwd_federates(cfg, &req));
    free_cfg(cfg);
}

/* A shard none of whose servers listens: a 502 naming the shard and the server, with the site as field. */
static void test_forward_all_down(void **state)
{
    (void)state;
    server_config *cfg = two_shards();
    fake_req sud = {{"site=nro-sud"}};
    api_request req = {.method = "GET", .path = "/api/v1/series", .arg = fake_arg, .header = fake_header,
                       .arg_ctx = &sud, .query = "site=nro-sud", .authorization = "Bearer secret-token"};
    api_reply r = shard_fwd_get(cfg, &cfg->cluster.shards[1], &req);
    assert_int_equal(r.status, 502);
    assert_non_null(strstr(r.body, "south"));
    assert_non_null(strstr(r.body, "http://127.0.0.1:2"));
    assert_non_null(strstr(r.body, "\"field\":\"site\""));
    assert_null(strstr(r.body, "secret-token"));
    free(r.body);
    req.query = NULL; /* past http.c's bound */
    r = shard_fwd_get(cfg, &cfg->cluster.shards[1], &req);
    assert_int_equal(r.status, 414);
    free(r.body);
    free_cfg(cfg);
}

/* ---- the /metrics merge ----------------------------------------------------------------------- */

static char *merge(const shard_metrics_member *m, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    vg_err err;
    assert_int_equal(shard_metrics_merge(m, n, &out, &len, &err), VG_OK);
    assert_int_equal(len, strlen(out));
    return out;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static const char north[] = "# HELP vigie_site_up 1 while up\n"
                            "# TYPE vigie_site_up gauge\n"
                            "vigie_site_up{site=\"italie\"} 1\n"
                            "# HELP vigie_build_info Always 1\n"
                            "# TYPE vigie_build_info gauge\n"
                            "vigie_build_info{version=\"1.0\"} 1\n"
                            "# HELP vigie_ingest_batches_total Batches\n"
                            "# TYPE vigie_ingest_batches_total counter\n"
                            "vigie_ingest_batches_total 12\n";
static const char south[] = "# HELP vigie_build_info Always 1 (south's words)\n"
                            "# TYPE vigie_build_info gauge\n"
                            "vigie_build_info{version=\"1.0\"} 1\n"
                            "# HELP vigie_site_up 1 while up\n"
                            "# TYPE vigie_site_up gauge\n"
                            "vigie_site_up{site=\"nro-sud\"} 0\r\n"
                            "vigie_ingest_batches_total 7 1790000000000\n";

static void test_merge_families(void **state)
{
    (void)state;
    shard_metrics_member m[] = {{"north", north, 0}, {"south", south, 0}};
    char *out = merge(m, 2);
    /* one header per family, the first member's, and both members' samples right under it */
    assert_int_equal(count(out, "# TYPE vigie_site_up gauge\n"), 1);
    assert_int_equal(count(out, "# HELP vigie_build_info"), 1);
    assert_non_null(strstr(out, "# HELP vigie_build_info Always 1\n"));
    assert_non_null(strstr(out, "# TYPE vigie_site_up gauge\n"
                                "vigie_site_up{shard=\"north\",site=\"italie\"} 1\n"
                                "vigie_site_up{shard=\"south\",site=\"nro-sud\"} 0\n"));
    /* no braces: new ones; a timestamp stays */
    assert_non_null(strstr(out, "# TYPE vigie_ingest_batches_total counter\n"
                                "vigie_ingest_batches_total{shard=\"north\"} 12\n"
                                "vigie_ingest_batches_total{shard=\"south\"} 7 1790000000000\n"));
    assert_non_null(strstr(out, "# TYPE vigie_federation_member_up gauge\n"
                                "vigie_federation_member_up{shard=\"north\"} 1\n"
                                "vigie_federation_member_up{shard=\"south\"} 1\n"));
    /* families in the order they first appear */
    assert_true(strstr(out, "vigie_site_up") < strstr(out, "vigie_build_info"));
    free(out);
}

static void test_merge_member_down(void **state)
{
    (void)state;
    shard_metrics_member m[] = {{"north", north, 0}, {"south", NULL, 0}};
    char *out = merge(m, 2);
    assert_non_null(strstr(out, "vigie_federation_member_up{shard=\"south\"} 0\n"));
    assert_null(strstr(out, "nro-sud"));
    free(out);
    out = merge(NULL, 0); /* nothing at all: the member_up family alone, without samples */
    assert_non_null(strstr(out, "# TYPE vigie_federation_member_up gauge\n"));
    assert_null(strstr(out, "} "));
    free(out);
}

static void test_merge_escapes(void **state)
{
    (void)state;
    static const char text[] = "# TYPE x gauge\n"
                               "x{path=\"C:\\\\tmp\",say=\"a \\\"b\\\" }{ c\",nl=\"1\\n2\"} 3\n"
                               "x{} 4\n"
                               "x{shard=\"kept\",a=\"b\",} 5\n";
    shard_metrics_member m[] = {{"we\"ird\\sh\nard", text, 0}};
    char *out = merge(m, 1);
    /* the member's escaped values unchanged, a '}' inside quotes not the end of the labels */
    assert_non_null(strstr(out, "x{shard=\"we\\\"ird\\\\sh\\nard\",path=\"C:\\\\tmp\",say=\"a \\\"b\\\" }{ c\","
                                "nl=\"1\\n2\"} 3\n"));
    assert_non_null(strstr(out, "x{shard=\"we\\\"ird\\\\sh\\nard\"} 4\n"));
    assert_non_null(strstr(out, "x{shard=\"kept\",a=\"b\",} 5\n")); /* labelled already: as it was */
    assert_non_null(strstr(out, "vigie_federation_member_up{shard=\"we\\\"ird\\\\sh\\nard\"} 1\n"));
    free(out);
}

static void test_merge_histogram(void **state)
{
    (void)state;
    static const char a[] = "# HELP h_seconds Time\n# TYPE h_seconds histogram\n"
                            "h_seconds_bucket{le=\"0.1\"} 1\nh_seconds_bucket{le=\"+Inf\"} 2\n"
                            "h_seconds_sum 0.3\nh_seconds_count 2\n"
                            "# TYPE g gauge\ng 1\n";
    static const char b[] = "# TYPE g gauge\ng 2\n"
                            "# HELP h_seconds Time\n# TYPE h_seconds histogram\n"
                            "h_seconds_bucket{le=\"0.1\"} 0\nh_seconds_bucket{le=\"+Inf\"} 5\n"
                            "h_seconds_sum 1.5\nh_seconds_count 5\n";
    shard_metrics_member m[] = {{"n", a, 0}, {"s", b, 0}};
    char *out = merge(m, 2);
    assert_non_null(strstr(out, "# TYPE h_seconds histogram\n"
                                "h_seconds_bucket{shard=\"n\",le=\"0.1\"} 1\n"
                                "h_seconds_bucket{shard=\"n\",le=\"+Inf\"} 2\n"
                                "h_seconds_sum{shard=\"n\"} 0.3\n"
                                "h_seconds_count{shard=\"n\"} 2\n"
                                "h_seconds_bucket{shard=\"s\",le=\"0.1\"} 0\n"
                                "h_seconds_bucket{shard=\"s\",le=\"+Inf\"} 5\n"
                                "h_seconds_sum{shard=\"s\"} 1.5\n"
                                "h_seconds_count{shard=\"s\"} 5\n"
                                "# TYPE g gauge\n"
                                "g{shard=\"n\"} 1\n"
                                "g{shard=\"s\"} 2\n"));
    assert_null(strstr(out, "# TYPE h_seconds_bucket"));
    assert_int_equal(count(out, "# TYPE"), 3);
    free(out);
}

static void test_merge_malformed(void **state)
{
    (void)state;
    static const char text[] = "# TYPE ok gauge\n"
                               "ok 1\n"
                               "ok\n"                      /* no value */
                               "ok{a=\"b\" 2\n"            /* no closing brace */
                               "ok{a=\"b} 3\n"             /* no closing quote */
                               "ok{a=b} 4\n"               /* unquoted value */
                               "ok{=\"b\"} 5\n"            /* no label name */
                               "ok notanumber\n"
                               "ok 6 12x\n"                /* a timestamp that is none */
                               "9ok 7\n"                   /* a name starting with a digit */
                               "{a=\"b\"} 8\n"             /* no name */
                               "# TYPE\n# HELP \n#\n"      /* headers without names */
                               "ok NaN\nok +Inf\n"
                               "\n   \n"
                               "ok 9";                     /* the last line without its newline */
    shard_metrics_member m[] = {{"x", text, 0}};
    char *out = merge(m, 1);
    assert_string_equal(out, "# TYPE ok gauge\n"
                             "ok{shard=\"x\"} 1\n"
                             "ok{shard=\"x\"} NaN\n"
                             "ok{shard=\"x\"} +Inf\n"
                             "ok{shard=\"x\"} 9\n"
                             "# HELP vigie_federation_member_up 1 when one of the shard's servers answered this "
                             "federation's scrape of its /metrics, 0 when none did\n"
                             "# TYPE vigie_federation_member_up gauge\n"
                             "vigie_federation_member_up{shard=\"x\"} 1\n");
    free(out);
    /* a member's text given by length: what follows is not read */
    static const char cut[] = "ok 1\nok 2\n";
    shard_metrics_member c[] = {{"x", cut, 5}};
    out = merge(c, 1);
    assert_non_null(strstr(out, "ok{shard=\"x\"} 1\n"));
    assert_null(strstr(out, "} 2"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_other_shard), cmocka_unit_test(test_answered_here),
        cmocka_unit_test(test_federates),           cmocka_unit_test(test_forward_all_down),
        cmocka_unit_test(test_merge_families),      cmocka_unit_test(test_merge_member_down),
        cmocka_unit_test(test_merge_escapes),       cmocka_unit_test(test_merge_histogram),
        cmocka_unit_test(test_merge_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
