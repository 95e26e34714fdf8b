/* profile: device knowledge loaded from the YAML files of mibs/ (see mibs/README.md for the schema).
 *
 * A profile_set holds the vocabulary (mibs/vocabulary.yaml, read by lib/vocab.h) and every profile of
 * a folder, checked against it. Loading stops at the first error; checking (--check-profiles)
 * collects them all with file:line:column. Detection picks a profile from a device's sysObjectID and
 * probe answers. The structures are read by the poller and the converter; only this module builds or
 * frees them (agent/profile/profile_internal.h says which file does what). */
#ifndef VIGIE_PROFILE_H
#define VIGIE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conf.h"
#include "snmp/snmp_value.h"

#define PROF_MAX_SOURCES 8
#define PROF_MAX_LIST 32

typedef struct {
    oid *ids;
    size_t len;
    char *pattern; /* probes only: the first object under ids must be text matching this shell pattern
                    * (sysDescr "Rittal PDU*": one sysObjectID for several kinds of device); NULL: any */
} prof_oid;

typedef struct {
    bool is_string;
    long long code;
    char *code_str;
    char *text;
    severity sev;
    bool has_value;
    double value;
} prof_enum_entry;

typedef struct {
    char *name;
    prof_enum_entry *entries;
    size_t count;
    bool has_default;
    prof_enum_entry dflt;
} prof_enum;

typedef struct prof_source {
    prof_oid oid; /* scalar instance or table column */
    char *mib;
    double scale, offset;
    char *instance; /* scalar sources only: emitted under this instance (per-phase scalars) */
} prof_source;

typedef enum { PROF_TYPE_AUTO = 0, PROF_TYPE_COUNTER, PROF_TYPE_HEXSTRING, PROF_TYPE_LAST_NUMBER, PROF_TYPE_DATE } prof_type;
typedef enum { PROF_AGG_NONE = 0, PROF_AGG_COUNT, PROF_AGG_SUM } prof_aggregate;
typedef enum { PROF_TRANSFORM_NONE = 0, PROF_TRANSFORM_MW_TO_DBM } prof_transform;

/* A list of raw values given in YAML: numbers and/or strings (at most PROF_MAX_LIST). */
typedef struct {
    bool is_string;
    double num;
    char *str;
} prof_value;

typedef struct prof_values {
    size_t count;
    prof_value *items; /* NULL when count is 0: most metrics have no list */
} prof_values;

/* One condition a table row must meet: the value of `column` (at this row, or at the row that
 * `index_tmpl` builds from it), or the text of `index_tmpl` itself when there is no column, must be
 * one of `values`, match `pattern`, or be a number within `range` (bounds included: outlets 33 to 64,
 * where a list of values would be too long). */
typedef struct {
    bool has_column;
    prof_oid column;
    char *index_tmpl;
    prof_values values;
    char *pattern;
    bool has_range;
    double range_min, range_max;
} prof_filter;

#define PROF_MAX_FILTERS 4

typedef struct prof_metric {
    char *name;
    char *unit;
    int line;
    bool is_table;
    prof_source sources[PROF_MAX_SOURCES];
    size_t nsources;
    prof_type type;
    const prof_enum *en;
    prof_values absent;
    bool has_range;
    double range_lo, range_hi;
    bool has_warn_below, has_crit_below, has_warn_above, has_crit_above;
    double warn_below, crit_below, warn_above, crit_above;
    /* tables */
    char *instance_tmpl;
    bool has_label;
    prof_oid label_col;
    char *label_index_tmpl;
    prof_filter filters[PROF_MAX_FILTERS];
    size_t nfilters;
    bool has_precision;
    prof_oid precision_col;
    bool has_divisor;
    prof_oid divisor_col;
    prof_aggregate aggregate;
    bool sweep; /* `sweep: true`: its columns are walked a slice a cycle (agent.yaml sweep_requests) */
    prof_transform transform;
    bool multi_instance; /* scalar metric whose sources carry their own instance */
    /* scalar metrics may take their decimals from a scalar (precision: {oid}) */
    bool precision_scalar;
    /* unit_from: the device says which unit the value is in (a scalar, or a column of the row) */
    bool has_unit_from;
    bool unit_from_column;
    prof_oid unit_oid;
    char *unit_index_tmpl;   /* column only: the row of the unit column, built from this row's index */
    prof_values unit_codes;  /* raw codes, and the unit each stands for (same order) */
    char **unit_names;
} prof_metric;

