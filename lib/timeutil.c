#include "config.h"
#include "timeutil.h"

#include <glib.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

/* Zones are read from tzdata once and kept: a server knows a handful (its sites'). Past TU_CACHE_MAX
 * names (a bound, not a figure any configuration reaches) a zone is read for the call and let go. */
#define TU_CACHE_MAX 256
#define TU_DAY 86400

/* a pthread mutex, not a GMutex: GLib's are futexes that ThreadSanitizer cannot see */
static pthread_mutex_t tu_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable *tu_zones; /* name -> GTimeZone, under tu_lock */

static int64_t tu_floordiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* A new reference to zone name; UTC for NULL, "" and a name tzdata does not know. */
static GTimeZone *tu_zone_ref(const char *name)
{
    if (!name || !*name)
        return g_time_zone_new_utc();
    pthread_mutex_lock(&tu_lock);
    if (!tu_zones)
        tu_zones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_time_zone_unref);
    GTimeZone *z = g_hash_table_lookup(tu_zones, name);
    if (z) {
        g_time_zone_ref(z);
    } else {
        z = g_time_zone_new_identifier(name);
        if (!z)
            z = g_time_zone_new_utc();
        if (g_hash_table_size(tu_zones) < TU_CACHE_MAX)
            g_hash_table_insert(tu_zones, g_strdup(name), g_time_zone_ref(z));
    }
    pthread_mutex_unlock(&tu_lock);
    return z;
}

/* Days from 1970-01-01 to the first of month (1..12) of year (1..65535), by GLib's calendar. */
static int64_t tu_days_to_month(int64_t year, int month)
{
    GDate d, epoch;
    g_date_clear(&d, 1);
    g_date_clear(&epoch, 1);
    g_date_set_dmy(&d, 1, (GDateMonth)month, (GDateYear)year);
    g_date_set_dmy(&epoch, 1, G_DATE_JANUARY, 1970);
    return (int64_t)g_date_get_julian(&d) - (int64_t)g_date_get_julian(&epoch);
}

/* tm of instant t in zone z (interval i of z). */
static void tu_breakdown(GTimeZone *z, int64_t t, struct tm *out)
{
    int i = g_time_zone_find_interval(z, G_TIME_TYPE_UNIVERSAL, t);
    int32_t off = g_time_zone_get_offset(z, i);
    int64_t local = t + off;
    int64_t days = tu_floordiv(local, TU_DAY), secs = local - days * TU_DAY;
    memset(out, 0, sizeof *out);
    GDate epoch;
    g_date_clear(&epoch, 1);
    g_date_set_dmy(&epoch, 1, G_DATE_JANUARY, 1970);
    int64_t julian = (int64_t)g_date_get_julian(&epoch) + days;
    GDate d;
    g_date_clear(&d, 1);
    /* GDate's calendar runs from year 1 to 65535: outside, only the time of day is filled */
    if (julian >= 1 && julian <= G_MAXUINT32 && g_date_valid_julian((guint32)julian)) {
        g_date_set_julian(&d, (guint32)julian);
    }
    if (g_date_valid(&d)) {
        out->tm_year = g_date_get_year(&d) - 1900;
        out->tm_mon = g_date_get_month(&d) - 1;
        out->tm_mday = g_date_get_day(&d);
        out->tm_wday = g_date_get_weekday(&d) % 7; /* GLib: Monday 1 .. Sunday 7 */
        out->tm_yday = (int)g_date_get_day_of_year(&d) - 1;
    }
    out->tm_hour = (int)(secs / 3600);
    out->tm_min = (int)(secs / 60 % 60);
    out->tm_sec = (int)(secs % 60);
    out->tm_isdst = g_time_zone_is_dst(z, i) ? 1 : 0;
    out->tm_gmtoff = off;
    /* the abbreviations form a small fixed set: interned, they outlive the zone object */
    out->tm_zone = g_intern_string(g_time_zone_get_abbreviation(z, i));
}

