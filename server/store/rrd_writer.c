#include "config.h"
#include "store/rrd_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "names.h"
#include "store/child.h"

/* A batch goes as one frame: u32 length, then u16 + site, u32 count, and per sample u8 + device,
 * u8 + metric, u8 + instance, i64 time, f64 value (native byte order: both ends are this binary).
 * The answer: i32 result, u64 written, stale, failed and failed series, u32 + a fate byte per sample
 * (rrd_sample_fate, in the frame's order), u16 + the failures (u32 index in the frame, u16 + reason),
 * u16 + error text. */
#define RW_SAMPLE_MAX (3 + NAME_MAX_LEN * 2 + INSTANCE_MAX_LEN + 16)
#define RW_FRAME_MAX ((size_t)2 + NAME_MAX_LEN + 4 + (size_t)PUSH_MAX_SAMPLES * RW_SAMPLE_MAX)
#define RW_ERR_MAX 1024
#define RW_HEAD (4 + 4 * 8 + 4) /* the answer's fixed part: result, counts, number of fates */

/* Several threads may have batches in the channel at once, so that the child always has the next one
 * to read: frames are sent one whole frame at a time, each with a ticket, and the answers, which come
 * back in the same order, are read by the thread whose ticket is being served. */
struct rrd_writer {
    rrd_writer_fn fn;
    void *ctx;
    pthread_mutex_t lock; /* everything below */
    pthread_cond_t changed;
    pid_t pid;
    int fd;
    bool sending;
    uint64_t next_ticket, serving;
    uint64_t generation; /* +1 at each restart: the tickets of the dead child fail */
    unsigned long restarts;
};

/* ---- both ends --------------------------------------------------------------------------------- */

static void rw_put(unsigned char **p, const void *v, size_t n)
{
    memcpy(*p, v, n);
    *p += n;
}

static void rw_put_str(unsigned char **p, const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    **p = (unsigned char)n;
    (*p)++;
    rw_put(p, s, n);
}

/* Reads n bytes from the frame; -1 past its end. */
static int rw_get(const unsigned char **p, const unsigned char *end, void *v, size_t n)
{
    if ((size_t)(end - *p) < n)
        return -1;
    memcpy(v, *p, n);
    *p += n;
    return 0;
}

static int rw_get_str(const unsigned char **p, const unsigned char *end, char *out, size_t max)
{
    unsigned char n;
    if (rw_get(p, end, &n, 1) != 0 || n > max || rw_get(p, end, out, n) != 0)
        return -1;
    out[n] = '\0';
    return 0;
}

/* ---- the child ----------------------------------------------------------------------------------- */

static push_batch *rw_decode(const unsigned char *p, size_t len, char *site)
{
    const unsigned char *end = p + len;
    uint16_t sl;
    uint32_t n;
    if (rw_get(&p, end, &sl, 2) != 0 || sl > NAME_MAX_LEN || rw_get(&p, end, site, sl) != 0 ||
        rw_get(&p, end, &n, 4) != 0 || n > PUSH_MAX_SAMPLES)
        return NULL;
    site[sl] = '\0';
    push_batch *b = push_batch_new("writer", 0);
    push_sample s;
    memset(&s, 0, sizeof s);
    for (uint32_t i = 0; b && i < n; i++) {
        if (rw_get_str(&p, end, s.device, NAME_MAX_LEN) != 0 || rw_get_str(&p, end, s.metric, NAME_MAX_LEN) != 0 ||
            rw_get_str(&p, end, s.instance, INSTANCE_MAX_LEN) != 0 || rw_get(&p, end, &s.ts, 8) != 0 ||
            rw_get(&p, end, &s.value, 8) != 0 || push_batch_add(b, &s) != 0) {
            push_batch_free(b);
            return NULL;
        }
    }
    return b;
}

