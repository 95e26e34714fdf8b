#include "config.h"
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
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

/* Whether stderr is the journal: JOURNAL_STREAM is "DEV:INO" of the stream systemd connected, and still
 * names fd 2 (a program started from a unit may have had its stderr redirected since). */
static bool log_to_journal(void)
{
    /* asked at each line (a getenv and an fstat, for a line that is written anyway): stderr may change */
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
           (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void log_line(log_level level, const char *module, const char *line)
{
    FILE *f = log_stream ? log_stream : stderr;
    /* one fprintf per line so that concurrent writers do not interleave inside a line */
    if (log_to_journal()) {
        static const int prio[] = {3, 4, 6, 7}; /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
        fprintf(f, "<%d>%-5s %s: %s\n", prio[level], log_names[level], module, line);
        return;
    }
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "%s %-5s %s: %s\n", stamp, log_names[level], module, line);
}

void log_msg(log_level level, const char *module, const char *fmt, ...)
{
    if (level > log_threshold)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_line(level, module, line);
}

/* ---- repeated errors ---- */

typedef struct {
    char key[96];
    int64_t quiet_until, delay, last; /* monotonic seconds */
    unsigned long held;
} log_limit;

static pthread_mutex_t log_limit_lock = PTHREAD_MUTEX_INITIALIZER;
static log_limit log_limits[LOG_LIMIT_KEYS];

static int64_t log_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* The slot of key; else, with make, an empty one or the one least recently used, made key's (lock held). */
static log_limit *log_limit_slot(const char *key, bool make)
{
    log_limit *spare = NULL;
    for (size_t i = 0; i < LOG_LIMIT_KEYS; i++) {
        log_limit *l = &log_limits[i];
        if (l->key[0] && strcmp(l->key, key) == 0)
            return l;
        if (!spare || (spare->key[0] && (!l->key[0] || l->last < spare->last)))
            spare = l;
    }
    if (!make)
        return NULL;
    memset(spare, 0, sizeof *spare);
    snprintf(spare->key, sizeof spare->key, "%s", key);
    return spare;
}

void log_limited(log_level level, const char *module, const char *key, const char *fmt, ...)
{
    if (level > log_threshold)
        return;
    int64_t now = log_mono();
    unsigned long held = 0;
    pthread_mutex_lock(&log_limit_lock);
    log_limit *l = log_limit_slot(key, true);
    l->last = now;
    bool say = l->quiet_until == 0 || now >= l->quiet_until;
    if (say) {
        held = l->held;
        l->held = 0;
        l->delay = l->delay ? (l->delay * 2 > LOG_LIMIT_MAX ? LOG_LIMIT_MAX : l->delay * 2) : LOG_LIMIT_FIRST;
        l->quiet_until = now + l->delay;
    } else {
        l->held++;
    }
    int64_t delay = l->delay;
    pthread_mutex_unlock(&log_limit_lock);
    if (!say)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof line && held)
        snprintf(line + n, sizeof line - (size_t)n, " (%lu more like this held back; the same again is held back %lld s)",
                 held, (long long)delay);
    else if (n >= 0 && (size_t)n < sizeof line)
        snprintf(line + n, sizeof line - (size_t)n, " (the same again is held back %lld s)", (long long)delay);
    log_line(level, module, line);
}

void log_limited_clear(const char *module, const char *key)
{
    unsigned long held = 0;
    bool known = false;
    pthread_mutex_lock(&log_limit_lock);
    log_limit *l = log_limit_slot(key, false);
    if (l) {
        known = true;
        held = l->held;
        memset(l, 0, sizeof *l);
    }
    pthread_mutex_unlock(&log_limit_lock);
    if (known && LOG_LVL_INFO <= log_threshold)
        log_msg(LOG_LVL_INFO, module, "%s: works again%s", key, held ? ", after failures held back" : "");
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
