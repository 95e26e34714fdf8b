/* collect: a device's answers of one cycle become its samples.
 *
 * The engine hands each answer over already decoded (snmp_value.h's raw values): a scalar's, or a
 * table cell's with its row index. When the device is done, collect_emit turns them into normalised
 * samples through the device's plan: `device.reachable` first (so a silent device is a 0, not a gap),
 * then each metric, its sources tried in order through snmp_value_convert ("absent" sentinels, range,
 * scale, enums, health), with counters made rates (wraps of 32-bit counters, resets), ENTITY-SENSOR
 * precision and per-row divisors, the device's own unit (unit_from), row filters and labels, aggregates
 * (count or sum of the kept rows per instance), and `device.reboot` when the uptime goes back. A
 * device's plan may compose several profiles: of two samples with the same metric and instance, the
 * first (the profile of higher precedence) is kept. A swept column (sweep.h) holds one slice of its
 * rows a cycle, and its metrics give those rows. A collect belongs to one device and
 * keeps between cycles what rates and reboots need. It needs no Net-SNMP session: a test feeds it
 * answers of its own. */
#ifndef VIGIE_COLLECT_H
#define VIGIE_COLLECT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "push.h"
#include "snmp/plan.h"
#include "snmp/snmp_value.h"

/* Row indexes longer than this are never stored. The longest seen: AVTECH Room Alert MAX channels,
 * indexed by a string of up to 56 sub-identifiers. */
#define COLLECT_INDEX_MAX 64

/* Where a cycle's samples go, device by device: the device's description, then its samples. Samples
 * are handed over one at a time so that a cycle of a large site is never held in memory whole. */
typedef struct {
    void *ctx;
    int (*device)(void *ctx, const char *name, const char *cls, const char *prof);
    int (*sample)(void *ctx, const push_sample *s); /* -1: not taken (it is logged and dropped) */
    /* optional (--probe): right after a sample was taken, the profile and the OID (with its row
     * index) it was read from */
    void (*origin)(void *ctx, const char *profile, const char *oid);
} poll_sink;

/* A sink that appends to a batch (--probe, tests). */
poll_sink poll_sink_batch(push_batch *b);

typedef struct collect collect;

/* The collect of device `device` (a name push_sample_set takes). NULL when out of memory. */
collect *collect_new(const char *device);
void collect_free(collect *c);

/* Starts a cycle's answers for `plan` (NULL: none; then only device.reachable can be given): the
 * previous answers are forgotten, what rates and reboots need is kept. VG_E_NOMEM leaves no plan. */
vg_code collect_begin(collect *c, const poll_plan *plan, vg_err *err);
/* The answer of the plan's scalar i. A value of kind RAW_NONE (an exception) is no answer. */
vg_code collect_scalar(collect *c, size_t i, const raw_value *v, vg_err *err);
/* The cell of the plan's column col at row `index` (1 to COLLECT_INDEX_MAX sub-identifiers). Rows
 * come in increasing index order, as a walk gives them: VG_E_INVALID for one that does not. */
vg_code collect_cell(collect *c, size_t col, const oid *index, size_t len, const raw_value *v, vg_err *err);
/* The same, the scalar or the column found from the answer's OID (VG_E_NOT_FOUND: the plan asks
 * nothing of the kind). */
vg_code collect_answer(collect *c, const oid *name, size_t len, const raw_value *v, vg_err *err);
/* Drops the cells of column col after row `bound` (a sweep's slice ends there: sweep.h). */
void collect_trim(collect *c, size_t col, const oid *bound, size_t len);
/* The cells of column col held this cycle. */
size_t collect_rows(const collect *c, size_t col);

/* Hands the device's description (class `cls`, profile `prof`, "" for none) and its samples stamped
 * `now` to out: device.reachable as `answered` says, and when it answered, the metrics of the answers.
 * Problems found on the way replace those of the last cycle. The answers stay until collect_drop. */
void collect_emit(collect *c, const char *cls, const char *prof, bool answered, const poll_sink *out, int64_t now);
/* Whether the last collect_emit found that the device rebooted (its uptime went back). */
bool collect_rebooted(const collect *c);
/* Gives the memory of the cycle's answers back; collect_begin starts the next cycle. */
void collect_drop(collect *c);

/* Values the last collect_emit rejected as out of range or unreadable, as
 * "metric[instance] ... (why)" lines; "" when none. */
const char *collect_problems(const collect *c);

#endif
