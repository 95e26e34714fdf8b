/* profile_internal: what the files of agent/profile/ share, not for the rest of the agent.
 *
 *   profile_set.c     a folder: the vocabulary and every profile, loading and --check-profiles
 *   profile_read.c    one file: class, match, enums, traps (and the small readers the others use)
 *   profile_metric.c  one metric: sources, type, thresholds, table keys
 *   profile_detect.c  detection, probes, traps by OID, instance templates
 *   profile_unit.c    units a device may report in, and a metric's unit_from
 *
 * Reading stops at a file's first error, reported with file:line:column (conf.h); allocation
 * failures abort: a profile that cannot be held in memory is not worth limping on. */
#ifndef VIGIE_PROFILE_INTERNAL_H
#define VIGIE_PROFILE_INTERNAL_H

#include "profile/profile.h"
#include "vocab.h"

char *prof_strdup(const char *s);
void *prof_calloc(size_t n, size_t size);
void prof_oid_free(prof_oid *o);
/* Text that goes into samples must be what the server accepts in a push (names.h). */
int prof_check_text(const conf_doc *d, const conf_node *n, const char *key, const char *s, size_t max,
                    vg_err *err);
int prof_read_oid(const conf_doc *d, const conf_node *n, const char *key, prof_oid *out, vg_err *err);
int prof_read_values(const conf_doc *d, const conf_node *n, const char *key, prof_values *v, vg_err *err);
void prof_values_free(prof_values *v);
const prof_enum *prof_find_enum(const profile *p, const char *name);

/* One metric of profile p (its enums already read); `vocabulary` NULL: names and units not checked. */
int prof_read_metric(const vocab *vocabulary, const conf_doc *d, const conf_node *kn, const conf_node *n, profile *p,
                     prof_metric *m, vg_err *err);
/* A metric's unit_from (m->unit already set); freeing what it read. */
int prof_read_unit_from(const conf_doc *d, const conf_node *n, prof_metric *m, vg_err *err);
void prof_unit_from_free(prof_metric *m);
/* One profile document into p (cleared by profile_clear, also after an error). */
int profile_read(const vocab *vocabulary, const conf_doc *d, const char *path, profile *p, vg_err *err);
void profile_clear(profile *p);

#endif
