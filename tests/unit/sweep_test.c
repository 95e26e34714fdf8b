/* The slow sweep of per-ONT columns (agent/snmp/sweep.c, issue 17) without a device: a walk made up
 * here, as the engine makes it (GETBULK of every swept column from its cursor, `rep` rows each), over
 * columns of this test's own rows. Slices of budget x rep rows, the wrap to the first row once every
 * column reached its end, the budget never passed, a reboot's reset, a slice bounded by its least
 * advanced column (the cells past it dropped from collect and read again); which columns a plan sweeps;
 * and the bad values of the profile key `sweep` and of agent.yaml's `sweep_requests`. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "config/agent_config.h"
#include "profile/profile.h"
#include "snmp/collect.h"
#include "snmp/plan.h"
#include "snmp/sweep.h"
#include "test_util.h"

static const char *vocab =
    "generic:\n"
    "  device.uptime: {unit: s, doc: x}\n"
    "olt:\n"
    "  olt.ont.rx.power: {unit: dBm, doc: x}\n"
    "  olt.ont.tx.power: {unit: dBm, doc: x}\n"
    "  olt.ont.online: {unit: count, doc: x}\n"
    "  olt.ont.status: {unit: state, doc: x}\n"
    "  olt.pon.status: {unit: state, doc: x}\n";

#define T ".1.3.6.1.4.1.99997"
/* swept: .1.1 (rx), .1.3 (tx), .1.4 (tx's label, same row); read whole: .1.2 (rx's filter, which
 * olt.pon.status reads too), .9.1 (rx's label, joined), .2.1 (counted by olt.ont.online, so
 * olt.ont.status is read whole, and its label .2.2 with it), .9.2 */
static const char *olt =
    "profile: test-olt\n"
    "class: olt\n"
    "match: {sys_object_id: [" T "]}\n"
    "metrics:\n"
    "  olt.ont.rx.power:\n"
    "    unit: dBm\n"
    "    sources: [{column: " T ".1.1}]\n"
    "    filter: {column: " T ".1.2, values: [1]}\n"
    "    label: {column: " T ".9.1, index: \"{index.1}\"}\n"
    "    sweep: true\n"
    "  olt.ont.tx.power:\n"
    "    unit: dBm\n"
    "    sources: [{column: " T ".1.3}]\n"
    "    label: {column: " T ".1.4}\n"
    "    sweep: true\n"
    "  olt.ont.online:\n"
    "    unit: count\n"
    "    aggregate: count\n"
    "    sources: [{column: " T ".2.1}]\n"
    "  olt.ont.status:\n"
    "    sources: [{column: " T ".2.1}]\n"
    "    label: {column: " T ".2.2}\n"
    "    sweep: true\n"
    "  olt.pon.status:\n"
    "    sources: [{column: " T ".9.2}]\n"
    "    filter: {column: " T ".1.2, values: [1]}\n";

static char *dir;
static profile_set *set;
static plan_set *plans;
static const poll_plan *plan;

static int setup(void **state)
{
    char path[600];
    dir = tu_tmpdir();
    tu_write(dir, "vocabulary.yaml", vocab, path, sizeof path);
    tu_write(dir, "test-olt.yaml", olt, path, sizeof path);
    vg_err err;
    if (!(set = profile_set_load(dir, &err))) {
        fprintf(stderr, "profiles: %s\n", err.msg);
        return -1;
    }
    const profile *p = profile_set_find(set, "test-olt");
    plans = plan_set_new(set);
    return plans && p && plan_set_get(plans, &p, 1, &plan, &err) == VG_OK ? 0 : -1;
}

