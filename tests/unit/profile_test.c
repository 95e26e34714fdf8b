/* Profile loading and checking (schema, vocabulary, OID syntax, duplicates) and detection. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "config/agent_config.h"
#include "profile/profile.h"
#include "test_util.h"
#include "vocab.h"

static char *dir;

static const char *vocab_yaml =
    "generic:\n"
    "  device.uptime: {unit: s, doc: x}\n"
    "ups:\n"
    "  battery.charge: {unit: \"%\", doc: x}\n"
    "  ups.status: {unit: state, doc: x}\n"
    "pdu:\n"
    "  outlet.current: {unit: A, doc: x}\n"
    "env:\n"
    "  env.temperature: {unit: degC, doc: x}\n";

static int setup_each(void **state)
{
    char path[600];
    dir = tu_tmpdir();
    tu_write(dir, "vocabulary.yaml", vocab_yaml, path, sizeof path);
    return 0;
}

static int teardown_each(void **state)
{
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void add(const char *name, const char *text)
{
    char path[600];
    tu_write(dir, name, text, path, sizeof path);
}

/* Loads the folder and expects an error containing both parts. */
static void expect_error(const char *where, const char *what)
{
    vg_err err;
    profile_set *set = profile_set_load(dir, &err);
    if (set) {
        profile_set_free(set);
        fail_msg("loaded, expected an error at %s", where);
    }
    if (!strstr(err.msg, where) || !strstr(err.msg, what))
        fail_msg("got '%s', wanted '%s' and '%s'", err.msg, where, what);
}

static void test_valid_set_and_check(void **state)
{
    add("generic.yaml", "profile: generic\nclass: generic\nmetrics:\n  device.uptime:\n    unit: s\n"
                        "    sources: [{oid: .1.3.6.1.2.1.1.3.0, scale: 0.01}]\n");
    add("ups-a.yaml", "profile: ups-a\nclass: ups\nmatch: {sys_object_id: [.1.3.6.1.4.1.318]}\nmetrics:\n"
                      "  battery.charge: {unit: \"%\", sources: [{oid: .1.3.6.1.4.1.318.1.0}]}\n"
                      "  env.temperature: {unit: degC, sources: [{column: .1.3.6.1.4.1.318.2.1.3}]}\n");
    vg_err err;
    profile_set *set = profile_set_load(dir, &err);
    if (!set)
        fail_msg("%s", err.msg);
    assert_int_equal(profile_set_count(set), 2);
    assert_non_null(profile_set_generic(set));
    const profile *p = profile_set_find(set, "ups-a");
    assert_non_null(p);
    assert_false(p->metrics[0].is_table);
    assert_true(p->metrics[1].is_table);
    assert_string_equal(p->metrics[1].instance_tmpl, "{index}");
    profile_set_free(set);
    FILE *out = tmpfile();
    assert_int_equal(profile_set_check(dir, out), 0);
    fclose(out);
}

