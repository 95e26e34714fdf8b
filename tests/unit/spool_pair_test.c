/* The spool with several servers (spool.h "several servers"), against fake servers, hand-computed:
 * one server down (the other gets everything, the files wait for the one down, which then gets them
 * oldest first), both down, a server's backlog bound reached (it gives up its oldest, is behind, the
 * spool stays within the bound and the other keeps all), a restart of the agent with what each server
 * stored on disk (each is sent only what it lacks; a "duplicate" for a batch sent without an answer is
 * its stored copy; a file every server stored, left by a crash, is removed at start), a batch spooled
 * for one server only, a batch one server refused, and the agent.yaml keys of the list. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/agent_config.h"
#include "push.h"
#include "push/spool.h"
#include "test_util.h"

static char *dir;
static const char *const urls[] = {"http://127.0.0.1:1/a", "http://127.0.0.1:2/b"};

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

/* A spool of two servers; backlog_max 0: no bound of its own beyond the spool's. */
static spool *open_pair(uint64_t backlog_max)
{
    vg_err err;
    spool *s = spool_open(dir, "nro-doullens", 64u << 20, &err);
    if (!s)
        fail_msg("spool_open: %s", err.msg);
    if (spool_set_servers(s, urls, 2, backlog_max ? backlog_max : UINT64_MAX, &err) != VG_OK)
        fail_msg("spool_set_servers: %s", err.msg);
    return s;
}

static uint64_t put_new(spool *s)
{
    vg_err err;
    uint64_t seq;
    assert_int_equal(spool_next_seq(s, &seq, &err), VG_OK);
    push_batch *b = push_batch_new("nro-doullens", seq);
    push_sample smp;
    assert_int_equal(push_sample_set(&smp, "ups1", "input.voltage", "", 230, "V", (int64_t)time(NULL)), 0);
    assert_int_equal(push_batch_add(b, &smp), 0);
    char *body = push_batch_encode(b);
    push_batch_free(b);
    if (spool_put(s, seq, body, strlen(body), &err) != VG_OK)
        fail_msg("spool_put: %s", err.msg);
    free(body);
    return seq;
}

/* The batch files waiting in the spool folder. */
static int files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strlen(e->d_name) == 25 && strcmp(e->d_name + 20, ".json") == 0;
    closedir(d);
    return n;
}

/* ---- a fake server: answers `down` times PUSH_RETRY (every time when down < 0), then its script,
 * then PUSH_SENT; records the numbers it was sent */
typedef struct {
    int down;
    push_result script[8];
    size_t nscript, scripted;
    uint64_t got[64];
    size_t ngot;
} fake;

static push_result fake_send(void *ctx, const char *body, size_t len, char *why, size_t why_size)
{
    fake *f = ctx;
    (void)len;
    const char *p = strstr(body, "\"seq\":");
    assert_non_null(p);
    assert_true(f->ngot < 64);
    f->got[f->ngot++] = strtoull(p + 6, NULL, 10);
    if (f->down != 0) {
        if (f->down > 0)
            f->down--;
        snprintf(why, why_size, "connection refused");
        return PUSH_RETRY;
    }
    if (f->scripted < f->nscript) {
        if (f->script[f->scripted] == PUSH_RETRY)
            snprintf(why, why_size, "timed out");
        return f->script[f->scripted++];
    }
    return PUSH_SENT;
}

