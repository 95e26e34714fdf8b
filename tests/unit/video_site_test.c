/* The NRO cameras (issue 19): a site's `video` service over devices of class camera and recorder is
 * read from server.yaml with its classes checked against the vocabulary, the nro kind's defaults have
 * no video service, and cameras count in a site's availability only where its services say so: one
 * camera down takes the video service (and the site) of an NRO that lists it down, and nothing at an
 * NRO that does not. A recorder whose disk is failing (warning) is degraded, not down; one whose disk
 * is gone (critical) is down. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "http/api.h"
#include "sla/health.h"
#include "test_db.h"
#include "test_util.h"

#define T0 1790000040 /* a multiple of 60 */
#define TOKEN "video-site-token-01"

static char *dir;
static server_config *cfg;
static api_ctx ctx;
static uint64_t seq;

/* The sites of the example in conf/server.yaml: Doullens lists its video, Péronne does not. */
static const char *sites_yaml =
    "sites:\n"
    "  - id: doullens\n"
    "    kind: nro\n"
    "    services:\n"
    "      power: {class: ups, min_up: 1}\n"
    "      video: {devices: [nvr-doullens, cam-doullens-1, cam-doullens-2], min_up: 3}\n"
    "  - id: peronne\n"
    "    kind: nro\n"
    "    services:\n"
    "      power: {class: ups, min_up: 1}\n"
    "  - id: montdidier\n"
    "    kind: nro\n"
    "    services:\n"
    "      video: {class: camera, min_up: 0}\n"
    "      recording: {class: recorder, min_up: 1}\n"
    "  - {id: cayeux, kind: nro}\n";

static server_config *load(const char *sites, vg_err *err)
{
    char path[600], yaml[2400];
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: 60\n%s"
             "agents:\n"
             "  - {id: nro-doullens, token: " TOKEN ", site: doullens}\n"
             "  - {id: nro-peronne, token: video-site-token-02, site: peronne}\n",
             dir, sites);
    return server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), err);
}