static int rw_answer(int fd, int32_t rc, const rrd_store_stats *st, const char *err)
{
    uint32_t nfate = (uint32_t)st->nfate;
    uint16_t nfail = (uint16_t)(st->nfailures < RRD_STORE_FAILURES_MAX ? st->nfailures : RRD_STORE_FAILURES_MAX);
    unsigned char *out = malloc(RW_HEAD + nfate + 2 + (size_t)nfail * (4 + 2 + RRD_STORE_REASON_MAX) + 2 + RW_ERR_MAX);
    if (!out)
        return -1;
    unsigned char *p = out;
    uint64_t counts[4] = {st->written, st->stale, st->failed, st->failed_series};
    rw_put(&p, &rc, 4);
    rw_put(&p, counts, sizeof counts);
    rw_put(&p, &nfate, 4);
    if (nfate)
        rw_put(&p, st->fate, nfate);
    rw_put(&p, &nfail, 2);
    for (uint16_t i = 0; i < nfail; i++) {
        uint32_t index = (uint32_t)st->failures[i].index;
        uint16_t rl = (uint16_t)strnlen(st->failures[i].reason, RRD_STORE_REASON_MAX - 1);
        rw_put(&p, &index, 4);
        rw_put(&p, &rl, 2);
        rw_put(&p, st->failures[i].reason, rl);
    }
    uint16_t el = (uint16_t)strnlen(err, RW_ERR_MAX);
    rw_put(&p, &el, 2);
    rw_put(&p, err, el);
    int r = fd_send_all(fd, out, (size_t)(p - out));
    free(out);
    return r;
}

static int rw_serve(int fd, rrd_writer_fn fn, void *ctx)
{
    unsigned char *frame = NULL;
    int rc = 1;
    for (;;) {
        uint32_t len;
        bool eof;
        vg_code r = fd_read_all_or_eof(fd, &len, 4, &eof);
        if (eof) { /* the server closed its end: done */
            rc = 0;
            break;
        }
        if (r != 0 || len > RW_FRAME_MAX)
            break;
        unsigned char *f = realloc(frame, len ? len : 1);
        if (!f)
            break;
        frame = f;
        if (fd_read_all(fd, frame, len) != 0)
            break;
        char site[NAME_MAX_LEN + 1];
        vg_err err;
        vg_clear(&err);
        rrd_store_stats st = {0};
        push_batch *b = rw_decode(frame, len, site);
        vg_code wrc = b ? fn(ctx, site, b, &st, &err)
                        : vg_fail(&err, VG_E_INTERNAL, "the RRD writer process received a malformed batch");
        push_batch_free(b);
        int sent = rw_answer(fd, (int32_t)wrc, &st, err.msg);
        rrd_store_stats_clear(&st);
        if (sent != 0)
            break;
    }
    free(frame);
    return rc;
}

static void rw_child(int fd, rrd_writer_fn fn, void *ctx)
{
    /* SIG_DFL: a writer forks nothing (the server leaves SIGCHLD as it is, so this changes nothing) */
    fd = store_child_setup(fd, "vigie-rrdwriter", SIG_DFL);
    _exit(rw_serve(fd, fn, ctx));
}

/* ---- the server's end ------------------------------------------------------------------------------ */

static vg_code rw_spawn(rrd_writer *w, vg_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return vg_fail(err, VG_E_UNAVAILABLE, "cannot start the RRD writer process: socketpair: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        vg_code rc = vg_fail(err, VG_E_UNAVAILABLE, "cannot start the RRD writer process: fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return rc;
    }
    if (pid == 0) {
        close(sv[0]);
        rw_child(sv[1], w->fn, w->ctx);
    }
    close(sv[1]);
    w->pid = pid;
    w->fd = sv[0];
    return VG_OK;
}

/* Reaps the child (killing it if it is still there after a second) and says how it ended. */
static void rw_reap(rrd_writer *w, char *how, size_t how_size)
{
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 100 && (r = waitpid(w->pid, &status, WNOHANG)) == 0; i++)
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    if (r == 0) {
        kill(w->pid, SIGKILL);
        r = waitpid(w->pid, &status, 0);
    }
    if (r != w->pid)
        snprintf(how, how_size, "ended");
    else if (WIFSIGNALED(status))
        snprintf(how, how_size, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(how, how_size, "exited with status %d", WEXITSTATUS(status));
    close(w->fd);
    w->fd = -1;
    w->pid = 0;
}

