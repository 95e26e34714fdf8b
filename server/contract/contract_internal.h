/* contract_internal: the structures behind contract.h's opaque types, shared by the files of
 * server/contract/ only (the calendar arithmetic, the configuration reader, the month). */
#ifndef VIGIE_CONTRACT_INTERNAL_H
#define VIGIE_CONTRACT_INTERNAL_H

#include "contract/contract.h"

#define CAL_DAY 86400

typedef struct {
    int from, to; /* seconds since local midnight, wall clock: [from, to), to at most 24:00 */
} cal_range;

struct contract_calendar {
    char name[NAME_MAX_LEN + 1];
    char timezone[64];
    bool always;                       /* the built-in 24x7: every real second counts */
    cal_range ranges[7][CONTRACT_MAX_RANGES]; /* by tm_wday (0: Sunday), sorted, disjoint */
    size_t nranges[7];
    bool fr;                           /* French public holidays */
    int32_t dates[CONTRACT_MAX_HOLIDAYS]; /* explicit holidays as YYYYMMDD, sorted */
    size_t ndates;
};

struct contract_class {
    char name[NAME_MAX_LEN + 1];
    char fr[CONTRACT_LABEL_MAX];
    char en[CONTRACT_LABEL_MAX];
    double target;
    int64_t gtr;
    double penalty_per_hour;
    double penalty_cap;                /* < 0: none */
    const contract_calendar *calendar; /* into the set */
};

struct contract_set {
    contract_calendar *calendars;      /* [0] is the built-in 24x7 */
    size_t ncalendars;
    contract_class *classes;
    size_t nclasses;
};

/* "08:00-12:00 14:00-18:00" into sorted disjoint ranges; a message in msg (size bytes) on failure. */
int cal_parse_ranges(const char *s, cal_range *out, size_t max, size_t *n, char *msg, size_t size);
/* "2026-12-24" into 20261224; -1 when malformed or not a date. */
int32_t cal_parse_date(const char *s);

#endif
