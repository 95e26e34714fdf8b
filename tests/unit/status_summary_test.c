/* The summary of a device's table values (server/http/status_summary.c) on scripted latest values, with
 * hand-computed figures: a PDU's total current, power and outlets, an OLT's PON ports and ONTs, a
 * cooling unit's states and alarms, a UPS's runtime, the uptime; rows older than the device's newest
 * sample left out; and every enum word the profiles of mibs/ give the counted metrics is in the
 * summary's table, so that none is counted as "other" by oversight. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "http/status_summary.h"
#include "store/db.h"
#include "test_db.h"
#include "test_util.h"
#include "vocab.h"

#define T0 1795441000LL

static const char *mibs_dir(void)
{
    static char path[1024];
    const char *dir = getenv("VIGIE_MIBS_DIR"), *top = getenv("top_srcdir");
    if (dir && *dir)
        snprintf(path, sizeof path, "%s", dir);
    else
        snprintf(path, sizeof path, "%s/mibs", top && *top ? top : ".");
    return path;
}

/* One latest value as GET /api/v1/status lists it. */
static void row(json_t *a, const char *name, const char *inst, double value, const char *text, const char *sev,
                long long ts)
{
    json_t *m = json_pack("{s:s, s:s, s:f, s:s, s:I}", "name", name, "instance", inst, "value", value, "unit", "", "ts",
                          (json_int_t)ts);
    if (text)
        json_object_set_new(m, "text", json_string(text));
    if (sev)
        json_object_set_new(m, "severity", json_string(sev));
    json_array_append_new(a, m);
}

static void unit_row(json_t *a, const char *name, const char *inst, double value, const char *unit)
{
    json_array_append_new(a, json_pack("{s:s, s:s, s:f, s:s, s:I}", "name", name, "instance", inst, "value", value,
                                       "unit", unit, "ts", (json_int_t)T0));
}

static long long geti(json_t *s, const char *path1, const char *path2)
{
    json_t *o = json_object_get(s, path1);
    if (!o)
        fail_msg("no %s in the summary", path1);
    json_t *v = json_object_get(o, path2);
    if (!json_is_integer(v))
        fail_msg("%s.%s is not an integer", path1, path2);
    return (long long)json_integer_value(v);
}

static const char *gets(json_t *s, const char *path1, const char *path2)
{
    const char *v = json_string_value(json_object_get(json_object_get(s, path1), path2));
    if (!v)
        fail_msg("%s.%s is not a string", path1, path2);
    return v;
}

static double getf(json_t *s, const char *path1, const char *path2)
{
    return json_number_value(json_object_get(json_object_get(s, path1), path2));
}

/* 8 outlets, 7 on and 1 off; 3 phases of 2.1 + 3.4 + 1.0 A = 6.5 A; 480 + 780 + 230 W = 1490 W;
 * up 12 days 4 hours = 12 x 86,400 + 4 x 3,600 = 1,051,200 s. */
static void test_pdu(void **state)
{
    (void)state;
    json_t *m = json_array();
    for (int i = 1; i <= 8; i++) {
        char inst[8];
        snprintf(inst, sizeof inst, "%d", i);
        row(m, "outlet.status", inst, i == 5 ? 1 : 2, i == 5 ? "off" : "on", i == 5 ? "warning" : "ok", T0);
    }
    unit_row(m, "input.current", "L1", 2.1, "A");
    unit_row(m, "input.current", "L2", 3.4, "A");
    unit_row(m, "input.current", "L3", 1.0, "A");
    unit_row(m, "input.realpower", "L1", 480, "W");
    unit_row(m, "input.realpower", "L2", 780, "W");
    unit_row(m, "input.realpower", "L3", 230, "W");
    unit_row(m, "device.uptime", "", 1051200, "s");
    json_t *s = status_summary_device("pdu", m, NULL);
    assert_int_equal(geti(s, "outlets", "on"), 7);
    assert_int_equal(geti(s, "outlets", "off"), 1);
    assert_int_equal(geti(s, "outlets", "other"), 0);
    assert_int_equal(geti(s, "outlets", "total"), 8);
    assert_true(fabs(getf(s, "current", "value") - 6.5) < 1e-9);
    assert_string_equal(gets(s, "current", "unit"), "A");
    assert_string_equal(gets(s, "current", "over"), "phases");
    assert_int_equal(geti(s, "current", "count"), 3);
    assert_true(fabs(getf(s, "power", "value") - 1490) < 1e-9);
    assert_string_equal(gets(s, "power", "unit"), "W");
    assert_int_equal(geti(s, "uptime", "seconds"), 1051200);
    assert_null(json_object_get(s, "pon_ports"));
    json_decref(s);
    /* the same values with no class said: the outlets tell a PDU */
    s = status_summary_device(NULL, m, NULL);
    assert_true(fabs(getf(s, "current", "value") - 6.5) < 1e-9);
    json_decref(s);
    /* a UPS's input current is no PDU total */
    s = status_summary_device("ups", m, NULL);
    assert_null(json_object_get(s, "current"));
    assert_null(json_object_get(s, "outlets"));
    json_decref(s);
    json_decref(m);
}

