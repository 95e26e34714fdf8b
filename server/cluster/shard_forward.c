#include "config.h"
#include "cluster/shard_forward.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/shard_metrics.h"
#include "http/api_routes.h"
#include "log.h"
#include "names.h"

/* What one server answered: its status (0: none, the transfer failed), body and two headers. */
typedef struct {
    long status;
    char *body;
    size_t len, cap;
    bool too_big;
    char ctype[128], disposition[160];
} fwd_answer;

bool shard_fwd_route(const char *path)
{
    static const char *const routes[] = {"/api/v1/series", "/api/v1/energy", "/api/v1/trends", "/api/v1/report"};
    for (size_t i = 0; path && i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(path, routes[i]) == 0)
            return true;
    return false;
}

static const char *fwd_header(const api_request *req, const char *name)
{
    return req->header ? req->header(req->arg_ctx, name) : NULL;
}

const server_shard *shard_fwd_target(const server_config *cfg, const auth_principal *who, const api_request *req)
{
    if (!cfg->cluster.nshards || !req->method || !shard_fwd_route(req->path))
        return NULL;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return NULL;
    if (fwd_header(req, SHARD_FWD_HEADER)) /* the loop guard: a forwarded request is answered here */
        return NULL;
    const char *site = req->arg ? req->arg(req->arg_ctx, "site") : NULL;
    if (!site || !name_is_valid(site) || shard_owns(cfg, site) || !api_scope_sees(who, cfg, site))
        return NULL;
    const server_shard *s = shard_of_site(cfg, site);
    return s && s != shard_self(cfg) ? s : NULL;
}

static size_t fwd_write(char *p, size_t size, size_t n, void *arg)
{
    fwd_answer *a = arg;
    size_t k = size * n;
    if (a->len + k > SHARD_FWD_BODY_MAX) {
        a->too_big = true;
        return 0; /* ends the transfer */
    }
    if (a->len + k + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 16384;
        while (cap < a->len + k + 1)
            cap *= 2;
        char *b = realloc(a->body, cap);
        if (!b)
            return 0;
        a->body = b;
        a->cap = cap;
    }
    memcpy(a->body + a->len, p, k);
    a->len += k;
    a->body[a->len] = '\0';
    return k;
}

/* A header's value into out when line is "name: value", printable ASCII only (it is sent on). */
static void fwd_header_value(const char *line, size_t n, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    size_t k = nl + 1, o = 0;
    while (k < n && line[k] == ' ')
        k++;
    while (k < n && line[k] >= ' ' && line[k] < 127 && o + 1 < size)
        out[o++] = line[k++];
    out[o] = '\0';
}

static size_t fwd_headers(char *line, size_t size, size_t n, void *arg)
{
    fwd_answer *a = arg;
    fwd_header_value(line, size * n, "Content-Type", a->ctype, sizeof a->ctype);
    fwd_header_value(line, size * n, "Content-Disposition", a->disposition, sizeof a->disposition);
    return size * n;
}

/* "name: value" appended to *h; *ok false when it cannot be (the request is not sent without it: the
 * loop guard's header, or the caller's credential, missing would change its answer). */
static void fwd_add_header(struct curl_slist **h, bool *ok, const char *name, const char *value)
{
    char line[2048];
    if (snprintf(line, sizeof line, "%s: %s", name, value) >= (int)sizeof line) {
        *ok = false;
        return;
    }
    struct curl_slist *n = *ok ? curl_slist_append(*h, line) : NULL;
    if (n)
        *h = n;
    else
        *ok = false;
}

/* One GET of url; false with curl's words in why when no answer came. */
static bool fwd_fetch(const server_config *cfg, const api_request *req, const char *url, fwd_answer *a, char *why,
                      size_t size)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    bool ok = true;
    const char *cookie = fwd_header(req, "Cookie");
    fwd_add_header(&h, &ok, SHARD_FWD_HEADER, cfg->cluster.node);
    if (req->authorization)
        fwd_add_header(&h, &ok, "Authorization", req->authorization);
    if (cookie)
        fwd_add_header(&h, &ok, "Cookie", cookie);
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    char errbuf[CURL_ERROR_SIZE] = "";
    if (c && ok) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* called from the HTTP threads */
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        /* straight to the estate's own server: a proxy of the environment (http_proxy) would see the
         * caller's credentials */
        curl_easy_setopt(c, CURLOPT_PROXY, "");
        curl_easy_setopt(c, CURLOPT_USERAGENT, "vigie-server/" PACKAGE_VERSION);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, SHARD_FWD_CONNECT_MS);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, SHARD_FWD_TOTAL_MS);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fwd_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fwd_headers);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
        rc = curl_easy_perform(c);
        if (rc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!ok)
        snprintf(why, size, "the request's headers are too long to be sent on");
    else if (rc != CURLE_OK)
        snprintf(why, size, "%s",
                 a->too_big ? "answer larger than 32 MiB" : errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return rc == CURLE_OK;
}