static int setup(void **state)
{
    (void)state;
    dir = tu_tmpdir();
    vg_err cerr;
    cfg = load(sites_yaml, &cerr);
    if (!cfg) {
        fprintf(stderr, "%s\n", cerr.msg);
        return -1;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/vigie.db", dir);
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = cfg;
    vg_err derr;
    db_open(tu_db(path), &ctx.db, &derr);
    ctx.rrd = rrd_store_new(dir, 60);
    return ctx.db && ctx.rrd ? 0 : -1;
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

static const server_site *site(const char *id)
{
    for (size_t i = 0; i < cfg->nsites; i++)
        if (strcmp(cfg->sites[i].id, id) == 0)
            return &cfg->sites[i];
    fail_msg("no site %s", id);
    return NULL;
}

static const site_service *service(const server_site *s, const char *name)
{
    for (size_t i = 0; i < s->model.nservices; i++)
        if (strcmp(s->model.services[i].name, name) == 0)
            return &s->model.services[i];
    return NULL;
}

static void test_services_read(void **state)
{
    (void)state;
    const site_service *v = service(site("doullens"), "video");
    assert_non_null(v);
    assert_int_equal(v->ndevices, 3);
    assert_string_equal(v->devices[0], "nvr-doullens");
    assert_int_equal(v->min_up, 3);
    assert_null(service(site("peronne"), "video"));
    v = service(site("montdidier"), "video");
    assert_non_null(v);
    assert_string_equal(v->cls, "camera");
    assert_int_equal(v->min_up, 0);
    assert_string_equal(service(site("montdidier"), "recording")->cls, "recorder");
    /* the nro kind's defaults: power, cooling, network, environment; no video */
    const server_site *c = site("cayeux");
    assert_true(c->model.defaults);
    assert_int_equal(c->model.nservices, 4);
    assert_null(service(c, "video"));
    for (size_t i = 0; i < c->model.nservices; i++)
        assert_true(strcmp(c->model.services[i].cls, "camera") != 0 && strcmp(c->model.services[i].cls, "recorder") != 0);
}

static void test_class_checked(void **state)
{
    (void)state;
    vg_err err;
    server_config *bad = load("sites:\n  - id: x\n    kind: nro\n    services:\n      video: {class: cameras}\n", &err);
    assert_null(bad);
    char want[700];
    snprintf(want, sizeof want, "%s/server.yaml:7:22: key 'class': 'cameras' is not a device class", dir);
    if (strncmp(err.msg, want, strlen(want)) != 0)
        fail_msg("got '%s', wanted '%s'", err.msg, want);
}

static void add(push_batch *b, const char *dev, const char *metric, const char *inst, double v, const char *text,
                severity sev, int64_t ts)
{
    push_sample s;
    assert_int_equal(push_sample_set(&s, dev, metric, inst, v, "", ts), 0);
    snprintf(s.text, sizeof s.text, "%s", text);
    s.sev = sev;
    assert_int_equal(push_batch_add(b, &s), 0);
}

/* One cycle of an NRO's agent at ts: its UPS, two cameras (ICMP + RTSP checks, no answer is
 * critical) and, at Doullens, the recorder with its disk (0 normal, 3 smartfailed, 6 offline). */
static void cycle(const char *token, const char *nro, int64_t ts, bool cam1_up, int disk)
{
    push_batch *b = push_batch_new(strcmp(nro, "doullens") == 0 ? "nro-doullens" : "nro-peronne", ++seq);
    char ups[64], cam[2][64], nvr[64];
    snprintf(ups, sizeof ups, "ups-%s", nro);
    snprintf(nvr, sizeof nvr, "nvr-%s", nro);
    push_batch_set_device(b, ups, "ups", "ups-rfc1628");
    add(b, ups, "device.reachable", "", 1, "", SEV_NONE, ts);
    add(b, ups, "ups.status", "", 3, "OL", SEV_OK, ts);
    for (int i = 0; i < 2; i++) {
        snprintf(cam[i], sizeof cam[i], "cam-%s-%d", nro, i + 1);
        bool up = i == 1 || cam1_up;
        push_batch_set_device(b, cam[i], "camera", "");
        add(b, cam[i], "link.reachable", "", up, "", up ? SEV_OK : SEV_CRITICAL, ts);
        add(b, cam[i], "link.tcp", "554", up, "", up ? SEV_OK : SEV_CRITICAL, ts);
    }
    if (disk >= 0) {
        static const char *const text[] = {[0] = "normal", [3] = "smartfailed", [6] = "offline"};
        push_batch_set_device(b, nvr, "recorder", "recorder-hikvision");
        add(b, nvr, "device.reachable", "", 1, "", SEV_NONE, ts);
        add(b, nvr, "recorder.disk.status", "1", disk, text[disk],
            disk == 0 ? SEV_OK : disk == 3 ? SEV_WARNING : SEV_CRITICAL, ts);
        add(b, nvr, "recorder.disk.free", "1", 2715648, "", SEV_OK, ts);
    }
    char *json = push_batch_encode(b);
    char auth[64];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    api_reply r = api_ingest(&ctx, auth, json, strlen(json), (time_t)(ts + 10));
    if (r.status != 200)
        fail_msg("%d %s", r.status, r.body);
    free(r.body);
    free(json);
    push_batch_free(b);
}

static void test_cameras_count_where_listed(void **state)
{
    (void)state;
    /* 0 .. 900: camera 1 of both NROs lost from 300 to 420; Doullens's disk failing (smartfailed) from
     * 540 to 660, then gone (offline) from 720 to 780 */
    for (int i = 0; i <= 15; i++) {
        int64_t ts = T0 + 60 * i;
        bool cam1 = !(i >= 5 && i <= 6);
        int disk = i >= 9 && i <= 10 ? 3 : i == 12 ? 6 : 0;
        cycle(TOKEN, "doullens", ts, cam1, disk);
        cycle("video-site-token-02", "peronne", ts, cam1, -1);
    }
    avail_result r;
    assert_int_equal(state_availability(ctx.db, cfg, "doullens", T0, T0 + 960, &r), 0);
    assert_int_equal(r.nservices, 2);
    assert_int_equal(r.services[0].downtime, 0);    /* power */
    assert_int_equal(r.services[1].downtime, 180);  /* video: the camera 120 s, the gone disk 60 s; */
    assert_int_equal(r.site.downtime, 180);         /* the failing disk (degraded) is not downtime */
    avail_result_free(&r);
    assert_int_equal(state_availability(ctx.db, cfg, "peronne", T0, T0 + 960, &r), 0);
    assert_int_equal(r.nservices, 1);
    assert_int_equal(r.site.downtime, 0);           /* its cameras are not in its services */
    avail_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_services_read),
        cmocka_unit_test(test_class_checked),
        cmocka_unit_test(test_cameras_count_where_listed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
