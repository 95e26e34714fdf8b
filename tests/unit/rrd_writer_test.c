/* The RRD writer process (server/rrd_writer.c): batches written by a child, its answers (counts and
 * errors) back in the server, the order of batches sent by several threads at once, a child that dies
 * (the batch fails, the next one goes to a new child), and real RRD files through rrd_store. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <rrd.h>
#include <signal.h>
#include <sys/stat.h>

#include "store/rrd_writer.h"
#include "test_util.h"

static char *dir;

static int setup_each(void **state)
{
    (void)state;
    dir = tu_tmpdir();
    return 0;
}

static int teardown_each(void **state)
{
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* The function the child runs: appends "SITE SEQ VALUE" per sample to dir/log; site "bad" fails with
 * a message, site "crash" kills the child. */
static vg_code log_fn(void *ctx, const char *site, const push_batch *b, rrd_store_stats *st, vg_err *err)
{
    (void)ctx;
    if (strcmp(site, "crash") == 0)
        raise(SIGKILL);
    if (strcmp(site, "bad") == 0)
        return vg_fail(err, VG_E_IO, "cannot write %s: disk full", push_batch_at(b, 0)->device);
    if (strcmp(site, "fates") == 0) { /* every other sample of the frame fails, named by its instance */
        rrd_store_stats_init(st, push_batch_count(b));
        for (size_t i = 0; i < push_batch_count(b); i++) {
            st->fate[i] = i % 2 ? RRD_SAMPLE_FAILED : RRD_SAMPLE_WRITTEN;
            if (i % 2) {
                st->failures[st->nfailures].index = i;
                snprintf(st->failures[st->nfailures++].reason, RRD_STORE_REASON_MAX, "%s failed",
                         push_batch_at(b, i)->instance);
                st->failed_series++;
            }
        }
        rrd_store_stats_count(st);
        return VG_OK;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/log", dir);
    FILE *f = fopen(path, "a");
    if (!f)
        return vg_fail(err, VG_E_IO, "%s: %s", path, strerror(errno));
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        fprintf(f, "%s %s %s %s %lld %.17g\n", site, s->device, s->metric, s->instance[0] ? s->instance : "-",
                (long long)s->ts, s->value);
        if (ctx) /* the split test: which child wrote it */
            fprintf(f, "pid %s %ld\n", s->device, (long)getpid());
        st->written++;
    }
    st->stale = 1; /* to see that the counts come back */
    fclose(f);
    return VG_OK;
}

static push_batch *batch_of(const char *device, int64_t ts, int n)
{
    push_batch *b = push_batch_new("test", 1);
    for (int i = 0; i < n; i++) {
        push_sample s;
        memset(&s, 0, sizeof s);
        snprintf(s.device, sizeof s.device, "%s", device);
        snprintf(s.metric, sizeof s.metric, "outlet.current");
        snprintf(s.instance, sizeof s.instance, "Outlet %d", i + 1);
        s.ts = ts;
        s.value = i + 0.25;
        push_batch_add(b, &s);
    }
    return b;
}

