/* The poller's collect step (agent/snmp/collect.c) without a device: answers made up here, as the
 * engine would hand them over decoded, become samples through a plan of small profiles written by the
 * test. Counter rates, 32-bit wraps, 64-bit counters and resets (after a reboot too: no absurd rate),
 * ENTITY-SENSOR precision and per-row divisors, count and sum aggregates per instance, "absent"
 * sentinels and exceptions, device.reboot when the uptime goes back, device.reachable. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "profile/profile.h"
#include "snmp/collect.h"
#include "snmp/plan.h"
#include "test_util.h"

static char *dir;
static profile_set *set;
static plan_set *plans;
static const poll_plan *plan;

static const char *vocab =
    "generic:\n"
    "  device.uptime: {unit: s, doc: x}\n"
    "pdu:\n"
    "  net.in.rate: {unit: B/s, doc: x}\n"
    "  net.hc.rate: {unit: B/s, doc: x}\n"
    "  input.voltage: {unit: V, doc: x}\n"
    "  outlet.current: {unit: A, doc: x}\n"
    "  outlet.count: {unit: count, doc: x}\n"
    "  outlet.power: {unit: W, doc: x}\n"
    "  group.power: {unit: W, doc: x}\n"
    "  input.realpower: {unit: W, doc: x}\n"
    "env:\n"
    "  env.temperature: {unit: degC, doc: x}\n";

static const char *generic =
    "profile: generic\n"
    "class: generic\n"
    "metrics:\n"
    "  device.uptime: {unit: s, sources: [{oid: .1.3.6.1.2.1.1.3.0, scale: 0.01}]}\n";

#define T ".1.3.6.1.4.1.99998"
static const char *pdu =
    "profile: test-collect\n"
    "class: pdu\n"
    "match: {sys_object_id: [" T "]}\n"
    "metrics:\n"
    "  net.in.rate: {unit: B/s, type: counter, sources: [{oid: " T ".1.1.0}]}\n"
    "  net.hc.rate: {unit: B/s, type: counter, sources: [{oid: " T ".1.2.0}]}\n"
    "  input.voltage:\n"
    "    unit: V\n"
    "    absent: [-1, \"N/A\"]\n"
    "    range: [0, 500]\n"
    "    sources: [{oid: " T ".2.1.0, scale: 0.1}, {oid: " T ".2.2.0}]\n"
    "  env.temperature:\n"
    "    unit: degC\n"
    "    sources: [{column: " T ".3.1.2}]\n"
    "    precision: {column: " T ".3.1.3}\n"
    "  outlet.current:\n"
    "    unit: A\n"
    "    sources: [{column: " T ".4.1.2}]\n"
    "    divisor: {column: " T ".4.1.3}\n"
    "  outlet.count:\n"
    "    unit: count\n"
    "    aggregate: count\n"
    "    sources: [{column: " T ".5.1.2}]\n"
    "    filter: {column: " T ".5.1.3, range: [0.5, 1.5]}\n"
    "    instance: \"{index.1}\"\n"
    "  group.power:\n"
    "    unit: W\n"
    "    aggregate: sum\n"
    "    sources: [{column: " T ".5.1.2, scale: 0.5}]\n"
    "    filter: {column: " T ".5.1.3, values: [1]}\n"
    "    instance: \"{index.1}\"\n"
    "  outlet.power:\n"
    "    unit: W\n"
    "    aggregate: sum\n"
    "    sources: [{column: " T ".5.1.2}]\n"
    "    instance: \"\"\n";

/* Composed after test-collect: its env.temperature rows 1 to 3 are test-collect's (dropped here), its
 * units come from the device. */
static const char *compose =
    "profile: test-compose\n"
    "class: pdu\n"
    "match: {probe: [" T ".6]}\n"
    "metrics:\n"
    "  env.temperature:\n"
    "    unit: degC\n"
    "    sources: [{column: " T ".6.1.2, scale: 0.1}]\n"
    "    unit_from: {column: " T ".6.1.3, units: {1: degC, 2: degF, K: K}}\n"
    "  input.realpower:\n"
    "    unit: W\n"
    "    sources: [{oid: " T ".7.1.0}]\n"
    "    precision: {oid: " T ".7.2.0}\n"
    "    unit_from: {oid: " T ".7.3.0, units: {1: W, 2: kW}}\n";

