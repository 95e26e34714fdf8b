/* audit_test: the audit trail (server/audit/audit.h): the chain and its hashes (pinned against an HMAC
 * computed apart, with Python's hmac), the verification of a trail intact, with a row changed, deleted in
 * the middle, at the start or at the end, the retention's purge that keeps it verifiable, the bounds of
 * the fields, the key file, the listing's filters. Rows are tampered with through SQLite directly, as
 * someone with the database file would. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "log.h"
#include "store/db.h"
#include "store/db_audit.h"
#include "test_db.h"
#include "test_util.h"

#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* python3: hmac.new(KEY, b"vigie-audit-1\n" + b"".join(b"%d:%s\n" % (len(f), f) for f in fields), sha256) */
#define H1 "f6e4b40f8e27c1024704c0e5056913348179e676351a543e0803e474ec1ea507"
#define H2 "ab6f4843388a9d4b21f44411f78c7d0380c5083cf952a9c845f0779a1e17c439"

typedef struct {
    char *dir;
    char path[600];
    db *d;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = tu_tmpdir();
    snprintf(f->path, sizeof f->path, "%s/vigie.db", f->dir);
    vg_err err;
    if (db_open(tu_db(f->path), &f->d, &err) != VG_OK)
        return -1;
    audit_key_set(KEY);
    audit_head_forget();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    db_close(f->d);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    audit_key_set(NULL);
    return 0;
}

static void add(fx *f, int64_t ts, const char *who, const char *action, const char *detail)
{
    vg_err err;
    assert_int_equal(audit_append(f->d, ts, who, "127.0.0.1", action, "/api/v1/x", "200", detail, &err), VG_OK);
}

/* An SQL statement on the database file, as the sqlite3 CLI would run it. */
static void tamper(fx *f, const char *sql)
{
    assert_int_equal(tu_db_exec(f->path, sql), 0);
}

static audit_verdict verify(fx *f, const audit_head *expect)
{
    audit_verdict v;
    vg_err err;
    assert_int_equal(audit_verify(f->d, expect, &v, &err), VG_OK);
    return v;
}

static bool collect(void *ctx, const db_audit_row *r)
{
    db_audit_row *rows = ctx;
    rows[r->id < 16 ? r->id : 0] = *r;
    return true;
}

static void test_chain_hashes(void **state)
{
    fx *f = *state;
    vg_err err;
    assert_int_equal(audit_append(f->d, 1700000000, "alice", "127.0.0.1", "token.add", "/api/v1/tokens", "201",
                                  "{\"name\":\"bob\",\"role\":\"read\"}", &err), VG_OK);
    assert_int_equal(audit_append(f->d, 1700000060, "bob", "::1", "maintenance.add", "/api/v1/maintenance", "201", "",
                                  &err), VG_OK);
    static db_audit_row rows[16];
    assert_int_equal(db_audit_each(f->d, NULL, collect, rows, NULL, &err), VG_OK);
    assert_string_equal(rows[1].prev, "");
    assert_string_equal(rows[1].hash, H1);
    assert_string_equal(rows[2].prev, H1);
    assert_string_equal(rows[2].hash, H2);
    assert_string_equal(rows[2].who, "bob");
    assert_string_equal(rows[2].addr, "::1");
    audit_head h;
    assert_true(audit_head_get(&h));
    assert_int_equal(h.id, 2);
    assert_string_equal(h.hash, H2);
    /* another key, another hash: the chain cannot be recomputed without it */
    audit_key_set("another-key-of-at-least-thirty-two-bytes");
    char other[DB_AUDIT_HASH_HEX + 1];
    audit_hash(&rows[1], other);
    assert_string_not_equal(other, H1);
    audit_key_set(KEY);
    audit_hash(&rows[1], other);
    assert_string_equal(other, H1);
}

