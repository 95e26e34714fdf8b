/* spool_replay: sending the waiting batches, oldest first, to one server (spool.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "push.h"
#include "push/spool_internal.h"

typedef enum { SP_LOAD_OK, SP_LOAD_MISSING, SP_LOAD_CORRUPT, SP_LOAD_FOREIGN, SP_LOAD_NOMEM } sp_load_result;

/* Reads and checks a waiting batch: a regular file ending with its check (above), or else holding a
 * batch that push_batch_decode accepts, with the sequence number of its name. The timestamps are checked against the time the file was written
 * (when the samples were taken), then against now, so that an old batch is not taken for a corrupt one. */
static sp_load_result sp_load(spool *s, uint64_t seq, const char *name, char **body, size_t *len, char *why,
                              size_t why_size)
{
    *body = NULL;
    int fd = openat(s->dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int e = errno;
        snprintf(why, why_size, "%s", strerror(e));
        return e == ENOENT ? SP_LOAD_MISSING : SP_LOAD_CORRUPT;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "not a regular file");
        close(fd);
        return SP_LOAD_CORRUPT;
    }
    if (st.st_size == 0 || (uint64_t)st.st_size > PUSH_MAX_BODY) {
        snprintf(why, why_size, st.st_size ? "larger than a batch may be" : "empty");
        close(fd);
        return SP_LOAD_CORRUPT;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return SP_LOAD_NOMEM;
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0) {
                snprintf(why, why_size, "read: %s", strerror(errno));
                free(buf);
                close(fd);
                return SP_LOAD_CORRUPT;
            }
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    switch (sp_check_file(s, seq, buf, &got, why, why_size)) {
    case SP_CHECK_OK:
        *body = buf;
        *len = got;
        return SP_LOAD_OK;
    case SP_CHECK_BAD:
        free(buf);
        return SP_LOAD_CORRUPT;
    case SP_CHECK_FOREIGN:
        free(buf);
        return SP_LOAD_FOREIGN;
    case SP_CHECK_NONE: /* an older agent's file: checked by decoding it */
        break;
    }
    vg_err perr;
    push_batch *b = push_batch_decode(buf, got, st.st_mtime, &perr);
    if (!b && time(NULL) != st.st_mtime) {
        vg_err again;
        b = push_batch_decode(buf, got, time(NULL), &again);
    }
    if (!b) {
        snprintf(why, why_size, "%s: %s", perr.field, perr.msg);
        free(buf);
        return SP_LOAD_CORRUPT;
    }
    uint64_t inner = push_batch_seq(b);
    bool foreign = strcmp(push_batch_agent(b), s->agent) != 0;
    if (foreign)
        snprintf(why, why_size, "a batch of agent %s, and this agent is %s", push_batch_agent(b), s->agent);
    push_batch_free(b);
    if (inner != seq) {
        snprintf(why, why_size, "holds batch %" PRIu64 ", not %" PRIu64, inner, seq);
        free(buf);
        return SP_LOAD_CORRUPT;
    }
    if (foreign) {
        free(buf);
        return SP_LOAD_FOREIGN;
    }
    *body = buf;
    *len = got;
    return SP_LOAD_OK;
}

/* Takes batch seq out of the index for every server (a file that is corrupt, another agent's, or
 * gone): true when this call took it (the caller then deals with its file). */