static void test_check_reports_every_file(void **state)
{
    add("a.yaml", "profile: a\nclass: ups\nmetrics:\n  battery.chrge: {unit: \"%\", sources: [{oid: .1.3.0}]}\n");
    add("b.yaml", "profile: b\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: [{oid: 1.3.x}]}\n");
    add("c.yaml", "profile: c\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: [{oid: .1.3.0}]}\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(profile_set_check(dir, out), 2);
    fclose(out);
    assert_non_null(strstr(buf, "a.yaml:4:3: key 'battery.chrge': not in mibs/vocabulary.yaml for class ups"));
    assert_non_null(strstr(buf, "b.yaml:4:47: key 'oid': '1.3.x' is not a numeric OID"));
    assert_null(strstr(buf, "c.yaml"));
    free(buf);
}

static void test_schema_errors(void **state)
{
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  battery.charge: {unit: V, sources: [{oid: .1.3.0}]}\n");
    expect_error("x.yaml:4:", "'V' but the vocabulary says '%'");
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: [{oid: .1.3.0}], scal: 2}\n");
    expect_error("x.yaml:4:", "key 'scal': unknown key in battery.charge");
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  ups.status: {sources: [{oid: .1.3.0}], enum: nope}\n");
    expect_error("x.yaml:4:", "no enum 'nope'");
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: [{oid: .1.3.0}]}\n"
                  "  battery.charge: {unit: \"%\", sources: [{oid: .1.3.1}]}\n");
    expect_error("x.yaml:5:3: key 'battery.charge'", "duplicate key");
    add("x.yaml", "profile: x\nclass: toaster\nmetrics: {}\n");
    expect_error("x.yaml:2:8: key 'class'", "not one of");
    add("x.yaml", "profile: X_1\nclass: ups\nmetrics: {}\n");
    expect_error("x.yaml:1:10: key 'profile'", "lower case");
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: [{oid: .1.3.0}, {column: .1.4}]}\n");
    expect_error("x.yaml:4:", "mixes scalar");
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: [{oid: .1.3.0}], instance: L}\n");
    expect_error("x.yaml:4:", "only for table metrics");
    add("x.yaml", "profile: x\nclass: pdu\nmetrics:\n  outlet.current: {unit: A, sources: [{column: .1.3}], instance: \"{row}\"}\n");
    expect_error("x.yaml:4:", "only {index} and {index.N}");
    add("x.yaml", "profile: x\nclass: pdu\nmatch: {probe: [{pattern: \"Rittal*\"}]}\nmetrics: {}\n");
    expect_error("x.yaml:3:", "names its 'oid'");
    add("x.yaml", "profile: x\nclass: pdu\nmatch: {probe: [{oid: .1.3.6.1.2.1.1.1}]}\nmetrics: {}\n");
    expect_error("x.yaml:3:", "pattern");
    add("x.yaml", "profile: x\nclass: pdu\nmatch: {probe: [{oid: .1.3.6.1.2.1.1.1, pattern: a, value: b}]}\nmetrics: {}\n");
    expect_error("x.yaml:3:", "value");
    add("x.yaml", "profile: x\nclass: pdu\nmetrics:\n  outlet.current: {unit: A, sources: [{column: .1.3}], "
                  "filter: {column: .1.4, values: [1], range: [1, 9]}}\n");
    expect_error("x.yaml:4:", "exactly one of 'values', 'pattern' or 'range'");
    add("x.yaml", "profile: x\nclass: pdu\nmetrics:\n  outlet.current: {unit: A, sources: [{column: .1.3}], "
                  "filter: {column: .1.4, range: [9, 1]}}\n");
    expect_error("x.yaml:4:", "min <= max");
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: [{oid: .1.3.0}], range: [5, 1]}\n");
    expect_error("x.yaml:4:", "min <= max");
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: []}\n");
    expect_error("x.yaml:4:", "1 to 8 sources");
    add("x.yaml", "profile: x\nclass: ups\nenums: {s: {1: {text: OL, severity: fine}}}\nmetrics: {}\n");
    expect_error("x.yaml:3:", "'fine' is not ok, warning, critical or unknown");
    add("x.yaml", "profile: x\nclass: ups\nmetrics:\n  battery.charge: {unit: \"%\", sources: [{oid: .1.3.0, scale: 0}]}\n");
    expect_error("x.yaml:4:", "must not be 0");
    add("x.yaml", "profile: x\nclass: ups\nmetrics: {}\n");
    add("y.yaml", "profile: x\nclass: ups\nmetrics: {}\n");
    expect_error("y.yaml:1:10: key 'profile'", "also the name of");
}

typedef struct {
    const oid *ids; /* the device holds objects under this OID */
    size_t len;
    const oid *ids2; /* and under this one (NULL: only the first) */
    size_t len2;
} fake_device;

static bool fake_probe(void *ctx, const prof_oid *probe)
{
    const fake_device *d = ctx;
    return oid_has_prefix(d->ids, d->len, probe->ids, probe->len) ||
           (d->ids2 && oid_has_prefix(d->ids2, d->len2, probe->ids, probe->len));
}

/* A device asked only the probes of `asked`: the others stay unanswered. */
typedef struct {
    const fake_device *dev;
    const prof_oid **asked;
    size_t nasked;
} fake_asked;

static bool fake_probe_asked(void *ctx, const prof_oid *probe)
{
    const fake_asked *a = ctx;
    for (size_t i = 0; i < a->nasked; i++)
        if (a->asked[i]->len == probe->len && memcmp(a->asked[i]->ids, probe->ids, probe->len * sizeof(oid)) == 0)
            return fake_probe((void *)a->dev, probe);
    return false;
}

