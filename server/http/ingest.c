/* ingest: POST /api/v1/ingest, the agents' pushes (api.h api_ingest).
 *
 * A push is decoded without the lock, checked (its agent's token, its devices), then stored: its
 * samples that can never be stored are refused alone and named in the reply (ingest_filter.c), the
 * others are written into the RRD files (without the lock), then the late samples, the batch row and
 * latest values, health and alerting (with the lock: the db part). The agent's clock is measured here
 * too (alerting/skew.h). */
#include "config.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/api_routes.h"
#include "http/ingest.h"
#include "http/ingest_route.h"
#include "log.h"
#include "sla/health.h"
#include "alerting/alerts.h"
#include "alerting/skew.h"
#include "cluster/cluster.h"
#include "cluster/shard.h"

/* One push of an agent stored at a time (with the lock held): a batch sent again while its first copy
 * is still being written waits for it, then finds it stored; and an agent's batches reach the RRD files
 * in the order they came, so none of them is taken for stale. */
static void api_agent_claim(api_ctx *ctx, const server_agent *agent)
{
    if (!ctx->lock || !ctx->agent_done)
        return;
    for (;;) {
        size_t free_slot = API_INFLIGHT_MAX;
        bool busy = false;
        for (size_t i = 0; i < API_INFLIGHT_MAX; i++) {
            if (ctx->inflight[i] && strcmp(ctx->inflight[i]->id, agent->id) == 0)
                busy = true; /* by id: a reload gives the same agent another entry (server/reload.h) */
            else if (!ctx->inflight[i] && free_slot == API_INFLIGHT_MAX)
                free_slot = i;
        }
        if (!busy && free_slot < API_INFLIGHT_MAX) {
            ctx->inflight[free_slot] = agent;
            return;
        }
        pthread_cond_wait(ctx->agent_done, ctx->lock);
    }
}

static void api_agent_release(api_ctx *ctx, const server_agent *agent)
{
    if (!ctx->lock || !ctx->agent_done)
        return;
    for (size_t i = 0; i < API_INFLIGHT_MAX; i++)
        if (ctx->inflight[i] == agent)
            ctx->inflight[i] = NULL;
    pthread_cond_broadcast(ctx->agent_done);
}

/* The checks of a decoded push (lock held): false with the refusal in *deny. */
static bool api_ingest_allowed(api_ctx *ctx, const server_agent *agent, const char *token, const push_batch *b,
                               const vg_err *perr, api_reply *deny)
{
    if (!agent) {
        ctx->rejected++;
        log_warn("ingest", "push refused: %s", token ? "unknown token" : "no bearer token");
        *deny = api_error(401, "Authorization", token ? "unknown agent token" : "a Bearer token is required");
        return false;
    }
    if (!b) {
        ctx->rejected++;
        log_warn("ingest", "batch from %s refused: %s: %s", agent->id, perr->field, perr->msg);
        *deny = api_error(400, perr->field, perr->msg);
        return false;
    }
    if (strcmp(push_batch_agent(b), agent->id) != 0) {
        ctx->rejected++;
        log_warn("ingest", "agent %s tried to push as %s", agent->id, push_batch_agent(b));
        *deny = api_error(403, "agent", "this token belongs to another agent");
        return false;
    }
    ingest_router rt;
    ingest_router_init(&rt, ctx->cfg, agent);
    for (size_t i = 0; agent->devices && i < push_batch_count(b); i++) {
        const char *dev = push_batch_at(b, i)->device;
        /* a public site it checks is not one of its site's devices (ingest_route.h) */
        if (!server_agent_may_write(agent, dev) && ingest_router_site(&rt, dev) == agent->site) {
            char field[64];
            snprintf(field, sizeof field, "samples[%zu].device", i);
            ctx->rejected++;
            log_warn("ingest", "agent %s pushed device %s, which server.yaml does not give it", agent->id,
                     push_batch_at(b, i)->device);
            *deny = api_error(403, field, "this agent is not declared for this device (server.yaml agents[].devices)");
            return false;
        }
    }
    return true;
}

