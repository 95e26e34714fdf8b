/* vigie-server: receives the agents' pushes, stores them and serves the API. */
#include "config.h"

#include <errno.h>
#include <curl/curl.h>
#include <ftw.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alerting/alerts.h"
#include "audit/audit.h"
#include "alerting/sender.h"
#include "cluster/cluster.h"
#include "cluster/shard.h"
#include "reload.h"
#include "http/api.h"
#include "store/db.h"
#include "store/sq.h"
#include "http/http.h"
#include "log.h"
#include "vocab.h"
#include "store/rrd_store.h"
#include "store/graph.h"
#include "config/server_config.h"
#include "config/public_sites.h"

#ifndef VIGIE_SYSCONF_DIR
#define VIGIE_SYSCONF_DIR "/etc/vigie"
#endif

static void server_usage(FILE *f)
{
    fprintf(f, "Usage: vigie-server [OPTION]...\n"
               "Receive the agents' samples, store them in RRD files and serve the API.\n\n"
               "  -c, --config FILE      server configuration (default " VIGIE_SYSCONF_DIR "/server.yaml)\n"
               "      --check-config     check the configuration, then exit\n"
               "      --import-sites CSV check the public sites of CSV against the configuration and install it\n"
               "                         as server.yaml's public_sites file (the previous one kept as FILE.bak)\n"
               "      --init             accept a new or empty DATA_DIR/vigie.db beside existing RRD data\n"
               "      --log-level LEVEL  error, warn, info (default) or debug\n"
               "  -h, --help             show this help\n"
               "  -V, --version          show the version\n\n"
               "Exit status: 0 after a clean stop, 1 on a runtime failure, 2 on bad arguments or\n"
               "configuration, or a database that is damaged, or new beside existing RRD data.\n"
               "See vigie-server(8).\n");
}

static int server_bad_arg(const char *msg, const char *val)
{
    fprintf(stderr, "vigie-server: %s%s%s\nTry 'vigie-server --help'.\n", msg, val ? ": " : "", val ? val : "");
    return 2;
}

