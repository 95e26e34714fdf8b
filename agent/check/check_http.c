/* HTTP(S) GET checks through libcurl's multi interface, its sockets waited on in the agent's select
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION), at most CHECK_HTTP_WINDOW at once. The expected
 * status within the timeout is up; another status, no answer or a TLS failure is down. Redirects are
 * not followed: a 301 is what the check sees. HTTPS is verified against agent.yaml's ca_file. */
#include "config.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_internal.h"
#include "log.h"

typedef struct {
    curl_socket_t fd;
    int what; /* CURL_POLL_IN, _OUT, _INOUT */
} ck_http_sock;

typedef struct {
    CURL *easy; /* NULL: free */
    size_t probe;
    size_t body;
    char err[CURL_ERROR_SIZE];
} ck_http_slot;

struct check_http {
    CURLM *multi;
    char *ca_file;
    check_http_probe *probes;
    size_t n, next;
    double timeout;
    ck_http_slot slots[CHECK_HTTP_WINDOW];
    size_t active;
    ck_http_sock *socks;
    size_t nsocks, capsocks;
    double timer_at; /* monotonic time curl wants to be called at; < 0: none */
};

static int ck_http_on_socket(CURL *e, curl_socket_t fd, int what, void *ctx, void *sockp)
{
    (void)e, (void)sockp;
    check_http *h = ctx;
    for (size_t i = 0; i < h->nsocks; i++) {
        if (h->socks[i].fd != fd)
            continue;
        if (what == CURL_POLL_REMOVE)
            h->socks[i] = h->socks[--h->nsocks];
        else
            h->socks[i].what = what;
        return 0;
    }
    if (what == CURL_POLL_REMOVE)
        return 0;
    if (h->nsocks == h->capsocks) {
        size_t cap = h->capsocks ? h->capsocks * 2 : 16;
        ck_http_sock *s = realloc(h->socks, cap * sizeof *s);
        if (!s)
            return -1; /* curl fails the transfer */
        h->socks = s;
        h->capsocks = cap;
    }
    h->socks[h->nsocks++] = (ck_http_sock){fd, what};
    return 0;
}

static int ck_http_on_timer(CURLM *m, long ms, void *ctx)
{
    (void)m;
    check_http *h = ctx;
    h->timer_at = ms < 0 ? -1 : check_clock() + (double)ms / 1000.0;
    return 0;
}

static size_t ck_http_on_body(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    ck_http_slot *s = ctx;
    s->body += size * n;
    return s->body > CHECK_HTTP_BODY_MAX ? 0 : size * n; /* enough: the status is known */
}

check_http *check_http_new(const char *ca_file)
{
    check_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->multi = curl_multi_init();
    h->ca_file = strdup(ca_file ? ca_file : "");
    h->timer_at = -1;
    if (!h->multi || !h->ca_file) {
        check_http_free(h);
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, ck_http_on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, ck_http_on_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    return h;
}

static void ck_http_end(check_http *h, ck_http_slot *s, CURLcode res)
{
    check_http_probe *p = &h->probes[s->probe];
    long code = 0;
    double total = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME, &total);
    bool answered = code > 0 && (res == CURLE_OK || (res == CURLE_WRITE_ERROR && s->body > CHECK_HTTP_BODY_MAX));
    *p->status = answered ? (int)code : 0;
    *p->state = answered && code == p->expect ? CHECK_UP : CHECK_DOWN;
    *p->ms = total * 1000.0;
    if (!answered)
        log_debug("check", "GET %s: %s", p->url, s->err[0] ? s->err : curl_easy_strerror(res));
    curl_multi_remove_handle(h->multi, s->easy);
    curl_easy_cleanup(s->easy);
    s->easy = NULL;
    h->active--;
}

void check_http_free(check_http *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < CHECK_HTTP_WINDOW; i++)
        if (h->slots[i].easy) {
            curl_multi_remove_handle(h->multi, h->slots[i].easy);
            curl_easy_cleanup(h->slots[i].easy);
        }
    if (h->multi)
        curl_multi_cleanup(h->multi);
    free(h->socks);
    free(h->ca_file);
    free(h);
}

