/* auth: roles, scopes (parsing, each term against sites of each kind), secrets, hashes, and the
 * personal tokens' store (added, found by hash only, revoked, touched once a minute). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_db.h"
#include "test_util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "store/db.h"
#include "store/db_tokens.h"

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(auth_role_parse("read"), AUTH_ROLE_READ);
    assert_int_equal(auth_role_parse("operator"), AUTH_ROLE_OPERATOR);
    assert_int_equal(auth_role_parse("admin"), AUTH_ROLE_ADMIN);
    assert_int_equal(auth_role_parse("Admin"), AUTH_ROLE_NONE);
    assert_int_equal(auth_role_parse(""), AUTH_ROLE_NONE);
    assert_int_equal(auth_role_parse(NULL), AUTH_ROLE_NONE);
    assert_true(AUTH_ROLE_READ < AUTH_ROLE_OPERATOR && AUTH_ROLE_OPERATOR < AUTH_ROLE_ADMIN);
    assert_string_equal(auth_role_name(AUTH_ROLE_OPERATOR), "operator");
}

static void expect_scope_error(const char *text, const char *part)
{
    auth_scope s;
    vg_err err;
    assert_int_equal(auth_scope_parse(text, &s, &err), VG_E_INVALID);
    if (!strstr(err.msg, part))
        fail_msg("scope '%s': got '%s', wanted '%s'", text, err.msg, part);
}

static void test_scope_parse(void **state)
{
    (void)state;
    auth_scope s;
    vg_err err;
    char buf[AUTH_SCOPE_TEXT_MAX + 1];
    assert_int_equal(auth_scope_parse("", &s, &err), VG_OK);
    assert_true(auth_scope_is_all(&s));
    assert_int_equal(auth_scope_parse("*", &s, &err), VG_OK);
    assert_true(auth_scope_is_all(&s));
    assert_int_equal(auth_scope_parse(" kind:nro ,  commune: Amiens,site:doullens", &s, &err), VG_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.terms[0].type, AUTH_TERM_KIND);
    assert_string_equal(s.terms[1].value, "Amiens");
    auth_scope_format(&s, buf, sizeof buf);
    assert_string_equal(buf, "kind:nro,commune:Amiens,site:doullens");
    auth_scope again;
    assert_int_equal(auth_scope_parse(buf, &again, &err), VG_OK);
    assert_int_equal(again.n, 3);

    expect_scope_error("planet:mars", "scope term 1: unknown type 'planet'");
    expect_scope_error("kind:nro,doullens", "scope term 2 'doullens': expected TYPE:VALUE");
    expect_scope_error("kind:", "scope term 1: kind: the value is empty");
    expect_scope_error("kind:nro,,site:a", "scope term 2");
    expect_scope_error("commune:Amiens\x01", "control character");
    char longv[200];
    snprintf(longv, sizeof longv, "site:%0150d", 0);
    expect_scope_error(longv, "longer than 63 bytes");
    char many[AUTH_SCOPE_TEXT_MAX];
    size_t at = 0;
    for (int i = 0; i < AUTH_SCOPE_MAX + 1; i++)
        at += (size_t)snprintf(many + at, sizeof many - at, "%ssite:s%d", i ? "," : "", i);
    expect_scope_error(many, "more than 32 terms");
    char huge[AUTH_SCOPE_TEXT_MAX + 10];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    expect_scope_error(huge, "longer than 2048 bytes");
}

static void test_scope_has(void **state)
{
    (void)state;
    server_public_info school = {.commune = "Amiens", .epci = "Amiens Métropole", .nro = "nro-amiens", .contract = "standard"};
    server_public_info police = {.commune = "Doullens", .epci = "CC Territoire Nord Picardie", .nro = "nro-doullens",
                                 .contract = "prioritaire"};
    server_site dc = {.id = "italie", .kind = "datacenter"};
    server_site nro = {.id = "nro-doullens", .kind = "nro"};
    server_site s1 = {.id = "ecole-amiens", .kind = "public", .pub = &school};
    server_site s2 = {.id = "police-doullens", .kind = "public", .pub = &police};
    struct {
        const char *scope;
        bool dc, nro, s1, s2;
    } rows[] = {
        {"", true, true, true, true},
        {"kind:nro", false, true, false, false},
        {"kind:public", false, false, true, true},
        {"commune:AMIENS", false, false, true, false}, /* communes are matched without case */
        {"epci:AMIENS MÉTROPOLE", false, false, true, false}, /* Unicode case folding, not ASCII only */
        {"epci:Amiens Me\xcc\x81tropole", false, false, true, false}, /* e + combining acute: NFC first */
        {"epci:Amiens Metropole", false, false, false, false},
        {"contract:prioritaire", false, false, false, true},
        {"nro:nro-doullens", false, true, false, true}, /* the NRO and what hangs from it */
        {"site:italie", true, false, false, false},
        {"site:italie,commune:Doullens", true, false, false, true},
        {"kind:datacenter,kind:nro", true, true, false, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        auth_scope s;
        vg_err err;
        assert_int_equal(auth_scope_parse(rows[i].scope, &s, &err), VG_OK);
        bool got[4] = {auth_scope_has(&s, &dc), auth_scope_has(&s, &nro), auth_scope_has(&s, &s1), auth_scope_has(&s, &s2)};
        bool want[4] = {rows[i].dc, rows[i].nro, rows[i].s1, rows[i].s2};
        for (int k = 0; k < 4; k++)
            if (got[k] != want[k])
                fail_msg("scope '%s', site %d: got %d, wanted %d", rows[i].scope, k, got[k], want[k]);
        /* an unknown site is in no limited scope */
        assert_int_equal(auth_scope_has(&s, NULL), s.n == 0);
    }
    auth_principal p = {.role = AUTH_ROLE_NONE};
    assert_false(auth_may_see(&p, NULL, "italie"));
    assert_false(auth_may_see(NULL, NULL, "italie"));
}