static bool answer_plain_only(void *ctx, const prof_oid *probe) { return (void)ctx, probe->pattern == NULL; }
static bool answer_all(void *ctx, const prof_oid *probe) { return (void)ctx, (void)probe, true; }

static bool probes_hold(const prof_oid **list, size_t n, const oid *ids, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (list[i]->len == len && memcmp(list[i]->ids, ids, len * sizeof(oid)) == 0)
            return true;
    return false;
}

static void test_detection(void **state)
{
    add("ups-rfc.yaml", "profile: ups-rfc\nclass: ups\npriority: 10\nmatch: {probe: .1.3.6.1.2.1.33.1.1}\nmetrics: {}\n");
    add("ups-apc.yaml", "profile: ups-apc\nclass: ups\nmatch: {sys_object_id: .1.3.6.1.4.1.318.1.3}\nmetrics: {}\n");
    add("ups-apc27.yaml", "profile: ups-apc27\nclass: ups\nmatch: {sys_object_id: .1.3.6.1.4.1.318.1.3.27}\nmetrics: {}\n");
    add("pdu-lib.yaml", "profile: pdu-lib\nclass: pdu\nmatch: {sys_object_id: .1.3.6.1.4.1.476.1.42, probe: .1.3.6.1.4.1.476.1.42.3.8}\nmetrics: {}\n");
    add("never.yaml", "profile: never\nclass: ups\nmetrics: {}\n");
    vg_err err;
    profile_set *set = profile_set_load(dir, &err);
    if (!set)
        fail_msg("%s", err.msg);
    oid apc27[] = {1, 3, 6, 1, 4, 1, 318, 1, 3, 27}, apc2[] = {1, 3, 6, 1, 4, 1, 318, 1, 3, 2};
    oid liebert[] = {1, 3, 6, 1, 4, 1, 476, 1, 42}, netsnmp[] = {1, 3, 6, 1, 4, 1, 8072, 3, 2, 10};
    oid ups_mib_obj[] = {1, 3, 6, 1, 2, 1, 33, 1, 1, 1, 0}, lgp_pdu_obj[] = {1, 3, 6, 1, 4, 1, 476, 1, 42, 3, 8, 1, 0};
    oid other_obj[] = {1, 3, 6, 1, 2, 1, 1, 1, 0};
    fake_device nothing = {other_obj, 9}, ups_mib = {ups_mib_obj, 11}, lgp_pdu = {lgp_pdu_obj, 13};
    /* the longest sysObjectID prefix wins at equal priority */
    assert_string_equal(profile_set_detect(set, apc27, 10, fake_probe, &nothing)->name, "ups-apc27");
    assert_string_equal(profile_set_detect(set, apc2, 10, fake_probe, &nothing)->name, "ups-apc");
    /* a vendor match beats the RFC fallback even when the device also speaks UPS-MIB */
    assert_string_equal(profile_set_detect(set, apc2, 10, fake_probe, &ups_mib)->name, "ups-apc");
    /* a generic sysObjectID: the probe decides */
    assert_string_equal(profile_set_detect(set, netsnmp, 10, fake_probe, &ups_mib)->name, "ups-rfc");
    assert_null(profile_set_detect(set, netsnmp, 10, fake_probe, &nothing));
    assert_null(profile_set_detect(set, NULL, 0, fake_probe, &nothing));
    /* a sysObjectID shared by several kinds of device needs its probe too */
    assert_string_equal(profile_set_detect(set, liebert, 9, fake_probe, &lgp_pdu)->name, "pdu-lib");
    assert_null(profile_set_detect(set, liebert, 9, fake_probe, &nothing));

    /* only the probes of profiles the sysObjectID leaves in the running are asked */
    const prof_oid *asked[8];
    oid rfc_probe[] = {1, 3, 6, 1, 2, 1, 33, 1, 1}, lib_probe[] = {1, 3, 6, 1, 4, 1, 476, 1, 42, 3, 8};
    assert_int_equal(profile_set_probe_count(set), 2);
    size_t n = profile_set_probes(set, apc2, 10, asked, 8);
    assert_int_equal(n, 1); /* pdu-lib is ruled out by its sysObjectID */
    assert_true(probes_hold(asked, n, rfc_probe, 9));
    n = profile_set_probes(set, liebert, 9, asked, 8);
    assert_int_equal(n, 2);
    assert_true(probes_hold(asked, n, rfc_probe, 9) && probes_hold(asked, n, lib_probe, 11));
    assert_int_equal(profile_set_probes(set, NULL, 0, asked, 8), 1);
    assert_int_equal(profile_set_probes(set, liebert, 9, asked, 1), 1); /* bounded by max */
    /* and asking only those never changes the outcome */
    const oid *soids[] = {apc27, apc2, liebert, netsnmp, NULL};
    const size_t lens[] = {10, 10, 9, 10, 0};
    const fake_device *devs[] = {&nothing, &ups_mib, &lgp_pdu};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 3; j++) {
            fake_asked a = {devs[j], asked, profile_set_probes(set, soids[i], lens[i], asked, 8)};
            assert_ptr_equal(profile_set_detect(set, soids[i], lens[i], fake_probe, (void *)devs[j]),
                             profile_set_detect(set, soids[i], lens[i], fake_probe_asked, &a));
        }
    profile_set_free(set);
}

