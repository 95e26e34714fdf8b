#include "config.h"
#include "sla/recurrence_internal.h"

#include <stdio.h>
#include <string.h>

/* A rule in words, French or English, for the listings and the report: the common shapes of a
 * maintenance calendar (every day, every Monday, the first Tuesday of every month, the 15th, every
 * year on 1 March); any other rule is shown as itself, which is exact if less friendly. */

typedef struct {
    bool fr;
    char *out;
    size_t size, len;
} recur_words;

static void rw_add(recur_words *w, const char *s)
{
    if (w->len < w->size) {
        int n = snprintf(w->out + w->len, w->size - w->len, "%s", s);
        w->len += n > 0 ? (size_t)n : 0;
    }
}

static const char *rw_weekday(const recur_words *w, int wd)
{
    static const char *const fr[] = {"", "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"};
    static const char *const en[] = {"", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    return wd >= 1 && wd <= 7 ? (w->fr ? fr : en)[wd] : "?";
}

static const char *rw_month(const recur_words *w, int m)
{
    static const char *const fr[] = {"", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                                     "septembre", "octobre", "novembre", "décembre"};
    static const char *const en[] = {"", "January", "February", "March", "April", "May", "June", "July", "August",
                                     "September", "October", "November", "December"};
    return m >= 1 && m <= 12 ? (w->fr ? fr : en)[m] : "?";
}

/* "1er", "2e", "dernier", "avant-dernier"; "first", "second", "last", "second to last". */
static void rw_ordinal(recur_words *w, int pos)
{
    static const char *const en[] = {"", "first", "second", "third", "fourth", "fifth"};
    char b[48];
    if (pos == -1)
        snprintf(b, sizeof b, "%s", w->fr ? "dernier" : "last");
    else if (pos == -2)
        snprintf(b, sizeof b, "%s", w->fr ? "avant-dernier" : "second to last");
    else if (pos < 0)
        snprintf(b, sizeof b, w->fr ? "%de avant la fin" : "%d from the end", -pos);
    else if (w->fr)
        snprintf(b, sizeof b, pos == 1 ? "1er" : "%de", pos);
    else if (pos <= 5)
        snprintf(b, sizeof b, "%s", en[pos]);
    else
        snprintf(b, sizeof b, "%dth", pos);
    rw_add(w, b);
}

static void rw_join(recur_words *w, int i, int n)
{
    if (i > 0)
        rw_add(w, i == n - 1 ? (w->fr ? " et " : " and ") : ", ");
}

static int rw_count(const short *list, int max)
{
    int n = 0;
    while (n < max && list[n] != ICAL_RECURRENCE_ARRAY_MAX)
        n++;
    return n;
}

/* "le 1er mardi et le dernier vendredi" / "the first Tuesday and the last Friday"; false when a day
 * has no ordinal (those are said as "every Monday"). */
static bool rw_ordinal_days(recur_words *w, const struct icalrecurrencetype *rt)
{
    int n = rw_count(rt->by_day, ICAL_BY_DAY_SIZE);
    for (int i = 0; i < n; i++)
        if (icalrecurrencetype_day_position(rt->by_day[i]) == 0)
            return false;
    for (int i = 0; i < n; i++) {
        rw_join(w, i, n);
        rw_add(w, w->fr ? "le " : "the ");
        rw_ordinal(w, icalrecurrencetype_day_position(rt->by_day[i]));
        rw_add(w, " ");
        rw_add(w, rw_weekday(w, icalrecurrencetype_day_day_of_week(rt->by_day[i])));
    }
    return true;
}

static void rw_plain_days(recur_words *w, const struct icalrecurrencetype *rt)
{
    int n = rw_count(rt->by_day, ICAL_BY_DAY_SIZE);
    for (int i = 0; i < n; i++) {
        rw_join(w, i, n);
        rw_add(w, rw_weekday(w, icalrecurrencetype_day_day_of_week(rt->by_day[i])));
    }
}

/* "le 15 et le dernier jour" / "day 15 and the last day" */
static void rw_month_days(recur_words *w, const struct icalrecurrencetype *rt)
{
    int n = rw_count(rt->by_month_day, ICAL_BY_MONTHDAY_SIZE);
    for (int i = 0; i < n; i++) {
        char b[32];
        int d = rt->by_month_day[i];
        rw_join(w, i, n);
        if (d == -1)
            snprintf(b, sizeof b, "%s", w->fr ? "le dernier jour" : "the last day");
        else if (d < 0)
            snprintf(b, sizeof b, w->fr ? "le %de jour avant la fin" : "day %d from the end", -d);
        else
            snprintf(b, sizeof b, w->fr ? (d == 1 ? "le 1er" : "le %d") : "day %d", d);
        rw_add(w, b);
    }
}

/* "tous les 3 mois" / "every 3 months", "chaque mois" / "every month" */
static void rw_every(recur_words *w, int interval, const char *fr1, const char *frn, bool fem, const char *en1,
                     const char *enn)
{
    char b[64];
    if (interval <= 1)
        snprintf(b, sizeof b, w->fr ? "chaque %s" : "every %s", w->fr ? fr1 : en1);
    else if (w->fr)
        snprintf(b, sizeof b, "%s les %d %s", fem ? "toutes" : "tous", interval, frn);
    else
        snprintf(b, sizeof b, "every %d %s", interval, enn);
    rw_add(w, b);
}

/* " de mars", " d’avril", " of March"; "en mars", "in March" alone */
static void rw_in_month(recur_words *w, int m, bool days, bool mdays)
{
    const char *name = rw_month(w, m);
    if (!days && !mdays)
        rw_add(w, w->fr ? "en " : "in ");
    else if (w->fr && days)
        rw_add(w, strchr("aeiou", name[0]) ? " d’" : " de ");
    else
        rw_add(w, w->fr ? " " : " of ");
    rw_add(w, name);
    rw_add(w, ", ");
}

static bool rw_body(recur_words *w, const struct icalrecurrencetype *rt)
{
    bool days = recur_has(rt->by_day), mdays = recur_has(rt->by_month_day);
    int months = rw_count(rt->by_month, ICAL_BY_MONTH_SIZE);
    if (recur_has(rt->by_set_pos) || (days && mdays) || months > 1)
        return false;
    switch (rt->freq) {
    case ICAL_DAILY_RECURRENCE:
        if (days || mdays || months)
            return false;
        rw_every(w, rt->interval, "jour", "jours", false, "day", "days");
        return true;
    case ICAL_WEEKLY_RECURRENCE:
        if (months)
            return false;
        if (days && rt->interval <= 1) {
            rw_add(w, w->fr ? "chaque " : "every ");
            rw_plain_days(w, rt);
            return true;
        }
        rw_every(w, rt->interval, "semaine", "semaines", true, "week", "weeks");
        if (days) {
            rw_add(w, w->fr ? ", le " : " on ");
            rw_plain_days(w, rt);
        }
        return true;
    case ICAL_MONTHLY_RECURRENCE:
        if (months)
            return false;
        if (days && !rw_ordinal_days(w, rt))
            return false;
        if (mdays)
            rw_month_days(w, rt);
        if (days || mdays)
            rw_add(w, rt->interval > 1 ? ", " : w->fr ? " de " : " of ");
        rw_every(w, rt->interval, "mois", "mois", false, "month", "months");
        return true;
    case ICAL_YEARLY_RECURRENCE:
        if (rt->interval > 1 || (months == 0 && (days || mdays)))
            return false;
        if (days && !rw_ordinal_days(w, rt))
            return false;
        if (mdays)
            rw_month_days(w, rt);
        if (months)
            rw_in_month(w, icalrecurrencetype_month_month(rt->by_month[0]), days, mdays);
        rw_every(w, 1, "année", "années", true, "year", "years");
        return true;
    default:
        return false;
    }
}

void recur_describe(const char *rule, const char *lang, char *out, size_t size)
{
    if (!size)
        return;
    out[0] = '\0';
    if (!rule || !*rule)
        return;
    recur_rule r;
    recur_words w = {lang && strcmp(lang, "fr") == 0, out, size, 0};
    if (recur_parse(rule, &r, NULL) != VG_OK || !rw_body(&w, &r.rt)) {
        snprintf(out, size, "%s", rule);
        return;
    }
    char b[64];
    if (r.rt.count > 0) {
        snprintf(b, sizeof b, w.fr ? ", %d fois" : ", %d times", r.rt.count);
        rw_add(&w, b);
    } else if (r.has_until) {
        snprintf(b, sizeof b, w.fr ? ", jusqu’au %02d/%02d/%04d" : ", until %04d-%02d-%02d",
                 w.fr ? r.rt.until.day : r.rt.until.year, r.rt.until.month, w.fr ? r.rt.until.year : r.rt.until.day);
        rw_add(&w, b);
    }
    if (w.len >= size)
        snprintf(out, size, "%s", rule);
}
