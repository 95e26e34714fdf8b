#include "config.h"
#include "store/graph.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "store/child.h"
#include "store/graph_draw.h"

#define GRAPH_TIMEOUT_MS 60000 /* a drawer still at it after this is killed */

static struct {
    pthread_mutex_t lock; /* everything below; held for a whole request */
    bool started;
    pid_t pid; /* the graph process, 0 when there is none */
    int fd;    /* its channel */
    int zfd;   /* the channel to the process that forks graph processes, -1 once it is gone */
    unsigned long restarts;
} graph = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1, .zfd = -1};

static vg_code graph_answer(int fd, vg_code code, const void *data, size_t len)
{
    uint32_t head[2] = {(uint32_t)code, (uint32_t)len};
    if (fd_write_all(fd, head, sizeof head) != VG_OK)
        return VG_E_IO;
    return len ? fd_write_all(fd, data, len) : VG_OK;
}

/* ---- the drawer ------------------------------------------------------------------------------- */

/* The graph process's drawer: a fork of it, of one thread, that draws request after request. It is
 * forked again only when it died (librrd crashed) or was killed (a graph over the time allowed). */
static struct {
    pid_t pid; /* 0 when there is none */
    int req;   /* the frames to it */
    int ans;   /* its answers */
} drawer = {0, -1, -1};

static _Noreturn void graph_drawer(int req, int ans)
{
    unsigned char *frame = NULL;
    int rc = 1;
    for (;;) {
        uint32_t len;
        bool eof = false;
        if (fd_read_all_or_eof(req, &len, 4, &eof) != VG_OK) {
            rc = eof ? 0 : 1; /* the graph process closed its end: done */
            break;
        }
        unsigned char *f = len <= GRAPH_FRAME_MAX ? realloc(frame, len ? len : 1) : NULL;
        if (!f)
            break;
        frame = f;
        if (fd_read_all(req, frame, len) != VG_OK)
            break;
        char *out = NULL;
        size_t out_len = 0;
        vg_code drawn = graph_draw_frame(frame, len, &out, &out_len);
        vg_code w = graph_answer(ans, drawn, out, out ? out_len : 0);
        free(out);
        if (w != VG_OK)
            break;
    }
    free(frame);
    _exit(rc);
}

/* Forks the drawer; fd is the server's channel, which it must not hold (the server sees the end of
 * the graph process, not of its drawer), and frame the graph process's buffer, which it frees. */
static vg_code graph_drawer_start(int fd, unsigned char *frame, char *why, size_t why_size)
{
    int req[2], ans[2];
    if (pipe2(req, O_CLOEXEC) != 0) {
        snprintf(why, why_size, "the graph process cannot make a pipe: %s", strerror(errno));
        return VG_E_IO;
    }
    if (pipe2(ans, O_CLOEXEC) != 0) {
        snprintf(why, why_size, "the graph process cannot make a pipe: %s", strerror(errno));
        close(req[0]);
        close(req[1]);
        return VG_E_IO;
    }
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        snprintf(why, why_size, "the graph process cannot fork: %s", strerror(errno));
        close(req[0]);
        close(req[1]);
        close(ans[0]);
        close(ans[1]);
        return VG_E_IO;
    }
    if (pid == 0) {
        free(frame); /* this process's copy of the graph process's buffer */
        close(fd);
        close(req[1]);
        close(ans[0]);
        /* a drawer stuck in librrd ends with the graph process rather than outliving it */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != parent)
            _exit(1);
        prctl(PR_SET_NAME, "vigie-drawer", 0, 0, 0);
        graph_drawer(req[0], ans[1]);
    }
    close(req[0]);
    close(ans[1]);
    drawer.pid = pid;
    drawer.req = req[1];
    drawer.ans = ans[0];
    return VG_OK;
}

/* Closes the drawer's pipes and waits for it, killed first when kill_it; its end status. */
static int graph_drawer_end(bool kill_it)
{
    int status = 0;
    if (drawer.pid <= 0)
        return status;
    if (kill_it)
        kill(drawer.pid, SIGKILL);
    close(drawer.req);
    close(drawer.ans);
    while (waitpid(drawer.pid, &status, 0) < 0 && errno == EINTR)
        ;
    drawer.pid = 0;
    drawer.req = drawer.ans = -1;
    return status;
}

