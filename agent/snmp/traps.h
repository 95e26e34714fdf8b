/* traps: SNMP traps and informs (v1, v2c, v3) received by the agent and pushed at once.
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
 * authenticated as one of `trap_users`. */
#ifndef VIGIE_TRAPS_H
#define VIGIE_TRAPS_H

#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "config/agent_config.h"
#include "error.h"
#include "profile/profile.h"
#include "push.h"

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

/* Maps one received notification from address `src` ("10.0.0.5") into samples waiting to be taken.
 * Returns the number of samples added, -1 when the notification is dropped (not a trap, wrong
 * community). */
int traps_handle(traps *t, const char *src, const netsnmp_pdu *pdu, int64_t now);

/* The notification OID of a trap PDU: snmpTrapOID.0 of a v2 trap or inform, the RFC 3584 form of a
 * v1 trap. -1 when there is none. */
int traps_pdu_oid(const netsnmp_pdu *pdu, oid *out, size_t max, size_t *len);

/* Samples received and not taken yet. */
size_t traps_pending(const traps *t);
/* Hands over the waiting samples as a batch of `agent` (seq 0, to be numbered), or NULL when none. */
push_batch *traps_take(traps *t);

/* Waits up to `seconds`: returns early when a trap is waiting or a signal came. Without a listening
 * receiver (t NULL or not listening) it just sleeps. */
void traps_wait(traps *t, double seconds);

#endif