static char *read_log(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/log", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void test_batch_and_answers(void **state)
{
    (void)state;
    vg_err err;
    rrd_writer *w = rrd_writer_start(log_fn, NULL, &err);
    assert_non_null(w);
    pid_t child = rrd_writer_pid(w);
    assert_true(child > 0 && child != getpid());
    push_batch *b = batch_of("pdu-a1", 1790000000, 3);
    rrd_store_stats st = {0};
    assert_int_equal(rrd_writer_write(w, "italie", b, &st, &err), VG_OK);
    assert_int_equal(st.written, 3);
    assert_int_equal(st.stale, 1);
    char *log = read_log();
    /* names with spaces, instances and exact values cross the channel unchanged */
    assert_string_equal(log, "italie pdu-a1 outlet.current Outlet 1 1790000000 0.25\n"
                             "italie pdu-a1 outlet.current Outlet 2 1790000000 1.25\n"
                             "italie pdu-a1 outlet.current Outlet 3 1790000000 2.25\n");
    free(log);
    /* a failure in the child comes back with its message, and the child goes on */
    assert_int_equal(rrd_writer_write(w, "bad", b, &st, &err), VG_E_IO);
    assert_int_equal(err.code, VG_E_IO);
    assert_string_equal(err.msg, "cannot write pdu-a1: disk full");
    assert_int_equal(st.written, 0);
    assert_int_equal(rrd_writer_pid(w), child);
    /* an empty batch */
    push_batch *empty = push_batch_new("test", 2);
    assert_int_equal(rrd_writer_write(w, "italie", empty, &st, &err), VG_OK);
    assert_int_equal(st.written, 0);
    rrd_store_stats_clear(&st);
    push_batch_free(empty);
    push_batch_free(b);
    rrd_writer_free(w);
    /* freed: the child was waited for */
    assert_int_equal(kill(child, 0), -1);
    assert_int_equal(errno, ESRCH);
}

static void test_child_dies(void **state)
{
    (void)state;
    vg_err err;
    rrd_writer *w = rrd_writer_start(log_fn, NULL, &err);
    assert_non_null(w);
    pid_t first = rrd_writer_pid(w);
    push_batch *b = batch_of("ups1", 1790000000, 2);
    rrd_store_stats st = {0};
    assert_int_equal(rrd_writer_write(w, "crash", b, &st, &err), VG_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "killed by signal 9"));
    assert_non_null(strstr(err.msg, "a new one was started"));
    pid_t second = rrd_writer_pid(w);
    assert_true(second > 0 && second != first);
    /* the next batch goes to the new child */
    assert_int_equal(rrd_writer_write(w, "doullens", b, &st, &err), VG_OK);
    assert_int_equal(st.written, 2);
    /* killed from outside between two batches: the next batch fails, the one after is written */
    assert_int_equal(kill(second, SIGKILL), 0);
    vg_code rc = rrd_writer_write(w, "doullens", b, &st, &err);
    if (rc != VG_OK) {
        assert_int_equal(rc, VG_E_UNAVAILABLE);
        assert_non_null(strstr(err.msg, "RRD writer process"));
    }
    assert_int_equal(rrd_writer_write(w, "doullens", b, &st, &err), VG_OK);
    pid_t third = rrd_writer_pid(w);
    assert_true(third != second);
    /* killed while idle: the check (the server's timer) finds it, says how, and starts another */
    assert_int_equal(rrd_writer_check(w, &err), VG_OK);
    assert_int_equal(kill(third, SIGKILL), 0);
    vg_code found = VG_OK;
    for (int i = 0; i < 200 && found == VG_OK; i++) {
        found = rrd_writer_check(w, &err);
        if (found == VG_OK)
            usleep(10000);
    }
    assert_int_equal(found, VG_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "killed by signal 9"));
    assert_true(rrd_writer_pid(w) > 0 && rrd_writer_pid(w) != third);
    assert_int_equal(kill(third, 0), -1); /* reaped, not left a zombie */
    assert_int_equal(rrd_writer_write(w, "doullens", b, &st, &err), VG_OK);
    assert_int_equal(st.written, 2);
    assert_int_equal(rrd_writer_restarts(w), 3); /* the crash, the kill between batches, the idle kill */
    rrd_store_stats_clear(&st);
    push_batch_free(b);
    rrd_writer_free(w);
}

#define THREADS 4
#define PER_THREAD 40

typedef struct {
    rrd_writer *w;
    int id;
    int failures;
} sender;

static void *send_many(void *arg)
{
    sender *s = arg;
    char device[32];
    vg_err err;
    snprintf(device, sizeof device, "dev-%d", s->id);
    for (int k = 0; k < PER_THREAD; k++) {
        push_batch *b = batch_of(device, 1790000000 + 60 * k, 1 + k % 7);
        rrd_store_stats st = {0};
        if (rrd_writer_write(s->w, "italie", b, &st, &err) != VG_OK || st.written != (size_t)(1 + k % 7))
            s->failures++;
        rrd_store_stats_clear(&st);
        push_batch_free(b);
    }
    return NULL;
}