static int teardown(void **state)
{
    plan_set_free(plans);
    profile_set_free(set);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* The plan's index of column T.sub (e.g. "1.1"), -1 if it has none. */
static int column(const char *sub)
{
    char text[128];
    oid o[MAX_OID_LEN];
    size_t n;
    snprintf(text, sizeof text, "%s.%s", T, sub);
    assert_int_equal(oid_parse(text, o, MAX_OID_LEN, &n), 0);
    for (size_t i = 0; i < plan_column_count(plan); i++) {
        const prof_oid *c = plan_column(plan, i);
        if (c->len == n && memcmp(c->ids, o, n * sizeof(oid)) == 0)
            return (int)i;
    }
    return -1;
}

static const poll_metric *metric(const char *name)
{
    for (size_t i = 0; i < plan_metric_count(plan); i++)
        if (strcmp(plan_metric(plan, i)->m->name, name) == 0)
            return plan_metric(plan, i);
    fail_msg("no metric %s", name);
    return NULL;
}

static void test_plan_swept_columns(void **state)
{
    const char *swept[] = {"1.1", "1.3", "1.4"}, *whole[] = {"1.2", "9.1", "2.1", "2.2", "9.2"};
    for (size_t i = 0; i < 3; i++) {
        assert_true(column(swept[i]) >= 0);
        if (!plan_column_swept(plan, (size_t)column(swept[i])))
            fail_msg("%s should be swept", swept[i]);
    }
    for (size_t i = 0; i < 5; i++) {
        assert_true(column(whole[i]) >= 0);
        if (plan_column_swept(plan, (size_t)column(whole[i])))
            fail_msg("%s should be read whole", whole[i]);
    }
    assert_int_equal(plan_swept_count(plan), 3);
    assert_true(metric("olt.ont.rx.power")->swept);
    assert_true(metric("olt.ont.tx.power")->swept);
    assert_false(metric("olt.ont.status")->swept); /* its column is counted whole by olt.ont.online */
    assert_false(metric("olt.pon.status")->swept);
    sweep *s = sweep_new(plan, 8, 8);
    assert_non_null(s);
    assert_int_equal(sweep_count(s), 3);
    for (size_t k = 0; k < 3; k++)
        assert_true(plan_column_swept(plan, sweep_column(s, k)));
    sweep_free(s);
}

/* ---- a device walked as the engine walks it ------------------------------------------------ */

/* A swept column's rows: single sub-identifier indexes, increasing. */
typedef struct {
    oid rows[256];
    size_t n;
} fake_col;

typedef struct {
    fake_col cols[3];   /* the sweep's columns, in its order */
    oid cur[3];         /* the walk's cursors in this cycle (0: before the first row) */
    size_t cur_len[3];
    bool end[3];
    size_t cut_after;   /* a response cut short: only this many rows for the last column (0: none) */
} fake_dev;

static void fake_fill(fake_col *c, oid first, oid last, oid step)
{
    c->n = 0;
    for (oid r = first; r <= last; r += step)
        c->rows[c->n++] = r;
}

/* One request: every column not at its end gets the next `rep` rows after its cursor (into collect),
 * or reaches its end when fewer are left (the GETBULK runs past the column). */
static void fake_request(fake_dev *d, sweep *s, collect *c, size_t rep)
{
    size_t n = sweep_count(s);
    for (size_t k = 0; k < n; k++) {
        if (d->end[k])
            continue;
        size_t want = k == n - 1 && d->cut_after ? d->cut_after : rep;
        size_t got = 0;
        for (size_t r = 0; r < d->cols[k].n && got < want; r++) {
            oid idx = d->cols[k].rows[r];
            if (d->cur_len[k] && idx <= d->cur[k])
                continue;
            raw_value v = {.kind = RAW_NUMBER, .asn_type = ASN_INTEGER, .number = (double)idx};
            assert_int_equal(collect_cell(c, sweep_column(s, k), &idx, 1, &v, NULL), VG_OK);
            d->cur[k] = idx;
            d->cur_len[k] = 1;
            got++;
        }
        if (got < want && !(k == n - 1 && d->cut_after))
            d->end[k] = true;
    }
}

/* One cycle of the sweep, as engine_start_sweep, engine_step and engine_sweep_end go; returns whether
 * the pass completed. The cells left in collect are the slice. */
static bool fake_cycle(fake_dev *d, sweep *s, collect *c, size_t rep)
{
    assert_int_equal(collect_begin(c, plan, NULL), VG_OK);
    sweep_begin(s);
    for (size_t k = 0; k < sweep_count(s); k++) {
        size_t len;
        const oid *cur = sweep_cursor(s, k, &len);
        d->cur_len[k] = len;
        d->cur[k] = len ? cur[0] : 0;
        d->end[k] = sweep_at_end(s, k);
    }
    for (;;) {
        bool left = false;
        for (size_t k = 0; k < sweep_count(s); k++)
            left = left || !d->end[k];
        if (!left || !sweep_may_send(s))
            break;
        sweep_sent(s);
        fake_request(d, s, c, rep);
    }
    assert_true(sweep_requests(s) <= sweep_budget(s));
    for (size_t k = 0; k < sweep_count(s); k++)
        sweep_move(s, k, &d->cur[k], d->cur_len[k], d->end[k]);
    oid bound[COLLECT_INDEX_MAX];
    size_t blen;
    bool cut = sweep_end(s, bound, &blen);
    for (size_t k = 0; cut && k < sweep_count(s); k++)
        if (sweep_was_cut(s, k))
            collect_trim(c, sweep_column(s, k), bound, blen);
    return !cut;
}

/* The rows of olt.ont.tx.power (swept, instance {index}) the cycle's answers give, into seen[]. */
static size_t emitted_tx(collect *c, size_t *seen, size_t max)
{
    push_batch *b = push_batch_new("agent", 0);
    assert_non_null(b);
    poll_sink out = poll_sink_batch(b);
    collect_emit(c, "olt", "test-olt", true, &out, 1000);
    size_t n = 0;
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *p = push_batch_at(b, i);
        if (strcmp(p->metric, "olt.ont.tx.power") != 0)
            continue;
        size_t r = (size_t)atoi(p->instance);
        assert_true(r >= 1 && r <= max);
        seen[r]++;
        n++;
    }
    push_batch_free(b);
    collect_drop(c);
    return n;
}

