/* timeutil: local time in a named zone ("Europe/Paris"), from the tzdata files through GLib's GTimeZone.
 *
 * The zone is an argument of each call, so that sites in different zones are handled at once by the
 * server's threads: nothing touches TZ or the C library's one process-wide zone. Both functions may be
 * called from any thread. A zone the system does not know (config checks the names first) is UTC, as
 * the C library makes an unknown TZ. */
#ifndef VIGIE_TIMEUTIL_H
#define VIGIE_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

/* mktime() in zone tz: tm's fields may be out of range (mday 0 is the last day of the month before,
 * month 12 is January of the next year, hour -1 the evening before) and tm is rewritten normalised,
 * with tm_wday, tm_yday, tm_isdst, tm_gmtoff and tm_zone. With tm_isdst -1 the zone decides: a time
 * repeated when the clocks go back is its first occurrence (summer time), a time skipped when they go
 * forward is read with the offset before the change (02:30 becomes 03:30 summer time). tm_isdst 0 or 1
 * picks the reading of such a repeated or skipped time; elsewhere the zone decides. Returns -1 for a
 * year outside 1..65535. */
int64_t time_zone_mktime(const char *tz, struct tm *tm);
/* localtime_r() in zone tz. out->tm_zone points to a string that lives as long as the process. */
void time_zone_localtime(const char *tz, int64_t t, struct tm *out);

/* How the wall-clock time of tm (year, month 0-11, day, hour, minute, second; not normalised, not
 * changed) reads in zone tz: once, twice (the clocks went back over it: *first is the earlier
 * instant, in summer time, *second the later) or never (the clocks jumped over it). The API refuses
 * the last two unless the time carries its UTC offset. */
typedef enum { TIME_LOCAL_ONCE, TIME_LOCAL_TWICE, TIME_LOCAL_NEVER } time_local_kind;
time_local_kind time_zone_local_readings(const char *tz, const struct tm *tm, int64_t *first, int64_t *second);

#endif