/* The UTC offset that reads local time `local` (seconds of the wall clock, counted as if from UTC) in z. */
static int32_t tu_offset_of_local(GTimeZone *z, int64_t local, int isdst)
{
    int is = g_time_zone_find_interval(z, G_TIME_TYPE_STANDARD, local);
    int id = g_time_zone_find_interval(z, G_TIME_TYPE_DAYLIGHT, local);
    int before, after;
    if (is >= 0 && id >= 0 && is != id) {
        before = MIN(is, id); /* a time the clocks went back over: it happened twice */
        after = MAX(is, id);
    } else if (is >= 0 || id >= 0) {
        return g_time_zone_get_offset(z, is >= 0 ? is : id);
    } else {
        /* a time the clocks jumped over: GLib moves it to the first time after the change */
        gint64 start = local;
        after = g_time_zone_adjust_time(z, G_TIME_TYPE_STANDARD, &start);
        gint64 change = start - g_time_zone_get_offset(z, after);
        before = g_time_zone_find_interval(z, G_TIME_TYPE_UNIVERSAL, change - 1);
    }
    bool dst_before = g_time_zone_is_dst(z, before), dst_after = g_time_zone_is_dst(z, after);
    if (isdst >= 0 && dst_after == (isdst > 0) && dst_before != (isdst > 0))
        return g_time_zone_get_offset(z, after);
    return g_time_zone_get_offset(z, before);
}

int64_t time_zone_mktime(const char *tz, struct tm *tm)
{
    int64_t year = (int64_t)tm->tm_year + 1900 + tu_floordiv(tm->tm_mon, 12);
    int month = (int)(tm->tm_mon - tu_floordiv(tm->tm_mon, 12) * 12) + 1;
    if (year < 1 || year > 65535)
        return -1;
    int64_t local = (tu_days_to_month(year, month) + (int64_t)tm->tm_mday - 1) * TU_DAY +
                    (int64_t)tm->tm_hour * 3600 + (int64_t)tm->tm_min * 60 + tm->tm_sec;
    GTimeZone *z = tu_zone_ref(tz);
    int64_t t = local - tu_offset_of_local(z, local, tm->tm_isdst);
    tu_breakdown(z, t, tm);
    g_time_zone_unref(z);
    return t;
}

void time_zone_localtime(const char *tz, int64_t t, struct tm *out)
{
    GTimeZone *z = tu_zone_ref(tz);
    tu_breakdown(z, t, out);
    g_time_zone_unref(z);
}

time_local_kind time_zone_local_readings(const char *tz, const struct tm *tm, int64_t *first, int64_t *second)
{
    int64_t year = (int64_t)tm->tm_year + 1900;
    if (tm->tm_mon < 0 || tm->tm_mon > 11 || year < 2 || year > 65534)
        return TIME_LOCAL_NEVER;
    int64_t local = (tu_days_to_month(year, tm->tm_mon + 1) + (int64_t)tm->tm_mday - 1) * TU_DAY +
                    (int64_t)tm->tm_hour * 3600 + (int64_t)tm->tm_min * 60 + tm->tm_sec;
    GTimeZone *z = tu_zone_ref(tz);
    /* the readings are the instants local - offset that read back as local, for the offsets in force
     * around it (no zone changes its offset twice within two days) */
    int64_t found[2];
    int n = 0;
    for (int k = -1; k <= 1; k++) {
        int32_t off = g_time_zone_get_offset(z, g_time_zone_find_interval(z, G_TIME_TYPE_UNIVERSAL, local + k * TU_DAY));
        int64_t t = local - off;
        int32_t back = g_time_zone_get_offset(z, g_time_zone_find_interval(z, G_TIME_TYPE_UNIVERSAL, t));
        if (back == off && n < 2 && (n == 0 || found[0] != t))
            found[n++] = t;
    }
    g_time_zone_unref(z);
    if (n == 2 && found[0] > found[1]) {
        int64_t x = found[0];
        found[0] = found[1];
        found[1] = x;
    }
    if (first)
        *first = n ? found[0] : 0;
    if (second)
        *second = n == 2 ? found[1] : n ? found[0] : 0;
    return n == 0 ? TIME_LOCAL_NEVER : n == 1 ? TIME_LOCAL_ONCE : TIME_LOCAL_TWICE;
}
