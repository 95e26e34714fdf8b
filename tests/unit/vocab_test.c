/* The vocabulary (lib/vocab.c) on the real mibs/vocabulary.yaml: the names the code reasons about are
 * in it, every class is labelled in both languages with key metrics that exist, the report's graphs
 * and the site kinds are there; and a bad file is refused with file:line:column. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "push.h"
#include "test_util.h"
#include "vocab.h"
#include "vocab_names.h"

static vocab *real;

static int setup(void **state)
{
    (void)state;
    const char *top = getenv("top_srcdir");
    char path[1024];
    snprintf(path, sizeof path, "%s/mibs/vocabulary.yaml", top && *top ? top : ".");
    vg_err err;
    real = vocab_load(path, &err);
    if (!real)
        fprintf(stderr, "%s\n", err.msg);
    return real ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    vocab_free(real);
    return 0;
}

static void test_code_names(void **state)
{
    (void)state;
    static const char *const names[] = {VOCAB_DEVICE_REACHABLE, VOCAB_DEVICE_UPTIME, VOCAB_DEVICE_TRAP,
                                        VOCAB_DEVICE_REBOOT};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const vocab_metric *m = vocab_metric_find(real, names[i]);
        if (!m)
            fail_msg("%s (lib/vocab_names.h) is not in mibs/vocabulary.yaml", names[i]);
        /* the agent sends them for every device, whatever its class */
        assert_non_null(vocab_metric_for(real, "olt", names[i]));
    }
    assert_int_equal(vocab_metric_find(real, VOCAB_DEVICE_REACHABLE)->kind, VOCAB_BOOL);
}

static void test_classes(void **state)
{
    (void)state;
    static const char *const expected[] = {"ups", "pdu", "cooling", "olt", "env", "link", "camera", "recorder", "generic"};
    assert_int_equal(vocab_class_count(real), 9);
    for (size_t i = 0; i < vocab_class_count(real); i++) {
        const vocab_class *c = vocab_class_at(real, i);
        assert_string_equal(c->name, expected[i]);
        if (!*c->label.fr || !*c->label.en)
            fail_msg("class %s has no French or English label", c->name);
        /* generic: a device vigie knows nothing of shows its values as they come */
        if (strcmp(c->name, "generic") != 0 && c->nkey_metrics == 0)
            fail_msg("class %s has no key metrics", c->name);
        for (size_t k = 0; k < c->nkey_metrics; k++)
            if (!vocab_metric_for(real, c->name, c->key_metrics[k]))
                fail_msg("key metric %s of class %s is not in its vocabulary", c->key_metrics[k], c->name);
    }
    assert_string_equal(vocab_class_list(real), "ups, pdu, cooling, olt, env, link, camera, recorder or generic");
    assert_string_equal(vocab_class_names(real)[8], "generic");
    assert_null(vocab_class_names(real)[9]);
    assert_null(vocab_class_find(real, "toaster"));
    const vocab_class *ups = vocab_class_find(real, "ups");
    assert_string_equal(ups->label.fr, "Onduleur");
    assert_string_equal(ups->key_metrics[0], "ups.status");
}

static void test_metrics(void **state)
{
    (void)state;
    const vocab_metric *m = vocab_metric_find(real, "battery.charge");
    assert_non_null(m);
    assert_string_equal(m->unit, "%");
    assert_string_equal(m->cls, "ups");
    assert_int_equal(m->kind, VOCAB_NUMBER);
    assert_true(m->has_range && m->range_min == 0 && m->range_max == 100);
    assert_string_equal(m->label.fr, "Charge batterie");
    assert_string_equal(m->label.en, "Battery charge");
    assert_int_equal(vocab_metric_find(real, "ups.status")->kind, VOCAB_STATE);
    /* per-ONT levels are swept: their RRD files join samples two hours apart; the rest keep 3 steps */
    assert_int_equal(vocab_metric_find(real, "olt.ont.rx.power")->heartbeat, 7200);
    assert_int_equal(vocab_metric_find(real, "battery.charge")->heartbeat, 0);
    /* a class uses its own names, generic's and env's, not another class's */
    assert_non_null(vocab_metric_for(real, "pdu", "env.temperature"));
    assert_null(vocab_metric_for(real, "pdu", "battery.charge"));
    assert_string_equal(vocab_metric_for(real, "pdu", "input.voltage")->cls, "pdu");
    assert_null(vocab_metric_find(real, "battery.chrge"));
    /* every unit is written somehow, and every label comes in both languages */
    for (size_t i = 0; i < vocab_metric_count(real); i++) {
        const vocab_metric *x = vocab_metric_at(real, i);
        assert_non_null(vocab_unit_find(real, x->unit));
        assert_int_equal(!*x->label.fr, !*x->label.en);
    }
    assert_string_equal(vocab_unit_find(real, "degC")->label.fr, "°C");
    assert_string_equal(vocab_text_find(real, "closed")->label.fr, "fermée");
    assert_string_equal(vocab_service_find(real, "power")->label.en, "Power");
}

