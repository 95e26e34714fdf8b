/* pusher: the agent's push thread, so that polling never waits on the server.
 *
 * The poller writes every batch to the spool (outbox.c) and kicks the pusher; the pusher's own thread
 * replays the spool oldest first (spool_replay) through the push client, then sends the batches the
 * spool could not take (their numbers are on disk), which wait behind the spooled ones so that every
 * series reaches the server in time order. The spool on disk is the hand-off and the bound
 * (spool_max_mb): a server that hangs or is away only makes the spool grow, never delays a poll. After
 * a failed attempt the pusher waits 1 s, then twice as long each time, up to 30 s, before it tries
 * again; a kick does not shorten that wait.
 *
 * Clocks: a batch the server refuses only for its samples' times (PUSH_CLOCK: a clock stepped) is
 * spooled again under a new number, behind the batches waiting, and sent again at each pass until the
 * server takes it: it never counts towards dead/, never holds the queue up, its times are never
 * rewritten. Such refusals, and the agent's clock skew learnt from the replies (past 30 s), are logged
 * once every 10 minutes.
 *
 * Several servers (spool.h): one thread and one push client per server, each replaying what its server
 * lacks with its own backoff, so that a server that hangs or is away never delays the others. A batch
 * one server refuses for its times is spooled again for that server only. */
#ifndef VIGIE_PUSHER_H
#define VIGIE_PUSHER_H

#include <stdbool.h>

#include "error.h"
#include "push/push_client.h"
#include "push/spool.h"

/* Batches the spool could not take, held by the pusher: beyond, the oldest is dropped, loudly. */
#define PUSHER_UNSPOOLED_MAX 32

typedef struct pusher pusher;

/* sp and pc stay the caller's, and must outlive the pusher. NULL when out of memory. */
pusher *pusher_new(spool *sp, push_client *pc);
/* One thread per server: pcs[k] pushes to the spool's server k (spool_set_servers), n of them (1 to
 * SPOOL_SERVERS_MAX). NULL when out of memory or n is out of bounds. */
pusher *pusher_new_multi(spool *sp, push_client *const *pcs, size_t n);
/* Starts the thread. VG_E_INTERNAL when it cannot be started (err says why). */
vg_code pusher_start(pusher *p, vg_err *err);
/* New batches are in the spool (or given): the thread wakes up, unless it waits after a failure. */
void pusher_kick(pusher *p);
/* A batch the spool could not take (NUL-terminated JSON, its number recorded): the pusher frees it. */
void pusher_give(pusher *p, char *body);
/* Without a thread (--once): sends what waits until all is sent or the server cannot take more (each
 * server in turn). true when nothing is left waiting for any server. */
bool pusher_run_once(pusher *p);
/* Stops the thread: a last pass sends what waits, for at most 2 s, then a send under way is ended;
 * what was not sent stays in the spool (batches given and not sent are logged as lost). */
void pusher_free(pusher *p);

#endif
