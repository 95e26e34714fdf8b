/* The monthly SLA report: French and English numbers, durations and dates; the SHA-256 digest of the
 * figures, stable from one rendering to the next; the CSV's content; PDF and HTML that hold what
 * they should; the smtp and report sections of server.yaml; the typed view of the document (a member
 * missing or mistyped is named, no renderer crashes); the graph process (a graph follows its zone,
 * not the process's TZ; damaged RRD files cost their line, and the process lives on or is replaced).
 *
 * The data is October 2026 of two sites, pushed through api_ingest() as agents would, every 5
 * minutes: the data center "italie" loses both UPS for 10 minutes on the 14th (target missed) and
 * has a cooling alarm inside a declared maintenance window on the 20th (excluded); the NRO
 * "doullens" is silent for an hour on the 5th (unknown time) and loses a PON port for one poll on the
 * 22nd (target met). Run as `report_test --populate SERVER.YAML`, the program writes that month into
 * the data_dir of SERVER.YAML for tests/integration/report.sh, and exits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/api.h"
#include "log.h"
#include "report/report.h"
#include "report/report_render.h"
#include "report/view.h"
#include "store/graph.h"
#include "store/listing.h"
#include "sla/health.h"
#include "test_db.h"
#include "test_util.h"

#define OCT_FROM 1790805600 /* 2026-10-01 00:00 Europe/Paris */
#define OCT_TO 1793487600   /* 2026-11-01 00:00 Europe/Paris */
#define STEP 300
#define ITALIE_OUTAGE 1791940200  /* 2026-10-14 03:10 */
#define MAINT_START 1792483200    /* 2026-10-20 10:00 */
#define DOULLENS_SILENT 1791201600 /* 2026-10-05 14:00 */
#define DOULLENS_PON 1792648800   /* 2026-10-22 08:00 */

static char *dir;
static server_config *cfg;
static api_ctx ctx;

/* ---- the month of October --------------------------------------------------------------------- */

static void add(push_batch *b, const char *dev, const char *metric, const char *inst, double v, const char *unit,
                const char *text, severity sev, int64_t ts)
{
    push_sample s;
    if (push_sample_set(&s, dev, metric, inst, v, unit, ts) != 0)
        abort();
    snprintf(s.text, sizeof s.text, "%s", text);
    s.sev = sev;
    if (push_batch_add(b, &s) != 0)
        abort();
}

/* A smooth daily wave, the same every run. */
static double wave(int64_t ts, double mid, double amp, double phase)
{
    return mid + amp * sin(2 * M_PI * ((double)(ts % 86400) / 86400.0 + phase));
}

static void poll_italie(push_batch *b, int64_t t)
{
    bool outage = t >= ITALIE_OUTAGE && t < ITALIE_OUTAGE + 600;
    bool alarm = t >= MAINT_START + 900 && t < MAINT_START + 1800;
    const char *ups[] = {"ups-a", "ups-b"}, *clim[] = {"clim-1", "clim-2"};
    for (int i = 0; i < 2; i++) {
        add(b, ups[i], "device.reachable", "", 1, "bool", "", SEV_NONE, t);
        add(b, ups[i], "ups.status", "", outage ? 5 : 3, "state", outage ? "OB" : "OL",
            outage ? SEV_CRITICAL : SEV_OK, t);
        add(b, ups[i], "ups.load", "", wave(t, 36 + 4 * i, 5, 0.1 * i), "%", "", SEV_OK, t);
        add(b, ups[i], "battery.charge", "", outage ? 100 - (double)(t - ITALIE_OUTAGE) / 60 : 100, "%", "", SEV_OK, t);
        add(b, clim[i], "device.reachable", "", 1, "bool", "", SEV_NONE, t);
        add(b, clim[i], "cooling.state", "", alarm ? 4 : 1, "state", alarm ? "alarm" : "on",
            alarm ? SEV_CRITICAL : SEV_OK, t);
        add(b, clim[i], "cooling.supply.temperature", "", wave(t, 18 + 0.5 * i, 0.6, 0.25), "degC", "", SEV_OK, t);
        add(b, clim[i], "cooling.return.temperature", "", wave(t, 27 + 0.5 * i, 1.2, 0.25), "degC", "", SEV_OK, t);
    }
    add(b, "env", "device.reachable", "", 1, "bool", "", SEV_NONE, t);
    add(b, "env", "env.temperature", "salle", wave(t, 22.5, 1.5, 0.2), "degC", "", SEV_OK, t);
    add(b, "env", "env.humidity", "salle", wave(t, 45, 4, 0.6), "%RH", "", SEV_OK, t);
    add(b, "env", "env.leak", "", 0, "state", "dry", SEV_OK, t);
}

