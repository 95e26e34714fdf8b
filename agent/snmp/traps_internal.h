/* traps_internal: the receiver's state, shared by traps.c (mapping, the batch waiting) and
 * traps_listen.c (the socket, Net-SNMP's session, the wait). Not for other modules. */
#ifndef VIGIE_TRAPS_INTERNAL_H
#define VIGIE_TRAPS_INTERNAL_H

#include "snmp/traps.h"

#define TRAPS_MERGE_SLOTS 8192 /* a power of two, over twice TRAPS_PENDING_MAX */

/* A sample waiting, with what describes its device in the batch. */
typedef struct {
    push_sample s;
    long dev;             /* the agent.yaml device, -1 for an address no device has */
    const profile *prof;  /* the profile that mapped it, NULL if none */
} traps_item;

#define TRAPS_SHIPPED_SLOTS 4096 /* a power of two: series whose last pushed second is kept */

/* The second of the last sample pushed of a series (by its hash; a collision only forgets one). */
typedef struct {
    uint64_t key;
    int64_t ts;
} traps_shipped;

struct traps {
    const agent_config *cfg;
    const profile_set *set;
    traps_profile_fn profile_of;
    void *ctx;
    char (*addrs)[64];      /* each device's host as a numeric address ("" if it did not resolve) */
    trap_limit *limit;
    traps_item *pending;    /* TRAPS_PENDING_MAX */
    size_t npending;
    uint16_t merge[TRAPS_MERGE_SLOTS]; /* index + 1 into pending by series and second, 0: free */
    traps_shipped shipped[TRAPS_SHIPPED_SLOTS];
    double first_at;        /* when the first waiting sample came */
    double last_batch;      /* when the last batch was taken (0: never) */
    int64_t counts_ts;      /* the time of the last counts pushed */
    /* the receiver (traps_listen.c) */
    netsnmp_session *sess;  /* the listening session, NULL when not listening */
    netsnmp_transport *transport;
    int sock;
    uint64_t datagrams;     /* read from the socket */
    uint64_t handled;       /* of those, notifications handed to traps_handle */
};

/* The agent.yaml device whose host is address src, -1 when none. */
long traps_find_device(const traps *t, const char *src);
/* When the next batch is due (seconds, as traps_take_due's now): INFINITY when nothing waits. */
double traps_next_due(const traps *t);
/* Net-SNMP's refusals and the kernel's drops, read now into the counts. */
void traps_refresh_outside(traps *t);
/* Stops counting the socket's datagrams (before it is closed). */
void traps_unhook(traps *t);

#endif
