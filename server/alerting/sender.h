/* sender: delivers the queued notifications (the `notifications` table, filled by alerts.c) off the
 * alert evaluation path. alerts_tick() only decides and queues; a sender thread picks the due
 * deliveries and runs each attempt in a worker thread of its own, so that a receiver that hangs costs
 * its own deliveries their per-attempt timeout (alerting.timeout) and nothing else: rule evaluation,
 * heartbeats and every other receiver go on. At most one attempt per target (URL, number, address)
 * is under way at a time, and at most SENDER_MAX_WORKERS in all.
 *
 * The lock (api_ctx.lock, may be NULL) is taken only to read the due rows and to record an attempt's
 * outcome, never while sending. A delivery is a row before it is sent (alerts.c queues it); an
 * attempt cut short by alert_sender_free() is not recorded, so the row is sent again at the next
 * start (at least once). A failed attempt is retried alert_retry_delay() seconds after the attempt
 * ended, not after the round that started it. */
#ifndef VIGIE_ALERT_SENDER_H
#define VIGIE_ALERT_SENDER_H

#include <pthread.h>
#include <stdint.h>

#include "alerting/notify.h"
#include "config/server_config.h"
#include "error.h"
#include "store/db.h"

#define SENDER_MAX_WORKERS 16

typedef struct alert_sender alert_sender;

/* The time of the sender's decisions (retry times); NULL: time(NULL). Tests drive a fake clock. */
typedef int64_t (*alert_sender_clock)(void *ctx);

/* env is copied; cfg and d must outlive the sender. */
alert_sender *alert_sender_new(db *d, const server_config *cfg, const notify_env *env, pthread_mutex_t *lock,
                               alert_sender_clock clock, void *clock_ctx);
/* The configuration the next attempts use (a reload: server/reload.h); the one before must stay
 * allocated until the sender is freed, as an attempt under way may still read it. */
void alert_sender_set_config(alert_sender *s, const server_config *cfg);
/* Starts the sender thread: a round every half second. */
vg_code alert_sender_start(alert_sender *s, vg_err *err);
/* One round in the calling thread, each attempt made in turn (tests, and nothing else): the number of
 * attempts made. */
size_t alert_sender_run_once(alert_sender *s);
/* Stops the thread, cuts the attempts under way short (libcurl's progress callback) and waits for them. */
void alert_sender_free(alert_sender *s);

#endif