static void poll_doullens(push_batch *b, int64_t t)
{
    bool pon_down = t >= DOULLENS_PON && t < DOULLENS_PON + STEP;
    add(b, "ups", "device.reachable", "", 1, "bool", "", SEV_NONE, t);
    add(b, "ups", "ups.status", "", 3, "state", "OL", SEV_OK, t);
    add(b, "ups", "ups.load", "", wave(t, 22, 3, 0), "%", "", SEV_OK, t);
    add(b, "ups", "battery.charge", "", 100, "%", "", SEV_OK, t);
    add(b, "clim", "device.reachable", "", 1, "bool", "", SEV_NONE, t);
    add(b, "clim", "cooling.state", "", 1, "state", "on", SEV_OK, t);
    add(b, "clim", "cooling.supply.temperature", "", wave(t, 21, 1, 0.25), "degC", "", SEV_OK, t);
    add(b, "clim", "cooling.return.temperature", "", wave(t, 29, 2, 0.25), "degC", "", SEV_OK, t);
    add(b, "env", "device.reachable", "", 1, "bool", "", SEV_NONE, t);
    add(b, "env", "env.temperature", "", wave(t, 24, 2.5, 0.2), "degC", "", SEV_OK, t);
    add(b, "olt", "device.reachable", "", 1, "bool", "", SEV_NONE, t);
    for (int p = 1; p <= 4; p++) {
        char port[16];
        snprintf(port, sizeof port, "0/1/%d", p);
        bool down = pon_down && p == 2;
        add(b, "olt", "olt.pon.rx.power", port, down ? -40 : wave(t, -19 - 0.8 * p, 0.3, 0.1 * p), "dBm", "",
            down ? SEV_CRITICAL : SEV_OK, t);
    }
}

static void push(const char *agent, const char *token, push_batch *b, int64_t now)
{
    char auth[300];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    char *json = push_batch_encode(b);
    api_reply r = api_ingest(&ctx, auth, json, strlen(json), (time_t)now);
    if (r.status != 200) {
        fprintf(stderr, "push from %s refused: %d %s\n", agent, r.status, r.body);
        abort();
    }
    free(r.body);
    free(json);
}

static const char *token_of(const char *agent)
{
    for (size_t i = 0; i < cfg->nagents; i++)
        if (strcmp(cfg->agents[i].id, agent) == 0)
            return cfg->agents[i].token;
    fprintf(stderr, "server.yaml has no agent %s\n", agent);
    abort();
}

/* October 2026, an hour of polls per batch, as an agent replaying its spool would send them. */
static void populate(void)
{
    uint64_t seq[2] = {0, 0};
    const char *agents[2] = {"dc-italie", "nro-doullens"};
    for (int64_t hour = OCT_FROM; hour < OCT_TO; hour += 3600) {
        for (int a = 0; a < 2; a++) {
            push_batch *b = push_batch_new(agents[a], ++seq[a]);
            if (a == 0) {
                push_batch_set_device(b, "ups-a", "ups", "ups-rfc1628");
                push_batch_set_device(b, "ups-b", "ups", "ups-rfc1628");
                push_batch_set_device(b, "clim-1", "cooling", "cooling-apc-acrc300");
                push_batch_set_device(b, "clim-2", "cooling", "cooling-apc-acrc300");
                push_batch_set_device(b, "env", "env", "env-akcp-sensorprobe");
            } else {
                push_batch_set_device(b, "ups", "ups", "ups-rfc1628");
                push_batch_set_device(b, "clim", "cooling", "cooling-stulz-wib8000");
                push_batch_set_device(b, "env", "env", "env-hwg-ste2");
                push_batch_set_device(b, "olt", "olt", "olt-huawei-smartax");
            }
            for (int64_t t = hour; t < hour + 3600 && t < OCT_TO; t += STEP) {
                if (a == 1 && t >= DOULLENS_SILENT && t < DOULLENS_SILENT + 3600)
                    continue; /* the shelter's link is down: no data */
                if (a == 0)
                    poll_italie(b, t);
                else
                    poll_doullens(b, t);
            }
            if (push_batch_count(b))
                push(agents[a], token_of(agents[a]), b, hour + 3600 + 30);
            push_batch_free(b);
        }
    }
    if (db_maintenance_add(ctx.db, "italie", "cooling", MAINT_START, MAINT_START + 3600,
                           "Remplacement du compresseur de clim-1", "astreinte", MAINT_START - 86400, NULL, NULL) != VG_OK)
        abort();
}

static int open_ctx(const char *yaml_path)
{
    vg_err cerr;
    char path[1200];
    cfg = server_config_load(yaml_path, &cerr);
    if (!cfg) {
        fprintf(stderr, "%s\n", cerr.msg);
        return -1;
    }
    if (mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: %s\n", cfg->data_dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/vigie.db", cfg->data_dir);
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = cfg;
    vg_err derr = {0};
    db_open(cfg->database[0] ? cfg->database : tu_db(path), &ctx.db, &derr); /* the server's own database */
    ctx.rrd = rrd_store_new(cfg->data_dir, cfg->step);
    if (!ctx.db || !ctx.rrd) {
        fprintf(stderr, "%s: %s\n", path, derr.msg);
        return -1;
    }
    return 0;
}

static void close_ctx(void)
{
    rrd_store_free(ctx.rrd);
    db_close(ctx.db);
    server_config_free(cfg);
}

static int setup(void **state)
{
    char path[600], yaml[1600];
    dir = tu_tmpdir();
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\nstep: %d\n"
             "sites:\n"
             "  - {id: italie, name: \"Data center Italie\", kind: datacenter}\n"
             "  - {id: doullens, name: \"NRO Doullens\", kind: nro}\n"
             "agents:\n"
             "  - {id: dc-italie, token: report-test-token-italie, site: italie}\n"
             "  - {id: nro-doullens, token: report-test-token-doullens, site: doullens}\n",
             dir, STEP);
    tu_write(dir, "server.yaml", yaml, path, sizeof path);
    chmod(path, 0600);
    if (open_ctx(path) != 0)
        return -1;
    populate();
    (void)state;
    return 0;
}

