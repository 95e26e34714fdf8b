/* The server's target list for this agent, fetched on a thread of its own (check_fetch.h). The GET
 * is bounded (CHECK_FETCH_MAX bytes, the push client's timeout) and authenticated with the agent's
 * token, which never appears in a log line. With a pair (agent.yaml `server:` a list) the servers are
 * asked in turn, the last one that answered first: both give the same list (one server.yaml), and
 * the list must not depend on one of them being up. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check/check_fetch.h"
#include "check/check_internal.h"
#include "log.h"

#define CKF_FILE "targets.json"
#define CKF_TIMEOUT 30L

struct check_fetch {
    const agent_config *cfg;
    char path[4096], tmp[4096];
    char url[AGENT_SERVERS_MAX][AGENT_URL_MAX + 32];
    size_t nurls, good; /* good: the server that answered last, asked first */
    pthread_t thread;
    bool started, stop;
    atomic_bool abort_get; /* set by check_fetch_free: a GET under way ends now */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    agent_check *list; /* offered, not taken yet */
    size_t n;
    bool fresh;
    char last_error[256]; /* the thread's, logged once until it changes */
};

typedef struct {
    char *buf;
    size_t len;
    bool over;
} ckf_body;

static void ckf_free_list(agent_check *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        agent_check_clear(&list[i]);
    free(list);
}

/* Writes the answer beside the spool's batches: tmp, fsync, rename. */
static void ckf_save(check_fetch *f, const char *body, size_t len)
{
    int fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    bool ok = fd >= 0 && write(fd, body, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok || rename(f->tmp, f->path) != 0) {
        log_warn("check", "%s: cannot keep the server's target list: %s", f->path, strerror(errno));
        unlink(f->tmp);
    }
}

vg_code check_fetch_accept(check_fetch *f, const char *body, size_t len, bool save, vg_err *err)
{
    agent_check *list;
    size_t n;
    vg_code rc = check_targets_parse(body, len, f->cfg->id, &list, &n, err);
    if (rc != VG_OK)
        return rc;
    if (save)
        ckf_save(f, body, len);
    pthread_mutex_lock(&f->mu);
    ckf_free_list(f->list, f->n);
    f->list = list;
    f->n = n;
    f->fresh = true;
    pthread_mutex_unlock(&f->mu);
    return VG_OK;
}

bool check_fetch_take(check_fetch *f, agent_check **list, size_t *n)
{
    pthread_mutex_lock(&f->mu);
    bool fresh = f->fresh;
    if (fresh) {
        *list = f->list;
        *n = f->n;
        f->list = NULL;
        f->n = 0;
        f->fresh = false;
    }
    pthread_mutex_unlock(&f->mu);
    return fresh;
}

/* The list kept by an earlier run, if any. */
static void ckf_load_saved(check_fetch *f)
{
    FILE *fp = fopen(f->path, "re");
    if (!fp)
        return;
    char *buf = malloc(CHECK_FETCH_MAX + 1);
    size_t len = buf ? fread(buf, 1, CHECK_FETCH_MAX + 1, fp) : 0;
    fclose(fp);
    vg_err err;
    if (!buf || len > CHECK_FETCH_MAX)
        log_warn("check", "%s: ignored (%s)", f->path, buf ? "too large" : "out of memory");
    else if (check_fetch_accept(f, buf, len, false, &err) != VG_OK)
        log_warn("check", "%s: ignored: %s", f->path, err.msg);
    else
        log_info("check", "%s: %zu target(s) kept from the last run, until the server answers", f->path, f->n);
    free(buf);
}

static int ckf_on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    return atomic_load(&((check_fetch *)ctx)->abort_get) ? 1 : 0;
}

static size_t ckf_on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    ckf_body *b = ctx;
    size_t n = size * nmemb;
    if (b->len + n > CHECK_FETCH_MAX) {
        b->over = true;
        return 0;
    }
    char *p = realloc(b->buf, b->len + n + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, data, n);
    b->buf = p;
    b->len += n;
    return n;
}

/* One GET of url: VG_OK with the answer in *b, or why in err (never the token). */
static vg_code ckf_get(check_fetch *f, const char *url, ckf_body *b, vg_err *err)
{
    CURL *e = curl_easy_init();
    char auth[AGENT_SECRET_MAX + 32], cerr[CURL_ERROR_SIZE] = "";
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", f->cfg->token);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    explicit_bzero(auth, sizeof auth);
    if (!e || !h) {
        curl_easy_cleanup(e);
        curl_slist_free_all(h);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, CKF_TIMEOUT);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ckf_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, ckf_on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, f);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, PACKAGE_NAME "-agent/" PACKAGE_VERSION);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (f->cfg->ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, f->cfg->ca_file);
    CURLcode res = curl_easy_perform(e);
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    if (b->over)
        return vg_fail(err, VG_E_INVALID, "the answer is larger than %u bytes", CHECK_FETCH_MAX);
    if (res != CURLE_OK)
        return vg_fail(err, VG_E_IO, "%s", cerr[0] ? cerr : curl_easy_strerror(res));
    if (code != 200)
        return vg_fail(err, VG_E_IO, "HTTP %ld", code);
    return VG_OK;
}

