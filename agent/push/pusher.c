#include "config.h"
#include "push/pusher.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define PUSHER_BACKOFF_MIN 1.0
#define PUSHER_BACKOFF_MAX 30.0
#define PUSHER_STOP_GRACE 2.0 /* on stop, what the last cycle spooled may still go out in this time */

typedef struct {
    char *body;
    unsigned tries; /* sends that ended without "stored": a later "duplicate" is then its own copy */
} pusher_body;

struct pusher {
    spool *sp;
    push_client *pc;
    pthread_t thread;
    bool started, stop, kicked, server_away;
    bool stopping, exited; /* pusher_free: a last pass, for at most PUSHER_STOP_GRACE seconds */
    pthread_mutex_t mu; /* guards stop, kicked and the bodies */
    pthread_cond_t cond;
    pusher_body bodies[PUSHER_UNSPOOLED_MAX]; /* oldest first */
    size_t nbodies;
    double backoff;
};

pusher *pusher_new(spool *sp, push_client *pc)
{
    pusher *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->sp = sp;
    p->pc = pc;
    p->backoff = PUSHER_BACKOFF_MIN;
    p->server_away = spool_count(sp) > 0;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    return p;
}

static push_result pu_send(void *ctx, const char *body, size_t len, char *why, size_t why_size)
{
    return push_client_send(ctx, body, len, why, why_size);
}

/* The batches given, once the spool is empty (they are younger than every spooled one). false when
 * the server could not take one now. */
static bool pu_send_bodies(pusher *p)
{
    for (;;) {
        pthread_mutex_lock(&p->mu);
        bool any = p->nbodies > 0 && !p->stop && spool_count(p->sp) == 0;
        pusher_body b = any ? p->bodies[0] : (pusher_body){0};
        pthread_mutex_unlock(&p->mu);
        if (!any)
            return true;
        char why[700] = "";
        push_result r = push_client_send(p->pc, b.body, strlen(b.body), why, sizeof why);
        bool done = true;
        if (r == PUSH_DUPLICATE && b.tries == 0)
            log_error("push", "DATA LOST: a batch not spooled was never stored, and the server holds one with its "
                              "number (a sequence number used twice): %s", why);
        else if (r == PUSH_REJECTED)
            log_error("push", "DATA LOST: a batch not spooled was refused by the server: %s", why);
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
static bool pu_pass(pusher *p, double budget_s)
{
    spool_replay_stats st;
    vg_err err;
    if (spool_replay(p->sp, pu_send, p->pc, budget_s, &st, &err) != VG_OK)
        log_error("spool", "%s", err.msg);
    if (st.retry) {
        log_warn("push", "%s; %zu batch(es) waiting in %s", st.why, spool_count(p->sp), spool_dir(p->sp));
        p->server_away = true;
        return false;
    }
    if (p->server_away && (st.sent || st.rejected || st.dead || st.duplicate)) {
        log_info("push", "server back: %u spooled batch(es) sent, %zu still waiting", st.sent, spool_count(p->sp));
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
    pusher *p = arg;
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

vg_code pusher_start(pusher *p, vg_err *err)
{
    int e = pthread_create(&p->thread, NULL, pu_main, p);
    if (e != 0)
        return vg_fail(err, VG_E_INTERNAL, "cannot start the push thread: %s", strerror(e));
    p->started = true;
    pusher_kick(p); /* what the spool holds from before */
    return VG_OK;
}

void pusher_kick(pusher *p)
{
    pthread_mutex_lock(&p->mu);
    p->kicked = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

void pusher_give(pusher *p, char *body)
{
    pthread_mutex_lock(&p->mu);
    if (p->nbodies == PUSHER_UNSPOOLED_MAX) {
        log_error("push", "DATA LOST: %d batches not spooled wait already: the oldest dropped", PUSHER_UNSPOOLED_MAX);
        free(p->bodies[0].body);
        memmove(p->bodies, p->bodies + 1, --p->nbodies * sizeof *p->bodies);
    }
    p->bodies[p->nbodies++] = (pusher_body){body, 0};
    pthread_mutex_unlock(&p->mu);
    pusher_kick(p);
}

bool pusher_run_once(pusher *p)
{
    pu_pass(p, 0);
    pthread_mutex_lock(&p->mu);
    bool left = p->nbodies > 0;
    pthread_mutex_unlock(&p->mu);
    return !left && spool_count(p->sp) == 0;
}

void pusher_free(pusher *p)
{
    if (!p)
        return;
    if (p->started) {
        /* a last pass sends what the last cycle spooled, unless the server cannot take it at once */
        pthread_mutex_lock(&p->mu);
        p->stopping = true;
        p->kicked = true;
        pthread_cond_broadcast(&p->cond);
        double until = pu_mono() + PUSHER_STOP_GRACE;
        while (!p->exited && pu_mono() < until) {
            struct timespec ts = {.tv_sec = (time_t)until, .tv_nsec = (long)((until - (double)(time_t)until) * 1e9)};
            pthread_cond_timedwait(&p->cond, &p->mu, &ts);
        }
        bool hung = !p->exited;
        p->stop = true;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->mu);
        if (hung)
            push_client_abort(p->pc); /* a send that hangs ends now; its batch stays in the spool */
        pthread_join(p->thread, NULL);
    }
    for (size_t i = 0; i < p->nbodies; i++) {
        log_error("push", "DATA LOST: a batch not spooled and not sent when the agent stopped");
        free(p->bodies[i].body);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cond);
    free(p);
}