static bool sp_take(spool *s, uint64_t seq)
{
    pthread_mutex_lock(&s->mu);
    long i = sp_index_find(s, seq);
    if (i >= 0) {
        bool masked = s->e[i].masked;
        sp_index_remove(s, (size_t)i);
        if (masked) {
            char name[SPOOL_NAME_MAX];
            snprintf(name, sizeof name, "%0*" PRIu64 ".for", SPOOL_DIGITS, seq);
            unlinkat(s->dfd, name, 0);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return i >= 0;
}

/* DIR/status: the last push's outcome, for --spool-status (no fsync: it is only shown). With several
 * servers, the line names the server. */
static void sp_write_status(spool *s, size_t k, const char *outcome, const char *why)
{
    char buf[1000], tmp[] = ".status.tmp";
    int n = s->nservers > 1 ? snprintf(buf, sizeof buf, "%lld %s (%s) %s\n", (long long)time(NULL), outcome,
                                       s->srv[k].url, why)
                            : snprintf(buf, sizeof buf, "%lld %s %s\n", (long long)time(NULL), outcome, why);
    pthread_mutex_lock(&s->aside_mu); /* one writer of the temp file */
    int fd = openat(s->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd >= 0) {
        bool ok = n > 0 && fd_write_all(fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1) == 0;
        if (close(fd) != 0 || !ok || renameat(s->dfd, tmp, s->dfd, "status") != 0)
            unlinkat(s->dfd, tmp, 0);
    }
    pthread_mutex_unlock(&s->aside_mu);
}

/* Server k is done with seq: its bookkeeping, then the file when no server lacks it. */
static vg_code sp_done(spool *s, size_t k, uint64_t seq, sp_aside aside, bool stored, vg_err *err)
{
    spool_entry gone;
    pthread_mutex_lock(&s->mu);
    bool none = sp_done_for(s, k, seq, aside, &gone);
    if (stored) {
        s->srv[k].last_stored = time(NULL);
        s->srv[k].last_why[0] = '\0';
    }
    pthread_mutex_unlock(&s->mu);
    sp_save_servers(s, true); /* before the file goes: a crash in between only leaves a file nobody lacks */
    return none ? sp_release(s, &gone, err) : VG_OK;
}

/* What replay does with the answer r of server k for batch seq (why: the server's words), once it is
 * final (not a retry). */
static vg_code sp_answered(spool *s, size_t k, uint64_t seq, push_result r, const char *why, spool_replay_stats *st,
                           const char **outcome, vg_err *err)
{
    spool_server *v = &s->srv[k];
    if (r == PUSH_DUPLICATE && seq <= v->unsure_upto) /* the answer to an earlier try was lost */
        r = PUSH_SENT;
    if (r == PUSH_SENT) {
        st->sent++;
        *outcome = "sent";
        return sp_done(s, k, seq, SP_ASIDE_NONE, true, err);
    }
    const char *who = s->nservers > 1 ? v->url : "the server";
    vg_code rc;
    if (r == PUSH_DUPLICATE) {
        rc = sp_done(s, k, seq, SP_ASIDE_DUPLICATE, false, err);
        st->duplicate++;
        pthread_mutex_lock(&s->mu);
        s->duplicates++;
        pthread_mutex_unlock(&s->mu);
        *outcome = "duplicate";
        if (s->nservers > 1)
            log_error("spool",
                      "DATA LOST: batch %" PRIu64 " was never stored by %s, and it already holds a batch with its "
                      "number (a sequence number used twice): kept in %s/duplicate/",
                      seq, who, s->dir);
        else
            log_error("spool",
                      "DATA LOST: batch %" PRIu64 " was never stored by this agent, and the server already holds a "
                      "batch with its number (a sequence number used twice): kept in %s/duplicate/",
                      seq, s->dir);
    } else if (r == PUSH_FAILED) {
        rc = sp_done(s, k, seq, SP_ASIDE_DEAD, false, err);
        st->dead++;
        pthread_mutex_lock(&s->mu);
        s->dead++;
        pthread_mutex_unlock(&s->mu);
        v->fail_seq = 0;
        v->fail_count = 0;
        *outcome = "dead";
        log_error("spool", "batch %" PRIu64 " refused %d times for the same reason%s%s, moved to %s/dead/: %s", seq,
                  SPOOL_DEAD_AFTER, s->nservers > 1 ? " by " : "", s->nservers > 1 ? who : "", s->dir, why);
    } else {
        rc = sp_done(s, k, seq, SP_ASIDE_REJECTED, false, err);
        st->rejected++;
        *outcome = "rejected";
        log_error("spool", "batch %" PRIu64 " refused by %s, kept in %s/rejected/: %s", seq, who, s->dir, why);
    }
    return rc;
}

/* The next batch server k lacks: its number, and from now until its answer the bounds leave it alone. */
static bool sp_pick(spool *s, size_t k, uint64_t *seq)
{
    pthread_mutex_lock(&s->mu);
    long i = sp_next_for(s, k);
    *seq = i >= 0 ? s->e[i].seq : 0;
    s->srv[k].sending = *seq;
    s->srv[k].sending_set = i >= 0;
    pthread_mutex_unlock(&s->mu);
    return i >= 0;
}

vg_code spool_replay(spool *s, spool_send_fn send, void *ctx, double budget_s, spool_replay_stats *st, vg_err *err)
{
    return spool_replay_for(s, 0, send, ctx, budget_s, st, err);
}

vg_code spool_replay_for(spool *s, size_t k, spool_send_fn send, void *ctx, double budget_s, spool_replay_stats *st,
                         vg_err *err)
{
    memset(st, 0, sizeof *st);
    if (k >= s->nservers)
        return vg_fail(err, VG_E_INVALID, "no server %zu", k);
    spool_server *v = &s->srv[k];
    double start = sp_mono();
    unsigned tried = 0;
    vg_code rc = VG_OK;
    const char *outcome = NULL;
    char last_why[700] = "";
    uint64_t seq;
    for (;;) {
        if (tried > 0 && budget_s > 0 && sp_mono() - start >= budget_s)
            break;
        if (!sp_pick(s, k, &seq))
            break;
        char name[SPOOL_NAME_MAX], why[700];
        sp_name(seq, name, sizeof name);
        char *body;
        size_t len;
        switch (sp_load(s, seq, name, &body, &len, why, sizeof why)) {
        case SP_LOAD_NOMEM:
            return vg_fail(err, VG_E_NOMEM, "%s/%s: out of memory", s->dir, name);
        case SP_LOAD_MISSING: /* the bound may have dropped it (logged there) */
            log_debug("spool", "%s/%s vanished before it was sent", s->dir, name);
            sp_take(s, seq);
            continue;
        case SP_LOAD_CORRUPT:
            if (!sp_take(s, seq)) /* another server's replay set it aside */
                continue;
            if ((rc = sp_set_aside(s, name, "corrupt", err)) != VG_OK)
                return rc;
            st->corrupt++;
            log_error("spool", "%s/%s is corrupt (%s): moved to %s/corrupt/, not sent", s->dir, name, why, s->dir);
            continue;
        case SP_LOAD_FOREIGN: /* its agent's token is not ours: the server would refuse it forever */
            if (!sp_take(s, seq))
                continue;
            if ((rc = sp_set_aside(s, name, "rejected", err)) != VG_OK)
                return rc;
            st->rejected++;
            log_error("spool", "%s/%s is %s: moved to %s/rejected/, not sent", s->dir, name, why, s->dir);
            continue;
        case SP_LOAD_OK:
            break;
        }
        tried++;
        why[0] = '\0';
        push_result r = send(ctx, body, len, why, sizeof why);
        free(body);
        pthread_mutex_lock(&s->mu);
        v->sending_set = false;
        pthread_mutex_unlock(&s->mu);
        snprintf(last_why, sizeof last_why, "%s", why);
        if (r == PUSH_FAILED) { /* the server answered, and could not store it: the same reason N times
                                 * is this batch's fault, not the server's */
            if (seq == v->fail_seq && strncmp(why, v->fail_why, sizeof v->fail_why - 1) == 0) {
                v->fail_count++;
            } else {
                v->fail_seq = seq;
                v->fail_count = 1;
                snprintf(v->fail_why, sizeof v->fail_why, "%s", why);
            }
            if (v->fail_count < SPOOL_DEAD_AFTER)
                r = PUSH_RETRY;
        }
        if (r == PUSH_RETRY) {
            st->retry = true;
            snprintf(st->why, sizeof st->why, "%s", why);
            v->unsure_seq = seq; /* it may have arrived and its answer be lost */
            if (seq > v->unsure_upto)
                v->unsure_upto = seq;
            pthread_mutex_lock(&s->mu);
            snprintf(v->last_why, sizeof v->last_why, "%s", why);
            pthread_mutex_unlock(&s->mu);
            outcome = "retry";
            break;
        }
        if ((rc = sp_answered(s, k, seq, r, why, st, &outcome, err)) != VG_OK)
            break;
    }
    if (outcome)
        sp_write_status(s, k, outcome, last_why);
    return rc;
}