void api_ingest_refuse_token(api_ctx *ctx, const char *token, api_reply *deny)
{
    api_lock(ctx);
    (void)api_ingest_allowed(ctx, NULL, token, NULL, NULL, deny);
    api_unlock(ctx);
}

/* ---- ingest: storing an allowed push -------------------------------------------------------- */

/* One allowed push on its way to the store; each step below returns 0, or -1 with err set. */
typedef struct {
    api_ctx *ctx;
    const server_agent *agent;
    const push_batch *all;  /* as decoded */
    push_batch *b;          /* what api_ingest_filter let through */
    api_rejects rej;
    rrd_store_stats st;
    size_t written, stale;  /* of st, kept once st is cleared */
    push_batch *stored, *kept, *late; /* b's samples by their fate (api_ingest_select) */
    size_t nlate, over_cap;
    time_t now;
    ingest_router router;   /* which site each sample is for (ingest_route.h) */
    char err[1200];
} api_ingest_job;

/* The RRD part (called with the lock, released meanwhile: the next push is read and checked): the
 * samples that can be stored are written; the time it took is kept for /metrics, the store's state
 * for /api/v1/health. */
static int api_ingest_rrd(api_ingest_job *j)
{
    api_ctx *ctx = j->ctx;
    vg_err verr;
    int written = -1;
    struct timespec t0, t1;
    api_unlock(ctx);
    j->b = api_ingest_filter(ctx, &j->router, j->all, &j->rej);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!j->b)
        snprintf(j->err, sizeof j->err, "out of memory");
    else if (ingest_route_rrd_write(&j->router, ctx->rrd, j->b, &j->st, &verr) == VG_OK)
        written = 0;
    else
        snprintf(j->err, sizeof j->err, "%s", verr.msg);
    if (j->b && (written == 0 || verr.code == VG_E_IO || verr.code == VG_E_UNAVAILABLE))
        db_storage_note(DB_PART_RRD, written == 0, j->err); /* for /api/v1/health */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    api_lock(ctx);
    api_latency_observe(&ctx->rrd_write, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return written;
}

/* A series whose own file failed (rrd_store_write answered VG_OK and marked its samples FAILED: a
 * damaged or foreign file, a folder that cannot be made, an I/O error on it) is refused alone, as
 * api_ingest_filter refuses, since every resend would fail the same way (api_rejects_add_failed). A
 * failure of the store itself (a writer process that died, rrdcached unreachable, no space or a
 * read-only file system: rrd_store_write's VG_E_IO) is not the samples' fault: api_ingest_store
 * answers 500, so that the agent sends the batch again once the store is back. */
static int api_ingest_refuse_failed(api_ingest_job *j)
{
    if (api_rejects_add_failed(&j->rej, j->agent, j->all, j->b, &j->st, j->now) == 0)
        return 0;
    snprintf(j->err, sizeof j->err, "out of memory");
    return -1;
}

/* latest and the batch get the samples RRD took; health all but the failed ones (a stale sample's
 * observation lands at its own time); the stale ones are kept as late samples for the series API */
static int api_ingest_select(api_ingest_job *j)
{
    j->stored = rrd_store_stats_select(&j->st, j->b, 1u << RRD_SAMPLE_WRITTEN);
    j->kept = rrd_store_stats_select(&j->st, j->b, ~(1u << RRD_SAMPLE_FAILED));
    j->late = rrd_store_stats_select(&j->st, j->b, 1u << RRD_SAMPLE_STALE);
    if (!j->stored || !j->kept || !j->late) {
        snprintf(j->err, sizeof j->err, "out of memory");
        return -1;
    }
    return 0;
}

