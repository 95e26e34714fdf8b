/* The agent's on-disk spool in a temp folder, with a fake server: write and replay order, stopping at
 * the first retry, persistence across close and open, the size bound and its counter, sequence
 * numbers across restarts, corrupt and truncated files set aside, rejected batches kept aside, dead
 * letters, duplicates, numbers never given unrecorded, --spool-status, the retention of the folders
 * set aside (by age, count and size; never the batches waiting) and its agent.yaml keys. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "push.h"
#include "config/agent_config.h"
#include "push/spool.h"
#include "test_util.h"

#define MB (1024u * 1024)

static char *dir;

static int setup_each(void **state)
{
    dir = tu_tmpdir();
    return 0;
}

static int teardown_each(void **state)
{
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static spool *open_spool(uint64_t max_bytes)
{
    vg_err err;
    spool *s = spool_open(dir, "nro-doullens", max_bytes, &err);
    if (!s)
        fail_msg("spool_open: %s", err.msg);
    return s;
}

/* A real batch as the agent encodes it: n samples of ups1 stamped ts. */
static char *make_agent_body(const char *agent, uint64_t seq, int64_t ts, int n)
{
    push_batch *b = push_batch_new(agent, seq);
    assert_non_null(b);
    for (int i = 0; i < n; i++) {
        push_sample s;
        char inst[16];
        snprintf(inst, sizeof inst, "L%d", i + 1);
        assert_int_equal(push_sample_set(&s, "ups1", "input.voltage", inst, 230 + i, "V", ts), 0);
        assert_int_equal(push_batch_add(b, &s), 0);
    }
    char *body = push_batch_encode(b);
    push_batch_free(b);
    assert_non_null(body);
    return body;
}

static char *make_body(uint64_t seq, int64_t ts, int n) { return make_agent_body("nro-doullens", seq, ts, n); }

/* Spools a new batch numbered by the spool; returns its sequence number, its body in *body if asked. */
static uint64_t put_new(spool *s, int64_t ts, int n, char **body)
{
    vg_err err;
    uint64_t seq;
    assert_int_equal(spool_next_seq(s, &seq, &err), 0);
    char *b = make_body(seq, ts, n);
    if (spool_put(s, seq, b, strlen(b), &err) != 0)
        fail_msg("spool_put: %s", err.msg);
    if (body)
        *body = b;
    else
        free(b);
    return seq;
}

static uint64_t body_seq(const char *body)
{
    vg_err perr;
    push_batch *b = push_batch_decode(body, strlen(body), time(NULL), &perr);
    if (!b)
        fail_msg("%s: %s", perr.field, perr.msg);
    uint64_t seq = push_batch_seq(b);
    push_batch_free(b);
    return seq;
}

static void write_raw(const char *sub, uint64_t seq, const char *text, size_t len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s%s%020llu.json", dir, sub, sub[0] ? "/" : "", (unsigned long long)seq);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static bool file_exists(const char *sub, uint64_t seq)
{
    char path[1200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s%s%020llu.json", dir, sub, sub[0] ? "/" : "", (unsigned long long)seq);
    return stat(path, &st) == 0;
}

/* Regular files directly in dir/sub, dot files left out. */
static int count_files(const char *sub)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        if (e->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode) && strstr(e->d_name, ".json"))
            n++;
    }
    closedir(d);
    return n;
}

static unsigned long long read_number(const char *name)
{
    char path[1200], buf[64] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s missing", path);
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    fclose(f);
    return strtoull(buf, NULL, 10);
}

/* ---- the fake server ------------------------------------------------------------------------ */

typedef struct {
    push_result script[32]; /* answer to the i-th send; past the script: PUSH_SENT */
    size_t nscript;
    const char *reason[32]; /* the 500's message of the i-th send (PUSH_FAILED), "disk full" if NULL */
    char *bodies[32];       /* what was sent, in order */
    size_t nsent;
} fake_server;

static push_result fake_send(void *ctx, const char *body, size_t len, char *why, size_t why_size)
{
    fake_server *f = ctx;
    assert_int_equal(strlen(body), len);
    size_t i = f->nsent;
    assert_true(i < 32);
    f->bodies[f->nsent++] = strdup(body);
    push_result r = i < f->nscript ? f->script[i] : PUSH_SENT;
    if (r == PUSH_RETRY)
        snprintf(why, why_size, "connection refused");
    else if (r == PUSH_REJECTED)
        snprintf(why, why_size, "answered 400: samples[0].metric: bad");
    else if (r == PUSH_FAILED)
        snprintf(why, why_size, "answered 500: %s", f->reason[i] ? f->reason[i] : "disk full");
    else if (r == PUSH_DUPLICATE)
        snprintf(why, why_size, "answered duplicate");
    return r;
}

static void fake_free(fake_server *f)
{
    for (size_t i = 0; i < f->nsent; i++)
        free(f->bodies[i]);
    memset(f, 0, sizeof *f);
}

