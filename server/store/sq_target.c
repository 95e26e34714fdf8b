#include "config.h"
#include "store/sq.h"

#include <stdio.h>
#include <string.h>

/* What a target names, apart from the backends: server_config checks `database:` with it, and the
 * programs that link the configuration without a database (the CLI) need neither library. */

sq_kind sq_target_kind(const char *target)
{
    if (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11))
        return SQ_POSTGRES;
    /* a libpq conninfo: key=value words; a file path has no '=' before its first '/' */
    const char *eq = strchr(target, '='), *slash = strchr(target, '/');
    if (eq && (!slash || eq < slash) && strncmp(target, "sqlite:", 7) != 0)
        return SQ_POSTGRES;
    return SQ_SQLITE;
}

const char *sq_target_path(const char *target)
{
    return strncmp(target, "sqlite:", 7) == 0 ? target + 7 : target;
}

/* password=VALUE in a conninfo, or user:VALUE@ in a URI: the value becomes ***. */
void sq_target_redact(const char *target, char *out, size_t size)
{
    snprintf(out, size, "%s", target);
    if (sq_target_kind(target) != SQ_POSTGRES)
        return;
    char *p = strstr(out, "://");
    if (p) {
        char *at = strchr(p + 3, '@'), *colon = strchr(p + 3, ':');
        if (at && colon && colon < at) {
            char rest[1024];
            snprintf(rest, sizeof rest, "%s", at);
            snprintf(colon, size - (size_t)(colon - out), ":***%s", rest);
        }
    }
    for (char *k = strstr(out, "password="); k; k = strstr(k + 1, "password=")) {
        char *v = k + 9, *end = v;
        if (*end == '\'') {
            end++;
            while (*end && *end != '\'')
                end += (*end == '\\' && end[1]) ? 2 : 1;
            if (*end)
                end++;
        } else {
            while (*end && *end != ' ' && *end != '&')
                end++;
        }
        char rest[1024];
        snprintf(rest, sizeof rest, "%s", end);
        snprintf(v, size - (size_t)(v - out), "***%s", rest);
    }
}
