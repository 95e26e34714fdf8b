/* The outbox between the poller and the spool: a cycle's samples cut into pushes of `slice` samples,
 * each numbered and spooled as soon as it is full, each one a batch the server's decoder accepts with
 * the devices of its samples described, optional fields kept or left out per sample, a sample the
 * server would refuse kept out, an empty cycle still pushed, pushes the spool cannot take kept in
 * memory to be sent without a copy, and pushes held unnumbered while no number can be recorded. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "push/outbox.h"
#include "push.h"
#include "push/spool.h"
#include "test_util.h"

#define MB (1024u * 1024)
#define MAX_BODIES 16

static char *dir;
static char *bodies[MAX_BODIES];
static size_t nbodies;

static int setup_each(void **state)
{
    dir = tu_tmpdir();
    nbodies = 0;
    return 0;
}

static int teardown_each(void **state)
{
    tu_rmtree(dir);
    free(dir);
    for (size_t i = 0; i < nbodies; i++)
        free(bodies[i]);
    return 0;
}

static spool *open_spool(void)
{
    vg_err err;
    spool *s = spool_open(dir, "nro-doullens", 64 * MB, &err);
    if (!s)
        fail_msg("spool_open: %s", err.msg);
    return s;
}

static push_result keep_send(void *ctx, const char *body, size_t len, char *why, size_t why_size)
{
    assert_true(nbodies < MAX_BODIES);
    bodies[nbodies++] = strndup(body, len);
    return PUSH_SENT;
}

/* Every spooled push, in order, as the server would receive them. */
static void replay_all(spool *s)
{
    spool_replay_stats st;
    vg_err err;
    assert_int_equal(spool_replay(s, keep_send, NULL, 0, &st, &err), 0);
    assert_int_equal(st.corrupt + st.rejected, 0);
}

static push_batch *decode(const char *body)
{
    vg_err perr;
    push_batch *b = push_batch_decode(body, strlen(body), time(NULL), &perr);
    if (!b)
        fail_msg("%s: %s in %s", perr.field, perr.msg, body);
    return b;
}

static void give(poll_sink *out, const char *device, const char *metric, const char *instance, double v,
                 int64_t ts)
{
    push_sample s;
    assert_int_equal(push_sample_set(&s, device, metric, instance, v, "V", ts), 0);
    assert_int_equal(out->sample(out->ctx, &s), 0);
}

static void test_slices_and_devices(void **state)
{
    spool *s = open_spool();
    outbox *o = outbox_new(s, "nro-doullens", 3);
    assert_non_null(o);
    int64_t now = time(NULL);
    poll_sink out = outbox_sink(o, now);
    assert_int_equal(out.device(out.ctx, "ups1", "ups", "ups-rfc1628"), 0);
    for (int i = 0; i < 5; i++) {
        char inst[8];
        snprintf(inst, sizeof inst, "L%d", i + 1);
        give(&out, "ups1", "input.voltage", inst, 230 + i, now);
    }
    assert_int_equal(spool_count(s), 1); /* the first push went to the spool as soon as it was full */
    assert_int_equal(out.device(out.ctx, "clim1", "cooling", "cooling-stulz-wib8000"), 0);
    give(&out, "clim1", "ambient.temperature", "", 24.5, now);
    give(&out, "clim1", "ambient.humidity", "", 41, now);
    assert_int_equal(outbox_end_cycle(o), 7);
    assert_int_equal(spool_count(s), 3);
    assert_null(outbox_take_unspooled(o));
    replay_all(s);
    assert_int_equal(nbodies, 3);

    const size_t counts[3] = {3, 3, 1};
    const char *devs[3][2] = {{"ups1", NULL}, {"ups1", "clim1"}, {"clim1", NULL}};
    uint64_t seq0 = 0;
    for (size_t k = 0; k < 3; k++) {
        push_batch *b = decode(bodies[k]);
        assert_string_equal(push_batch_agent(b), "nro-doullens");
        if (k == 0)
            seq0 = push_batch_seq(b);
        assert_int_equal(push_batch_seq(b), seq0 + k); /* numbered in order, one number each */
        assert_int_equal(push_batch_count(b), counts[k]);
        size_t nd = devs[k][1] ? 2 : 1;
        assert_int_equal(push_batch_device_count(b), nd);
        for (size_t i = 0; i < nd; i++)
            assert_string_equal(push_batch_device_at(b, i)->name, devs[k][i]);
        for (size_t i = 0; i < push_batch_count(b); i++)
            assert_int_equal(push_batch_at(b, i)->ts, now);
        push_batch_free(b);
    }
    push_batch *b = decode(bodies[1]);
    assert_string_equal(push_batch_at(b, 0)->instance, "L4");
    assert_true(push_batch_at(b, 1)->value == 234);
    assert_string_equal(push_batch_at(b, 2)->metric, "ambient.temperature");
    assert_true(push_batch_at(b, 2)->value == 24.5);
    assert_string_equal(push_batch_device_class(b, "clim1"), "cooling");
    push_batch_free(b);
    outbox_free(o);
    spool_close(s);
}

