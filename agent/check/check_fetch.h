/* check_fetch: the public sites this agent checks, from the server (GET /api/v1/agent/targets, with
 * the agent's token), at the start and then every CHECK_FETCH_EVERY seconds, on a thread of its own
 * so that a server that hangs delays no check. Each good list is kept in the spool folder
 * (targets.json, written atomically) so that an agent started while the server is away checks what it
 * checked before. A bad or refused answer changes nothing: the previous list stays. */
#ifndef VIGIE_CHECK_FETCH_H
#define VIGIE_CHECK_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "config/agent_config.h"
#include "error.h"

#define CHECK_FETCH_EVERY 300
/* Bytes of an answer read at most (5,000 targets of about 300 bytes, twice over). */
#define CHECK_FETCH_MAX (4u << 20)

typedef struct check_fetch check_fetch;

/* Reads dir/targets.json if there is one (a bad one is logged and ignored), then starts the thread.
 * NULL with err when the thread or memory is missing. */
check_fetch *check_fetch_new(const agent_config *cfg, const char *dir, vg_err *err);
void check_fetch_free(check_fetch *f);

/* A list newer than the last one taken: true and *list (n checks; the caller clears each with
 * agent_check_clear and frees the array). false: nothing new. */
bool check_fetch_take(check_fetch *f, agent_check **list, size_t *n);

/* Parses, keeps and offers an answer as the thread does (tests): VG_E_INVALID naming the bad field. */
vg_code check_fetch_accept(check_fetch *f, const char *body, size_t len, bool save, vg_err *err);

#endif
