/* The ingest and status handlers with a real SQLite database and real RRD files in a temp folder:
 * authentication, validation (nothing written on refusal), storage, duplicates, stale samples; the
 * storage tests run twice, once writing in this process and once through the RRD writer process with
 * the server's lock, as vigie-server runs; pushes from several threads at once. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <jansson.h>
#include <rrd.h>
#include <sys/stat.h>

#include "http/api.h"
#include "report/report.h"
#include "test_db.h"
#include "test_util.h"

#define NOW 1790000000

static char *dir;
static server_config *cfg;
static api_ctx ctx;

static int setup_each(void **state)
{
    char path[600], yaml[1200];
    dir = tu_tmpdir();
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 60\nsites: [{id: doullens}, {id: peronne}]\n"
             "agents:\n  - {id: nro-doullens, token: token-doullens-0001, site: doullens}\n"
             "  - {id: nro-limited, token: token-limited-00001, site: doullens, devices: [ups1, olt1]}\n"
             "  - {id: nro-peronne, token: token-peronne-00001, site: peronne}\n"
             "api_tokens: [{name: ops, token: token-reader-000001}, {name: boss, token: token-admin-0000001, role: admin}]\n",
             dir);
    vg_err cerr;
    cfg = server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), &cerr);
    if (!cfg)
        fail_msg("%s", cerr.msg);
    snprintf(path, sizeof path, "%s/vigie.db", dir);
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = cfg;
    vg_err derr;
    assert_int_equal(db_open(tu_db(path), &ctx.db, &derr), VG_OK);
    ctx.rrd = rrd_store_new(dir, 60);
    assert_non_null(ctx.db);
    assert_non_null(ctx.rrd);
    return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t agent_done = PTHREAD_COND_INITIALIZER;

/* As vigie-server runs: the RRD files written by the writer process, requests behind the lock. */
static int setup_server(void **state)
{
    setup_each(state);
    vg_err err;
    if (rrd_store_start_writer(ctx.rrd, &err) != VG_OK)
        fail_msg("%s", err.msg);
    pid_t pids[4];
    assert_true(rrd_store_writer_pids(ctx.rrd, pids, 4) >= 1);
    ctx.lock = &lock;
    ctx.agent_done = &agent_done;
    return 0;
}

static int teardown_each(void **state)
{
    rrd_store_free(ctx.rrd);
    db_close(ctx.db);
    server_config_free(cfg);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* Number of entries under dir/rrd, recursively. */
static int count_files(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1200];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        n += 1 + count_files(sub);
    }
    closedir(d);
    return n;
}

static int rrd_files(void)
{
    char p[700];
    snprintf(p, sizeof p, "%s/rrd", dir);
    return count_files(p);
}

static api_reply ingest(const char *token, const char *body, time_t now)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    return api_ingest(&ctx, token ? auth : NULL, body, strlen(body), now);
}

static void expect(api_reply r, int status, const char *part)
{
    if (r.status != status || (part && (!r.body || !strstr(r.body, part))))
        fail_msg("got %d %s, wanted %d with '%s'", r.status, r.body, status, part ? part : "");
    free(r.body);
}

static const char *good =
    "{\"agent\":\"nro-doullens\",\"seq\":7,\"samples\":["
    "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"instance\":\"\",\"value\":98,\"unit\":\"%\",\"ts\":1789999990},"
    "{\"device\":\"ups1\",\"metric\":\"input.voltage\",\"instance\":\"L1\",\"value\":231.5,\"unit\":\"V\",\"ts\":1789999990},"
    "{\"device\":\"olt1\",\"metric\":\"olt.pon.status\",\"instance\":\"0/1/3\",\"value\":1,\"text\":\"up\",\"ts\":1789999990}]}";

static void test_auth(void **state)
{
    expect(ingest(NULL, good, NOW), 401, "Bearer token is required");
    expect(ingest("wrong-token-000000000", good, NOW), 401, "unknown agent token");
    /* a reader's token cannot push */
    expect(ingest("token-reader-000001", good, NOW), 401, "unknown agent token");
    /* Péronne's agent cannot write Doullens' data */
    expect(ingest("token-peronne-00001", good, NOW), 403, "another agent");
    assert_int_equal(rrd_files(), 0);
    assert_int_equal(ctx.rejected, 4);
}

