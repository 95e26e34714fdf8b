/* The receiver of traps.h: the listening socket in Net-SNMP, the callback, the wait, and the counts of
 * what never reaches the callback (datagrams Net-SNMP refused, the kernel's drops). */
#include "config.h"
#include "snmp/traps.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"
#include "snmp/engine.h"
#include "snmp/traps_internal.h"

#define TRAPS_RCVBUF (4 << 20) /* bytes: some 20,000 small traps */

static double traps_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double traps_clock(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}


static void traps_source_address(const netsnmp_pdu *pdu, char *out, size_t size)
{
    snprintf(out, size, "unknown");
    if (!pdu->transport_data || pdu->transport_data_length < (int)sizeof(struct sockaddr_in))
        return;
    /* UDP keeps the sender first (netsnmp_indexed_addr_pair, or a sockaddr_in6 for udp6) */
    const struct sockaddr *sa = pdu->transport_data;
    socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) || (int)len > pdu->transport_data_length ||
        getnameinfo(sa, len, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(out, size, "unknown");
}

/* An inform accepted is acknowledged, as snmptrapd does: the sender stops resending. One dropped is
 * not: its sender sends it again, later. */
static void traps_ack(netsnmp_session *sess, const netsnmp_pdu *pdu)
{
    static uint64_t failed;
    netsnmp_pdu *reply = snmp_clone_pdu((netsnmp_pdu *)pdu);
    if (!reply)
        return;
    reply->command = SNMP_MSG_RESPONSE;
    reply->errstat = 0;
    reply->errindex = 0;
    if (!snmp_send(sess, reply)) {
        snmp_free_pdu(reply);
        failed++;
        if ((failed & (failed - 1)) == 0) /* the 1st, 2nd, 4th, 8th...: a bounded number of lines */
            log_warn("trap", "inform not acknowledged (%" PRIu64 " so far): %s", failed, snmp_api_errstring(snmp_errno));
    }
}

static int traps_callback(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
    (void)reqid;
    traps *t = magic;
    if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || !pdu)
        return 1;
    if (pdu->command != SNMP_MSG_TRAP && pdu->command != SNMP_MSG_TRAP2 && pdu->command != SNMP_MSG_INFORM)
        return 1;
    char src[64];
    traps_source_address(pdu, src, sizeof src);
    t->handled++;
    if (traps_handle(t, src, pdu, traps_clock()) == 1 && pdu->command == SNMP_MSG_INFORM)
        traps_ack(sess, pdu);
    return 1;
}

/* ---- what never reaches the callback: counted ------------------------------------------------ */

/* The transports listened on, to count their datagrams (Net-SNMP's receive function is wrapped). */
#define TRAPS_HOOKS 8
typedef int (*traps_recv_fn)(netsnmp_transport *, void *, int, void **, int *);
static struct {
    netsnmp_transport *tr;
    traps_recv_fn recv;
    traps *t;
} traps_hooks[TRAPS_HOOKS];

static int traps_counting_recv(netsnmp_transport *tr, void *buf, int size, void **opaque, int *olen)
{
    for (size_t i = 0; i < TRAPS_HOOKS; i++)
        if (traps_hooks[i].tr == tr) {
            int n = traps_hooks[i].recv(tr, buf, size, opaque, olen);
            if (n > 0)
                traps_hooks[i].t->datagrams++;
            return n;
        }
    return -1; /* not reached: a transport is unhooked before it is closed */
}

static void traps_hook(traps *t, netsnmp_transport *tr)
{
    for (size_t i = 0; i < TRAPS_HOOKS; i++)
        if (!traps_hooks[i].tr) {
            traps_hooks[i].tr = tr;
            traps_hooks[i].recv = tr->f_recv;
            traps_hooks[i].t = t;
            tr->f_recv = traps_counting_recv;
            t->transport = tr;
            return;
        }
}

void traps_unhook(traps *t)
{
    for (size_t i = 0; i < TRAPS_HOOKS; i++)
        if (traps_hooks[i].t == t && traps_hooks[i].tr) {
            traps_hooks[i].tr->f_recv = traps_hooks[i].recv;
            traps_hooks[i] = (__typeof__(traps_hooks[i])){0};
        }
    t->transport = NULL;
}

/* The datagrams the kernel dropped for our socket, its buffer full: the "drops" column of
 * /proc/net/udp (or udp6) on the socket's inode. 0 where there is no such file. */
static uint64_t traps_kernel_drops(int sock)
{
    struct stat st;
    if (sock < 0 || fstat(sock, &st) != 0)
        return 0;
    static const char *const files[] = {"/proc/net/udp", "/proc/net/udp6"};
    for (size_t f = 0; f < 2; f++) {
        FILE *in = fopen(files[f], "r");
        char line[512];
        while (in && fgets(line, sizeof line, in)) {
            unsigned long inode, drops;
            if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %*s %*s %lu", &inode, &drops) == 2 &&
                inode == (unsigned long)st.st_ino) {
                fclose(in);
                return drops;
            }
        }
        if (in)
            fclose(in);
    }
    return 0;
}