static void test_slices_wrap_and_budget(void **state)
{
    sweep *s = sweep_new(plan, 3, 8);
    collect *c = collect_new("olt");
    assert_non_null(s);
    assert_non_null(c);
    fake_dev d = {0};
    for (size_t k = 0; k < 3; k++)
        fake_fill(&d.cols[k], 1, 100, 1);
    /* 3 requests of 6 rows a cycle: 18 rows, then 10 in the sixth cycle; the seventh starts again */
    size_t seen[101] = {0};
    for (int cycle = 1; cycle <= 6; cycle++) {
        bool complete = fake_cycle(&d, s, c, 6);
        assert_int_equal(complete, cycle == 6);
        assert_int_equal(sweep_requests(s), cycle < 6 ? 3 : 2);
        size_t before[101];
        memcpy(before, seen, sizeof seen);
        assert_int_equal(emitted_tx(c, seen, 100), cycle < 6 ? 18 : 10);
        for (size_t r = 1; r <= 100; r++) /* this cycle's slice: the next rows, in order */
            assert_int_equal(seen[r] - before[r], r > (size_t)(cycle - 1) * 18 && r <= (size_t)cycle * 18);
    }
    for (size_t r = 1; r <= 100; r++)
        assert_int_equal(seen[r], 1);
    assert_int_equal(sweep_passes(s), 1);
    assert_int_equal(sweep_pass_cycles(s), 6);
    assert_false(fake_cycle(&d, s, c, 6)); /* the next pass, from the first row */
    size_t len;
    const oid *cur = sweep_cursor(s, 0, &len);
    assert_int_equal(len, 1);
    assert_int_equal(cur[0], 18);
    assert_int_equal(sweep_requests(s), 3);
    collect_free(c);
    sweep_free(s);
}

static void test_exact_end_and_small_table(void **state)
{
    /* 36 rows, 3 requests of 6: the second cycle reads the last 18 rows without seeing the end, the
     * third finds it at once (0 rows) and ends the pass */
    sweep *s = sweep_new(plan, 3, 8);
    collect *c = collect_new("olt");
    fake_dev d = {0};
    for (size_t k = 0; k < 3; k++)
        fake_fill(&d.cols[k], 1, 36, 1);
    assert_false(fake_cycle(&d, s, c, 6));
    collect_drop(c);
    assert_false(fake_cycle(&d, s, c, 6));
    collect_drop(c);
    assert_true(fake_cycle(&d, s, c, 6));
    assert_int_equal(collect_rows(c, sweep_column(s, 0)), 0);
    assert_int_equal(sweep_requests(s), 1);
    collect_drop(c);
    /* a table within the budget is read whole every cycle */
    for (size_t k = 0; k < 3; k++)
        fake_fill(&d.cols[k], 1, 10, 1);
    for (int i = 0; i < 3; i++) {
        assert_true(fake_cycle(&d, s, c, 6));
        assert_int_equal(collect_rows(c, sweep_column(s, 2)), 10);
        collect_drop(c);
    }
    collect_free(c);
    sweep_free(s);
}

