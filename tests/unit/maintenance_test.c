/* The maintenance windows of the store (db_maintenance.c, db_maintenance_occ.c): ids never reused,
 * also across a restart; a series listed occurrence by occurrence with one-off windows, moved ones at
 * their new times, cancelled ones left out (or flagged when asked); overlaps refused; deleting a series
 * takes its occurrences; retention by last_end. Times: 2026-01-01T00:00Z = 1767225600, Paris +1 h
 * until 29 March 01:00Z, +2 h after. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "test_db.h"
#include "test_util.h"

#define T2026 1767225600LL
#define DAY 86400LL
#define H 3600LL
#define AT(day, hh, mm) (T2026 + (day) * DAY + (hh) * H + (mm) * 60LL)
#define PARIS "Europe/Paris"
#define FIRST_TUE "FREQ=MONTHLY;BYDAY=1TU"

typedef struct {
    char *dir;
    char path[600];
    db *d;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_tmpdir();
    snprintf(f->path, sizeof f->path, "%s/vigie.db", f->dir);
    vg_err err;
    if (db_open(tu_db(f->path), &f->d, &err) != VG_OK)
        fail_msg("%s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_close(f->d);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static int64_t one_off(db *d, int64_t start, int64_t end)
{
    int64_t id;
    vg_err err;
    if (db_maintenance_add(d, "italie", "", start, end, "works", "ops", start, &id, &err) != VG_OK)
        fail_msg("%s", err.msg);
    return id;
}

static int64_t series(db *d, const char *service, int64_t start, int64_t end, const char *rule)
{
    int64_t id;
    vg_err err;
    if (db_maintenance_add_series(d, "italie", service, start, end, rule, PARIS, "generator test", "ops", start, &id,
                                  &err) != VG_OK)
        fail_msg("%s: %s", rule, err.msg);
    return id;
}

static int64_t count_rows(const char *path, const char *sql)
{
    long long n = tu_db_count(path, sql);
    assert_true(n >= 0);
    return n;
}

/* A deleted id is never given again: not after deleting the highest, not after a restart. */
static void test_ids_never_reused(void **state)
{
    fixture *f = *state;
    int64_t a = one_off(f->d, AT(1, 8, 0), AT(1, 9, 0));
    int64_t b = series(f->d, "", AT(5, 8, 0), AT(5, 9, 0), FIRST_TUE);
    assert_int_equal(b, a + 1);
    assert_int_equal(db_maintenance_delete(f->d, b, NULL), VG_OK);
    int64_t c = one_off(f->d, AT(2, 8, 0), AT(2, 9, 0));
    assert_int_equal(c, a + 2); /* an INTEGER PRIMARY KEY alone would give b again */
    assert_int_equal(db_maintenance_delete(f->d, c, NULL), VG_OK);
    db_close(f->d);
    vg_err err;
    if (db_open(tu_db(f->path), &f->d, &err) != VG_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(one_off(f->d, AT(3, 8, 0), AT(3, 9, 0)), a + 3);
    assert_int_equal(db_maintenance_delete(f->d, b, &err), VG_E_NOT_FOUND);
    assert_string_equal(err.field, "id");
}

static const db_maint_item *find(const db_maint_item *v, size_t n, int64_t id, int64_t occ)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id && v[i].w.occurrence == occ)
            return &v[i];
    return NULL;
}

/* January to April: the first Tuesdays (6 Jan, 3 Feb, 3 Mar at 08:00Z; 7 Apr at 07:00Z), a one-off on
 * 10 February and four weekly Wednesday self-tests from 25 March (13:00Z, then 12:00Z). */