/* A probe on the answer's text: the same OID with and without a pattern are two probes to ask (the
 * engine judges the text, tests/integration/detect_text.sh). */
static void test_probe_pattern(void **state)
{
    add("pdu-r.yaml", "profile: pdu-r\nclass: pdu\npriority: 55\nmatch: {sys_object_id: .1.3.6.1.4.1.2606.7, "
                      "probe: [{oid: .1.3.6.1.2.1.1.1, pattern: \"Rittal PDU*\", mib: sysDescr}]}\nmetrics: {}\n");
    add("env-r.yaml", "profile: env-r\nclass: env\nmatch: {sys_object_id: .1.3.6.1.4.1.2606.7, probe: .1.3.6.1.2.1.1.1}\n"
                      "metrics: {}\n");
    vg_err err;
    profile_set *set = profile_set_load(dir, &err);
    if (!set)
        fail_msg("%s", err.msg);
    oid rittal[] = {1, 3, 6, 1, 4, 1, 2606, 7};
    const prof_oid *asked[4];
    size_t n = profile_set_probes(set, rittal, 8, asked, 4);
    assert_int_equal(n, 2);
    assert_true((asked[0]->pattern == NULL) != (asked[1]->pattern == NULL));
    const prof_oid *pat = asked[0]->pattern ? asked[0] : asked[1];
    assert_string_equal(pat->pattern, "Rittal PDU*");
    assert_true(prof_probe_same(pat, pat) && !prof_probe_same(asked[0], asked[1]));
    /* a device whose sysDescr does not match answers the plain probe only: the env profile alone */
    assert_string_equal(profile_set_detect(set, rittal, 8, answer_plain_only, NULL)->name, "env-r");
    assert_string_equal(profile_set_detect(set, rittal, 8, answer_all, NULL)->name, "pdu-r");
    profile_set_free(set);
}