static int setup(void **state)
{
    char path[600];
    dir = tu_tmpdir();
    tu_write(dir, "vocabulary.yaml", vocab, path, sizeof path);
    tu_write(dir, "generic.yaml", generic, path, sizeof path);
    tu_write(dir, "test-collect.yaml", pdu, path, sizeof path);
    tu_write(dir, "test-compose.yaml", compose, path, sizeof path);
    vg_err err;
    if (!(set = profile_set_load(dir, &err))) {
        fprintf(stderr, "profiles: %s\n", err.msg);
        return -1;
    }
    plans = plan_set_new(set);
    const profile *own = profile_set_find(set, "test-collect");
    if (!plans || plan_set_get(plans, &own, 1, &plan, &err) != VG_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    plan_set_free(plans);
    profile_set_free(set);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* ---- answers as the engine decodes them ---------------------------------------------------- */

static raw_value rv_number(u_char type, double number, uint64_t counter)
{
    raw_value r;
    memset(&r, 0, sizeof r);
    r.kind = RAW_NUMBER;
    r.asn_type = type;
    r.number = number;
    r.counter = counter;
    return r;
}

static raw_value rv_int(long v) { return rv_number(ASN_INTEGER, (double)v, 0); }
static raw_value rv_c32(uint32_t v) { return rv_number(ASN_COUNTER, v, v); }
static raw_value rv_c64(uint64_t v) { return rv_number(ASN_COUNTER64, (double)v, v); }
static raw_value rv_ticks(uint32_t v) { return rv_number(ASN_TIMETICKS, v, v); }

static raw_value rv_str(const char *s)
{
    raw_value r;
    memset(&r, 0, sizeof r);
    r.kind = RAW_STRING;
    r.asn_type = ASN_OCTET_STR;
    snprintf(r.str, sizeof r.str, "%s", s);
    r.str_len = strlen(r.str);
    return r;
}

static raw_value rv_none(void)
{
    raw_value r;
    memset(&r, 0, sizeof r);
    r.asn_type = SNMP_NOSUCHINSTANCE;
    return r;
}

static void put(collect *c, const char *name, raw_value v)
{
    oid o[MAX_OID_LEN];
    size_t n;
    vg_err err;
    assert_int_equal(oid_parse(name, o, MAX_OID_LEN, &n), 0);
    if (collect_answer(c, o, n, &v, &err) != VG_OK)
        fail_msg("%s: %s", name, err.msg);
}

static collect *start(collect *c)
{
    if (!c)
        assert_non_null(c = collect_new("pdu1"));
    assert_int_equal(collect_begin(c, plan, NULL), VG_OK);
    return c;
}

/* The cycle's samples (the caller frees the batch); the answers are dropped. */
static push_batch *emit(collect *c, bool answered, int64_t now)
{
    push_batch *b = push_batch_new("agent", 0);
    assert_non_null(b);
    poll_sink out = poll_sink_batch(b);
    collect_emit(c, "pdu", "test-collect", answered, &out, now);
    collect_drop(c);
    return b;
}

static const push_sample *find(const push_batch *b, const char *metric, const char *instance)
{
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        if (strcmp(s->metric, metric) == 0 && strcmp(s->instance, instance) == 0)
            return s;
    }
    return NULL;
}

static size_t count(const push_batch *b, const char *metric)
{
    size_t n = 0;
    for (size_t i = 0; i < push_batch_count(b); i++)
        n += strcmp(push_batch_at(b, i)->metric, metric) == 0;
    return n;
}

/* The value of a sample that must be there. */
static double value(const push_batch *b, const char *metric, const char *instance)
{
    const push_sample *s = find(b, metric, instance);
    if (!s)
        fail_msg("no %s[%s]", metric, instance);
    return s->value;
}

/* One cycle with a single scalar answer. */
static push_batch *cycle1(collect *c, const char *name, raw_value v, int64_t now)
{
    start(c);
    put(c, name, v);
    return emit(c, true, now);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_reachable(void **state)
{
    collect *c = start(NULL);
    put(c, T ".2.2.0", rv_int(230));
    push_batch *b = emit(c, false, 1000);
    assert_int_equal(push_batch_count(b), 1); /* a silent device gives device.reachable alone */
    const push_sample *s = push_batch_at(b, 0);
    assert_string_equal(s->metric, "device.reachable");
    assert_string_equal(s->device, "pdu1");
    assert_true(s->value == 0);
    assert_int_equal(s->sev, SEV_UNKNOWN);
    assert_string_equal(s->text, "no answer");
    assert_string_equal(push_batch_device_class(b, "pdu1"), "pdu");
    push_batch_free(b);

    start(c);
    put(c, T ".2.2.0", rv_int(230));
    b = emit(c, true, 1060);
    s = push_batch_at(b, 0); /* first, before the metrics */
    assert_string_equal(s->metric, "device.reachable");
    assert_true(s->value == 1);
    assert_int_equal(s->sev, SEV_OK);
    assert_true(value(b, "input.voltage", "") == 230);
    push_batch_free(b);
    collect_free(c);
}

static void test_counter_rate(void **state)
{
    collect *c = start(NULL);
    push_batch *b = cycle1(c, T ".1.1.0", rv_c32(1000), 1000);
    assert_null(find(b, "net.in.rate", "")); /* a rate needs two polls */
    push_batch_free(b);
    b = cycle1(c, T ".1.1.0", rv_c32(1600), 1060);
    assert_true(value(b, "net.in.rate", "") == 10); /* 600 in 60 s */
    assert_string_equal(find(b, "net.in.rate", "")->unit, "B/s");
    push_batch_free(b);
    b = cycle1(c, T ".1.1.0", rv_c32(1600), 1060); /* no time passed: no rate */
    assert_null(find(b, "net.in.rate", ""));
    push_batch_free(b);
    collect_free(c);
}

static void test_counter32_wrap(void **state)
{
    collect *c = start(NULL);
    push_batch_free(cycle1(c, T ".1.1.0", rv_c32(0xFFFFFF00u), 1000));
    push_batch *b = cycle1(c, T ".1.1.0", rv_c32(0x100), 1010); /* past 2^32: 0x200 in 10 s */
    assert_float_equal(value(b, "net.in.rate", ""), 51.2, 1e-9);
    push_batch_free(b);
    collect_free(c);
}

static void test_counter64(void **state)
{
    collect *c = start(NULL);
    const uint64_t base = 5000000000ull; /* beyond 32 bits: read whole */
    push_batch_free(cycle1(c, T ".1.2.0", rv_c64(base), 1000));
    push_batch *b = cycle1(c, T ".1.2.0", rv_c64(base + 6000), 1060);
    assert_float_equal(value(b, "net.hc.rate", ""), 100, 1e-9);
    push_batch_free(b);
    /* A 64-bit counter does not wrap between two polls: going back is a reset, and gives nothing
     * rather than a rate across 2^64. */
    b = cycle1(c, T ".1.2.0", rv_c64(4000), 1120);
    assert_null(find(b, "net.hc.rate", ""));
    push_batch_free(b);
    b = cycle1(c, T ".1.2.0", rv_c64(10000), 1180); /* and counting goes on from the reset */
    assert_float_equal(value(b, "net.hc.rate", ""), 100, 1e-9);
    push_batch_free(b);
    /* what would be a 32-bit wrap (just below 2^32, then small) is a reset for a 64-bit counter */
    push_batch_free(cycle1(c, T ".1.2.0", rv_c64(0xFFFFFF00u), 1240));
    b = cycle1(c, T ".1.2.0", rv_c64(0x100), 1250);
    assert_null(find(b, "net.hc.rate", ""));
    push_batch_free(b);
    collect_free(c);
}

static push_batch *uptime_and_counter(collect *c, uint32_t ticks, uint32_t octets, int64_t now)
{
    start(c);
    put(c, ".1.3.6.1.2.1.1.3.0", rv_ticks(ticks));
    put(c, T ".1.1.0", rv_c32(octets));
    return emit(c, true, now);
}

static void test_counter_reset_after_reboot(void **state)
{
    collect *c = start(NULL);
    push_batch_free(uptime_and_counter(c, 1000000, 3000000, 1000));
    push_batch *b = uptime_and_counter(c, 1006000, 3060000, 1060);
    assert_float_equal(value(b, "net.in.rate", ""), 1000, 1e-9);
    assert_float_equal(value(b, "device.uptime", ""), 10060, 1e-9);
    assert_null(find(b, "device.reboot", ""));
    push_batch_free(b);
    /* rebooted: the counter starts again from 0. Read as a 32-bit wrap it would be 71 MB/s. */
    b = uptime_and_counter(c, 3000, 500, 1120);
    assert_null(find(b, "net.in.rate", ""));
    const push_sample *r = find(b, "device.reboot", "");
    assert_non_null(r);
    assert_true(r->value == 1);
    push_batch_free(b);
    b = uptime_and_counter(c, 9000, 60500, 1180);
    assert_float_equal(value(b, "net.in.rate", ""), 1000, 1e-9);
    assert_null(find(b, "device.reboot", ""));
    push_batch_free(b);
    collect_free(c);
}

static void test_reboot(void **state)
{
    const char *up = ".1.3.6.1.2.1.1.3.0";
    collect *c = start(NULL);
    push_batch *b = cycle1(c, up, rv_ticks(500000), 1000); /* the first uptime: nothing to compare */
    assert_float_equal(value(b, "device.uptime", ""), 5000, 1e-9);
    assert_null(find(b, "device.reboot", ""));
    push_batch_free(b);
    b = cycle1(c, up, rv_ticks(506000), 1060);
    assert_null(find(b, "device.reboot", ""));
    push_batch_free(b);
    b = cycle1(c, up, rv_ticks(1000), 1120); /* went back: rebooted */
    const push_sample *r = find(b, "device.reboot", "");
    assert_non_null(r);
    assert_true(r->value == 1);
    assert_int_equal(r->sev, SEV_WARNING);
    assert_string_equal(r->text, "reboot");
    assert_string_equal(r->unit, "bool");
    assert_true(collect_rebooted(c)); /* the engine detects the device's profiles again */
    push_batch_free(b);
    b = cycle1(c, up, rv_ticks(7000), 1180); /* once per reboot */
    assert_null(find(b, "device.reboot", ""));
    assert_false(collect_rebooted(c));
    push_batch_free(b);
    /* 32-bit TimeTicks wrap after 497 days: from near the top to near 0 is not a reboot */
    push_batch_free(cycle1(c, up, rv_ticks(4290000000u), 1240));
    b = cycle1(c, up, rv_ticks(3000), 1300);
    assert_null(find(b, "device.reboot", ""));
    assert_float_equal(value(b, "device.uptime", ""), 30, 1e-9);
    push_batch_free(b);
    collect_free(c);
}

static void test_precision_and_divisor(void **state)
{
    collect *c = start(NULL);
    put(c, T ".3.1.2.1", rv_int(2345));
    put(c, T ".3.1.3.1", rv_int(2)); /* 2 decimals */
    put(c, T ".3.1.2.2", rv_int(215));
    put(c, T ".3.1.3.2", rv_int(1));
    put(c, T ".3.1.2.3", rv_int(30));
    put(c, T ".3.1.3.3", rv_int(0)); /* none */
    put(c, T ".4.1.2.1", rv_int(500));
    put(c, T ".4.1.3.1", rv_int(10));
    put(c, T ".4.1.2.2", rv_int(70)); /* no divisor for this row: unreadable */
    put(c, T ".4.1.2.3", rv_int(9));
    put(c, T ".4.1.3.3", rv_int(0)); /* a divisor of 0 */
    put(c, T ".4.1.2.4", rv_int(1234));
    put(c, T ".4.1.3.4", rv_int(100));
    push_batch *b = emit(c, true, 1000);
    assert_float_equal(value(b, "env.temperature", "1"), 23.45, 1e-9);
    assert_float_equal(value(b, "env.temperature", "2"), 21.5, 1e-9);
    assert_float_equal(value(b, "env.temperature", "3"), 30, 1e-9);
    assert_float_equal(value(b, "outlet.current", "1"), 50, 1e-9);
    assert_null(find(b, "outlet.current", "2"));
    assert_null(find(b, "outlet.current", "3"));
    assert_float_equal(value(b, "outlet.current", "4"), 12.34, 1e-9);
    assert_int_equal(count(b, "outlet.current"), 2);
    push_batch_free(b);
    collect_free(c);
}

static void test_composed_and_units(void **state)
{
    (void)state;
    const profile *both[] = {profile_set_find(set, "test-collect"), profile_set_find(set, "test-compose")};
    const poll_plan *pl;
    vg_err err;
    assert_int_equal(plan_set_get(plans, both, 2, &pl, &err), VG_OK);
    assert_int_equal(plan_profile_count(pl), 2);
    assert_ptr_equal(plan_profile(pl), both[0]);
    collect *c = collect_new("pdu1");
    assert_int_equal(collect_begin(c, pl, NULL), VG_OK);
    put(c, T ".3.1.2.1", rv_int(2345)); /* test-collect's row 1: 23.45 with 2 decimals */
    put(c, T ".3.1.3.1", rv_int(2));
    put(c, T ".6.1.2.1", rv_int(999));  /* the same instance from test-compose: dropped */
    put(c, T ".6.1.3.1", rv_int(1));
    put(c, T ".6.1.2.4", rv_int(212));  /* 21.2 degC */
    put(c, T ".6.1.3.4", rv_int(1));
    put(c, T ".6.1.2.5", rv_int(770));  /* 77.0 degF = 25 degC */
    put(c, T ".6.1.3.5", rv_int(2));
    put(c, T ".6.1.2.6", rv_int(2981)); /* 298.1 K = 24.95 degC */
    put(c, T ".6.1.3.6", rv_str("K"));
    put(c, T ".6.1.2.7", rv_int(200));  /* a unit code the profile does not list: not stored */
    put(c, T ".6.1.3.7", rv_int(9));
    put(c, T ".6.1.2.8", rv_int(190));  /* no unit answered: the metric's own */
    put(c, T ".7.1.0", rv_int(1234));   /* 1.234 with 3 decimals, in kW: 1234 W */
    put(c, T ".7.2.0", rv_int(3));
    put(c, T ".7.3.0", rv_int(2));
    push_batch *b = push_batch_new("agent", 0);
    poll_sink out = poll_sink_batch(b);
    collect_emit(c, "pdu", "test-collect", true, &out, 1000);
    assert_float_equal(value(b, "env.temperature", "1"), 23.45, 1e-9);
    assert_int_equal(count(b, "env.temperature"), 5); /* 1, 4, 5, 6, 8 */
    assert_float_equal(value(b, "env.temperature", "4"), 21.2, 1e-9);
    assert_float_equal(value(b, "env.temperature", "5"), 25, 1e-9);
    assert_float_equal(value(b, "env.temperature", "6"), 24.95, 1e-9);
    assert_null(find(b, "env.temperature", "7"));
    assert_float_equal(value(b, "env.temperature", "8"), 19, 1e-9);
    assert_non_null(strstr(collect_problems(c), "unit code"));
    assert_float_equal(value(b, "input.realpower", ""), 1234, 1e-9);
    push_batch_free(b);
    collect_drop(c);
    collect_free(c);
}

static void test_aggregates(void **state)
{
    /* rows (port, outlet): value, state (1 counts) */
    static const struct {
        const char *idx;
        long v, st;
    } rows[] = {{"1.1", 10, 1}, {"1.2", 20, 2}, {"1.3", 30, 1}, {"2.1", 40, 2}, {"3.1", 7, 1}};
    collect *c = start(NULL);
    char name[128];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(name, sizeof name, T ".5.1.2.%s", rows[i].idx);
        put(c, name, rv_int(rows[i].v));
    }
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(name, sizeof name, T ".5.1.3.%s", rows[i].idx);
        put(c, name, rv_int(rows[i].st));
    }
    push_batch *b = emit(c, true, 1000);
    assert_true(value(b, "outlet.count", "1") == 2);
    assert_true(value(b, "outlet.count", "2") == 0); /* every row filtered out: 0, not a gap */
    assert_true(value(b, "outlet.count", "3") == 1);
    assert_int_equal(count(b, "outlet.count"), 3);
    assert_float_equal(value(b, "group.power", "1"), (10 + 30) * 0.5, 1e-9); /* scaled, then summed */
    assert_float_equal(value(b, "group.power", "2"), 0, 1e-9);
    assert_float_equal(value(b, "group.power", "3"), 3.5, 1e-9);
    assert_float_equal(value(b, "outlet.power", ""), 107, 1e-9); /* the whole device, no filter */
    assert_int_equal(count(b, "outlet.power"), 1);
    push_batch_free(b);

    start(c); /* an empty table: the whole-device total is still reported, the groups are not */
    b = emit(c, true, 1060);
    assert_float_equal(value(b, "outlet.power", ""), 0, 1e-9);
    assert_int_equal(count(b, "outlet.count"), 0);
    push_batch_free(b);
    collect_free(c);
}

