/* engine: the poller, which asks every device of an agent at once with Net-SNMP's asynchronous API.
 *
 * One event loop, one UDP session per device, no thread per device. A cycle sends each device its
 * requests one after the other (detection if needed, GET for scalars in PDUs of several OIDs,
 * GETBULK walks for table columns, GETNEXT for v1 agents or agents that answer GETBULK badly), and
 * all devices in parallel; a cycle never outlasts its deadline. The engine owns the sessions (SNMPv3
 * keys), the window of devices going on at once, timeouts, retries and the backoff of silent devices,
 * the wait on the sockets, and detection. Columns of `sweep: true` metrics are walked a slice a cycle,
 * within the device's sweep_requests (sweep.h). What it asks comes from the device's plan (plan.h); each
 * answer goes, decoded, to the device's collect (collect.h), which makes the samples when the device
 * is done. */
#ifndef VIGIE_ENGINE_H
#define VIGIE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include "config/agent_config.h"
#include "error.h"
#include "profile/profile.h"
#include "push.h"
#include "snmp/collect.h"

typedef struct poller poller;

/* Net-SNMP set up for numeric OIDs only: no MIB or configuration files read, no state written.
 * poller_new calls it; tests/bench/lib_floor too, to measure what it costs. Once per process. */
void poller_snmp_init(void);

/* A session to dev as the poller opens them (version, community or SNMPv3 keys, timeout, retries), for
 * a one-shot tool that asks synchronously (--record); snmp_close() it. NULL with err on failure. */
netsnmp_session *engine_session_open(const agent_device *dev, vg_err *err);

poller *poller_new(const profile_set *profiles);
void poller_free(poller *p);
/* Every column walked whole each cycle, the swept ones (sweep.h) too: --probe shows a device whole.
 * Before the first cycle. */
void poller_set_whole(poller *p, bool whole);
/* Adds a device, which must outlive the poller; `forced` skips detection (NULL: detect on the first
 * cycle). VG_E_NOMEM when out of memory. */
vg_code poller_add(poller *p, const agent_device *dev, const profile *forced);

/* Runs one cycle for every device, for at most `budget` seconds, POLL_WINDOW answering devices at a time.
 * As each device is done, its answers become samples stamped `now` (device.reachable first), handed
 * to `out`, then dropped. Returns the number of devices that answered. */
int poller_cycle(poller *p, const poll_sink *out, int64_t now, double budget);

/* Waits at most `left` seconds for Net-SNMP's sessions and handles what comes (answers, traps,
 * retransmissions, timeouts). With p, the sockets of p's devices not being asked are left out of the
 * wait (poller_cycle); without, every session is waited on (traps between cycles). Returns select()'s
 * result: -1 with errno EINTR on a signal. */
int poller_wait(const poller *p, double left);

/* Other sockets waited on in poller_wait's select beside Net-SNMP's (the active checks, check.h), so
 * that they go on during a poll cycle and between cycles, from the same loop. fill adds its sockets
 * to rd and wr (NETSNMP_LARGE_FD_SET), raises *nfds above them and lowers *left (seconds) to its next
 * deadline; handle runs after every select (n: its result), for what is ready or due. */
typedef struct {
    void *ctx;
    void (*fill)(void *ctx, netsnmp_large_fd_set *rd, netsnmp_large_fd_set *wr, int *nfds, double *left);
    void (*handle)(void *ctx, netsnmp_large_fd_set *rd, netsnmp_large_fd_set *wr, int n);
} poller_extra;
/* One for the process (NULL: none); x is copied. */
void poller_set_extra(const poller_extra *x);

/* What detection found for device i (after a cycle): profile (NULL: generic only) and the
 * sysObjectID as text ("" if unknown). */
const profile *poller_device_profile(const poller *p, size_t i);
/* Every profile device i composes, in precedence order (the first is poller_device_profile's). */
size_t poller_device_profiles(const poller *p, size_t i, const profile *const **out);
const char *poller_device_sys_object_id(const poller *p, size_t i);
/* Values the last cycle rejected as out of range or unreadable, as "metric[instance]=value (why)"
 * lines; for --probe. */
const char *poller_device_problems(const poller *p, size_t i);

#endif