static void test_list_move_cancel(void **state)
{
    fixture *f = *state;
    int64_t gen = series(f->d, "", AT(5, 8, 0), AT(5, 9, 0), FIRST_TUE);
    int64_t once = one_off(f->d, AT(40, 9, 0), AT(40, 11, 0));
    int64_t ups = series(f->d, "power", AT(83, 13, 0), AT(83, 13, 30), "FREQ=WEEKLY;BYDAY=WE;COUNT=4");
    avail_window *w;
    int64_t *ids;
    size_t n;
    assert_int_equal(db_maintenance_list(f->d, "italie", T2026, AT(120, 0, 0), &w, &n, &ids), VG_OK);
    static const int64_t starts[9] = {AT(5, 8, 0),   AT(33, 8, 0), AT(40, 9, 0),  AT(61, 8, 0),  AT(83, 13, 0),
                                      AT(90, 12, 0), AT(96, 7, 0), AT(97, 12, 0), AT(104, 12, 0)};
    assert_int_equal(n, 9);
    for (size_t i = 0; i < n; i++) {
        if (w[i].start != starts[i])
            fail_msg("window %zu starts at %lld, wanted %lld", i, (long long)w[i].start, (long long)starts[i]);
        assert_int_equal(w[i].occurrence, ids[i] == once ? 0 : starts[i]);
        assert_int_equal(ids[i], i == 2 ? once : i == 4 || i == 5 || i == 7 || i == 8 ? ups : gen);
    }
    assert_int_equal(w[4].end, AT(83, 13, 30));
    assert_string_equal(w[4].service, "power");
    free(w);
    free(ids);

    /* 3 March moves to 4 March 09:00 local; 7 April is cancelled */
    vg_err err;
    assert_int_equal(db_maintenance_occurrence_set(f->d, gen, AT(61, 8, 0), AT(62, 8, 0), AT(62, 9, 0), "moved test",
                                                   "alice", AT(50, 0, 0), &err),
                     VG_OK);
    assert_int_equal(db_maintenance_occurrence_cancel(f->d, gen, AT(96, 7, 0), "bob", AT(50, 0, 0), &err), VG_OK);
    assert_int_equal(db_maintenance_list(f->d, "italie", T2026, AT(120, 0, 0), &w, &n, &ids), VG_OK);
    assert_int_equal(n, 8);
    assert_int_equal(w[3].start, AT(62, 8, 0));
    assert_int_equal(w[3].end, AT(62, 9, 0));
    assert_int_equal(w[3].occurrence, AT(61, 8, 0));
    assert_string_equal(w[3].reason, "moved test");
    assert_string_equal(w[3].who, "alice");
    for (size_t i = 0; i < n; i++)
        assert_true(w[i].occurrence != AT(96, 7, 0));
    free(w);
    free(ids);
    /* the flags, and the cancelled one when asked for */
    db_maint_item *it;
    bool truncated;
    assert_int_equal(db_maintenance_items(f->d, NULL, T2026, AT(120, 0, 0), true, &it, &n, &truncated, &err), VG_OK);
    assert_int_equal(n, 9);
    assert_false(truncated);
    const db_maint_item *moved = find(it, n, gen, AT(61, 8, 0)), *gone = find(it, n, gen, AT(96, 7, 0));
    assert_non_null(moved);
    assert_true(moved->moved && !moved->cancelled);
    assert_string_equal(moved->rrule, FIRST_TUE);
    assert_string_equal(moved->tz, PARIS);
    assert_non_null(gone);
    assert_true(gone->cancelled && !gone->moved);
    assert_int_equal(gone->w.start, AT(96, 7, 0));
    assert_string_equal(gone->w.who, "bob");
    assert_false(find(it, n, gen, AT(5, 8, 0))->moved);
    assert_string_equal(find(it, n, once, 0)->rrule, "");
    free(it);
    /* a period that holds only the new time finds it; the old time has nothing of the series */
    assert_int_equal(db_maintenance_list(f->d, "italie", AT(62, 0, 0), AT(63, 0, 0), &w, &n, &ids), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], gen);
    free(w);
    free(ids);
    assert_int_equal(db_maintenance_list(f->d, "italie", AT(61, 0, 0), AT(62, 0, 0), &w, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    free(w);
    /* alert muting's instant query: inside the moved window, and inside a weekly one */
    assert_int_equal(db_maintenance_list(f->d, "italie", AT(62, 8, 30), AT(62, 8, 30) + 1, &w, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    free(w);
    assert_int_equal(db_maintenance_list(f->d, "italie", AT(97, 12, 10), AT(97, 12, 10) + 1, &w, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(w[0].service, "power");
    free(w);
}

static void test_refusals(void **state)
{
    fixture *f = *state;
    int64_t gen = series(f->d, "", AT(5, 8, 0), AT(5, 9, 0), FIRST_TUE);
    int64_t once = one_off(f->d, AT(40, 9, 0), AT(40, 11, 0));
    vg_err err;
    int64_t id;
    /* a bad rule is refused by the store too, naming the part */
    assert_int_equal(db_maintenance_add_series(f->d, "italie", "", AT(5, 8, 0), AT(5, 9, 0), "FREQ=HOURLY", PARIS, "x",
                                               "ops", 0, &id, &err),
                     VG_E_INVALID);
    assert_string_equal(err.field, "rrule");
    /* 6 January onto 3 February 09:30: it would overlap that occurrence */
    assert_int_equal(db_maintenance_occurrence_set(f->d, gen, AT(5, 8, 0), AT(33, 8, 30), AT(33, 9, 30), "x", "ops", 0,
                                                   &err),
                     VG_E_CONFLICT);
    assert_string_equal(err.field, "start");
    assert_non_null(strstr(err.msg, "2026-02-03T09:00 to 2026-02-03T10:00"));
    /* 3 March moves away; 3 February may then take 3 March's old slot, and nothing overlaps */
    assert_int_equal(db_maintenance_occurrence_set(f->d, gen, AT(61, 8, 0), AT(62, 8, 0), AT(62, 9, 0), "x", "ops", 0,
                                                   &err),
                     VG_OK);
    assert_int_equal(db_maintenance_occurrence_set(f->d, gen, AT(33, 8, 0), AT(62, 8, 30), AT(62, 9, 30), "x", "ops", 0,
                                                   &err),
                     VG_E_CONFLICT);
    assert_int_equal(db_maintenance_occurrence_set(f->d, gen, AT(33, 8, 0), AT(61, 8, 0), AT(61, 9, 0), "x", "ops", 0,
                                                   &err),
                     VG_OK);
    /* moving one onto its own old time is no overlap */
    assert_int_equal(db_maintenance_occurrence_set(f->d, gen, AT(5, 8, 0), AT(5, 8, 15), AT(5, 9, 15), "x", "ops", 0,
                                                   &err),
                     VG_OK);
    /* not an occurrence, no such series, a one-off */
    assert_int_equal(db_maintenance_occurrence_cancel(f->d, gen, AT(5, 9, 0), "ops", 0, &err), VG_E_NOT_FOUND);
    assert_string_equal(err.field, "occurrence");
    assert_int_equal(db_maintenance_occurrence_cancel(f->d, gen + 100, AT(5, 8, 0), "ops", 0, &err), VG_E_NOT_FOUND);
    assert_string_equal(err.field, "id");
    assert_int_equal(db_maintenance_occurrence_cancel(f->d, once, AT(40, 9, 0), "ops", 0, &err), VG_E_INVALID);
    assert_string_equal(err.field, "id");
    /* a cancelled occurrence comes back with a set */
    assert_int_equal(db_maintenance_occurrence_cancel(f->d, gen, AT(96, 7, 0), "ops", 0, &err), VG_OK);
    db_maint_item it;
    assert_int_equal(db_maintenance_occurrence_get(f->d, gen, AT(96, 7, 0), &it, &err), VG_OK);
    assert_true(it.cancelled);
    assert_int_equal(db_maintenance_occurrence_set(f->d, gen, AT(96, 7, 0), AT(96, 7, 0), AT(96, 8, 0), "back", "ops", 0,
                                                   &err),
                     VG_OK);
    assert_int_equal(db_maintenance_occurrence_get(f->d, gen, AT(96, 7, 0), &it, &err), VG_OK);
    assert_false(it.cancelled);
    assert_false(it.moved);
    assert_string_equal(it.w.reason, "back");
}

/* A series' last_end follows a moved last occurrence; deleting a series takes its rows; retention
 * deletes by last_end and removes rows left without a series. */
static void test_last_end_delete_retention(void **state)
{
    fixture *f = *state;
    int64_t ups = series(f->d, "power", AT(83, 13, 0), AT(83, 13, 30), "FREQ=WEEKLY;BYDAY=WE;COUNT=4");
    int64_t gen = series(f->d, "", AT(5, 8, 0), AT(5, 9, 0), FIRST_TUE);
    vg_err err;
    /* the last self-test, 15 April 12:00Z, moves to Monday 20 April, past the series' last_end */
    assert_int_equal(db_maintenance_occurrence_set(f->d, ups, AT(104, 12, 0), AT(109, 12, 0), AT(109, 12, 30), "late",
                                                   "ops", 0, &err),
                     VG_OK);
    assert_int_equal(count_rows(f->path, "SELECT last_end FROM maintenance WHERE id=1"), AT(109, 12, 30));
    assert_int_equal(count_rows(f->path, "SELECT last_end FROM maintenance WHERE id=2"), INT64_MAX);
    avail_window *w;
    size_t n;
    assert_int_equal(db_maintenance_list(f->d, "italie", AT(109, 0, 0), AT(110, 0, 0), &w, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(w[0].start, AT(109, 12, 0));
    free(w);
    assert_int_equal(db_maintenance_occurrence_cancel(f->d, gen, AT(33, 8, 0), "ops", 0, &err), VG_OK);
    assert_int_equal(db_maintenance_occurrence_cancel(f->d, ups, AT(90, 12, 0), "ops", 0, &err), VG_OK);
    assert_int_equal(count_rows(f->path, "SELECT count(*) FROM maintenance_occurrences"), 3);
    /* retention after the self-tests' last end: the open-ended generator series stays */
    db_retention cut = {.events = AT(200, 0, 0)};
    long deleted;
    assert_int_equal(db_retention_purge(f->d, &cut, 100, &deleted, &err), VG_OK);
    assert_int_equal(deleted, 3); /* the series and its two rows */
    assert_int_equal(count_rows(f->path, "SELECT count(*) FROM maintenance"), 1);
    assert_int_equal(count_rows(f->path, "SELECT count(*) FROM maintenance_occurrences"), 1);
    assert_int_equal(db_maintenance_delete(f->d, gen, &err), VG_OK);
    assert_int_equal(count_rows(f->path, "SELECT count(*) FROM maintenance_occurrences"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ids_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_move_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_end_delete_retention, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
