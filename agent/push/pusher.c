#include "config.h"
#include "push/pusher.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "push.h"

#define PUSHER_BACKOFF_MIN 1.0
#define PUSHER_BACKOFF_MAX 30.0
#define PUSHER_STOP_GRACE 2.0 /* on stop, what the last cycle spooled may still go out in this time */
#define PUSHER_SKEW_WARN 30.0  /* the agent's clock this far from the server's is worth a warning */
#define PUSHER_LOG_EVERY 600.0 /* a clock warning or time refusal is logged once in this many seconds */

typedef struct {
    char *body;
    unsigned tries; /* sends that ended without "stored": a later "duplicate" is then its own copy */
} pusher_body;

/* One server's push thread and what it holds (pusher.h). */
typedef struct {
    pusher *p;
    size_t k; /* the server's place in the spool's list */
    push_client *pc;
    pthread_t thread;
    bool started, stop, kicked, server_away;
    bool stopping, exited; /* pusher_free: a last pass, for at most PUSHER_STOP_GRACE seconds */
    pthread_mutex_t mu; /* guards stop, kicked and the bodies */
    pthread_cond_t cond;
    pusher_body bodies[PUSHER_UNSPOOLED_MAX]; /* oldest first */
    size_t nbodies;
    double backoff;
    /* clocks (push thread only): batches refused for their times are spooled again under a new number,
     * after the others; one spooled again in this pass is not tried again before the next */
    uint64_t requeued_from;          /* the first number given in this pass, 0 for none */
    unsigned clock_refused;          /* since the last line about it */
    double clock_logged, skew_logged; /* monotonic time of those lines, 0 for never */
    bool skew_warned;
    bool last_clock;                 /* the last answer was a refusal for time (logged by pu_log_clock) */
} pu_lane;

struct pusher {
    spool *sp;
    pu_lane lane[SPOOL_SERVERS_MAX];
    size_t n;
};

pusher *pusher_new(spool *sp, push_client *pc) { return pusher_new_multi(sp, &pc, 1); }

pusher *pusher_new_multi(spool *sp, push_client *const *pcs, size_t n)
{
    if (n == 0 || n > SPOOL_SERVERS_MAX)
        return NULL;
    pusher *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->sp = sp;
    p->n = n;
    for (size_t k = 0; k < n; k++) {
        pu_lane *l = &p->lane[k];
        l->p = p;
        l->k = k;
        l->pc = pcs[k];
        l->backoff = PUSHER_BACKOFF_MIN;
        l->server_away = spool_count_for(sp, k) > 0;
        pthread_mutex_init(&l->mu, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&l->cond, &ca);
        pthread_condattr_destroy(&ca);
    }
    return p;
}

static double pu_mono(void);

/* The server's URL and a space, for the lines of a pusher of several servers. */
static const char *pu_url(pu_lane *p)
{
    static __thread char buf[1110];
    spool_server_info si;
    spool_server_get(p->p->sp, p->k, &si);
    snprintf(buf, sizeof buf, "%s ", si.url);
    return buf;
}

/* What the agent learnt of its clock from the reply: a warning while it is PUSHER_SKEW_WARN off (once
 * every PUSHER_LOG_EVERY), a line when it is back. */
static void pu_check_skew(pu_lane *p)
{
    double skew;
    if (!push_client_skew(p->pc, &skew))
        return;
    double now = pu_mono();
    bool off = skew > PUSHER_SKEW_WARN || skew < -PUSHER_SKEW_WARN;
    if (off && (!p->skew_warned || now - p->skew_logged >= PUSHER_LOG_EVERY)) {
        log_warn("push", "this agent's clock is %.0f s %s the server's: check NTP on both%s", skew < 0 ? -skew : skew,
                 skew < 0 ? "behind" : "ahead of", skew > PUSH_MAX_AHEAD ? " (its samples are refused until then, "
                                                                          "and kept)" : "");
        p->skew_logged = now;
        p->skew_warned = true;
    } else if (!off && p->skew_warned) {
        log_info("push", "this agent's clock is within %.1f s of the server's again", skew < 0 ? -skew : skew);
        p->skew_warned = false;
    }
}

/* A batch refused for its samples' times: it is spooled again under a new number, after the batches
 * waiting, so that it never holds them up, and sent again until the clocks agree (its times are kept
 * as they are: never rewritten). PUSH_SENT once the new copy is on disk (the old file goes), else
 * PUSH_RETRY: the batch stays as it is, and nothing is doubled. */
