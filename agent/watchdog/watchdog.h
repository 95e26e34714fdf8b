/* watchdog: the agent's own alert when its data reaches no server.
 *
 * vigie-server alerts on what it receives; when no server receives anything (the site's link, the
 * data center, both servers down) nobody would know from the servers. So the agent watches its spool:
 * when batches wait and no server has stored one for agent.yaml's watchdog.after seconds, it sends its
 * own message (site, agent, since when, each server and its last error; never the token) to a webhook
 * (an SMS gateway is one: an HTTP POST) and/or by mail (SMTP through libcurl), once, then every
 * watchdog.repeat seconds, and a "recovered" message once a server stores a batch again. A message
 * that could not be sent to any of them is tried again every WATCHDOG_RETRY seconds. Its own thread,
 * which looks at the spool every second: it never delays polling nor pushing.
 *
 * The decision (watchdog_step) is apart from the thread and the sending, and tested alone. */
#ifndef VIGIE_WATCHDOG_H
#define VIGIE_WATCHDOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config/agent_config.h"
#include "error.h"
#include "push/spool.h"

#define WATCHDOG_RETRY 60 /* seconds between two tries of a message not sent */

typedef enum { WD_NONE, WD_ALERT, WD_REPEAT, WD_RECOVERED } wd_action;

/* What the decision remembers between two looks. */
typedef struct {
    time_t waiting_since; /* when batches were first seen waiting, 0 while nothing waits */
    time_t since;         /* the stall's start: no server has stored a batch since (the alert's "since") */
    time_t next_at;       /* when the next repeat is due, 0 for none */
    bool alerted;         /* an alert went out, and no recovery yet */
} wd_state;

/* One look at time now: waiting, whether batches wait; last_stored, the last time any server stored
 * a batch (0 for never since start); started, when the agent started (a stall counts from then at
 * the earliest). Returns what to send: WD_ALERT once the stall is `after` old, WD_REPEAT when its
 * repeat is due, WD_RECOVERED once a server stored after the stall began (or nothing waits). The
 * caller then calls watchdog_sent. */
wd_action watchdog_step(wd_state *st, time_t now, bool waiting, time_t last_stored, time_t started, int after,
                        int repeat);
/* The message of `a` went out at `now` (sent), or could not (then the same is due again). */
void watchdog_sent(wd_state *st, wd_action a, time_t now, int repeat, bool sent);

typedef struct watchdog watchdog;

/* NULL when cfg has no watchdog (after 0), or out of memory (err says which: VG_OK for off). cfg and
 * sp must outlive it. */
watchdog *watchdog_new(const agent_config *cfg, spool *sp, vg_err *err);
/* Starts the thread. VG_E_INTERNAL when it cannot. */
vg_code watchdog_start(watchdog *w, vg_err *err);
/* Stops the thread (a message on its way ends within its timeout) and frees. */
void watchdog_free(watchdog *w);

/* watchdog_send.c: the message of `a`, in French and English, to the webhook and by mail. The text
 * names the agent, its site, `since`, and each server with its last error. VG_OK when at least one of
 * them took it; else the last error. */
vg_code watchdog_send(const agent_config *cfg, spool *sp, wd_action a, time_t since, time_t now, vg_err *err);

#endif
