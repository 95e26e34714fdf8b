/* trap_limit: the bounds and the counts of the traps an agent receives, so that a flood costs bounded
 * memory, disk and log lines, and what it drops is counted and shown.
 *
 * Every notification Net-SNMP decodes is counted, in total and per source address, as accepted or
 * dropped with its reason. Two token buckets bound what is accepted: one per source address
 * (agent.yaml trap_source_rate a second, with a burst of TRAP_LIMIT_BURST_S seconds' worth) and one for
 * the whole agent (trap_rate), so that one chatty device cannot crowd out the others, and a flood from
 * many (spoofed) addresses is bounded too. The source table holds TRAP_LIMIT_SOURCES addresses; past
 * it, new addresses share one entry ("other sources") until one idle for TRAP_LIMIT_IDLE_S is reused.
 *
 * Log lines are bounded per period of TRAP_LIMIT_PERIOD_S: at most TRAP_LIMIT_LOG_BURST accepted traps
 * logged one by one, one warning at the period's first drop, and one summary line at its end when
 * something was dropped, refused or left unlogged (the count, the reasons and the source that lost
 * most). The counts are also written to SPOOL_DIR/traps (trap_limit_save), which `vigie-agent
 * --spool-status` prints (trap_limit_print). One thread: the poller's. */
#ifndef VIGIE_TRAP_LIMIT_H
#define VIGIE_TRAP_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

#define TRAP_LIMIT_RATE 200        /* trap_rate default: traps a second, the whole agent */
#define TRAP_LIMIT_SOURCE_RATE 50  /* trap_source_rate default: traps a second, one address */
#define TRAP_LIMIT_BURST_S 10      /* a bucket holds this many seconds of its rate */
#define TRAP_LIMIT_SOURCES 512     /* source addresses counted one by one */
#define TRAP_LIMIT_IDLE_S 3600     /* a source silent this long may give its entry to a new one */
#define TRAP_LIMIT_PERIOD_S 60     /* one summary line at most per period */
#define TRAP_LIMIT_LOG_BURST 10    /* accepted traps logged one by one per period */
#define TRAP_LIMIT_TOP 10          /* sources written to SPOOL_DIR/traps */

typedef enum {
    TRAP_ACCEPTED = 0,
    TRAP_DROP_SOURCE_RATE, /* over trap_source_rate */
    TRAP_DROP_AGENT_RATE,  /* over trap_rate */
    TRAP_DROP_COMMUNITY,   /* v1/v2c: not trap_community */
    TRAP_DROP_MALFORMED,   /* no snmpTrapOID, or no valid sample can be made of it */
    TRAP_DROP_QUEUE,       /* the batch waiting to be pushed is full */
    TRAP_VERDICTS
} trap_verdict;

typedef struct {
    uint64_t received;               /* notifications decoded: accepted + the sum of dropped */
    uint64_t accepted;               /* became a sample */
    uint64_t merged;                 /* accepted, and replaced an earlier sample of its series and second */
    uint64_t dropped[TRAP_VERDICTS]; /* by reason ([TRAP_ACCEPTED] unused) */
    uint64_t refused; /* SNMP messages Net-SNMP could not decode or authenticate (since listening) */
    uint64_t kernel;  /* datagrams the kernel dropped, the socket's buffer full (since listening) */
} trap_counts;

typedef struct trap_limit trap_limit;

/* Rates in traps a second (<= 0: the defaults above). NULL when out of memory. */
trap_limit *trap_limit_new(double agent_rate, double source_rate, double now);
void trap_limit_free(trap_limit *l);

/* Counts a notification received from src ("10.0.0.5") at now; returns its source's handle, for the
 * calls below about the same notification. */
size_t trap_limit_receive(trap_limit *l, const char *src, double now);
/* Takes a token from the source's bucket and the agent's: TRAP_ACCEPTED, or the bound it is over
 * (nothing taken then). Counts nothing: trap_limit_count does. */
trap_verdict trap_limit_admit(trap_limit *l, size_t src, double now);
/* The notification's outcome: accepted, or dropped for v (the period's first drop is logged, once). */
void trap_limit_count(trap_limit *l, size_t src, trap_verdict v);
/* An accepted sample replaced a waiting one of its series and second. */
void trap_limit_merged(trap_limit *l);
/* May an accepted trap be logged on its own line? false past TRAP_LIMIT_LOG_BURST in this period. */
bool trap_limit_may_log(trap_limit *l);
/* The counts kept outside: Net-SNMP's refusals and the kernel's drops, both since listening. */
void trap_limit_set_outside(trap_limit *l, uint64_t refused, uint64_t kernel);
const trap_counts *trap_limit_counts(const trap_limit *l);
/* The received and dropped count of one address (0 when it is not in the table). */
void trap_limit_source_counts(const trap_limit *l, const char *src, uint64_t *received, uint64_t *dropped);

/* Sources (not "other sources") whose counts changed since the last call: fn gets each, and they are
 * then taken as reported. Returns how many were given; fn returns -1 to stop (those left stay changed). */
typedef int (*trap_limit_each_fn)(void *ctx, const char *src, uint64_t received, uint64_t dropped);
size_t trap_limit_report(trap_limit *l, trap_limit_each_fn fn, void *ctx);
bool trap_limit_changed(const trap_limit *l);

/* Ends the period when TRAP_LIMIT_PERIOD_S have passed (or force), logging its summary line when it
 * dropped, refused or left unlogged anything. true when a period ended. */
bool trap_limit_tick(trap_limit *l, double now, bool force);

/* Writes the counts to dir/traps (a temporary file renamed; no fsync: it is only shown). VG_E_IO. */
vg_code trap_limit_save(const trap_limit *l, const char *dir, double now, vg_err *err);
/* Prints what dir/traps holds ("traps: none recorded" without one). VG_E_IO when it cannot be read. */
vg_code trap_limit_print(const char *dir, FILE *out, vg_err *err);

#endif
