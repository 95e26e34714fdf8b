/* cluster: the election of a pair's leader through one database (two connections to one SQLite file,
 * as two servers on one machine share it), each server with a clock of its own, the fencing of a
 * leader that stopped renewing, the claims of notifications, their keys, the batches per node and the
 * `cluster:` section's errors. On PostgreSQL too when VIGIE_TEST_PG is set (test_db.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "store/alert_store.h"
#include "store/db_cluster.h"
#include "test_db.h"
#include "test_util.h"

#define T0 1790000000

typedef struct {
    int64_t ms;
} fake_clock;

static int64_t fake_now(void *ctx) { return ((fake_clock *)ctx)->ms; }

typedef struct {
    char *dir;
    char path[600];
    db *da, *db_b; /* the connections of servers a and b */
    fake_clock ca, cb;
    cluster *a, *b;
} fixture;

static server_cluster pair_cfg(const char *node)
{
    server_cluster c = {.on = true, .lease = 20};
    snprintf(c.node, sizeof c.node, "%s", node);
    return c;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_tmpdir();
    snprintf(f->path, sizeof f->path, "%s/vigie.db", f->dir);
    vg_err err;
    /* the SQLite file, or a schema of its own on PostgreSQL (VIGIE_TEST_PG: tests/unit/test_db.h) */
    if (db_open(tu_db(f->path), &f->da, &err) != VG_OK || db_open(tu_db(f->path), &f->db_b, &err) != VG_OK)
        fail_msg("%s", err.msg);
    /* the two clocks have nothing in common: b's reads 10^9 ms more than a's */
    f->ca.ms = 5000;
    f->cb.ms = 1000000000;
    server_cluster ca = pair_cfg("alpha"), cb = pair_cfg("beta");
    assert_int_equal(cluster_new(f->da, &ca, fake_now, &f->ca, &f->a, &err), VG_OK);
    assert_int_equal(cluster_new(f->db_b, &cb, fake_now, &f->cb, &f->b, &err), VG_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cluster_free(f->a);
    cluster_free(f->b);
    db_close(f->da);
    db_close(f->db_b);
    db_batch_node_set("");
    db_lease_name_set(NULL);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* Both clocks advance by ms, one step of each server every second in between (those stepping). */
static void run(fixture *f, int64_t ms, bool step_a, bool step_b)
{
    for (int64_t t = 0; t < ms; t += 1000) {
        f->ca.ms += 1000;
        f->cb.ms += 1000;
        if (step_a)
            cluster_step(f->a);
        if (step_b)
            cluster_step(f->b);
    }
}

static void test_first_leads_other_follows(void **state)
{
    fixture *f = *state;
    cluster_step(f->a);
    cluster_step(f->b);
    assert_true(cluster_leads(f->a));
    assert_false(cluster_leads(f->b));
    cluster_status s;
    cluster_status_of(f->b, &s);
    assert_int_equal(s.role, CLUSTER_FOLLOWER);
    assert_string_equal(s.leader, "alpha");
    assert_int_equal(s.term, 1);
    /* ten minutes of renewals: b never takes over, a never stops leading */
    for (int i = 0; i < 600; i++) {
        run(f, 1000, true, true);
        assert_true(cluster_leads(f->a));
        assert_false(cluster_leads(f->b));
    }
    cluster_status_of(f->a, &s);
    assert_int_equal(s.role, CLUSTER_LEADER);
    assert_int_equal(s.term, 1);
}

/* a stops (kill -9: it steps no more) right after a renewal. b saw that beat at its step of the same
 * second and takes over once it stood still 20 s on b's clock: 20 s after a's last renewal (the bound
 * is lease + 2 s: a renewal just after b's look, and b's next look). Before that, a's own clock has
 * ended its right to act (renewal + 20 - 2 s: s = 18) and, first, its right to start a 10 s attempt
 * (only while s + 10 < 18: s <= 7), so an attempt of a ends before b may start one. */
static void test_takeover_and_fencing(void **state)
{
    fixture *f = *state;
    cluster_set_current(f->a);
    cluster_step(f->a);
    cluster_step(f->b);
    run(f, 30000, true, true); /* a renews at 10, 15, ..., 35 s of its clock */
    db_lease l;
    assert_int_equal(db_lease_read(f->da, &l, NULL), VG_OK);
    assert_int_equal(l.beat, 1 + 6); /* created, then renewed every 5 s for 30 s */
    int64_t dead = f->ca.ms;         /* a's last renewal was now */
    int took = -1, last_send = -1, last_act = -1;
    for (int s = 1; s <= 40 && took < 0; s++) {
        run(f, 1000, false, true);
        int64_t term = 0;
        if (cluster_may_send(10, &term))
            last_send = s;
        if (cluster_leads(f->a))
            last_act = s;
        if (cluster_leads(f->b))
            took = s;
    }
    cluster_set_current(NULL);
    assert_int_equal(last_send, 7);
    assert_int_equal(last_act, 17);
    assert_int_equal(took, 20);
    assert_int_equal(f->ca.ms - dead, 20000);
    cluster_status s;
    cluster_status_of(f->b, &s);
    assert_int_equal(s.role, CLUSTER_LEADER);
    assert_int_equal(s.term, 2);
    /* a comes back (it was stopped, not dead): its renewal fails, it follows b */
    cluster_step(f->a);
    assert_false(cluster_leads(f->a));
    cluster_status_of(f->a, &s);
    assert_int_equal(s.role, CLUSTER_FOLLOWER);
    assert_string_equal(s.leader, "beta");
    assert_int_equal(s.term, 2);
    run(f, 120000, true, true);
    assert_true(cluster_leads(f->b));
    assert_false(cluster_leads(f->a));
}

/* The right to start an attempt: leads, and the attempt ends before the lease's validity does. */
static void test_send_window(void **state)
{
    fixture *f = *state;
    cluster_set_current(f->a);
    int64_t term = -1;
    assert_false(cluster_may_send(10, &term)); /* not stepped yet: a follower */
    cluster_step(f->a);                         /* takes the lease at a's 5000 ms: valid until 23000 */
    assert_true(cluster_may_send(10, &term));
    assert_int_equal(term, 1);
    f->ca.ms += 7999; /* 12999 + 10 s < 23000 */
    assert_true(cluster_may_send(10, &term));
    f->ca.ms += 1; /* 13000 + 10 s = 23000: not before */
    assert_false(cluster_may_send(10, &term));
    assert_true(cluster_may_send(1, &term));
    assert_true(cluster_is_leader());
    f->ca.ms = 23000;
    assert_false(cluster_is_leader()); /* the validity ended on a's clock, whatever the row says */
    cluster_step(f->a);                /* the renewal is due: it succeeds (nobody took the lease) */
    assert_true(cluster_is_leader());
    cluster_set_current(NULL);
    assert_true(cluster_may_send(300, &term)); /* no cluster: a server alone of other tests, term 0 */
    assert_int_equal(term, 0);
}

static int64_t add_notification(db *d, const char *key, int64_t now)
{
    alert_notification n = {7, "noc", "webhook", "http://127.0.0.1:9/hook", "repeat", "[vigie] x", "body", "{}", key};
    assert_int_equal(alert_store_notification_add(d, &n, now, NULL), VG_OK);
    alert_delivery *v = NULL;
    size_t count = 0;
    assert_int_equal(alert_store_due(d, now, 100, &v, &count, NULL), VG_OK);
    int64_t id = count ? v[count - 1].id : 0;
    alert_store_deliveries_free(v, count);
    return id;
}

static size_t due_count(db *d, int64_t now)
{
    alert_delivery *v = NULL;
    size_t count = 0;
    assert_int_equal(alert_store_due(d, now, 100, &v, &count, NULL), VG_OK);
    alert_store_deliveries_free(v, count);
    return count;
}

/* The same decision queued by both servers is one row; a claim holds only for the lease's term; the
 * rows a dead leader claimed are queued again by the next one, those it recorded are not. */
static void test_keys_and_claims(void **state)
{
    fixture *f = *state;
    cluster_step(f->a);
    int64_t id = add_notification(f->da, "a7:repeat:0:1790000000:noc:webhook", T0);
    assert_int_equal(add_notification(f->db_b, "a7:repeat:0:1790000000:noc:webhook", T0), id);
    assert_int_equal(due_count(f->da, T0), 1);
    int64_t other = add_notification(f->da, "a7:repeat:0:1790000300:noc:webhook", T0);
    assert_int_equal(due_count(f->da, T0), 2);
    bool claimed = false;
    assert_int_equal(db_notification_claim(f->db_b, id, 2, &claimed, NULL), VG_OK);
    assert_false(claimed); /* term 2 does not hold the lease */
    assert_int_equal(db_notification_claim(f->da, id, 1, &claimed, NULL), VG_OK);
    assert_true(claimed);
    assert_int_equal(db_notification_claim(f->da, id, 1, &claimed, NULL), VG_OK);
    assert_false(claimed); /* claimed already: one attempt at a time */
    assert_int_equal(due_count(f->da, T0), 1);
    assert_int_equal(db_notification_claim(f->da, other, 1, &claimed, NULL), VG_OK);
    assert_true(claimed);
    assert_int_equal(alert_store_delivery_sent(f->da, other, 1, T0 + 1, NULL), VG_OK);
    /* a dies during the attempt of id; b takes over at term 2 and queues id again, not `other` */
    cluster_step(f->b);
    run(f, 22000, false, true);
    assert_true(cluster_leads(f->b));
    assert_int_equal(due_count(f->db_b, INT64_MAX / 2), 1); /* due at the wall time of the takeover */
    /* a, stopped and back, claims nothing under its old term */
    assert_int_equal(db_notification_claim(f->da, id, 1, &claimed, NULL), VG_OK);
    assert_false(claimed);
    assert_int_equal(db_notification_claim(f->db_b, id, 2, &claimed, NULL), VG_OK);
    assert_true(claimed);
}

/* Two shards on one database (cluster/shard.h): a lease row each, with its own terms; each shard's
 * leader sees due only the notifications its shard queued, and a takeover in one shard requeues only
 * that shard's claimed attempts, never the other's in flight. The lease name is process-wide, as in a
 * server: switched here between the two "servers". */
static void test_shard_leases_apart(void **state)
{
    fixture *f = *state;
    bool won = false;
    int64_t n_id, s_id;
    db_lease_name_set("north");
    assert_int_equal(db_lease_create(f->da, "n1", T0, &won, NULL), VG_OK);
    assert_true(won);
    n_id = add_notification(f->da, "a1:firing:0:0:noc:webhook", T0);
    db_lease_name_set("south");
    assert_int_equal(db_lease_create(f->db_b, "s1", T0, &won, NULL), VG_OK);
    assert_true(won); /* north's row does not stop south from having one */
    s_id = add_notification(f->db_b, "a2:firing:0:0:noc:webhook", T0);
    assert_true(s_id > n_id);
    assert_int_equal(due_count(f->db_b, T0), 1); /* south's leader sees only south's */
    bool claimed = false;
    assert_int_equal(db_notification_claim(f->db_b, s_id, 1, &claimed, NULL), VG_OK);
    assert_true(claimed); /* term 1 of south */
    db_lease_name_set("north");
    assert_int_equal(due_count(f->da, T0), 1);
    assert_int_equal(db_notification_claim(f->da, n_id, 1, &claimed, NULL), VG_OK);
    assert_true(claimed);
    /* north's leader dies mid-attempt; its next leader (term 2) requeues north's claim, not south's */
    db_lease row;
    assert_int_equal(db_lease_read(f->db_b, &row, NULL), VG_OK);
    assert_string_equal(row.holder, "n1");
    assert_int_equal(db_lease_take(f->db_b, "n2", row.term, row.beat, T0 + 30, &won, NULL), VG_OK);
    assert_true(won);
    int requeued = 0;
    assert_int_equal(db_notification_requeue(f->db_b, 2, T0 + 30, &requeued, NULL), VG_OK);
    assert_int_equal(requeued, 1);
    assert_int_equal(due_count(f->db_b, T0 + 30), 1);
    db_lease_name_set("south");
    assert_int_equal(due_count(f->db_b, T0 + 30), 0); /* south's is still south's leader's, in flight */
    assert_int_equal(db_lease_read(f->db_b, &row, NULL), VG_OK);
    assert_true(strcmp(row.holder, "s1") == 0 && row.term == 1);
    db_lease_name_set(NULL);
    assert_string_equal(db_lease_name(), "leader"); /* a pair, as before shards */
}

/* A leader that stops cleanly releases the lease: the follower takes it at its next look. */
static void test_release(void **state)
{
    fixture *f = *state;
    cluster_step(f->a);
    run(f, 10000, true, true);
    cluster_free(f->a);
    f->a = NULL;
    assert_false(cluster_leads(f->b));
    run(f, 1000, false, true);
    assert_true(cluster_leads(f->b));
    cluster_status s;
    cluster_status_of(f->b, &s);
    assert_int_equal(s.term, 3); /* 1 alpha, 2 released, 3 beta */
}

/* A server alone takes the lease at its start, whatever the row said, and leads for good. */
static void test_alone(void **state)
{
    fixture *f = *state;
    cluster_step(f->a);
    server_cluster alone = {.on = false, .lease = 20};
    snprintf(alone.node, sizeof alone.node, "solo");
    cluster *c = NULL;
    assert_int_equal(cluster_new(f->db_b, &alone, fake_now, &f->cb, &c, NULL), VG_OK);
    assert_true(cluster_leads(c));
    cluster_status s;
    cluster_status_of(c, &s);
    assert_int_equal(s.role, CLUSTER_ALONE);
    assert_int_equal(s.term, 2);
    f->cb.ms += 3600 * 1000;
    cluster_step(c);
    assert_true(cluster_leads(c));
    cluster_free(c);
    /* and alpha learns it lost the lease at its next renewal */
    run(f, 6000, true, false);
    assert_false(cluster_leads(f->a));
}

/* Each server of a pair keeps its own accepted batches in the shared table. */
static void test_batches_per_node(void **state)
{
    fixture *f = *state;
    push_batch *b = push_batch_new("agent-1", 42);
    push_sample s = {.ts = T0, .value = 1};
    snprintf(s.device, sizeof s.device, "ups1");
    snprintf(s.metric, sizeof s.metric, "battery.charge");
    assert_int_equal(push_batch_add(b, &s), 0);
    bool seen = true;
    db_batch_node_set("alpha");
    assert_int_equal(db_batch_seen(f->da, "agent-1", 42, &seen, NULL), VG_OK);
    assert_false(seen);
    assert_int_equal(db_batch_store(f->da, "nro", b, T0, NULL), VG_OK);
    assert_int_equal(db_batch_seen(f->da, "agent-1", 42, &seen, NULL), VG_OK);
    assert_true(seen);
    db_batch_node_set("beta");
    assert_int_equal(db_batch_seen(f->db_b, "agent-1", 42, &seen, NULL), VG_OK);
    assert_false(seen);
    assert_int_equal(db_batch_store(f->db_b, "nro", b, T0 + 1, NULL), VG_OK);
    assert_int_equal(db_batch_seen(f->db_b, "agent-1", 42, &seen, NULL), VG_OK);
    assert_true(seen);
    assert_int_not_equal(db_batch_store(f->db_b, "nro", b, T0 + 2, NULL), VG_OK); /* once per node */
    push_batch_free(b);
}

static vg_code read_section(const char *yaml, server_cluster *out, vg_err *err)
{
    conf_doc *d = conf_doc_load_string("server.yaml", yaml, strlen(yaml), err);
    assert_non_null(d);
    const conf_node *root = conf_doc_root(d);
    vg_code rc = cluster_config_read(d, conf_map_get(d, root, "cluster"), out, err);
    if (rc == VG_OK)
        rc = cluster_config_check(d, conf_map_get(d, root, "cluster"), out, 10, err);
    conf_doc_free(d);
    return rc;
}

static void test_config(void **state)
{
    (void)state;
    server_cluster c;
    vg_err err;
    assert_int_equal(read_section("listen: x\n", &c, &err), VG_OK);
    assert_false(c.on);
    assert_int_equal(c.lease, 20);
    assert_int_equal(read_section("cluster: {node: vigie-a, lease: 30}\n", &c, &err), VG_OK);
    assert_true(c.on);
    assert_string_equal(c.node, "vigie-a");
    assert_int_equal(c.lease, 30);
    /* renewed every 7.5 s, a guard of 3 s: 19.5 s left before a renewal, 19 whole, less b's poll */
    assert_int_equal(cluster_config_max_attempt(&c), 18);
    assert_int_equal(read_section("cluster: {node: vigie-a, lease: 5}\n", &c, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "server.yaml:1:"));
    assert_non_null(strstr(err.msg, "lease"));
    assert_int_equal(read_section("cluster: {node: 'a/b'}\n", &c, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "node"));
    assert_int_equal(read_section("cluster: {node: a, leader: true}\n", &c, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "leader"));
    /* 16 s leaves 16 - 4 - 1.6 - 1 = 9 s for an attempt: alerting.timeout 10 does not fit */
    assert_int_equal(read_section("cluster: {node: a, lease: 16}\n", &c, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "at least 19 s"));
    assert_int_equal(read_section("cluster: {node: a, lease: 19}\n", &c, &err), VG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_leads_other_follows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_takeover_and_fencing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_and_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shard_leases_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_per_node, setup, teardown),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
