/* plan: from a device's profiles to what it is asked, and where each metric reads its answers.
 *
 * A poll_plan lists the scalar OIDs to GET and the table columns to walk, each once (the metrics of
 * generic.yaml first, then those of each profile the device composes, in precedence order), and for
 * every metric the scalar or column of each of its sources, of its label, precision, divisor and unit
 * and of its filters. It is the same for every device of one composition: a plan_set builds it once per
 * list of profiles, on first use, and devices share it (it was 2.5 kB per device). The engine asks what the plan lists; collect reads the answers through it.
 * Neither changes it. A column is swept (walked a slice a cycle, sweep.h) when only metrics with
 * `sweep: true` read it, each at the same row; any other use (a metric walked whole, a label or filter
 * joined through an index template) has it walked whole every cycle, and a swept metric with a source
 * walked whole so is read whole with all its columns (poll_metric.swept false). */
#ifndef VIGIE_PLAN_H
#define VIGIE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "profile/profile.h"

/* A metric with the scalar (scalar metrics) or the column (table metrics) of each source resolved to
 * its index in the plan; -1 where the metric has no such column (a filter's -1: a test on the row
 * index itself). */
typedef struct {
    const prof_metric *m;
    const profile *prof; /* the profile the metric comes from (NULL: generic.yaml) */
    int src[PROF_MAX_SOURCES];
    int label, precision, divisor; /* precision: a scalar's index for scalar metrics */
    int unit;                      /* unit_from: a scalar, or a column when m->unit_from_column */
    int filter[PROF_MAX_FILTERS];
    bool swept; /* m->sweep, unless a source of it is walked whole anyway (then it is read whole) */
} poll_metric;

typedef struct poll_plan poll_plan;
typedef struct plan_set plan_set;

/* The plans of the profiles of `profiles` (which must outlive the set); none is built yet. NULL when
 * out of memory. */
plan_set *plan_set_new(const profile_set *profiles);
void plan_set_free(plan_set *s);
/* The plan of the devices composing `profs` (n of them, at most PROF_MAX_COMPOSE, in precedence
 * order; none, or generic.yaml's profile: the generic metrics alone), built on first use and owned by
 * the set. */
vg_code plan_set_get(plan_set *s, const profile *const *profs, size_t n, const poll_plan **out, vg_err *err);

/* The first profile the plan was built for, which gives the class (NULL: generic only). */
const profile *plan_profile(const poll_plan *pl);
size_t plan_profile_count(const poll_plan *pl);
const profile *plan_profile_at(const poll_plan *pl, size_t i);
size_t plan_scalar_count(const poll_plan *pl);
const prof_oid *plan_scalar(const poll_plan *pl, size_t i);
size_t plan_column_count(const poll_plan *pl);
const prof_oid *plan_column(const poll_plan *pl, size_t i);
/* Whether column i is swept, and how many are. */
bool plan_column_swept(const poll_plan *pl, size_t i);
size_t plan_swept_count(const poll_plan *pl);
size_t plan_metric_count(const poll_plan *pl);
const poll_metric *plan_metric(const poll_plan *pl, size_t i);

#endif