/* Late samples of each site, for api_ingest_db. */
static int api_ingest_late(api_ingest_job *j)
{
    ingest_routes rt;
    vg_err verr;
    int rc = ingest_routes_build(&j->router, j->late, &rt) == VG_OK ? 0 : -1;
    if (rc)
        snprintf(j->err, sizeof j->err, "out of memory");
    for (size_t k = 0; rc == 0 && k < rt.nsites; k++) {
        if (rt.start[k] == rt.start[k + 1])
            continue;
        push_batch *sub = rt.nsites == 1 ? j->late : ingest_routes_subset(&rt, j->late, k);
        size_t kept = 0, over = 0;
        if (!sub) {
            snprintf(j->err, sizeof j->err, "out of memory");
            rc = -1;
        } else if (db_late_add(api_db(j->ctx), rt.sites[k], sub, (int64_t)j->now, &kept, &over, &verr) != VG_OK) {
            snprintf(j->err, sizeof j->err, "%s", verr.msg);
            rc = -1;
        }
        j->nlate += kept;
        j->over_cap += over;
        if (sub != j->late)
            push_batch_free(sub);
    }
    ingest_routes_clear(&rt);
    return rc;
}

static const char *api_stored_site(void *job, size_t i)
{
    api_ingest_job *j = job;
    return ingest_router_site(&j->router, push_batch_at(j->stored, i)->device);
}

/* The db part (lock held): late samples before the batch, so that should the batch then fail, its
 * resend finds them kept (once). */
static int api_ingest_db(api_ingest_job *j)
{
    vg_err verr;
    if (push_batch_count(j->late) > 0 && api_ingest_late(j) != 0)
        return -1;
    if (db_batch_store_sites(api_db(j->ctx), j->stored, api_stored_site, j, (int64_t)j->now, &verr) != VG_OK) {
        snprintf(j->err, sizeof j->err, "%s", verr.msg);
        return -1;
    }
    return 0;
}

/* Health and alerting judge what each site got of the batch (lock held). */
static void api_ingest_judge(api_ingest_job *j)
{
    if (!cluster_is_leader())
        return; /* health runs, events and alerts are shared rows: the leader alone writes them */
    api_ctx *ctx = j->ctx;
    const server_agent *agent = j->agent;
    vg_err verr;
    ingest_routes rt;
    if (ingest_routes_build(&j->router, j->kept, &rt) != VG_OK) {
        log_error("ingest", "batch %llu from %s: out of memory judging it", (unsigned long long)push_batch_seq(j->b),
                  agent->id);
        ingest_routes_clear(&rt);
        return;
    }
    for (size_t k = 0; k < rt.nsites; k++) {
        if (k > 0 && rt.start[k] == rt.start[k + 1])
            continue;
        push_batch *sub = rt.nsites == 1 ? j->kept : ingest_routes_subset(&rt, j->kept, k);
        if (!sub) {
            log_error("ingest", "batch %llu from %s: out of memory judging site %s",
                      (unsigned long long)push_batch_seq(j->b), agent->id, rt.sites[k]);
            continue;
        }
        /* samples are stored: a failure to derive health is logged, not a reason to have them resent */
        if (state_ingest(api_db(ctx), ctx->cfg, rt.sites[k], sub, (int64_t)j->now, &verr) != VG_OK)
            log_error("ingest", "batch %llu from %s: %s", (unsigned long long)push_batch_seq(j->b), agent->id, verr.msg);
        if (alerts_ingest(api_db(ctx), ctx->cfg, rt.sites[k], sub, (int64_t)j->now) != 0)
            log_error("ingest", "batch %llu from %s: alerting could not judge it (site %s)",
                      (unsigned long long)push_batch_seq(j->b), agent->id, rt.sites[k]);
        if (sub != j->kept)
            push_batch_free(sub);
    }
    ingest_routes_clear(&rt);
}