/* The URL of path and req's query string on base. */
static void fwd_url(const char *base, const char *path, const char *query, char *out, size_t size)
{
    snprintf(out, size, "%s%s%s%s", base, path, query && *query ? "?" : "", query && *query ? query : "");
}

/* The key of a shard's failures in the log: said once, then held back while they go on (log.h). */
static void fwd_log_key(const server_shard *s, char *key, size_t size) { snprintf(key, size, "forward %s", s->name); }

/* Every server of s in turn until one answers (need_ok: with 200); false with the servers tried and
 * what each did in tried. */
static bool fwd_any(const server_config *cfg, const server_shard *s, const api_request *req, const char *path,
                    const char *query, bool need_ok, fwd_answer *a, char *tried, size_t size)
{
    tried[0] = '\0';
    for (size_t i = 0; i < s->nservers; i++) {
        char url[SHARD_URL_MAX + 4096], why[256] = "";
        fwd_url(s->servers[i], path, query, url, sizeof url);
        free(a->body);
        memset(a, 0, sizeof *a);
        bool got = fwd_fetch(cfg, req, url, a, why, sizeof why);
        if (got && (!need_ok || a->status == 200)) {
            char key[NAME_MAX_LEN + 16];
            fwd_log_key(s, key, sizeof key);
            log_limited_clear("shard", key); /* says it recovered, if failures were held back */
            return true;
        }
        if (got)
            snprintf(why, sizeof why, "HTTP %ld", a->status);
        size_t n = strlen(tried);
        snprintf(tried + n, size - n, "%s%s (%s)", n ? ", " : "", s->servers[i], why);
        if (a->too_big)
            break; /* its twin holds the same files: as large there */
    }
    return false;
}

static void fwd_failed(const server_shard *s, const char *what, const char *tried)
{
    char key[NAME_MAX_LEN + 16];
    fwd_log_key(s, key, sizeof key);
    log_limited(LOG_LVL_WARN, "shard", key, "%s: no server of shard %s answered: %s", what, s->name, tried);
}

api_reply shard_fwd_get(const server_config *cfg, const server_shard *s, const api_request *req)
{
    if (!req->query)
        return api_error(414, NULL, "the query string is too long to be forwarded to the site's shard");
    fwd_answer a = {0};
    char tried[SHARD_SERVERS_MAX * (SHARD_URL_MAX + 260)];
    if (!fwd_any(cfg, s, req, req->path, req->query, false, &a, tried, sizeof tried)) {
        free(a.body);
        fwd_failed(s, req->path, tried);
        char msg[sizeof tried + 128];
        snprintf(msg, sizeof msg, "no server of the site's shard %s answered: %s", s->name, tried);
        return api_error(502, "site", msg);
    }
    /* kept until http.c has sent the reply, in this same thread, before its next request */
    static _Thread_local char ctype[sizeof a.ctype];
    snprintf(ctype, sizeof ctype, "%s", a.ctype[0] ? a.ctype : "application/octet-stream");
    api_reply r = {.status = (int)a.status, .body = a.body ? a.body : strdup(""), .len = a.len, .content_type = ctype};
    snprintf(r.disposition, sizeof r.disposition, "%s", a.disposition);
    return r;
}

bool shard_fwd_federates(const server_config *cfg, const api_request *req)
{
    const char *f = req->arg ? req->arg(req->arg_ctx, "federate") : NULL;
    return cfg->cluster.nshards > 1 && f && strcmp(f, "1") == 0 && !fwd_header(req, SHARD_FWD_HEADER);
}

api_reply shard_fwd_federate(const server_config *cfg, const api_request *req, const char *local, size_t len)
{
    shard_metrics_member m[SHARD_MAX] = {{0}};
    fwd_answer a[SHARD_MAX];
    memset(a, 0, sizeof a);
    size_t n = cfg->cluster.nshards < SHARD_MAX ? cfg->cluster.nshards : SHARD_MAX;
    for (size_t i = 0; i < n; i++) {
        const server_shard *s = &cfg->cluster.shards[i];
        m[i] = (shard_metrics_member){.shard = s->name};
        if ((int)i == cfg->cluster.self) {
            m[i].text = local ? local : "";
            m[i].len = local ? len : 0;
            continue;
        }
        char tried[SHARD_SERVERS_MAX * (SHARD_URL_MAX + 260)];
        if (fwd_any(cfg, s, req, "/metrics", "", true, &a[i], tried, sizeof tried)) {
            m[i].text = a[i].body ? a[i].body : "";
            m[i].len = a[i].len;
        } else {
            fwd_failed(s, "/metrics?federate=1", tried);
        }
    }
    char *out = NULL;
    size_t out_len = 0;
    vg_err err;
    vg_code rc = shard_metrics_merge(m, n, &out, &out_len, &err);
    for (size_t i = 0; i < n; i++)
        free(a[i].body);
    if (rc != VG_OK)
        return api_error(500, NULL, err.msg);
    return (api_reply){.status = 200, .body = out, .len = out_len,
                       .content_type = "text/plain; version=0.0.4; charset=utf-8"};
}