static void test_declared_devices(void **state)
{
    /* an agent with a device list writes those devices and no other */
    const char *mine = "{\"agent\":\"nro-limited\",\"seq\":1,\"samples\":["
                       "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":98,\"ts\":1789999990}]}";
    const char *other = "{\"agent\":\"nro-limited\",\"seq\":2,\"samples\":["
                        "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":98,\"ts\":1790000000},"
                        "{\"device\":\"clim9\",\"metric\":\"cooling.state\",\"value\":1,\"ts\":1790000000}]}";
    expect(ingest("token-limited-00001", mine, NOW), 200, "\"stored\":1");
    int files = rrd_files();
    expect(ingest("token-limited-00001", other, NOW), 403, "samples[1].device");
    assert_int_equal(rrd_files(), files);
}

static void test_malformed_changes_nothing(void **state)
{
    expect(ingest("token-doullens-0001", good, NOW), 200, "\"stored\":3");
    int files = rrd_files();
    assert_int_equal(files, 1 + 2 + 3); /* the site's folder, two device folders, three series */
    const char *bad[] = {
        "{\"agent\":\"nro-doullens\",\"seq\":8,\"samples\":[{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":97,\"ts\":1790000000},"
        "{\"device\":\"../../etc\",\"metric\":\"x\",\"value\":1,\"ts\":1790000000}]}",
        "{\"agent\":\"nro-doullens\",\"seq\":8,\"samples\":[{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":\"97\",\"ts\":1790000000}]}",
        "{\"agent\":\"nro-doullens\",\"seq\":8,\"samples\":[{\"device\":\"ups9\",\"metric\":\"battery.charge\",\"value\":97,\"ts\":1790099999}]}",
        "not json",
    };
    const char *fields[] = {"samples[1].device", "samples[0].value", "samples[0].ts", "body"};
    const int status[] = {400, 400, 409, 400}; /* a time too far ahead: "retry": "clock" (push.h) */
    for (size_t i = 0; i < 4; i++)
        expect(ingest("token-doullens-0001", bad[i], NOW), status[i], fields[i]);
    assert_int_equal(rrd_files(), files);
    char path[1200];
    assert_int_equal(rrd_store_path(ctx.rrd, "doullens", "ups1", "battery.charge", "", path, sizeof path), 0);
    assert_int_equal(rrd_last_r(path), 1789999990);
}

static void test_store_and_read_back(void **state)
{
    expect(ingest("token-doullens-0001", good, NOW), 200, "\"stored\":3");
    char path[1200];
    assert_int_equal(rrd_store_path(ctx.rrd, "doullens", "olt1", "olt.pon.status", "0/1/3", path, sizeof path), 0);
    assert_non_null(strstr(path, "/rrd/doullens/olt1/olt.pon.status@0%2F1%2F3.rrd"));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    time_t last;
    unsigned long n;
    char **names, **values;
    assert_int_equal(rrd_store_path(ctx.rrd, "doullens", "ups1", "input.voltage", "L1", path, sizeof path), 0);
    assert_int_equal(rrd_lastupdate_r(path, &last, &n, &names, &values), 0);
    assert_int_equal(last, 1789999990);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "value");
    assert_true(strtod(values[0], NULL) == 231.5);
    free(names[0]);
    free(values[0]);
    free(names);
    free(values);
    /* the status shows the three values with their age */
    api_reply r = api_status(&ctx, "Bearer token-reader-000001", NOW);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    free(r.body);
    json_t *devs = json_object_get(j, "devices");
    assert_int_equal(json_array_size(devs), 2);
    json_t *olt = json_array_get(devs, 0);
    assert_string_equal(json_string_value(json_object_get(olt, "device")), "olt1");
    assert_string_equal(json_string_value(json_object_get(olt, "site")), "doullens");
    assert_int_equal(json_integer_value(json_object_get(olt, "age")), 10);
    json_t *m = json_array_get(json_object_get(olt, "metrics"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "text")), "up");
    json_decref(j);
    expect(api_status(&ctx, NULL, NOW), 401, "API token");
    expect(api_status(&ctx, "Bearer nope", NOW), 401, "API token");
}

static void test_duplicate_and_stale(void **state)
{
    expect(ingest("token-doullens-0001", good, NOW), 200, "\"stored\":3");
    /* the same batch again (a reply lost, the agent retries): acknowledged, stored once */
    expect(ingest("token-doullens-0001", good, NOW), 200, "\"duplicate\":true");
    assert_int_equal(ctx.batches, 1);
    /* a new batch whose samples are not newer than the files: skipped, counted */
    const char *old = "{\"agent\":\"nro-doullens\",\"seq\":9,\"samples\":["
                      "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":50,\"ts\":1789999990},"
                      "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":51,\"ts\":1790000050}]}";
    expect(ingest("token-doullens-0001", old, NOW + 60), 200, "\"stale\":1");
    char path[1200];
    assert_int_equal(rrd_store_path(ctx.rrd, "doullens", "ups1", "battery.charge", "", path, sizeof path), 0);
    assert_int_equal(rrd_last_r(path), 1790000050);
}

