#include "config.h"
#include "reload.h"
#include "cluster/shard.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define RELOAD_MAX 1000 /* reloads in one run: past this many, a reload is refused (memory is bounded) */

struct server_reloader {
    api_ctx *ctx;
    server_config **made; /* every configuration a reload made, oldest first */
    size_t n, cap;
};

server_reloader *server_reloader_new(api_ctx *ctx)
{
    server_reloader *r = calloc(1, sizeof *r);
    if (r)
        r->ctx = ctx;
    return r;
}

/* Appends "name" to kept when a != b (strings). */
static void reload_keep_str(char *kept, size_t size, const char *name, char *now, size_t now_size, const char *running)
{
    if (strcmp(now, running) == 0)
        return;
    size_t at = strlen(kept);
    snprintf(kept + at, size - at, "%s%s", at ? ", " : "", name);
    snprintf(now, now_size, "%s", running);
}

static void reload_keep_int(char *kept, size_t size, const char *name, int *now, int running)
{
    if (*now == running)
        return;
    size_t at = strlen(kept);
    snprintf(kept + at, size - at, "%s%s", at ? ", " : "", name);
    *now = running;
}

/* What the running server set up at its start from its configuration: the new one takes the running
 * values, so that what it says is what runs. */
static void reload_keep_running(server_config *next, const server_config *run, char *kept, size_t size)
{
    kept[0] = '\0';
    reload_keep_str(kept, size, "listen", next->listen_addr, sizeof next->listen_addr, run->listen_addr);
    reload_keep_int(kept, size, "port", &next->port, run->port);
    reload_keep_str(kept, size, "data_dir", next->data_dir, sizeof next->data_dir, run->data_dir);
    reload_keep_str(kept, size, "database", next->database, sizeof next->database, run->database);
    reload_keep_str(kept, size, "rrdcached", next->rrdcached, sizeof next->rrdcached, run->rrdcached);
    reload_keep_int(kept, size, "step", &next->step, run->step);
    reload_keep_str(kept, size, "tls_cert", next->tls_cert, sizeof next->tls_cert, run->tls_cert);
    reload_keep_str(kept, size, "tls_key", next->tls_key, sizeof next->tls_key, run->tls_key);
    reload_keep_str(kept, size, "mibs_dir", next->mibs_dir, sizeof next->mibs_dir, run->mibs_dir);
    reload_keep_str(kept, size, "web_dir", next->web_dir, sizeof next->web_dir, run->web_dir);
    reload_keep_int(kept, size, "http.max_connections", &next->http.max_connections, run->http.max_connections);
    reload_keep_int(kept, size, "http.max_connections_per_ip", &next->http.max_connections_per_ip,
                    run->http.max_connections_per_ip);
    reload_keep_int(kept, size, "http.timeout", &next->http.timeout, run->http.timeout);
    /* the election runs with the node and lease it started with (cluster/cluster.h) */
    if (next->cluster.on != run->cluster.on) {
        size_t at = strlen(kept);
        snprintf(kept + at, size - at, "%scluster", at ? ", " : "");
        next->cluster = run->cluster;
    }
    reload_keep_str(kept, size, "cluster.node", next->cluster.node, sizeof next->cluster.node, run->cluster.node);
    reload_keep_int(kept, size, "cluster.lease", &next->cluster.lease, run->cluster.lease);
}

vg_code server_reload(server_reloader *r, alert_sender *sender, char *kept, size_t kept_size, vg_err *err)
{
    kept[0] = '\0';
    const server_config *run = atomic_load(&r->ctx->cfg);
    if (r->n >= RELOAD_MAX)
        return vg_fail(err, VG_E_CONFLICT, "%d reloads since the start: restart the server", RELOAD_MAX);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        server_config **m = realloc(r->made, cap * sizeof *m);
        if (!m)
            return vg_fail(err, VG_E_NOMEM, "out of memory");
        r->made = m;
        r->cap = cap;
    }
    server_config *next = server_config_load(run->path, err); /* checked whole: nothing changes before */
    if (!next)
        return err->code ? err->code : VG_E_INVALID;
    if (!shard_layout_same(next, run)) { /* the lease is the shard's, taken at start (cluster/shard.h) */
        server_config_free(next);
        return vg_fail(err, VG_E_CONFLICT, "%s: cluster.shard or the shards' names changed: restart the server",
                       run->path);
    }
    reload_keep_running(next, run, kept, kept_size);
    r->made[r->n++] = next;
    if (r->ctx->lock) /* no write is half-way through the old one's rules */
        pthread_mutex_lock(r->ctx->lock);
    atomic_store(&r->ctx->cfg, next);
    alert_sender_set_config(sender, next);
    if (r->ctx->lock)
        pthread_mutex_unlock(r->ctx->lock);
    return VG_OK;
}

void server_reloader_free(server_reloader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        server_config_free(r->made[i]);
    free(r->made);
    free(r);
}