/* Two inlets, the first with its phases: the phases are counted, not the inlet above them
 * (4.0 + 5.0 + 7.5 A = 16.5 A over 3 rows, not phases only); a device total wins over every row. */
static void test_pdu_levels(void **state)
{
    (void)state;
    json_t *m = json_array();
    unit_row(m, "input.current", "1", 9.0, "A");
    unit_row(m, "input.current", "1/L1", 4.0, "A");
    unit_row(m, "input.current", "1/L2", 5.0, "A");
    unit_row(m, "input.current", "2", 7.5, "A");
    json_t *s = status_summary_device("pdu", m, NULL);
    assert_true(fabs(getf(s, "current", "value") - 16.5) < 1e-9);
    assert_string_equal(gets(s, "current", "over"), "inlets");
    assert_int_equal(geti(s, "current", "count"), 3);
    json_decref(s);
    unit_row(m, "input.current", "", 16.4, "A");
    unit_row(m, "input.power", "1", 2000, "VA"); /* no real power: the apparent power */
    s = status_summary_device("pdu", m, NULL);
    assert_true(fabs(getf(s, "current", "value") - 16.4) < 1e-9);
    assert_string_equal(gets(s, "current", "over"), "total");
    assert_string_equal(gets(s, "power", "unit"), "VA");
    assert_null(json_object_get(s, "outlets"));
    json_decref(s);
    json_decref(m);
}

/* 16 PON ports: 12 up, 3 down, 1 testing; 128 ONTs: 120 online, 6 offline, 2 degraded; the worst
 * receive power -28.5 dBm at 3/17. */
static void test_olt(void **state)
{
    (void)state;
    json_t *m = json_array();
    for (int p = 1; p <= 16; p++) {
        char inst[8];
        snprintf(inst, sizeof inst, "%d", p);
        row(m, "olt.pon.status", inst, p <= 12 ? 1 : 2, p <= 12 ? "up" : p <= 15 ? "down" : "testing", "ok", T0);
    }
    for (int i = 0; i < 128; i++) {
        char inst[16];
        snprintf(inst, sizeof inst, "%d/%d", i / 32 + 1, i % 32);
        row(m, "olt.ont.status", inst, 1, i < 120 ? "online" : i < 126 ? "offline" : "degraded", "ok", T0);
        json_array_append_new(m, json_pack("{s:s, s:s, s:f, s:s, s:I}", "name", "olt.ont.rx.power", "instance", inst,
                                           "value", strcmp(inst, "3/17") == 0 ? -28.5 : -20.0 - (i % 7), "unit", "dBm",
                                           "ts", (json_int_t)T0));
    }
    row(m, "olt.ont.online", "", 99, NULL, NULL, T0); /* the rows win over the OLT's count */
    json_t *s = status_summary_device("olt", m, NULL);
    assert_int_equal(geti(s, "pon_ports", "up"), 12);
    assert_int_equal(geti(s, "pon_ports", "down"), 3);
    assert_int_equal(geti(s, "pon_ports", "other"), 1);
    assert_int_equal(geti(s, "pon_ports", "total"), 16);
    assert_int_equal(geti(s, "onts", "online"), 120);
    assert_int_equal(geti(s, "onts", "offline"), 6);
    assert_int_equal(geti(s, "onts", "other"), 2);
    assert_int_equal(geti(s, "onts", "known"), 128);
    assert_string_equal(gets(s, "onts", "from"), "status");
    assert_true(fabs(getf(s, "ont_rx_worst", "value") + 28.5) < 1e-9);
    assert_string_equal(gets(s, "ont_rx_worst", "instance"), "3/17");
    json_decref(s);
    json_decref(m);
}