static void api_ingest_job_clear(api_ingest_job *j)
{
    push_batch_free(j->b);
    push_batch_free(j->kept);
    api_rejects_clear(&j->rej);
}

/* A stored push: health and alerting judge it, the counters count it, the reply names its refusals. */
static api_reply api_ingest_accept(api_ingest_job *j)
{
    api_ctx *ctx = j->ctx;
    const server_agent *agent = j->agent;
    push_sample cap_key = {.device = "", .metric = "late", .instance = ""};
    if (j->over_cap && api_log_due(api_hash(agent->id, &cap_key), j->now))
        log_warn("ingest", "agent %s: %zu late samples not kept in batch %llu: their series hold %d already "
                 "(logged once an hour)", agent->id, j->over_cap, (unsigned long long)push_batch_seq(j->all),
                 DB_LATE_PER_SERIES);
    api_ingest_judge(j);
    ctx->batches++;
    ctx->samples += j->written;
    ctx->samples_rejected += j->rej.n;
    ctx->series_failed += j->rej.series_failed;
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:O}", "agent", agent->id, "seq",
                          (json_int_t)push_batch_seq(j->b), "stored", (json_int_t)j->written, "stale",
                          (json_int_t)j->stale, "late", (json_int_t)j->nlate, "rejected", (json_int_t)j->rej.n,
                          "rejects", j->rej.list);
    api_ingest_job_clear(j);
    return api_json_reply(200, o);
}

/* Stores an allowed push (lock held, released while the RRD files are written: the next push is read
 * and checked meanwhile). A batch seen already is answered as a duplicate and stored no more. */
static api_reply api_ingest_store(api_ctx *ctx, const server_agent *agent, const push_batch *all, time_t now)
{
    bool dup = false;
    vg_err verr;
    vg_code seen = db_batch_seen(api_db(ctx), agent->id, push_batch_seq(all), &dup, &verr);
    if (seen == VG_OK && dup) {
        json_t *o = json_pack("{s:s, s:I, s:b}", "agent", agent->id, "seq", (json_int_t)push_batch_seq(all),
                              "duplicate", 1);
        return api_json_reply(200, o);
    }
    api_ingest_job j = {.ctx = ctx, .agent = agent, .all = all, .now = now};
    ingest_router_init(&j.router, ctx->cfg, agent);
    int written = seen == VG_OK ? api_ingest_rrd(&j) : -1;
    j.written = j.st.written;
    j.stale = j.st.stale;
    if (written == 0 && j.st.failed > 0)
        written = api_ingest_refuse_failed(&j);
    if (written == 0)
        written = api_ingest_select(&j);
    if (written == 0)
        written = api_ingest_db(&j);
    push_batch_free(j.stored);
    push_batch_free(j.late);
    rrd_store_stats_clear(&j.st);
    if (written != 0) {
        log_error("ingest", "batch %llu from %s not stored: %s", (unsigned long long)push_batch_seq(all), agent->id,
                  j.err[0] ? j.err : "database error");
        api_ingest_job_clear(&j);
        return api_error(500, NULL, "storage error: the batch was not stored, send it again");
    }
    return api_ingest_accept(&j);
}

/* A batch refused for its samples' times (a clock stepped): 409 with "retry": "clock", so that the
 * agent keeps it and sends it again later instead of setting it aside (push.h). Logged once per agent
 * every SKEW_LOG_EVERY seconds: the agent retries it every half minute. */
static api_reply api_ingest_clock_refusal(const server_agent *agent, const vg_err *perr, time_t now)
{
    bool log_due;
    skew_refused(agent->id, agent->site, (int64_t)now, &log_due);
    skew_entry e;
    bool known = skew_get(agent->id, &e) && e.measured;
    char off[64] = "";
    if (known)
        snprintf(off, sizeof off, "; the agent's clock is %+.0f s off the server's", e.skew);
    if (log_due)
        log_warn("ingest", "batch from %s refused for its time, the agent keeps it and sends it again "
                 "(logged once in %d s): %s: %s%s", agent->id, SKEW_LOG_EVERY, perr->field, perr->msg, off);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "error", perr->msg, "field", perr->field, "retry",
                          PUSH_RETRY_CLOCK, "server_time", (json_int_t)now);
    if (known)
        json_object_set_new(o, "skew", json_real(e.skew));
    return api_json_reply(409, o);
}