static spool_replay_stats replay(spool *s, fake_server *f)
{
    spool_replay_stats st;
    vg_err err;
    if (spool_replay(s, fake_send, f, 0, &st, &err) != 0)
        fail_msg("spool_replay: %s", err.msg);
    return st;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_write_replay_order(void **state)
{
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    char *body[4];
    uint64_t seq[4];
    for (int i = 0; i < 4; i++) {
        seq[i] = put_new(s, now - 40 + 10 * i, 3, &body[i]);
        assert_true(file_exists("", seq[i])); /* on disk before any attempt to send it */
        if (i)
            assert_int_equal(seq[i], seq[i - 1] + 1);
    }
    assert_int_equal(spool_count(s), 4);
    /* what the files take: each batch and its check */
    size_t total = 0;
    for (int i = 0; i < 4; i++) {
        char path[1200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%020llu.json", dir, (unsigned long long)seq[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_true((size_t)st.st_size > strlen(body[i]));
        total += (size_t)st.st_size;
    }
    assert_int_equal(spool_bytes(s), total);

    /* the server is away after the first batch: replay stops there, nothing else is tried */
    fake_server f = {.script = {PUSH_SENT, PUSH_RETRY}, .nscript = 2};
    spool_replay_stats st = replay(s, &f);
    assert_int_equal(st.sent, 1);
    assert_true(st.retry);
    assert_string_equal(st.why, "connection refused");
    assert_int_equal(f.nsent, 2);
    assert_string_equal(f.bodies[0], body[0]);
    assert_string_equal(f.bodies[1], body[1]);
    assert_false(file_exists("", seq[0]));
    assert_true(file_exists("", seq[1]));
    assert_int_equal(spool_count(s), 3);
    fake_free(&f);

    /* back: the rest goes oldest first, byte for byte (the samples keep their own timestamps) */
    st = replay(s, &f);
    assert_int_equal(st.sent, 3);
    assert_false(st.retry);
    assert_int_equal(f.nsent, 3);
    for (int i = 1; i < 4; i++)
        assert_string_equal(f.bodies[i - 1], body[i]);
    assert_int_equal(spool_count(s), 0);
    assert_int_equal(spool_bytes(s), 0);
    assert_int_equal(count_files(""), 0);
    fake_free(&f);

    /* an empty spool sends nothing */
    st = replay(s, &f);
    assert_int_equal(f.nsent, 0);
    assert_int_equal(st.sent, 0);
    for (int i = 0; i < 4; i++)
        free(body[i]);
    spool_close(s);
}

static void test_persists_across_restart(void **state)
{
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    char *body[3];
    for (int i = 0; i < 3; i++)
        put_new(s, now - 30 + 10 * i, 2, &body[i]);
    spool_close(s);
    /* a write a crash interrupted leaves a temp file: removed, not replayed */
    char path[1200];
    tu_write(dir, ".00000000000000000001.json.tmp", "{\"agent\":", path, sizeof path);
    /* names that are not batches are left alone */
    tu_write(dir, "README", "not a batch", path, sizeof path);
    tu_write(dir, "123.json", "{}", path, sizeof path);

    s = open_spool(64 * MB);
    assert_int_equal(spool_count(s), 3);
    fake_server f = {0};
    spool_replay_stats st = replay(s, &f);
    assert_int_equal(st.sent, 3);
    assert_int_equal(f.nsent, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(f.bodies[i], body[i]);
    struct stat sb;
    snprintf(path, sizeof path, "%s/.00000000000000000001.json.tmp", dir);
    assert_int_not_equal(stat(path, &sb), 0);
    snprintf(path, sizeof path, "%s/README", dir);
    assert_int_equal(stat(path, &sb), 0);
    fake_free(&f);
    for (int i = 0; i < 3; i++)
        free(body[i]);
    spool_close(s);
}

static void test_seq_persists(void **state)
{
    time_t before = time(NULL);
    spool *s = open_spool(64 * MB);
    vg_err err;
    uint64_t a, b;
    /* a new spool starts from the time, as the agent always did */
    assert_int_equal(spool_next_seq(s, &a, &err), 0);
    assert_true(a >= (uint64_t)before * 1000 && a <= (uint64_t)time(NULL) * 1000);
    assert_int_equal(read_number("seq"), a);
    assert_int_equal(spool_next_seq(s, &b, &err), 0);
    assert_int_equal(b, a + 1);
    assert_int_equal(read_number("seq"), b);
    spool_close(s);

    /* a restart goes on from the next number, even with nothing spooled */
    s = open_spool(64 * MB);
    assert_int_equal(spool_last_seq(s), b);
    assert_int_equal(spool_next_seq(s, &a, &err), 0);
    assert_int_equal(a, b + 1);
    spool_close(s);

    /* a seq file behind the batches spooled (restored from a backup, say) never gives a number twice */
    s = open_spool(64 * MB);
    uint64_t c = put_new(s, time(NULL), 1, NULL);
    assert_int_equal(c, a + 1);
    spool_close(s);
    char path[1200];
    tu_write(dir, "seq", "5\n", path, sizeof path);
    s = open_spool(64 * MB);
    assert_int_equal(spool_next_seq(s, &b, &err), 0);
    assert_int_equal(b, c + 1);
    spool_close(s);

    /* a missing or unreadable seq file: from the time again, above what is spooled */
    tu_write(dir, "seq", "garbage", path, sizeof path);
    before = time(NULL);
    s = open_spool(64 * MB);
    assert_int_equal(spool_next_seq(s, &b, &err), 0);
    assert_true(b >= (uint64_t)before * 1000);
    spool_close(s);
}

static void test_bound_drops_oldest(void **state)
{
    int64_t now = time(NULL);
    char *one = make_body(1, now, 20);
    size_t len = strlen(one);
    free(one);
    /* room for three batches and a half */
    spool *s = open_spool(len * 3 + len / 2);
    uint64_t seq[6];
    for (int i = 0; i < 6; i++)
        seq[i] = put_new(s, now - 60 + 10 * i, 20, NULL);
    assert_int_equal(spool_count(s), 3);
    assert_int_equal(spool_dropped(s), 3);
    assert_true(spool_bytes(s) <= len * 3 + len / 2);
    assert_int_equal(count_files(""), 3);
    for (int i = 0; i < 3; i++)
        assert_false(file_exists("", seq[i]));
    for (int i = 3; i < 6; i++)
        assert_true(file_exists("", seq[i]));
    assert_int_equal(read_number("dropped"), 3);
    spool_close(s);

    /* the count survives a restart and goes on */
    s = open_spool(len * 3 + len / 2);
    assert_int_equal(spool_dropped(s), 3);
    assert_int_equal(spool_count(s), 3);
    uint64_t last = put_new(s, now, 20, NULL);
    assert_int_equal(spool_dropped(s), 4);
    assert_int_equal(read_number("dropped"), 4);
    fake_server f = {0};
    replay(s, &f);
    assert_int_equal(f.nsent, 3);
    assert_int_equal(body_seq(f.bodies[0]), seq[4]); /* seq[3] was dropped for the new one */
    assert_int_equal(body_seq(f.bodies[1]), seq[5]);
    assert_int_equal(body_seq(f.bodies[2]), last);
    fake_free(&f);
    spool_close(s);

    /* a batch larger than the whole bound is still kept: the newest is never dropped */
    s = open_spool(10);
    put_new(s, now, 1, NULL);
    put_new(s, now, 1, NULL);
    assert_int_equal(spool_count(s), 1);
    assert_int_equal(spool_dropped(s), 5);
    spool_close(s);
}

/* One put over the bound by several batches drops them all in that call, the oldest first: the index
 * stays the files' (each dropped once, none forgotten while its file stays, the bytes counted right). */
static void test_bound_drops_several_at_once(void **state)
{
    (void)state;
    int64_t now = time(NULL);
    char *one = make_body(1, now, 20);
    size_t len = strlen(one);
    free(one);
    spool *s = open_spool(len * 4 + len / 2);
    uint64_t seq[4];
    for (int i = 0; i < 4; i++)
        seq[i] = put_new(s, now - 60 + 10 * i, 20, NULL);
    assert_int_equal(spool_dropped(s), 0);
    uint64_t big = put_new(s, now, 60, NULL); /* about three small ones: the oldest three go */
    size_t left = spool_count(s);
    assert_true(left >= 2 && left <= 3);
    assert_int_equal(spool_dropped(s), 5 - left);
    assert_int_equal(count_files(""), (int)left);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(file_exists("", seq[i]), i >= 5 - left);
    assert_true(file_exists("", big));
    assert_true(spool_bytes(s) <= len * 4 + len / 2);
    fake_server f = {0};
    replay(s, &f);
    assert_int_equal(f.nsent, left); /* every file still there is sent, once, in order */
    for (size_t i = 0; i + 1 < left; i++)
        assert_int_equal(body_seq(f.bodies[i]), seq[4 - left + 1 + i]);
    assert_int_equal(body_seq(f.bodies[left - 1]), big);
    assert_int_equal(spool_count(s), 0);
    assert_int_equal(spool_bytes(s), 0);
    assert_int_equal(count_files(""), 0);
    fake_free(&f);
    spool_close(s);
}

static void test_corrupt_set_aside(void **state)
{
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    char *body[2];
    uint64_t first = put_new(s, now - 20, 4, &body[0]);
    spool_close(s);
    uint64_t bad = first + 1, cut = first + 2, alien = first + 3, wrong = first + 4, empty = first + 5;
    write_raw("", bad, "this is not JSON", 16);
    char *full = make_body(cut, now - 10, 4);
    write_raw("", cut, full, strlen(full) / 2); /* truncated: a crash in the middle of a copy */
    free(full);
    write_raw("", alien, "{\"hello\": [1, 2, 3]}", 20); /* JSON, but no batch */
    char *other = make_body(7, now - 10, 1); /* a batch, but not the one its name says */
    write_raw("", wrong, other, strlen(other));
    free(other);
    write_raw("", empty, "", 0);

    s = open_spool(64 * MB);
    assert_int_equal(spool_count(s), 6);
    uint64_t after = put_new(s, now, 4, &body[1]);
    assert_true(after > empty);
    fake_server f = {0};
    spool_replay_stats st = replay(s, &f);
    assert_int_equal(st.sent, 2);
    assert_int_equal(st.corrupt, 5);
    assert_int_equal(f.nsent, 2);
    assert_string_equal(f.bodies[0], body[0]);
    assert_string_equal(f.bodies[1], body[1]);
    assert_int_equal(spool_count(s), 0);
    assert_int_equal(count_files(""), 0);
    assert_int_equal(count_files("corrupt"), 5);
    assert_true(file_exists("corrupt", bad));
    assert_true(file_exists("corrupt", cut));
    assert_true(file_exists("corrupt", empty));
    fake_free(&f);

    /* a second corrupt file of the same name does not replace the first */
    write_raw("", bad, "{{{", 3);
    spool_close(s);
    s = open_spool(64 * MB);
    st = replay(s, &f);
    assert_int_equal(st.corrupt, 1);
    assert_int_equal(count_files("corrupt"), 6);
    fake_free(&f);
    free(body[0]);
    free(body[1]);
    spool_close(s);
}

static void test_old_batch_is_not_corrupt(void **state)
{
    /* spooled 80 days ago (the file's time says so): still a batch, sent as it is */
    spool *s = open_spool(64 * MB);
    int64_t then = time(NULL) - 80 * 86400;
    char *body;
    uint64_t seq = put_new(s, then, 2, &body);
    char path[1200];
    snprintf(path, sizeof path, "%s/%020llu.json", dir, (unsigned long long)seq);
    struct timespec times[2] = {{(time_t)then + 1, 0}, {(time_t)then + 1, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    spool_close(s);
    s = open_spool(64 * MB);
    fake_server f = {0};
    spool_replay_stats st = replay(s, &f);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.corrupt, 0);
    assert_string_equal(f.bodies[0], body);
    fake_free(&f);
    free(body);
    spool_close(s);
}

static void test_rejected_kept_aside(void **state)
{
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    char *body[3];
    uint64_t seq[3];
    for (int i = 0; i < 3; i++)
        seq[i] = put_new(s, now - 30 + 10 * i, 2, &body[i]);
    /* the server refuses the second for good: kept aside, and the third still goes */
    fake_server f = {.script = {PUSH_SENT, PUSH_REJECTED, PUSH_SENT}, .nscript = 3};
    spool_replay_stats st = replay(s, &f);
    assert_int_equal(st.sent, 2);
    assert_int_equal(st.rejected, 1);
    assert_false(st.retry);
    assert_int_equal(f.nsent, 3);
    assert_string_equal(f.bodies[2], body[2]);
    assert_int_equal(spool_count(s), 0);
    assert_true(file_exists("rejected", seq[1]));
    assert_int_equal(count_files("rejected"), 1);
    assert_int_equal(count_files(""), 0);
    /* kept byte for byte */
    char path[1200], got[4096] = "";
    snprintf(path, sizeof path, "%s/rejected/%020llu.json", dir, (unsigned long long)seq[1]);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(got, 1, sizeof got - 1, fp);
    fclose(fp);
    got[n] = '\0';
    /* the batch, then the check member that closes it */
    size_t blen = strlen(body[1]);
    assert_true(n > blen);
    assert_memory_equal(got, body[1], blen - 1);
    assert_true(strncmp(got + blen - 1, ",\"spool\":\"sha256=", 17) == 0);
    fake_free(&f);
    for (int i = 0; i < 3; i++)
        free(body[i]);
    spool_close(s);
    /* not sent again after a restart */
    s = open_spool(64 * MB);
    assert_int_equal(spool_count(s), 0);
    spool_close(s);
}

static void test_other_agent_kept_aside(void **state)
{
    /* the agent was renamed: the old name's batches would be refused (403) forever and block the rest */
    int64_t now = time(NULL);
    char *old = make_agent_body("nro-old-name", 100, now - 10, 2);
    write_raw("", 100, old, strlen(old));
    free(old);
    spool *s = open_spool(64 * MB);
    char *body;
    uint64_t seq = put_new(s, now, 2, &body);
    assert_true(seq > 100);
    fake_server f = {0};
    spool_replay_stats st = replay(s, &f);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(st.sent, 1);
    assert_int_equal(f.nsent, 1);
    assert_string_equal(f.bodies[0], body);
    assert_true(file_exists("rejected", 100));
    fake_free(&f);
    free(body);
    spool_close(s);
}

/* The file's path, and its content read whole (NUL-terminated; the caller frees it). */
static char *read_spooled(uint64_t seq, char *path, size_t size, size_t *len)
{
    snprintf(path, size, "%s/%020llu.json", dir, (unsigned long long)seq);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, fp);
    fclose(fp);
    return buf;
}

static void test_check_finds_changed_byte(void **state)
{
    /* a changed digit keeps the file valid JSON, and a valid batch: only the check can tell */
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    char *body[2];
    uint64_t seq = put_new(s, now - 10, 3, &body[0]);
    uint64_t good = put_new(s, now, 3, &body[1]);
    char path[1200];
    size_t len;
    char *buf = read_spooled(seq, path, sizeof path, &len);
    char *ts = strstr(buf, "\"ts\":");
    assert_non_null(ts);
    ts[5] = ts[5] == '1' ? '2' : '1';
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    fclose(fp);
    free(buf);
    fake_server f = {0};
    spool_replay_stats st = replay(s, &f);
    assert_int_equal(st.corrupt, 1);
    assert_int_equal(st.sent, 1);
    assert_string_equal(f.bodies[0], body[1]);
    assert_true(file_exists("corrupt", seq));
    assert_false(file_exists("", good));
    fake_free(&f);
    free(body[0]);
    free(body[1]);
    spool_close(s);
}

static void test_check_names_agent_and_batch(void **state)
{
    int64_t now = time(NULL);
    spool *s = open_spool(64 * MB);
    char *body;
    uint64_t seq = put_new(s, now - 10, 2, &body);
    spool_close(s);
    char path[1200], other[1200];
    size_t len;
    free(read_spooled(seq, path, sizeof path, &len));
    /* the same file under another number: its check says which batch it is */
    snprintf(other, sizeof other, "%s/%020llu.json", dir, (unsigned long long)(seq + 5));
    assert_int_equal(link(path, other), 0);
    /* read back by an agent of another name (renamed): not its batch, set aside as rejected */
    vg_err err;
    s = spool_open(dir, "nro-peronne", 64 * MB, &err);
    assert_non_null(s);
    fake_server f = {0};
    spool_replay_stats st = replay(s, &f);
    assert_int_equal(f.nsent, 0);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(st.corrupt, 1);
    assert_true(file_exists("rejected", seq));
    assert_true(file_exists("corrupt", seq + 5));
    fake_free(&f);
    free(body);
    spool_close(s);
}

static void test_aside_bounded(void **state)
{
    int64_t now = time(NULL);
    char *one = make_body(1, now, 20);
    size_t len = strlen(one);
    free(one);
    spool *s = open_spool(len * 2 + len / 2);
    uint64_t seq[4];
    fake_server f = {.script = {PUSH_REJECTED, PUSH_REJECTED, PUSH_REJECTED, PUSH_REJECTED}, .nscript = 4};
    for (int i = 0; i < 4; i++) {
        seq[i] = put_new(s, now, 20, NULL);
        replay(s, &f);
    }
    /* rejected/ is kept within the same bound: its oldest files go first, loudly */
    assert_int_equal(f.nsent, 4);
    assert_int_equal(count_files("rejected"), 2);
    assert_false(file_exists("rejected", seq[1]));
    assert_true(file_exists("rejected", seq[2]));
    assert_true(file_exists("rejected", seq[3]));
    fake_free(&f);
    spool_close(s);
}

static void test_one_agent_per_spool(void **state)
{
    spool *s = open_spool(64 * MB);
    vg_err err;
    spool *t = spool_open(dir, "nro-doullens", 64 * MB, &err);
    assert_null(t);
    assert_int_equal(err.code, VG_E_CONFLICT);
    assert_non_null(strstr(err.msg, "in use by another vigie-agent"));
    spool_close(s);
    t = spool_open(dir, "nro-doullens", 64 * MB, &err);
    assert_non_null(t);
    spool_close(t);
    /* a folder that cannot be created is an error, not a crash */
    char path[1200];
    tu_write(dir, "file", "x", path, sizeof path);
    snprintf(path, sizeof path, "%s/file/spool", dir);
    assert_null(spool_open(path, "nro-doullens", 64 * MB, &err));
    assert_int_equal(err.code, VG_E_IO);
    assert_non_null(strstr(err.msg, "cannot create"));
    /* a file where the folder should be: the path is in the message */
    snprintf(path, sizeof path, "%s/file", dir);
    assert_null(spool_open(path, "nro-doullens", 64 * MB, &err));
    assert_int_equal(err.code, VG_E_IO);
    assert_non_null(strstr(err.msg, path));
    assert_null(spool_open("", "nro-doullens", 64 * MB, &err));
    assert_int_equal(err.code, VG_E_INVALID);
}

/* Files that cannot be written (a folder in their place, as root would still write a read-only one):
 * the sequence number and the batch fail with VG_E_IO and the path, and the batch is not spooled. */
static void test_write_errors(void **state)
{
    spool *s = open_spool(64 * MB);
    vg_err err;
    uint64_t seq;
    char path[1200];
    snprintf(path, sizeof path, "%s/seq", dir);
    assert_int_equal(mkdir(path, 0750), 0);
    assert_int_equal(mkdir(strcat(path, "/x"), 0750), 0);
    assert_int_equal(spool_next_seq(s, &seq, &err), VG_E_IO);
    assert_non_null(strstr(err.msg, dir));
    snprintf(path, sizeof path, "%s/%020llu.json", dir, (unsigned long long)seq);
    assert_int_equal(mkdir(path, 0750), 0);
    assert_int_equal(mkdir(strcat(path, "/x"), 0750), 0);
    char *b = make_body(seq, time(NULL), 1);
    assert_int_equal(spool_put(s, seq, b, strlen(b), &err), VG_E_IO);
    assert_non_null(strstr(err.msg, dir));
    assert_int_equal(spool_count(s), 0);
    assert_int_equal(spool_put(s, seq, "not json", 8, &err), VG_E_INVALID);
    assert_int_equal(spool_put(s, seq + 1, b, strlen(b), &err), VG_OK);
    assert_int_equal(spool_count(s), 1);
    free(b);
    spool_close(s);
}

static void test_budget(void **state)
{
    spool *s = open_spool(64 * MB);
    for (int i = 0; i < 3; i++)
        put_new(s, time(NULL), 1, NULL);
    /* a tiny budget still sends one batch, then leaves the rest for the next cycle */
    fake_server f = {0};
    spool_replay_stats st;
    vg_err err;
    assert_int_equal(spool_replay(s, fake_send, &f, 1e-9, &st, &err), 0);
    assert_int_equal(st.sent, 1);
    assert_false(st.retry);
    assert_int_equal(spool_count(s), 2);
    fake_free(&f);
    spool_close(s);
}

/* A batch the server answers 500 for, the same reason SPOOL_DEAD_AFTER times in a row, goes to dead/
 * and the queue moves on; until then replay stops at it, like at an outage, and another reason starts
 * the count again. */
static void test_dead_letter(void **state)
{
    assert_int_equal(SPOOL_DEAD_AFTER, 3);
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    char *body[2];
    uint64_t seq[2];
    for (int i = 0; i < 2; i++)
        seq[i] = put_new(s, now - 20 + 10 * i, 2, &body[i]);
    /* twice "disk full", then another reason: counted again from one */
    fake_server f = {.script = {PUSH_FAILED, PUSH_FAILED}, .nscript = 2};
    for (int k = 0; k < 2; k++) {
        spool_replay_stats st = replay(s, &f);
        assert_true(st.retry);
        assert_int_equal(st.dead, 0);
    }
    f.reason[2] = "file name too long";
    f.script[2] = PUSH_FAILED;
    f.nscript = 3;
    spool_replay_stats st = replay(s, &f);
    assert_true(st.retry);
    assert_int_equal(spool_count(s), 2);
    /* the same reason twice more: three in a row, set aside, and the next batch goes */
    for (int k = 3; k < 5; k++) {
        f.reason[k] = "file name too long";
        f.script[k] = PUSH_FAILED;
    }
    f.nscript = 5;
    st = replay(s, &f);
    assert_true(st.retry);
    st = replay(s, &f);
    assert_int_equal(st.dead, 1);
    assert_int_equal(st.sent, 1);
    assert_false(st.retry);
    assert_int_equal(f.nsent, 6);
    assert_string_equal(f.bodies[5], body[1]);
    assert_true(file_exists("dead", seq[0]));
    assert_int_equal(count_files("dead"), 1);
    assert_int_equal(count_files(""), 0);
    assert_int_equal(spool_dead(s), 1);
    free(body[0]);
    free(body[1]);
    fake_free(&f);
    spool_close(s);
}

/* "duplicate" for a batch never sent before is a number used twice: set aside in duplicate/ and
 * counted; for the batch whose earlier try got no answer (or the oldest at start, which may have been
 * on its way when the agent stopped) it is the server's stored copy: removed as sent. */
static void test_duplicate(void **state)
{
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    uint64_t seq[4];
    for (int i = 0; i < 4; i++)
        seq[i] = put_new(s, now - 40 + 10 * i, 1, NULL);
    /* seq[0] sent; seq[1] tried, no answer, then "duplicate": ours; seq[2] "duplicate" at once */
    fake_server f = {.script = {PUSH_SENT, PUSH_RETRY, PUSH_DUPLICATE, PUSH_DUPLICATE}, .nscript = 4};
    spool_replay_stats st = replay(s, &f);
    assert_true(st.retry);
    st = replay(s, &f);
    assert_int_equal(st.sent, 2); /* seq[1] (its copy was stored) and seq[3] */
    assert_int_equal(st.duplicate, 1);
    assert_false(file_exists("duplicate", seq[1]));
    assert_true(file_exists("duplicate", seq[2]));
    assert_int_equal(count_files("duplicate"), 1);
    assert_int_equal(spool_duplicates(s), 1);
    assert_int_equal(count_files(""), 0);
    fake_free(&f);
    /* after a restart, the oldest batch may have been on its way: "duplicate" is its copy */
    uint64_t a = put_new(s, now, 1, NULL), b = put_new(s, now, 1, NULL);
    spool_close(s);
    s = open_spool(64 * MB);
    f = (fake_server){.script = {PUSH_DUPLICATE, PUSH_DUPLICATE}, .nscript = 2};
    st = replay(s, &f);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.duplicate, 1);
    assert_false(file_exists("duplicate", a));
    assert_true(file_exists("duplicate", b));
    fake_free(&f);
    spool_close(s);
}

/* A number that cannot be recorded is not given: the next call, once it can be, gives the same. */
static void test_seq_not_recorded_not_given(void **state)
{
    spool *s = open_spool(64 * MB);
    vg_err err;
    uint64_t first, seq;
    assert_int_equal(spool_next_seq(s, &first, &err), VG_OK);
    char path[1200];
    snprintf(path, sizeof path, "%s/seq", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0750), 0);
    assert_int_equal(mkdir(strcat(path, "/x"), 0750), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(spool_next_seq(s, &seq, &err), VG_E_IO);
        assert_int_equal(spool_last_seq(s), first);
    }
    assert_int_equal(rmdir(path), 0);
    path[strlen(path) - 2] = '\0';
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(spool_next_seq(s, &seq, &err), VG_OK);
    assert_int_equal(seq, first + 1);
    spool_close(s);
    /* and a restart goes on from it */
    s = open_spool(64 * MB);
    assert_int_equal(spool_next_seq(s, &seq, &err), VG_OK);
    assert_int_equal(seq, first + 2);
    spool_close(s);
}

/* --spool-status: waiting batches, the folders set aside, the last outcome. */
static void test_status_print(void **state)
{
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    for (int i = 0; i < 3; i++)
        put_new(s, now, 1, NULL);
    fake_server f = {.script = {PUSH_REJECTED, PUSH_RETRY}, .nscript = 2};
    replay(s, &f);
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    vg_err err;
    assert_int_equal(spool_status_print(dir, m, &err), VG_OK);
    fclose(m);
    assert_non_null(strstr(out, "waiting: 2 batch(es), "));
    assert_non_null(strstr(out, "\nrejected: 1\n"));
    assert_non_null(strstr(out, "\ncorrupt: 0\n"));
    assert_non_null(strstr(out, "\ndead: 0\n"));
    assert_non_null(strstr(out, "\nduplicate: 0\n"));
    assert_non_null(strstr(out, "last push: "));
    assert_non_null(strstr(out, " retry connection refused"));
    free(out);
    fake_free(&f);
    spool_close(s);
    char missing[1200];
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(spool_status_print(missing, stdout, &err), VG_E_IO);
    assert_non_null(strstr(err.msg, missing));
}


/* ---- retention of the folders set aside ----------------------------------------------------- */

/* Sets the mtime of dir/sub/<seq>.json to `days` days before now. */
static void age_file(const char *sub, uint64_t seq, int days)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s%s%020llu.json", dir, sub, sub[0] ? "/" : "", (unsigned long long)seq);
    struct timespec t[2] = {{.tv_sec = time(NULL) - (time_t)days * 86400}, {.tv_sec = time(NULL) - (time_t)days * 86400}};
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static char *status_text(void)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    vg_err err;
    assert_int_equal(spool_status_print(dir, m, &err), VG_OK);
    fclose(m);
    return out;
}