rrd_writer *rrd_writer_start(rrd_writer_fn fn, void *ctx, vg_err *err)
{
    rrd_writer *w = calloc(1, sizeof *w);
    if (!w) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        return NULL;
    }
    w->fn = fn;
    w->ctx = ctx;
    w->fd = -1;
    if (rw_spawn(w, err) != VG_OK) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    return w;
}

void rrd_writer_free(rrd_writer *w)
{
    if (!w)
        return;
    if (w->pid > 0) {
        close(w->fd); /* the child sees the end of its stream once its batch is written */
        w->fd = -1;
        int status;
        while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

unsigned long rrd_writer_restarts(rrd_writer *w)
{
    pthread_mutex_lock(&w->lock);
    unsigned long n = w->restarts;
    pthread_mutex_unlock(&w->lock);
    return n;
}

pid_t rrd_writer_pid(rrd_writer *w)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->lock);
    pid_t pid = w->pid;
    pthread_mutex_unlock(&w->lock);
    return pid;
}

/* The frame of the samples of b that route() gives to writer k of n (all of them without route);
 * map[j] is the index in b of the frame's sample j. */
static unsigned char *rw_encode(const char *site, const push_batch *b, rrd_writer_route route, size_t k, size_t n,
                                size_t *len, uint32_t *count, size_t *map)
{
    size_t total = push_batch_count(b);
    unsigned char *buf = malloc(4 + 2 + NAME_MAX_LEN + 4 + total * RW_SAMPLE_MAX);
    if (!buf)
        return NULL;
    unsigned char *p = buf + 4;
    uint16_t sl = (uint16_t)strnlen(site, NAME_MAX_LEN);
    rw_put(&p, &sl, 2);
    rw_put(&p, site, sl);
    unsigned char *count_at = p;
    p += 4;
    *count = 0;
    for (size_t i = 0; i < total; i++) {
        const push_sample *s = push_batch_at(b, i);
        if (route && route(s, n) != k)
            continue;
        rw_put_str(&p, s->device, NAME_MAX_LEN);
        rw_put_str(&p, s->metric, NAME_MAX_LEN);
        rw_put_str(&p, s->instance, INSTANCE_MAX_LEN);
        rw_put(&p, &s->ts, 8);
        rw_put(&p, &s->value, 8);
        map[(*count)++] = i; /* the frame's sample *count is the batch's sample i */
    }
    memcpy(count_at, count, 4);
    uint32_t body = (uint32_t)(p - buf - 4);
    memcpy(buf, &body, 4);
    *len = (size_t)(p - buf);
    return buf;
}

static bool rw_read_str(int fd, char *out, size_t max)
{
    uint16_t l;
    if (fd_read_all(fd, &l, 2) != 0 || l > max || (l && fd_read_all(fd, out, l) != 0))
        return false;
    out[l] = '\0';
    return true;
}

/* Reads one answer: what fn returned in the child, in *code and err, and st (rrd_store_stats_clear
 * it); false when the channel failed. */
