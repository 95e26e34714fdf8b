/* engine_device: the engine's state of one device and of the poller, shared by its two files.
 *
 * engine.c owns the poller: sessions, the window of devices going on at once, the wait, the cycle and
 * its budget, the backoff of silent devices. engine_device.c owns the conversation with one device:
 * detection (sysObjectID, then probes), GET of the scalars in chunks, GETBULK or GETNEXT walks of the
 * columns (the swept ones last, a slice within the device's budget: sweep.h), and what each answer or
 * error means for the next request. Internal to the engine: nothing
 * outside agent/snmp/engine*.c includes it. */
#ifndef VIGIE_ENGINE_DEVICE_H
#define VIGIE_ENGINE_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "snmp/engine.h"
#include "snmp/plan.h"
#include "snmp/sweep.h"

#define POLL_MAX_COLS_PER_REQ 8
#define POLL_CURSOR_MAX 72 /* a column OID and the longest row index walked */

typedef enum { PH_IDLE, PH_DETECT_SYS, PH_DETECT_PROBE, PH_SCALARS, PH_TABLES, PH_SWEEP, PH_DONE } engine_phase;

/* A scalar OID (GET) or a probe (GETNEXT inside a subtree). */
typedef struct {
    const prof_oid *oid;
    bool done;
    bool have; /* probes: the device holds an object under it */
} engine_slot;

/* A column being walked. Its cursor, the last row index seen, is in the device's `cursors`. */
typedef struct {
    const prof_oid *col;
    bool done;
    uint8_t cur_len; /* 0: the column itself */
    size_t nrows;    /* cells handed to collect this cycle */
} engine_column;

typedef struct {
    poller *owner;
    size_t index;
    const agent_device *cfg; /* the caller's: it outlives the poller */
    netsnmp_session *sess;
    int fd;                  /* its socket, -1 if unknown */
    bool first_sent;         /* its first request of the cycle is out */
    bool has_place;          /* among the POLL_WINDOW devices going on */
    bool parked;             /* its next request waits for a place (it is built when sent) */
    const profile *prof;   /* the first of profs: gives the class */
    const profile *profs[PROF_MAX_COMPOSE]; /* every profile it matched, in precedence order */
    size_t nprofs;
    bool detected;         /* until its sysObjectID changes or it reboots */
    bool forced;           /* its profile is given by agent.yaml: never detected */
    char *soid_text;       /* NULL until read */
    oid *soid;
    size_t soid_len;

    engine_phase phase;
    bool answered, timed_out, no_bulk;
    bool complained; /* a log_limited line was said of it: said again as working once it answers */
    int chunk;

    engine_slot *slots; /* scalars in the plan's order (PH_SCALARS) or probes (PH_DETECT_PROBE) */
    size_t nslots, next_slot;
    uint16_t req_slots[128]; /* max_oids is at most 128 */
    size_t nreq;

    engine_column *cols; /* the plan's columns, in its order */
    size_t ncols;
    oid *cursors;        /* COLLECT_INDEX_MAX per column, while the tables are walked */
    int req_cols[POLL_MAX_COLS_PER_REQ];
    size_t col_next;     /* PH_SWEEP: the column the next request starts from (each gets its turn) */
    sweep *sweep;        /* the cursors of its swept columns, kept across cycles; NULL: none (or --probe) */
    bool sweeping;       /* its sweep began this cycle and its slice is not bounded yet */
    int requests;        /* requests sent this cycle */

    const poll_plan *plan; /* the poller's, shared; NULL until the profile is known */
    collect *coll;         /* its answers, and what its samples need from one cycle to the next */

    int failures;   /* cycles in a row without an answer */
    int skip;       /* cycles left before the next try (backoff) */
    bool skipped;   /* not asked this cycle */
    bool collected; /* its samples of this cycle are out */
} engine_device;

struct poller {
    const profile_set *profiles;
    engine_device *devs;
    size_t ndevs, cap;
    size_t active;   /* devices of the cycle not done yet */
    size_t places;   /* devices past their first answer and not done (at most POLL_WINDOW) */
    size_t nparked;  /* devices waiting for a place */
    size_t *parkq;   /* their indexes, first parked first; a device parks once a cycle at most */
    size_t park_head, park_tail;
    const poll_sink *out;
    int64_t now;
    const prof_oid **probes; /* scratch: the probe OIDs a device being detected is asked */
    size_t maxprobes;
    plan_set *plans; /* one per profile in use, built when a first device needs it */
    bool whole;      /* swept columns are walked whole too (--probe) */
};


/* engine.c: sends a request, or parks it while the window is full; ends the device's cycle (its
 * samples go to the cycle's sink at once). */
void engine_send(engine_device *d, netsnmp_pdu *pdu);
void engine_finish(engine_device *d);


/* engine_device.c: the cycle's first request; the request of the device's phase again (after it was
 * parked); Net-SNMP's callback for each answer or timeout. */
void engine_start(engine_device *d);
void engine_resend(engine_device *d);
int engine_callback(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic);
/* The cursor of column col while the tables are walked (COLLECT_INDEX_MAX sub-identifiers). */
static inline oid *engine_cursor(const engine_device *d, size_t col) { return d->cursors + col * COLLECT_INDEX_MAX; }
/* A GETBULK (GETNEXT) of the next columns not done, from their cursors; false when all are. The
 * normal walk asks the first ones; a sweep asks each in turn (its slice ends at the least advanced). */
bool engine_send_columns(engine_device *d);

/* engine_sweep.c: the slice of the swept columns, after the others (the device is finished when it
 * ends); before the device's samples are made, the slice's bound, the cells past it dropped (nothing
 * when no sweep went on this cycle). */
void engine_start_sweep(engine_device *d);
void engine_sweep_end(engine_device *d);

#endif
