/* log: one line per event on stderr, prefixed by time, level and module.
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
/* In a child process made by fork() from a threaded parent: log through a stream of the child's own. */
void log_after_fork(void);

#define log_error(mod, ...) log_msg(LOG_LVL_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_LVL_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_LVL_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_msg(LOG_LVL_DEBUG, mod, __VA_ARGS__)

#endif