static void test_retention_by_age(void **state)
{
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    uint64_t r[3];
    fake_server f = {.script = {PUSH_REJECTED, PUSH_REJECTED, PUSH_REJECTED}, .nscript = 3};
    for (int i = 0; i < 3; i++) {
        r[i] = put_new(s, now, 2, NULL);
        replay(s, &f);
    }
    fake_free(&f);
    uint64_t bad = r[2] + 1;
    write_raw("", bad, "not a batch", 11);
    spool_close(s);
    s = open_spool(64 * MB);
    replay(s, &f);
    fake_free(&f);
    assert_int_equal(count_files("rejected"), 3);
    assert_int_equal(count_files("corrupt"), 1);
    /* a batch waiting is never purged, however old its file */
    uint64_t live = put_new(s, now - 86400, 2, NULL);
    age_file("", live, 400);
    age_file("rejected", r[0], 40);
    age_file("rejected", r[1], 31);
    age_file("rejected", r[2], 29);
    age_file("corrupt", bad, 90);

    spool_purge_stats st;
    assert_int_equal(spool_purge(s, time(NULL), &st), 3);
    assert_int_equal(st.files[0], 2); /* rejected */
    assert_int_equal(st.files[1], 1); /* corrupt */
    assert_int_equal(st.files[2] + st.files[3], 0);
    assert_true(st.bytes > 0);
    assert_false(file_exists("rejected", r[0]));
    assert_false(file_exists("rejected", r[1]));
    assert_true(file_exists("rejected", r[2]));
    assert_int_equal(count_files("corrupt"), 0);
    assert_true(file_exists("", live));
    assert_int_equal(spool_count(s), 1);
    assert_int_equal(spool_purged(s), 3);
    assert_int_equal(read_number("purged"), 3);
    assert_int_equal(spool_purge(s, time(NULL), &st), 0); /* nothing left past its days */

    /* the days are set by the agent's configuration; the count survives a restart */
    spool_set_retention(s, &(spool_retention){.days = 10, .max_files = 1000, .max_bytes = 64 * MB});
    age_file("rejected", r[2], 11);
    assert_int_equal(spool_purge(s, time(NULL), &st), 1);
    spool_close(s);
    s = open_spool(64 * MB);
    assert_int_equal(spool_purged(s), 4);
    char *out = status_text();
    assert_non_null(strstr(out, "\nrejected: 0\n"));
    assert_non_null(strstr(out, "\nset aside: 0 file(s), 0 bytes\n"));
    assert_non_null(strstr(out, "\npurged: 4 file(s) set aside, deleted by the retention, the last at "));
    assert_non_null(strstr(out, "waiting: 1 batch(es)"));
    free(out);
    spool_close(s);
}

