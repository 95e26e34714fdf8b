#include "config.h"
#include "alerting/sender.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerting/alert_config.h"
#include "cluster/cluster.h"
#include "log.h"
#include "store/alert_store.h"
#include "store/db_cluster.h"

/* Due rows read per round: more than the workers, so that rows of a busy (hanging) target never
 * hide those of the others behind them. */
#define SENDER_DUE_MAX 500

typedef struct {
    alert_sender *s;
    alert_delivery x; /* owned while busy */
    pthread_t thread;
    bool busy;        /* under the sender's lock: a thread was started for x and not joined yet */
    atomic_bool done; /* set by the worker when its attempt is recorded */
} snd_worker;

struct alert_sender {
    db *d;
    _Atomic(const server_config *) cfg; /* replaced by a reload (alert_sender_set_config) */
    notify_env env;
    pthread_mutex_t *lock;
    alert_sender_clock clock;
    void *clock_ctx;
    atomic_bool stop;
    pthread_t thread;
    bool started;
    snd_worker w[SENDER_MAX_WORKERS]; /* touched by the sender thread only (workers set `done`) */
};

static int64_t snd_now(const alert_sender *s) { return s->clock ? s->clock(s->clock_ctx) : (int64_t)time(NULL); }

void alert_sender_set_config(alert_sender *s, const server_config *cfg)
{
    if (s)
        atomic_store(&s->cfg, cfg);
}

alert_sender *alert_sender_new(db *d, const server_config *cfg, const notify_env *env, pthread_mutex_t *lock,
                               alert_sender_clock clock, void *clock_ctx)
{
    alert_sender *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->d = d;
    s->cfg = cfg;
    if (env)
        s->env = *env;
    s->env.cfg = cfg ? cfg->alerting : NULL;
    s->env.cancel = &s->stop;
    s->lock = lock;
    s->clock = clock;
    s->clock_ctx = clock_ctx;
    atomic_init(&s->stop, false);
    for (size_t i = 0; i < SENDER_MAX_WORKERS; i++)
        atomic_init(&s->w[i].done, false);
    return s;
}

static void snd_lock(alert_sender *s)
{
    if (s->lock)
        pthread_mutex_lock(s->lock);
}

static void snd_unlock(alert_sender *s)
{
    if (s->lock)
        pthread_mutex_unlock(s->lock);
}

static bool snd_ok(vg_code rc, const vg_err *err)
{
    if (rc != VG_OK)
        log_error("alerts", "sql: %s", err->msg);
    return rc == VG_OK;
}

/* One attempt, then its outcome recorded (under the lock) at the time the attempt ended. */
static void snd_attempt(alert_sender *s, const alert_delivery *x)
{
    const server_config *cfg = atomic_load(&s->cfg);
    const alerting_config *a = cfg ? cfg->alerting : NULL;
    const alert_contact *c = a ? alerting_contact(a, x->contact) : NULL;
    notify_env env = s->env; /* with the configuration of now: its contacts, their timeouts, smtp */
    env.cfg = a;
    if (cfg && env.mail)
        env.mail_ctx = (void *)&cfg->smtp;
    vg_err why;
    vg_code sent = notify_send(&env, x->channel, x->target, c ? c->format : "generic", x->subject, x->body,
                               x->payload, &why);
    if (sent != VG_OK && atomic_load(&s->stop))
        return; /* cut short by the stop: not an attempt, the row is sent again at the next start */
    int64_t now = snd_now(s);
    int attempts = x->attempts + 1, max_attempts = a ? a->max_attempts : 8;
    vg_err err;
    snd_lock(s);
    if (sent == VG_OK) {
        log_info("alerts", "notification #%lld sent to %s by %s", (long long)x->id, x->contact, x->channel);
        snd_ok(alert_store_delivery_sent(s->d, x->id, attempts, now, &err), &err);
    } else if (attempts >= max_attempts) {
        log_error("alerts", "notification #%lld to %s by %s FAILED after %d attempts: %s", (long long)x->id,
                  x->contact, x->channel, attempts, why.msg);
        snd_ok(alert_store_delivery_failed(s->d, x->id, attempts, why.msg, &err), &err);
    } else {
        int delay = alert_retry_delay(attempts, a ? a->retry_delay : 30);
        log_warn("alerts", "notification #%lld to %s by %s failed (%s): retry in %d s", (long long)x->id, x->contact,
                 x->channel, why.msg, delay);
        snd_ok(alert_store_delivery_retry(s->d, x->id, attempts, why.msg, now + delay, &err), &err);
    }
    snd_unlock(s);
}

static void *snd_worker_run(void *arg)
{
    snd_worker *w = arg;
    snd_attempt(w->s, &w->x);
    atomic_store(&w->done, true);
    return NULL;
}