void traps_refresh_outside(traps *t)
{
    if (!t->sess)
        return;
    uint64_t refused = t->datagrams > t->handled ? t->datagrams - t->handled : 0;
    trap_limit_set_outside(t->limit, refused, traps_kernel_drops(t->sock));
}

static const char *traps_priv_word(const char *p)
{
    if (strcmp(p, "AES-192") == 0)
        return "AES192";
    if (strcmp(p, "AES-256") == 0)
        return "AES256";
    if (strcmp(p, "DES") == 0)
        return "DES";
    return "AES";
}

/* createUser as in snmptrapd.conf: once for informs (our engine ID), once for traps (the sender's). */
static void traps_add_users(const agent_config *cfg)
{
    for (size_t i = 0; i < cfg->ntrap_users; i++) {
        const agent_trap_user *u = &cfg->trap_users[i];
        bool priv = strcmp(u->usm.level, "authPriv") == 0;
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1 && !u->engine_id[0])
                break;
            char line[1400];
            const char *eid = u->engine_id;
            bool hex_prefix = eid[0] == '0' && (eid[1] == 'x' || eid[1] == 'X');
            snprintf(line, sizeof line, "%s%s%s%s%s %s \"%s\"", pass ? "-e " : "", pass && !hex_prefix ? "0x" : "",
                     pass ? eid : "", pass ? " " : "", u->usm.user, u->usm.auth_proto, u->usm.auth_pass);
            if (priv) {
                size_t l = strlen(line);
                snprintf(line + l, sizeof line - l, " %s \"%s\"", traps_priv_word(u->usm.priv_proto), u->usm.priv_pass);
            }
            usm_parse_create_usmUser("createUser", line);
        }
        log_debug("trap", "SNMPv3 trap user %s (%s, %s)", u->usm.user, u->usm.level,
                  u->engine_id[0] ? u->engine_id : "informs only");
    }
}

vg_code traps_listen(traps *t, vg_err *err)
{
    const char *l = t->cfg->trap_listen;
    char spec[AGENT_HOST_MAX + 16];
    if (l[0] == '[')
        snprintf(spec, sizeof spec, "udp6:%s", l);
    else if (!strchr(l, ':'))
        snprintf(spec, sizeof spec, "udp:0.0.0.0:%s", l);
    else
        snprintf(spec, sizeof spec, "udp:%s", l);
    traps_add_users(t->cfg);
    netsnmp_transport *tr = netsnmp_transport_open_server("snmptrap", spec);
    if (!tr) /* a port in use or not ours, an address not on this host */
        return vg_fail(err, VG_E_IO, "cannot listen for traps on %s: %s", l, strerror(errno));
    netsnmp_session s;
    snmp_sess_init(&s);
    s.peername = SNMP_DEFAULT_PEERNAME;
    s.version = SNMP_DEFAULT_VERSION;
    s.community_len = SNMP_DEFAULT_COMMUNITY_LEN;
    s.retries = SNMP_DEFAULT_RETRIES;
    s.timeout = SNMP_DEFAULT_TIMEOUT;
    s.callback = traps_callback;
    s.callback_magic = t;
    s.authenticator = NULL;
    s.isAuthoritative = SNMP_SESS_UNKNOWNAUTH;
    /* room for a burst while a poll is answered: past it the kernel drops (counted, traps_kernel_drops) */
    int rcvbuf = TRAPS_RCVBUF;
    if (setsockopt(tr->sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
        setsockopt(tr->sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf); /* capped by net.core.rmem_max */
    int sock = tr->sock;
    t->sess = snmp_add(&s, tr, NULL, NULL);
    if (!t->sess)
        return vg_fail(err, VG_E_IO, "cannot listen for traps on %s: %s", l, snmp_api_errstring(snmp_errno));
    t->sock = sock;
    traps_hook(t, tr);
    return VG_OK;
}

void traps_wait(traps *t, double seconds)
{
    double end = traps_clock() + seconds;
    if (!t || !t->sess) { /* no traps: the loop still waits on the active checks' sockets (engine.h),
                           * on the monotonic clock: a wall clock stepped back must not lengthen it */
        double mono_end = traps_mono() + seconds;
        for (double now; (now = traps_mono()) < mono_end;)
            if (poller_wait(NULL, mono_end - now) < 0 && errno == EINTR)
                return;
        return;
    }
    for (;;) {
        double now = traps_clock(), until = fmin(end, traps_next_due(t));
        if (until <= now)
            return;
        int n = poller_wait(NULL, until - now);
        if (n < 0 && errno == EINTR)
            return; /* a signal: the caller looks at it */
    }
}
