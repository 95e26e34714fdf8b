/* OID parsing, varbind decoding and value conversion (scale, sentinels, ranges, enums, counters),
 * driven through a profile loaded from YAML like the real ones. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "profile/profile.h"
#include "snmp/snmp_value.h"
#include "test_util.h"

static char *dir;
static profile_set *set;
static const profile *prof;

static const char *vocab =
    "ups:\n"
    "  battery.charge: {unit: \"%\", doc: x}\n"
    "  battery.runtime: {unit: s, doc: x}\n"
    "  ups.status: {unit: state, doc: x}\n"
    "  input.voltage: {unit: V, doc: x}\n"
    "  input.frequency: {unit: Hz, doc: x}\n"
    "  input.power: {unit: dBm, doc: x}\n"
    "  ups.temperature: {unit: degC, doc: x}\n"
    "  ups.load: {unit: \"%\", doc: x}\n"
    "  ups.test.date: {unit: s, doc: x}\n"
    "olt:\n"
    "  if.in.octets: {unit: B/s, doc: x}\n";

static const char *profile_yaml =
    "profile: test-ups\n"
    "class: ups\n"
    "match: {sys_object_id: .1.3.6.1.4.1.99}\n"
    "enums:\n"
    "  status:\n"
    "    3: {text: OL, severity: ok}\n"
    "    5: {text: OB, severity: critical}\n"
    "    \"N/A\": {text: unknown, severity: unknown, value: -1}\n"
    "metrics:\n"
    "  battery.charge:\n"
    "    unit: \"%\"\n"
    "    sources:\n"
    "      - {oid: .1.3.6.1.4.1.99.1.0, scale: 0.1}\n"
    "      - {oid: .1.3.6.1.4.1.99.2.0}\n"
    "    absent: [-1, \"N/A\", 2147483647]\n"
    "    range: [0, 100]\n"
    "    health: {warning_below: 50, critical_below: 20}\n"
    "  battery.runtime:\n"
    "    unit: s\n"
    "    sources: [{oid: .1.3.6.1.4.1.99.3.0, scale: 60}]\n"
    "  ups.status:\n"
    "    sources: [{oid: .1.3.6.1.4.1.99.4.0}]\n"
    "    enum: status\n"
    "  ups.temperature:\n"
    "    unit: degC\n"
    "    sources: [{column: .1.3.6.1.4.1.99.5.1.2, offset: -273.15}]\n"
    "    precision: {column: .1.3.6.1.4.1.99.5.1.3}\n"
    "    instance: \"T{index.2}\"\n"
    "  input.frequency:\n"
    "    unit: Hz\n"
    "    type: hexstring\n"
    "    sources: [{oid: .1.3.6.1.4.1.99.6.0, scale: 0.01}]\n"
    "  input.power:\n"
    "    unit: dBm\n"
    "    type: last_number\n"
    "    sources: [{oid: .1.3.6.1.4.1.99.8.0}]\n"
    "  ups.load:\n"
    "    unit: \"%\"\n"
    "    sources: [{oid: .1.3.6.1.4.1.99.7.0}]\n"
    "    health: {warning_above: 80, critical_above: 95}\n"
    "  ups.test.date:\n"
    "    unit: s\n"
    "    type: date\n"
    "    sources: [{oid: .1.3.6.1.4.1.99.9.0}]\n"
    "    absent: [Unknown]\n";

static int setup(void **state)
{
    char path[600];
    dir = tu_tmpdir();
    tu_write(dir, "vocabulary.yaml", vocab, path, sizeof path);
    tu_write(dir, "test-ups.yaml", profile_yaml, path, sizeof path);
    vg_err err;
    set = profile_set_load(dir, &err);
    if (!set)
        fail_msg("%s", err.msg);
    prof = profile_set_find(set, "test-ups");
    return prof ? 0 : -1;
}

static int teardown(void **state)
{
    profile_set_free(set);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static const prof_metric *metric(const char *name)
{
    for (size_t i = 0; i < prof->nmetrics; i++)
        if (strcmp(prof->metrics[i].name, name) == 0)
            return &prof->metrics[i];
    fail_msg("no metric %s", name);
    return NULL;
}

static raw_value num(double v)
{
    raw_value r = {.kind = RAW_NUMBER, .asn_type = ASN_INTEGER, .number = v};
    return r;
}

static raw_value str(const char *s)
{
    raw_value r = {.kind = RAW_STRING, .asn_type = ASN_OCTET_STR};
    snprintf(r.str, sizeof r.str, "%s", s);
    r.str_len = strlen(r.str);
    return r;
}

static void test_oid_parse(void **state)
{
    oid o[MAX_OID_LEN];
    size_t len;
    assert_int_equal(oid_parse(".1.3.6.1.2.1.1.3.0", o, MAX_OID_LEN, &len), 0);
    assert_int_equal(len, 9);
    assert_int_equal(o[8], 0);
    assert_int_equal(oid_parse("1.3.6.1.4.1.318", o, MAX_OID_LEN, &len), 0);
    assert_int_equal(o[6], 318);
    assert_int_equal(oid_parse("1.3.4294967295", o, MAX_OID_LEN, &len), 0);
    assert_int_equal(o[2], 4294967295UL);
    assert_int_equal(oid_parse("1.3.4294967296", o, MAX_OID_LEN, &len), -1);
    assert_int_equal(oid_parse("1", o, MAX_OID_LEN, &len), -1);
    assert_int_equal(oid_parse("", o, MAX_OID_LEN, &len), -1);
    assert_int_equal(oid_parse("1.3.", o, MAX_OID_LEN, &len), -1);
    assert_int_equal(oid_parse("1..3", o, MAX_OID_LEN, &len), -1);
    assert_int_equal(oid_parse("1.3.6.x", o, MAX_OID_LEN, &len), -1);
    assert_int_equal(oid_parse("iso.3.6", o, MAX_OID_LEN, &len), -1);
    assert_int_equal(oid_parse("1.3.-6", o, MAX_OID_LEN, &len), -1);
    assert_int_equal(oid_parse("1.3.6.1", o, 3, &len), -1);
    char text[OID_TEXT_MAX];
    assert_int_equal(oid_parse(".1.3.6.1.2.1.33", o, MAX_OID_LEN, &len), 0);
    oid_format(o, len, text, sizeof text);
    assert_string_equal(text, ".1.3.6.1.2.1.33");
    oid longer[] = {1, 3, 6, 1, 2, 1, 33, 1, 2};
    assert_true(oid_has_prefix(longer, 9, o, len));
    assert_false(oid_has_prefix(o, len, longer, 9));
    oid other[] = {1, 3, 6, 1, 2, 1, 34};
    assert_false(oid_has_prefix(other, 7, o, len));
}

static void test_decode_varbinds(void **state)
{
    netsnmp_variable_list vb;
    raw_value r;
    memset(&vb, 0, sizeof vb);
    long i = -5;
    snmp_set_var_typed_value(&vb, ASN_INTEGER, &i, sizeof i);
    assert_int_equal(snmp_value_decode(&vb, &r), 0);
    assert_true(r.kind == RAW_NUMBER && r.number == -5);
    u_long g = 4294967295UL;
    snmp_set_var_typed_value(&vb, ASN_GAUGE, &g, sizeof g);
    assert_int_equal(snmp_value_decode(&vb, &r), 0);
    assert_true(r.number == 4294967295.0);
    struct counter64 c64 = {.high = 1, .low = 2};
    snmp_set_var_typed_value(&vb, ASN_COUNTER64, &c64, sizeof c64);
    assert_int_equal(snmp_value_decode(&vb, &r), 0);
    assert_true(r.counter == (1ULL << 32) + 2);
    snmp_set_var_typed_value(&vb, ASN_OCTET_STR, "23.5 C", 6);
    assert_int_equal(snmp_value_decode(&vb, &r), 0);
    assert_string_equal(r.str, "23.5 C");
    snmp_set_var_typed_value(&vb, SNMP_NOSUCHINSTANCE, NULL, 0);
    assert_int_equal(snmp_value_decode(&vb, &r), -1);
    snmp_set_var_typed_value(&vb, SNMP_ENDOFMIBVIEW, NULL, 0);
    assert_int_equal(snmp_value_decode(&vb, &r), -1);
    snmp_set_var_typed_value(&vb, SNMP_NOSUCHOBJECT, NULL, 0);
    assert_int_equal(snmp_value_decode(&vb, &r), -1);
    snmp_free_var_internals(&vb);
}

static void test_scale_and_fallback_sources(void **state)
{
    const prof_metric *m = metric("battery.charge");
    conv_result res;
    raw_value r = num(975);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(fabs(res.value - 97.5) < 1e-9);
    assert_int_equal(res.sev, SEV_OK);
    r = num(97);
    assert_int_equal(snmp_value_convert(m, &m->sources[1], &r, 1, &res), CONV_OK);
    assert_true(res.value == 97);
    r = num(450); /* 45 %: below the warning threshold */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_int_equal(res.sev, SEV_WARNING);
    r = num(150);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_int_equal(res.sev, SEV_CRITICAL);
    m = metric("battery.runtime");
    r = num(12); /* minutes */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(res.value == 720);
    m = metric("ups.load");
    r = num(85);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_int_equal(res.sev, SEV_WARNING);
    r = num(99);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_int_equal(res.sev, SEV_CRITICAL);
}