static int teardown(void **state)
{
    close_ctx();
    tu_rmtree(dir);
    free(dir);
    (void)state;
    return 0;
}

/* ---- formatting --------------------------------------------------------------------------------- */

static void check_fmt(void (*fn)(report_lang, double, char *, size_t), double v, const char *fr, const char *en)
{
    char b[64];
    fn(REPORT_LANG_FR, v, b, sizeof b);
    assert_string_equal(b, fr);
    fn(REPORT_LANG_EN, v, b, sizeof b);
    assert_string_equal(b, en);
}

static void test_numbers(void **state)
{
    char b[64];
    report_render_number(REPORT_LANG_FR, 99.982, 3, b, sizeof b);
    assert_string_equal(b, "99,982");
    report_render_number(REPORT_LANG_EN, 99.982, 3, b, sizeof b);
    assert_string_equal(b, "99.982");
    report_render_number(REPORT_LANG_FR, -0.00001, 1, b, sizeof b);
    assert_string_equal(b, "0,0");
    report_render_number(REPORT_LANG_FR, NAN, 2, b, sizeof b);
    assert_string_equal(b, "n.d.");
    check_fmt(report_render_target, 99.982, "99,982 %", "99.982 %");
    check_fmt(report_render_target, 99.99, "99,99 %", "99.99 %");
    check_fmt(report_render_target, 100, "100 %", "100 %");
    /* availabilities are truncated to 4 decimals: below the target never reads as the target */
    check_fmt(report_render_availability, 99.97763, "99,9776 %", "99.9776 %");
    check_fmt(report_render_availability, 99.98199, "99,9819 %", "99.9819 %");
    check_fmt(report_render_availability, 99.982, "99,9820 %", "99.9820 %");
    check_fmt(report_render_availability, 100, "100,0000 %", "100.0000 %");
    check_fmt(report_render_availability, NAN, "n.d.", "n/a");
    (void)state;
}

static void test_durations(void **state)
{
    /* what a 30-day month at 99.982 % allows */
    check_fmt(report_render_duration, 30 * 86400 * (1 - 99.982 / 100), "7 min 46,6 s", "7 min 46.6 s");
    check_fmt(report_render_duration, 31 * 86400 * (1 - 99.982 / 100), "8 min 02,1 s", "8 min 02.1 s");
    check_fmt(report_render_duration, 600, "10 min 00 s", "10 min 00 s");
    check_fmt(report_render_duration, 30, "30 s", "30 s");
    check_fmt(report_render_duration, 12.26, "12,3 s", "12.3 s");
    check_fmt(report_render_duration, 0, "0 s", "0 s");
    check_fmt(report_render_duration, 7500, "2 h 05 min", "2 h 05 min");
    check_fmt(report_render_duration, 2 * 86400 + 3600, "2 j 01 h", "2 d 01 h");
    check_fmt(report_render_duration, NAN, "–", "–");
    (void)state;
}

static void test_dates(void **state)
{
    char b[64];
    report_render_month(REPORT_LANG_FR, 2026, 10, b, sizeof b);
    assert_string_equal(b, "octobre 2026");
    report_render_month(REPORT_LANG_EN, 2026, 10, b, sizeof b);
    assert_string_equal(b, "October 2026");
    report_render_month(REPORT_LANG_FR, 2026, 8, b, sizeof b);
    assert_string_equal(b, "août 2026");
    report_render_month(REPORT_LANG_FR, 2027, 2, b, sizeof b);
    assert_string_equal(b, "février 2027");
    /* the site's zone, whatever the process's is */
    setenv("TZ", "America/New_York", 1);
    report_render_time(REPORT_LANG_FR, ITALIE_OUTAGE, "Europe/Paris", b, sizeof b);
    assert_string_equal(b, "14/10/2026 03:10");
    report_render_time(REPORT_LANG_EN, ITALIE_OUTAGE, "Europe/Paris", b, sizeof b);
    assert_string_equal(b, "2026-10-14 03:10");
    assert_string_equal(getenv("TZ"), "America/New_York");
    unsetenv("TZ");
    /* after the change to winter time */
    report_render_time(REPORT_LANG_FR, OCT_TO - 60, "Europe/Paris", b, sizeof b);
    assert_string_equal(b, "31/10/2026 23:59");
    (void)state;
}

static void test_parse(void **state)
{
    report_lang l;
    report_format f;
    assert_int_equal(report_render_lang_parse("fr", &l), 0);
    assert_int_equal(l, REPORT_LANG_FR);
    assert_int_equal(report_render_lang_parse("de", &l), VG_E_INVALID);
    assert_int_equal(report_render_format_parse("csv", &f), 0);
    assert_int_equal(f, REPORT_CSV);
    assert_string_equal(report_render_extension(f), "csv");
    assert_int_equal(report_render_format_parse("docx", &f), VG_E_INVALID);
    assert_string_equal(report_render_content_type(REPORT_PDF), "application/pdf");
    (void)state;
}

/* ---- the digest ------------------------------------------------------------------------------------ */

