/* plan: from a profile to what its devices are asked, and where each metric reads its answers.
 *
 * A poll_plan lists the scalar OIDs to GET and the table columns to walk, each once (the metrics of
 * generic.yaml first, then the profile's own), and for every metric the scalar or column of each of
 * its sources, of its label, precision and divisor columns and of its filters. It is the same for every
 * device of a profile: a plan_set builds it once per profile, on first use, and devices share it (it
 * was 2.5 kB per device). The engine asks what the plan lists; collect reads the answers through it.
 * Neither changes it. */
#ifndef VIGIE_PLAN_H
#define VIGIE_PLAN_H

#include <stddef.h>

#include "error.h"
#include "profile/profile.h"

/* A metric with the scalar (scalar metrics) or the column (table metrics) of each source resolved to
 * its index in the plan; -1 where the metric has no such column (a filter's -1: a test on the row
 * index itself). */
typedef struct {
    const prof_metric *m;
    int src[PROF_MAX_SOURCES];
    int label, precision, divisor;
    int filter[PROF_MAX_FILTERS];
} poll_metric;

typedef struct poll_plan poll_plan;
typedef struct plan_set plan_set;

/* The plans of the profiles of `profiles` (which must outlive the set); none is built yet. NULL when
 * out of memory. */
plan_set *plan_set_new(const profile_set *profiles);
void plan_set_free(plan_set *s);
/* The plan of the devices of `prof` (NULL, or generic.yaml's profile: the generic metrics alone),
 * built on first use and owned by the set. */
vg_code plan_set_get(plan_set *s, const profile *prof, const poll_plan **out, vg_err *err);

/* The profile the plan was built for (NULL: generic only). */
const profile *plan_profile(const poll_plan *pl);
size_t plan_scalar_count(const poll_plan *pl);
const prof_oid *plan_scalar(const poll_plan *pl, size_t i);
size_t plan_column_count(const poll_plan *pl);
const prof_oid *plan_column(const poll_plan *pl, size_t i);
size_t plan_metric_count(const poll_plan *pl);
const poll_metric *plan_metric(const poll_plan *pl, size_t i);

#endif