static void test_verify_ok(void **state)
{
    fx *f = *state;
    audit_verdict v = verify(f, NULL);
    assert_true(v.ok); /* empty */
    assert_int_equal(v.entries, 0);
    for (int i = 0; i < 5; i++)
        add(f, 1000 + i, "alice", "ack", "");
    audit_head h;
    audit_head_get(&h);
    v = verify(f, &h);
    assert_true(v.ok);
    assert_int_equal(v.entries, 5);
    assert_int_equal(v.first_bad, 0);
    assert_int_equal(v.head.id, 5);
    assert_string_equal(v.head.hash, h.hash);
}

static void test_row_changed(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 5; i++)
        add(f, 1000 + i, "alice", "ack", "");
    tamper(f, "UPDATE audit SET who = 'mallory' WHERE id = 3");
    audit_verdict v = verify(f, NULL);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 3);
    assert_int_equal(v.problem, AUDIT_BAD_HASH);
    assert_string_equal(v.reason, "entry 3: its hash does not match its content");
    assert_int_equal(v.entries, 5);
}

static void test_row_changed_hash_recomputed(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 5; i++)
        add(f, 1000 + i, "alice", "ack", "");
    /* even with the key, changing entry 2 and its hash breaks entry 3's link */
    static db_audit_row rows[16];
    vg_err err;
    assert_int_equal(db_audit_each(f->d, NULL, collect, rows, NULL, &err), VG_OK);
    db_audit_row r = rows[2];
    snprintf(r.outcome, sizeof r.outcome, "403");
    char h[DB_AUDIT_HASH_HEX + 1], sql[300];
    audit_hash(&r, h);
    snprintf(sql, sizeof sql, "UPDATE audit SET outcome = '403', hash = '%s' WHERE id = 2", h);
    tamper(f, sql);
    audit_verdict v = verify(f, NULL);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 3);
    assert_int_equal(v.problem, AUDIT_BAD_LINK);
    assert_string_equal(v.reason, "entry 3: it does not follow entry 2 (its prev is not that entry's hash)");
}

static void test_row_deleted(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 20; i++)
        add(f, 1000 + i, "alice", "ack", "");
    tamper(f, "DELETE FROM audit WHERE id = 17");
    audit_verdict v = verify(f, NULL);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 18);
    assert_int_equal(v.problem, AUDIT_BAD_GAP);
    assert_int_equal(v.other, 16);
    assert_string_equal(v.reason, "entry 18: the entry before it is missing (16 → 18)");
    tamper(f, "DELETE FROM audit WHERE id IN (5, 6, 7)");
    v = verify(f, NULL);
    assert_int_equal(v.first_bad, 8);
    assert_string_equal(v.reason, "entry 8: the 3 entries before it are missing (4 → 8)");
    assert_int_equal(v.entries, 16);
}

static void test_oldest_and_newest_deleted(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 6; i++)
        add(f, 1000 + i, "alice", "ack", "");
    audit_head head;
    audit_head_get(&head);
    assert_int_equal(head.id, 6);
    /* the newest: the rest still chains, only the head kept apart shows it */
    tamper(f, "DELETE FROM audit WHERE id = 6");
    audit_verdict v = verify(f, NULL);
    assert_true(v.ok);
    v = verify(f, &head);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 6);
    assert_int_equal(v.problem, AUDIT_BAD_TRUNCATED);
    assert_string_equal(v.reason, "entry 6: missing: the newest entries were deleted (the trail ends at 5)");
    /* a new entry in the deleted one's place has another hash than the head the log gave */
    add(f, 2000, "mallory", "ack", "");
    v = verify(f, &head);
    assert_int_equal(v.problem, AUDIT_BAD_HEAD);
    assert_int_equal(v.first_bad, 6);
    /* the oldest, without a purge entry */
    tamper(f, "DELETE FROM audit WHERE id <= 2");
    v = verify(f, NULL);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 3);
    assert_int_equal(v.problem, AUDIT_BAD_START);
    assert_string_equal(v.reason, "entry 3: the entries before it (1 to 2) are missing and no purge entry records "
                                  "their removal");
}

