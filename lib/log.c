#include "config.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static log_level log_threshold = LOG_LVL_INFO;
static FILE *log_stream; /* NULL: stderr */
static const char *const log_names[] = {"error", "warn", "info", "debug"};

void log_set_level(log_level level) { log_threshold = level; }

int log_level_parse(const char *name, log_level *out)
{
    for (int i = 0; i <= LOG_LVL_DEBUG; i++) {
        if (strcmp(name, log_names[i]) == 0) {
            *out = (log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_msg(log_level level, const char *module, const char *fmt, ...)
{
    if (level > log_threshold)
        return;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one fprintf per line so that concurrent writers do not interleave inside a line */
    fprintf(log_stream ? log_stream : stderr, "%s %-5s %s: %s\n", stamp, log_names[level], module, line);
}

void log_after_fork(void)
{
    /* stderr's lock may have been held by another thread of the parent at fork(): a stream of our own */
    int fd = dup(2);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return;
    }
    setvbuf(f, NULL, _IONBF, 0);
    log_stream = f;
}
