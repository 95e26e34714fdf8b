/* timeutil: local time in a named zone ("Europe/Paris") with the C library's time zone database.
 *
 * The C library knows one zone at a time (TZ); these helpers switch it for the call and put it back,
 * so that sites in different zones can be handled by one process. Not for concurrent use: the server
 * calls them from one thread at a time. */
#ifndef VIGIE_TIMEUTIL_H
#define VIGIE_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

/* mktime() in zone tz (tm_isdst -1 lets the zone decide); tm is normalised as mktime does. */
int64_t time_zone_mktime(const char *tz, struct tm *tm);
/* localtime_r() in zone tz. */
void time_zone_localtime(const char *tz, int64_t t, struct tm *out);

#endif