static void test_threads_keep_order(void **state)
{
    (void)state;
    vg_err err;
    rrd_writer *w = rrd_writer_start(log_fn, NULL, &err);
    assert_non_null(w);
    pthread_t t[THREADS];
    sender s[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = (sender){.w = w, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, send_many, &s[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(s[i].failures, 0);
    }
    rrd_writer_free(w);
    /* every sample of every batch is there once, and each thread's batches in the order it sent them */
    char *log = read_log();
    long long last[THREADS];
    int count[THREADS] = {0};
    for (int i = 0; i < THREADS; i++)
        last[i] = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        int id;
        long long ts;
        assert_int_equal(sscanf(line, "italie dev-%d outlet.current Outlet %*d %lld", &id, &ts), 2);
        assert_true(id >= 0 && id < THREADS);
        assert_true(ts >= last[id]);
        last[id] = ts;
        count[id]++;
    }
    int want = 0;
    for (int k = 0; k < PER_THREAD; k++)
        want += 1 + k % 7;
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(count[i], want);
    free(log);
}

/* dev-0 and dev-2 to writer 0, dev-1 and dev-3 to writer 1 */
static size_t route_by_number(const push_sample *s, size_t n)
{
    return (size_t)atoi(s->device + 4) % n;
}

static void test_split_between_writers(void **state)
{
    (void)state;
    vg_err err;
    static int tag;
    rrd_writer *ws[2] = {rrd_writer_start(log_fn, &tag, &err), rrd_writer_start(log_fn, &tag, &err)};
    assert_non_null(ws[0]);
    assert_non_null(ws[1]);
    push_batch *b = push_batch_new("test", 1);
    for (int d = 0; d < 4; d++) {
        push_sample one;
        memset(&one, 0, sizeof one);
        snprintf(one.device, sizeof one.device, "dev-%d", d);
        snprintf(one.metric, sizeof one.metric, "ups.load");
        one.ts = 1790000000;
        one.value = d;
        push_batch_add(b, &one);
        push_batch_add(b, &one);
    }
    rrd_store_stats st = {0};
    assert_int_equal(rrd_writer_write_split(ws, 2, route_by_number, "italie", b, &st, &err), VG_OK);
    assert_int_equal(st.written, 8);
    assert_int_equal(st.stale, 2); /* each child's answer counted once */
    /* each device's samples were written by its writer, and the two writers were used */
    char *log = read_log();
    long pid_of[4] = {0, 0, 0, 0};
    int lines = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        int d;
        long pid;
        if (sscanf(line, "pid dev-%d %ld", &d, &pid) != 2)
            continue;
        assert_true(d >= 0 && d < 4);
        assert_true(pid_of[d] == 0 || pid_of[d] == pid);
        pid_of[d] = pid;
        lines++;
    }
    free(log);
    assert_int_equal(lines, 8);
    assert_int_equal(pid_of[0], rrd_writer_pid(ws[0]));
    assert_int_equal(pid_of[2], rrd_writer_pid(ws[0]));
    assert_int_equal(pid_of[1], rrd_writer_pid(ws[1]));
    assert_int_equal(pid_of[3], rrd_writer_pid(ws[1]));
    /* one writer failing fails the batch, with its message; the other share is written */
    assert_int_equal(rrd_writer_write_split(ws, 2, route_by_number, "bad", b, &st, &err), VG_E_IO);
    assert_non_null(strstr(err.msg, "disk full"));
    assert_int_equal(rrd_writer_write_split(ws, 0, route_by_number, "italie", b, &st, &err), VG_E_INVALID);
    /* a writer killed: the batch fails, the next one is written by a new child */
    assert_int_equal(kill(rrd_writer_pid(ws[1]), SIGKILL), 0);
    vg_code rc = rrd_writer_write_split(ws, 2, route_by_number, "italie", b, &st, &err);
    if (rc != VG_OK)
        assert_non_null(strstr(err.msg, "RRD writer process"));
    assert_int_equal(rrd_writer_write_split(ws, 2, route_by_number, "italie", b, &st, &err), VG_OK);
    assert_int_equal(st.written, 8);
    rrd_store_stats_clear(&st);
    push_batch_free(b);
    rrd_writer_free(ws[0]);
    rrd_writer_free(ws[1]);
}