/* A trap (or inform) the profile understands, from its `traps:` section: the notification's
 * snmpTrapOID (a v1 trap is matched as enterprise.0.specific, RFC 3584) gives one sample. */
typedef struct prof_trap {
    prof_oid oid;
    char *mib;
    char *metric;
    char *unit;           /* the vocabulary's */
    double value;
    char *text;           /* "" when not given */
    severity sev;
    char *instance;       /* fixed instance ("" when not given) */
    bool has_instance_varbind;
    prof_oid instance_varbind; /* else: the instance is the index of the varbind under this OID */
    int line;
} prof_trap;

typedef struct profile {
    char *name;
    char *cls;
    char *description;
    char *file;
    int priority;
    bool match_any;          /* match.require: any — sysObjectID or probe, not both */
    char **supersedes;       /* profiles this one replaces when both match a device */
    size_t nsupersedes;
    prof_oid *match_soid;
    size_t nmatch_soid;
    prof_oid *probes;
    size_t nprobes;
    prof_enum *enums;
    size_t nenums;
    prof_metric *metrics;
    size_t nmetrics;
    prof_trap *traps;
    size_t ntraps;
} profile;

typedef struct profile_set profile_set;

/* Loads dir/vocabulary.yaml and every other .yaml file of dir. NULL on the first error. */
profile_set *profile_set_load(const char *dir, vg_err *err);
/* Checks every file and prints the first problem of each to `out`; returns the number of files with a
 * problem. */
int profile_set_check(const char *dir, FILE *out);
void profile_set_free(profile_set *set);

size_t profile_set_count(const profile_set *set);
const profile *profile_set_at(const profile_set *set, size_t i);
const profile *profile_set_find(const profile_set *set, const char *name);
/* The profile every device gets on top of its own (generic.yaml); may be NULL. */
const profile *profile_set_generic(const profile_set *set);
/* The vocabulary the set was checked against (device classes, metric names and units): vocab.h. */
struct vocab;
const struct vocab *profile_set_vocab(const profile_set *set);

/* Detection. `probe_ok(ctx, oid)` says whether the device holds an object under a probe OID (whose
 * text matches the probe's pattern when it has one). */
typedef bool (*profile_probe_fn)(void *ctx, const prof_oid *probe);
/* The most precise profile of those that match (the first of profile_set_detect_all), or NULL. */
const profile *profile_set_detect(const profile_set *set, const oid *sys_object_id, size_t len,
                                  profile_probe_fn probe_ok, void *ctx);
/* Every profile that matches, at most `max`, in precedence order: highest priority, then longest
 * sysObjectID prefix, then name; a profile another matched one supersedes is left out. The first
 * gives the device its class; where two give the same metric and instance, the earlier one wins. */
#define PROF_MAX_COMPOSE 8
size_t profile_set_detect_all(const profile_set *set, const oid *sys_object_id, size_t len,
                              profile_probe_fn probe_ok, void *ctx, const profile **out, size_t max);
/* Whether two probes ask the same (OID and pattern). */
bool prof_probe_same(const prof_oid *a, const prof_oid *b);
/* The probe OIDs profile_set_detect may ask about for this sysObjectID: those of the profiles it does
 * not rule out, each OID once, at most `max` (pointers into the set). Only these need asking. */
size_t profile_set_probes(const profile_set *set, const oid *sys_object_id, size_t len, const prof_oid **out,
                          size_t max);
/* The number of probe OIDs of all profiles: enough for any profile_set_probes. */
size_t profile_set_probe_count(const profile_set *set);
/* Calls fn for every OID the profiles of the set read or match: sysObjectID patterns, probes, and each
 * metric's sources, label, filter, precision and divisor columns (not trap OIDs, which are never asked).
 * An OID may come more than once. --record walks the subtrees they lie in. */
void profile_set_each_oid(const profile_set *set, void (*fn)(void *ctx, const oid *o, size_t len), void *ctx);

/* The trap declaration of profile p for a notification OID, or NULL. */
const prof_trap *profile_find_trap(const profile *p, const oid *trap_oid, size_t len);

/* How a value in unit `from` is written in unit `to`: to = from * mul + add. -1 when the two are not
 * the same quantity or a unit is unknown (degF, K, mV, kW, Wh, min, kPa ... : profile_unit.c). */
int profile_unit_factor(const char *from, const char *to, double *mul, double *add);

/* Expands an instance/label-index template ("L{index}", "{index.2}") for a row index. */
int profile_expand_index(const char *tmpl, const oid *index, size_t len, char *out, size_t size);

#endif
