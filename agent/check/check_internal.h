/* check_internal: what the parts of agent/check/ share: a target's results of a cycle, the probes
 * handed to the TCP and HTTP parts, the ICMP thread, the statistics and the samples. Not for use
 * outside agent/check/ (and its tests). */
#ifndef VIGIE_CHECK_INTERNAL_H
#define VIGIE_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include "config/agent_config.h"
#include "error.h"
#include "snmp/collect.h"

/* Probes in flight at once: bounds the sockets (and fds) a cycle holds. */
#define CHECK_TCP_WINDOW 256
#define CHECK_HTTP_WINDOW 64
/* Bytes of an HTTP answer read before the GET is ended: only its status matters. */
#define CHECK_HTTP_BODY_MAX 65536

typedef enum { CHECK_UNKNOWN = -1, CHECK_DOWN = 0, CHECK_UP = 1 } check_state;

/* One target's results of a cycle. An unknown result sends no sample (never a false down). */
typedef struct {
    const double *rtt[AGENT_CHECK_HOSTS]; /* per address: the cycle's RTTs in ms, NaN if unanswered; NULL: unknown */
    size_t pings;
    check_state tcp[AGENT_CHECK_PORTS];
    double tcp_ms[AGENT_CHECK_PORTS];
    check_state http[AGENT_CHECK_HTTP];
    int http_status[AGENT_CHECK_HTTP]; /* 0: no answer */
    double http_ms[AGENT_CHECK_HTTP];
} check_result;

double check_clock(void); /* CLOCK_MONOTONIC, seconds */

/* ---- statistics (check_samples.c) ---- */
typedef struct {
    size_t sent, answered;
    double loss;           /* percent */
    double rtt, min, max;  /* ms, of the answered */
    double jitter;         /* mean |rtt[i] - rtt[i-1]| over consecutive answered echoes */
    bool has_rtt, has_jitter; /* answered >= 1, answered >= 2 */
} check_icmp_stats;

/* The statistics of n echoes, rtt[i] in ms or NaN (or negative) when unanswered. */
void check_icmp_stats_of(const double *rtt, size_t n, check_icmp_stats *out);
/* Hands target t's description and samples of the cycle stamped ts to out. Returns the samples taken. */
size_t check_emit(const agent_check *t, const check_result *r, const poll_sink *out, int64_t ts);

/* ---- TCP connect (check_tcp.c) ---- */
typedef struct {
    const char *host; /* an IP address */
    int port;
    check_state *state;
    double *ms;
} check_tcp_probe;

typedef struct check_tcp check_tcp;
check_tcp *check_tcp_new(void);
void check_tcp_free(check_tcp *t);
/* Starts the probes (which stay the caller's until the cycle is over), at most CHECK_TCP_WINDOW at once. */
void check_tcp_begin(check_tcp *t, check_tcp_probe *probes, size_t n, double timeout);
void check_tcp_fill(check_tcp *t, netsnmp_large_fd_set *wr, int *nfds, double *left);
void check_tcp_handle(check_tcp *t, netsnmp_large_fd_set *wr);
bool check_tcp_busy(const check_tcp *t);

/* ---- HTTP(S) GET, libcurl multi (check_http.c) ---- */
typedef struct {
    const char *url;
    int expect;
    check_state *state;
    int *status;
    double *ms;
} check_http_probe;

typedef struct check_http check_http;
/* ca_file: the CA bundle of HTTPS checks ("": the system's). NULL when out of memory. */
check_http *check_http_new(const char *ca_file);
void check_http_free(check_http *h);
void check_http_begin(check_http *h, check_http_probe *probes, size_t n, double timeout);
void check_http_fill(check_http *h, netsnmp_large_fd_set *rd, netsnmp_large_fd_set *wr, int *nfds, double *left);
void check_http_handle(check_http *h, netsnmp_large_fd_set *rd, netsnmp_large_fd_set *wr);
bool check_http_busy(const check_http *h);

/* ---- ICMP echo, liboping on a thread of its own (check_icmp.c) ---- */
typedef struct check_icmp check_icmp;
/* The thread writes a byte to wake_fd (the main loop's select) when a cycle's echoes are done. */
check_icmp *check_icmp_new(int wake_fd);
vg_code check_icmp_start(check_icmp *ic, vg_err *err);
void check_icmp_free(check_icmp *ic);
/* Starts a cycle on the thread: `pings` rounds to the n addresses (copied), each round waiting at most
 * timeout. false when a cycle is still under way. */
bool check_icmp_begin(check_icmp *ic, const char *const *addrs, size_t n, int pings, double timeout);
/* When the cycle is done: true, and *rtt (n x pings, the caller frees) or NULL when the echoes could
 * not be sent (*why says why: no raw socket). */
bool check_icmp_take(check_icmp *ic, double **rtt, char *why, size_t whysize);
bool check_icmp_busy(check_icmp *ic);

/* ---- the server's target list (check_targets.c) ---- */
/* Parses GET /api/v1/agent/targets's answer for agent `agent` into a new array of *n checks (the caller
 * frees each with agent_check_clear, then the array). VG_E_INVALID naming the bad field. */
vg_code check_targets_parse(const char *json, size_t len, const char *agent, agent_check **out, size_t *n,
                            vg_err *err);

#endif