/* Reads n bytes of the drawer's answer before the deadline (CLOCK_MONOTONIC, ms): 0, 1 when it ended
 * first, 2 when the time ran out. */
static int graph_read_drawer(int fd, void *data, size_t n, int64_t deadline)
{
    unsigned char *p = data;
    while (n > 0) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        int64_t left = deadline - ((int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000);
        struct pollfd pf = {fd, POLLIN, 0};
        int pr = left > 0 ? poll(&pf, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return 1;
        if (pr == 0)
            return 2;
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Has the drawer draw one request and answers the server. */
static vg_code graph_serve_one(int fd, unsigned char *frame, size_t len)
{
    char why[200];
    uint32_t len32 = (uint32_t)len;
    bool sent = false;
    /* a drawer that ended since the last graph takes no request: another one, once */
    for (int tries = 0; tries < 2 && !sent; tries++) {
        if (drawer.pid == 0 && graph_drawer_start(fd, frame, why, sizeof why) != VG_OK)
            return graph_answer(fd, VG_E_IO, why, strlen(why));
        sent = fd_write_all(drawer.req, &len32, 4) == VG_OK && fd_write_all(drawer.req, frame, len) == VG_OK;
        if (!sent)
            graph_drawer_end(true);
    }
    if (!sent) {
        snprintf(why, sizeof why, "the graph drawer takes no request");
        return graph_answer(fd, VG_E_IO, why, strlen(why));
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    int64_t deadline = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000 + GRAPH_TIMEOUT_MS;
    uint32_t head[2];
    int got = graph_read_drawer(drawer.ans, head, sizeof head, deadline);
    unsigned char *data = NULL;
    if (got == 0 && head[1] > GRAPH_IMAGE_MAX) {
        graph_drawer_end(true); /* out of step: this graph is given up */
        snprintf(why, sizeof why, "the graph drawer sent a malformed answer");
        return graph_answer(fd, VG_E_IO, why, strlen(why));
    }
    if (got == 0 && !(data = malloc(head[1] ? head[1] : 1))) {
        graph_drawer_end(true);
        snprintf(why, sizeof why, "the graph process is out of memory");
        return graph_answer(fd, VG_E_NOMEM, why, strlen(why));
    }
    if (got == 0)
        got = graph_read_drawer(drawer.ans, data, head[1], deadline);
    if (got == 0) {
        vg_code rc = graph_answer(fd, (vg_code)head[0], data, head[1]);
        free(data);
        return rc;
    }
    free(data);
    /* too long (killed: this graph is given up), or it ended: librrd crashed */
    int status = graph_drawer_end(got == 2);
    if (got == 2)
        snprintf(why, sizeof why, "librrd did not finish the graph in %d s", GRAPH_TIMEOUT_MS / 1000);
    else if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "librrd was killed by signal %d (%s) drawing the graph", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, sizeof why, "the graph drawer ended without an answer");
    return graph_answer(fd, VG_E_IO, why, strlen(why));
}

/* ---- the graph process ------------------------------------------------------------------------- */

static int graph_serve(int fd)
{
    unsigned char *frame = NULL;
    int rc = 1;
    for (;;) {
        uint32_t len;
        bool eof = false;
        if (fd_read_all_or_eof(fd, &len, 4, &eof) != VG_OK) {
            rc = eof ? 0 : 1; /* the server closed its end: done */
            break;
        }
        if (len > GRAPH_FRAME_MAX)
            break;
        unsigned char *f = realloc(frame, len ? len : 1);
        if (!f)
            break;
        frame = f;
        if (fd_read_all(fd, frame, len) != VG_OK || graph_serve_one(fd, frame, len) != VG_OK)
            break;
    }
    free(frame);
    graph_drawer_end(false); /* it ends at the end of its pipe */
    return rc;
}

/* The set-up of both processes of this module, right after fork (store/child.h): the channel becomes
 * fd 3, and a stop of the server must not cut a graph: they end when the server closes its end. */
static void graph_child(int fd)
{
    fd = store_child_setup(fd, "vigie-graph", SIG_DFL);
    graph_warm_up();
    _exit(graph_serve(fd));
}

/* ---- the process that forks graph processes ---------------------------------------------------- */

/* A graph process is forked from a process that never ran a thread nor loaded a font: one forked
 * from the server once its threads run (and pango's, in the PDF) could inherit a lock that nobody
 * holds any more and wait on it for ever. So a small process, forked at the start, forks them: the
 * first, and each one after a graph process ended. It sends back the new process's id and its
 * channel (SCM_RIGHTS). */
static vg_code graph_send_channel(int sock, int fd, pid_t pid)
{
    struct iovec io = {&pid, sizeof pid};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
    if (fd >= 0) {
        m.msg_control = ctl.buf;
        m.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n;
    while ((n = sendmsg(sock, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof pid ? VG_OK : VG_E_IO;
}

/* The channel of a new graph process, -1 when none came; *pid its id. */
static int graph_recv_channel(int sock, pid_t *pid)
{
    struct iovec io = {pid, sizeof *pid};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    ssize_t n;
    while ((n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    struct cmsghdr *c = n == (ssize_t)sizeof *pid ? CMSG_FIRSTHDR(&m) : NULL;
    int fd = -1;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (fd >= 0 && *pid <= 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void graph_forker(int fd)
{
    fd = store_child_setup(fd, "vigie-graphs", SIG_IGN); /* SIG_IGN: its graph processes are reaped as they end */
    for (;;) {
        char c;
        bool eof = false;
        if (fd_read_all_or_eof(fd, &c, 1, &eof) != VG_OK)
            _exit(eof ? 0 : 1); /* the server closed its end */
        int gs[2] = {-1, -1};
        pid_t pid = -1;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gs) == 0) {
            pid = fork();
            if (pid == 0) {
                close(fd);
                graph_child(gs[1]);
            }
            close(gs[1]);
        }
        vg_code sent = graph_send_channel(fd, pid > 0 ? gs[0] : -1, pid > 0 ? pid : 0);
        if (gs[0] >= 0)
            close(gs[0]);
        if (sent != VG_OK)
            _exit(1);
    }
}

/* ---- the server's end -------------------------------------------------------------------------- */

/* Starts the process that forks graph processes (lock held). It is a grandchild, not a child: the
 * server's children are its RRD writers (rrd_writer.h), which it and its tests count, and it needs
 * no waitpid: the end of its channel says that it ended. */
static vg_code graph_start_forker(vg_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return vg_fail(err, VG_E_IO, "cannot start the graph process: socketpair: %s", strerror(errno));
    pid_t mid = fork();
    if (mid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return vg_fail(err, VG_E_IO, "cannot start the graph process: fork: %s", strerror(e));
    }
    if (mid == 0) {
        close(sv[0]);
        pid_t pid = fork();
        if (pid == 0)
            graph_forker(sv[1]);
        _exit(pid > 0 ? 0 : 1);
    }
    close(sv[1]);
    int status;
    while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        close(sv[0]);
        return vg_fail(err, VG_E_IO, "cannot start the graph process: fork failed");
    }
    struct timeval tv = {30, 0};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    graph.zfd = sv[0];
    return VG_OK;
}

/* Has the forker start a graph process (lock held). */
static vg_code graph_spawn(vg_err *err)
{
    char c = 'g';
    pid_t pid = 0;
    int fd = -1;
    if (graph.zfd >= 0 && fd_send_all(graph.zfd, &c, 1) == VG_OK)
        fd = graph_recv_channel(graph.zfd, &pid);
    if (fd < 0) {
        if (graph.zfd >= 0)
            close(graph.zfd);
        graph.zfd = -1; /* it is gone: no graph process can be started cleanly any more */
        return vg_fail(err, VG_E_UNAVAILABLE, "the graph process cannot be started again");
    }
    /* a graph process that stops answering (stuck, not dead) fails the request rather than the thread */
    struct timeval tv = {GRAPH_TIMEOUT_MS / 1000 + 30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    graph.pid = pid;
    graph.fd = fd;
    return VG_OK;
}

/* Closes the channel (lock held): the graph process ends once it has answered what it was drawing,
 * or at once when kill_it. */
static void graph_reap(bool kill_it)
{
    if (graph.pid <= 0)
        return;
    close(graph.fd);
    graph.fd = -1;
    if (kill_it)
        kill(graph.pid, SIGKILL);
    graph.pid = 0;
}

vg_code store_graph_start(vg_err *err)
{
    pthread_mutex_lock(&graph.lock);
    vg_code rc = VG_OK;
    if (!graph.started) {
        rc = graph_start_forker(err);
        if (rc == VG_OK && (rc = graph_spawn(err)) != VG_OK) {
            close(graph.zfd);
            graph.zfd = -1;
        }
        graph.started = rc == VG_OK;
    }
    pthread_mutex_unlock(&graph.lock);
    return rc;
}

void store_graph_stop(void)
{
    pthread_mutex_lock(&graph.lock);
    graph_reap(false);
    if (graph.zfd >= 0)
        close(graph.zfd);
    graph.zfd = -1;
    graph.started = false;
    pthread_mutex_unlock(&graph.lock);
}

bool store_graph_running(void)
{
    pthread_mutex_lock(&graph.lock);
    bool r = graph.started;
    pthread_mutex_unlock(&graph.lock);
    return r;
}

pid_t store_graph_pid(void)
{
    pthread_mutex_lock(&graph.lock);
    pid_t pid = graph.pid;
    pthread_mutex_unlock(&graph.lock);
    return pid;
}

unsigned long store_graph_restarts(void)
{
    pthread_mutex_lock(&graph.lock);
    unsigned long n = graph.restarts;
    pthread_mutex_unlock(&graph.lock);
    return n;
}

/* One exchange with the graph process (lock held); VG_E_UNAVAILABLE when the channel failed. */
static vg_code graph_exchange(const graph_buf *b, store_graph_image *img, vg_err *err)
{
    uint32_t head[2];
    if (fd_send_all(graph.fd, b->p, b->len) != VG_OK || fd_read_all(graph.fd, head, sizeof head) != VG_OK)
        return vg_fail(err, VG_E_UNAVAILABLE, "the graph process ended");
    if (head[1] > GRAPH_IMAGE_MAX)
        return vg_fail(err, VG_E_UNAVAILABLE, "the graph process sent a malformed answer");
    unsigned char *data = malloc(head[1] + 1);
    if (!data)
        return vg_fail(err, VG_E_NOMEM, "out of memory"); /* the channel is out of step: restarted */
    if (head[1] && fd_read_all(graph.fd, data, head[1]) != VG_OK) {
        free(data);
        return vg_fail(err, VG_E_UNAVAILABLE, "the graph process ended");
    }
    if ((vg_code)head[0] != VG_OK) {
        data[head[1]] = '\0';
        vg_fail(err, (vg_code)head[0], "%s", (char *)data);
        free(data);
        return (vg_code)head[0];
    }
    img->data = data;
    img->len = head[1];
    return VG_OK;
}

vg_code store_graph_draw(const store_graph_request *r, store_graph_image *img, vg_err *err)
{
    img->data = NULL;
    img->len = 0;
    if (r->nlines == 0 || r->nlines > STORE_GRAPH_MAX_LINES || r->nmarks > STORE_GRAPH_MAX_MARKS)
        return vg_fail(err, VG_E_INVALID, "a graph has 1 to %d lines and at most %d marks", STORE_GRAPH_MAX_LINES,
                       STORE_GRAPH_MAX_MARKS);
    graph_buf b = {0};
    graph_encode(&b, r);
    if (b.failed || b.len > GRAPH_FRAME_MAX) {
        free(b.p);
        return vg_fail(err, b.failed ? VG_E_NOMEM : VG_E_TOO_LARGE, "the graph request does not fit");
    }
    pthread_mutex_lock(&graph.lock);
    vg_code rc;
    if (!graph.started)
        rc = vg_fail(err, VG_E_UNAVAILABLE, "no graph process (store_graph_start was not called)");
    else if (graph.pid == 0 && graph_spawn(err) != VG_OK) { /* a restart that failed before */
        rc = VG_E_UNAVAILABLE;
        if (err)
            err->code = rc;
    } else {
        rc = graph_exchange(&b, img, err);
        if (rc == VG_E_UNAVAILABLE || rc == VG_E_NOMEM) {
            /* it died, is stuck, or the channel is out of step: another one for the next graph */
            graph_reap(true);
            graph.restarts++;
            graph_spawn(NULL);
        }
    }
    pthread_mutex_unlock(&graph.lock);
    free(b.p);
    return rc;
}
