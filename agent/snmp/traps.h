/* traps: SNMP traps and informs (v1, v2c, v3) received by the agent and pushed within a second.
 *
 * agent.yaml `trap_listen: 0.0.0.0:162` opens a UDP server session in the agent's Net-SNMP
 * library (the poller's event loop reads it too, so a trap that arrives during a poll is not
 * missed); informs are acknowledged. The source address names the device (the agent.yaml device
 * whose host is that address); the notification's snmpTrapOID (v1: enterprise.0.specific, or
 * .1.3.6.1.6.3.1.1.5.N for the generic traps, RFC 3584) is looked up in the `traps:` section of the
 * device's profile, then of every profile, and gives one sample of the profile's vocabulary, stamped
 * with the time of reception. A trap no profile knows, or from an address no device has, is kept as
 * a raw `device.trap` sample (text: the trap OID, severity warning; device: the source address for an
 * unknown source), so that nothing is lost. v1/v2c traps must carry `trap_community`; v3 ones must be
 * authenticated as one of `trap_users`.
 *
 * A flood costs bounded memory, disk and log lines (trap_limit.h counts and bounds it): the samples
 * of a burst are gathered into one batch, pushed TRAPS_GATHER_S after its first trap and at least
 * TRAPS_SPACING_S after the batch before, or at once when it holds TRAPS_BATCH_FULL; at most
 * TRAPS_PENDING_MAX wait (past it, traps are dropped and counted). A trap whose series and second
 * already wait replaces that sample (the last state wins, as on the server) and is counted as merged;
 * one whose series and second went in a batch already is stamped a second later (the server keeps
 * the first sample of a second, and would refuse this later state).
 * Each batch also carries, for every source heard since the one before, device.trap.received and
 * device.trap.dropped (counts since the agent started); when traps are only dropped, those counts go
 * alone at most every TRAPS_COUNTS_S. An inform is acknowledged only once accepted: one dropped is
 * sent again by its sender. */
#ifndef VIGIE_TRAPS_H
#define VIGIE_TRAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "config/agent_config.h"
#include "error.h"
#include "profile/profile.h"
#include "push.h"
#include "snmp/trap_limit.h"

#define TRAPS_GATHER_S 0.2
#define TRAPS_SPACING_S 1.0
#define TRAPS_COUNTS_S 10.0
#define TRAPS_BATCH_FULL 1000
#define TRAPS_PENDING_MAX 2500 /* the outbox's slice: one push */

typedef struct traps traps;

/* The profile a device uses now (detected or forced), NULL when unknown. */
typedef const profile *(*traps_profile_fn)(void *ctx, size_t device);

/* A receiver mapping traps for cfg's devices through set. profile_of may be NULL: then a device's
 * profile is its agent.yaml `profile:`. NULL when out of memory. */
traps *traps_new(const agent_config *cfg, const profile_set *set, traps_profile_fn profile_of, void *ctx);
void traps_free(traps *t);

/* Declares cfg's trap_users to Net-SNMP and opens cfg->trap_listen. VG_E_IO when the address cannot
 * be listened on (in use, a privileged port, not this host's). */
vg_code traps_listen(traps *t, vg_err *err);

/* Maps one notification received from address `src` ("10.0.0.5") at `now` (seconds, the sample's
 * time) into a sample waiting to be taken, within the bounds. Returns 1 when it is accepted (a sample
 * added or merged), -1 when it is dropped (counted: wrong community, not a trap, over a bound, the
 * batch full). */
int traps_handle(traps *t, const char *src, const netsnmp_pdu *pdu, double now);

/* The notification OID of a trap PDU: snmpTrapOID.0 of a v2 trap or inform, the RFC 3584 form of a
 * v1 trap. -1 when there is none. */
int traps_pdu_oid(const netsnmp_pdu *pdu, oid *out, size_t max, size_t *len);

/* Samples received and not taken yet. */
size_t traps_pending(const traps *t);
/* Hands over the waiting samples as a batch of `agent` (seq 0, to be numbered), or NULL when none,
 * as they were mapped: unlike traps_take_due, it does not keep the seconds it handed over (so later
 * traps of those are not stamped a second later). */
push_batch *traps_take(traps *t);
/* The batch due at `now` (see above): the waiting samples and the counts of the sources heard since
 * the last one, or NULL when none is due. force (the agent stops): whatever waits, and the period's
 * summary line. Also ends the log period (trap_limit_tick) and writes SPOOL_DIR/traps when
 * spool_dir is set. */
push_batch *traps_take_due(traps *t, double now, bool force);
/* The counts so far (the kernel's and Net-SNMP's as of the last batch or summary). */
const trap_counts *traps_counts(const traps *t);

/* Waits up to `seconds`: returns early when a batch is due (traps_take_due) or a signal came. Without a listening
 * receiver (t NULL or not listening) it just sleeps. */
void traps_wait(traps *t, double seconds);

#endif