static void test_slice_bounded_by_least_advanced(void **state)
{
    sweep *s = sweep_new(plan, 1, 8);
    collect *c = collect_new("olt");
    fake_dev d = {0};
    for (size_t k = 0; k < 3; k++)
        fake_fill(&d.cols[k], 1, 20, 1);
    d.cut_after = 3; /* the answer ends early: the last column gets rows 1..3, the others 1..5 */
    assert_false(fake_cycle(&d, s, c, 5));
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(collect_rows(c, sweep_column(s, k)), 3); /* rows 4, 5 dropped: read again */
        size_t len;
        assert_int_equal(sweep_cursor(s, k, &len)[0], 3);
        assert_false(sweep_at_end(s, k));
    }
    assert_false(sweep_was_cut(s, 2));
    assert_true(sweep_was_cut(s, 0));
    collect_drop(c);
    d.cut_after = 0;
    assert_false(fake_cycle(&d, s, c, 5)); /* rows 4..8 of every column */
    for (size_t k = 0; k < 3; k++)
        assert_int_equal(collect_rows(c, sweep_column(s, k)), 5);
    collect_drop(c);

    /* a column that reached its end past the bound must read its last rows again */
    sweep_reset(s);
    fake_fill(&d.cols[0], 1, 4, 1);     /* ends after row 4 */
    fake_fill(&d.cols[1], 1, 20, 1);
    fake_fill(&d.cols[2], 1, 20, 1);
    d.cut_after = 2;                    /* the last column: rows 1, 2 only */
    assert_false(fake_cycle(&d, s, c, 5));
    assert_int_equal(collect_rows(c, sweep_column(s, 0)), 2);
    assert_false(sweep_at_end(s, 0));
    collect_drop(c);
    d.cut_after = 0;
    assert_false(fake_cycle(&d, s, c, 5));
    assert_int_equal(collect_rows(c, sweep_column(s, 0)), 2); /* rows 3, 4, then its end */
    assert_true(sweep_at_end(s, 0));
    assert_int_equal(collect_rows(c, sweep_column(s, 1)), 5);
    collect_free(c);
    sweep_free(s);
}

static void test_reset_and_budget_bounds(void **state)
{
    sweep *s = sweep_new(plan, 2, 8);
    collect *c = collect_new("olt");
    fake_dev d = {0};
    for (size_t k = 0; k < 3; k++)
        fake_fill(&d.cols[k], 1, 100, 1);
    assert_false(fake_cycle(&d, s, c, 6));
    assert_false(fake_cycle(&d, s, c, 6));
    size_t len;
    assert_int_equal(sweep_cursor(s, 1, &len)[0], 24);
    sweep_reset(s); /* the device rebooted: its tables were rebuilt */
    sweep_cursor(s, 1, &len);
    assert_int_equal(len, 0);
    collect_drop(c);
    assert_false(fake_cycle(&d, s, c, 6));
    assert_int_equal(sweep_cursor(s, 1, &len)[0], 12); /* the first slice again */
    assert_int_equal(sweep_passes(s), 0);
    collect_free(c);
    sweep_free(s);
    /* a budget below one request, or above the most agent.yaml allows, is brought within bounds; every
     * column needs one request a cycle (three columns, one a request: three) */
    assert_non_null(s = sweep_new(plan, 0, 8));
    assert_int_equal(sweep_budget(s), 1);
    sweep_free(s);
    assert_non_null(s = sweep_new(plan, 5000, 8));
    assert_int_equal(sweep_budget(s), SWEEP_REQUESTS_MAX);
    sweep_free(s);
    assert_non_null(s = sweep_new(plan, 1, 1));
    assert_int_equal(sweep_budget(s), 3);
    sweep_free(s);
}

static void test_collect_trim(void **state)
{
    collect *c = collect_new("olt");
    assert_int_equal(collect_begin(c, plan, NULL), VG_OK);
    size_t col = (size_t)column("1.1");
    for (oid r = 1; r <= 5; r++) {
        oid idx[2] = {7, r};
        raw_value v = {.kind = RAW_NUMBER, .asn_type = ASN_INTEGER, .number = (double)r};
        assert_int_equal(collect_cell(c, col, idx, 2, &v, NULL), VG_OK);
    }
    oid bound[2] = {7, 3};
    collect_trim(c, col, bound, 2);
    assert_int_equal(collect_rows(c, col), 3);
    collect_trim(c, col, bound, 1); /* {7} is before {7, 1}: every row goes */
    assert_int_equal(collect_rows(c, col), 0);
    oid idx[2] = {7, 1}; /* the column takes rows again from there */
    raw_value v = {.kind = RAW_NUMBER, .asn_type = ASN_INTEGER, .number = 1};
    assert_int_equal(collect_cell(c, col, idx, 2, &v, NULL), VG_OK);
    assert_int_equal(collect_rows(c, col), 1);
    collect_free(c);
}

