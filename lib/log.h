/* log: one line per event on stderr, prefixed by time, level and module. Under systemd (stderr is the
 * journal: JOURNAL_STREAM names it) the time is the journal's own and the line starts with its syslog
 * priority ("<3>" error ... "<7>" debug), so that `journalctl -p warning` and the syslog it forwards to
 * see each line's level.
 *
 * Errors are returned as values by the modules and logged once, at the top, by the program that
 * decides what to do about them. Secrets (tokens, SNMP communities and keys) are never passed here:
 * callers log names, not credentials. */
#ifndef VIGIE_LOG_H
#define VIGIE_LOG_H

typedef enum { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG } log_level;

void log_set_level(log_level level);
/* Parses "error", "warn", "info" or "debug"; returns -1 for anything else. */
int log_level_parse(const char *name, log_level *out);
void log_msg(log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for an error that may come back every cycle (a device that fails the same way): the first
 * line of a key goes out, then the same key is quiet for LOG_LIMIT_FIRST seconds, that delay doubling
 * at each repeat up to LOG_LIMIT_MAX; the next line says how many were held back. Keys are a device's
 * name and what failed ("ups-a send"); at most LOG_LIMIT_KEYS are followed, the oldest forgotten. */
#define LOG_LIMIT_FIRST 60
#define LOG_LIMIT_MAX 3600
#define LOG_LIMIT_KEYS 512
void log_limited(log_level level, const char *module, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* key works again: the next failure is said at once (and, if some were held back, this says it recovered). */
void log_limited_clear(const char *module, const char *key);
/* In a child process made by fork() from a threaded parent: log through a stream of the child's own. */
void log_after_fork(void);

#define log_error(mod, ...) log_msg(LOG_LVL_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_LVL_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_LVL_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_msg(LOG_LVL_DEBUG, mod, __VA_ARGS__)

#endif