static void test_corrupt_rrd_set_aside(void **state)
{
    expect(ingest("token-doullens-0001", good, NOW), 200, "\"stored\":3");
    char path[1200];
    assert_int_equal(rrd_store_path(ctx.rrd, "doullens", "ups1", "battery.charge", "", path, sizeof path), 0);
    FILE *f = fopen(path, "w"); /* a crash or a disk fault left a few bytes */
    assert_non_null(f);
    fputs("not an rrd", f);
    fclose(f);
    const char *next = "{\"agent\":\"nro-doullens\",\"seq\":8,\"samples\":["
                       "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":96,\"ts\":1790000050}]}";
    expect(ingest("token-doullens-0001", next, NOW + 60), 200, "\"stored\":1");
    assert_int_equal(rrd_last_r(path), 1790000050);
    char pattern[1300];
    snprintf(pattern, sizeof pattern, "ls %s.corrupt-* >/dev/null 2>&1", path);
    assert_int_equal(system(pattern), 0); /* the damaged file is kept aside, not deleted */
}

static const char *query_arg(void *q, const char *name)
{
    static char vals[8][200]; /* the handler keeps the values of several arguments */
    static int next;
    size_t n = strlen(name);
    for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            char *val = vals[next++ % 8];
            snprintf(val, sizeof vals[0], "%.*s", (int)strcspn(p + n + 1, "&"), p + n + 1);
            return val;
        }
    return NULL;
}

/* Pushes one value of pdu1's outlet.current, instance "x n", at ts; it must be stored. */
static void push_x_n(int seq, long ts)
{
    char body[300];
    snprintf(body, sizeof body,
             "{\"agent\":\"nro-doullens\",\"seq\":%d,\"samples\":[{\"device\":\"pdu1\",\"metric\":"
             "\"outlet.current\",\"instance\":\"x n\",\"value\":%d.5,\"ts\":%ld}]}", seq, seq, ts);
    expect(ingest("token-doullens-0001", body, (time_t)ts + 10), 200, "\"stored\":1");
}

/* The JSON reply of a push that must be 200. */
static json_t *ingest_ok(const char *body, time_t now)
{
    api_reply r = ingest("token-doullens-0001", body, now);
    if (r.status != 200)
        fail_msg("got %d %s", r.status, r.body);
    json_t *o = json_loads(r.body, 0, NULL);
    free(r.body);
    assert_non_null(o);
    return o;
}

static void latest_value(void *c, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    (void)site, (void)agent, (void)received;
    if (strcmp(s->metric, "battery.runtime") == 0)
        *(double *)c = s->value;
}

/* Samples that can never be stored are refused alone, named, and the rest of the batch is stored:
 * a metric outside the vocabulary, an instance whose file name is past 255 bytes once escaped; an
 * x. metric is stored; of a duplicate in a batch the last one wins, in RRD and latest alike. */
