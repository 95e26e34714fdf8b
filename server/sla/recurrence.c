#include "config.h"
#include "sla/recurrence_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

/* The rule's checks and its expansion (recurrence.h); the rule in words is in recurrence_words.c. */

#define RECUR_T_MAX 253402300799LL /* 9999-12-31T23:59:59Z: the API's last instant */

/* ---- reading a rule ------------------------------------------------------------------------- */

/* The parts of the subset and the shape of their values. libical 3.0 reads some malformed rules
 * without a word ("COUNT=3x" as 3, "COUNT=0" as no count, a part after ";;" dropped, BYMONTH=13 as a
 * leap month), so each part's shape is checked here before libical reads its value. */
typedef enum { RS_WORD, RS_UINT, RS_UNTIL, RS_DAYS, RS_INTS } recur_shape;

static const struct {
    const char *name;
    recur_shape shape;
    int digits, max; /* RS_UINT: at most digits digits, 1 to max; RS_DAYS/RS_INTS: digits of an item */
} recur_parts[] = {
    {"FREQ", RS_WORD, 0, 0},      {"INTERVAL", RS_UINT, 3, RECUR_INTERVAL_MAX}, {"COUNT", RS_UINT, 4, RECUR_COUNT_MAX},
    {"UNTIL", RS_UNTIL, 0, 0},    {"WKST", RS_WORD, 0, 0},                      {"BYDAY", RS_DAYS, 2, 0},
    {"BYMONTHDAY", RS_INTS, 2, 0}, {"BYMONTH", RS_INTS, 2, 0},                  {"BYSETPOS", RS_INTS, 3, 0},
};
#define RECUR_NPARTS (sizeof recur_parts / sizeof recur_parts[0])

/* Parts of RFC 5545 left out of the subset, with the reason a person reads. */
static const char *const recur_refused[][2] = {
    {"BYHOUR", "a window starts at its start's time of day"},
    {"BYMINUTE", "a window starts at its start's time of day"},
    {"BYSECOND", "a window starts at its start's time of day"},
    {"BYWEEKNO", "use BYDAY and BYMONTH"},
    {"BYYEARDAY", "use BYMONTH and BYMONTHDAY"},
    {"RSCALE", "the calendar is the Gregorian one"},
    {"SKIP", "the calendar is the Gregorian one"},
};

static pthread_once_t recur_once = PTHREAD_ONCE_INIT;

/* libical sets up its UTC zone (and reads its list of zones) the first time a UTC time is parsed,
 * without a lock: done once here before any thread parses an UNTIL ending in Z. */
static void recur_init(void) { (void)icaltimezone_get_utc_timezone(); }

static bool recur_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* One item of a BYDAY list ([+-][n]WD) or of a number list ([+-]n). */
static bool recur_item_ok(const char *s, size_t n, recur_shape shape, int digits)
{
    if (n && (*s == '+' || *s == '-')) {
        s++;
        n--;
    }
    size_t letters = shape == RS_DAYS ? 2 : 0;
    if (n < letters || n - letters > (size_t)digits || (shape == RS_INTS && n == 0) || !recur_digits(s, n - letters))
        return false;
    for (size_t i = n - letters; i < n; i++)
        if (!isupper((unsigned char)s[i]))
            return false;
    return true;
}

static bool recur_value_ok(const char *v, size_t n, size_t part)
{
    recur_shape shape = recur_parts[part].shape;
    switch (shape) {
    case RS_WORD:
        for (size_t i = 0; i < n; i++)
            if (!isupper((unsigned char)v[i]))
                return false;
        return n > 0 && n <= 10;
    case RS_UINT: {
        if (n == 0 || n > (size_t)recur_parts[part].digits || !recur_digits(v, n))
            return false;
        int x = atoi(v);
        return x >= 1 && x <= recur_parts[part].max;
    }
    case RS_UNTIL:
        return (n == 8 && recur_digits(v, 8)) ||
               ((n == 15 || (n == 16 && v[15] == 'Z')) && recur_digits(v, 8) && v[8] == 'T' && recur_digits(v + 9, 6));
    default:
        break;
    }
    for (const char *p = v, *e = v + n; p <= e;) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        size_t len = c ? (size_t)(c - p) : (size_t)(e - p);
        if (!recur_item_ok(p, len, shape, recur_parts[part].digits))
            return false;
        p += len + 1;
    }
    return true;
}