/* An OLT that only counts: 60 + 60 online of 64 + 64 declared on two ports; another that says online
 * and offline (BDCOM): 50 + 14. */
static void test_olt_counts(void **state)
{
    (void)state;
    json_t *m = json_array();
    row(m, "olt.ont.online", "1", 60, NULL, NULL, T0);
    row(m, "olt.ont.online", "2", 60, NULL, NULL, T0);
    row(m, "olt.ont.count", "1", 64, NULL, NULL, T0);
    row(m, "olt.ont.count", "2", 64, NULL, NULL, T0);
    json_t *s = status_summary_device("olt", m, NULL);
    assert_int_equal(geti(s, "onts", "online"), 120);
    assert_int_equal(geti(s, "onts", "known"), 128);
    assert_string_equal(gets(s, "onts", "from"), "counts");
    assert_null(json_object_get(s, "pon_ports"));
    json_decref(s);
    json_decref(m);
    m = json_array();
    row(m, "olt.ont.online", "", 50, NULL, NULL, T0);
    row(m, "olt.ont.offline", "", 14, NULL, NULL, T0);
    s = status_summary_device("olt", m, NULL);
    assert_int_equal(geti(s, "onts", "online"), 50);
    assert_int_equal(geti(s, "onts", "known"), 64);
    json_decref(s);
    json_decref(m);
}

/* Three units: on, standby, on (word as the device says it); alarms: one of two states active, or
 * the device's own count when it keeps one. */
static void test_cooling(void **state)
{
    (void)state;
    json_t *m = json_array();
    row(m, "cooling.state", "1", 1, "on", "ok", T0);
    row(m, "cooling.state", "2", 3, "standby", "ok", T0);
    row(m, "cooling.state", "3", 1, "on", "ok", T0);
    row(m, "cooling.alarm", "highTemp", 2, "alarm", "critical", T0);
    row(m, "cooling.alarm", "filter", 1, "ok", "ok", T0);
    json_t *s = status_summary_device("cooling", m, NULL);
    json_t *units = json_object_get(s, "units");
    assert_int_equal(json_array_size(units), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(units, 1), "state")), "standby");
    assert_string_equal(json_string_value(json_object_get(json_array_get(units, 1), "instance")), "2");
    assert_int_equal(json_integer_value(json_object_get(s, "units_total")), 3);
    assert_int_equal(geti(s, "alarms", "active"), 1);
    assert_int_equal(geti(s, "alarms", "of"), 2);
    assert_string_equal(gets(s, "alarms", "from"), "states");
    json_decref(s);
    row(m, "cooling.alarm.count", "", 3, NULL, NULL, T0);
    s = status_summary_device("cooling", m, NULL);
    assert_int_equal(geti(s, "alarms", "active"), 3);
    assert_string_equal(gets(s, "alarms", "from"), "count");
    json_decref(s);
    json_decref(m);
}

/* 2,579 s of runtime: 42 whole minutes; without a UPS total, the shortest battery. */
static void test_ups(void **state)
{
    (void)state;
    json_t *m = json_array();
    unit_row(m, "battery.runtime", "", 2579, "s");
    json_t *s = status_summary_device("ups", m, NULL);
    assert_int_equal(geti(s, "runtime", "minutes"), 42);
    assert_true(fabs(getf(s, "runtime", "seconds") - 2579) < 1e-9);
    json_decref(s);
    json_decref(m);
    m = json_array();
    unit_row(m, "battery.runtime", "1", 3600, "s");
    unit_row(m, "battery.runtime", "2", 1800, "s");
    s = status_summary_device("ups", m, NULL);
    assert_int_equal(geti(s, "runtime", "minutes"), 30);
    json_decref(s);
    json_decref(m);
}

/* With stale_after 30 s: an outlet last seen 100 s before the device's newest sample is left out;
 * an ONT row 3,000 s old still counts (olt.ont.status has a heartbeat of 7,200 s), one 8,000 s old
 * does not. Nothing to say: an empty object. */