static bool rw_read_answer(int fd, rrd_store_stats *st, vg_code *code, vg_err *err)
{
    unsigned char head[RW_HEAD];
    if (fd_read_all(fd, head, sizeof head) != 0)
        return false;
    int32_t rc;
    uint64_t counts[4];
    uint32_t nfate;
    const unsigned char *p = head, *end = head + sizeof head;
    rw_get(&p, end, &rc, 4);
    rw_get(&p, end, counts, sizeof counts);
    rw_get(&p, end, &nfate, 4);
    if (nfate > PUSH_MAX_SAMPLES || rrd_store_stats_init(st, nfate) != VG_OK ||
        (nfate && fd_read_all(fd, st->fate, nfate) != 0))
        return false;
    uint16_t nfail;
    if (fd_read_all(fd, &nfail, 2) != 0 || nfail > RRD_STORE_FAILURES_MAX)
        return false;
    for (uint16_t i = 0; i < nfail; i++) {
        uint32_t index;
        if (fd_read_all(fd, &index, 4) != 0 ||
            !rw_read_str(fd, st->failures[i].reason, RRD_STORE_REASON_MAX - 1))
            return false;
        st->failures[i].index = index;
    }
    st->nfailures = nfail;
    char text[RW_ERR_MAX + 1];
    if (!rw_read_str(fd, text, RW_ERR_MAX))
        return false;
    st->written = (size_t)counts[0];
    st->stale = (size_t)counts[1];
    st->failed = (size_t)counts[2];
    st->failed_series = (size_t)counts[3];
    *code = VG_OK;
    if (rc != VG_OK)
        *code = vg_fail(err, rc > VG_OK && rc <= VG_E_INTERNAL ? (vg_code)rc : VG_E_INTERNAL, "%s", text);
    return true;
}

/* The channel failed (lock held): the child is reaped and another one started; the tickets given so
 * far fail. VG_E_UNAVAILABLE, err saying how the child ended and whether another one runs. */
static vg_code rw_restart(rrd_writer *w, bool in_batch, vg_err *err)
{
    char how[160];
    vg_err why;
    vg_clear(&why);
    /* a thread may be sending into the old channel: make its send fail, and wait for it, before the
     * descriptor is closed and its number given to the new channel */
    shutdown(w->fd, SHUT_RDWR);
    while (w->sending)
        pthread_cond_wait(&w->changed, &w->lock);
    rw_reap(w, how, sizeof how);
    vg_code again = rw_spawn(w, &why);
    w->generation++;
    w->restarts++;
    w->next_ticket = w->serving = 0;
    if (in_batch)
        return vg_fail(err, VG_E_UNAVAILABLE, "the RRD writer process %s while writing this batch; %s", how,
                       again == VG_OK ? "a new one was started (the batch can be sent again)" : why.msg);
    return vg_fail(err, VG_E_UNAVAILABLE, "the RRD writer process %s; %s", how,
                   again == VG_OK ? "a new one was started" : why.msg);
}

