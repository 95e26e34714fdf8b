#include "config.h"
#include "push/push_client.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "push.h"
#include "utf8.h"

#define PC_TOKEN_MAX 512 /* more than agent_config allows: a longer one is refused, never cut */

struct push_client {
    CURL *curl;
    struct curl_slist *headers;
    char url[1100];
    char reply[512];
    size_t reply_len;
    char curl_err[CURL_ERROR_SIZE]; /* libcurl's detailed reason, e.g. "SSL certificate problem: ..." */
    atomic_int abort;               /* push_client_abort: the agent stops, a hanging send ends now */
    double server_clock;            /* the reply's PUSH_CLOCK_HEADER, 0 when it had none */
    double skew;                    /* learnt at the last reply that had one */
    bool skew_known;
};

static int pc_on_progress(void *ctx, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
    (void)dlt, (void)dln, (void)ult, (void)uln;
    return atomic_load(&((push_client *)ctx)->abort) ? 1 : 0;
}

void push_client_abort(push_client *c) { atomic_store(&c->abort, 1); }

static size_t pc_on_reply(char *data, size_t size, size_t n, void *ctx)
{
    push_client *c = ctx;
    size_t len = size * n, room = sizeof c->reply - 1 - c->reply_len;
    size_t keep = len < room ? len : room;
    memcpy(c->reply + c->reply_len, data, keep);
    c->reply_len += keep;
    c->reply[c->reply_len] = '\0';
    return len;
}

/* The agent's wall clock (CLOCK_REALTIME: what it stamps samples with). */
static double pc_wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A reply header: the server's clock, when it is one. */
static size_t pc_on_header(char *data, size_t size, size_t n, void *ctx)
{
    push_client *c = ctx;
    size_t len = size * n, name = strlen(PUSH_CLOCK_HEADER);
    if (len > name + 1 && len < 64 && strncasecmp(data, PUSH_CLOCK_HEADER, name) == 0 && data[name] == ':') {
        char v[64];
        memcpy(v, data + name + 1, len - name - 1);
        v[len - name - 1] = '\0';
        char *end;
        double t = strtod(v, &end);
        while (*end == ' ' || *end == '\r' || *end == '\n')
            end++;
        if (end != v && !*end && t > 1 && t < 8589934592.0)
            c->server_clock = t;
    }
    return len;
}

bool push_client_skew(const push_client *c, double *skew)
{
    if (c->skew_known)
        *skew = c->skew;
    return c->skew_known;
}

push_client *push_client_new(const char *server, const char *token, const char *ca_file, long timeout_s)
{
    static int curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    /* agent_config_load refuses such a token already; this is the last guard before a header, since
     * libcurl sends a header as it is given: "abc\r\nX-Evil: 1" would become two */
    if (utf8_find_control(token, strlen(token), NULL) || strlen(token) > PC_TOKEN_MAX)
        return NULL;
    push_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t n = strlen(server);
    while (n > 0 && server[n - 1] == '/')
        n--;
    snprintf(c->url, sizeof c->url, "%.*s/api/v1/ingest", (int)n, server);
    char auth[sizeof "Authorization: Bearer " + PC_TOKEN_MAX];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, auth);
    c->curl = curl_easy_init();
    if (!c->curl || !c->headers) {
        push_client_free(c);
        return NULL;
    }
    curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, timeout_s < 10 ? timeout_s : 10L);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, pc_on_reply);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, pc_on_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, PACKAGE_NAME "-agent/" PACKAGE_VERSION);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_err);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, pc_on_progress);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
    /* HTTPS: the server's certificate must chain to ca_file (else the system CAs) and name the host of
     * the URL. These are libcurl's defaults, set here so that nobody turns them off: never disable them. */
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (ca_file && *ca_file)
        curl_easy_setopt(c->curl, CURLOPT_CAINFO, ca_file);
    return c;
}

void push_client_free(push_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c);
}

push_result push_client_send(push_client *c, const char *body, size_t len, char *why, size_t why_size)
{
    c->reply_len = 0;
    c->reply[0] = '\0';
    c->curl_err[0] = '\0';
    c->server_clock = 0;
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    /* the clock as the request goes, not as the batch was made: a replayed batch is no skew */
    double t0 = pc_wall_clock();
    char clock_line[64];
    snprintf(clock_line, sizeof clock_line, "%s: %.3f", PUSH_CLOCK_HEADER, t0);
    struct curl_slist last = {clock_line, NULL}, *tail = c->headers;
    while (tail->next)
        tail = tail->next;
    tail->next = &last; /* for this send only: the list is the client's, and only this thread sends */
    CURLcode rc = curl_easy_perform(c->curl);
    tail->next = NULL;
    double t1 = pc_wall_clock();
    if (c->server_clock > 0) {
        c->skew = (t0 + t1) / 2 - c->server_clock;
        c->skew_known = true;
    }
    if (rc != CURLE_OK) {
        snprintf(why, why_size, "%s: %s", c->url, c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc));
        return PUSH_RETRY;
    }
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
        json_t *j = json_loadb(c->reply, c->reply_len, 0, NULL);
        bool dup = json_is_true(json_object_get(j, "duplicate"));
        json_decref(j);
        if (dup)
            snprintf(why, why_size, "%s answered duplicate: %s", c->url, c->reply);
        return dup ? PUSH_DUPLICATE : PUSH_SENT;
    }
    snprintf(why, why_size, "%s answered %ld: %s", c->url, status, c->reply);
    /* a bad token may be fixed on the server side: only a malformed batch is given up. 503 and 429 say
     * "later"; another 5xx may be this batch's own fault, and is counted (spool.h) */
    if (status == 409) { /* refused for its samples' times only: kept, and sent again later */
        json_t *j = json_loadb(c->reply, c->reply_len, 0, NULL);
        const char *retry = json_string_value(json_object_get(j, "retry"));
        bool clock = retry && strcmp(retry, PUSH_RETRY_CLOCK) == 0;
        json_decref(j);
        if (clock)
            return PUSH_CLOCK;
    }
    if (status == 400 || status == 413 || status == 422)
        return PUSH_REJECTED;
    return status >= 500 && status != 503 ? PUSH_FAILED : PUSH_RETRY;
}
