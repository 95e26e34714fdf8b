/* rrd_store: samples into RRD files, with librrd.
 *
 * Layout (one series per file, so that a device growing a new metric or outlet never means
 * reshaping an existing file):
 *
 *   DATA_DIR/rrd/SITE/DEVICE/METRIC.rrd              scalar metrics
 *   DATA_DIR/rrd/SITE/DEVICE/METRIC@INSTANCE.rrd     table rows (instance made path-safe: %XX)
 *
 * Each file has one GAUGE data source named "value", step = the agents' poll interval, heartbeat
 * 3 steps (longer for swept metrics: rrd_store_set_heartbeat), AVERAGE archives of 2 days at the step, 14 days at 5 steps, 400 days at one hour and 5 years
 * at one day (for monthly SLA graphs), and MIN/MAX archives of 7 days at 5 steps, 62 days at one hour
 * and 5 years at one day (the dashboard's band; see rs_archives); "one hour" and "one day" are
 * rounded down to whole steps when the step does not divide them. Names are validated before they come here
 * and are still re-checked: a device name never becomes a path unchecked.
 *
 * RRD refuses a sample not newer than the file's last update; rrd_store_write skips those and counts
 * them (`stale`), so that one late sample does not make a whole batch fail; the caller keeps them
 * elsewhere (db_late.c). A series whose own file cannot be written fails alone: the others are written
 * and rrd_store_write says which samples failed and why (rrd_store_stats).
 *
 * Through rrdcached, a batch's updates go as one BATCH command on a connection of the store's own;
 * without it, the server has child processes write the files (rrd_store_start_writer, rrd_writer.h).
 * rrd_store_write may be called from several threads: one writes at a time. */
#ifndef VIGIE_RRD_STORE_H
#define VIGIE_RRD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "push.h"

typedef struct rrd_store rrd_store;

rrd_store *rrd_store_new(const char *data_dir, int step);
void rrd_store_free(rrd_store *s);
/* The files made from now on for series of `metric` get a heartbeat of `seconds` (at least 3 steps)
 * instead of 3 steps: metrics read in a slow sweep (a slice of a large table a cycle, vocabulary.yaml
 * `heartbeat:`) have a sample every few cycles, and RRD leaves every row unknown between two updates
 * further apart than the heartbeat. Files made before keep theirs. Call before rrd_store_start_writer
 * (the writers are forks). At most RRD_HEARTBEATS_MAX metrics. */
#define RRD_HEARTBEATS_MAX 64
vg_code rrd_store_set_heartbeat(rrd_store *s, const char *metric, int seconds, vg_err *err);

/* What became of a sample given to rrd_store_write. FAILED is 0, so that a sample nobody reported on
 * counts as not stored. */
typedef enum {
    RRD_SAMPLE_FAILED = 0, /* its series' file could not be written (a reason is in failures[]) */
    RRD_SAMPLE_WRITTEN,
    RRD_SAMPLE_STALE,      /* older than the file's last update: RRD takes no such sample */
    RRD_SAMPLE_DUPLICATE,  /* at the file's last update itself: written before (a batch sent again) */
} rrd_sample_fate;

#define RRD_STORE_FAILURES_MAX 32 /* failed series whose reason is kept; the fates are whole */
#define RRD_STORE_REASON_MAX 256

typedef struct {
    size_t index; /* a sample of the failed series (its oldest), in the batch given to rrd_store_write */
    char reason[RRD_STORE_REASON_MAX];
} rrd_store_failure;

typedef struct {
    size_t written, stale, failed; /* samples; stale counts the DUPLICATE ones too */
    size_t failed_series;
    unsigned char *fate; /* per sample of the batch, in its order (rrd_sample_fate); NULL when nfate is 0 */
    size_t nfate;
    size_t nfailures; /* the first RRD_STORE_FAILURES_MAX failed series */
    rrd_store_failure failures[RRD_STORE_FAILURES_MAX];
} rrd_store_stats;

/* Makes st ready for a batch of n samples: counts 0, every fate FAILED. VG_E_NOMEM. */
vg_code rrd_store_stats_init(rrd_store_stats *st, size_t n);
void rrd_store_stats_clear(rrd_store_stats *st);
/* The counts again from the fates (after they were set or merged). */
void rrd_store_stats_count(rrd_store_stats *st);
/* Why sample i of b failed: the reason kept for its series, or a general one past
 * RRD_STORE_FAILURES_MAX. */
