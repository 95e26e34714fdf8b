#include "config.h"
#include "cluster/cluster.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store/db_cluster.h"

/* The election (cluster.h). All times of decisions are this process's monotonic milliseconds; the
 * lease row's `renewed` (wall time) is written for people and never read back into a decision. */

#define CLUSTER_POLL_MS 1000

struct cluster {
    db *d;
    server_cluster cfg;
    int64_t lease_ms;
    cluster_clock clock;
    void *clock_ctx;
    pthread_mutex_t mu; /* the fields below: read by the HTTP, timer and sender threads */
    cluster_role role;
    bool holding;        /* this node holds the lease (leader), valid until valid_until */
    int64_t term;        /* the held term, or the last term read */
    int64_t valid_until; /* monotonic ms */
    int64_t renewed_at;  /* monotonic ms at the start of the last successful renewal */
    char leader[NAME_MAX_LEN + 1];
    int64_t since;       /* wall time of the last change of role */
    /* the follower's watch of the lease: the (term, beat) last seen, and when it was first seen so */
    bool seen;
    int64_t seen_term, seen_beat, seen_at;
    bool failing; /* the database failed at the last round: logged once */
    atomic_bool stop;
    pthread_t thread;
    bool started;
    bool owns_db; /* cluster_open's connection */
};

static _Atomic(cluster *) cluster_current;

