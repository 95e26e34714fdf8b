/* sq.h, what needs no database: PostgreSQL's dialect of the store's SQL, what a `database:` target
 * names, and its password hidden for the log. The statements themselves run on both backends in
 * store_test and the others (pg_store.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/sq.h"

static void translated(const char *sql, const char *want, int want_n)
{
    int n = -1;
    char *got = sq_pg_translate(sql, &n);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(n, want_n);
    free(got);
}

static void test_placeholders(void **state)
{
    (void)state;
    translated("SELECT a FROM t WHERE b=? AND c=?", "SELECT a FROM t WHERE b=$1 AND c=$2", 2);
    /* SQLite numbers a bare ? after the highest so far */
    translated("UPDATE t SET a=?3 WHERE b=? AND c=?1", "UPDATE t SET a=$3 WHERE b=$4 AND c=$1", 4);
    /* quoted text and identifiers are copied as they are */
    translated("SELECT '?', \"?x\", 'it''s ?' FROM t WHERE a=?", "SELECT '?', \"?x\", 'it''s ?' FROM t WHERE a=$1", 1);
    translated("SELECT 1", "SELECT 1", 0);
}

static void test_words(void **state)
{
    (void)state;
    translated("BEGIN IMMEDIATE", "BEGIN", 0);
    translated("BEGIN DEFERRED", "BEGIN", 0);
    translated("BEGIN", "BEGIN", 0); /* the end of the text right after the word */
    /* `end` the column is quoted; END the keyword and words containing it are not */
    translated("SELECT CASE WHEN end > ?1 THEN end ELSE ?1 END, ends, m.end FROM x",
               "SELECT CASE WHEN \"end\" > $1 THEN \"end\" ELSE $1 END, ends, m.\"end\" FROM x", 1);
    translated("DELETE FROM t WHERE rowid IN (SELECT rowid FROM t LIMIT ?2)",
               "DELETE FROM t WHERE ctid IN (SELECT ctid FROM t LIMIT $2)", 2);
    /* a parameter only tested for NULL is text; the same parameter elsewhere is left to inference */
    translated("SELECT 1 FROM t WHERE (?1 IS NULL OR site=?1) AND (?2  is null OR d=?2) AND ?3 IS NOT NULL",
               "SELECT 1 FROM t WHERE (CAST($1 AS TEXT) IS NULL OR site=$1) AND (CAST($2 AS TEXT)  is null OR d=$2)"
               " AND $3 IS NOT NULL",
               3);
}

static void test_targets(void **state)
{
    (void)state;
    assert_int_equal(sq_target_kind("/var/lib/vigie/vigie.db"), SQ_SQLITE);
    assert_int_equal(sq_target_kind("sqlite:/srv/x=y/vigie.db"), SQ_SQLITE);
    assert_int_equal(sq_target_kind("/srv/a=b/vigie.db"), SQ_SQLITE); /* a '=' after a '/': a path */
    assert_int_equal(sq_target_kind("postgresql://vigie@db/vigie"), SQ_POSTGRES);
    assert_int_equal(sq_target_kind("postgres://db/vigie"), SQ_POSTGRES);
    assert_int_equal(sq_target_kind("host=db dbname=vigie"), SQ_POSTGRES);
    assert_string_equal(sq_target_path("sqlite:/srv/v.db"), "/srv/v.db");
    assert_string_equal(sq_target_path("/srv/v.db"), "/srv/v.db");
}

static void test_redact(void **state)
{
    (void)state;
    char out[512];
    sq_target_redact("postgresql://vigie:s3cret@127.0.0.1:5432/vigie?sslmode=require", out, sizeof out);
    assert_string_equal(out, "postgresql://vigie:***@127.0.0.1:5432/vigie?sslmode=require");
    sq_target_redact("postgresql://vigie@db/vigie?password=s3cret&sslmode=require", out, sizeof out);
    assert_string_equal(out, "postgresql://vigie@db/vigie?password=***&sslmode=require");
    sq_target_redact("host=db password='it\\'s x' dbname=vigie", out, sizeof out); /* libpq's quoting */
    assert_null(strstr(out, "it"));
    assert_non_null(strstr(out, "password=*** dbname=vigie"));
    sq_target_redact("host=db password=s3cret", out, sizeof out);
    assert_string_equal(out, "host=db password=***");
    sq_target_redact("postgresql://vigie@db:5432/vigie", out, sizeof out); /* no password: as it is */
    assert_string_equal(out, "postgresql://vigie@db:5432/vigie");
    sq_target_redact("/var/lib/vigie/vigie.db", out, sizeof out);
    assert_string_equal(out, "/var/lib/vigie/vigie.db");
    char small[16]; /* a short buffer: cut, never the password */
    sq_target_redact("postgresql://vigie:s3cret@db/vigie", small, sizeof small);
    assert_null(strstr(small, "s3c"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
