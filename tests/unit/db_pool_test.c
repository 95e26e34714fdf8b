/* db_pool (server/store/db_pool.h): each thread gets a connection of its own, kept for the thread and
 * closed when it ends; a read transaction sees the database as it was when it began while another
 * connection writes and commits (WAL: the writer does not wait for the reader). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/db_pool.h"
#include "test_db.h"
#include "test_util.h"

#define T0 1790000040LL

typedef struct {
    char *dir;
    char path[600];
    db *main; /* the migrating first connection, as the server's main thread has */
    db_pool *pool;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_tmpdir();
    snprintf(f->path, sizeof f->path, "%s/vigie.db", f->dir);
    vg_err err;
    if (db_open(tu_db(f->path), &f->main, &err) != VG_OK || db_pool_new(tu_db(f->path), &f->pool, &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_pool_free(f->pool);
    db_close(f->main);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void store(db *d, uint64_t seq, const char *device)
{
    push_batch *b = push_batch_new("a1", seq);
    push_sample s;
    assert_int_equal(push_sample_set(&s, device, "battery.charge", "", 90, "%", T0), 0);
    assert_int_equal(push_batch_add(b, &s), 0);
    vg_err err;
    assert_int_equal(db_batch_store(d, "nro", b, T0, &err), VG_OK);
    push_batch_free(b);
}

static void count_row(void *ctx, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    (void)site, (void)agent, (void)s, (void)received;
    (*(int *)ctx)++;
}

static int latest_rows(db *d)
{
    int n = 0;
    assert_int_equal(db_latest_each(d, count_row, &n, NULL), VG_OK);
    return n;
}

typedef struct {
    fixture *f;
    db *got[2];
    sem_t asked, written; /* reader -> writer: snapshot taken; writer -> reader: committed */
    int before, during, after;
} run;

static void *get_twice(void *arg)
{
    run *r = arg;
    vg_err err;
    r->got[0] = db_pool_get(r->f->pool, &err);
    r->got[1] = db_pool_get(r->f->pool, &err);
    return NULL;
}

static void test_connection_per_thread(void **state)
{
    fixture *f = *state;
    run a = {.f = f}, b = {.f = f};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, get_twice, &a), 0);
    assert_int_equal(pthread_join(ta, NULL), 0);
    assert_non_null(a.got[0]);
    assert_ptr_equal(a.got[0], a.got[1]); /* kept for the thread */
    assert_int_equal(db_pool_size(f->pool), 0); /* and closed when it ended */
    vg_err err;
    db *mine = db_pool_get(f->pool, &err);
    assert_non_null(mine);
    assert_ptr_not_equal(mine, f->main);
    assert_int_equal(pthread_create(&tb, NULL, get_twice, &b), 0);
    assert_int_equal(pthread_join(tb, NULL), 0);
    assert_ptr_not_equal(b.got[0], mine);
    assert_int_equal(db_pool_size(f->pool), 1); /* this thread's, closed by db_pool_free */
}

static void *reader(void *arg)
{
    run *r = arg;
    vg_err err;
    db *d = db_pool_get(r->f->pool, &err);
    assert_non_null(d);
    bool began = false;
    assert_int_equal(db_read_begin(d, &began, &err), VG_OK);
    assert_true(began);
    r->before = latest_rows(d);
    sem_post(&r->asked);
    sem_wait(&r->written);
    r->during = latest_rows(d); /* the same snapshot */
    db_read_end(d, began);
    r->after = latest_rows(d);
    return NULL;
}

static void test_read_snapshot(void **state)
{
    fixture *f = *state;
    store(f->main, 1, "ups1");
    run r = {.f = f};
    sem_init(&r.asked, 0, 0);
    sem_init(&r.written, 0, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, reader, &r), 0);
    sem_wait(&r.asked);
    store(f->main, 2, "ups2"); /* commits while the reader's transaction is open: WAL lets it */
    sem_post(&r.written);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(r.before, 1);
    assert_int_equal(r.during, 1);
    assert_int_equal(r.after, 2);
    sem_destroy(&r.asked);
    sem_destroy(&r.written);
}

static void test_read_nested(void **state)
{
    fixture *f = *state;
    vg_err err;
    bool outer = false, inner = true;
    assert_int_equal(db_read_begin(f->main, &outer, &err), VG_OK);
    assert_int_equal(db_read_begin(f->main, &inner, &err), VG_OK);
    assert_true(outer);
    assert_false(inner); /* the open transaction is the snapshot; the inner end leaves it open */
    db_read_end(f->main, inner);
    db_read_end(f->main, outer);
    store(f->main, 3, "ups3"); /* a write works again: nothing was left open */
    assert_int_equal(latest_rows(f->main), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connection_per_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_nested, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