static void test_optional_fields_per_sample(void **state)
{
    spool *s = open_spool();
    outbox *o = outbox_new(s, "nro-doullens", 0);
    int64_t now = time(NULL);
    poll_sink out = outbox_sink(o, now);
    assert_int_equal(out.device(out.ctx, "pdu1", "pdu", "pdu-apc-rpdu2"), 0);
    push_sample a;
    assert_int_equal(push_sample_set(&a, "pdu1", "outlet.status", "12", 1, "state", now), 0);
    snprintf(a.text, sizeof a.text, "on");
    snprintf(a.label, sizeof a.label, "Baie B3 \"serveur\" é");
    a.sev = SEV_OK;
    assert_int_equal(out.sample(out.ctx, &a), 0);
    give(&out, "pdu1", "outlet.current", "12", 0.25, now); /* no text, label nor severity */
    /* a value the server would refuse is kept out of the push, not sent to spoil it */
    push_sample bad;
    assert_int_equal(push_sample_set(&bad, "pdu1", "outlet.current", "13", NAN, "A", now), 0);
    assert_int_equal(out.sample(out.ctx, &bad), -1);
    assert_int_equal(outbox_end_cycle(o), 2);
    replay_all(s);
    assert_int_equal(nbodies, 1);
    push_batch *b = decode(bodies[0]);
    assert_int_equal(push_batch_count(b), 2);
    const push_sample *x = push_batch_at(b, 0), *y = push_batch_at(b, 1);
    assert_string_equal(x->text, "on");
    assert_string_equal(x->label, "Baie B3 \"serveur\" é");
    assert_int_equal(x->sev, SEV_OK);
    assert_string_equal(y->text, "");
    assert_string_equal(y->label, "");
    assert_int_equal(y->sev, SEV_NONE);
    assert_true(y->value == 0.25);
    push_batch_free(b);
    outbox_free(o);
    spool_close(s);
}

static void test_empty_cycle_still_pushed(void **state)
{
    spool *s = open_spool();
    outbox *o = outbox_new(s, "nro-doullens", 0);
    assert_int_equal(outbox_end_cycle(o), 0);
    assert_int_equal(spool_count(s), 1);
    replay_all(s);
    push_batch *b = decode(bodies[0]);
    assert_int_equal(push_batch_count(b), 0);
    assert_int_equal(push_batch_device_count(b), 0);
    push_batch_free(b);
    outbox_free(o);
    spool_close(s);
}

/* A folder with a file in it where `name` should be written: the rename over it fails, as on a full
 * disk (root would still write a read-only file). */
static void block(const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(mkdir(path, 0750), 0);
    assert_int_equal(mkdir(strcat(path, "/x"), 0750), 0);
}

static void unblock(const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s/x", dir, name);
    assert_int_equal(rmdir(path), 0);
    path[strlen(path) - 2] = '\0';
    assert_int_equal(rmdir(path), 0);
}

/* The sequence number cannot be recorded: no number is used, the pushes are held in memory
 * unnumbered (not sent: a restart could give their numbers again), and once the number can be
 * recorded they are numbered and spooled, oldest first, with the numbers that follow the last one. */
static void test_seq_not_recorded_holds_pushes(void **state)
{
    spool *s = open_spool();
    outbox *o = outbox_new(s, "nro-doullens", 2);
    uint64_t last = spool_last_seq(s);
    block("seq");
    int64_t now = time(NULL);
    poll_sink out = outbox_sink(o, now);
    assert_int_equal(out.device(out.ctx, "ups1", "ups", "ups-rfc1628"), 0);
    for (int i = 0; i < 3; i++)
        give(&out, "ups1", "battery.charge", "", 90 + i, now);
    assert_int_equal(outbox_end_cycle(o), 3);
    assert_int_equal(spool_count(s), 0);
    assert_int_equal(outbox_held(o), 2);
    assert_true(outbox_seq_failures(o) >= 2);
    assert_null(outbox_take_unspooled(o)); /* nothing to be sent without a number on disk */
    assert_int_equal(spool_last_seq(s), last);
    assert_false(outbox_retry(o)); /* still blocked: still held */
    assert_int_equal(outbox_held(o), 2);
    unblock("seq");
    assert_true(outbox_retry(o));
    assert_int_equal(outbox_held(o), 0);
    assert_int_equal(spool_count(s), 2);
    assert_int_equal(spool_last_seq(s), last + 2);
    replay_all(s);
    assert_int_equal(nbodies, 2);
    size_t n[2] = {2, 1};
    for (int k = 0; k < 2; k++) {
        push_batch *b = decode(bodies[k]);
        assert_int_equal(push_batch_count(b), n[k]);
        assert_int_equal(push_batch_seq(b), last + 1 + k);
        push_batch_free(b);
    }
    outbox_free(o);
    spool_close(s);
}

/* The number is recorded but the batch cannot be written: kept in memory, to be sent without a copy. */
static void test_unspooled_kept_in_memory(void **state)
{
    spool *s = open_spool();
    outbox *o = outbox_new(s, "nro-doullens", 2);
    uint64_t last = spool_last_seq(s);
    for (uint64_t k = 1; k <= 2; k++) {
        char name[64];
        snprintf(name, sizeof name, "%020llu.json", (unsigned long long)(last + k));
        block(name);
    }
    int64_t now = time(NULL);
    poll_sink out = outbox_sink(o, now);
    assert_int_equal(out.device(out.ctx, "ups1", "ups", "ups-rfc1628"), 0);
    for (int i = 0; i < 3; i++)
        give(&out, "ups1", "battery.charge", "", 90 + i, now);
    assert_int_equal(outbox_end_cycle(o), 3);
    assert_int_equal(spool_count(s), 0);
    assert_int_equal(outbox_held(o), 0);
    size_t n[2] = {2, 1};
    for (int k = 0; k < 2; k++) {
        char *body = outbox_take_unspooled(o);
        assert_non_null(body);
        push_batch *b = decode(body);
        assert_int_equal(push_batch_count(b), n[k]);
        assert_int_equal(push_batch_seq(b), last + 1 + k);
        push_batch_free(b);
        free(body);
    }
    assert_null(outbox_take_unspooled(o));
    outbox_free(o);
    spool_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_slices_and_devices, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_optional_fields_per_sample, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_empty_cycle_still_pushed, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_unspooled_kept_in_memory, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_seq_not_recorded_holds_pushes, setup_each, teardown_each),
    };
    return cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
}
