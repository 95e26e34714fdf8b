/* rrd_store_internal: what the files of the RRD store share; not for other modules.
 *
 * rrd_store.c writes the files itself (librrd) or in writer processes, and keeps the last update of
 * every file it knows; rrd_cached.c sends the updates to rrdcached instead (one BATCH a push);
 * rrd_store_stats.c keeps what became of each sample. They share the store and these helpers. */
#ifndef VIGIE_RRD_STORE_INTERNAL_H
#define VIGIE_RRD_STORE_INTERNAL_H

#include <pthread.h>
#include <rrd.h>
#include <rrd_client.h> /* RRD_CMD_MAX */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "store/rrd_store.h"
#include "store/rrd_writer.h"

#define RRD_PATH_MAX 1024
#define RRD_FILE_NAME_MAX 255 /* NAME_MAX of Linux file systems */
#define RRD_CACHE_SLOTS 65536u /* a power of two; last-update times of known files */
#define RS_LAST_UNKNOWN ((time_t)-1) /* a cached file whose last update must be read again */
#define RS_WRITERS_MAX 4 /* writer processes, one per core up to this */

typedef struct {
    char *path;
    time_t last;
} rs_cache_entry;

struct rrd_store {
    char dir[RRD_PATH_MAX];
    int step;
    rs_cache_entry *cache; /* open addressing; grows never: when full, entries are looked up on disk */
    unsigned long corrupt;
    char daemon[256]; /* rrdcached address, "" to write the files directly */
    /* rrdcached: updates go as one BATCH per push on a connection of our own (see rs_batch_write) */
    char real_dir[RRD_PATH_MAX]; /* dir without symbolic links: rrdcached's name for the files */
    int batch_fd;
    char rbuf[RRD_CMD_MAX];
    size_t rlen;
    pthread_mutex_t lock;  /* one write in this process at a time: the cache, the BATCH connection */
    rrd_writer *writers[RS_WRITERS_MAX]; /* none: the files are written in this process */
    size_t nwriters;
    /* the batch rs_write_here is writing (lock held, or the writer process's one thread): */
    const push_sample *base; /* its first sample: a sample's index is its offset (one array, lib/push.c) */
    bool store_failed;       /* a failure of the store, not of one file: the batch fails whole */
    struct {                 /* metrics whose files get a longer heartbeat (rrd_store_set_heartbeat) */
        char metric[NAME_MAX_LEN + 1];
        int seconds;
    } heartbeats[RRD_HEARTBEATS_MAX];
    size_t nheartbeats;
};

/* rrd_store_stats.c: a sample's fate, by its place in the batch being written (s->base). */
int rs_same_series(const push_sample *a, const push_sample *b);
void rs_mark(rrd_store *s, rrd_store_stats *st, const push_sample *smp, rrd_sample_fate fate);
/* A series failed because of its own file (reason says how): its samples fail, the batch goes on. */
void rs_fail_series(rrd_store *s, rrd_store_stats *st, const push_sample **run, size_t n, const char *reason);

/* rrd_store.c: the cache of last updates (RS_LAST_UNKNOWN: read it again), a file's last update
 * (created when missing), a damaged file set aside (1 when it was), one series written with librrd
 * (through rrdcached's librrd client when one is configured). -1 on error, with err. */
void rs_cache_put(rrd_store *s, const char *path, time_t last);
int rs_last(rrd_store *s, const char *path, const push_sample *first, time_t *last, char *err, size_t err_size);
int rs_set_aside_if_corrupt(rrd_store *s, const char *path);
int rs_write_series_once(rrd_store *s, const char *path, const push_sample **run, size_t n, rrd_store_stats *st,
                         char *err, size_t err_size);

/* rrd_cached.c: librrd's connection to rrdcached, (re)made when one is configured (-1, with err and
 * s->store_failed, when it cannot be); the runs of a sorted batch written in one BATCH. */
int rs_daemon(rrd_store *s, char *err, size_t err_size);
int rs_batch_write(rrd_store *s, const char *site, const push_sample **order, const size_t *runs, size_t nruns,
                   rrd_store_stats *st, char *err, size_t err_size);

#endif
