/* rrd_writer: the RRD files written by a child process of the server.
 *
 * librrd maps a file, updates it and unmaps it at every update. Done by one of the server's threads,
 * each unmap makes the kernel interrupt the other cores that run the server's other threads (a TLB
 * shootdown), and a thread of its own for the writes made every value dearer instead of faster. A
 * process of its own shares no memory map: it writes batch k while the server's HTTP threads read
 * and check batch k + 1, one core each.
 *
 * rrd_store runs one writer per core (rrd_writer_write_split gives each the files of some devices).
 *
 * rrd_writer_start forks the child, which calls `fn` for each batch sent to it and sends back its
 * result: its code, and what became of each sample (rrd_store_stats: a fate per sample, the reasons
 * of the series that failed alone); rrd_writer_write sends one batch and waits for that result, so a
 * batch is answered only once it is written. A writer that dies (a crash on a damaged file, a kill)
 * fails the batch it was writing whole (the agent sends it again; what was written is then found
 * at the files' last update, RRD_SAMPLE_DUPLICATE) and is started again.
 * The child ignores SIGINT and SIGTERM and ends when the server closes its end: a stop never cuts an
 * update in the middle.
 *
 * rrd_writer_write may be called from several threads: their batches queue in the channel, so that
 * the child never waits for the next one, and are written in the order they were sent. */
#ifndef VIGIE_RRD_WRITER_H
#define VIGIE_RRD_WRITER_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "push.h"
#include "store/rrd_store.h"

/* Writes one batch in the child; its code, message and st go back to the caller of rrd_writer_write.
 * fn initialises st (rrd_store_stats_init) for the batch it is given; st->fate may stay NULL (the
 * caller's fates then stay RRD_SAMPLE_FAILED). */
typedef vg_code (*rrd_writer_fn)(void *ctx, const char *site, const push_batch *b, rrd_store_stats *st,
                                 vg_err *err);

typedef struct rrd_writer rrd_writer;

/* NULL with err filled in: VG_E_UNAVAILABLE (no process or socket could be made), VG_E_NOMEM. */
rrd_writer *rrd_writer_start(rrd_writer_fn fn, void *ctx, vg_err *err);
/* Closes the child's channel and waits for it to finish the batch it may be writing. */
void rrd_writer_free(rrd_writer *w);

/* Writes the batch in the child: what fn returned there (its code, message and st, initialised here:
 * rrd_store_stats_clear it), or VG_E_UNAVAILABLE with err saying how the child failed. */
vg_code rrd_writer_write(rrd_writer *w, const char *site, const push_batch *b, rrd_store_stats *st, vg_err *err);

/* Several writers share the files: route() names the writer (0 to n - 1) of a sample's file, always
 * the same for a file. Each writer's share is sent before any answer is awaited, so that they write at
 * once; the fates and failures are put back at their sample's index in b, the counts are added up,
 * and the first failure is the error (the other shares are written: sent again, they are found as
 * duplicates). */
#define RRD_WRITER_SPLIT_MAX 8
typedef size_t (*rrd_writer_route)(const push_sample *s, size_t n);
vg_code rrd_writer_write_split(rrd_writer *const *ws, size_t n, rrd_writer_route route, const char *site,
                               const push_batch *b, rrd_store_stats *st, vg_err *err);

/* Starts a new child if the one there has ended (between batches: nothing was lost). VG_E_UNAVAILABLE
 * with err saying how it ended and whether another one runs now, VG_OK when it was alive. For a timer,
 * so that a writer no batch has gone to is not left dead. */
vg_code rrd_writer_check(rrd_writer *w, vg_err *err);

/* How many times the child ended and was replaced (for /metrics). */
unsigned long rrd_writer_restarts(rrd_writer *w);

/* The child's process id (for tests and logs); 0 when there is none. */
pid_t rrd_writer_pid(rrd_writer *w);

#endif