/* Joins the workers whose attempt is over; wait: all of them. */
static void snd_reap(alert_sender *s, bool wait)
{
    for (size_t i = 0; i < SENDER_MAX_WORKERS; i++) {
        snd_worker *w = &s->w[i];
        if (!w->busy || (!wait && !atomic_load(&w->done)))
            continue;
        pthread_join(w->thread, NULL);
        free(w->x.body);
        free(w->x.payload);
        memset(&w->x, 0, sizeof w->x);
        w->busy = false;
        atomic_store(&w->done, false);
    }
}

/* Whether a worker holds this row or another row for the same target. */
static bool snd_busy_with(const alert_sender *s, const alert_delivery *x)
{
    for (size_t i = 0; i < SENDER_MAX_WORKERS; i++)
        if (s->w[i].busy && (s->w[i].x.id == x->id || strcmp(s->w[i].x.target, x->target) == 0))
            return true;
    return false;
}

/* Fencing (cluster/cluster.h): an attempt starts only while this server leads for longer than the
 * attempt may last (its timeout), under a claim of its term that fails once another holds the lease. */
static bool snd_claim(alert_sender *s, const alert_delivery *x)
{
    const server_config *cfg = atomic_load(&s->cfg);
    long need = cfg && cfg->alerting ? cfg->alerting->timeout : 10;
    if (cfg && cfg->smtp.configured && strcmp(x->channel, "email") == 0 && cfg->smtp.timeout > need)
        need = cfg->smtp.timeout;
    int64_t term = 0;
    if (!cluster_may_send((int)need, &term))
        return false;
    if (term == 0)
        return true; /* no cluster: nothing to claim */
    bool claimed = false;
    vg_err err;
    snd_lock(s);
    vg_code rc = db_notification_claim(s->d, x->id, term, &claimed, &err);
    snd_unlock(s);
    if (rc == VG_OK && !claimed) /* rare: the lease changed hands, or a second server leads the database */
        log_warn("alerts", "notification #%lld not sent by this server: term %lld no longer holds the lease or "
                 "the row was taken", (long long)x->id, (long long)term);
    return snd_ok(rc, &err) && claimed;
}

/* Reads the due rows; threaded: hands each to a free worker, else makes each attempt in turn. */
static size_t snd_round(alert_sender *s, bool threaded)
{
    alert_delivery *due = NULL;
    size_t n = 0, started = 0;
    vg_err err;
    if (!cluster_is_leader())
        return 0; /* the follower sends nothing */
    snd_lock(s);
    vg_code rc = alert_store_due(s->d, snd_now(s), SENDER_DUE_MAX, &due, &n, &err);
    snd_unlock(s);
    if (!snd_ok(rc, &err)) {
        alert_store_deliveries_free(due, n);
        return 0;
    }
    for (size_t i = 0; i < n && !atomic_load(&s->stop); i++) {
        if (!threaded) {
            if (!snd_claim(s, &due[i]))
                continue;
            snd_attempt(s, &due[i]);
            started++;
            continue;
        }
        if (snd_busy_with(s, &due[i]))
            continue;
        snd_worker *w = NULL;
        for (size_t k = 0; k < SENDER_MAX_WORKERS && !w; k++)
            if (!s->w[k].busy)
                w = &s->w[k];
        if (!w)
            break; /* every worker is busy: the rest waits for the next round */
        if (!snd_claim(s, &due[i]))
            continue;
        w->s = s;
        w->x = due[i];
        if (pthread_create(&w->thread, NULL, snd_worker_run, w) != 0) {
            memset(&w->x, 0, sizeof w->x);
            log_error("alerts", "cannot start a notification worker: notification #%lld waits",
                      (long long)due[i].id);
            break;
        }
        w->busy = true;
        due[i].body = due[i].payload = NULL; /* now the worker's */
        started++;
    }
    alert_store_deliveries_free(due, n);
    return started;
}

size_t alert_sender_run_once(alert_sender *s) { return snd_round(s, false); }

static void *snd_run(void *arg)
{
    alert_sender *s = arg;
    while (!atomic_load(&s->stop)) {
        snd_reap(s, false);
        snd_round(s, true);
        for (int i = 0; i < 5 && !atomic_load(&s->stop); i++)
            nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    snd_reap(s, true);
    return NULL;
}

vg_code alert_sender_start(alert_sender *s, vg_err *err)
{
    if (pthread_create(&s->thread, NULL, snd_run, s) != 0)
        return vg_fail(err, VG_E_INTERNAL, "cannot start the notification sender thread");
    s->started = true;
    return VG_OK;
}

void alert_sender_free(alert_sender *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    if (s->started)
        pthread_join(s->thread, NULL);
    snd_reap(s, true);
    free(s);
}