/* Composition: every matching profile, in precedence order; supersedes; require: any; unit_from. */
static void test_composition(void **state)
{
    add("ups-rfc.yaml", "profile: ups-rfc\nclass: ups\npriority: 10\nmatch: {probe: .1.3.6.1.2.1.33.1.1}\nmetrics: {}\n");
    add("env-ent.yaml", "profile: env-ent\nclass: env\npriority: 5\nmatch: {probe: .1.3.6.1.2.1.99.1.1}\nmetrics: {}\n");
    add("ups-apc.yaml", "profile: ups-apc\nclass: ups\nmatch: {sys_object_id: .1.3.6.1.4.1.318, probe: .1.3.6.1.4.1.318.1.1.1,"
                        " require: any}\nmetrics: {}\n");
    add("ups-apc-old.yaml", "profile: ups-apc-old\nclass: ups\npriority: 60\nmatch: {probe: .1.3.6.1.4.1.318.1.1.1.9}\nmetrics: {}\n");
    add("ups-apc-new.yaml", "profile: ups-apc-new\nclass: ups\npriority: 55\nsupersedes: [ups-apc-old]\n"
                            "match: {probe: .1.3.6.1.4.1.318.1.1.1.10}\nmetrics: {}\n");
    vg_err err;
    profile_set *set = profile_set_load(dir, &err);
    if (!set)
        fail_msg("%s", err.msg);
    oid apc[] = {1, 3, 6, 1, 4, 1, 318, 1, 3, 2}, netsnmp[] = {1, 3, 6, 1, 4, 1, 8072, 3, 2, 10};
    oid o_ups[] = {1, 3, 6, 1, 2, 1, 33, 1, 1, 1, 0}, o_ent[] = {1, 3, 6, 1, 2, 1, 99, 1, 1, 1, 4, 1};
    oid o_apc[] = {1, 3, 6, 1, 4, 1, 318, 1, 1, 1, 1, 1, 1, 0}, o_old[] = {1, 3, 6, 1, 4, 1, 318, 1, 1, 1, 9, 1, 0};
    oid o_new[] = {1, 3, 6, 1, 4, 1, 318, 1, 1, 1, 10, 1, 0};
    const profile *got[PROF_MAX_COMPOSE];
    /* a vendor card that also speaks UPS-MIB and ENTITY-SENSOR-MIB: all three, the vendor first */
    fake_device three = {o_ups, 11, o_ent, 12};
    size_t n = profile_set_detect_all(set, apc, 10, fake_probe, &three, got, PROF_MAX_COMPOSE);
    assert_int_equal(n, 3);
    assert_string_equal(got[0]->name, "ups-apc");
    assert_string_equal(got[1]->name, "ups-rfc");
    assert_string_equal(got[2]->name, "env-ent");
    assert_int_equal(profile_set_detect_all(set, apc, 10, fake_probe, &three, got, 2), 2); /* bounded */
    /* require: any: an embedded Net-SNMP's sysObjectID, the vendor MIB answers: the vendor profile */
    fake_device vendor = {o_apc, 14, o_ups, 11};
    n = profile_set_detect_all(set, netsnmp, 10, fake_probe, &vendor, got, PROF_MAX_COMPOSE);
    assert_int_equal(n, 2);
    assert_string_equal(got[0]->name, "ups-apc");
    /* an older and a newer MIB generation both answering: the newer supersedes the older, though the
     * older's priority is higher */
    fake_device both = {o_old, 13, o_new, 13};
    n = profile_set_detect_all(set, netsnmp, 10, fake_probe, &both, got, PROF_MAX_COMPOSE);
    assert_int_equal(n, 2);
    assert_string_equal(got[0]->name, "ups-apc-new");
    assert_string_equal(got[1]->name, "ups-apc");
    fake_device old_only = {o_old, 13, NULL, 0};
    n = profile_set_detect_all(set, netsnmp, 10, fake_probe, &old_only, got, PROF_MAX_COMPOSE);
    assert_true(n >= 1);
    assert_string_equal(got[0]->name, "ups-apc-old");
    profile_set_free(set);

    /* a supersedes that names no profile is refused with the file's name */
    add("bad.yaml", "profile: bad\nclass: ups\nsupersedes: [no-such]\nmatch: {probe: .1.3.6.1.2.1.33}\nmetrics: {}\n");
    assert_null(profile_set_load(dir, &err));
    assert_non_null(strstr(err.msg, "bad.yaml"));
    assert_non_null(strstr(err.msg, "no-such"));
}

static void test_units(void **state)
{
    (void)state;
    double mul, add_;
    assert_int_equal(profile_unit_factor("degF", "degC", &mul, &add_), 0);
    assert_float_equal(212 * mul + add_, 100, 1e-9);
    assert_float_equal(32 * mul + add_, 0, 1e-9);
    assert_int_equal(profile_unit_factor("K", "degC", &mul, &add_), 0);
    assert_float_equal(300 * mul + add_, 26.85, 1e-9);
    assert_int_equal(profile_unit_factor("min", "s", &mul, &add_), 0);
    assert_float_equal(mul, 60, 1e-12);
    assert_int_equal(profile_unit_factor("kW", "W", &mul, &add_), 0);
    assert_float_equal(mul, 1000, 1e-9);
    assert_int_equal(profile_unit_factor("degF", "V", &mul, &add_), -1); /* another quantity */
    assert_int_equal(profile_unit_factor("furlong", "V", &mul, &add_), -1);
}