static void test_digest_canonical(void **state)
{
    /* keys sorted, no space, UTF-8 as is; generated_at and digest left out */
    json_t *a = json_pack("{s:i, s:s, s:i, s:{s:s}}", "b", 1, "a", "\xc3\xa9", "generated_at", 5, "digest", "value", "x");
    json_t *b = json_pack("{s:s, s:i}", "a", "\xc3\xa9", "b", 1);
    char ha[65], hb[65];
    assert_int_equal(report_render_digest(a, ha), 0);
    assert_int_equal(report_render_digest(b, hb), 0);
    /* sha256 of {"a":"é","b":1} */
    assert_string_equal(ha, "aa58fba8483623bed37c1b02edfccbdd9a53123837c20bfa4cb4049993a2872e");
    assert_string_equal(ha, hb);
    json_decref(a);
    json_decref(b);
    /* what Python's json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes,
     * reals as repr() writes them: the digest can be checked without vigie */
    json_t *c = json_pack("{s:[i, f, {s:[]}], s:f, s:b, s:n, s:f, s:f, s:s, s:f, s:b, s:f, s:f, s:f, s:f, s:f}", "arr",
                          1, 2.5, "k", "big", 1e22, "f", 0, "n", "q", 0.1, "r", 123456789012345.6, "s",
                          "a\"b\\\n\x01\t/\xc3\xbc", "small", 5e-324, "t", 1, "u", -0.0, "v", 1.5e-7, "w", 0.0001, "x",
                          100.0, "y", 99.97762863534676);
    json_object_set_new(c, "z", json_real(1e16));
    assert_int_equal(report_render_digest(c, ha), 0);
    assert_string_equal(ha, "5f4456c3fbfe49f0bd69751fe607ea791ffd55b0b2aa752f8c5e92138e5fcca1");
    json_decref(c);
    (void)state;
}

static json_t *october(int64_t now)
{
    report_query q = {.year = 2026, .month = 10, .now = now};
    vg_err err;
    json_t *doc;
    if (report_build(ctx.db, cfg, &q, &doc, &err) != VG_OK)
        fail_msg("%s", err.msg);
    return doc;
}

static void test_october_figures(void **state)
{
    json_t *doc = october(OCT_TO + 86400 * 20);
    json_t *sites = json_object_get(doc, "sites");
    assert_int_equal(json_array_size(sites), 2);
    json_t *it = json_array_get(sites, 0), *dl = json_array_get(sites, 1);
    assert_string_equal(json_string_value(json_object_get(it, "site")), "italie"); /* worst first */
    json_t *f = json_object_get(it, "figures");
    assert_false(json_is_true(json_object_get(f, "target_met")));
    assert_int_equal(json_integer_value(json_object_get(f, "downtime")), 600);
    assert_int_equal(json_integer_value(json_object_get(f, "incidents")), 1);
    assert_int_equal(json_array_size(json_object_get(it, "incidents")), 2); /* one excluded by maintenance */
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(it, "incidents"), 1), "excluded")));
    json_t *cooling = json_array_get(json_object_get(it, "services"), 1);
    assert_string_equal(json_string_value(json_object_get(cooling, "name")), "cooling");
    assert_int_equal(json_integer_value(json_object_get(cooling, "maintenance")), 3600);
    assert_int_equal(json_integer_value(json_object_get(cooling, "downtime")), 0);
    /* 745 hours (the clocks go back on the 25th) at 99.982 % */
    assert_true(fabs(json_number_value(json_object_get(f, "allowed_downtime")) - 745 * 3600 * 0.00018) < 0.01 * 3600);
    json_t *g = json_object_get(dl, "figures");
    assert_true(json_is_true(json_object_get(g, "target_met")));
    assert_true(json_integer_value(json_object_get(g, "unknown")) >= 2400);
    assert_int_equal(json_integer_value(json_object_get(g, "incidents")), 1);
    json_decref(doc);
    (void)state;
}

static char *render(report_format fmt, report_lang l, const json_t *doc, bool graphs, size_t *len)
{
    report_render_opts o = {.lang = l, .db = graphs ? ctx.db : NULL, .rrd = graphs ? ctx.rrd : NULL, .vocab = cfg->vocab};
    report_render_out out;
    vg_err err;
    if (report_render(fmt, doc, &o, &out, &err) != VG_OK)
        fail_msg("%s", err.msg);
    if (len)
        *len = out.len;
    return out.data;
}

static void test_digest_stable(void **state)
{
    /* the same data, rendered on two days: same figures, same digest */
    json_t *a = october(OCT_TO + 86400), *b = october(OCT_TO + 86400 * 30);
    assert_int_not_equal(json_integer_value(json_object_get(a, "generated_at")),
                         json_integer_value(json_object_get(b, "generated_at")));
    char ha[65], hb[65];
    assert_int_equal(report_render_digest(a, ha), 0);
    assert_int_equal(report_render_digest(b, hb), 0);
    assert_string_equal(ha, hb);
    char *ja = render(REPORT_JSON, REPORT_LANG_EN, a, false, NULL), *jb = render(REPORT_JSON, REPORT_LANG_FR, b, false, NULL);
    json_t *pa = json_loads(ja, 0, NULL), *pb = json_loads(jb, 0, NULL);
    assert_non_null(pa);
    assert_non_null(pb);
    const char *da = json_string_value(json_object_get(json_object_get(pa, "digest"), "value"));
    assert_string_equal(da, ha);
    assert_string_equal(json_string_value(json_object_get(json_object_get(pb, "digest"), "value")), ha);
    /* the JSON document's own digest can be checked from it */
    char again[65];
    assert_int_equal(report_render_digest(pa, again), 0);
    assert_string_equal(again, ha);
    /* and the CSV differs only by its generated_at line */
    char *ca = render(REPORT_CSV, REPORT_LANG_EN, a, false, NULL), *cb = render(REPORT_CSV, REPORT_LANG_EN, b, false, NULL);
    char *ga = strstr(ca, "meta,generated_at,"), *gb = strstr(cb, "meta,generated_at,");
    assert_non_null(ga);
    assert_non_null(gb);
    assert_memory_equal(ca, cb, (size_t)(ga - ca));
    assert_string_equal(strchr(ga, '\n'), strchr(gb, '\n'));
    assert_non_null(strstr(ca, ha));
    free(ja);
    free(jb);
    free(ca);
    free(cb);
    json_decref(pa);
    json_decref(pb);
    json_decref(a);
    json_decref(b);
    (void)state;
}