static push_result pu_requeue(pu_lane *p, const char *body, size_t len, char *why, size_t why_size)
{
    vg_err err;
    push_batch *b = push_batch_decode(body, len, PUSH_ANY_TIME, &err);
    if (!b)
        return PUSH_RETRY;
    push_result r = PUSH_RETRY;
    uint64_t seq;
    if (p->requeued_from && push_batch_seq(b) >= p->requeued_from) {
        size_t n = strlen(why);
        snprintf(why + n, why_size - n, " (spooled again in this pass: tried again later)");
    } else if (spool_next_seq(p->p->sp, &seq, &err) == VG_OK) {
        uint64_t old = push_batch_seq(b);
        push_batch_set_seq(b, seq);
        char *text = push_batch_encode(b);
        if (text && spool_put_for(p->p->sp, seq, text, strlen(text), p->k, &err) == VG_OK) {
            if (!p->requeued_from)
                p->requeued_from = seq;
            p->clock_refused++;
            log_debug("push", "batch %llu refused for its times, spooled again as %llu", (unsigned long long)old,
                      (unsigned long long)seq);
            r = PUSH_SENT;
        } else if (text) {
            log_error("spool", "a batch refused for its times stays as it is: %s", err.msg);
        }
        free(text);
    } else {
        log_error("spool", "a batch refused for its times stays as it is: %s", err.msg);
    }
    push_batch_free(b);
    return r;
}

/* The line about batches refused for their times, once every PUSHER_LOG_EVERY. */
static void pu_log_clock(pu_lane *p, const char *why)
{
    double now = pu_mono();
    if (!p->clock_refused || (p->clock_logged && now - p->clock_logged < PUSHER_LOG_EVERY))
        return;
    log_warn("push", "%u batch(es) refused for their samples' times (a clock stepped?): kept in the spool and sent "
                     "again until the clocks agree, never set aside (logged once in %.0f s): %s",
             p->clock_refused, PUSHER_LOG_EVERY, why);
    p->clock_refused = 0;
    p->clock_logged = now;
}

static push_result pu_send(void *ctx, const char *body, size_t len, char *why, size_t why_size)
{
    pu_lane *p = ctx;
    push_result r = push_client_send(p->pc, body, len, why, why_size);
    pu_check_skew(p);
    p->last_clock = r == PUSH_CLOCK;
    if (r == PUSH_CLOCK) {
        r = pu_requeue(p, body, len, why, why_size);
        pu_log_clock(p, why);
    }
    return r;
}

/* The batches given, once the spool is empty (they are younger than every spooled one). false when
 * the server could not take one now. */
static bool pu_send_bodies(pu_lane *p)
{
    for (;;) {
        pthread_mutex_lock(&p->mu);
        bool any = p->nbodies > 0 && !p->stop && spool_count_for(p->p->sp, p->k) == 0;
        pusher_body b = any ? p->bodies[0] : (pusher_body){0};
        pthread_mutex_unlock(&p->mu);
        if (!any)
            return true;
        char why[700] = "";
        push_result r = push_client_send(p->pc, b.body, strlen(b.body), why, sizeof why);
        pu_check_skew(p);
        bool done = true;
        if (r == PUSH_DUPLICATE && b.tries == 0)
            log_error("push", "DATA LOST: a batch not spooled was never stored, and the server holds one with its "
                              "number (a sequence number used twice): %s", why);
        else if (r == PUSH_REJECTED)
            log_error("push", "DATA LOST: a batch not spooled was refused by the server: %s", why);
        else if (r == PUSH_CLOCK) /* its times: kept in memory and sent again, never dropped */
            done = false;
        else if (r == PUSH_RETRY || r == PUSH_FAILED)
            done = r == PUSH_FAILED && b.tries + 1 >= SPOOL_DEAD_AFTER;
        if (done && r == PUSH_FAILED)
            log_error("push", "DATA LOST: a batch not spooled was refused %d times: %s", SPOOL_DEAD_AFTER, why);
        pthread_mutex_lock(&p->mu);
        if (done) {
            free(p->bodies[0].body);
            memmove(p->bodies, p->bodies + 1, --p->nbodies * sizeof *p->bodies);
        } else {
            p->bodies[0].tries++;
        }
        pthread_mutex_unlock(&p->mu);
        if (!done) {
            log_warn("push", "%s; a batch not spooled waits in memory", why);
            return false;
        }
    }
}

/* One pass: the spool oldest first until it is empty or the server cannot take more, then the batches
 * given. false when something is still waiting for the server. */
static bool pu_pass(pu_lane *p, double budget_s)
{
    spool_replay_stats st;
    vg_err err;
    p->requeued_from = 0;
    if (spool_replay_for(p->p->sp, p->k, pu_send, p, budget_s, &st, &err) != VG_OK)
        log_error("spool", "%s", err.msg);
    if (st.retry) {
        if (!p->last_clock) /* a refusal for time has its own line, rate-limited */
            log_warn("push", "%s; %zu batch(es) waiting in %s", st.why, spool_count_for(p->p->sp, p->k),
                     spool_dir(p->p->sp));
        p->server_away = true;
        return false;
    }
    if (p->server_away && (st.sent || st.rejected || st.dead || st.duplicate)) {
        log_info("push", "server %sback: %u spooled batch(es) sent, %zu still waiting",
                 p->p->n > 1 ? pu_url(p) : "", st.sent, spool_count_for(p->p->sp, p->k));
        p->server_away = false;
    }
    return pu_send_bodies(p);
}