/* The server's case: rrd_store with its writer writes real files, which this process reads back. */
static void test_store_through_writer(void **state)
{
    (void)state;
    char path[1200];
    vg_err err;
    rrd_store *s = rrd_store_new(dir, 60);
    assert_non_null(s);
    assert_int_equal(rrd_store_start_writer(s, &err), VG_OK);
    pid_t pids[4];
    size_t nw = rrd_store_writer_pids(s, pids, 4);
    assert_true(nw >= 1 && nw <= 4);
    for (size_t i = 0; i < nw; i++)
        assert_true(pids[i] > 0 && kill(pids[i], 0) == 0);
    push_batch *b = batch_of("pdu-a1", 1790000040, 2);
    rrd_store_stats st = {0};
    assert_int_equal(rrd_store_write(s, "italie", b, &st, &err), VG_OK);
    assert_int_equal(st.written, 2);
    assert_int_equal(rrd_store_path(s, "italie", "pdu-a1", "outlet.current", "Outlet 2", path, sizeof path), 0);
    assert_int_equal(rrd_last_r(path), 1790000040);
    /* the same times again: at the files' last update, duplicates, counted stale by the child */
    assert_int_equal(rrd_store_write(s, "italie", b, &st, &err), VG_OK);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.stale, 2);
    assert_int_equal(st.nfate, 2);
    assert_int_equal(st.fate[0], RRD_SAMPLE_DUPLICATE);
    assert_int_equal(st.fate[1], RRD_SAMPLE_DUPLICATE);
    /* a file that cannot be written fails alone, named with the file, at its index in the batch: here
     * a file stands where the device's folder should be; the other devices (other writers) are written */
    push_batch_free(b);
    b = push_batch_new("test", 2);
    const char *devices[] = {"pdu-a1", "pdu-a2", "pdu-a3", "pdu-a4", "pdu-a2"};
    for (int i = 0; i < 5; i++) {
        push_sample smp = {.ts = i == 4 ? 1790000160 : i == 0 ? 1790000000 : 1790000100, .value = i};
        snprintf(smp.device, sizeof smp.device, "%s", devices[i]);
        snprintf(smp.metric, sizeof smp.metric, "outlet.current");
        snprintf(smp.instance, sizeof smp.instance, "Outlet 1");
        push_batch_add(b, &smp);
    }
    char blocker[700], ignored[700];
    snprintf(blocker, sizeof blocker, "%s/rrd/italie", dir);
    tu_write(blocker, "pdu-a2", "not a folder", ignored, sizeof ignored);
    assert_int_equal(rrd_store_write(s, "italie", b, &st, &err), VG_OK);
    unsigned char want[] = {RRD_SAMPLE_STALE, RRD_SAMPLE_FAILED, RRD_SAMPLE_WRITTEN, RRD_SAMPLE_WRITTEN,
                            RRD_SAMPLE_FAILED};
    assert_int_equal(st.nfate, 5);
    assert_memory_equal(st.fate, want, 5);
    assert_int_equal(st.written, 2);
    assert_int_equal(st.stale, 1);
    assert_int_equal(st.failed, 2);
    assert_int_equal(st.failed_series, 1);
    assert_int_equal(st.nfailures, 1);
    assert_int_equal(st.failures[0].index, 1); /* the oldest sample of the series */
    if (!strstr(st.failures[0].reason, "/rrd/italie/pdu-a2/outlet.current@Outlet%201.rrd: "))
        fail_msg("reason without the file: %s", st.failures[0].reason);
    assert_string_equal(rrd_store_stats_reason(&st, b, 4), st.failures[0].reason);
    push_batch *ok = rrd_store_stats_select(&st, b, 1u << RRD_SAMPLE_WRITTEN);
    assert_int_equal(push_batch_count(ok), 2);
    assert_string_equal(push_batch_at(ok, 0)->device, "pdu-a3");
    push_batch_free(ok);
    rrd_store_stats_clear(&st);
    push_batch_free(b);
    rrd_store_free(s);
}

static size_t route_by_outlet(const push_sample *s, size_t n)
{
    return (size_t)atoi(s->instance + strlen("Outlet ")) % n;
}

/* The writer's answer carries a fate per sample and the reasons, put back at their index in the batch
 * when it is split between writers (log_fn's site "fates": every other sample fails). */
static void test_fates_cross_the_channel(void **state)
{
    (void)state;
    vg_err err;
    rrd_writer *ws[2] = {rrd_writer_start(log_fn, NULL, &err), rrd_writer_start(log_fn, NULL, &err)};
    assert_non_null(ws[0]);
    assert_non_null(ws[1]);
    push_batch *b = batch_of("pdu-b1", 1790000000, 9);
    rrd_store_stats st = {0};
    assert_int_equal(rrd_writer_write_split(ws, 2, route_by_outlet, "fates", b, &st, &err), VG_OK);
    assert_int_equal(st.nfate, 9);
    size_t failed = 0;
    for (size_t i = 0; i < 9; i++) {
        /* Outlet N goes to writer N % 2, where the frame's samples 1 and 3 fail: Outlets 4, 8 and 3, 7 */
        failed += st.fate[i] == RRD_SAMPLE_FAILED;
        assert_true(st.fate[i] == RRD_SAMPLE_FAILED || st.fate[i] == RRD_SAMPLE_WRITTEN);
    }
    assert_int_equal(failed, st.failed);
    assert_int_equal(st.nfailures, st.failed_series);
    for (size_t f = 0; f < st.nfailures; f++) {
        char want[64];
        snprintf(want, sizeof want, "Outlet %zu failed", st.failures[f].index + 1);
        assert_string_equal(st.failures[f].reason, want); /* the index is the batch's, not the frame's */
        assert_int_equal(st.fate[st.failures[f].index], RRD_SAMPLE_FAILED);
    }
    assert_int_equal(failed, 4);
    assert_int_equal(st.fate[2], RRD_SAMPLE_FAILED);
    assert_int_equal(st.fate[3], RRD_SAMPLE_FAILED);
    assert_int_equal(st.fate[6], RRD_SAMPLE_FAILED);
    assert_int_equal(st.fate[7], RRD_SAMPLE_FAILED);
    rrd_store_stats_clear(&st);
    push_batch_free(b);
    rrd_writer_free(ws[0]);
    rrd_writer_free(ws[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_and_answers, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_child_dies, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_threads_keep_order, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_split_between_writers, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_fates_cross_the_channel, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_store_through_writer, setup_each, teardown_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
