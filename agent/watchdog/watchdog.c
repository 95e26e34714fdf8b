/* watchdog: the decision and its thread (watchdog.h). */
#include "config.h"
#include "watchdog/watchdog.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

wd_action watchdog_step(wd_state *st, time_t now, bool waiting, time_t last_stored, time_t started, int after,
                        int repeat)
{
    (void)repeat; /* in st->next_at, from watchdog_sent */
    if (st->alerted)
        return !waiting || last_stored > st->since ? WD_RECOVERED
               : st->next_at && now >= st->next_at ? WD_REPEAT
                                                   : WD_NONE;
    if (!waiting) {
        st->waiting_since = 0;
        return WD_NONE;
    }
    if (!st->waiting_since)
        st->waiting_since = now;
    /* the stall: batches wait, and no server has stored one since */
    time_t s = st->waiting_since;
    if (last_stored > s)
        s = last_stored;
    if (started > s)
        s = started;
    st->since = s;
    return now - s >= after ? WD_ALERT : WD_NONE;
}

void watchdog_sent(wd_state *st, wd_action a, time_t now, int repeat, bool sent)
{
    if (!sent) /* the same is due again at the next look (the caller waits WATCHDOG_RETRY) */
        return;
    if (a == WD_ALERT || a == WD_REPEAT) {
        st->alerted = true;
        st->next_at = repeat > 0 ? now + repeat : 0;
    } else if (a == WD_RECOVERED) {
        st->alerted = false; /* waiting_since stays: a stall goes on from the last store */
        st->next_at = 0;
    }
}

struct watchdog {
    const agent_config *cfg;
    spool *sp;
    pthread_t thread;
    bool started, stop;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    time_t started_at;
    time_t next_try; /* a message that could not be sent waits until then */
    wd_state st;
};

watchdog *watchdog_new(const agent_config *cfg, spool *sp, vg_err *err)
{
    err->code = VG_OK;
    if (cfg->watchdog.after <= 0)
        return NULL;
    watchdog *w = calloc(1, sizeof *w);
    if (!w) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        return NULL;
    }
    w->cfg = cfg;
    w->sp = sp;
    w->started_at = time(NULL);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cond, NULL);
    return w;
}

/* The last time any server stored a batch, and whether batches wait. */
static time_t wd_last_stored(watchdog *w, bool *waiting)
{
    time_t last = 0;
    *waiting = spool_count(w->sp) > 0;
    for (size_t k = 0; k < spool_servers(w->sp); k++) {
        spool_server_info si;
        spool_server_get(w->sp, k, &si);
        if (si.last_stored > last)
            last = si.last_stored;
    }
    return last;
}

static void wd_look(watchdog *w, time_t now)
{
    bool waiting;
    time_t last = wd_last_stored(w, &waiting);
    wd_action a = watchdog_step(&w->st, now, waiting, last, w->started_at, w->cfg->watchdog.after,
                                w->cfg->watchdog.repeat);
    if (a == WD_NONE || now < w->next_try)
        return;
    time_t since = w->st.since;
    vg_err err;
    bool sent = watchdog_send(w->cfg, w->sp, a, since, now, &err) == VG_OK;
    if (!sent) {
        log_error("watchdog", "its %s message could not be sent (tried again in %d s): %s",
                  a == WD_RECOVERED ? "recovery" : "alert", WATCHDOG_RETRY, err.msg);
        w->next_try = now + WATCHDOG_RETRY;
    } else {
        w->next_try = 0;
        if (a == WD_RECOVERED)
            log_info("watchdog", "a server stores this agent's batches again: recovery message sent");
        else
            log_error("watchdog", "no server has stored a batch for %lld s while %zu wait: alert sent",
                      (long long)(now - since), spool_count(w->sp));
    }
    watchdog_sent(&w->st, a, now, w->cfg->watchdog.repeat, sent);
}

static void *wd_main(void *arg)
{
    watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        wd_look(w, time(NULL));
        pthread_mutex_lock(&w->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (!w->stop)
            pthread_cond_timedwait(&w->cond, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

vg_code watchdog_start(watchdog *w, vg_err *err)
{
    int e = pthread_create(&w->thread, NULL, wd_main, w);
    if (e != 0)
        return vg_fail(err, VG_E_INTERNAL, "cannot start the watchdog thread: %s", strerror(e));
    w->started = true;
    return VG_OK;
}

void watchdog_free(watchdog *w)
{
    if (!w)
        return;
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cond);
    free(w);
}
