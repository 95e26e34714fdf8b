/* rrd_cached: writing through rrdcached. librrd's client keeps its own connection (rs_daemon), used
 * for reads (last update, flush) and to write again, alone, a series rrdcached refused; the updates
 * of a push go as one BATCH on a connection of our own (rs_batch_write). */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <rrd.h>
#include <rrd_client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "store/rrd_store_internal.h"

void rrd_store_set_daemon(rrd_store *s, const char *addr)
{
    snprintf(s->daemon, sizeof s->daemon, "%s", addr ? addr : "");
    if (s->batch_fd >= 0)
        close(s->batch_fd);
    s->batch_fd = -1;
}

/* Connects (again) to rrdcached when one is configured; librrd keeps the connection. */
int rs_daemon(rrd_store *s, char *err, size_t err_size)
{
    if (!s->daemon[0] || rrdc_is_connected(s->daemon))
        return 0;
    rrd_clear_error();
    if (rrdc_connect(s->daemon) != 0) {
        snprintf(err, err_size, "rrdcached at %s: %s", s->daemon, rrd_get_error());
        s->store_failed = true; /* every file goes through it */
        return -1;
    }
    return 0;
}

void rrd_store_flush(rrd_store *s, const char *path)
{
    char err[300];
    if (s->daemon[0] && rs_daemon(s, err, sizeof err) == 0 && rrdc_flush(path) != 0)
        log_warn("rrd", "rrdcached could not flush %s: %s", path, rrd_get_error());
}

const char *rrd_store_daemon(const rrd_store *s) { return s->daemon; }

/* ---- through rrdcached: one BATCH per push ------------------------------------------------------
 *
 * librrd's client sends one UPDATE and waits for its answer, file after file, behind one lock (and
 * resolves each path again): a push of 125 files was 125 round trips. rrdcached's BATCH command
 * (rrdcached(1)) takes them all in one exchange and answers with the commands that failed. */

#define RS_BATCH_TIMEOUT_S 60

typedef struct {
    char *p;
    size_t len, cap;
} rs_buf;