const char *rrd_store_stats_reason(const rrd_store_stats *st, const push_batch *b, size_t i);
/* A new batch (agent, seq and devices of b) of the samples of b whose fate is in `fates` (a mask of
 * 1u << rrd_sample_fate). NULL when out of memory. */
push_batch *rrd_store_stats_select(const rrd_store_stats *st, const push_batch *b, unsigned fates);

/* Writes every sample of the batch for `site`; st (initialised here, rrd_store_stats_clear it) says
 * what became of each. VG_OK when every series was written, found stale or failed because of its own
 * file (a garbage or foreign RRD file, a folder that cannot be made, an I/O error on it: the other
 * series are written). VG_E_IO when the store itself failed, so that no series can be trusted to have
 * been written and the batch must come again: a writer process that died, rrdcached unreachable, no
 * space or a read-only file system, no memory. */
vg_code rrd_store_write(rrd_store *s, const char *site, const push_batch *b, rrd_store_stats *st, vg_err *err);

/* Writes go through rrdcached at addr ("unix:/run/rrdcached.sock", "host:port") from now on; the files
 * stay where they are (rrdcached must be started without -B, or with this data folder as base). */
void rrd_store_set_daemon(rrd_store *s, const char *addr);
/* Has child processes write the files from now on, one per core up to 4, each owning the files of some
 * devices (see rrd_writer.h); call it before starting threads. Nothing to do through rrdcached.
 * VG_E_UNAVAILABLE when a process cannot be started. */
vg_code rrd_store_start_writer(rrd_store *s, vg_err *err);
/* Starts again the writer processes that ended, and logs how they did (the server's timer calls it). */
void rrd_store_check_writers(rrd_store *s);
/* Writer processes that ended and were replaced since the start. */
unsigned long rrd_store_writer_restarts(const rrd_store *s);
/* The writer processes (at most max of them); 0 without. */
size_t rrd_store_writer_pids(const rrd_store *s, pid_t *pids, size_t max);
/* Before a file is read (graphs, series): has rrdcached write what it holds for it. No-op without. */
void rrd_store_flush(rrd_store *s, const char *path);
/* The rrdcached address, "" without (librrd's readers take it as --daemon). */
const char *rrd_store_daemon(const rrd_store *s);

/* Whether librrd may be handed this file: a regular file that is not empty. librrd 1.7 formats the
 * name of a file it cannot map as a printf format: with the %XX of instance names it reads stray
 * arguments, and a name with "%20n" aborts the process. Readers check this before librrd opens a file. */
bool rrd_store_file_mappable(const char *path);

/* Whether a sample's series can be stored, before the batch is written (ingest): VG_E_INVALID with
 * err's field "instance" or "metric" when its file name cannot be made (longer than 255 bytes once
 * escaped), VG_E_IO when its file cannot be reached (a file where its folder should be): the sample
 * is refused alone instead of failing every retry of the batch. *is_new: no file yet. */
vg_code rrd_store_admit(const rrd_store *s, const char *site, const push_sample *smp, bool *is_new, vg_err *err);
/* Makes the file of a new series, its first sample `first` (the oldest of the batch), in the calling
 * thread: the ingest makes a batch's new files on its own agent's request thread, so that the writer
 * processes, which every agent shares, only update, and one agent making thousands of series delays no
 * other agent's push. VG_OK too when the file is there already (made by another thread meanwhile:
 * kept); VG_E_IO with the reason otherwise (the writer then tries again and reports it per series). */
vg_code rrd_store_create(const rrd_store *s, const char *site, const push_sample *first, vg_err *err);
/* The series (.rrd files) stored for a device, or for every device of a site when device is NULL. */
size_t rrd_store_series_count(const rrd_store *s, const char *site, const char *device);
/* The bytes free for the server in the data folder (statvfs). VG_E_IO when it cannot be read. */
vg_code rrd_store_disk_free(const rrd_store *s, uint64_t *bytes);
/* The size of a new series' file. */
uint64_t rrd_store_file_bytes(const rrd_store *s);

/* The file that holds a series (for readers and tests). VG_E_INVALID when a name is invalid or its
 * file name would be longer than 255 bytes. */
vg_code rrd_store_path(const rrd_store *s, const char *site, const char *device, const char *metric,
                       const char *instance, char *out, size_t size);

#endif