static void test_refused_alone(void **state)
{
    char inst[101], body[2000];
    memset(inst, '#', 100);
    inst[100] = '\0';
    snprintf(body, sizeof body,
             "{\"agent\":\"nro-doullens\",\"seq\":1,\"samples\":["
             "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":98,\"ts\":1789999990},"
             "{\"device\":\"ups1\",\"metric\":\"ups.nothing\",\"value\":1,\"ts\":1789999990},"
             "{\"device\":\"ups1\",\"metric\":\"input.voltage\",\"instance\":\"%s\",\"value\":1,\"ts\":1789999990},"
             "{\"device\":\"ups1\",\"metric\":\"x.vendor.thing\",\"value\":5,\"ts\":1789999990},"
             "{\"device\":\"ups1\",\"metric\":\"battery.runtime\",\"value\":100,\"ts\":1789999990},"
             "{\"device\":\"ups1\",\"metric\":\"battery.runtime\",\"value\":200,\"ts\":1789999990}]}",
             inst);
    json_t *o = ingest_ok(body, NOW);
    assert_int_equal(json_integer_value(json_object_get(o, "stored")), 3);
    assert_int_equal(json_integer_value(json_object_get(o, "rejected")), 3);
    json_t *rej = json_object_get(o, "rejects");
    assert_int_equal(json_array_size(rej), 3);
    const char *want[][2] = {{"samples[1].metric", "vocabulary"}, {"samples[2].instance", "more than 255"},
                             {"samples[4].ts", "duplicate in batch"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(rej, i);
        const char *field = json_string_value(json_object_get(e, "field"));
        const char *reason = json_string_value(json_object_get(e, "reason"));
        bool found = false;
        for (size_t k = 0; k < 3; k++)
            found |= strcmp(field, want[k][0]) == 0 && strstr(reason, want[k][1]) != NULL;
        if (!found)
            fail_msg("unexpected refusal %s: %s", field, reason);
    }
    json_decref(o);
    assert_int_equal(ctx.samples_rejected, 3);
    assert_int_equal(ctx.batches, 1);
    assert_int_equal(rrd_files(), 5); /* doullens/, ups1/ and battery.charge, x.vendor.thing, battery.runtime */
    char path[1200];
    assert_int_equal(rrd_store_path(ctx.rrd, "doullens", "ups1", "battery.runtime", "", path, sizeof path), 0);
    time_t last = 0;
    unsigned long nds = 0;
    char **names = NULL, **vals = NULL;
    assert_int_equal(rrd_lastupdate_r(path, &last, &nds, &names, &vals), 0);
    assert_int_equal(last, 1789999990);
    assert_string_equal(vals[0], "200");
    for (unsigned long i = 0; i < nds; i++) {
        rrd_freemem(names[i]);
        rrd_freemem(vals[i]);
    }
    rrd_freemem(names);
    rrd_freemem(vals);
    double latest = 0;
    assert_int_equal(db_latest_query(ctx.db, "doullens", "ups1", latest_value, &latest, NULL), VG_OK);
    assert_true(latest == 200);
    /* the file name check itself */
    assert_int_equal(rrd_store_path(ctx.rrd, "doullens", "ups1", "input.voltage", inst, path, sizeof path),
                     VG_E_INVALID);
}

/* A series whose folder is a file, and a new series past the quota, are refused alone; the series
 * that exist are still written. */
static void test_unreachable_and_quota(void **state)
{
    char p[700];
    snprintf(p, sizeof p, "%s/rrd/doullens", dir);
    assert_int_equal(mkdir(p, 0750), 0);
    snprintf(p, sizeof p, "%s/rrd/doullens/blocked", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    json_t *o = ingest_ok("{\"agent\":\"nro-doullens\",\"seq\":1,\"samples\":["
                          "{\"device\":\"blocked\",\"metric\":\"battery.charge\",\"value\":1,\"ts\":1789999990},"
                          "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":2,\"ts\":1789999990}]}",
                          NOW);
    assert_int_equal(json_integer_value(json_object_get(o, "stored")), 1);
    json_t *e = json_array_get(json_object_get(o, "rejects"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "index")), 0);
    assert_non_null(strstr(json_string_value(json_object_get(e, "reason")), "Not a directory"));
    json_decref(o);
    assert_int_equal(ctx.series_failed, 1);
    cfg->max_series_per_device = 2;
    o = ingest_ok("{\"agent\":\"nro-doullens\",\"seq\":2,\"samples\":["
                  "{\"device\":\"ups1\",\"metric\":\"battery.charge\",\"value\":3,\"ts\":1790000050},"
                  "{\"device\":\"ups1\",\"metric\":\"battery.runtime\",\"value\":4,\"ts\":1790000050},"
                  "{\"device\":\"ups1\",\"metric\":\"battery.voltage\",\"value\":5,\"ts\":1790000050}]}",
                  NOW + 60);
    assert_int_equal(json_integer_value(json_object_get(o, "stored")), 2);
    e = json_array_get(json_object_get(o, "rejects"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "field")), "samples[2].metric");
    assert_non_null(strstr(json_string_value(json_object_get(e, "reason")), "max_series_per_device"));
    json_decref(o);
    assert_int_equal(rrd_store_series_count(ctx.rrd, "doullens", "ups1"), 2);
}

/* librrd 1.7 formats the name of a file it cannot map as a printf format; the instance "x n" is stored
 * as "@x%20n.rrd", and an empty file of that name made librrd abort the server ("%n"). */
static void test_empty_file_named_with_percent(void **state)
{
    push_x_n(1, 1789999990);
    char path[1200];
    assert_int_equal(rrd_store_path(ctx.rrd, "doullens", "pdu1", "outlet.current", "x n", path, sizeof path), 0);
    assert_non_null(strstr(path, "@x%20n.rrd"));
    assert_true(rrd_store_file_mappable(path));
    assert_int_equal(truncate(path, 0), 0); /* a disk fault, a crash at creation */
    assert_false(rrd_store_file_mappable(path));
    /* the series is not handed to librrd */
    api_request req = {.method = "GET", .path = "/api/v1/series", .authorization = "Bearer token-reader-000001",
                       .body = "", .now = NOW, .arg = query_arg,
                       .arg_ctx = "site=doullens&device=pdu1&metric=outlet.current&instance=x n&from=1789999000&to=1790000000"};
    expect(api_dispatch(&ctx, &req), 500, "damaged");
    /* nor is the next write: the file is set aside, a new one holds the value */
    push_x_n(2, 1790000050);
    assert_int_equal(rrd_last_r(path), 1790000050);
    char pattern[1300];
    snprintf(pattern, sizeof pattern, "ls '%s'.corrupt-* >/dev/null 2>&1", path);
    assert_int_equal(system(pattern), 0);
    /* emptied while the store knows the file (its last update is cached): caught before the update too */
    assert_int_equal(truncate(path, 0), 0);
    push_x_n(3, 1790000110);
    assert_int_equal(rrd_last_r(path), 1790000110);
}

