/* calendar: the counted time of a contract calendar, and the GTR deadline.
 *
 * Local days are walked with civil-date arithmetic; only the opening and closing instants of each range
 * go through time_zone_mktime(), so that a range's length on a DST change day is the real seconds
 * between its wall-clock bounds (08:00-18:00 is 10 h of real time, except across the change at night,
 * which no business range spans; a 00:00-24:00 day is 23 or 25 h). */
#include "config.h"
#include "contract/contract_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

#define CAL_MAX_DAYS 3660 /* ten years: past this, a calendar that never opens gives up */

void contract_easter(int year, int *month, int *day)
{
    /* the anonymous Gregorian algorithm (Meeus/Jones/Butcher) */
    int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    *month = (h + l - 7 * m + 114) / 31;
    *day = (h + l - 7 * m + 114) % 31 + 1;
}

/* Days since 1970-01-01 of a civil date (month 1-12), and back (H. Hinnant's algorithms). */
static int64_t cal_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void cal_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool cal_fr_holiday(int y, int m, int d)
{
    static const int fixed[][2] = {{1, 1}, {5, 1}, {5, 8}, {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i][0] == m && fixed[i][1] == d)
            return true;
    int em, ed;
    contract_easter(y, &em, &ed);
    int64_t delta = cal_days_from_civil(y, m, d) - cal_days_from_civil(y, em, ed);
    return delta == 1 || delta == 39 || delta == 50; /* Easter Monday, Ascension, Whit Monday */
}

static int cal_date_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

bool contract_calendar_is_holiday(const contract_calendar *cal, int year, int month, int day)
{
    if (cal->always)
        return false;
    if (cal->fr && cal_fr_holiday(year, month, day))
        return true;
    int32_t key = year * 10000 + month * 100 + day;
    return bsearch(&key, cal->dates, cal->ndates, sizeof key, cal_date_cmp) != NULL;
}

/* The instant of a wall-clock second-of-day on a local date (24:00 is the next midnight). */
static int64_t cal_instant(const char *tz, int y, int m, int d, int sec)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = sec / 3600,
                    .tm_min = sec / 60 % 60, .tm_sec = sec % 60, .tm_isdst = -1};
    return time_zone_mktime(tz, &tm);
}

/* Walks the open intervals of the calendar from the local day holding t, in order, calling f on each
 * [start, end) until it returns nonzero (then returns that) or the days run out (0). */
typedef int (*cal_visit)(int64_t start, int64_t end, void *arg);

static int cal_walk(const contract_calendar *cal, int64_t t, int64_t until, cal_visit f, void *arg)
{
    struct tm lt;
    time_zone_localtime(cal->timezone, t, &lt);
    int64_t day = cal_days_from_civil(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday);
    for (int n = 0; n < CAL_MAX_DAYS; n++, day++) {
        int y, m, d;
        cal_civil_from_days(day, &y, &m, &d);
        if (cal_instant(cal->timezone, y, m, d, 0) >= until)
            return 0;
        if (contract_calendar_is_holiday(cal, y, m, d))
            continue;
        int wday = (int)(((day % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
        for (size_t i = 0; i < cal->nranges[wday]; i++) {
            const cal_range *r = &cal->ranges[wday][i];
            int rc = f(cal_instant(cal->timezone, y, m, d, r->from), cal_instant(cal->timezone, y, m, d, r->to), arg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

typedef struct {
    int64_t a, b, sum;
} cal_count;

static int cal_count_visit(int64_t s, int64_t e, void *arg)
{
    cal_count *c = arg;
    if (s >= c->b)
        return 1;
    if (s < c->a)
        s = c->a;
    if (e > c->b)
        e = c->b;
    if (e > s)
        c->sum += e - s;
    return 0;
}

int64_t contract_calendar_counted(const contract_calendar *cal, int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    if (cal->always)
        return b - a;
    cal_count c = {a, b, 0};
    cal_walk(cal, a, b, cal_count_visit, &c);
    return c.sum;
}

typedef struct {
    int64_t t, left, at;
} cal_reach;

static int cal_reach_visit(int64_t s, int64_t e, void *arg)
{
    cal_reach *r = arg;
    if (s < r->t)
        s = r->t;
    if (e <= s)
        return 0;
    /* strictly inside: a GTR that runs out at a closing time is due at the next opening, so that
     * "restored after the deadline" and "counted time past the GTR" are the same thing */
    if (r->left < e - s) {
        r->at = s + r->left;
        return 1;
    }
    r->left -= e - s;
    return 0;
}

int64_t contract_calendar_deadline(const contract_calendar *cal, int64_t t, int64_t d)
{
    if (d < 0)
        d = 0;
    if (cal->always)
        return t + d;
    cal_reach r = {t, d, INT64_MAX};
    cal_walk(cal, t, INT64_MAX, cal_reach_visit, &r);
    return r.at;
}

const char *contract_calendar_name(const contract_calendar *cal) { return cal->name; }
const char *contract_calendar_timezone(const contract_calendar *cal) { return cal->timezone; }
bool contract_calendar_is_24x7(const contract_calendar *cal) { return cal->always; }

double contract_penalty(int64_t overrun, double per_hour)
{
    if (overrun <= 0 || per_hour <= 0)
        return 0;
    return (double)((overrun + 3599) / 3600) * per_hour;
}