vg_code rrd_writer_check(rrd_writer *w, vg_err *err)
{
    vg_code rc = VG_OK;
    pthread_mutex_lock(&w->lock);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    /* WNOWAIT: rw_reap collects it, and says how it ended */
    if (w->pid > 0 && waitid(P_PID, (id_t)w->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == w->pid) {
        rc = rw_restart(w, false, err);
    } else if (w->pid == 0 && rw_spawn(w, NULL) == VG_OK) { /* a restart that failed before */
        rc = vg_fail(err, VG_E_UNAVAILABLE, "the RRD writer process could be started again");
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

/* A batch in a writer's channel, waiting for its answer. */
typedef struct {
    uint64_t generation, ticket;
    int fd;
    bool sent;
} rw_ticket;

/* Sends a frame, in turn with the other threads; VG_E_UNAVAILABLE when no child can be started. */
static vg_code rw_send(rrd_writer *w, const unsigned char *frame, size_t len, rw_ticket *t, vg_err *err)
{
    pthread_mutex_lock(&w->lock);
    while (w->sending)
        pthread_cond_wait(&w->changed, &w->lock);
    vg_code rc = w->pid == 0 ? rw_spawn(w, err) : VG_OK; /* a restart that failed before */
    if (rc != VG_OK) {
        pthread_mutex_unlock(&w->lock);
        return rc;
    }
    t->generation = w->generation;
    t->ticket = w->next_ticket++;
    t->fd = w->fd;
    w->sending = true;
    pthread_mutex_unlock(&w->lock);
    t->sent = fd_send_all(t->fd, frame, len) == 0;
    pthread_mutex_lock(&w->lock);
    w->sending = false;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    return VG_OK;
}

/* Waits for the answer to a ticket: what the child said, or VG_E_UNAVAILABLE when it died. */
static vg_code rw_wait(rrd_writer *w, const rw_ticket *t, rrd_store_stats *st, vg_err *err)
{
    pthread_mutex_lock(&w->lock);
    while (w->generation == t->generation && w->serving != t->ticket)
        pthread_cond_wait(&w->changed, &w->lock);
    vg_code rc = VG_OK;
    if (w->generation != t->generation) {
        rc = vg_fail(err, VG_E_UNAVAILABLE, "the RRD writer process ended before writing this batch; a new one "
                     "was started (the batch can be sent again)");
    } else {
        /* our turn: only this thread reads the channel until serving moves on */
        pthread_mutex_unlock(&w->lock);
        bool answered = t->sent && rw_read_answer(t->fd, st, &rc, err);
        pthread_mutex_lock(&w->lock);
        if (!answered) {
            rc = rw_restart(w, true, err);
            rrd_store_stats_clear(st);
        } else
            w->serving++;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

/* Adds writer's share `part` of the batch to st: its fates and failures at their index in the batch
 * (map), its counts. */
static void rw_merge(rrd_store_stats *st, const rrd_store_stats *part, const size_t *map, size_t count)
{
    for (size_t j = 0; j < part->nfate && j < count; j++)
        if (map[j] < st->nfate)
            st->fate[map[j]] = part->fate[j];
    for (size_t f = 0; f < part->nfailures && st->nfailures < RRD_STORE_FAILURES_MAX; f++) {
        if (part->failures[f].index >= count)
            continue;
        st->failures[st->nfailures] = part->failures[f];
        st->failures[st->nfailures++].index = map[part->failures[f].index];
    }
    st->written += part->written;
    st->stale += part->stale;
    st->failed += part->failed;
    st->failed_series += part->failed_series;
}

vg_code rrd_writer_write_split(rrd_writer *const *ws, size_t n, rrd_writer_route route, const char *site,
                               const push_batch *b, rrd_store_stats *st, vg_err *err)
{
    rw_ticket tickets[RRD_WRITER_SPLIT_MAX];
    bool queued[RRD_WRITER_SPLIT_MAX] = {false};
    size_t *maps[RRD_WRITER_SPLIT_MAX] = {NULL};
    uint32_t counts[RRD_WRITER_SPLIT_MAX] = {0};
    size_t total = push_batch_count(b);
    if (rrd_store_stats_init(st, total) != VG_OK)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    vg_code rc = VG_OK;
    if (n == 0 || n > RRD_WRITER_SPLIT_MAX)
        return vg_fail(err, VG_E_INVALID, "no RRD writer");
    /* every writer's share is sent before the first answer is awaited: they write at the same time */
    for (size_t k = 0; k < n && rc == VG_OK; k++) {
        size_t len;
        maps[k] = malloc((total ? total : 1) * sizeof *maps[k]);
        unsigned char *frame = maps[k] ? rw_encode(site, b, n > 1 ? route : NULL, k, n, &len, &counts[k], maps[k]) : NULL;
        if (!frame) {
            rc = vg_fail(err, VG_E_NOMEM, "out of memory");
        } else if (counts[k] > 0 || (k == 0 && total == 0)) {
            rc = rw_send(ws[k], frame, len, &tickets[k], err);
            queued[k] = rc == VG_OK;
        }
        free(frame);
    }
    for (size_t k = 0; k < n; k++) {
        if (!queued[k]) {
            free(maps[k]);
            continue;
        }
        rrd_store_stats part = {0};
        vg_err why;
        vg_code r = rw_wait(ws[k], &tickets[k], &part, &why);
        if (r != VG_OK && rc == VG_OK) { /* the first failure tells */
            rc = r;
            if (err)
                *err = why;
        }
        if (r == VG_OK)
            rw_merge(st, &part, maps[k], counts[k]);
        rrd_store_stats_clear(&part);
        free(maps[k]);
    }
    return rc;
}

vg_code rrd_writer_write(rrd_writer *w, const char *site, const push_batch *b, rrd_store_stats *st, vg_err *err)
{
    return rrd_writer_write_split(&w, 1, NULL, site, b, st, err);
}