static void test_retention_by_count_and_size(void **state)
{
    spool *s = open_spool(64 * MB);
    spool_set_retention(s, &(spool_retention){.days = 30, .max_files = 2, .max_bytes = 64 * MB});
    int64_t now = time(NULL);
    uint64_t r[4];
    fake_server f = {.script = {PUSH_REJECTED, PUSH_REJECTED, PUSH_REJECTED, PUSH_REJECTED}, .nscript = 4};
    for (int i = 0; i < 4; i++) {
        r[i] = put_new(s, now, 20, NULL);
        replay(s, &f);
    }
    fake_free(&f);
    /* at most 2 files: the oldest go as soon as a third is set aside */
    assert_int_equal(count_files("rejected"), 2);
    assert_false(file_exists("rejected", r[1]));
    assert_true(file_exists("rejected", r[2]));
    assert_true(file_exists("rejected", r[3]));
    assert_int_equal(spool_purged(s), 2);
    char *out = status_text();
    assert_non_null(strstr(out, "\nrejected: 2\n"));
    assert_non_null(strstr(out, "\nset aside: 2 file(s), "));
    assert_non_null(strstr(out, ", the oldest set aside at "));
    free(out);
    /* the oldest by the time set aside, not by number: r[3] set aside long ago goes first */
    age_file("rejected", r[3], 5);
    spool_set_retention(s, &(spool_retention){.days = 30, .max_files = 1000, .max_bytes = 1});
    spool_purge_stats st;
    assert_int_equal(spool_purge(s, time(NULL), &st), 1); /* over 1 byte: its newest file stays */
    assert_false(file_exists("rejected", r[3]));
    assert_true(file_exists("rejected", r[2]));
    assert_int_equal(spool_purged(s), 3);
    spool_close(s);
}