static void test_graphs(void **state)
{
    (void)state;
    assert_int_equal(vocab_graph_count(real), 5);
    const vocab_graph *g = vocab_graph_at(real, 0);
    assert_string_equal(g->cls, "env");
    assert_string_equal(g->title.fr, "Température de la salle (°C)");
    assert_false(g->has_min || g->has_max);
    const vocab_graph *ups[4];
    assert_int_equal(vocab_class_graphs(real, "ups", ups, 4), 2);
    assert_string_equal(ups[1]->series[0].metric, "battery.charge");
    assert_true(ups[1]->has_min && ups[1]->min == 0 && ups[1]->has_max && ups[1]->max == 100);
    assert_true(ups[0]->has_min && !ups[0]->has_max);
    g = vocab_graph_at(real, 3);
    assert_int_equal(g->nseries, 2);
    assert_string_equal(g->series[1].metric, "cooling.return.temperature");
    assert_string_equal(g->series[1].legend.fr, "reprise");
    assert_string_equal(g->series[0].legend.en, "supply");
    assert_string_equal(vocab_graph_at(real, 4)->title.en, "PON receive power (dBm)");
}

static void test_site_kinds(void **state)
{
    (void)state;
    assert_string_equal(vocab_site_kind_list(real), "datacenter, nro, pop, core or public");
    assert_string_equal(vocab_site_kind_find(real, "nro")->label.en, "NRO shelter");
    const conf_doc *d = NULL;
    const conf_node *s = vocab_site_services(real, "nro", &d);
    assert_non_null(s);
    assert_non_null(d);
    assert_non_null(conf_map_get(d, s, "network"));
    assert_null(vocab_site_services(real, "moon", &d));
}

/* The server checks a pushed device's class against the vocabulary. */
static void test_push_classes(void **state)
{
    (void)state;
    static const char body[] =
        "{\"agent\":\"a\",\"seq\":1,\"samples\":[],\"devices\":[{\"name\":\"u\",\"class\":\"%s\"}]}";
    char json[256];
    vg_err err;
    snprintf(json, sizeof json, body, "toaster");
    assert_null(push_batch_decode_vocab(json, strlen(json), 1790000000, real, &err));
    assert_string_equal(err.field, "devices[0].class");
    assert_non_null(strstr(err.msg, "must be ups, pdu, cooling, olt, env, link, camera, recorder or generic"));
    push_batch *b = push_batch_decode(json, strlen(json), 1790000000, &err); /* no vocabulary: a word */
    assert_non_null(b);
    push_batch_free(b);
    snprintf(json, sizeof json, body, "cooling");
    b = push_batch_decode_vocab(json, strlen(json), 1790000000, real, &err);
    assert_non_null(b);
    assert_string_equal(push_batch_device_class(b, "u"), "cooling");
    push_batch_free(b);
}