/* ---- bad values ---------------------------------------------------------------------------- */

static void expect_profile_error(const char *metric_yaml, const char *where, const char *what)
{
    char *d = tu_tmpdir(), path[600];
    tu_write(d, "vocabulary.yaml", vocab, path, sizeof path);
    char text[1024];
    snprintf(text, sizeof text, "profile: bad\nclass: olt\nmatch: {sys_object_id: [" T "]}\nmetrics:\n%s", metric_yaml);
    tu_write(d, "bad.yaml", text, path, sizeof path);
    vg_err err;
    profile_set *ps = profile_set_load(d, &err);
    tu_rmtree(d);
    free(d);
    if (ps) {
        profile_set_free(ps);
        fail_msg("loaded, expected an error at %s", where);
    }
    if (!strstr(err.msg, where) || !strstr(err.msg, what))
        fail_msg("got '%s', wanted '%s' and '%s'", err.msg, where, what);
}

static void test_profile_sweep_errors(void **state)
{
    expect_profile_error("  olt.ont.rx.power:\n    unit: dBm\n    sources: [{oid: " T ".1.0}]\n    sweep: true\n",
                         "bad.yaml:8:12: key 'sweep'", "only for table metrics");
    expect_profile_error("  olt.ont.online:\n    unit: count\n    aggregate: count\n    sources: [{column: " T ".1}]\n"
                         "    sweep: true\n",
                         "bad.yaml:9:12: key 'sweep'", "not with aggregate");
    expect_profile_error("  olt.ont.rx.power:\n    unit: dBm\n    sources: [{column: " T ".1}]\n    sweep: often\n",
                         "bad.yaml:8:12: key 'sweep'", "true or false");
}

static agent_config *load_agent(const char *text, vg_err *err)
{
    char path[600];
    tu_write(dir, "agent.yaml", text, path, sizeof path);
    chmod(path, 0600); /* it would hold secrets: the loader warns otherwise */
    return agent_config_load(path, "/usr/share/vigie/mibs", err);
}

#define AGENT_HEAD "agent: a\nserver: http://x\ntoken: tttttttttttttttt\n"

static void expect_agent_error(const char *text, const char *where, const char *what)
{
    vg_err err;
    agent_config *c = load_agent(text, &err);
    if (c) {
        agent_config_free(c);
        fail_msg("accepted: %s", text);
    }
    char want[700];
    snprintf(want, sizeof want, "%s/agent.yaml:%s", dir, where);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !strstr(err.msg, what))
        fail_msg("got '%s', wanted prefix '%s' and '%s'", err.msg, want, what);
}

static void test_config_sweep_requests(void **state)
{
    vg_err err;
    agent_config *c = load_agent(AGENT_HEAD "devices: [{name: u, host: h}]\n", &err);
    assert_non_null(c);
    assert_int_equal(c->devices[0].sweep_requests, AGENT_SWEEP_REQUESTS);
    agent_config_free(c);
    c = load_agent(AGENT_HEAD "sweep_requests: 20\ndevices:\n  - {name: u, host: h}\n"
                              "  - {name: v, host: g, sweep_requests: 1000}\n", &err);
    assert_non_null(c);
    assert_int_equal(c->devices[0].sweep_requests, 20); /* the agent's default */
    assert_int_equal(c->devices[1].sweep_requests, 1000);
    agent_config_free(c);
    expect_agent_error(AGENT_HEAD "sweep_requests: 0\ndevices: [{name: u, host: h}]\n", "4:17: key 'sweep_requests'",
                       "out of range");
    expect_agent_error(AGENT_HEAD "devices: [{name: u, host: h, sweep_requests: 1001}]\n",
                       "4:46: key 'sweep_requests'", "out of range");
    expect_agent_error(AGENT_HEAD "devices: [{name: u, host: h, sweep_requests: lots}]\n",
                       "4:46: key 'sweep_requests'", "not an integer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_swept_columns),
        cmocka_unit_test(test_slices_wrap_and_budget),
        cmocka_unit_test(test_exact_end_and_small_table),
        cmocka_unit_test(test_slice_bounded_by_least_advanced),
        cmocka_unit_test(test_reset_and_budget_bounds),
        cmocka_unit_test(test_collect_trim),
        cmocka_unit_test(test_profile_sweep_errors),
        cmocka_unit_test(test_config_sweep_requests),
    };
    return cmocka_run_group_tests_name("sweep", tests, setup, teardown);
}