static void test_sentinels_and_range(void **state)
{
    const prof_metric *m = metric("battery.charge");
    conv_result res;
    raw_value r = num(-1);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_ABSENT);
    r = num(2147483647);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_ABSENT);
    r = str("N/A");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_ABSENT);
    r = str("-1"); /* a number sent as a string is still the sentinel */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_ABSENT);
    r = num(1500);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OUT_OF_RANGE);
    assert_true(res.value == 150);
    r = str("nonsense");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_INVALID);
    r = str(" 812 ");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(fabs(res.value - 81.2) < 1e-9);
    r = str("812abc");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK); /* a unit suffix */
    r = str("81.2.3");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_INVALID);
    r = str("278.4 .C"); /* a degree sign turned into a dot by the agent */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(fabs(res.value - 27.84) < 1e-9);
    raw_value none = {.kind = RAW_NONE};
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &none, 1, &res), CONV_ABSENT);
}

static void test_enum(void **state)
{
    const prof_metric *m = metric("ups.status");
    conv_result res;
    raw_value r = num(3);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_string_equal(res.text, "OL");
    assert_true(res.value == 3);
    assert_int_equal(res.sev, SEV_OK);
    r = num(5);
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_string_equal(res.text, "OB");
    assert_int_equal(res.sev, SEV_CRITICAL);
    r = str("N/A");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(res.value == -1);
    assert_int_equal(res.sev, SEV_UNKNOWN);
    r = num(9); /* a code the profile does not know */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_string_equal(res.text, "code 9");
    assert_int_equal(res.sev, SEV_UNKNOWN);
}