#define PUSHERS 4
#define PUSHES 12

typedef struct {
    const char *agent, *token, *device;
    int first_seq;
    int ok, dup, failed;
} pusher;

static void *push_many(void *arg)
{
    pusher *p = arg;
    for (int k = 0; k < PUSHES; k++) {
        char body[600], auth[64];
        /* two pushers share an agent and send the same batches: each batch is stored once */
        snprintf(body, sizeof body,
                 "{\"agent\":\"%s\",\"seq\":%d,\"samples\":[{\"device\":\"%s\",\"metric\":\"battery.charge\","
                 "\"value\":%d,\"ts\":%d},{\"device\":\"%s\",\"metric\":\"ups.load\",\"value\":%d,\"ts\":%d}]}",
                 p->agent, p->first_seq + k, p->device, 50 + k, 1789990000 + 60 * k, p->device, k, 1789990000 + 60 * k);
        snprintf(auth, sizeof auth, "Bearer %s", p->token);
        api_request req = {.method = "POST", .path = "/api/v1/ingest", .authorization = auth, .body = body,
                           .len = strlen(body), .now = NOW};
        api_reply r = api_dispatch(&ctx, &req);
        if (r.status == 200 && strstr(r.body, "\"duplicate\":true"))
            p->dup++;
        else if (r.status == 200 && strstr(r.body, "\"stored\":2"))
            p->ok++;
        else
            p->failed++;
        free(r.body);
    }
    return NULL;
}

/* The server's HTTP threads push at once: the RRD writes of one agent keep their order (none taken for
 * stale), a batch sent twice at the same time is stored once, and every counter adds up. */
static void test_concurrent_pushes(void **state)
{
    pusher p[PUSHERS] = {
        {"nro-doullens", "token-doullens-0001", "ups1", 100, 0, 0, 0},
        {"nro-doullens", "token-doullens-0001", "ups1", 100, 0, 0, 0},
        {"nro-peronne", "token-peronne-00001", "ups2", 1, 0, 0, 0},
        {"nro-limited", "token-limited-00001", "olt1", 1, 0, 0, 0},
    };
    pthread_t t[PUSHERS];
    for (int i = 0; i < PUSHERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, push_many, &p[i]), 0);
    for (int i = 0; i < PUSHERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < PUSHERS; i++)
        assert_int_equal(p[i].failed, 0);
    assert_int_equal(p[0].ok + p[1].ok, PUSHES);
    assert_int_equal(p[0].dup + p[1].dup, PUSHES);
    assert_int_equal(p[2].ok, PUSHES);
    assert_int_equal(p[3].ok, PUSHES);
    assert_int_equal(ctx.batches, 3 * PUSHES);
    assert_int_equal(ctx.samples, 3 * PUSHES * 2);
    const char *sites[] = {"doullens", "peronne", "doullens"}, *devices[] = {"ups1", "ups2", "olt1"};
    for (int i = 0; i < 3; i++) {
        char path[1200];
        assert_int_equal(rrd_store_path(ctx.rrd, sites[i], devices[i], "ups.load", "", path, sizeof path), 0);
        assert_int_equal(rrd_last_r(path), 1789990000 + 60 * (PUSHES - 1));
    }
}

/* GET /api/v1/vocabulary: mibs/vocabulary.yaml for the dashboard; a pushed class must be one of it. */
static void test_vocabulary(void **state)
{
    api_request req = {.method = "GET", .path = "/api/v1/vocabulary", .authorization = "Bearer token-reader-000001",
                       .body = "", .now = NOW, .arg = query_arg, .arg_ctx = ""};
    api_reply r = api_dispatch(&ctx, &req);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "{\"name\":\"ups\",\"fr\":\"Onduleur\",\"en\":\"UPS\",\"key_metrics\":[\"ups.status\""));
    assert_non_null(strstr(r.body, "\"battery.charge\":{\"unit\":\"%\",\"kind\":\"number\""));
    assert_non_null(strstr(r.body, "\"site_kinds\""));
    free(r.body);
    req.authorization = NULL;
    expect(api_dispatch(&ctx, &req), 401, NULL);
    expect(ingest("token-doullens-0001",
                  "{\"agent\":\"nro-doullens\",\"seq\":1,\"samples\":[],\"devices\":[{\"name\":\"u\",\"class\":\"toaster\"}]}",
                  NOW),
           400, "must be ups, pdu, cooling, olt, env, link, camera, recorder or generic");
}

