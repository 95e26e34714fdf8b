#include "config.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "push.h"

/* Requests served at once. One thread was enough to parse pushes, but then it waited for each batch's
 * RRD writes (rrd_writer.h): with more, one reads and checks the next push while another waits. */
#define HTTP_THREADS 4

struct http_server {
    struct MHD_Daemon *mhd;
    api_ctx *ctx;
    atomic_bool starting;  /* while MHD_start_daemon runs: keep its first message for the error */
    char start_msg[256];
};

typedef struct {
    char *body;
    size_t len, cap;
    bool too_big;
    bool answered; /* a reply is queued: nothing more is read or sent */
} http_req;

/* Adds the "Name: value" lines of `lines` (api_reply.headers) to resp. */
static void http_add_headers(struct MHD_Response *resp, const char *lines)
{
    while (*lines) {
        const char *eol = strchr(lines, '\n'), *colon = strchr(lines, ':');
        size_t n = eol ? (size_t)(eol - lines) : strlen(lines);
        if (colon && colon < lines + n && n < 512) {
            char name[128], value[512];
            size_t nl = (size_t)(colon - lines);
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            if (nl < sizeof name) {
                snprintf(name, sizeof name, "%.*s", (int)nl, lines);
                snprintf(value, sizeof value, "%.*s", (int)(lines + n - v), v);
                MHD_add_response_header(resp, name, value);
            }
        }
        lines += n + (eol ? 1 : 0);
    }
}

static enum MHD_Result http_send(struct MHD_Connection *c, api_reply r)
{
    const char *body = r.body ? r.body : "{\"error\":\"out of memory\"}";
    size_t len = r.body && r.len ? r.len : strlen(body);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    free(r.body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r.content_type ? r.content_type : "application/json; charset=utf-8");
    if (!strstr(r.headers, "Cache-Control:"))
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    http_add_headers(resp, r.headers);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* the dashboard loads only its own files, runs no inline script and is never framed (issue 20): a
     * page of vigie's cannot be made to run or show someone else's code, nor be clicked through */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                            "frame-ancestors 'none'; form-action 'self'");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (r.disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", r.disposition);
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

static const char *http_header(void *ctx, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_HEADER_KIND, name);
}

static const char *http_arg(void *ctx, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_GET_ARGUMENT_KIND, name);
}

/* The query string sent on to another shard (api_request.query): what a GET of this API takes is far
 * shorter; past it, the request is not forwarded (shard_forward.h answers 414). */
#define HTTP_QUERY_MAX 4096

typedef struct {
    char *s;
    size_t len, size;
    bool over;
} http_query_buf;

/* Appends s percent-encoded (RFC 3986's unreserved characters kept). */
static void http_query_put(http_query_buf *q, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p && !q->over; p++) {
        bool keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    strchr("-._~", *p);
        if (q->len + (keep ? 1 : 3) >= q->size) {
            q->over = true;
            break;
        }
        if (keep) {
            q->s[q->len++] = (char)*p;
        } else {
            q->s[q->len++] = '%';
            q->s[q->len++] = hex[*p >> 4];
            q->s[q->len++] = hex[*p & 15];
        }
    }
    q->s[q->len] = '\0';
}

/* '&' or '=' as themselves (in a key or value they are encoded). */
static void http_query_sep(http_query_buf *q, char c)
{
    if (q->over || q->len + 1 >= q->size) {
        q->over = true;
        return;
    }
    q->s[q->len++] = c;
    q->s[q->len] = '\0';
}

static enum MHD_Result http_query_arg(void *arg, enum MHD_ValueKind kind, const char *key, const char *value)
{
    http_query_buf *q = arg;
    (void)kind;
    if (q->len)
        http_query_sep(q, '&');
    http_query_put(q, key);
    if (value) {
        http_query_sep(q, '=');
        http_query_put(q, value);
    }
    return q->over ? MHD_NO : MHD_YES;
}

/* The request's query string again, from libmicrohttpd's decoded arguments, in their order; NULL when
 * past HTTP_QUERY_MAX. */
static const char *http_query(struct MHD_Connection *c, char *out, size_t size)
{
    http_query_buf q = {.s = out, .size = size};
    out[0] = '\0';
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, http_query_arg, &q);
    return q.over ? NULL : out;
}

/* The client's address as text, for the audit trail ("" when unknown). */
static void http_remote(struct MHD_Connection *c, char *out, size_t size)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)size);
}

static enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    http_server *h = cls;
    http_req *r = *con_cls;
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    (void)version;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        /* Trust before bytes: the route, its method and the token are checked on the headers alone, so
         * that no unauthenticated client makes the server buffer a body. A reply queued now tells
         * libmicrohttpd to read no body and to close the connection after it. */
        api_reply deny;
        char remote[64];
        http_remote(c, remote, sizeof remote);
        api_request head = {.method = method, .path = url, .authorization = auth, .now = time(NULL),
                            .arg = http_arg, .arg_ctx = c, .header = http_header, .remote = remote};
        if (!api_admit_request(h->ctx, &head, &deny)) {
            r->answered = true;
            return http_send(c, deny);
        }
        /* a body announced as too large is refused before it is read */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > PUSH_MAX_BODY) {
            r->answered = true;
            return http_send(c, api_error(413, "body", "request body too large"));
        }
        return MHD_YES;
    }
    if (*upload_size) {
        /* any method's body is read (within the bound), so that every request gets its reply */
        if (!r->answered && http_append(r, upload, *upload_size) != 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered)
        return MHD_YES;
    r->answered = true;
    if (r->too_big)
        return http_send(c, api_error(413, "body", "request body too large"));
    char remote[64], query[HTTP_QUERY_MAX + 1];
    http_remote(c, remote, sizeof remote);
    api_request req = {.method = method, .path = url, .authorization = auth, .body = r->body ? r->body : "",
                       .len = r->len, .now = time(NULL), .arg = http_arg, .arg_ctx = c,
                       .header = http_header, .remote = remote};
    /* only a GET or HEAD is ever forwarded to another shard: the pushes (POST) skip the rebuild */
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
        req.query = http_query(c, query, sizeof query);
    return http_send(c, api_dispatch(h->ctx, &req));
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

/* libmicrohttpd's messages, at most one line a minute for each kind: a flood of clients refused at the
 * connection limit (a slowloris) would otherwise cost a line each (1,339 in 2 minutes in make soak).
 * The kind is the message without its digits (an address, a port, a count). */
#define HTTP_LOG_SLOTS 32
#define HTTP_LOG_EVERY 60

static uint32_t http_log_kind(const char *line)
{
    uint32_t h = 2166136261u;
    for (const char *c = line; *c; c++)
        if (*c < '0' || *c > '9')
            h = (h ^ (unsigned char)*c) * 16777619u;
    return h;
}

/* Whether the line is due; *quiet: lines of its kind left out since the last one. */
static bool http_log_due(const char *line, unsigned long *quiet)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* the server's threads log at once */
    static struct {
        uint32_t kind;
        time_t at;
        unsigned long quiet;
    } slots[HTTP_LOG_SLOTS];
    uint32_t k = http_log_kind(line);
    time_t now = time(NULL);
    pthread_mutex_lock(&lock);
    unsigned i = k % HTTP_LOG_SLOTS;
    bool due = slots[i].kind != k || !slots[i].at || now - slots[i].at >= HTTP_LOG_EVERY || now < slots[i].at;
    if (due) {
        *quiet = slots[i].kind == k ? slots[i].quiet : 0;
        slots[i].kind = k;
        slots[i].at = now;
        slots[i].quiet = 0;
    } else {
        slots[i].quiet++;
    }
    pthread_mutex_unlock(&lock);
    return due;
}

static void http_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '.'))
        line[--n] = '\0';
    http_server *h = cls;
    if (atomic_load(&h->starting) && !h->start_msg[0])
        snprintf(h->start_msg, sizeof h->start_msg, "%s", line);
    unsigned long quiet = 0;
    if (!http_log_due(line, &quiet))
        return;
    if (quiet) {
        n = strlen(line);
        snprintf(line + n, sizeof line - n, " (and %lu more like it since the last such line: one a minute at most)", quiet);
    }
    if (strstr(line, "handshake")) {
        const char *what = strncmp(line, "Error: ", 7) == 0 ? line + 7 : line;
        log_warn("http", "TLS handshake with a client failed (%s): for instance a client that does not trust "
                 "this certificate, or plain HTTP sent to the HTTPS port", what);
    } else
        log_warn("http", "%s", line);
}

bool http_tls_supported(void)
{
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

bool http_addr_is_loopback(const char *addr)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, addr, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
    return false;
}

/* TLS 1.2 and 1.3 only, GnuTLS's usual ciphers otherwise. */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

http_server *http_start(api_ctx *ctx, const char *addr, int port, const char *cert_pem, const char *key_pem,
                        char *err, size_t err_size)
{
    bool tls = cert_pem || key_pem;
    if (tls && !(cert_pem && key_pem)) {
        snprintf(err, err_size, "HTTPS needs both a certificate and a key");
        return NULL;
    }
    if (tls && !http_tls_supported()) {
        snprintf(err, err_size, "this libmicrohttpd (%s) was built without TLS support, so tls_cert and tls_key "
                 "cannot be used: install a libmicrohttpd built with GnuTLS (Debian's libmicrohttpd12 is)",
                 MHD_get_version());
        return NULL;
    }
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
    /* The TLS options come last: without TLS they are replaced by the end of the list. */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key_pem},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTP_TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    if (tls)
        flags |= MHD_USE_TLS;
    else
        tls_opts[0].option = MHD_OPTION_END;
    /* Bounds on connections (server.yaml http:): an idle client is dropped after the timeout, and no
     * one address takes every slot of the total. epoll (MHD_USE_AUTO) has no FD_SETSIZE ceiling. */
    server_http hc_set = ctx->cfg->http, *hc = &hc_set;
    if (hc->max_connections <= 0 || hc->max_connections_per_ip <= 0 || hc->timeout <= 0)
        *hc = (server_http){SERVER_HTTP_MAX_CONNECTIONS, SERVER_HTTP_MAX_PER_IP, SERVER_HTTP_TIMEOUT};
    flags |= MHD_USE_AUTO;
    atomic_store(&h->starting, true);
    h->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, http_handler, h, MHD_OPTION_EXTERNAL_LOGGER,
                              http_log, h, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_NOTIFY_COMPLETED, http_completed,
                              h, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)hc->timeout, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned int)hc->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                              (unsigned int)hc->max_connections_per_ip, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)HTTP_THREADS, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    atomic_store(&h->starting, false);
    if (!h->mhd) {
        const char *why = h->start_msg[0] ? h->start_msg : "port in use, or no permission";
        bool tls_err = tls && (strstr(why, "TLS") || strstr(why, "certificate") || strstr(why, "key"));
        snprintf(err, err_size, "cannot listen on %s:%d%s: %s%s", addr, port, tls ? " over HTTPS" : "", why,
                 tls_err ? " (tls_cert must hold the server's certificate and tls_key its private key)" : "");
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