static int64_t cl_now(const cluster *c)
{
    if (c->clock)
        return c->clock(c->clock_ctx);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *cluster_role_name(cluster_role r)
{
    return r == CLUSTER_ALONE ? "alone" : r == CLUSTER_LEADER ? "leader" : "follower";
}

static void cl_db_failed(cluster *c, const vg_err *err)
{
    if (!c->failing)
        log_error("cluster", "node %s: the lease cannot be read or written: %s", c->cfg.node, err->msg);
    c->failing = true;
}

/* Rows a dead leader claimed and never recorded: due again (outside the lock: a write). */
static void cl_requeue(cluster *c, int64_t term)
{
    int n = 0;
    vg_err err;
    if (db_notification_requeue(c->d, term, (int64_t)time(NULL), &n, &err) != VG_OK)
        log_error("cluster", "node %s: notifications claimed before term %lld not queued again: %s", c->cfg.node,
                  (long long)term, err.msg);
    else if (n > 0)
        log_warn("cluster", "node %s: %d notification(s) whose attempt the previous leader did not record are sent "
                 "again", c->cfg.node, n);
}

/* This node won term at t0 (monotonic ms before the statement that won it). */
static void cl_became_leader(cluster *c, int64_t term, int64_t t0, const char *after)
{
    pthread_mutex_lock(&c->mu);
    c->holding = true;
    c->term = term;
    c->renewed_at = t0;
    c->valid_until = t0 + c->lease_ms - cluster_guard_ms(c->lease_ms);
    c->role = c->cfg.on ? CLUSTER_LEADER : CLUSTER_ALONE;
    snprintf(c->leader, sizeof c->leader, "%s", c->cfg.node);
    c->since = (int64_t)time(NULL);
    pthread_mutex_unlock(&c->mu);
    if (c->cfg.on)
        log_warn("cluster", "node %s is the leader (term %lld)%s", c->cfg.node, (long long)term, after);
    cl_requeue(c, term);
}

static void cl_became_follower(cluster *c, const db_lease *l, const char *why)
{
    pthread_mutex_lock(&c->mu);
    bool was = c->holding;
    c->holding = false;
    c->valid_until = 0;
    c->role = CLUSTER_FOLLOWER;
    if (l) {
        c->term = l->term;
        snprintf(c->leader, sizeof c->leader, "%s", l->holder);
    }
    if (was)
        c->since = (int64_t)time(NULL);
    c->seen = false;
    pthread_mutex_unlock(&c->mu);
    if (was)
        log_warn("cluster", "node %s is no longer the leader: %s", c->cfg.node, why);
}

vg_code cluster_new(db *d, const server_cluster *cfg, cluster_clock clock, void *clock_ctx, cluster **out,
                    vg_err *err)
{
    *out = NULL;
    cluster *c = calloc(1, sizeof *c);
    if (!c)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    c->d = d;
    c->cfg = *cfg;
    c->lease_ms = (int64_t)cfg->lease * 1000;
    c->clock = clock;
    c->clock_ctx = clock_ctx;
    pthread_mutex_init(&c->mu, NULL);
    atomic_init(&c->stop, false);
    c->role = CLUSTER_FOLLOWER;
    c->since = (int64_t)time(NULL);
    if (!cfg->on) {
        /* alone: whatever the row says (a pair's past, a crash), this server leads from now on */
        int64_t term = 0, t0 = cl_now(c);
        vg_code rc = db_lease_force(d, cfg->node, (int64_t)time(NULL), &term, err);
        if (rc != VG_OK) {
            pthread_mutex_destroy(&c->mu);
            free(c);
            return rc;
        }
        cl_became_leader(c, term, t0, "");
    }
    *out = c;
    return VG_OK;
}

/* The leader's round: renews when due; a lost lease makes it a follower at once. */
static void cl_lead(cluster *c, int64_t now)
{
    if (now - c->renewed_at < cluster_renew_every_ms(c->lease_ms))
        return;
    bool kept = false;
    vg_err err;
    if (db_lease_renew(c->d, c->cfg.node, c->term, (int64_t)time(NULL), &kept, &err) != VG_OK) {
        cl_db_failed(c, &err);
        if (now >= c->valid_until)
            cl_became_follower(c, NULL, "its lease expired while the database could not be reached");
        return;
    }
    c->failing = false;
    if (!kept) {
        db_lease l;
        bool read = db_lease_read(c->d, &l, &err) == VG_OK;
        cl_became_follower(c, read ? &l : NULL, "another server holds the lease");
        return;
    }
    pthread_mutex_lock(&c->mu);
    c->renewed_at = now;
    c->valid_until = now + c->lease_ms - cluster_guard_ms(c->lease_ms);
    pthread_mutex_unlock(&c->mu);
}

/* Tries to take the lease seen as l; the reason is for the log. */
static void cl_take(cluster *c, const db_lease *l, int64_t now, const char *after)
{
    bool won = false;
    vg_err err;
    vg_code rc = l->found ? db_lease_take(c->d, c->cfg.node, l->term, l->beat, (int64_t)time(NULL), &won, &err)
                          : db_lease_create(c->d, c->cfg.node, (int64_t)time(NULL), &won, &err);
    if (rc != VG_OK) {
        cl_db_failed(c, &err);
        return;
    }
    c->failing = false;
    if (won)
        cl_became_leader(c, l->found ? l->term + 1 : 1, now, after);
    /* lost: the winner's row is read at the next round */
}

/* The follower's round: times the beat on this clock; takes the lease once it stood still `lease`. */
static void cl_follow(cluster *c, int64_t now)
{
    db_lease l;
    vg_err err;
    if (db_lease_read(c->d, &l, &err) != VG_OK) {
        cl_db_failed(c, &err);
        return;
    }
    c->failing = false;
    pthread_mutex_lock(&c->mu);
    c->term = l.term;
    snprintf(c->leader, sizeof c->leader, "%s", l.holder);
    pthread_mutex_unlock(&c->mu);
    if (!l.found) {
        cl_take(c, &l, now, ": the first lease of the database");
        return;
    }
    if (!l.holder[0]) {
        cl_take(c, &l, now, ": the leader released the lease");
        return;
    }
    if (!c->seen || l.term != c->seen_term || l.beat != c->seen_beat) {
        c->seen = true;
        c->seen_term = l.term;
        c->seen_beat = l.beat;
        c->seen_at = now;
        return;
    }
    if (now - c->seen_at >= c->lease_ms) {
        char after[NAME_MAX_LEN + 96];
        snprintf(after, sizeof after, ": no heartbeat of %s for %lld s", l.holder, (long long)((now - c->seen_at) / 1000));
        cl_take(c, &l, now, after);
    }
}

void cluster_step(cluster *c)
{
    if (!c || !c->cfg.on)
        return;
    int64_t now = cl_now(c);
    if (c->holding)
        cl_lead(c, now);
    else
        cl_follow(c, now);
}

static void *cl_run(void *arg)
{
    cluster *c = arg;
    while (!atomic_load(&c->stop)) {
        cluster_step(c);
        for (int i = 0; i < CLUSTER_POLL_MS / 100 && !atomic_load(&c->stop); i++)
            nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    return NULL;
}

vg_code cluster_start(cluster *c, vg_err *err)
{
    if (!c->cfg.on)
        return VG_OK;
    cluster_step(c); /* the first look before the HTTP threads ask */
    if (pthread_create(&c->thread, NULL, cl_run, c) != 0)
        return vg_fail(err, VG_E_INTERNAL, "cannot start the cluster thread");
    c->started = true;
    return VG_OK;
}

void cluster_free(cluster *c)
{
    if (!c)
        return;
    atomic_store(&c->stop, true);
    if (c->started)
        pthread_join(c->thread, NULL);
    if (cluster_current == c)
        cluster_set_current(NULL);
    vg_err err;
    if (c->holding && c->cfg.on && db_lease_release(c->d, c->cfg.node, c->term, &err) != VG_OK)
        log_warn("cluster", "node %s: the lease was not released (%s): the other server takes over in %d s",
                 c->cfg.node, err.msg, c->cfg.lease);
    pthread_mutex_destroy(&c->mu);
    if (c->owns_db)
        db_close(c->d);
    free(c);
}

vg_code cluster_open(const char *target, const server_cluster *cfg, cluster **out, vg_err *err)
{
    *out = NULL;
    db *d = NULL;
    db_lease_name_set(cfg->nshards ? cfg->shards[cfg->self].name : NULL); /* before cluster_new's first look */
    vg_code rc = db_open(target, &d, err);
    if (rc == VG_OK)
        rc = cluster_new(d, cfg, NULL, NULL, out, err);
    if (rc != VG_OK) {
        db_close(d);
        return rc;
    }
    (*out)->owns_db = true;
    db_batch_node_set(cfg->on ? cfg->node : "");
    if ((rc = cluster_start(*out, err)) != VG_OK) {
        cluster_free(*out);
        *out = NULL;
        return rc;
    }
    cluster_set_current(*out);
    if (cfg->on)
        log_info("cluster", "node %s of %s%s, lease %d s: %s", cfg->node, cfg->nshards ? "shard " : "a pair",
                 cfg->nshards ? cfg->shards[cfg->self].name : "", cfg->lease,
                 cluster_leads(*out) ? "the leader" : "a follower until the lease is free");
    return VG_OK;
}

/* Whether c leads at its clock's now (lock held). */
static bool cl_leads_locked(cluster *c, int64_t now, int64_t need_ms)
{
    if (!c->holding)
        return false;
    return c->role == CLUSTER_ALONE || now + need_ms < c->valid_until;
}

bool cluster_leads(cluster *c)
{
    int64_t now = cl_now(c);
    pthread_mutex_lock(&c->mu);
    bool leads = cl_leads_locked(c, now, 0);
    pthread_mutex_unlock(&c->mu);
    return leads;
}

void cluster_status_of(cluster *c, cluster_status *out)
{
    memset(out, 0, sizeof *out);
    int64_t now = cl_now(c);
    pthread_mutex_lock(&c->mu);
    out->role = cl_leads_locked(c, now, 0) ? c->role : CLUSTER_FOLLOWER;
    snprintf(out->node, sizeof out->node, "%s", c->cfg.node);
    snprintf(out->leader, sizeof out->leader, "%s", c->leader);
    snprintf(out->shard, sizeof out->shard, "%s", c->cfg.nshards ? c->cfg.shards[c->cfg.self].name : "");
    out->term = c->term;
    out->lease = c->cfg.lease;
    out->since = c->since;
    pthread_mutex_unlock(&c->mu);
}

void cluster_set_current(cluster *c) { atomic_store(&cluster_current, c); }

bool cluster_is_leader(void)
{
    cluster *c = atomic_load(&cluster_current);
    return !c || cluster_leads(c);
}

bool cluster_may_send(int need_s, int64_t *term)
{
    *term = 0;
    cluster *c = atomic_load(&cluster_current);
    if (!c)
        return true;
    int64_t now = cl_now(c);
    pthread_mutex_lock(&c->mu);
    bool ok = cl_leads_locked(c, now, (int64_t)need_s * 1000);
    *term = c->term;
    pthread_mutex_unlock(&c->mu);
    return ok;
}

void cluster_status_get(cluster_status *out)
{
    cluster *c = atomic_load(&cluster_current);
    if (c) {
        cluster_status_of(c, out);
        return;
    }
    memset(out, 0, sizeof *out);
    out->role = CLUSTER_ALONE;
}