static void test_precision_offset_hex(void **state)
{
    const prof_metric *m = metric("ups.temperature");
    conv_result res;
    raw_value r = num(29815); /* 298.15 K with 2 decimals */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 0.01, &res), CONV_OK);
    assert_true(fabs(res.value - 25.0) < 1e-9);
    m = metric("input.frequency");
    raw_value h = {.kind = RAW_STRING, .asn_type = ASN_OCTET_STR, .str = {0x13, (char)0x88}, .str_len = 2};
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &h, 1, &res), CONV_OK);
    assert_true(fabs(res.value - 50.0) < 1e-9);
    char buf[64];
    oid idx[] = {1, 7};
    assert_int_equal(profile_expand_index(m ? "T{index.2}" : "", idx, 2, buf, sizeof buf), 0);
    assert_string_equal(buf, "T7");
    assert_int_equal(profile_expand_index("{index}", idx, 2, buf, sizeof buf), 0);
    assert_string_equal(buf, "1.7");
    assert_int_equal(profile_expand_index("L{index.3}", idx, 2, buf, sizeof buf), 0);
    assert_string_equal(buf, "L?");
    assert_int_equal(profile_expand_index("{idx}", idx, 2, buf, sizeof buf), -1);
    assert_int_equal(profile_expand_index("{index", idx, 2, buf, sizeof buf), -1);
    assert_int_equal(profile_expand_index("{index.0}", idx, 2, buf, sizeof buf), -1);
}