static void test_housekeep_hourly(void **state)
{
    spool *s = open_spool(64 * MB);
    int64_t now = time(NULL);
    fake_server f = {.script = {PUSH_REJECTED, PUSH_REJECTED}, .nscript = 2};
    uint64_t a = put_new(s, now, 1, NULL);
    replay(s, &f);
    age_file("rejected", a, 60);
    spool_housekeep(s, (time_t)now); /* the first call purges */
    assert_false(file_exists("rejected", a));
    uint64_t b = put_new(s, now, 1, NULL);
    replay(s, &f);
    fake_free(&f);
    age_file("rejected", b, 60);
    spool_housekeep(s, (time_t)now + 10); /* not again within the hour */
    assert_true(file_exists("rejected", b));
    spool_housekeep(s, (time_t)now + SPOOL_PURGE_EVERY);
    assert_false(file_exists("rejected", b));
    assert_int_equal(spool_purged(s), 2);
    spool_close(s);
}

/* agent.yaml's spool_retention: defaults, values, and errors naming file, line and key. */
static agent_config *load_yaml(const char *extra, vg_err *err)
{
    char text[1000], path[1200];
    snprintf(text, sizeof text,
             "agent: a1\nserver: http://127.0.0.1:1\ntoken: \"0123456789abcdef\"\n%s"
             "devices:\n  - {name: d1, host: 127.0.0.1}\n",
             extra);
    tu_write(dir, "agent.yaml", text, path, sizeof path);
    chmod(path, 0600);
    return agent_config_load(path, "/nonexistent", err);
}

