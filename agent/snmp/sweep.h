/* sweep: the slow walk of a device's swept columns (profile key `sweep: true`), a slice a cycle.
 *
 * An OLT of 4,000 ONTs has per-ONT columns of 4,000 rows: walked whole every cycle, a few of them
 * take hundreds of requests and would stretch the agent's cycle towards its interval. A sweep walks
 * them from a cursor kept per device from one cycle to the next, with at most `budget` requests a
 * cycle (agent.yaml sweep_requests); once every swept column has reached its end the pass is complete,
 * and the next cycle starts a new one from the first row (a small table is so read whole each cycle).
 * A cycle gives the rows of its slice, stamped with that cycle's time; the other metrics are walked
 * whole as before.
 *
 * The columns of a slice must end at the same row, so that each row given has every swept cell it
 * needs (its value, a same-row filter or divisor): at the end of a cycle the slice ends at the
 * smallest cursor of the columns not at their end (sweep_end); cells read beyond it, in the other
 * columns, are dropped (collect_trim) and read again next cycle. Columns of one table asked in one
 * GETBULK advance together, so this normally drops nothing.
 *
 * The engine walks (engine_device.c); this keeps the cursors, counts the requests and bounds the slice.
 * Its memory is fixed when it is made (COLLECT_INDEX_MAX sub-identifiers a column), whatever the
 * number of cycles. It needs no session: a test drives it. */
#ifndef VIGIE_SWEEP_H
#define VIGIE_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "snmp/plan.h"
#include "snmp/snmp_value.h"

#define SWEEP_REQUESTS_MAX 1000

typedef struct sweep sweep;

/* The sweep of plan pl's swept columns (plan_swept_count of them, at least one), at most `budget`
 * requests a cycle, a request asking at most `per_request` columns. The budget is raised to what one
 * row of every column needs (ceil(columns / per_request)) and bounded by SWEEP_REQUESTS_MAX. NULL when
 * out of memory or when the plan has no swept column. */
sweep *sweep_new(const poll_plan *pl, int budget, size_t per_request);
void sweep_free(sweep *s);

/* The swept columns: how many, and the plan's index of the k-th. */
size_t sweep_count(const sweep *s);
size_t sweep_column(const sweep *s, size_t k);
int sweep_budget(const sweep *s);

/* Back to the first row: the next cycle starts a new pass (the device rebooted). */
void sweep_reset(sweep *s);

/* A cycle: sweep_begin starts its count of requests (after a complete pass, from the first row);
 * sweep_may_send says whether the budget allows another, sweep_sent counts one that went out. */
void sweep_begin(sweep *s);
bool sweep_may_send(const sweep *s);
void sweep_sent(sweep *s);
int sweep_requests(const sweep *s);

/* Column k's cursor: the last row index read (len 0: before the first row), and whether the walk
 * reached the column's end in this pass. */
const oid *sweep_cursor(const sweep *s, size_t k, size_t *len);
bool sweep_at_end(const sweep *s, size_t k);
/* Where the cycle's walk left column k (len at most COLLECT_INDEX_MAX). */
void sweep_move(sweep *s, size_t k, const oid *idx, size_t len, bool at_end);

/* Ends the cycle's slice. True with the bound in bound/blen (COLLECT_INDEX_MAX room) when a column is
 * not at its end: the cursors past the bound go back to it, and the cells after it must be dropped.
 * False when every column reached its end: the pass is complete, and the next sweep_begin starts
 * another. */
bool sweep_end(sweep *s, oid *bound, size_t *blen);
/* Whether column k was beyond the bound sweep_end returned (its cells after the bound must go). */
bool sweep_was_cut(const sweep *s, size_t k);
/* Passes completed since the sweep was made, and the cycles the last complete one took. */
unsigned long sweep_passes(const sweep *s);
unsigned sweep_pass_cycles(const sweep *s);

#endif