static void test_absent(void **state)
{
    collect *c = start(NULL);
    put(c, T ".2.1.0", rv_int(-1)); /* "not supported": the next source answers */
    put(c, T ".2.2.0", rv_int(231));
    push_batch *b = emit(c, true, 1000);
    assert_true(value(b, "input.voltage", "") == 231);
    push_batch_free(b);

    start(c);
    put(c, T ".2.1.0", rv_str("N/A"));
    put(c, T ".2.2.0", rv_none()); /* noSuchInstance */
    b = emit(c, true, 1060);
    assert_null(find(b, "input.voltage", ""));
    push_batch_free(b);

    start(c);
    put(c, T ".2.1.0", rv_int(-1));
    put(c, T ".2.2.0", rv_int(-1));
    b = emit(c, true, 1120);
    assert_null(find(b, "input.voltage", ""));
    push_batch_free(b);

    start(c);
    put(c, T ".2.1.0", rv_int(2305)); /* the precise source, scaled, wins */
    put(c, T ".2.2.0", rv_int(229));
    b = emit(c, true, 1180);
    assert_float_equal(value(b, "input.voltage", ""), 230.5, 1e-9);
    push_batch_free(b);

    /* the first source out of range, the fallback in it: the fallback's value, and no problem told */
    start(c);
    put(c, T ".2.1.0", rv_int(90000));
    put(c, T ".2.2.0", rv_int(231));
    b = emit(c, true, 1240);
    assert_float_equal(value(b, "input.voltage", ""), 231, 1e-9);
    assert_null(strstr(collect_problems(c), "input.voltage"));
    push_batch_free(b);
    /* no source in range: nothing stored, and the first source's reading is told */
    start(c);
    put(c, T ".2.1.0", rv_int(90000));
    put(c, T ".2.2.0", rv_int(9000));
    b = emit(c, true, 1300);
    assert_null(find(b, "input.voltage", ""));
    assert_non_null(strstr(collect_problems(c), "input.voltage[] = 9000 from ? is outside [0, 500]"));
    push_batch_free(b);
    collect_free(c);
}