/* libical's reading of one part alone, so that a value it refuses is named. */
static bool recur_part_reads(const char *part, size_t n, bool freq)
{
    char one[RECUR_RULE_MAX + 16];
    snprintf(one, sizeof one, "%s%.*s", freq ? "" : "FREQ=YEARLY;", (int)n, part);
    struct icalrecurrencetype rt = icalrecurrencetype_from_string(one);
    return rt.freq != ICAL_NO_RECURRENCE;
}

/* The parts of text (orig in capitals) one by one: known, once each, of the right shape, read by
 * libical. A value refused is quoted as it was given. */
static vg_code recur_lex(const char *text, const char *orig, recur_rule *r, vg_err *err)
{
    unsigned seen = 0;
    for (const char *p = text;;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (len == 0)
            return vg_fail_field(err, VG_E_INVALID, "rrule", "an empty part (';' at the start or the end, or twice)");
        if (!eq)
            return vg_fail_field(err, VG_E_INVALID, "rrule", "%.*s: a part is NAME=VALUE", (int)len, p);
        size_t nlen = (size_t)(eq - p), vlen = len - nlen - 1;
        const char *given = orig + (eq + 1 - text);
        size_t k = 0;
        while (k < RECUR_NPARTS && (strlen(recur_parts[k].name) != nlen || strncmp(recur_parts[k].name, p, nlen) != 0))
            k++;
        if (k == RECUR_NPARTS) {
            for (size_t i = 0; i < sizeof recur_refused / sizeof recur_refused[0]; i++)
                if (strlen(recur_refused[i][0]) == nlen && strncmp(recur_refused[i][0], p, nlen) == 0)
                    return vg_fail_field(err, VG_E_INVALID, "rrule", "%s is not supported: %s", recur_refused[i][0],
                                         recur_refused[i][1]);
            return vg_fail_field(err, VG_E_INVALID, "rrule",
                                 "%.*s is not a part of the supported RRULE subset (FREQ, INTERVAL, BYDAY, BYMONTHDAY,"
                                 " BYMONTH, BYSETPOS, COUNT, UNTIL, WKST)", (int)nlen, p);
        }
        if (seen & (1u << k))
            return vg_fail_field(err, VG_E_INVALID, "rrule", "%s is given twice", recur_parts[k].name);
        seen |= 1u << k;
        if (recur_parts[k].shape == RS_UINT && (vlen == 0 || vlen > 6 || !recur_digits(eq + 1, vlen) ||
                                                atoi(eq + 1) < 1 || atoi(eq + 1) > recur_parts[k].max))
            return vg_fail_field(err, VG_E_INVALID, "rrule", "%s: a whole number from 1 to %d, not '%.*s'",
                                 recur_parts[k].name, recur_parts[k].max, (int)vlen, given);
        if (!recur_value_ok(eq + 1, vlen, k) || !recur_part_reads(p, len, k == 0))
            return vg_fail_field(err, VG_E_INVALID, "rrule", "%s: '%.*s' is not a valid value", recur_parts[k].name,
                                 (int)vlen, given);
        if (k == 3) {
            r->has_until = true;
            r->until_utc = vlen == 16;
        }
        if (!semi)
            break;
        p = semi + 1;
    }
    if (!(seen & 1u))
        return vg_fail_field(err, VG_E_INVALID, "rrule", "FREQ is required (DAILY, WEEKLY, MONTHLY or YEARLY)");
    if ((seen & (1u << 2)) && (seen & (1u << 3)))
        return vg_fail_field(err, VG_E_INVALID, "rrule", "COUNT and UNTIL exclude each other: give one");
    return VG_OK;
}