static spool_replay_stats replay(spool *s, size_t k, fake *f)
{
    spool_replay_stats st;
    vg_err err;
    if (spool_replay_for(s, k, fake_send, f, 0, &st, &err) != VG_OK)
        fail_msg("spool_replay_for: %s", err.msg);
    return st;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_one_down(void **state)
{
    (void)state;
    spool *s = open_pair(0);
    uint64_t a = put_new(s), b = put_new(s), c = put_new(s);
    fake up = {0}, down = {.down = -1};
    spool_replay_stats st = replay(s, 0, &up);
    assert_int_equal(st.sent, 3);
    assert_int_equal(up.ngot, 3);
    assert_true(up.got[0] == a && up.got[1] == b && up.got[2] == c);
    st = replay(s, 1, &down);
    assert_true(st.retry);
    assert_int_equal(down.ngot, 1); /* stops at the first it cannot take */
    assert_int_equal(files(), 3);  /* kept for the one down */
    assert_int_equal(spool_count(s), 3);
    assert_int_equal(spool_count_for(s, 0), 0);
    assert_int_equal(spool_count_for(s, 1), 3);
    spool_server_info si;
    spool_server_get(s, 1, &si);
    assert_string_equal(si.last_why, "connection refused");
    assert_false(si.behind);
    /* it comes back: its backlog, oldest first, then the folder is empty */
    fake back = {0};
    st = replay(s, 1, &back);
    assert_int_equal(st.sent, 3);
    assert_true(back.ngot == 3 && back.got[0] == a && back.got[1] == b && back.got[2] == c);
    assert_int_equal(files(), 0);
    assert_int_equal(spool_count(s), 0);
    spool_server_get(s, 1, &si);
    assert_int_equal(si.stored_upto, c);
    assert_true(si.last_stored > 0);
    assert_string_equal(si.last_why, "");
    spool_close(s);
}

static void test_both_down(void **state)
{
    (void)state;
    spool *s = open_pair(0);
    uint64_t a = put_new(s), b = put_new(s);
    fake d0 = {.down = -1}, d1 = {.down = -1};
    assert_true(replay(s, 0, &d0).retry);
    assert_true(replay(s, 1, &d1).retry);
    uint64_t c = put_new(s);
    assert_int_equal(files(), 3);
    assert_int_equal(spool_count_for(s, 0), 3);
    assert_int_equal(spool_count_for(s, 1), 3);
    spool_server_info si;
    spool_server_get(s, 0, &si);
    assert_int_equal(si.last_stored, 0);
    /* the second comes back first: the files stay for the first */
    fake u1 = {0}, u0 = {0};
    assert_int_equal(replay(s, 1, &u1).sent, 3);
    assert_true(u1.got[0] == a && u1.got[1] == b && u1.got[2] == c);
    assert_int_equal(files(), 3);
    assert_int_equal(replay(s, 0, &u0).sent, 3);
    assert_true(u0.ngot == 3 && u0.got[0] == a && u0.got[2] == c);
    assert_int_equal(files(), 0);
    spool_close(s);
}

static void test_backlog_bound(void **state)
{
    (void)state;
    spool *s = open_pair(0);
    put_new(s);
    uint64_t size = spool_bytes(s); /* every batch here has the same size */
    fake up = {0};
    replay(s, 0, &up);
    spool_close(s);
    tu_rmtree(dir);
    free(dir);
    dir = tu_tmpdir();
    /* a bound of 2.5 batches: the third batch the second server lacks makes it give up the oldest */
    s = open_pair(size * 5 / 2);
    uint64_t seq[5];
    for (int i = 0; i < 5; i++) {
        seq[i] = put_new(s);
        fake ok = {0};
        assert_int_equal(replay(s, 0, &ok).sent, 1); /* the first server stores each at once */
    }
    spool_server_info si;
    spool_server_get(s, 1, &si);
    assert_true(si.behind);
    assert_int_equal(si.skipped, 3); /* 3 given up: seq[0..2] */
    assert_int_equal(si.waiting, 2);
    assert_int_equal(files(), 2); /* the spool stays within the bound */
    assert_true(spool_bytes(s) <= size * 5 / 2);
    assert_int_equal(spool_dropped(s), 0); /* nothing lost for the first server */
    spool_server_get(s, 0, &si);
    assert_false(si.behind);
    assert_int_equal(si.stored_upto, seq[4]);
    /* the state survives a restart, then it gets what is left, and is no longer behind */
    spool_close(s);
    s = open_pair(size * 5 / 2);
    spool_server_get(s, 1, &si);
    assert_true(si.behind);
    assert_int_equal(si.skipped, 3);
    fake back = {0};
    assert_int_equal(replay(s, 1, &back).sent, 2);
    assert_true(back.ngot == 2 && back.got[0] == seq[3] && back.got[1] == seq[4]);
    spool_server_get(s, 1, &si);
    assert_false(si.behind);
    assert_int_equal(files(), 0);
    spool_close(s);
}

static void test_restart_partial(void **state)
{
    (void)state;
    spool *s = open_pair(0);
    uint64_t seq[4];
    for (int i = 0; i < 4; i++)
        seq[i] = put_new(s);
    spool_replay_stats st;
    /* the first stores seq[0] and seq[1], then "connection refused" on seq[2] */
    fake two = {0};
    two.script[0] = PUSH_SENT;
    two.script[1] = PUSH_SENT;
    two.script[2] = PUSH_RETRY;
    two.nscript = 3;
    st = replay(s, 0, &two);
    assert_int_equal(st.sent, 2);
    assert_true(st.retry);
    fake one = {.nscript = 2, .script = {PUSH_SENT, PUSH_RETRY}};
    st = replay(s, 1, &one);
    assert_int_equal(st.sent, 1);
    assert_true(st.retry); /* seq[1] went to the second without an answer */
    assert_int_equal(files(), 3); /* seq[0] is stored by both: gone */
    spool_close(s);

    /* the agent restarts: each server is sent only what it lacks */
    s = open_pair(0);
    assert_int_equal(spool_count(s), 3);
    assert_int_equal(spool_count_for(s, 0), 2);
    assert_int_equal(spool_count_for(s, 1), 3);
    fake r0 = {0};
    assert_int_equal(replay(s, 0, &r0).sent, 2);
    assert_true(r0.ngot == 2 && r0.got[0] == seq[2] && r0.got[1] == seq[3]);
    assert_int_equal(files(), 3); /* all three still lacked by the second */
    /* the second had stored seq[1] after all: its "duplicate" is its stored copy, not a lost batch */
    fake r1 = {.nscript = 1, .script = {PUSH_DUPLICATE}};
    st = replay(s, 1, &r1);
    assert_int_equal(st.sent, 3);
    assert_int_equal(st.duplicate, 0);
    assert_true(r1.ngot == 3 && r1.got[0] == seq[1] && r1.got[2] == seq[3]);
    assert_int_equal(spool_duplicates(s), 0);
    assert_int_equal(files(), 0);
    spool_close(s);
}

/* A crash after every server stored a batch and before its file went: the next start removes it. */
static void test_leftover_removed(void **state)
{
    (void)state;
    spool *s = open_pair(0);
    uint64_t a = put_new(s);
    char path[1200], buf[4096];
    snprintf(path, sizeof path, "%s/%020" PRIu64 ".json", dir, a);
    FILE *f = fopen(path, "r");
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fake f0 = {0}, f1 = {0};
    replay(s, 0, &f0);
    replay(s, 1, &f1);
    assert_int_equal(files(), 0);
    spool_close(s);
    f = fopen(path, "w"); /* the file is back, as if its removal was lost */
    fwrite(buf, 1, n, f);
    fclose(f);
    s = open_pair(0);
    assert_int_equal(spool_count(s), 0);
    assert_int_equal(files(), 0);
    fake g0 = {0};
    replay(s, 0, &g0);
    assert_int_equal(g0.ngot, 0); /* sent to nobody again */
    spool_close(s);
}

static void test_put_for_one(void **state)
{
    (void)state;
    spool *s = open_pair(0);
    uint64_t a = put_new(s);
    vg_err err;
    uint64_t seq;
    assert_int_equal(spool_next_seq(s, &seq, &err), VG_OK);
    char body[200];
    snprintf(body, sizeof body, "{\"agent\":\"nro-doullens\",\"seq\":%" PRIu64 ",\"samples\":[]}", seq);
    assert_int_equal(spool_put_for(s, seq, body, strlen(body), 1, &err), VG_OK);
    assert_int_equal(spool_count_for(s, 0), 1);
    assert_int_equal(spool_count_for(s, 1), 2);
    spool_close(s); /* the restart keeps it for the second only (DIR/<seq>.for) */
    s = open_pair(0);
    assert_int_equal(spool_count_for(s, 0), 1);
    assert_int_equal(spool_count_for(s, 1), 2);
    spool_close(s); /* the list reordered: still for that server, now the first */
    static const char *const reversed[] = {"http://127.0.0.1:2/b", "http://127.0.0.1:1/a"};
    s = spool_open(dir, "nro-doullens", 64u << 20, &err);
    assert_non_null(s);
    assert_int_equal(spool_set_servers(s, reversed, 2, UINT64_MAX, &err), VG_OK);
    assert_int_equal(spool_count_for(s, 0), 2);
    assert_int_equal(spool_count_for(s, 1), 1);
    spool_close(s);
    s = open_pair(0);
    fake f0 = {0}, f1 = {0};
    assert_int_equal(replay(s, 0, &f0).sent, 1);
    assert_true(f0.ngot == 1 && f0.got[0] == a);
    assert_int_equal(replay(s, 1, &f1).sent, 2);
    assert_true(f1.ngot == 2 && f1.got[1] == seq);
    assert_int_equal(files(), 0);
    char mask[64];
    snprintf(mask, sizeof mask, "%s/%020" PRIu64 ".for", dir, seq);
    assert_int_equal(access(mask, F_OK), -1);
    spool_close(s);
}

static void test_rejected_by_one(void **state)
{
    (void)state;
    spool *s = open_pair(0);
    put_new(s);
    fake f0 = {.nscript = 1, .script = {PUSH_REJECTED}}, f1 = {0};
    assert_int_equal(replay(s, 0, &f0).rejected, 1);
    assert_int_equal(files(), 1); /* the other still lacks it */
    assert_int_equal(replay(s, 1, &f1).sent, 1);
    assert_int_equal(files(), 0);
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/rejected", dir);
    DIR *d = opendir(sub);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(n, 1); /* kept aside once nobody lacks it */
    spool_close(s);
}

/* ---- agent.yaml -------------------------------------------------------------------------------- */

static agent_config *load(const char *text, vg_err *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/agent.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
    return agent_config_load(path, "/nonexistent", err);
}

#define BASE "agent: a1\ntoken: \"0123456789abcdef\"\ndevices: [{name: u, host: 127.0.0.1}]\n"

static void test_config(void **state)
{
    (void)state;
    vg_err err;
    agent_config *c = load(BASE "server: http://127.0.0.1:1\n", &err);
    assert_non_null(c);
    assert_int_equal(c->nservers, 1);
    assert_string_equal(c->server, "http://127.0.0.1:1");
    assert_int_equal(agent_server_backlog_bytes(c), 48ull << 20); /* 3/4 of 64 MB */
    assert_int_equal(c->watchdog.after, 0);
    agent_config_free(c);
    c = load(BASE "server: [http://127.0.0.1:1, 'https://b.example:8470']\nserver_backlog_mb: 10\n"
                  "watchdog: {after: 60, repeat: 600, webhook: 'http://127.0.0.1:9/hook',\n"
                  "  smtp: {url: 'smtp://127.0.0.1:25', from: 'a@b.c', to: [x@y.z], starttls: false}}\n",
             &err);
    if (!c)
        fail_msg("%s", err.msg);
    assert_int_equal(c->nservers, 2);
    assert_string_equal(c->servers[1], "https://b.example:8470");
    assert_string_equal(c->server, "http://127.0.0.1:1");
    assert_int_equal(agent_server_backlog_bytes(c), 10ull << 20);
    assert_int_equal(c->watchdog.after, 60);
    assert_int_equal(c->watchdog.repeat, 600);
    assert_int_equal(c->watchdog.nsmtp_to, 1);
    assert_false(c->watchdog.smtp_starttls);
    agent_config_free(c);
    static const struct {
        const char *yaml, *says;
    } bad[] = {
        {"server: [http://a:1, http://b:1, http://c:1, http://d:1, http://e:1]\n", "1 to 4"},
        {"server: [http://a:1, http://a:1]\n", "given twice"},
        {"server: [ftp://a:1]\n", "http:// or https://"},
        {"server: []\n", "server"},
        {"server: http://a:1\nserver_backlog_mb: 64\n", "below spool_max_mb"},
        {"server: http://a:1\nwatchdog: {after: 60}\n", "webhook"},
        {"server: http://a:1\nwatchdog: {after: 5, webhook: 'http://h:1/'}\n", "after"},
        {"server: http://a:1\nwatchdog: {after: 60, webhook: 'http://h:1/', smtp: {url: 'smtp://h', from: 'a@b', "
         "to: [nobody]}}\n",
         "e-mail address"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[600];
        snprintf(text, sizeof text, BASE "%s", bad[i].yaml);
        c = load(text, &err);
        if (c)
            fail_msg("accepted: %s", bad[i].yaml);
        if (!strstr(err.msg, bad[i].says) || !strstr(err.msg, "agent.yaml:"))
            fail_msg("'%s' does not say '%s' with file:line", err.msg, bad[i].says);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_down, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_both_down, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_backlog_bound, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_restart_partial, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_leftover_removed, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_put_for_one, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_rejected_by_one, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_config, setup_each, teardown_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