static double pu_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *pu_main(void *arg)
{
    pu_lane *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        while (!p->stop && !p->kicked && !p->stopping)
            pthread_cond_wait(&p->cond, &p->mu);
        if (p->stop || (p->stopping && !p->kicked))
            break;
        p->kicked = false;
        pthread_mutex_unlock(&p->mu);
        bool done = pu_pass(p, 0);
        pthread_mutex_lock(&p->mu);
        if (done) {
            p->backoff = PUSHER_BACKOFF_MIN;
            continue;
        }
        if (p->stopping) /* the server cannot take it now: it waits in the spool for the next start */
            break;
        /* wait before the next try, kicks or not: a server that fails fast is not hammered */
        double until = pu_mono() + p->backoff;
        p->backoff = p->backoff * 2 > PUSHER_BACKOFF_MAX ? PUSHER_BACKOFF_MAX : p->backoff * 2;
        while (!p->stop && !p->stopping && pu_mono() < until) {
            struct timespec ts;
            double t = until;
            ts.tv_sec = (time_t)t;
            ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
            pthread_cond_timedwait(&p->cond, &p->mu, &ts);
        }
        if (!p->stopping)
            p->kicked = true; /* something is still waiting */
    }
    p->exited = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void pu_lane_kick(pu_lane *l)
{
    pthread_mutex_lock(&l->mu);
    l->kicked = true;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->mu);
}

vg_code pusher_start(pusher *p, vg_err *err)
{
    for (size_t k = 0; k < p->n; k++) {
        pu_lane *l = &p->lane[k];
        int e = pthread_create(&l->thread, NULL, pu_main, l);
        if (e != 0)
            return vg_fail(err, VG_E_INTERNAL, "cannot start the push thread: %s", strerror(e));
        l->started = true;
        pu_lane_kick(l); /* what the spool holds from before */
    }
    return VG_OK;
}

void pusher_kick(pusher *p)
{
    for (size_t k = 0; k < p->n; k++)
        pu_lane_kick(&p->lane[k]);
}

static void pu_lane_give(pu_lane *l, char *body)
{
    pthread_mutex_lock(&l->mu);
    if (l->nbodies == PUSHER_UNSPOOLED_MAX) {
        log_error("push", "DATA LOST: %d batches not spooled wait already: the oldest dropped", PUSHER_UNSPOOLED_MAX);
        free(l->bodies[0].body);
        memmove(l->bodies, l->bodies + 1, --l->nbodies * sizeof *l->bodies);
    }
    l->bodies[l->nbodies++] = (pusher_body){body, 0};
    pthread_mutex_unlock(&l->mu);
    pu_lane_kick(l);
}

void pusher_give(pusher *p, char *body)
{
    for (size_t k = 1; k < p->n; k++) { /* each server its own copy */
        char *copy = strdup(body);
        if (copy)
            pu_lane_give(&p->lane[k], copy);
        else
            log_error("push", "DATA LOST: out of memory: a batch not spooled is not sent to %s", pu_url(&p->lane[k]));
    }
    pu_lane_give(&p->lane[0], body);
}

bool pusher_run_once(pusher *p)
{
    bool all = true;
    for (size_t k = 0; k < p->n; k++) {
        pu_lane *l = &p->lane[k];
        pu_pass(l, 0);
        pthread_mutex_lock(&l->mu);
        bool left = l->nbodies > 0;
        pthread_mutex_unlock(&l->mu);
        all = all && !left && spool_count_for(p->sp, k) == 0;
    }
    return all;
}

void pusher_free(pusher *p)
{
    if (!p)
        return;
    /* a last pass sends what the last cycle spooled, unless a server cannot take it at once: every
     * server's in parallel, for PUSHER_STOP_GRACE in all */
    double until = pu_mono() + PUSHER_STOP_GRACE;
    for (size_t k = 0; k < p->n; k++) {
        pu_lane *l = &p->lane[k];
        if (!l->started)
            continue;
        pthread_mutex_lock(&l->mu);
        l->stopping = true;
        l->kicked = true;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->mu);
    }
    for (size_t k = 0; k < p->n; k++) {
        pu_lane *l = &p->lane[k];
        if (!l->started)
            continue;
        pthread_mutex_lock(&l->mu);
        while (!l->exited && pu_mono() < until) {
            struct timespec ts = {.tv_sec = (time_t)until, .tv_nsec = (long)((until - (double)(time_t)until) * 1e9)};
            pthread_cond_timedwait(&l->cond, &l->mu, &ts);
        }
        bool hung = !l->exited;
        l->stop = true;
        pthread_cond_broadcast(&l->cond);
        pthread_mutex_unlock(&l->mu);
        if (hung)
            push_client_abort(l->pc); /* a send that hangs ends now; its batch stays in the spool */
    }
    for (size_t k = 0; k < p->n; k++) {
        pu_lane *l = &p->lane[k];
        if (l->started)
            pthread_join(l->thread, NULL);
        for (size_t i = 0; i < l->nbodies; i++) {
            log_error("push", "DATA LOST: a batch not spooled and not sent when the agent stopped");
            free(l->bodies[i].body);
        }
        pthread_mutex_destroy(&l->mu);
        pthread_cond_destroy(&l->cond);
    }
    free(p);
}