/* What RFC 5545 forbids, or the subset leaves out, in a rule libical read. */
static vg_code recur_semantics(const struct icalrecurrencetype *rt, vg_err *err)
{
    if (rt->freq < ICAL_DAILY_RECURRENCE || rt->freq > ICAL_YEARLY_RECURRENCE)
        return vg_fail_field(err, VG_E_INVALID, "rrule", "FREQ=%s is not supported: DAILY, WEEKLY, MONTHLY or YEARLY",
                             icalrecur_freq_to_string(rt->freq));
    bool monthly = rt->freq == ICAL_MONTHLY_RECURRENCE, yearly = rt->freq == ICAL_YEARLY_RECURRENCE;
    for (int i = 0; i < ICAL_BY_DAY_SIZE && rt->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
        int pos = icalrecurrencetype_day_position(rt->by_day[i]);
        if (pos && !monthly && !yearly)
            return vg_fail_field(err, VG_E_INVALID, "rrule",
                                 "BYDAY: an ordinal (1TU, -1FR) goes with FREQ=MONTHLY or YEARLY only");
        if (monthly && (pos > 5 || pos < -5))
            return vg_fail_field(err, VG_E_INVALID, "rrule", "BYDAY: a month has at most 5 of a weekday (1 to 5, -1 to -5)");
    }
    if (recur_has(rt->by_month_day) && rt->freq == ICAL_WEEKLY_RECURRENCE)
        return vg_fail_field(err, VG_E_INVALID, "rrule", "BYMONTHDAY does not go with FREQ=WEEKLY");
    for (int i = 0; i < ICAL_BY_MONTHDAY_SIZE && rt->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
        if (rt->by_month_day[i] == 0 || rt->by_month_day[i] > 31 || rt->by_month_day[i] < -31)
            return vg_fail_field(err, VG_E_INVALID, "rrule", "BYMONTHDAY: 1 to 31, or -1 (the last day) to -31");
    for (int i = 0; i < ICAL_BY_MONTH_SIZE && rt->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
        if (icalrecurrencetype_month_is_leap(rt->by_month[i]) || icalrecurrencetype_month_month(rt->by_month[i]) < 1 ||
            icalrecurrencetype_month_month(rt->by_month[i]) > 12)
            return vg_fail_field(err, VG_E_INVALID, "rrule", "BYMONTH: a month from 1 to 12");
    if (recur_has(rt->by_set_pos) && !recur_has(rt->by_day) && !recur_has(rt->by_month_day) && !recur_has(rt->by_month))
        return vg_fail_field(err, VG_E_INVALID, "rrule", "BYSETPOS picks among the days of another BY part: add one");
    for (int i = 0; i < ICAL_BY_SETPOS_SIZE && rt->by_set_pos[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
        if (rt->by_set_pos[i] == 0 || rt->by_set_pos[i] > 366 || rt->by_set_pos[i] < -366)
            return vg_fail_field(err, VG_E_INVALID, "rrule", "BYSETPOS: 1 to 366, or -1 (the last) to -366");
    return VG_OK;
}

vg_code recur_parse(const char *rule, recur_rule *r, vg_err *err)
{
    memset(r, 0, sizeof *r);
    size_t n = rule ? strlen(rule) : 0;
    if (n == 0 || n >= RECUR_RULE_MAX)
        return vg_fail_field(err, VG_E_INVALID, "rrule", "a rule of 1 to %d characters, such as FREQ=MONTHLY;BYDAY=1TU",
                             RECUR_RULE_MAX - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)rule[i];
        if (!isalnum(c) && !strchr(";=,+-", c))
            return vg_fail_field(err, VG_E_INVALID, "rrule", "character %zu ('%c') has no place in a rule", i + 1,
                                 isprint(c) ? c : '?');
        r->text[i] = (char)toupper(c);
    }
    pthread_once(&recur_once, recur_init);
    vg_code rc = recur_lex(r->text, rule, r, err);
    if (rc != VG_OK)
        return rc;
    r->rt = icalrecurrencetype_from_string(r->text);
    if (r->rt.freq == ICAL_NO_RECURRENCE)
        return vg_fail_field(err, VG_E_INVALID, "rrule", "libical cannot read this rule");
    return recur_semantics(&r->rt, err);
}

/* ---- local times and instants ------------------------------------------------------------- */

static struct icaltimetype recur_local(const char *tz, int64_t t)
{
    struct tm tm;
    time_zone_localtime(tz, t, &tm);
    struct icaltimetype l = icaltime_null_time();
    l.year = tm.tm_year + 1900;
    l.month = tm.tm_mon + 1;
    l.day = tm.tm_mday;
    l.hour = tm.tm_hour;
    l.minute = tm.tm_min;
    l.second = tm.tm_sec;
    return l;
}

/* A local time of tz as an instant (time_zone_mktime: a skipped time with the offset before the
 * change, a repeated one as its first instance). */
static int64_t recur_instant(const char *tz, struct icaltimetype l, int add_days)
{
    struct tm tm = {.tm_year = l.year - 1900, .tm_mon = l.month - 1, .tm_mday = l.day + add_days, .tm_hour = l.hour,
                    .tm_min = l.minute, .tm_sec = l.second, .tm_isdst = -1};
    return time_zone_mktime(tz, &tm);
}

/* The last instant an occurrence may start at under UNTIL (inclusive): a date is its whole day. */
static int64_t recur_until(const recur_rule *r, const char *tz)
{
    if (!r->has_until)
        return RECUR_NEVER;
    struct icaltimetype u = r->rt.until;
    if (u.is_date) {
        u.hour = u.minute = u.second = 0;
        return recur_instant(tz, u, 1) - 1;
    }
    return recur_instant(r->until_utc ? "UTC" : tz, u, 0);
}

/* An iterator over the local starts of r from DTSTART dt that stops by itself after the local time of
 * `last` (a day later, so that no DST change cuts an occurrence the caller wants). */
static icalrecur_iterator *recur_iter(const recur_rule *r, const char *tz, struct icaltimetype dt, int64_t last)
{
    struct icalrecurrencetype rt = r->rt;
    rt.until = recur_local(tz, last < RECUR_T_MAX - 2 * 86400 ? last + 86400 : RECUR_T_MAX);
    return icalrecur_iterator_new(rt, dt);
}

static void recur_hours(int64_t s, char *out, size_t size)
{
    snprintf(out, size, "%" PRId64 " h %02" PRId64 " min", s / 3600, s % 3600 / 60);
}

/* ---- the checks of a new series ------------------------------------------------------------ */

typedef struct {
    size_t count;
    int64_t last, min_gap;
} recur_walk;

/* Walks the occurrences of the series from start to `last` (inclusive): start must be the first. */
static vg_code recur_walk_all(const recur_rule *r, const char *tz, int64_t start, int64_t last, recur_walk *w,
                              vg_err *err)
{
    struct icaltimetype dt = recur_local(tz, start);
    icalrecur_iterator *it = recur_iter(r, tz, dt, last);
    if (!it) /* libical knows it gives none: February 30 */
        return vg_fail_field(err, VG_E_INVALID, "rrule", "the rule gives no occurrence");
    vg_code rc = VG_OK;
    *w = (recur_walk){0, start, RECUR_NEVER};
    for (;;) {
        struct icaltimetype l = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(l))
            break;
        int64_t t = recur_instant(tz, l, 0);
        if (t > last || w->count > RECUR_COUNT_MAX)
            break;
        if (w->count == 0 && t != start) {
            rc = icaltime_compare(l, dt) == 0
                     ? vg_fail_field(err, VG_E_INVALID, "start",
                                     "is the second %02d:%02d of the night the clocks go back: a series reads a"
                                     " repeated local time as its first (summer time) instance", l.hour, l.minute)
                     : vg_fail_field(err, VG_E_INVALID, "start",
                                     "is not the rule's first occurrence: from start, the rule's first is"
                                     " %04d-%02d-%02dT%02d:%02d", l.year, l.month, l.day, l.hour, l.minute);
            break;
        }
        if (w->count && t - w->last < w->min_gap)
            w->min_gap = t - w->last;
        w->last = t;
        w->count++;
    }
    icalrecur_iterator_free(it);
    if (rc == VG_OK && w->count == 0)
        rc = vg_fail_field(err, VG_E_INVALID, "rrule", "the rule gives no occurrence from start");
    return rc;
}

vg_code recur_check(const char *rule, const char *tz, int64_t start, int64_t end, recur_info *info, vg_err *err)
{
    recur_rule r;
    vg_code rc = recur_parse(rule, &r, err);
    if (rc != VG_OK)
        return rc;
    if (start < 0 || end <= start || start > RECUR_T_MAX - RECUR_HORIZON)
        return vg_fail_field(err, VG_E_INVALID, "end", "a series needs start < end, within the API's times");
    int64_t limit = start + RECUR_HORIZON, until = recur_until(&r, tz);
    if (r.has_until && until < start)
        return vg_fail_field(err, VG_E_INVALID, "rrule", "UNTIL is before start");
    if (r.has_until && until > limit)
        return vg_fail_field(err, VG_E_INVALID, "rrule", "UNTIL: at most 10 years after start");
    recur_walk w = {0, start, RECUR_NEVER};
    if ((rc = recur_walk_all(&r, tz, start, until < limit ? until : limit, &w, err)) != VG_OK)
        return rc;
    if (r.rt.count > 0 && w.count < (size_t)r.rt.count)
        return vg_fail_field(err, VG_E_INVALID, "rrule",
                             "COUNT=%d: the series would last more than 10 years (%zu occurrences fit)", r.rt.count,
                             w.count);
    if (end - start > w.min_gap) {
        char a[32], b[32];
        recur_hours(end - start, a, sizeof a);
        recur_hours(w.min_gap, b, sizeof b);
        return vg_fail_field(err, VG_E_INVALID, "end",
                             "a window of %s is longer than the shortest gap between two occurrences (%s): the"
                             " windows of one series must not overlap", a, b);
    }
    info->count = w.count;
    info->min_gap = w.min_gap;
    info->last_end = r.rt.count > 0 || r.has_until ? w.last + (end - start) : RECUR_NEVER;
    snprintf(info->rule, sizeof info->rule, "%s", r.text);
    return VG_OK;
}

/* ---- expansion -------------------------------------------------------------------------------- */

static vg_code recur_push(int64_t **starts, size_t *n, size_t *cap, int64_t t, vg_err *err)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        int64_t *p = realloc(*starts, c * sizeof *p);
        if (!p)
            return vg_fail(err, VG_E_NOMEM, "out of memory");
        *starts = p;
        *cap = c;
    }
    (*starts)[(*n)++] = t;
    return VG_OK;
}