static void test_unit_from_errors(void **state)
{
    const char *head = "profile: t\nclass: env\nmetrics:\n  env.temperature:\n    unit: degC\n";
    char doc[1024];
    vg_err err;
    snprintf(doc, sizeof doc, "%s    sources: [{oid: .1.2.3.0}]\n    unit_from: {oid: .1.2.4.0, units: {1: degC, 2: degF}}\n", head);
    add("t.yaml", doc);
    profile_set *set = profile_set_load(dir, &err);
    if (!set)
        fail_msg("%s", err.msg);
    const prof_metric *m = &profile_set_find(set, "t")->metrics[0];
    assert_true(m->has_unit_from && !m->unit_from_column);
    assert_int_equal(m->unit_codes.count, 2);
    assert_string_equal(m->unit_names[1], "degF");
    profile_set_free(set);
    /* a unit that is not a temperature, and a column for a scalar metric, are refused with file:line */
    snprintf(doc, sizeof doc, "%s    sources: [{oid: .1.2.3.0}]\n    unit_from: {oid: .1.2.4.0, units: {1: V}}\n", head);
    add("t.yaml", doc);
    assert_null(profile_set_load(dir, &err));
    assert_non_null(strstr(err.msg, "t.yaml:7"));
    assert_non_null(strstr(err.msg, "'V'"));
    snprintf(doc, sizeof doc, "%s    sources: [{oid: .1.2.3.0}]\n    unit_from: {column: .1.2.4, units: {1: degF}}\n", head);
    add("t.yaml", doc);
    assert_null(profile_set_load(dir, &err));
    assert_non_null(strstr(err.msg, "oid"));
}

static void test_shipped_profiles_load(void **state)
{
    const char *srcdir = getenv("srcdir");
    char path[600];
    snprintf(path, sizeof path, "%s/mibs", srcdir ? srcdir : ".");
    vg_err err;
    profile_set *set = profile_set_load(path, &err);
    if (!set)
        fail_msg("%s", err.msg);
    assert_non_null(profile_set_generic(set));
    profile_set_free(set);
}

/* The shipped profiles hold every class to mibs/vocabulary.yaml, and so does agent.yaml's `class:`. */
static void test_shipped_vocabulary_classes(void **state)
{
    (void)state;
    const char *srcdir = getenv("srcdir");
    char path[600];
    snprintf(path, sizeof path, "%s/mibs", srcdir ? srcdir : ".");
    vg_err err;
    profile_set *set = profile_set_load(path, &err);
    if (!set)
        fail_msg("%s", err.msg);
    const vocab *v = profile_set_vocab(set);
    for (size_t i = 0; i < profile_set_count(set); i++)
        assert_non_null(vocab_class_find(v, profile_set_at(set, i)->cls));
    char *tmp = tu_tmpdir(), file[700];
    tu_write(tmp, "agent.yaml",
             "agent: a\nserver: http://x\ntoken: tttttttttttttttt\n"
             "devices: [{name: u, host: h, class: cooling}, {name: t, host: h, class: toaster}]\n",
             file, sizeof file);
    agent_config *cfg = agent_config_load(file, path, &err);
    assert_non_null(cfg);
    assert_int_equal(agent_config_check_classes(cfg, v, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "agent.yaml:4:73: key 'class': 'toaster' is not ups, pdu, cooling, olt, env, link, camera, recorder or generic"));
    assert_non_null(strstr(err.msg, "(device t;"));
    cfg->ndevices = 1; /* cooling alone */
    assert_int_equal(agent_config_check_classes(cfg, v, &err), VG_OK);
    agent_config_free(cfg);
    tu_rmtree(tmp);
    free(tmp);
    profile_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_set_and_check, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_check_reports_every_file, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_schema_errors, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_detection, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_probe_pattern, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_composition, setup_each, teardown_each),
        cmocka_unit_test(test_units),
        cmocka_unit_test_setup_teardown(test_unit_from_errors, setup_each, teardown_each),
        cmocka_unit_test(test_shipped_profiles_load),
        cmocka_unit_test(test_shipped_vocabulary_classes),
    };
    return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
