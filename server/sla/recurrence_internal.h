/* recurrence_internal: what recurrence.c (checks, expansion) and recurrence_words.c (the rule in
 * words) share: a rule read by libical after the checks of the subset. Not for other modules. */
#ifndef VIGIE_RECURRENCE_INTERNAL_H
#define VIGIE_RECURRENCE_INTERNAL_H

#include <libical/ical.h>

#include "sla/recurrence.h"

typedef struct {
    struct icalrecurrencetype rt; /* until left as libical read it; expansion bounds it itself */
    bool has_until, until_utc;    /* UNTIL given; ending in Z */
    char text[RECUR_RULE_MAX];    /* the rule in capitals */
} recur_rule;

/* Reads rule within the subset of recurrence.h: VG_E_INVALID (field "rrule") naming the part. */
vg_code recur_parse(const char *rule, recur_rule *r, vg_err *err);

/* Whether a BY list of libical's holds a value. */
static inline bool recur_has(const short *list) { return list[0] != ICAL_RECURRENCE_ARRAY_MAX; }

#endif