/* api_admit: what http.c asks on the headers alone, before any byte of a body is read. */
static void admit(const char *method, const char *path, const char *auth, int status, const char *part,
                  const char *headers)
{
    api_reply r = {0};
    bool ok = api_admit(&ctx, method, path, auth, &r);
    if (status == 0) {
        if (!ok)
            fail_msg("%s %s refused: %d %s", method, path, r.status, r.body);
        return;
    }
    if (ok)
        fail_msg("%s %s admitted, wanted %d", method, path, status);
    if (headers && strcmp(r.headers, headers) != 0)
        fail_msg("%s %s: headers '%s', wanted '%s'", method, path, r.headers, headers);
    expect(r, status, part);
}

static void test_admit(void **state)
{
    /* the ingest's refusals are those of api_ingest, counted alike */
    admit("POST", "/api/v1/ingest", NULL, 401, "Bearer token is required", NULL);
    admit("POST", "/api/v1/ingest", "Bearer wrong-token-000000000", 401, "unknown agent token", NULL);
    admit("POST", "/api/v1/ingest", "Bearer token-reader-000001", 401, "unknown agent token", NULL);
    assert_int_equal(ctx.rejected, 3);
    admit("POST", "/api/v1/ingest", "Bearer token-doullens-0001", 0, NULL, NULL);
    /* reads need an API token, actions an admin one; an agent's token reads nothing */
    admit("GET", "/api/v1/sites", NULL, 401, "an API token is required", NULL);
    admit("GET", "/api/v1/sites", "Bearer token-doullens-0001", 401, "an API token is required", NULL);
    admit("GET", "/api/v1/sites", "Bearer token-reader-000001", 0, NULL, NULL);
    admit("HEAD", "/api/v1/series", "Bearer token-reader-000001", 0, NULL, NULL);
    admit("POST", "/api/v1/maintenance", "Bearer token-reader-000001", 403, "role operator", NULL);
    admit("POST", "/api/v1/maintenance", "Bearer token-admin-0000001", 0, NULL, NULL);
    admit("DELETE", "/api/v1/silences/3", NULL, 401, NULL, NULL);
    admit("GET", "/metrics", NULL, 401, NULL, NULL);
    admit("GET", "/api/v1/health", NULL, 0, NULL, NULL);
    admit("GET", "/static/app.js", NULL, 0, NULL, NULL);
    /* another method: 405 naming the path's methods, before any credential is looked at */
    admit("PATCH", "/api/v1/sites", NULL, 405, "method not allowed", "Allow: GET, HEAD");
    admit("PUT", "/api/v1/maintenance", NULL, 405, NULL, "Allow: GET, HEAD, POST");
    admit("GET", "/api/v1/maintenance/4", NULL, 405, NULL, "Allow: DELETE, PUT");
    admit("OPTIONS", "/api/v1/ingest", NULL, 405, NULL, "Allow: POST");
    admit("BREW", "/", NULL, 405, NULL, "Allow: GET, HEAD");
    admit("PATCH", "/api/v1/nothing", NULL, 404, "no such endpoint", "");
    admit("GET", "/api/v2/sites", "Bearer token-reader-000001", 404, NULL, "");
    /* api_dispatch answers the same */
    api_request req = {.method = "PATCH", .path = "/api/v1/alerts", .authorization = "Bearer token-reader-000001",
                       .body = "{}", .len = 2, .now = NOW, .arg = query_arg, .arg_ctx = ""};
    api_reply r = api_dispatch(&ctx, &req);
    assert_string_equal(r.headers, "Allow: GET, HEAD");
    expect(r, 405, NULL);
}

static void get_expect(const char *path, const char *query, int status, const char *part)
{
    api_request req = {.method = "GET", .path = path, .authorization = "Bearer token-reader-000001", .body = "",
                       .now = NOW, .arg = query_arg, .arg_ctx = (void *)query};
    api_reply r = api_dispatch(&ctx, &req);
    if (r.status != status || (part && (!r.body || !strstr(r.body, part))))
        fail_msg("GET %s?%s: got %d %s, wanted %d with '%s'", path, query, r.status, r.body, status, part ? part : "");
    free(r.body);
}

