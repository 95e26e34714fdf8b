/* TCP connect checks: non-blocking connects waited on in the agent's select (poller_extra), at most
 * CHECK_TCP_WINDOW at once. Established within the timeout is up; refused, unreachable or timed out
 * is down; a socket the agent cannot open (out of fds) is unknown. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check/check_internal.h"
#include "log.h"

typedef struct {
    int fd;           /* -1: free */
    size_t probe;
    double started;
} ck_tcp_slot;

struct check_tcp {
    check_tcp_probe *probes;
    size_t n, next;    /* probes of the cycle, the next one to start */
    double timeout;
    ck_tcp_slot slots[CHECK_TCP_WINDOW];
    size_t active;
    bool fd_error_logged;
};

check_tcp *check_tcp_new(void)
{
    check_tcp *t = calloc(1, sizeof *t);
    for (size_t i = 0; t && i < CHECK_TCP_WINDOW; i++)
        t->slots[i].fd = -1;
    return t;
}

static void ck_tcp_end(check_tcp *t, ck_tcp_slot *s, check_state st, double now)
{
    check_tcp_probe *p = &t->probes[s->probe];
    *p->state = st;
    *p->ms = st == CHECK_UP ? (now - s->started) * 1000.0 : 0;
    close(s->fd);
    s->fd = -1;
    t->active--;
}

void check_tcp_free(check_tcp *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < CHECK_TCP_WINDOW; i++)
        if (t->slots[i].fd >= 0)
            ck_tcp_end(t, &t->slots[i], CHECK_UNKNOWN, 0);
    free(t);
}

/* The address of a probe; hosts are checked as IP addresses when the target is read. */
static socklen_t ck_tcp_addr(const check_tcp_probe *p, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, p->host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)p->port);
        return sizeof *in4;
    }
    if (inet_pton(AF_INET6, p->host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)p->port);
        return sizeof *in6;
    }
    return 0;
}

/* Starts probe i in slot s: a connect that may end at once (loopback), or in progress. */
static void ck_tcp_start(check_tcp *t, ck_tcp_slot *s, size_t i, double now)
{
    check_tcp_probe *p = &t->probes[i];
    struct sockaddr_storage ss;
    socklen_t len = ck_tcp_addr(p, &ss);
    int fd = len ? socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
    if (fd < 0) {
        *p->state = CHECK_UNKNOWN;
        if (!t->fd_error_logged)
            log_error("check", "tcp %s:%d: no socket (%s): TCP checks of this cycle are unknown", p->host, p->port,
                      len ? strerror(errno) : "not an IP address");
        t->fd_error_logged = true;
        return;
    }
    s->fd = fd;
    s->probe = i;
    s->started = now;
    t->active++;
    if (connect(fd, (struct sockaddr *)&ss, len) == 0)
        ck_tcp_end(t, s, CHECK_UP, check_clock());
    else if (errno != EINPROGRESS)
        ck_tcp_end(t, s, CHECK_DOWN, now); /* refused, no route */
}

/* Fills free slots with the probes not started yet. */
static void ck_tcp_refill(check_tcp *t)
{
    double now = check_clock();
    for (size_t i = 0; i < CHECK_TCP_WINDOW && t->next < t->n; i++)
        if (t->slots[i].fd < 0)
            ck_tcp_start(t, &t->slots[i], t->next++, now);
}

void check_tcp_begin(check_tcp *t, check_tcp_probe *probes, size_t n, double timeout)
{
    t->probes = probes;
    t->n = n;
    t->next = 0;
    t->timeout = timeout;
    t->fd_error_logged = false;
    for (size_t i = 0; i < n; i++)
        *probes[i].state = CHECK_UNKNOWN;
    ck_tcp_refill(t);
}

void check_tcp_fill(check_tcp *t, netsnmp_large_fd_set *wr, int *nfds, double *left)
{
    double now = check_clock();
    for (size_t i = 0; i < CHECK_TCP_WINDOW; i++) {
        const ck_tcp_slot *s = &t->slots[i];
        if (s->fd < 0)
            continue;
        NETSNMP_LARGE_FD_SET(s->fd, wr);
        if (s->fd >= *nfds)
            *nfds = s->fd + 1;
        double until = s->started + t->timeout - now;
        if (until < *left)
            *left = until;
    }
}

void check_tcp_handle(check_tcp *t, netsnmp_large_fd_set *wr)
{
    double now = check_clock();
    for (size_t i = 0; i < CHECK_TCP_WINDOW; i++) {
        ck_tcp_slot *s = &t->slots[i];
        if (s->fd < 0)
            continue;
        if (NETSNMP_LARGE_FD_ISSET(s->fd, wr)) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
                soerr = errno;
            ck_tcp_end(t, s, soerr == 0 ? CHECK_UP : CHECK_DOWN, now);
        } else if (now - s->started >= t->timeout) {
            ck_tcp_end(t, s, CHECK_DOWN, now);
        }
    }
    ck_tcp_refill(t);
}

bool check_tcp_busy(const check_tcp *t) { return t->active > 0 || t->next < t->n; }