static void test_stale_rows(void **state)
{
    (void)state;
    vg_err err;
    char path[1100];
    snprintf(path, sizeof path, "%s/vocabulary.yaml", mibs_dir());
    vocab *v = vocab_load(path, &err);
    if (!v)
        fail_msg("%s", err.msg);
    status_summary_opts o = {.stale_after = 30, .vocab = v};
    json_t *m = json_array();
    row(m, "outlet.status", "1", 2, "on", "ok", T0);
    row(m, "outlet.status", "2", 2, "on", "ok", T0 - 100);
    row(m, "outlet.status", "3", 1, "off", "ok", T0 - 20);
    json_t *s = status_summary_device("pdu", m, &o);
    assert_int_equal(geti(s, "outlets", "on"), 1);
    assert_int_equal(geti(s, "outlets", "off"), 1);
    assert_int_equal(geti(s, "outlets", "total"), 2);
    json_decref(s);
    json_decref(m);
    m = json_array();
    row(m, "olt.pon.status", "1", 1, "up", "ok", T0);
    row(m, "olt.ont.status", "1/1", 1, "up", "ok", T0 - 3000);
    row(m, "olt.ont.status", "1/2", 1, "up", "ok", T0 - 8000);
    s = status_summary_device("olt", m, &o);
    assert_int_equal(geti(s, "onts", "known"), 1);
    json_decref(s);
    json_decref(m);
    m = json_array();
    row(m, "env.temperature", "1", 21, NULL, NULL, T0);
    s = status_summary_device("env", m, &o);
    assert_int_equal(json_object_size(s), 0);
    json_decref(s);
    json_decref(m);
    vocab_free(v);
}

/* Words: without case; one the table does not know is unlisted, and counted as other. */
static void test_words(void **state)
{
    (void)state;
    assert_int_equal(status_summary_word("outlet.status", "On"), STATUS_WORD_ON);
    assert_int_equal(status_summary_word("outlet.status", "outletOff"), STATUS_WORD_OFF);
    assert_int_equal(status_summary_word("outlet.status", "pendingOn"), STATUS_WORD_OTHER);
    assert_int_equal(status_summary_word("olt.pon.status", "linkUp"), STATUS_WORD_ON);
    assert_int_equal(status_summary_word("olt.pon.status", "lowerLayerDown"), STATUS_WORD_OFF);
    assert_int_equal(status_summary_word("olt.ont.status", "online"), STATUS_WORD_ON);
    assert_int_equal(status_summary_word("olt.ont.status", "degraded"), STATUS_WORD_OTHER);
    assert_int_equal(status_summary_word("olt.ont.status", "frobnicated"), STATUS_WORD_UNLISTED);
    assert_int_equal(status_summary_word("ups.status", "on"), STATUS_WORD_UNLISTED);
    json_t *m = json_array();
    row(m, "outlet.status", "1", 7, "frobnicated", "ok", T0);
    row(m, "outlet.status", "2", 2, "on", "ok", T0);
    json_t *s = status_summary_device("pdu", m, NULL);
    assert_int_equal(geti(s, "outlets", "on"), 1);
    assert_int_equal(geti(s, "outlets", "other"), 1);
    json_decref(s);
    json_decref(m);
}

/* Every metric the summary reads is a word of the vocabulary. */
static void test_metrics_in_vocabulary(void **state)
{
    (void)state;
    vg_err err;
    char path[1100];
    snprintf(path, sizeof path, "%s/vocabulary.yaml", mibs_dir());
    vocab *v = vocab_load(path, &err);
    if (!v)
        fail_msg("%s", err.msg);
    for (size_t i = 0; status_summary_metrics[i]; i++)
        if (!vocab_metric_find(v, status_summary_metrics[i]))
            fail_msg("%s is not in mibs/vocabulary.yaml", status_summary_metrics[i]);
    vocab_free(v);
}