/* Every time range of the read routes: from < to, a bounded span, no overflow; 400 naming the field. */
static void test_time_ranges(void **state)
{
    static const char *const routes[] = {"/api/v1/series", "/api/v1/availability", "/api/v1/events",
                                          "/api/v1/maintenance", "/api/v1/sites"};
    const char *series = "site=doullens&device=ups1&metric=battery.charge&";
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *pre = i == 0 ? series : "";
        char q[400];
        snprintf(q, sizeof q, "%sfrom=1790000000&to=1780000000", pre);
        get_expect(routes[i], q, 400, "\"field\":\"to\"");
        snprintf(q, sizeof q, "%sfrom=1790000000&to=1790000000", pre);
        get_expect(routes[i], q, 400, "\"field\":\"to\"");
        snprintf(q, sizeof q, "%sfrom=100000&to=1790000000", pre); /* 56 years */
        get_expect(routes[i], q, 400, "\"field\":\"from\"");
        snprintf(q, sizeof q, "%sfrom=99999999999999999999&to=1790000000", pre); /* past long long */
        get_expect(routes[i], q, 400, "\"field\":\"from\"");
        snprintf(q, sizeof q, "%sfrom=1780000000&to=9223372036854775807", pre);
        get_expect(routes[i], q, 400, "\"field\":\"to\"");
        snprintf(q, sizeof q, "%sfrom=-9223372036854775808&to=1780000000", pre);
        get_expect(routes[i], q, 400, "\"field\":\"from\"");
        snprintf(q, sizeof q, "%sfrom=2026-13-01&to=1780000000", pre);
        get_expect(routes[i], q, 400, "\"field\":\"from\"");
    }
    get_expect("/api/v1/events", "from=1780000000&to=1790000000", 200, "\"events\":[]");
    get_expect("/api/v1/events", "month=99999-01", 400, "\"field\":\"month\"");
    get_expect("/api/v1/availability", "month=2026-00", 400, "\"field\":\"month\"");
}

static void post_expect(const char *path, const char *body, int status, const char *part)
{
    api_request req = {.method = "POST", .path = path, .authorization = "Bearer token-admin-0000001", .body = body,
                       .len = strlen(body), .now = NOW, .arg = query_arg, .arg_ctx = ""};
    api_reply r = api_dispatch(&ctx, &req);
    if (r.status != status || (part && (!r.body || !strstr(r.body, part))))
        fail_msg("POST %s %s: got %d %s, wanted %d with '%s'", path, body, r.status, r.body, status, part ? part : "");
    free(r.body);
}

/* The times of the actions' bodies: no overflow of start + duration or of end - start. */
static void test_action_times(void **state)
{
    post_expect("/api/v1/maintenance",
                "{\"site\":\"doullens\",\"start\":-9223372036854775807,\"end\":9223372036854775807,\"reason\":\"x\"}", 400,
                "\"field\":\"start\"");
    post_expect("/api/v1/maintenance",
                "{\"site\":\"doullens\",\"start\":1790000000,\"end\":9223372036854775807,\"reason\":\"x\"}", 400,
                "\"field\":\"end\"");
    post_expect("/api/v1/maintenance", "{\"site\":\"doullens\",\"start\":\"99999999999999999999\",\"end\":1790000000,"
                "\"reason\":\"x\"}", 400, "\"field\":\"start\"");
    post_expect("/api/v1/maintenance", "{\"site\":\"doullens\",\"start\":1790000000,\"end\":1790003600,\"reason\":\"x\"}",
                201, "\"end\":1790003600");
    post_expect("/api/v1/silences", "{\"site\":\"doullens\",\"duration\":\"9999999999999999d\",\"reason\":\"x\"}", 400,
                "\"field\":\"duration\"");
    post_expect("/api/v1/silences", "{\"site\":\"doullens\",\"duration\":3600,\"start\":9223372036854775807,"
                "\"reason\":\"x\"}", 400, "\"field\":\"start\"");
    post_expect("/api/v1/silences", "{\"site\":\"doullens\",\"duration\":\"2h\",\"reason\":\"x\"}", 201, "\"site\"");
}

/* Local times in Europe/Paris: 02:30 on 25 October 2026 happens twice (00:30 and 01:30 UTC), 02:30 on
 * 29 March 2026 never; refused without an offset, with the field named; read exactly with one. */