static void test_answers_checked(void **state)
{
    collect *c = start(NULL);
    oid o[MAX_OID_LEN];
    size_t n;
    raw_value v = rv_int(1);
    vg_err err;
    assert_int_equal(oid_parse(T ".9.9.0", o, MAX_OID_LEN, &n), 0);
    assert_int_equal(collect_answer(c, o, n, &v, &err), VG_E_NOT_FOUND);
    put(c, T ".4.1.2.5", v);
    assert_int_equal(oid_parse(T ".4.1.2.4", o, MAX_OID_LEN, &n), 0);
    assert_int_equal(collect_answer(c, o, n, &v, &err), VG_E_INVALID); /* rows come in order */
    assert_int_equal(collect_begin(c, NULL, NULL), VG_OK);
    assert_int_equal(collect_answer(c, o, n, &v, &err), VG_E_NOT_FOUND); /* no plan: nothing asked */
    collect_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reachable),
        cmocka_unit_test(test_counter_rate),
        cmocka_unit_test(test_counter32_wrap),
        cmocka_unit_test(test_counter64),
        cmocka_unit_test(test_counter_reset_after_reboot),
        cmocka_unit_test(test_reboot),
        cmocka_unit_test(test_precision_and_divisor),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_composed_and_units),
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_answers_checked),
    };
    return cmocka_run_group_tests_name("collect", tests, setup, teardown);
}
