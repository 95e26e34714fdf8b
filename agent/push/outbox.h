/* outbox: every push on its way to the spool: a poll cycle's samples, as pushes of at most OUTBOX_SLICE
 * samples, and batches made elsewhere (traps).
 *
 * The poller hands samples over one at a time (outbox_sink); each is encoded to JSON at once and
 * appended to the text of the current push (push.h's push_text). A full push is numbered and spooled
 * (fsync'd) at once, the last one by outbox_end_cycle. So a cycle of a large site is never held in
 * memory whole, neither as samples nor as a JSON tree: the agent's memory no longer grows with what a
 * cycle brings. Every push, a cycle's or a batch, is numbered, spooled and, should the spool fail
 * (disk full, read-only), kept in memory to be sent without a copy after the spooled ones, by one
 * function, which logs what went wrong. A number is used only once it is recorded: while none can be
 * (spool_next_seq fails), pushes are held in memory unnumbered (at most OUTBOX_HELD_MAX), and they
 * are numbered first once one can be. */
#ifndef VIGIE_OUTBOX_H
#define VIGIE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "push.h"
#include "push/spool.h"
#include "snmp/collect.h"

/* Samples per push: a tenth of what the server takes, so that a push's text stays near 300 kB. */
#define OUTBOX_SLICE 2500
/* Pushes held in memory while no sequence number can be recorded (spool disk full): beyond, the
 * oldest is dropped, loudly. */
#define OUTBOX_HELD_MAX 32

typedef struct outbox outbox;

/* slice: samples per push (0: OUTBOX_SLICE; at most PUSH_MAX_SAMPLES). NULL when out of memory. */
outbox *outbox_new(spool *sp, const char *agent, size_t slice);
void outbox_free(outbox *o);

/* The poller's sink for this outbox, for the samples of a cycle polled at `polled`. */
poll_sink outbox_sink(outbox *o, int64_t polled);

/* Spools the cycle's last push (an empty one when the cycle gave none, so that the server hears from
 * the agent). Returns the number of samples the cycle handed over. */
size_t outbox_end_cycle(outbox *o);

/* Numbers batch b (polled at `polled`, for the log) and spools it as a push of its own, like a full
 * push of a cycle. VG_OK when spooled or kept to be sent; VG_E_NOMEM when lost (logged). */
vg_code outbox_put_batch(outbox *o, const push_batch *b, int64_t polled);

/* Numbers and spools the pushes held for want of a recorded sequence number (see spool_next_seq).
 * false: some are still held (logged as an error). */
bool outbox_retry(outbox *o);
/* Pushes held unnumbered now, and the times a number could not be recorded since outbox_new. */
size_t outbox_held(const outbox *o);
uint64_t outbox_seq_failures(const outbox *o);

/* A push the spool could not take, oldest first (the caller frees it), or NULL. */
char *outbox_take_unspooled(outbox *o);

#endif