static void test_local_times(void **state)
{
    int64_t t;
    vg_err err = {0};
    assert_int_equal(report_parse_time("2026-10-25T02:30", "Europe/Paris", &t, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "happens twice"));
    assert_non_null(strstr(err.msg, "2026-10-25T02:30+02:00"));
    assert_non_null(strstr(err.msg, "2026-10-25T02:30+01:00"));
    assert_int_equal(report_parse_time("2026-03-29T02:30", "Europe/Paris", &t, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "does not exist"));
    assert_int_equal(report_parse_time("2026-10-25T02:30+02:00", "Europe/Paris", &t, NULL), VG_OK);
    assert_int_equal(t, 1792888200); /* 00:30 UTC */
    assert_int_equal(report_parse_time("2026-10-25T02:30+01:00", "Europe/Paris", &t, NULL), VG_OK);
    assert_int_equal(t, 1792891800); /* 01:30 UTC */
    assert_int_equal(report_parse_time("2026-10-25T02:30 01:00", "Europe/Paris", &t, NULL), VG_OK); /* '+' decoded */
    assert_int_equal(t, 1792891800);
    assert_int_equal(report_parse_time("2026-10-25T01:30Z", "Europe/Paris", &t, NULL), VG_OK);
    assert_int_equal(t, 1792891800);
    assert_int_equal(report_parse_time("2026-10-25T03:30", "Europe/Paris", &t, NULL), VG_OK);
    assert_int_equal(t, 1792895400); /* CET: 02:30 UTC */
    assert_int_equal(report_parse_time("2026-10-25T01:59:59", "Europe/Paris", &t, NULL), VG_OK);
    assert_int_equal(t, 1792888200 - 1801); /* CEST, the hour before the repeated one */
    assert_int_equal(report_parse_time("2026-03-29T03:00", "Europe/Paris", &t, NULL), VG_OK);
    assert_int_equal(t, 1774746000); /* 01:00 UTC, the first instant of summer time */
    assert_int_equal(report_parse_time("2026-03-29T02:30+01:00", "Europe/Paris", &t, NULL), VG_OK);
    assert_int_equal(t, 1774747800);
    assert_int_equal(report_parse_time("2026-02-30", "Europe/Paris", &t, &err), VG_E_INVALID);
    assert_int_equal(report_parse_time("2026-10-25T02:30+1", "Europe/Paris", &t, NULL), VG_E_INVALID);
    assert_int_equal(report_parse_time("2026-10-25T02:30junk", "Europe/Paris", &t, NULL), VG_E_INVALID);
    assert_int_equal(report_parse_time("2026-10-25+01:00", "Europe/Paris", &t, NULL), VG_E_INVALID);
    /* through the API: 400 naming the field */
    get_expect("/api/v1/availability", "site=doullens&from=2026-10-25T02:30&to=2026-10-26", 400, "\"field\":\"from\"");
    get_expect("/api/v1/availability", "site=doullens&from=2026-10-24&to=2026-03-29T02:30", 400, "\"field\":\"to\"");
    get_expect("/api/v1/availability", "site=doullens&from=2026-10-25T02:30+01:00&to=2026-10-26", 200, "\"from\":1792891800");
    post_expect("/api/v1/maintenance",
                "{\"site\":\"doullens\",\"start\":\"2026-10-25T02:30\",\"end\":\"2026-10-25T04:00\",\"reason\":\"x\"}", 400,
                "\"field\":\"start\"");
    post_expect("/api/v1/maintenance",
                "{\"site\":\"doullens\",\"start\":\"2026-03-29T01:00\",\"end\":\"2026-03-29T02:15\",\"reason\":\"x\"}", 400,
                "\"field\":\"end\"");
    post_expect("/api/v1/maintenance",
                "{\"site\":\"doullens\",\"start\":\"2026-10-25T02:30+01:00\",\"end\":\"2026-10-25T04:00\",\"reason\":\"x\"}",
                201, "\"start\":1792891800");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vocabulary, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_auth, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_admit, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_time_ranges, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_action_times, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_local_times, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_malformed_changes_nothing, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_store_and_read_back, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_duplicate_and_stale, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_corrupt_rrd_set_aside, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_declared_devices, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_empty_file_named_with_percent, setup_each, teardown_each),
        /* the same through the writer process, as vigie-server runs */
        cmocka_unit_test_setup_teardown(test_store_and_read_back, setup_server, teardown_each),
        cmocka_unit_test_setup_teardown(test_duplicate_and_stale, setup_server, teardown_each),
        cmocka_unit_test_setup_teardown(test_corrupt_rrd_set_aside, setup_server, teardown_each),
        cmocka_unit_test_setup_teardown(test_empty_file_named_with_percent, setup_server, teardown_each),
        cmocka_unit_test_setup_teardown(test_refused_alone, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_refused_alone, setup_server, teardown_each),
        cmocka_unit_test_setup_teardown(test_unreachable_and_quota, setup_server, teardown_each),
        cmocka_unit_test_setup_teardown(test_concurrent_pushes, setup_server, teardown_each),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