/* Writes text as a vocabulary and expects its load to fail with `where` and `what` in the message. */
static void expect_error(const char *text, const char *where, const char *what)
{
    char *dir = tu_tmpdir(), path[1024];
    tu_write(dir, "vocabulary.yaml", text, path, sizeof path);
    vg_err err;
    vocab *v = vocab_load(path, &err);
    if (v || !strstr(err.msg, where) || !strstr(err.msg, what))
        fail_msg("%s: expected '%s' and '%s', got %s", text, where, what, v ? "a vocabulary" : err.msg);
    assert_int_equal(err.code, VG_E_INVALID);
    tu_rmtree(dir);
    free(dir);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("ups:\n  battery.charge: {unit: \"%\", dok: x}\n", "vocabulary.yaml:2:31:", "dok");
    expect_error("ups:\n  Battery: {unit: \"%\"}\n", "vocabulary.yaml:2:3:", "not a valid metric name");
    expect_error("ups:\n  ups.status: {doc: x}\n", "vocabulary.yaml:2:15:", "unit");
    expect_error("classes:\n  ups: {fr: Onduleur, en: UPS}\npdu:\n  input.current: {unit: A}\n",
                 "vocabulary.yaml:3:1:", "not a class of 'classes' (ups)");
    expect_error("classes:\n  ups: {fr: Onduleur}\nups:\n  ups.status: {unit: state}\n", "vocabulary.yaml:2:8:", "en");
    expect_error(
        "classes:\n  ups: {fr: Onduleur, en: UPS, key_metrics: [ups.nothing]}\nups:\n  ups.status: {unit: state}\n",
        "vocabulary.yaml:2:46:", "'ups.nothing' is not a metric of class ups");
    expect_error("ups:\n  ups.load: {unit: \"%\"}\nunits:\n  V: {fr: V, en: V}\n",
                 "vocabulary.yaml:2:20:", "not listed in 'units'");
    expect_error("ups:\n  ups.load: {unit: \"%\", range: [100, 0]}\n", "vocabulary.yaml:2:32:", "min <= max");
    expect_error("ups:\n  ups.load: {unit: \"%\", heartbeat: 5}\n", "vocabulary.yaml:2:36:", "out of range [60, 604800]");
    expect_error("ups:\n  ups.load: {unit: \"%\", heartbeat: soon}\n", "vocabulary.yaml:2:36:", "heartbeat");
    expect_error("ups:\n  ups.load: {unit: \"%\"}\ngraphs:\n  - {class: ups, fr: a, en: b, metrics: [ups.lod]}\n",
                 "vocabulary.yaml:4:42:", "ups.lod");
    expect_error("ups:\n  ups.load: {unit: \"%\"}\ngraphs:\n  - {class: pdu, fr: a, en: b, metrics: [ups.load]}\n",
                 "vocabulary.yaml:4:13:", "'pdu' is not ups");
    expect_error("ups: {}\nsite_kinds:\n  nro: {fr: NRO, en: NRO}\n", "vocabulary.yaml:3:8:", "services");
    expect_error("ups: [1]\n", "vocabulary.yaml:1:6:", "mapping");
}

/* The smallest vocabulary (the tests' own): classes are its sections. */
static void test_minimal(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), path[1024];
    tu_write(dir, "vocabulary.yaml", "ups:\n  ups.status: {unit: state, doc: x}\n", path, sizeof path);
    vg_err err;
    vocab *v = vocab_load(path, &err);
    assert_non_null(v);
    assert_int_equal(vocab_class_count(v), 1);
    assert_string_equal(vocab_class_list(v), "ups");
    assert_string_equal(vocab_class_at(v, 0)->label.fr, "");
    assert_string_equal(vocab_metric_for(v, "ups", "ups.status")->unit, "state");
    assert_int_equal(vocab_graph_count(v), 0);
    assert_null(vocab_site_services(v, "nro", NULL));
    assert_string_equal(vocab_site_kind_list(v), "");
    vocab_free(v);
    assert_null(vocab_load("/nonexistent/vocabulary.yaml", &err));
    assert_int_equal(err.code, VG_E_IO);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_names), cmocka_unit_test(test_classes),    cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_graphs),     cmocka_unit_test(test_site_kinds), cmocka_unit_test(test_push_classes),
        cmocka_unit_test(test_errors),     cmocka_unit_test(test_minimal),
    };
    return cmocka_run_group_tests_name("vocab", tests, setup, teardown);
}