static void test_secrets(void **state)
{
    (void)state;
    char a[AUTH_SECRET_MAX + 1], b[AUTH_SECRET_MAX + 1], h[AUTH_HASH_HEX + 1];
    vg_err err;
    assert_int_equal(auth_secret_new("vgt_", a, &err), VG_OK);
    assert_int_equal(auth_secret_new("vgt_", b, &err), VG_OK);
    assert_int_equal(strlen(a), 4 + 64);
    assert_int_equal(strncmp(a, "vgt_", 4), 0);
    assert_int_equal(strspn(a + 4, "0123456789abcdef"), 64);
    assert_string_not_equal(a, b);
    assert_int_equal(auth_secret_new("", a, &err), VG_OK);
    assert_int_equal(strlen(a), 64);
    /* FIPS 180-2's example: SHA-256("abc") */
    auth_hash("abc", h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_true(auth_equal("abc", "abc"));
    assert_false(auth_equal("abc", "abd"));
    assert_false(auth_equal("abc", "ab"));
    assert_false(auth_equal("", "a"));
    assert_true(auth_equal("", ""));
}

static void test_token_store(void **state)
{
    (void)state;
    char dir[] = "/tmp/vigie-auth-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.db", dir);
    db *d;
    vg_err err;
    assert_int_equal(db_open(tu_db(path), &d, &err), VG_OK);
    db_token t = {.name = "alice", .role = "read", .scope = "kind:nro", .created = 1000, .created_by = "root"};
    assert_int_equal(db_token_add(d, &t, "hash-a", &err), VG_OK);
    assert_true(t.id > 0);
    db_token again = {.name = "alice", .role = "admin", .created = 1001};
    assert_int_equal(db_token_add(d, &again, "hash-b", &err), VG_E_CONFLICT);
    assert_non_null(strstr(err.msg, "'alice' exists"));
    db_token got;
    bool found, already;
    assert_int_equal(db_token_by_hash(d, "hash-a", &got, &found, &err), VG_OK);
    assert_true(found);
    assert_string_equal(got.scope, "kind:nro");
    assert_int_equal(got.last_used, 0);
    assert_int_equal(db_token_by_hash(d, "hash-b", &got, &found, &err), VG_OK);
    assert_false(found);
    assert_int_equal(db_token_by_name(d, "alice", &got, &found, &err), VG_OK);
    assert_true(found);
    assert_int_equal(got.id, t.id);
    assert_int_equal(db_token_by_name(d, "bob", &got, &found, &err), VG_OK);
    assert_false(found);
    size_t n = 99;
    assert_int_equal(db_token_count(d, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    /* touched at most once a minute */
    assert_int_equal(db_token_touch(d, t.id, 2000, &err), VG_OK);
    assert_int_equal(db_token_touch(d, t.id, 2030, &err), VG_OK);
    assert_int_equal(db_token_by_id(d, t.id, &got, &found, &err), VG_OK);
    assert_int_equal(got.last_used, 2000);
    assert_int_equal(db_token_touch(d, t.id, 2060, &err), VG_OK);
    assert_int_equal(db_token_by_id(d, t.id, &got, &found, &err), VG_OK);
    assert_int_equal(got.last_used, 2060);
    /* revoked: kept, named, its name never given again */
    assert_int_equal(db_token_revoke(d, "alice", 3000, "root", &found, &already, &err), VG_OK);
    assert_true(found);
    assert_false(already);
    assert_int_equal(db_token_revoke(d, "alice", 3001, "root", &found, &already, &err), VG_OK);
    assert_true(already);
    assert_int_equal(db_token_by_hash(d, "hash-a", &got, &found, &err), VG_OK);
    assert_int_equal(got.revoked, 3000);
    assert_string_equal(got.revoked_by, "root");
    assert_int_equal(db_token_revoke(d, "bob", 3000, "root", &found, &already, &err), VG_OK);
    assert_false(found);
    assert_int_equal(db_token_add(d, &again, "hash-c", &err), VG_E_CONFLICT);
    db_close(d);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),       cmocka_unit_test(test_scope_parse), cmocka_unit_test(test_scope_has),
        cmocka_unit_test(test_secrets),     cmocka_unit_test(test_token_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