vg_code recur_expand(const char *rule, const char *tz, int64_t start, int64_t end, int64_t from, int64_t to,
                     int64_t **starts, size_t *n, bool *more, vg_err *err)
{
    *starts = NULL;
    *n = 0;
    *more = false;
    recur_rule r;
    vg_code rc = recur_parse(rule, &r, err);
    if (rc != VG_OK)
        return rc;
    int64_t dur = end - start, until = recur_until(&r, tz);
    if (dur <= 0 || start < 0 || start > RECUR_T_MAX)
        return vg_fail_field(err, VG_E_INVALID, "end", "a series needs start < end");
    int64_t hi = to - 1 < until ? to - 1 : until; /* the last start wanted */
    if (hi > RECUR_T_MAX)
        hi = RECUR_T_MAX;
    if (to <= from || hi < start)
        return VG_OK;
    int64_t lo = from > INT64_MIN + dur ? from - dur : INT64_MIN; /* starts after lo end after from */
    icalrecur_iterator *it = recur_iter(&r, tz, recur_local(tz, start), hi);
    if (!it)
        return vg_fail_field(err, VG_E_INVALID, "rrule", "libical cannot expand this rule");
    /* a series without COUNT jumps to the day before lo rather than walk its years since start */
    if (r.rt.count == 0 && lo - 86400 > start)
        icalrecur_iterator_set_start(it, recur_local(tz, lo - 86400));
    size_t cap = 0, steps = 0;
    for (;;) {
        struct icaltimetype l = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(l))
            break;
        int64_t t = recur_instant(tz, l, 0);
        if (t > hi)
            break;
        if (++steps > RECUR_COUNT_MAX + RECUR_QUERY_MAX + 16 || *n == RECUR_QUERY_MAX) {
            *more = true;
            break;
        }
        if (t > lo && (rc = recur_push(starts, n, &cap, t, err)) != VG_OK)
            break;
    }
    icalrecur_iterator_free(it);
    if (rc != VG_OK) {
        free(*starts);
        *starts = NULL;
        *n = 0;
    }
    return rc;
}

bool recur_is_occurrence(const char *rule, const char *tz, int64_t start, int64_t end, int64_t occ)
{
    int64_t *s;
    size_t n;
    bool more, found = false;
    if (occ < start || occ >= RECUR_T_MAX || recur_expand(rule, tz, start, end, occ, occ + 1, &s, &n, &more, NULL) != VG_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        found |= s[i] == occ;
    free(s);
    return found;
}