static int server_prepare_dir(const char *dir)
{
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        log_error("server", "cannot create data folder %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* The alerting timer: alerts_tick() every ALERT_TICK seconds (for-durations, heartbeats, repeats,
 * escalations, deliveries), on a database connection of its own. It shares the writers' lock
 * (api_ctx.lock) with the HTTP threads' writes, so that the state sees one writer at a time. Notifications are delivered
 * by the sender's threads (alerting/sender.h), never by the timer: a hanging receiver delays no tick. */
#define ALERT_TICK 2

/* Retention (the `retention:` section): purged at most once an hour from the timer, by chunks of
 * RETENTION_CHUNK rows, each its own transaction under the lock, so that a push waits one chunk. */
#define RETENTION_EVERY 3600
#define RETENTION_CHUNK 1000
#define RETENTION_MAX_CHUNKS 1000 /* per hour: the rest waits for the next hour */
#define RETENTION_AUDIT_CHUNK 10000 /* audit entries per hour, in one transaction with their purge entry */

typedef struct {
    api_ctx *ctx;
    pthread_mutex_t *lock;
    notify_env env;
    int64_t started;
    int64_t purged; /* when the retention last ran */
    atomic_bool stop; /* set by the main thread, read by the timer thread */
} server_timer;

static vg_code server_mail(void *ctx, const char *to, const char *subject, const char *body, vg_err *err)
{
    const char *rcpt[] = {to, NULL};
    return smtp_send(ctx, rcpt, subject, body, NULL, 0, err);
}

static int64_t server_cutoff(int64_t now, int days) { return days > 0 ? now - (int64_t)days * 86400 : 0; }

static void server_retention_run(server_timer *t, int64_t now)
{
    const server_retention *r = &t->ctx->cfg->retention;
    db_retention cut = {server_cutoff(now, r->batches), server_cutoff(now, r->notifications),
                        server_cutoff(now, r->alerts), server_cutoff(now, r->events),
                        server_cutoff(now, r->health_runs), server_cutoff(now, r->late_samples)};
    long total = 0, n = RETENTION_CHUNK;
    vg_err err;
    vg_code rc = VG_OK;
    db *d = api_db(t->ctx);
    if (!d)
        return;
    for (int i = 0; i < RETENTION_MAX_CHUNKS && n >= RETENTION_CHUNK && !atomic_load(&t->stop); i++) {
        pthread_mutex_lock(t->lock);
        rc = db_retention_purge(d, &cut, RETENTION_CHUNK, &n, &err);
        pthread_mutex_unlock(t->lock);
        total += n;
        if (rc != VG_OK) {
            log_error("retention", "%s", err.msg);
            break;
        }
    }
    if (total > 0)
        log_info("retention", "%ld rows older than their retention deleted", total);
    /* the audit trail's oldest entries, the purge itself an entry of it (audit_purge) */
    long purged = 0;
    if (r->audit > 0 && !atomic_load(&t->stop)) {
        pthread_mutex_lock(t->lock);
        rc = audit_purge(d, server_cutoff(now, r->audit), now, RETENTION_AUDIT_CHUNK, &purged, &err);
        pthread_mutex_unlock(t->lock);
        if (rc != VG_OK)
            log_error("retention", "audit: %s", err.msg);
        else if (purged > 0)
            log_info("retention", "%ld audit entries older than %d days deleted (recorded as audit.purge)", purged,
                     r->audit);
    }
}

/* The server's own entries in the audit trail (start, configuration, stop), under the writers' lock
 * once there is one; a failure is logged: the server runs on. */
static void server_audit(api_ctx *ctx, const char *action, const char *object, const char *outcome,
                         const char *detail)
{
    vg_err err;
    if (ctx->lock)
        pthread_mutex_lock(ctx->lock);
    vg_code rc = audit_append(ctx->db, (int64_t)time(NULL), AUDIT_SERVER, "", action, object, outcome, detail, &err);
    if (ctx->lock)
        pthread_mutex_unlock(ctx->lock);
    if (rc != VG_OK)
        log_error("audit", "%s not recorded: %s", action, err.msg);
}

/* SIGHUP: the configuration read again (reload.h), said in the log and the audit trail either way. */
static void server_reload_now(api_ctx *ctx, server_reloader *reloader, alert_sender *sender)
{
    const char *path = ctx->cfg->path;
    char kept[400], detail[200], hash[DB_AUDIT_HASH_HEX + 1];
    vg_err err;
    if (!reloader || server_reload(reloader, sender, kept, sizeof kept, &err) != VG_OK) {
        log_error("config", "reload refused, the running configuration is kept: %s", reloader ? err.msg : "out of memory");
        server_audit(ctx, "config.reload", path, "failed", reloader ? err.msg : "out of memory");
        return;
    }
    const server_config *cfg = ctx->cfg;
    if (kept[0])
        log_warn("config", "%s: %s changed: a running server keeps them until it restarts", path, kept);
    log_info("config", "%s reloaded: %zu agents, %zu sites, %zu API tokens", path, cfg->nagents, cfg->nsites,
             cfg->nreaders);
    if (audit_file_sha256(path, hash, &err) != VG_OK)
        snprintf(hash, sizeof hash, "unknown");
    snprintf(detail, sizeof detail, "sha256:%s agents:%zu sites:%zu%s", hash, cfg->nagents, cfg->nsites,
             kept[0] ? " (restart needed for some keys)" : "");
    server_audit(ctx, "config.reload", path, "ok", detail);
}

static void *server_timer_run(void *arg)
{
    server_timer *t = arg;
    while (!atomic_load(&t->stop)) {
        int64_t now = (int64_t)time(NULL);
        bool leads = cluster_is_leader(); /* a follower judges nothing and purges nothing: shared rows */
        /* the shared rows of old are purged once for the estate: by the first shard's leader (shard.h) */
        if (leads && shard_is_first(t->ctx->cfg) && (now - t->purged >= RETENTION_EVERY || now < t->purged)) {
            t->purged = now;
            server_retention_run(t, now);
        }
        db *d = api_db(t->ctx); /* the timer thread's own connection */
        if (d && leads)
            alerts_tick(d, t->ctx->cfg, t->started, (int64_t)time(NULL), t->lock);
        malloc_trim(0); /* see mallopt in server_run */
        rrd_store_check_writers(t->ctx->rrd);
        for (int i = 0; i < ALERT_TICK * 10 && !atomic_load(&t->stop); i++)
            nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    return NULL;
}

static int server_rrd_seen(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    size_t n = strlen(path);
    return type == FTW_F && S_ISREG(st->st_mode) && n > 4 && strcmp(path + n - 4, ".rrd") == 0;
}

/* Whether DATA_DIR/rrd holds at least one RRD file (the series of a server that ran before). */
static bool server_has_rrd_data(const char *data_dir)
{
    char dir[SERVER_PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/rrd/", data_dir); /* the slash: rrd may be a link to another disk */
    return nftw(dir, server_rrd_seen, 16, FTW_PHYS) == 1;
}

/* A vigie.db that is missing or empty beside RRD files is a database lost (deleted, truncated,
 * another disk mounted): starting would forget the accepted batches, the events and the alerts
 * without a word. 2 (refused) unless --init; then quick_check on what is opened. */
static int server_open_db(const server_config *cfg, const char *target, bool init, db **out)
{
    struct stat st;
    char dbpath[1024]; /* what the log may show: PostgreSQL's target without its password */
    sq_target_redact(target, dbpath, sizeof dbpath);
    bool pg = sq_target_kind(target) == SQ_POSTGRES;
    /* a PostgreSQL database is shared by a pair and kept by its own tools: nothing here says it was lost */
    bool empty = !pg && (stat(sq_target_path(target), &st) != 0 || st.st_size == 0);
    if (empty && !init && server_has_rrd_data(cfg->data_dir)) {
        log_error("server", "%s is %s but %s/rrd holds RRD data: the database was lost or truncated. Restore it "
                  "from a backup, or start once with --init to begin a new database beside that data",
                  dbpath, stat(sq_target_path(target), &st) != 0 ? "missing" : "empty", cfg->data_dir);
        return 2;
    }
    vg_err derr;
    vg_code rc = db_open(target, out, &derr);
    if (rc == VG_OK && (rc = db_quick_check(*out, &derr)) != VG_OK) {
        db_close(*out);
        *out = NULL;
    }
    if (rc != VG_OK) {
        /* a file that is not a database, or a damaged one: SQLite's open or quick_check says so */
        bool damaged = !pg && rc == VG_E_IO && stat(sq_target_path(target), &st) == 0 && st.st_size > 0;
        log_error("server", "%s: %s%s", dbpath, derr.msg,
                  damaged ? ": the database is damaged; restore it from a backup (or move it away and start "
                            "with --init to begin a new one)" : "");
        return damaged || rc == VG_E_CONFLICT ? 2 : 1;
    }
    if (empty && init)
        log_warn("server", "%s: a new database (--init)", dbpath);
    return 0;
}

static int server_run(const server_config *cfg, bool init)
{
    char err[1200] = "", dbpath[SERVER_PATH_MAX + 1024];
    if (server_prepare_dir(cfg->data_dir) != 0)
        return 1;
    if (cfg->database[0])
        snprintf(dbpath, sizeof dbpath, "%s", cfg->database);
    else
        snprintf(dbpath, sizeof dbpath, "%s/vigie.db", cfg->data_dir);
    api_ctx ctx = {.cfg = cfg};
    vg_err derr;
    int orc = server_open_db(cfg, dbpath, init, &ctx.db);
    if (orc != 0)
        return orc;
    /* the audit trail's key, before any entry; the configuration loaded is its first entry of this run */
    bool key_new = false;
    if (audit_key_load(cfg->data_dir, &key_new, &derr) != VG_OK) {
        log_error("server", "%s", derr.msg);
        db_close(ctx.db);
        return 1;
    }
    if (key_new)
        log_info("server", "%s/%s: a new key for the audit trail's hashes (keep it with the database's backups)",
                 cfg->data_dir, AUDIT_KEY_FILE);
    audit_verdict chain; /* a trail changed while the server was stopped is said at its start */
    if (audit_verify(ctx.db, NULL, &chain, &derr) == VG_OK && !chain.ok)
        log_warn("audit", "the audit trail is broken: %s (see vigie audit --verify)", chain.reason);
    char conf_hash[DB_AUDIT_HASH_HEX + 1], conf_detail[160];
    if (audit_file_sha256(cfg->path, conf_hash, &derr) != VG_OK)
        snprintf(conf_hash, sizeof conf_hash, "unknown");
    snprintf(conf_detail, sizeof conf_detail, "sha256:%s agents:%zu sites:%zu", conf_hash, cfg->nagents, cfg->nsites);
    server_audit(&ctx, "config.load", cfg->path, "ok", conf_detail);
    if (db_pool_new(dbpath, &ctx.pool, &derr) != VG_OK) {
        log_error("server", "%s", derr.msg);
        db_close(ctx.db);
        return 1;
    }
    ctx.rrd = rrd_store_new(cfg->data_dir, cfg->step);
    if (ctx.rrd && cfg->rrdcached[0]) {
        rrd_store_set_daemon(ctx.rrd, cfg->rrdcached);
        log_info("server", "RRD writes go through rrdcached at %s", cfg->rrdcached);
    }
    if (!ctx.rrd) {
        log_error("server", "cannot use %s/rrd", cfg->data_dir);
        db_pool_free(ctx.pool);
        db_close(ctx.db);
        return 1;
    }
    /* swept metrics (vocabulary.yaml heartbeat:) come every few cycles: their files join samples
     * further apart; before the writers fork */
    for (size_t i = 0; cfg->vocab && i < vocab_metric_count(cfg->vocab); i++) {
        const vocab_metric *m = vocab_metric_at(cfg->vocab, i);
        if (m->heartbeat > 0 && rrd_store_set_heartbeat(ctx.rrd, m->name, m->heartbeat, &derr) != VG_OK)
            log_warn("server", "%s", derr.msg);
    }
    /* before any thread: the writer is a fork of this process */
    if (rrd_store_start_writer(ctx.rrd, &derr) != VG_OK) {
        log_error("server", "%s", derr.msg);
        rrd_store_free(ctx.rrd);
        db_pool_free(ctx.pool);
        db_close(ctx.db);
        return 1;
    }
    /* the report's graphs are drawn in a process of its own, forked before any thread (store/graph.h) */
    vg_err gerr;
    if (store_graph_start(&gerr) != VG_OK)
        log_warn("server", "%s: the reports will have no graphs", gerr.msg);
    /* malloc gives each thread an arena of its own that keeps what it freed: with four HTTP threads the
     * server held several reports' and pushes' worth (bench: PDF peak 63 to 105 MiB). Two arenas keep the
     * ingest rate (with one: the same direct, -10 % through rrdcached); the timer gives back what they
     * hold free (server_timer_run); and a fixed mmap threshold keeps the report's large buffers (graphs,
     * pages) out of the arenas, where glibc's moving threshold put them once one was freed (PDF and HTML
     * peaks 64-75 MiB, ingest rate unchanged). */
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static pthread_cond_t agent_done = PTHREAD_COND_INITIALIZER;
    ctx.lock = &lock;
    ctx.agent_done = &agent_done;
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: the alerting timer uses libcurl */
    server_timer timer = {.ctx = &ctx, .lock = &lock, .env = {.cfg = cfg->alerting}, .started = (int64_t)time(NULL)};
    if (cfg->smtp.configured) {
        timer.env.mail = server_mail;
        timer.env.mail_ctx = (void *)&cfg->smtp;
    }
    pthread_t timer_thread;
    bool timer_started = false;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP); /* a reload (reload.h) */
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before the HTTP thread starts, so it inherits the mask */
    signal(SIGPIPE, SIG_IGN);
    /* the election (cluster/cluster.h): its thread after the forks, before the HTTP threads that ask it */
    cluster *cl = NULL;
    vg_err cerr;
    if (cluster_open(dbpath, &cfg->cluster, &cl, &cerr) != VG_OK)
        snprintf(err, sizeof err, "cluster: %s", cerr.msg);
    http_server *h = cl ? http_start(&ctx, cfg->listen_addr, cfg->port, cfg->tls_cert_pem, cfg->tls_key_pem, err,
                                     sizeof err) : NULL;
    int rc = 1;
    if (h) {
        bool v6 = strchr(cfg->listen_addr, ':') != NULL;
        log_info("server", "listening on %s://%s%s%s:%d/ (data in %s, %zu agents, %zu sites)",
                 cfg->tls_cert_pem ? "https" : "http", v6 ? "[" : "", cfg->listen_addr, v6 ? "]" : "", cfg->port,
                 cfg->data_dir, cfg->nagents, cfg->nsites);
        if (!cfg->tls_cert_pem && !http_addr_is_loopback(cfg->listen_addr))
            log_warn("server", "listening on %s without TLS: agent and API tokens and all data cross the network "
                     "in clear; set tls_cert and tls_key in %s (see doc/tls.md)", cfg->listen_addr, cfg->path);
        char start[200];
        snprintf(start, sizeof start, "vigie-server %s, pid %ld, port %d", PACKAGE_VERSION, (long)getpid(), cfg->port);
        server_audit(&ctx, "server.start", "", "ok", start);
        timer_started = pthread_create(&timer_thread, NULL, server_timer_run, &timer) == 0;
        if (!timer_started)
            log_error("server", "cannot start the alerting timer: no alert will be notified");
        /* the sender's thread and its workers share a connection of their own, used under the lock */
        vg_err serr;
        db *sender_db = NULL;
        alert_sender *sender = NULL;
        if (db_open(dbpath, &sender_db, &serr) == VG_OK &&
            (sender = alert_sender_new(sender_db, cfg, &timer.env, &lock, NULL, NULL)) == NULL)
            vg_fail(&serr, VG_E_NOMEM, "out of memory");
        if (!sender || alert_sender_start(sender, &serr) != VG_OK)
            log_error("server", "%s: no notification will be sent", serr.msg);
        int sig = 0;
        server_reloader *reloader = server_reloader_new(&ctx);
        while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
            server_reload_now(&ctx, reloader, sender);
        log_info("server", "stopping on signal %d", sig);
        http_stop(h);
        if (timer_started) {
            atomic_store(&timer.stop, true);
            pthread_join(timer_thread, NULL);
        }
        alert_sender_free(sender);
        db_close(sender_db);
        ctx.cfg = cfg; /* the configurations of the reloads go now: no thread is left to read them */
        server_reloader_free(reloader);
        char stop[32];
        snprintf(stop, sizeof stop, "signal %d", sig);
        server_audit(&ctx, "server.stop", "", "ok", stop);
        rc = 0;
    } else {
        log_error("server", "%s", err);
        server_audit(&ctx, "server.start", "", "failed", err);
    }
    cluster_free(cl); /* after the timer and the sender: a leader releases its lease last */
    store_graph_stop();
    rrd_store_free(ctx.rrd);
    db_pool_free(ctx.pool);
    db_close(ctx.db);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check-config", no_argument, NULL, 'k'},
                                         {"import-sites", required_argument, NULL, 'I'},
                                         {"init", no_argument, NULL, 'i'},
                                         {"log-level", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    const char *path = VIGIE_SYSCONF_DIR "/server.yaml";
    bool check = false, init = false;
    const char *import = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'k': check = true; break;
        case 'I': import = optarg; break;
        case 'i': init = true; break;
        case 'l': {
            log_level l;
            if (log_level_parse(optarg, &l) != 0)
                return server_bad_arg("--log-level must be error, warn, info or debug, not", optarg);
            log_set_level(l);
            break;
        }
        case 'h': server_usage(stdout); return 0;
        case 'V': printf("vigie-server %s\n", PACKAGE_VERSION); return 0;
        default: return server_bad_arg("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return server_bad_arg("unexpected argument", argv[optind]);
    vg_err err;
    /* an import replaces the public sites' file: the one in place is not read (it may be missing or wrong) */
    server_config *cfg = import ? server_config_load_base(path, &err) : server_config_load(path, &err);
    if (!cfg) {
        fprintf(stderr, "vigie-server: %s\n", err.msg);
        return 2;
    }
    if (import) {
        int irc = public_sites_import(cfg, import, stdout, stderr);
        server_config_free(cfg);
        return irc;
    }
    if (cfg->tls_cert_pem && !http_tls_supported()) {
        fprintf(stderr, "vigie-server: %s: tls_cert and tls_key are set but this libmicrohttpd was built without "
                "TLS support: install a libmicrohttpd built with GnuTLS (Debian's libmicrohttpd12 is)\n", path);
        server_config_free(cfg);
        return 2;
    }
    int rc = 0;
    if (check)
        printf("%s: valid, %zu agent(s), %zu site(s), %s\n", path, cfg->nagents, cfg->nsites,
               cfg->tls_cert_pem ? "HTTPS" : "plain HTTP");
    else
        rc = server_run(cfg, init);
    server_config_free(cfg);
    return rc;
}