static int rs_buf_put(rs_buf *b, const char *text, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, text, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* A file name as rrdcached reads a field: spaces and backslashes escaped; the folder without links. */
static int rs_buf_put_path(rs_buf *b, const rrd_store *s, const char *path)
{
    size_t dl = strlen(s->dir);
    if (rs_buf_put(b, s->real_dir, strlen(s->real_dir)) != 0)
        return -1;
    for (const char *c = path + dl; *c; c++)
        if (((*c == ' ' || *c == '\\') && rs_buf_put(b, "\\", 1) != 0) || rs_buf_put(b, c, 1) != 0)
            return -1;
    return 0;
}

static void rs_batch_close(rrd_store *s)
{
    if (s->batch_fd >= 0)
        close(s->batch_fd);
    s->batch_fd = -1;
    s->rlen = 0;
}

/* Opens a socket to rrdcached as librrd reads the address: "unix:PATH" or "/PATH", else "HOST[:PORT]". */
static int rs_batch_open(const char *addr)
{
    const char *unix_path = strncmp(addr, "unix:", 5) == 0 ? addr + 5 : addr[0] == '/' ? addr : NULL;
    if (unix_path) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(unix_path) >= sizeof sa.sun_path)
            return -1;
        memcpy(sa.sun_path, unix_path, strlen(unix_path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(fd);
            fd = -1;
        }
        return fd;
    }
    char host[256], port[16] = "42217";
    snprintf(host, sizeof host, "%s", addr);
    char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
    if (colon && (host[0] == '[' || strchr(host, ':') == colon)) { /* host:port, [v6]:port; a bare v6 has no port */
        snprintf(port, sizeof port, "%s", colon + (host[0] == '[' ? 2 : 1));
        *colon = '\0';
    }
    const char *h = host[0] == '[' ? host + 1 : host;
    if (host[0] == '[' && strchr(host, ']'))
        *strchr(host, ']') = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(h, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static int rs_batch_connect(rrd_store *s, char *err, size_t err_size)
{
    struct pollfd pf = {.fd = s->batch_fd, .events = POLLIN};
    if (s->batch_fd >= 0 && poll(&pf, 1, 0) == 0)
        return 0;
    rs_batch_close(s); /* rrdcached says nothing unasked: readable means it closed (restarted) */
    s->rlen = 0;
    s->batch_fd = rs_batch_open(s->daemon);
    if (s->batch_fd < 0) {
        snprintf(err, err_size, "rrdcached at %s: cannot connect: %s", s->daemon, strerror(errno));
        return -1;
    }
    struct timeval tv = {.tv_sec = RS_BATCH_TIMEOUT_S}; /* a stuck rrdcached fails the push, not the server */
    setsockopt(s->batch_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s->batch_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return 0;
}

/* The next line of rrdcached's answer, without its newline. */
static int rs_batch_line(rrd_store *s, char *line, size_t size)
{
    for (;;) {
        char *nl = memchr(s->rbuf, '\n', s->rlen);
        if (nl) {
            size_t n = (size_t)(nl - s->rbuf);
            snprintf(line, size, "%.*s", (int)n, s->rbuf);
            memmove(s->rbuf, nl + 1, s->rlen - n - 1);
            s->rlen -= n + 1;
            return 0;
        }
        if (s->rlen == sizeof s->rbuf)
            return -1;
        ssize_t r = recv(s->batch_fd, s->rbuf + s->rlen, sizeof s->rbuf - s->rlen, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        s->rlen += (size_t)r;
    }
}

typedef struct {
    size_t run; /* which series */
    size_t n;   /* values in this UPDATE */
} rs_cmd;

typedef struct {
    rs_buf text;
    rs_cmd *cmds;
    size_t ncmds;
    time_t *last;  /* per series: its newest time once written; RS_LAST_UNKNOWN when nothing to send */
    char **why;    /* per series: rrdcached's first refusal of it, NULL when it took it */
} rs_batch;

/* Adds the UPDATE lines of one series (several when its values do not fit in one of rrdcached's lines). */
static int rs_batch_add(rs_batch *b, rrd_store *s, const char *path, size_t run, const push_sample **v, size_t n,
                        time_t last, rrd_store_stats *st)
{
    b->last[run] = RS_LAST_UNKNOWN;
    size_t start = 0;
    char val[64];
    for (size_t i = 0; i < n; i++) {
        if ((time_t)v[i]->ts <= last) {
            rs_mark(s, st, v[i], (time_t)v[i]->ts == last ? RRD_SAMPLE_DUPLICATE : RRD_SAMPLE_STALE);
            continue;
        }
        rs_mark(s, st, v[i], RRD_SAMPLE_WRITTEN); /* unless rrdcached refuses the series (rs_batch_settle) */
        int vl = snprintf(val, sizeof val, " %lld:%.17g", (long long)v[i]->ts, v[i]->value);
        bool open = b->ncmds > 0 && b->cmds[b->ncmds - 1].run == run && b->text.len - start + (size_t)vl + 2 < RRD_CMD_MAX;
        if (!open) {
            if (b->ncmds > 0 && b->cmds[b->ncmds - 1].run == run && rs_buf_put(&b->text, "\n", 1) != 0)
                return -1;
            start = b->text.len;
            if (rs_buf_put(&b->text, "UPDATE ", 7) != 0 || rs_buf_put_path(&b->text, s, path) != 0)
                return -1;
            b->cmds[b->ncmds++] = (rs_cmd){.run = run, .n = 0};
        }
        if (rs_buf_put(&b->text, val, (size_t)vl) != 0)
            return -1;
        b->cmds[b->ncmds - 1].n++;
        last = (time_t)v[i]->ts;
        b->last[run] = last;
    }
    return b->last[run] != RS_LAST_UNKNOWN ? rs_buf_put(&b->text, "\n", 1) : 0;
}

/* Sends the batch, reads which commands failed (each series' first refusal kept in b->why). -1 when
 * the exchange itself failed (rrdcached gone: a failure of the store, all unknown). */
static int rs_batch_exchange(rrd_store *s, rs_batch *b, char *err, size_t err_size)
{
    char line[RRD_CMD_MAX];
    if (rs_batch_connect(s, err, err_size) != 0)
        return -1;
    errno = 0;
    if (rs_buf_put(&b->text, ".\n", 2) != 0 || fd_send_all(s->batch_fd, "BATCH\n", 6) != 0 ||
        fd_send_all(s->batch_fd, b->text.p, b->text.len) != 0 || rs_batch_line(s, line, sizeof line) != 0 || line[0] != '0' ||
        rs_batch_line(s, line, sizeof line) != 0) {
        snprintf(err, err_size, "rrdcached at %s: %s", s->daemon, errno ? strerror(errno) : "connection closed");
        rs_batch_close(s);
        return -1;
    }
    long nerr = strtol(line, NULL, 10);
    for (long i = 0; i < nerr; i++) {
        if (rs_batch_line(s, line, sizeof line) != 0) {
            snprintf(err, err_size, "rrdcached at %s: answer cut short", s->daemon);
            rs_batch_close(s);
            return -1;
        }
        char *msg;
        long cmd = strtol(line, &msg, 10);
        if (cmd >= 1 && (size_t)cmd <= b->ncmds) {
            size_t run = b->cmds[cmd - 1].run;
            if (!b->why[run]) {
                char text[RRD_STORE_REASON_MAX];
                snprintf(text, sizeof text, "rrdcached:%s", msg);
                b->why[run] = strdup(text);
                if (!b->why[run])
                    b->why[run] = strdup(""); /* still refused; rs_fail_series has a general reason */
            }
        }
    }
    return nerr > 0 ? 1 : 0;
}

/* The last update of a series' file, created when missing, set aside and created again when damaged. */
static int rs_last_or_set_aside(rrd_store *s, const char *path, const push_sample *first, time_t *last, char *err,
                                size_t err_size)
{
    if (rs_last(s, path, first, last, err, err_size) == 0)
        return 0;
    return !s->store_failed && rs_set_aside_if_corrupt(s, path) ? rs_last(s, path, first, last, err, err_size) : -1;
}

/* After the exchange: what rrdcached took is known; a series it refused is written again alone (set
 * aside first when its file was damaged), and fails alone if it fails again. -1 on a failure of the
 * store. */
static int rs_batch_settle(rrd_store *s, const char *site, const push_sample **order, const size_t *runs,
                           size_t nruns, const rs_batch *b, rrd_store_stats *st, char *err, size_t err_size)
{
    char path[RRD_PATH_MAX];
    for (size_t r = 0; r < nruns; r++) {
        const push_sample **v = order + runs[r];
        size_t n = runs[r + 1] - runs[r];
        if (b->last[r] == RS_LAST_UNKNOWN ||
            rrd_store_path(s, site, v[0]->device, v[0]->metric, v[0]->instance, path, sizeof path) != 0)
            continue;
        if (!b->why[r]) {
            rs_cache_put(s, path, b->last[r]);
            continue;
        }
        rs_cache_put(s, path, RS_LAST_UNKNOWN);
        char why[RRD_STORE_REASON_MAX];
        snprintf(why, sizeof why, "%s", b->why[r]);
        /* alone, on librrd's client: its last update read again (rrdcached may know a newer one, written
         * by another client: those samples are then stale, not failed), the file set aside first when
         * damaged; the error, if any, is then this file's own */
        rs_set_aside_if_corrupt(s, path);
        if (!s->store_failed && rs_write_series_once(s, path, v, n, st, why, sizeof why) == 0)
            continue;
        if (s->store_failed) {
            snprintf(err, err_size, "%s", why);
            return -1;
        }
        rs_fail_series(s, st, v, n, why);
    }
    return 0;
}

/* Writes the runs through rrdcached in one BATCH. */
int rs_batch_write(rrd_store *s, const char *site, const push_sample **order, const size_t *runs,
                          size_t nruns, rrd_store_stats *st, char *err, size_t err_size)
{
    rs_batch b = {.cmds = malloc(runs[nruns] * sizeof *b.cmds), .last = malloc(nruns * sizeof *b.last),
                  .why = calloc(nruns, sizeof *b.why)};
    char path[RRD_PATH_MAX];
    int rc = b.cmds && b.last && b.why ? 0 : -1;
    if (rc != 0)
        snprintf(err, err_size, "out of memory");
    for (size_t r = 0; rc == 0 && r < nruns; r++) {
        const push_sample **v = order + runs[r];
        size_t n = runs[r + 1] - runs[r];
        char why[RRD_STORE_REASON_MAX] = "";
        time_t last;
        b.last[r] = RS_LAST_UNKNOWN; /* nothing to send, unless rs_batch_add finds some */
        if (rrd_store_path(s, site, v[0]->device, v[0]->metric, v[0]->instance, path, sizeof path) != 0) {
            snprintf(why, sizeof why, "invalid name for %s/%s/%s", site, v[0]->device, v[0]->metric);
            rs_fail_series(s, st, v, n, why);
        } else if (rs_last_or_set_aside(s, path, v[0], &last, why, sizeof why) != 0) {
            if (s->store_failed) {
                snprintf(err, err_size, "%s", why);
                rc = -1;
            } else {
                rs_fail_series(s, st, v, n, why);
            }
        } else if (rs_batch_add(&b, s, path, r, v, n, last, st) != 0) {
            snprintf(err, err_size, "out of memory");
            rc = -1;
        }
    }
    if (rc == 0 && b.ncmds > 0 && rs_batch_exchange(s, &b, err, err_size) < 0)
        rc = -1;
    if (rc == 0)
        rc = rs_batch_settle(s, site, order, runs, nruns, &b, st, err, err_size);
    free(b.text.p);
    free(b.cmds);
    free(b.last);
    for (size_t r = 0; b.why && r < nruns; r++)
        free(b.why[r]);
    free(b.why);
    return rc;
}