/* The servers in turn from the last good one until one gives a list; err the last one's failure. */
static vg_code ckf_get_any(check_fetch *f, vg_err *err)
{
    vg_code rc = VG_E_IO;
    for (size_t k = 0; k < f->nurls && !atomic_load(&f->abort_get); k++) {
        size_t i = (f->good + k) % f->nurls;
        ckf_body b = {0};
        vg_err one;
        rc = ckf_get(f, f->url[i], &b, &one);
        if (rc == VG_OK)
            rc = check_fetch_accept(f, b.buf ? b.buf : "", b.len, true, &one);
        free(b.buf);
        if (rc == VG_OK) {
            f->good = i;
            return VG_OK;
        }
        if (f->nurls > 1)
            vg_fail(err, one.code, "%s (server %zu of %zu)", one.msg, i + 1, f->nurls);
        else
            *err = one;
    }
    return rc;
}

/* One round of GETs; false when it failed (the next comes sooner than CHECK_FETCH_EVERY). */
static bool ckf_once(check_fetch *f)
{
    vg_err err;
    vg_code rc = ckf_get_any(f, &err);
    const char *now = rc == VG_OK ? "" : err.msg;
    if (strcmp(now, f->last_error) != 0) { /* once per change: a server away for a day logs one line */
        if (rc == VG_OK)
            log_info("check", "GET /api/v1/agent/targets answers again");
        else
            log_warn("check", "GET /api/v1/agent/targets: %s; the previous list stays", now);
        snprintf(f->last_error, sizeof f->last_error, "%s", now);
    }
    return rc == VG_OK;
}

static void *ckf_main(void *arg)
{
    check_fetch *f = arg;
    int wait = CHECK_FETCH_EVERY;
    pthread_mutex_lock(&f->mu);
    while (!f->stop) {
        pthread_mutex_unlock(&f->mu);
        /* after a failure: 10 s, 20 s, 40 s ... up to the usual period, so that a server that was
         * starting or restarting gives its list soon */
        wait = ckf_once(f) ? CHECK_FETCH_EVERY : wait >= CHECK_FETCH_EVERY ? 10 : wait * 2 > CHECK_FETCH_EVERY ? CHECK_FETCH_EVERY : wait * 2;
        pthread_mutex_lock(&f->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait;
        while (!f->stop && pthread_cond_timedwait(&f->cv, &f->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

check_fetch *check_fetch_new(const agent_config *cfg, const char *dir, vg_err *err)
{
    check_fetch *f = calloc(1, sizeof *f);
    if (!f) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        return NULL;
    }
    f->cfg = cfg;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    bool url_ok = true;
    for (size_t i = 0; i < (cfg->nservers ? cfg->nservers : 1) && i < AGENT_SERVERS_MAX; i++) {
        const char *server = cfg->nservers ? cfg->servers[i] : cfg->server;
        size_t base = strlen(server);
        while (base > 0 && server[base - 1] == '/')
            base--;
        int c = snprintf(f->url[i], sizeof f->url[i], "%.*s/api/v1/agent/targets", (int)base, server);
        url_ok = url_ok && c >= 0 && (size_t)c < sizeof f->url[i];
        f->nurls = i + 1;
    }
    int a = snprintf(f->path, sizeof f->path, "%s/" CKF_FILE, dir);
    int b = snprintf(f->tmp, sizeof f->tmp, "%s/." CKF_FILE ".tmp", dir);
    if (a < 0 || (size_t)a >= sizeof f->path || b < 0 || (size_t)b >= sizeof f->tmp || !url_ok) {
        vg_fail(err, VG_E_INVALID, "%s: the spool folder or the server's URL is too long", dir);
        check_fetch_free(f);
        return NULL;
    }
    ckf_load_saved(f);
    int e = pthread_create(&f->thread, NULL, ckf_main, f);
    if (e != 0) {
        vg_fail(err, VG_E_INTERNAL, "cannot start the target list's thread: %s", strerror(e));
        check_fetch_free(f);
        return NULL;
    }
    f->started = true;
    return f;
}

void check_fetch_free(check_fetch *f)
{
    if (!f)
        return;
    if (f->started) { /* a GET under way ends within its timeout */
        atomic_store(&f->abort_get, true);
        pthread_mutex_lock(&f->mu);
        f->stop = true;
        pthread_cond_signal(&f->cv);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->thread, NULL);
    }
    ckf_free_list(f->list, f->n);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
}