/* A push of another shard's agent (cluster/shard.h): 421, naming that shard's servers, before its body
 * is decoded. The agent keeps the batch and sends it again (a 4xx it does not give up on), so that
 * nothing is lost while its agent.yaml is put right. */
static api_reply api_ingest_misdirected(api_ctx *ctx, const server_agent *agent)
{
    const server_shard *to = shard_of_site(ctx->cfg, agent->site);
    char msg[SHARD_SERVERS_MAX * (SHARD_URL_MAX + 2) + 2 * NAME_MAX_LEN + 96];
    int n = snprintf(msg, sizeof msg, "site %s belongs to shard %s: push to its servers", agent->site,
                     to ? to->name : "?");
    for (size_t i = 0; to && i < to->nservers && n > 0 && (size_t)n < sizeof msg; i++)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s%s", i ? ", " : " ", to->servers[i]);
    api_lock(ctx); /* the counters are the writers' */
    ctx->rejected++;
    api_unlock(ctx);
    log_warn("ingest", "push of agent %s refused: %s", agent->id, msg);
    return api_error(421, "agent", msg);
}

/* Called without the lock (api_dispatch): the configuration is read-only once the server runs, and
 * decoding, the costly part, needs nothing shared. */
api_reply api_ingest(api_ctx *ctx, const char *authorization, const char *body, size_t len, time_t now)
{
    const char *token = api_bearer(authorization);
    const server_agent *agent = token ? server_config_agent_by_token(ctx->cfg, token) : NULL;
    if (agent && !shard_owns(ctx->cfg, agent->site))
        return api_ingest_misdirected(ctx, agent);
    vg_err perr;
    push_batch *b = agent ? push_batch_decode_vocab(body, len, now, ctx->cfg->vocab, &perr) : NULL;
    api_reply r;
    if (agent && !b && perr.code == VG_E_CONFLICT) /* only its times are wrong: not stored, sent again */
        return api_ingest_clock_refusal(agent, &perr, now);
    api_lock(ctx);
    if (api_ingest_allowed(ctx, agent, token, b, &perr, &r)) {
        api_agent_claim(ctx, agent);
        r = api_ingest_store(ctx, agent, b, now);
        api_agent_release(ctx, agent);
    }
    api_unlock(ctx);
    push_batch_free(b);
    return r;
}

static double api_wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The agent's clock (PUSH_CLOCK_HEADER, taken as it sent the request) against the server's: the skew
 * is noted for the agent of a valid token (skew.h), and every reply carries the server's clock so that
 * the agent measures it too. */
api_reply api_route_ingest(api_ctx *ctx, const api_request *req)
{
    const char *clk = req->header ? req->header(req->arg_ctx, PUSH_CLOCK_HEADER) : NULL;
    double agent_clock;
    if (clk && skew_parse_clock(clk, &agent_clock)) {
        const char *token = api_bearer(req->authorization);
        const server_agent *agent = token ? server_config_agent_by_token(ctx->cfg, token) : NULL;
        if (agent)
            skew_note(agent->id, agent->site, agent_clock - api_wall_clock(), (int64_t)req->now);
    }
    api_reply r = api_ingest(ctx, req->authorization, req->body ? req->body : "", req->len, req->now);
    size_t n = strlen(r.headers);
    snprintf(r.headers + n, sizeof r.headers - n, "%s%s: %.3f", n ? "\n" : "", PUSH_CLOCK_HEADER, api_wall_clock());
    return r;
}
