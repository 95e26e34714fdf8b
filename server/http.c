#include "config.h"
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "push.h"

struct http_server {
    struct MHD_Daemon *mhd;
    api_ctx *ctx;
};

typedef struct {
    char *body;
    size_t len, cap;
    bool too_big;
} http_req;

static enum MHD_Result http_send(struct MHD_Connection *c, api_reply r)
{
    const char *body = r.body ? r.body : "{\"error\":\"out of memory\"}";
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    free(r.body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r.status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"vigie\"");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned int)r.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int http_append(http_req *r, const char *data, size_t n)
{
    if (r->too_big || r->len + n > PUSH_MAX_BODY) {
        r->too_big = true;
        return 0;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b)
            return -1;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return 0;
}

static enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    http_server *h = cls;
    http_req *r = *con_cls;
    bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        /* refuse a body that is too large or unauthenticated before reading it */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (post && cl && strtoull(cl, NULL, 10) > PUSH_MAX_BODY)
            return http_send(c, api_error(413, "body", "request body too large"));
        return MHD_YES;
    }
    if (post && *upload_size) {
        if (http_append(r, upload, *upload_size) != 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    time_t now = time(NULL);
    if (strcmp(url, "/api/v1/ingest") == 0) {
        if (!post)
            return http_send(c, api_error(405, NULL, "use POST"));
        if (r->too_big)
            return http_send(c, api_error(413, "body", "request body too large"));
        return http_send(c, api_ingest(h->ctx, auth, r->body ? r->body : "", r->len, now));
    }
    if (!get)
        return http_send(c, api_error(405, NULL, "method not allowed"));
    if (strcmp(url, "/api/v1/status") == 0)
        return http_send(c, api_status(h->ctx, auth, now));
    if (strcmp(url, "/api/v1/health") == 0)
        return http_send(c, api_health(h->ctx));
    (void)version;
    return http_send(c, api_error(404, NULL, "no such endpoint"));
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
    http_req *r = *con_cls;
    if (r) {
        free(r->body);
        free(r);
        *con_cls = NULL;
    }
    (void)cls;
    (void)c;
    (void)tc;
}

static void http_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    log_warn("http", "%s", line);
    (void)cls;
}

http_server *http_start(api_ctx *ctx, const char *addr, int port, char *err, size_t err_size)
{
    http_server *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    h->ctx = ctx;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, err_size, "listen address '%s' is not an IPv4 or IPv6 address", addr);
        free(h);
        return NULL;
    }
    h->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, http_handler, h, MHD_OPTION_EXTERNAL_LOGGER,
                              http_log, h, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_NOTIFY_COMPLETED, http_completed,
                              h, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned int)512, MHD_OPTION_END);
    if (!h->mhd) {
        snprintf(err, err_size, "cannot listen on %s:%d (port in use, or no permission)", addr, port);
        free(h);
        return NULL;
    }
    return h;
}

void http_stop(http_server *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->mhd);
    free(h);
}