/* ---- CSV ------------------------------------------------------------------------------------------- */

/* The line of the CSV that starts with `prefix`, copied; NULL when there is none. */
static char *csv_line(const char *csv, const char *prefix, int nth)
{
    const char *p = csv;
    while (p && *p) {
        if (strncmp(p, prefix, strlen(prefix)) == 0 && nth-- == 0) {
            size_t n = strcspn(p, "\r\n");
            return strndup(p, n);
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

/* Field i of a line without quoted separators. */
static void field(const char *line, char sep, int i, char *out, size_t size)
{
    while (i-- > 0 && line)
        line = (line = strchr(line, sep)) ? line + 1 : NULL;
    snprintf(out, size, "%.*s", line ? (int)strcspn(line, sep == ',' ? "," : ";") : 0, line ? line : "");
}

static void test_csv(void **state)
{
    json_t *doc = october(OCT_TO + 86400);
    json_t *it = json_array_get(json_object_get(doc, "sites"), 0);
    double av = json_number_value(json_object_get(json_object_get(it, "figures"), "availability"));
    char *csv = render(REPORT_CSV, REPORT_LANG_EN, doc, false, NULL);
    char *l = csv_line(csv, "section,site,name,kind,", 0);
    assert_non_null(l);
    free(l);
    l = csv_line(csv, "sites,italie,", 0);
    assert_non_null(l);
    char f[64], want[64];
    field(l, ',', 11, f, sizeof f);
    snprintf(want, sizeof want, "%.6f", av);
    assert_string_equal(f, want);
    field(l, ',', 12, f, sizeof f);
    assert_string_equal(f, "no");
    field(l, ',', 14, f, sizeof f);
    assert_string_equal(f, "600");
    field(l, ',', 6, f, sizeof f);
    assert_string_equal(f, "2026-10-01T00:00:00+02:00");
    field(l, ',', 7, f, sizeof f);
    assert_string_equal(f, "2026-11-01T00:00:00+01:00");
    free(l);
    /* one row per incident, the excluded one said so */
    l = csv_line(csv, "incidents,italie,", 0);
    assert_non_null(l);
    assert_non_null(strstr(l, "2026-10-14T03:10:00+02:00"));
    assert_non_null(strstr(l, "ups.status=OB"));
    assert_string_equal(l + strlen(l) - 3, ",no");
    free(l);
    l = csv_line(csv, "incidents,italie,", 1);
    assert_non_null(l);
    assert_string_equal(l + strlen(l) - 4, ",yes");
    free(l);
    assert_null(csv_line(csv, "incidents,italie,", 2));
    l = csv_line(csv, "maintenance,italie,", 0);
    assert_non_null(l);
    assert_non_null(strstr(l, ",cooling,2026-10-20T10:00:00+02:00,2026-10-20T11:00:00+02:00,"));
    free(l);
    l = csv_line(csv, "services,doullens,network,", 0);
    assert_non_null(l);
    free(l);
    assert_non_null(strstr(csv, "\r\n"));
    free(csv);

    /* French: the spreadsheet's conventions */
    csv = render(REPORT_CSV, REPORT_LANG_FR, doc, false, NULL);
    assert_memory_equal(csv, "\xEF\xBB\xBFsection;key;value", 20);
    l = csv_line(csv, "sites;italie;", 0);
    assert_non_null(l);
    field(l, ';', 11, f, sizeof f);
    for (char *p = want; *p; p++)
        if (*p == '.')
            *p = ',';
    assert_string_equal(f, want);
    field(l, ';', 12, f, sizeof f);
    assert_string_equal(f, "non");
    free(l);
    free(csv);
    json_decref(doc);

    /* free text that a spreadsheet would run as a formula stays text */
    int64_t id = 0;
    assert_int_equal(db_maintenance_add(ctx.db, "doullens", "", OCT_FROM + 86400, OCT_FROM + 90000,
                                        "=HYPERLINK(\"x\")", "ops", OCT_FROM, &id, NULL),
                     VG_OK);
    assert_true(id > 0);
    doc = october(OCT_TO + 86400);
    csv = render(REPORT_CSV, REPORT_LANG_EN, doc, false, NULL);
    /* then recurring, rrule and moved: a one-off; declared when (OCT_FROM), never changed */
    assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"x\"\")\",ops,no,,no,2026-10-01T00:00:00+02:00,\r\n"));
    free(csv);
    json_decref(doc);
    assert_int_equal(db_maintenance_delete(ctx.db, id, NULL), VG_OK);
    (void)state;
}

/* ---- the documents ------------------------------------------------------------------------------- */

static void test_documents(void **state)
{
    json_t *doc = october(OCT_TO + 86400);
    size_t len;
    char *pdf = render(REPORT_PDF, REPORT_LANG_FR, doc, true, &len);
    assert_true(len > 20000);
    assert_memory_equal(pdf, "%PDF-", 5);
    free(pdf);
    char *html = render(REPORT_HTML, REPORT_LANG_FR, doc, true, &len);
    assert_int_equal(strlen(html), len);
    assert_non_null(strstr(html, "<html lang=\"fr\">"));
    assert_non_null(strstr(html, "octobre 2026"));
    assert_non_null(strstr(html, "99,9"));
    assert_non_null(strstr(html, "data:image/png;base64,iVBORw0KGgo")); /* the graphs, inlined */
    assert_non_null(strstr(html, "Data center Italie"));
    assert_null(strstr(html, "<script"));
    free(html);
    html = render(REPORT_HTML, REPORT_LANG_EN, doc, false, &len);
    assert_non_null(strstr(html, "October 2026"));
    assert_non_null(strstr(html, "99.9"));
    assert_null(strstr(html, "data:image/png"));
    free(html);
    char *text = report_render_summary(doc, REPORT_LANG_FR);
    assert_non_null(text);
    assert_non_null(strstr(text, "octobre 2026"));
    assert_non_null(strstr(text, "✗ Data center Italie (italie)"));
    assert_non_null(strstr(text, "✓ NRO Doullens (doullens)"));
    assert_non_null(strstr(text, "NON ATTEINT"));
    free(text);
    char subject[200];
    report_render_subject(doc, REPORT_LANG_EN, subject, sizeof subject);
    assert_string_equal(subject, "Availability report – October 2026");
    json_decref(doc);
    (void)state;
}

/* ---- server.yaml: smtp and report ----------------------------------------------------------------- */

static server_config *load(const char *extra, vg_err *err)
{
    char path[600], yaml[2000];
    snprintf(yaml, sizeof yaml, "data_dir: %s\nagents: [{id: a, token: report-test-token-aaaa}]\n%s", dir, extra);
    tu_write(dir, "smtp.yaml", yaml, path, sizeof path);
    chmod(path, 0600);
    return server_config_load(path, err);
}

static void test_config(void **state)
{
    vg_err err;
    server_config *c = load("smtp: {url: 'smtp://mail.example.org:587', user: vigie, password: s3cret, "
                            "from: 'vigie <vigie@example.org>'}\n"
                            "report: {recipients: [sla@delegataire.example, noc@example.org], lang: en}\n",
                            &err);
    if (!c)
        fail_msg("%s", err.msg);
    assert_true(c->smtp.configured);
    assert_true(c->smtp.starttls);
    assert_int_equal(c->smtp.timeout, 30);
    assert_int_equal(c->report.nrecipients, 2);
    assert_string_equal(c->report.lang, "en");
    server_config_free(c);
    c = load("", &err);
    assert_non_null(c);
    assert_false(c->smtp.configured);
    assert_string_equal(c->report.lang, "fr");
    server_config_free(c);
    static const struct {
        const char *yaml, *msg;
    } bad[] = {
        {"smtp: {url: 'smtp://mail.example.org', from: v@example.org, starttls: false}\n", "starttls"},
        {"smtp: {url: 'smtp://127.0.0.1:2525', from: v@example.org, starttls: false, user: x}\n", "together"},
        {"smtp: {url: 'http://mail.example.org', from: v@example.org}\n", "url"},
        {"smtp: {url: 'smtp://u:p@mail.example.org', from: v@example.org}\n", "user and password"},
        {"smtp: {url: 'smtp://mail.example.org', from: 'not an address'}\n", "from"},
        {"smtp: {url: 'smtp://mail.example.org', from: v@example.org, port: 25}\n", "port"},
        {"report: {recipients: [sla@example.org]}\n", "smtp section"},
        {"smtp: {url: 'smtp://mail.example.org', from: v@example.org}\nreport: {recipients: ['a@b.c, d@e.f']}\n", "recipients"},
        {"report: {lang: de}\n", "lang"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = load(bad[i].yaml, &err);
        if (c)
            fail_msg("accepted: %s", bad[i].yaml);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("%s: '%s' does not say %s", bad[i].yaml, err.msg, bad[i].msg);
    }
    c = load("smtp: {url: 'smtp://[::1]:2525', from: v@example.org, starttls: false}\n", &err);
    if (!c)
        fail_msg("%s", err.msg);
    server_config_free(c);
    (void)state;
}

/* ---- the typed view --------------------------------------------------------------------------------- */

/* doc is not a report: the view names the member at fault, and no renderer crashes on it. */
static void expect_invalid(const json_t *doc, const char *field)
{
    vg_err err;
    assert_null(report_view_new(doc, &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_string_equal(err.field, field);
    if (!strstr(err.msg, field))
        fail_msg("'%s' does not name %s", err.msg, field);
    report_render_opts o = {.lang = REPORT_LANG_FR, .db = ctx.db, .rrd = ctx.rrd, .vocab = cfg->vocab};
    for (int f = REPORT_PDF; f <= REPORT_JSON; f++) {
        report_render_out out;
        assert_int_equal(report_render((report_format)f, doc, &o, &out, &err), VG_E_INVALID);
        assert_null(out.data);
    }
    assert_null(report_render_summary(doc, REPORT_LANG_FR));
}

static json_t *site_of(json_t *doc, size_t i) { return json_array_get(json_object_get(doc, "sites"), i); }

static void test_view(void **state)
{
    json_t *doc = october(OCT_TO + 86400);
    vg_err err;
    report_view *v = report_view_new(doc, &err);
    if (!v)
        fail_msg("%s", err.msg);
    assert_int_equal(v->nsites, 2);
    assert_string_equal(v->sites[0].id, "italie");
    assert_string_equal(v->sites[0].timezone, "Europe/Paris");
    assert_int_equal(v->sites[0].period.from, OCT_FROM);
    assert_int_equal(v->sites[0].figures.downtime, 600);
    assert_false(v->sites[0].figures.target_met);
    assert_int_equal(v->sites[0].nincidents, 2);
    assert_true(v->sites[0].incidents[1].excluded);
    assert_string_equal(v->sites[0].services[1].name, "cooling");
    assert_int_equal(v->sites[0].nwindows, 1);
    assert_int_equal(v->sites[0].windows[0].start, MAINT_START);
    char hex[65];
    assert_int_equal(report_render_digest(doc, hex), VG_OK);
    assert_string_equal(v->digest, hex);
    report_view_free(v);

    /* null figures (nothing eligible) read as NAN */
    json_t *c = json_deep_copy(doc);
    json_object_set_new(json_object_get(site_of(c, 1), "figures"), "availability", json_null());
    v = report_view_new(c, &err);
    assert_non_null(v);
    assert_true(isnan(v->sites[1].figures.availability));
    report_view_free(v);
    json_decref(c);

    /* a member missing, at each depth */
    c = json_deep_copy(doc);
    json_object_del(json_object_get(site_of(c, 0), "figures"), "availability");
    expect_invalid(c, "sites[0].figures.availability");
    json_decref(c);
    c = json_deep_copy(doc);
    json_object_del(c, "generated_at");
    expect_invalid(c, "generated_at");
    json_decref(c);
    c = json_deep_copy(doc);
    json_object_del(json_object_get(site_of(c, 1), "year_to_date"), "annual_allowed_downtime");
    expect_invalid(c, "sites[1].year_to_date.annual_allowed_downtime");
    json_decref(c);
    /* a member of the wrong type */
    c = json_deep_copy(doc);
    json_object_set_new(site_of(c, 1), "incidents", json_string("none"));
    expect_invalid(c, "sites[1].incidents");
    json_decref(c);
    c = json_deep_copy(doc);
    json_object_set_new(json_array_get(json_object_get(site_of(c, 0), "incidents"), 0), "start", json_string("x"));
    expect_invalid(c, "sites[0].incidents[0].start");
    json_decref(c);
    c = json_deep_copy(doc);
    json_object_set_new(json_object_get(site_of(c, 0), "period"), "hours", json_true());
    expect_invalid(c, "sites[0].period.hours");
    json_decref(c);
    c = json_deep_copy(doc);
    json_array_set_new(json_object_get(c, "sites"), 1, json_integer(3));
    expect_invalid(c, "sites[1]");
    json_decref(c);
    json_decref(doc);
    (void)state;
}

/* ---- the graph process ------------------------------------------------------------------------------- */

/* A month of a series of italie drawn in zone tz. */
static vg_code draw(const char *device, const char *metric, const char *inst, const char *tz, store_graph_image *img,
                    vg_err *err)
{
    char path[1200];
    assert_int_equal(rrd_store_path(ctx.rrd, "italie", device, metric, inst, path, sizeof path), 0);
    store_graph_line line = {path, "line", "1F5FA8"};
    int64_t mark = ITALIE_OUTAGE;
    store_graph_request r = {.format = STORE_GRAPH_SVG, .from = OCT_FROM, .to = OCT_TO, .timezone = tz,
                             .title = "t", .width = 480, .height = 230, .daemon = "", .lines = &line, .nlines = 1,
                             .marks = &mark, .nmarks = 1, .marks_legend = "Incident"};
    return store_graph_draw(&r, img, err);
}

static void test_graph_zone(void **state)
{
    /* the server's own TZ is neither read nor changed */
    setenv("TZ", "America/New_York", 1);
    store_graph_image utc, again, tokyo;
    vg_err err;
    if (draw("env", "env.temperature", "salle", "UTC", &utc, &err) != VG_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(draw("env", "env.temperature", "salle", "", &again, &err), VG_OK);
    assert_int_equal(draw("env", "env.temperature", "salle", "Asia/Tokyo", &tokyo, &err), VG_OK);
    assert_memory_equal(utc.data, "<?xml", 5);
    /* "" is UTC; Tokyo's days start 9 hours earlier: the day marks under the axis move */
    assert_true(utc.len == again.len && memcmp(utc.data, again.data, utc.len) == 0);
    assert_true(utc.len != tokyo.len || memcmp(utc.data, tokyo.data, utc.len) != 0);
    assert_string_equal(getenv("TZ"), "America/New_York");
    unsetenv("TZ");
    free(utc.data);
    free(again.data);
    free(tokyo.data);
    (void)state;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The graph process's drawer (its one child), 0 when it has none. */
static pid_t drawer_of(pid_t graph_pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)graph_pid, (int)graph_pid);
    FILE *f = fopen(path, "r");
    int child = 0;
    if (f) {
        if (fscanf(f, "%d", &child) != 1)
            child = 0;
        fclose(f);
    }
    return (pid_t)child;
}

static void test_graph_damaged(void **state)
{
    pid_t pid = store_graph_pid();
    assert_true(pid > 0);
    char good[1200], empty[1200], garbage[1200], cut[1200];
    assert_int_equal(rrd_store_path(ctx.rrd, "italie", "env", "env.temperature", "salle", good, sizeof good), 0);
    assert_int_equal(rrd_store_path(ctx.rrd, "italie", "env", "env.temperature", "vide", empty, sizeof empty), 0);
    assert_int_equal(rrd_store_path(ctx.rrd, "italie", "env", "env.temperature", "abc", garbage, sizeof garbage), 0);
    assert_int_equal(rrd_store_path(ctx.rrd, "italie", "env", "env.temperature", "coupe", cut, sizeof cut), 0);
    /* an empty file is not even listed */
    write_file(empty, "", 0);
    store_listing l;
    vg_err err;
    assert_int_equal(store_listing_get(ctx.rrd, "italie", "env", "env.temperature", &l, &err), VG_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.series[0].instance, "salle");
    store_listing_clear(&l);
    /* a file of garbage and a cut one are listed, and give no line */
    char junk[8192];
    memset(junk, 'x', sizeof junk);
    write_file(garbage, junk, sizeof junk);
    FILE *f = fopen(good, "rb");
    assert_non_null(f);
    static char rrd[1 << 20];
    size_t n = fread(rrd, 1, sizeof rrd, f);
    fclose(f);
    assert_true(n > 4096);
    write_file(cut, rrd, n / 3);
    assert_int_equal(store_listing_get(ctx.rrd, "italie", "env", "env.temperature", &l, &err), VG_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.series[0].instance, "abc");
    store_listing_clear(&l);
    store_graph_image img;
    assert_int_equal(draw("env", "env.temperature", "abc", "UTC", &img, &err), VG_E_IO);
    assert_null(img.data);
    vg_code rc = draw("env", "env.temperature", "coupe", "UTC", &img, &err);
    assert_int_equal(rc, VG_E_IO);
    assert_int_equal(store_graph_pid(), pid); /* the graph process lived through both */
    /* the report of the month: the site keeps its graphs, the temperature with its one good line */
    json_t *doc = october(OCT_TO + 86400);
    char *html = render(REPORT_HTML, REPORT_LANG_FR, doc, true, NULL);
    assert_non_null(strstr(html, "data:image/png;base64,iVBORw0KGgo"));
    free(html);
    json_decref(doc);
    assert_int_equal(store_graph_pid(), pid);
    /* one drawer draws graph after graph; killed, the next graph has another */
    pid_t drawer = drawer_of(pid);
    assert_true(drawer > 0);
    assert_int_equal(draw("env", "env.temperature", "salle", "Asia/Tokyo", &img, &err), VG_OK);
    free(img.data);
    assert_int_equal(drawer_of(pid), drawer);
    kill(drawer, SIGKILL);
    usleep(50000);
    rc = draw("env", "env.temperature", "salle", "UTC", &img, &err);
    if (rc != VG_OK) {
        assert_int_equal(rc, VG_E_IO); /* it was taken as the graph's crash */
        rc = draw("env", "env.temperature", "salle", "UTC", &img, &err);
    }
    assert_int_equal(rc, VG_OK);
    free(img.data);
    assert_true(drawer_of(pid) > 0);
    assert_int_not_equal(drawer_of(pid), drawer);
    assert_int_equal(store_graph_pid(), pid);
    /* the graph process killed: the graph asked of it then fails, the next is drawn by another */
    unsigned long restarts = store_graph_restarts();
    kill(pid, SIGKILL);
    usleep(50000);
    rc = draw("env", "env.temperature", "salle", "UTC", &img, &err);
    if (rc != VG_OK) {
        assert_int_equal(rc, VG_E_UNAVAILABLE);
        rc = draw("env", "env.temperature", "salle", "UTC", &img, &err);
    }
    assert_int_equal(rc, VG_OK);
    free(img.data);
    assert_true(store_graph_pid() > 0);
    assert_int_not_equal(store_graph_pid(), pid);
    assert_true(store_graph_restarts() > restarts);
    unlink(empty);
    unlink(garbage);
    unlink(cut);
    (void)state;
}

int main(int argc, char **argv)
{
    log_set_level(LOG_LVL_WARN); /* not the alerts the month's outages fire */
    if (argc == 3 && strcmp(argv[1], "--populate") == 0) {
        if (open_ctx(argv[2]) != 0)
            return 1;
        populate();
        close_ctx();
        return 0;
    }
    /* before anything else: the graphs are drawn in a fork of this process (store/graph.h) */
    vg_err gerr;
    if (store_graph_start(&gerr) != VG_OK) {
        fprintf(stderr, "%s\n", gerr.msg);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),         cmocka_unit_test(test_durations),     cmocka_unit_test(test_dates),
        cmocka_unit_test(test_parse),           cmocka_unit_test(test_digest_canonical),
        cmocka_unit_test(test_october_figures), cmocka_unit_test(test_digest_stable), cmocka_unit_test(test_csv),
        cmocka_unit_test(test_documents),       cmocka_unit_test(test_config),        cmocka_unit_test(test_view),
        cmocka_unit_test(test_graph_zone),      cmocka_unit_test(test_graph_damaged),
    };
    int rc = cmocka_run_group_tests_name("report", tests, setup, teardown);
    store_graph_stop();
    return rc;
}