static bool ck_http_start(check_http *h, ck_http_slot *s, size_t i)
{
    const check_http_probe *p = &h->probes[i];
    CURL *e = curl_easy_init();
    if (!e)
        return false;
    memset(s, 0, sizeof *s);
    s->easy = e;
    s->probe = i;
    curl_easy_setopt(e, CURLOPT_URL, p->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(h->timeout * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(h->timeout * 1000));
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ck_http_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->err);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L); /* each cycle sees a fresh connection, as a client would */
    curl_easy_setopt(e, CURLOPT_USERAGENT, PACKAGE_NAME "-agent/" PACKAGE_VERSION " (check)");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file);
    if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        s->easy = NULL;
        return false;
    }
    h->active++;
    return true;
}

static void ck_http_refill(check_http *h)
{
    for (size_t i = 0; i < CHECK_HTTP_WINDOW && h->next < h->n; i++) {
        if (h->slots[i].easy)
            continue;
        size_t p = h->next++;
        if (!ck_http_start(h, &h->slots[i], p))
            log_error("check", "GET %s: out of memory (unknown this cycle)", h->probes[p].url);
    }
}

void check_http_begin(check_http *h, check_http_probe *probes, size_t n, double timeout)
{
    h->probes = probes;
    h->n = n;
    h->next = 0;
    h->timeout = timeout;
    for (size_t i = 0; i < n; i++) {
        *probes[i].state = CHECK_UNKNOWN;
        *probes[i].status = 0;
        *probes[i].ms = 0;
    }
    ck_http_refill(h);
}

void check_http_fill(check_http *h, netsnmp_large_fd_set *rd, netsnmp_large_fd_set *wr, int *nfds, double *left)
{
    for (size_t i = 0; i < h->nsocks; i++) {
        const ck_http_sock *s = &h->socks[i];
        if (s->what & CURL_POLL_IN)
            NETSNMP_LARGE_FD_SET(s->fd, rd);
        if (s->what & CURL_POLL_OUT)
            NETSNMP_LARGE_FD_SET(s->fd, wr);
        if (s->fd >= *nfds)
            *nfds = s->fd + 1;
    }
    if (h->timer_at >= 0 && h->timer_at - check_clock() < *left)
        *left = h->timer_at - check_clock();
}

/* The transfers curl has finished. */
static void ck_http_reap(check_http *h)
{
    CURLMsg *m;
    int queued;
    while ((m = curl_multi_info_read(h->multi, &queued))) {
        ck_http_slot *s = NULL;
        if (m->msg != CURLMSG_DONE || curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s) != CURLE_OK || !s)
            continue;
        ck_http_end(h, s, m->data.result);
    }
}

void check_http_handle(check_http *h, netsnmp_large_fd_set *rd, netsnmp_large_fd_set *wr)
{
    int running;
    /* curl's callbacks change the list as it goes: act on a copy */
    size_t n = h->nsocks;
    ck_http_sock ready[n ? n : 1];
    size_t nready = 0;
    for (size_t i = 0; i < n; i++) {
        int ev = (NETSNMP_LARGE_FD_ISSET(h->socks[i].fd, rd) ? CURL_CSELECT_IN : 0) |
                 (NETSNMP_LARGE_FD_ISSET(h->socks[i].fd, wr) ? CURL_CSELECT_OUT : 0);
        if (ev)
            ready[nready++] = (ck_http_sock){h->socks[i].fd, ev};
    }
    for (size_t i = 0; i < nready; i++)
        curl_multi_socket_action(h->multi, ready[i].fd, ready[i].what, &running);
    if (h->timer_at >= 0 && check_clock() >= h->timer_at) {
        h->timer_at = -1;
        curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    ck_http_reap(h);
    ck_http_refill(h);
    ck_http_reap(h);
}

bool check_http_busy(const check_http *h) { return h->active > 0 || h->next < h->n; }