/* type last_number: "0.03 mW (-14.61 dBm)" is the dBm figure, not the coarse mW one */
static void test_last_number(void **state)
{
    const prof_metric *m = metric("input.power");
    conv_result res;
    raw_value r = str("0.03 mW (-14.61 dBm)");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(fabs(res.value - -14.61) < 1e-9);
    r = str("2.38 mW (+3.77 dBm)");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(fabs(res.value - 3.77) < 1e-9);
    r = str("-7.5");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(fabs(res.value - -7.5) < 1e-9);
    r = num(-12); /* a number stays itself */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(res.value == -12);
    r = str("no light");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_INVALID);
    r = str("");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_INVALID);
}

/* type date: APC's mm/dd/yy and mm/dd/yyyy, ISO dates; the day at 00:00 UTC and its text */
static void test_date(void **state)
{
    const prof_metric *m = metric("ups.test.date");
    conv_result res;
    raw_value r = str("01/05/2026");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(res.value == 1767571200); /* 2026-01-05T00:00:00Z */
    assert_string_equal(res.text, "2026-01-05");
    r = str("02/29/24"); /* a leap day, two-digit year */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(res.value == 1709164800);
    assert_string_equal(res.text, "2024-02-29");
    r = str("12/31/99");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_string_equal(res.text, "1999-12-31");
    r = str("2026-12-07");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_OK);
    assert_true(res.value == 1796601600);
    r = str("Unknown");
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_ABSENT);
    static const char *const bad[] = {"02/29/2025", "13/01/2026", "00/00/00", "2026-1-5", "01/05/2026x", "", "5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = str(bad[i]);
        if (snmp_value_convert(m, &m->sources[0], &r, 1, &res) != CONV_INVALID)
            fail_msg("'%s' read as a date", bad[i]);
    }
    r = num(20260105); /* a number is no date */
    assert_int_equal(snmp_value_convert(m, &m->sources[0], &r, 1, &res), CONV_INVALID);
}

static void test_counter_rate(void **state)
{
    double rate;
    assert_int_equal(snmp_value_counter_rate(100, 700, false, 60, &rate), 0);
    assert_true(rate == 10);
    /* 32-bit wrap: 4294967196 → 504 is 604 more */
    assert_int_equal(snmp_value_counter_rate(4294967196ULL, 504, false, 60, &rate), 0);
    assert_true(fabs(rate - 604.0 / 60) < 1e-9);
    /* a drop to near zero from the middle of the range is a reset, not a wrap */
    assert_int_equal(snmp_value_counter_rate(2000000000ULL, 10, false, 60, &rate), -1);
    assert_int_equal(snmp_value_counter_rate(5000, 10, true, 60, &rate), -1);
    assert_int_equal(snmp_value_counter_rate(1, 2, true, 0, &rate), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oid_parse),          cmocka_unit_test(test_decode_varbinds),
        cmocka_unit_test(test_scale_and_fallback_sources), cmocka_unit_test(test_sentinels_and_range),
        cmocka_unit_test(test_enum),               cmocka_unit_test(test_precision_offset_hex),
        cmocka_unit_test(test_counter_rate),       cmocka_unit_test(test_last_number),
        cmocka_unit_test(test_date),
    };
    return cmocka_run_group_tests_name("snmp_value", tests, setup, teardown);
}
