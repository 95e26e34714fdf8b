/* discover_slot: one address being asked by the sweep of --discover (discover_scan.c): the requests
 * it sends and what its answers make of it. A slot's requests wait for the pacer (`want`); its session
 * is opened and closed by the loop, never inside Net-SNMP's callbacks. */
#ifndef VIGIE_DISCOVER_SLOT_H
#define VIGIE_DISCOVER_SLOT_H

#include "discover/discover_internal.h"
#include "snmp/engine.h"

#define DISCOVER_CHUNK 16 /* probe OIDs asked in one GETNEXT */

/* DS_ENGINE: SNMPv3 only, the engine discovery (RFC 3414 4.), asked without keys before the session
 * that has them is opened: Net-SNMP's own discovery in snmp_open waits, one address after another. */
typedef enum { DS_FREE = 0, DS_ENGINE, DS_SYS, DS_PROBE, DS_DONE } ds_phase;
typedef enum { DS_OK = 0, DS_SILENT, DS_AUTH, DS_FAILED } ds_outcome;

typedef struct ds_scan ds_scan;

typedef struct {
    ds_scan *sc;
    ds_phase phase;
    ds_outcome outcome;
    uint32_t index;
    agent_device dev;
    netsnmp_session *sess;
    int tries;    /* sends of the current request */
    int retries;  /* the device's: the session's own are off */
    bool reopen;  /* DS_ENGINE answered: the session with the keys is to be opened */
    bool engine;  /* an SNMPv3 engine answered: silence after it is a refusal of the user or keys */
    bool want;    /* a request waits for the pacer */
    bool sys_ask[3]; /* sysDescr, sysObjectID, sysName still asked (a v1 agent may lack one) */
    discover_host h;
    oid soid[MAX_OID_LEN];
    size_t soid_len;
    const prof_oid **probes;
    bool *have, *done;
    size_t nprobes, chunk, nreq;
    size_t req[DISCOVER_CHUNK];
} ds_slot;

struct ds_scan {
    const profile_set *set;
    const discover_opts *o;
    discover_result *r;
    ds_slot *slots;
    size_t maxprobes, rr;
    uint32_t next; /* the next address to take */
    double interval, next_send, start, deadline, last_progress;
    size_t cap;
};

double ds_now(void);
/* The slot is done, for this reason. */
void ds_finish(ds_slot *s, ds_outcome why);
/* A new request of the slot's phase waits for the pacer. */
void ds_request(ds_slot *s);
/* Sends the slot's request (the pacer allows it); finishes the slot when nothing is left to ask. */
void ds_send(ds_slot *s);
/* Whether the slot's device answered this probe (profile_probe_fn). */
bool ds_probe_ok(void *ctx, const prof_oid *probe);
/* SNMPv3: the session without keys that asks for the engine (DS_ENGINE); NULL on failure. */
netsnmp_session *ds_engine_session(const agent_device *dev, ds_slot *slot);

#endif
