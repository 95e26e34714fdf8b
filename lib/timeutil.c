#include "config.h"
#include "timeutil.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *old;
} tu_saved;

static tu_saved tu_enter(const char *tz)
{
    const char *cur = getenv("TZ");
    tu_saved s = {cur ? strdup(cur) : NULL};
    setenv("TZ", tz, 1);
    tzset();
    return s;
}

static void tu_leave(tu_saved s)
{
    if (s.old) {
        setenv("TZ", s.old, 1);
        free(s.old);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

int64_t time_zone_mktime(const char *tz, struct tm *tm)
{
    tu_saved s = tu_enter(tz);
    time_t t = mktime(tm);
    tu_leave(s);
    return (int64_t)t;
}

void time_zone_localtime(const char *tz, int64_t t, struct tm *out)
{
    time_t tt = (time_t)t;
    tu_saved s = tu_enter(tz);
    localtime_r(&tt, out);
    tu_leave(s);
}