/* The words of one enum (a map code -> {text, severity}) of metric in a profile. */
static size_t check_enum(const conf_doc *doc, const conf_node *en, const char *metric, const char *file)
{
    size_t n = 0;
    for (size_t i = 0; i < conf_len(en); i++) {
        const conf_node *e = conf_map_value_at(doc, en, i);
        const char *text = conf_node_scalar(conf_map_get(doc, e, "text"));
        if (!text)
            continue;
        if (status_summary_word(metric, text) == STATUS_WORD_UNLISTED)
            fail_msg("%s: %s word '%s' is not in server/http/status_summary.c's table: say whether it means "
                     "on, off or other",
                     file, metric, text);
        n++;
    }
    return n;
}

static void test_profile_words(void **state)
{
    (void)state;
    static const char *const counted[] = {"outlet.status", "olt.pon.status", "olt.ont.status"};
    DIR *dir = opendir(mibs_dir());
    assert_non_null(dir);
    struct dirent *de;
    size_t words = 0, files = 0;
    while ((de = readdir(dir))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0 || strcmp(de->d_name, "vocabulary.yaml") == 0)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", mibs_dir(), de->d_name);
        vg_err err;
        conf_doc *doc = conf_doc_load_file(path, &err);
        if (!doc)
            fail_msg("%s", err.msg);
        const conf_node *root = conf_doc_root(doc);
        const conf_node *enums = conf_map_get(doc, root, "enums"), *metrics = conf_map_get(doc, root, "metrics");
        for (size_t k = 0; k < sizeof counted / sizeof counted[0]; k++) {
            const conf_node *m = metrics ? conf_map_get(doc, metrics, counted[k]) : NULL;
            const conf_node *en = m ? conf_map_get(doc, m, "enum") : NULL;
            if (en && conf_node_kind(en) == CONF_SCALAR)
                en = enums ? conf_map_get(doc, enums, conf_node_scalar(en)) : NULL;
            if (en && conf_node_kind(en) == CONF_MAP) {
                words += check_enum(doc, en, counted[k], de->d_name);
                files++;
            }
        }
        conf_doc_free(doc);
    }
    closedir(dir);
    /* 173 profiles when this was written: 38 enums of these metrics, 184 words */
    assert_true(files >= 38);
    assert_true(words >= 184);
}

static void device_of(json_t *devices, const char *site, const char *device, json_t *metrics)
{
    json_array_append_new(devices, json_pack("{s:s, s:s, s:o}", "site", site, "device", device, "metrics", metrics));
}

/* Over the store: the class a push gave a device is used and set; an undescribed device gets "" and a
 * summary of what its metric names say. */
static void test_annotate(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/vigie.db", dir);
    db *d = NULL;
    vg_err err;
    assert_int_equal(db_open(tu_db(path), &d, &err), VG_OK);
    push_device pdu = {.name = "pdu-a", .cls = "pdu", .profile = "pdu-apc-rpdu2"};
    assert_int_equal(db_device_upsert(d, "italie", "dc-italie", &pdu, T0, &err), VG_OK);
    json_t *devices = json_array(), *m = json_array();
    row(m, "cooling.state", "", 1, "on", "ok", T0); /* first a site without a described device */
    device_of(devices, "doullens", "clim", m);
    m = json_array();
    row(m, "outlet.status", "1", 2, "on", "ok", T0);
    unit_row(m, "input.current", "L1", 2.5, "A");
    device_of(devices, "italie", "pdu-a", m);
    assert_int_equal(status_summary_annotate(d, devices, NULL, &err), VG_OK);
    json_t *b = json_array_get(devices, 0), *a = json_array_get(devices, 1);
    assert_string_equal(json_string_value(json_object_get(a, "class")), "pdu");
    assert_true(fabs(getf(json_object_get(a, "summary"), "current", "value") - 2.5) < 1e-9);
    assert_string_equal(json_string_value(json_object_get(b, "class")), "");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "summary"), "units_total")), 1);
    json_decref(devices);
    db_close(d);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdu),        cmocka_unit_test(test_pdu_levels),          cmocka_unit_test(test_olt),
        cmocka_unit_test(test_olt_counts), cmocka_unit_test(test_cooling),             cmocka_unit_test(test_ups),
        cmocka_unit_test(test_stale_rows), cmocka_unit_test(test_words),               cmocka_unit_test(test_metrics_in_vocabulary),
        cmocka_unit_test(test_profile_words), cmocka_unit_test(test_annotate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