static void test_retention_config(void **state)
{
    vg_err err;
    agent_config *c = load_yaml("", &err);
    if (!c)
        fail_msg("%s", err.msg);
    assert_int_equal(c->spool_keep_days, SPOOL_KEEP_DAYS);
    assert_int_equal(c->spool_keep_files, SPOOL_KEEP_FILES);
    assert_int_equal(c->spool_keep_mb, 64);
    agent_config_free(c);
    c = load_yaml("spool_retention: {days: 7, max_files: 50, max_mb: 2}\n", &err);
    if (!c)
        fail_msg("%s", err.msg);
    assert_int_equal(c->spool_keep_days, 7);
    assert_int_equal(c->spool_keep_files, 50);
    assert_int_equal(c->spool_keep_mb, 2);
    agent_config_free(c);
    static const char *const bad[][2] = {
        {"spool_retention: {days: 0}\n", ":4:"},          {"spool_retention: {days: 3651}\n", "'days'"},
        {"spool_retention: {max_files: 0}\n", "'max_files'"}, {"spool_retention: {max_mb: 10241}\n", "'max_mb'"},
        {"spool_retention: {weeks: 2}\n", "weeks"},        {"spool_retention: 30\n", "spool_retention"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_null(load_yaml(bad[i][0], &err));
        if (!strstr(err.msg, bad[i][1]) || !strstr(err.msg, "agent.yaml:4:"))
            fail_msg("%s: %s", bad[i][0], err.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_replay_order, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_persists_across_restart, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_seq_persists, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_bound_drops_oldest, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_bound_drops_several_at_once, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_corrupt_set_aside, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_old_batch_is_not_corrupt, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_rejected_kept_aside, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_other_agent_kept_aside, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_check_finds_changed_byte, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_check_names_agent_and_batch, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_aside_bounded, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_one_agent_per_spool, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_budget, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_write_errors, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_dead_letter, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_duplicate, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_seq_not_recorded_not_given, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_status_print, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_retention_by_age, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_retention_by_count_and_size, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_housekeep_hourly, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_retention_config, setup_each, teardown_each),
    };
    return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