static void test_id_below_one(void **state)
{
    fx *f = *state;
    add(f, 1000, "alice", "ack", "");
    tamper(f, "INSERT INTO audit VALUES(-5, 1, 'x', '', 'ack', '', 'ok', '', '', '')");
    audit_verdict v = verify(f, NULL);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, -5);
    assert_int_equal(v.problem, AUDIT_BAD_MALFORMED);
}

static void test_purge_keeps_it_verifiable(void **state)
{
    fx *f = *state;
    vg_err err;
    add(f, 100, "alice", "ack", "");
    add(f, 200, "alice", "ack", "");
    add(f, 300, "bob", "ack", "");
    add(f, 400, "bob", "ack", "");
    static db_audit_row rows[16];
    assert_int_equal(db_audit_each(f->d, NULL, collect, rows, NULL, &err), VG_OK);
    long n = -1;
    assert_int_equal(audit_purge(f->d, 250, 500, 1000, &n, &err), VG_OK);
    assert_int_equal(n, 2);
    static db_audit_row after[16];
    memset(after, 0, sizeof after);
    assert_int_equal(db_audit_each(f->d, NULL, collect, after, NULL, &err), VG_OK);
    assert_int_equal(after[1].id, 0); /* gone */
    assert_int_equal(after[2].id, 0);
    assert_int_equal(after[5].id, 5);
    assert_string_equal(after[5].action, "audit.purge");
    assert_string_equal(after[5].who, "vigie-server");
    assert_int_equal(after[5].ts, 500);
    char want[200];
    snprintf(want, sizeof want, "{\"deleted\":2,\"through\":2,\"hash\":\"%s\"}", rows[2].hash);
    assert_string_equal(after[5].detail, want);
    audit_verdict v = verify(f, NULL);
    assert_true(v.ok);
    assert_int_equal(v.entries, 3);
    /* nothing older: no purge, no entry */
    assert_int_equal(audit_purge(f->d, 250, 600, 1000, &n, &err), VG_OK);
    assert_int_equal(n, 0);
    /* the next purge takes the first purge entry's anchor away and gives its own */
    assert_int_equal(audit_purge(f->d, 450, 700, 1000, &n, &err), VG_OK);
    assert_int_equal(n, 2); /* 3 and 4; 5 (ts 500) stays */
    v = verify(f, NULL);
    assert_true(v.ok);
    assert_int_equal(v.entries, 2);
    assert_int_equal(v.head.id, 6);
    /* a limit: one at a time */
    add(f, 800, "bob", "ack", "");
    assert_int_equal(audit_purge(f->d, 10000, 900, 1, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_true(verify(f, NULL).ok);
    /* the purge entry forged to anchor more: its own hash betrays it */
    tamper(f, "DELETE FROM audit WHERE id = 6");
    v = verify(f, NULL);
    assert_false(v.ok);
    assert_int_equal(v.problem, AUDIT_BAD_START);
    assert_int_equal(v.first_bad, 7);
    memset(after, 0, sizeof after);
    assert_int_equal(db_audit_each(f->d, NULL, collect, after, NULL, &err), VG_OK);
    char sql[400];
    snprintf(sql, sizeof sql, "UPDATE audit SET detail = '{\"deleted\":2,\"through\":6,\"hash\":\"%s\"}' WHERE id = 8",
             after[7].prev);
    tamper(f, sql);
    v = verify(f, NULL);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 7); /* not anchored: the forged entry 8 does not count */
}

static void test_bounded_fields(void **state)
{
    fx *f = *state;
    vg_err err;
    char who[200], object[2000], detail[5000], action[100];
    memset(who, 'w', sizeof who - 1), who[sizeof who - 1] = '\0';
    memset(action, 'a', sizeof action - 1), action[sizeof action - 1] = '\0';
    memset(detail, 'd', sizeof detail - 1), detail[sizeof detail - 1] = '\0';
    /* 511 bytes of 'o', then "é" (2 bytes): cut before it, never inside */
    memset(object, 'o', 511), strcpy(object + 511, "\xc3\xa9tail");
    assert_int_equal(audit_append(f->d, 1, who, "127.0.0.1", action, object, "200", detail, &err), VG_OK);
    assert_int_equal(audit_append(f->d, 2, "eve\n\x01", "a\xff" "b", "x", "caf\xc3\xa9", "ok", "l1\tl2", &err), VG_OK);
    static db_audit_row rows[16];
    assert_int_equal(db_audit_each(f->d, NULL, collect, rows, NULL, &err), VG_OK);
    assert_int_equal(strlen(rows[1].who), 64);
    assert_int_equal(strlen(rows[1].action), 64);
    assert_int_equal(strlen(rows[1].object), 511);
    assert_int_equal(strlen(rows[1].detail), 1024);
    assert_false(rows[1].malformed);
    assert_string_equal(rows[2].who, "eve  ");   /* control characters: spaces */
    assert_string_equal(rows[2].addr, "a?b");    /* not UTF-8: '?' */
    assert_string_equal(rows[2].object, "caf\xc3\xa9");
    assert_string_equal(rows[2].detail, "l1 l2");
    assert_true(verify(f, NULL).ok);
    /* a row longer than any append writes, or of another type */
    tamper(f, "UPDATE audit SET detail = detail || 'x' WHERE id = 1");
    audit_verdict v = verify(f, NULL);
    assert_int_equal(v.first_bad, 1);
    assert_int_equal(v.problem, AUDIT_BAD_MALFORMED);
    tamper(f, "UPDATE audit SET detail = substr(detail, 1, 1024) WHERE id = 1");
    assert_true(verify(f, NULL).ok);
    tamper(f, "UPDATE audit SET ts = '2' WHERE id = 2"); /* column affinity keeps it an integer */
    assert_true(verify(f, NULL).ok);
    if (!tu_db_pg()) { /* SQLite stores any type in any column; PostgreSQL refuses the UPDATE itself */
        tamper(f, "UPDATE audit SET ts = 'two' WHERE id = 2");
        v = verify(f, NULL);
        assert_int_equal(v.first_bad, 2);
        assert_int_equal(v.problem, AUDIT_BAD_MALFORMED);
    }
}

static bool count_rows(void *ctx, const db_audit_row *r)
{
    (void)r;
    (*(int *)ctx)++;
    return true;
}

static void test_listing_filters(void **state)
{
    fx *f = *state;
    vg_err err;
    add(f, 100, "alice", "maintenance.add", "");
    add(f, 200, "bob", "maintenance.delete", "");
    add(f, 300, "alice", "token.add", "");
    add(f, 400, "alice", "maintenance.addendum", "");
    int n = 0;
    bool more = true;
    db_audit_filter q = {.who = "alice"};
    assert_int_equal(db_audit_each(f->d, &q, count_rows, &n, &more, &err), VG_OK);
    assert_int_equal(n, 3);
    assert_false(more);
    n = 0;
    q = (db_audit_filter){.action = "maintenance."};
    assert_int_equal(db_audit_each(f->d, &q, count_rows, &n, NULL, &err), VG_OK);
    assert_int_equal(n, 3);
    n = 0;
    q = (db_audit_filter){.action = "maintenance.add"}; /* exact: not maintenance.addendum */
    assert_int_equal(db_audit_each(f->d, &q, count_rows, &n, NULL, &err), VG_OK);
    assert_int_equal(n, 1);
    n = 0;
    q = (db_audit_filter){.since = 200, .until = 400};
    assert_int_equal(db_audit_each(f->d, &q, count_rows, &n, NULL, &err), VG_OK);
    assert_int_equal(n, 2);
    /* a limit keeps the newest, in id order */
    static db_audit_row rows[16];
    memset(rows, 0, sizeof rows);
    q = (db_audit_filter){.limit = 2};
    assert_int_equal(db_audit_each(f->d, &q, collect, rows, &more, &err), VG_OK);
    assert_true(more);
    assert_int_equal(rows[1].id, 0);
    assert_int_equal(rows[2].id, 0);
    assert_int_equal(rows[3].id, 3);
    assert_int_equal(rows[4].id, 4);
}

static void test_key_file(void **state)
{
    fx *f = *state;
    vg_err err;
    bool created = false;
    assert_int_equal(audit_key_load(f->dir, &created, &err), VG_OK);
    assert_true(created);
    char path[700], key[100] = "";
    snprintf(path, sizeof path, "%s/audit.key", f->dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *k = fopen(path, "r");
    assert_non_null(k);
    assert_non_null(fgets(key, sizeof key, k));
    fclose(k);
    assert_int_equal(strlen(key), 65); /* 64 hex digits and a newline */
    add(f, 1, "alice", "ack", "");
    assert_int_equal(audit_key_load(f->dir, &created, &err), VG_OK);
    assert_false(created);
    assert_true(verify(f, NULL).ok); /* the same key read back */
    audit_key_set(KEY);
    audit_verdict v = verify(f, NULL); /* another key: the entry does not verify */
    assert_int_equal(v.problem, AUDIT_BAD_HASH);
    chmod(path, 0644);
    assert_int_equal(audit_key_load(f->dir, &created, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "readable by others (mode 644)"));
    chmod(path, 0600);
    k = fopen(path, "w");
    fputs("not a key\n", k);
    fclose(k);
    assert_int_equal(audit_key_load(f->dir, &created, &err), VG_E_INVALID);
    assert_non_null(strstr(err.msg, "not a key of 64 hexadecimal digits"));
}

static void test_head_parse(void **state)
{
    (void)state;
    audit_head h;
    assert_true(audit_head_parse("42:" H1, &h));
    assert_int_equal(h.id, 42);
    assert_string_equal(h.hash, H1);
    assert_false(audit_head_parse("42:" H1 "0", &h));
    assert_false(audit_head_parse("0:" H1, &h));
    assert_false(audit_head_parse("x:" H1, &h));
    assert_false(audit_head_parse("42", &h));
    assert_false(audit_head_parse("42:F6E4B40F8E27C1024704C0E5056913348179E676351A543E0803E474EC1EA507", &h));
}

/* Two connections appending at once (two servers of a pair, or two request threads): every entry
 * lands, each after the one before, and the trail verifies whole. */
typedef struct {
    const char *target;
    int n, failed;
    char who[16];
} appender;

static void *append_many(void *arg)
{
    appender *a = arg;
    db *d;
    vg_err err;
    if (db_open(a->target, &d, &err) != VG_OK) {
        a->failed = a->n;
        return NULL;
    }
    for (int i = 0; i < a->n; i++)
        if (audit_append(d, 5000 + i, a->who, "127.0.0.1", "ack", "/api/v1/x", "200", "", &err) != VG_OK) {
            fprintf(stderr, "%s: %s\n", a->who, err.msg);
            a->failed++;
        }
    db_close(d);
    return NULL;
}

static void test_concurrent_appends(void **state)
{
    fx *f = *state;
    appender a[2] = {{.target = tu_db(f->path), .n = 40, .who = "server-a"},
                     {.target = tu_db(f->path), .n = 40, .who = "server-b"}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, append_many, &a[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(a[0].failed + a[1].failed, 0);
    audit_verdict v = verify(f, NULL);
    assert_true(v.ok);
    assert_int_equal(v.entries, 80);
    assert_int_equal(v.head.id, 80);
}

int main(void)
{
    log_set_level(LOG_LVL_WARN); /* each append logs its head at info */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_hashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_changed_hash_recomputed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oldest_and_newest_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_id_below_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_keeps_it_verifiable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listing_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_appends, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
