/* collect_internal: what the files of the collect step share, not for the rest of the agent.
 *
 *   collect.c        the cycle's answers (compact store), scalar metrics, counters, units, samples
 *   collect_table.c  table metrics: rows looked up by index, filters, labels, joins, aggregates
 *
 * Internal to collect: nothing outside agent/snmp/collect*.c includes it. */
#ifndef VIGIE_COLLECT_INTERNAL_H
#define VIGIE_COLLECT_INTERNAL_H

#include "snmp/collect.h"
#include "snmp/collect_seen.h"

/* An answer kept until the cycle's samples are built: numbers inline, strings in the device's string
 * arena. (A raw_value per answer, with its 256-byte buffer, made the agent's memory grow by half a
 * kilobyte per table cell: 150 MB for 500 devices.) */
typedef struct {
    double number;
    uint64_t counter;
    uint32_t str_off;
    uint16_t str_len;
    uint8_t kind;     /* raw_kind */
    uint8_t asn_type;
} collect_val;

typedef struct {
    bool have;
    collect_val v;
} collect_slot;

/* A table cell: its row index lies in the column's `ids`. */
typedef struct {
    uint32_t idx_off;
    uint16_t len;
    collect_val v;
} collect_row;

typedef struct {
    oid *ids;              /* the row indexes, end to end */
    size_t nids, capids;
    collect_row *rows;     /* in increasing index order: collect_col_find searches them by halves */
    size_t nrows, cap;
} collect_column;

typedef struct {
    char key[NAME_MAX_LEN + INSTANCE_MAX_LEN + 2];
    uint64_t value;
    int64_t at;
} collect_counter;

struct collect {
    char device[NAME_MAX_LEN + 1];
    const poll_plan *plan;       /* shared; NULL: no answers to read */
    collect_slot *slots;         /* the plan's scalars, in its order */
    size_t nslots;
    collect_column *cols;        /* the plan's columns, in its order */
    size_t ncols;
    char *strs;                  /* the string answers of the cycle, NUL-terminated, end to end */
    size_t nstrs, capstrs;
    collect_counter *counters;   /* kept between cycles: the last value of each counter */
    size_t ncounters;
    bool have_uptime, rebooted;
    double last_uptime;
    collect_seen *seen;          /* during collect_emit: the (metric, instance) pairs given */
    char *problems;
    size_t problems_len;
};

/* Where a sample's value was read: the metric, the source that answered and the row. */
typedef struct {
    const poll_metric *pm;
    int src;
    const oid *idx;
    size_t ilen;
} collect_from;

static inline const oid *collect_row_idx(const collect_column *c, const collect_row *r) { return c->ids + r->idx_off; }

/* collect.c */
/* The raw value the converter reads, rebuilt from the compact store. */
const raw_value *collect_raw(const collect *c, const collect_val *v, raw_value *out);
/* Evaluates a metric's sources for one row (idx, ilen; NULL, 0 for a scalar): first valid answer wins,
 * its source's number in *used. */
bool collect_eval(collect *c, const poll_metric *pm, const oid *idx, size_t ilen, const char *instance, int64_t now,
                  conv_result *res, int *used);
/* Hands one sample to out, unless a profile of higher precedence gave the same metric and instance. */
void collect_sample(const collect *c, const poll_sink *out, const char *metric, const char *instance, const char *label,
                    const char *unit, const conv_result *res, bool with_sev, int64_t now, const collect_from *from);
bool collect_metric_has_health(const prof_metric *m);

/* collect_table.c */
/* The row of column c at index idx, or NULL. */
const collect_row *collect_col_find(const collect_column *c, const oid *idx, size_t len);
/* Builds the index of another row from this row's index and a template ("{index.1}"). */
bool collect_join_index(const char *tmpl, const oid *ri, size_t rlen, oid *idx, size_t *ilen);
/* The samples of a table metric: one per kept row, or its aggregate per instance. */
void collect_table(collect *c, const poll_metric *pm, const poll_sink *out, int64_t now);

#endif
