/* recurrence: maintenance windows that repeat, an RFC 5545 RRULE subset expanded with libical in a
 * site's time zone.
 *
 * A series is a rule, a zone and its first window [start, end). DTSTART is start's local time in the
 * zone, and every occurrence starts at the local time the rule gives ("FREQ=MONTHLY;BYDAY=1TU" from a
 * Tuesday 09:00 stays 09:00 local across the DST changes) and lasts end - start seconds, the exact
 * duration RFC 5545 gives the occurrences of an event with a DTEND. libical expands local (floating)
 * times only; lib/timeutil turns each into an instant as RFC 5545 3.3.5 reads a local time: one skipped
 * when the clocks go forward is read with the offset before the change (02:30 on the last Sunday of
 * March in Paris is 01:30 UTC, 03:30 summer time), one repeated when they go back is its first, summer
 * time, instance. libical's own zones and their cache are never used; the one piece of libical state
 * that parsing a UTC UNTIL touches (its UTC zone) is set up once under pthread_once. Every function may
 * be called from any thread.
 *
 * The subset: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL (1 to 999), BYDAY (MO to SU; with an ordinal
 * for MONTHLY, +-1 to 5, and YEARLY, +-1 to 53: 1TU, -1FR), BYMONTHDAY (+-1 to 31, not with WEEKLY),
 * BYMONTH (1 to 12), BYSETPOS (+-1 to 366, with another BY part), COUNT (1 to RECUR_COUNT_MAX) or UNTIL
 * (a date, a local date-time or a UTC one ending in Z; inclusive), WKST. Names and values are read
 * case-insensitively and kept in capitals. Anything else (BYHOUR, BYMINUTE, BYSECOND, BYWEEKNO,
 * BYYEARDAY, FREQ=HOURLY, a part twice, a malformed value) is refused with a message naming the part.
 *
 * Bounds: start must be the rule's first occurrence; a series with COUNT or UNTIL ends within
 * RECUR_HORIZON of its start; the shortest gap between two occurrence starts (over RECUR_HORIZON,
 * so every DST change of ten years) is at least the window's length, so that the windows of a series
 * never overlap; one query expands at most RECUR_QUERY_MAX occurrences of a series. */
#ifndef VIGIE_RECURRENCE_H
#define VIGIE_RECURRENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define RECUR_RULE_MAX 256                  /* bytes of a rule, its NUL included */
#define RECUR_COUNT_MAX 3653                /* a daily series for ten years */
#define RECUR_INTERVAL_MAX 999
#define RECUR_HORIZON (3653LL * 86400)      /* ten years */
#define RECUR_QUERY_MAX 2000                /* occurrences of one series in one query: 5 years of days */
#define RECUR_NEVER INT64_MAX               /* last_end of a series without COUNT or UNTIL */

typedef struct {
    int64_t last_end; /* end of the last occurrence; RECUR_NEVER without COUNT or UNTIL */
    int64_t min_gap;  /* shortest start-to-start gap, in seconds; RECUR_NEVER for one occurrence */
    size_t count;     /* occurrences within RECUR_HORIZON of start */
    char rule[RECUR_RULE_MAX]; /* the rule as kept: capitals */
} recur_info;

/* Checks rule as a series whose first window is [start, end) in zone tz and describes it in *info.
 * VG_E_INVALID with a message naming the part at fault (err->field "rrule", or "start"/"end" when
 * the window does not fit the rule). */
vg_code recur_check(const char *rule, const char *tz, int64_t start, int64_t end, recur_info *info, vg_err *err);

/* The starts of the occurrences of the series (rule, tz, [start, end)) whose window meets [from, to),
 * in order, into *starts (malloc'd, free it; NULL when none). *more is set when the series had more
 * than RECUR_QUERY_MAX of them there (the first ones are given). The rule is read again (VG_E_INVALID
 * for one recur_check would refuse); VG_E_NOMEM. */
vg_code recur_expand(const char *rule, const char *tz, int64_t start, int64_t end, int64_t from, int64_t to,
                     int64_t **starts, size_t *n, bool *more, vg_err *err);

/* Whether occ is the start of an occurrence of the series, as the rule gives it. */
bool recur_is_occurrence(const char *rule, const char *tz, int64_t start, int64_t end, int64_t occ);

/* The rule in words in lang "fr" or "en" ("le 1er mardi de chaque mois", "every Monday"); the rule
 * itself when it has no short wording (BYSETPOS, several BYMONTH...), "" for "". */
void recur_describe(const char *rule, const char *lang, char *out, size_t size);

#endif
