/* spool_internal: the spool's state, shared by its files only (spool.c: files, index, bound, put and
 * the folders set aside; spool_replay.c: sending; spool_servers.c: what each server still needs).
 *
 * Several servers (agent.yaml `server:` as a list): every waiting batch carries the set of servers
 * that have not stored it yet (spool_entry.need, one bit per server); its file goes once that set is
 * empty. What each server has done is on disk in DIR/server-<hash of its URL> ("low high ..."): every
 * batch numbered below low is done for it, and the batches up to high may have been stored already
 * (a "duplicate" answer for them is their stored copy). A batch spooled again for one server only
 * (its times refused by that server) has DIR/<seq>.for naming the servers it is for (their state
 * files' names, one a line). With one server
 * none of these files is written: a batch's file is its whole state, as before. */
#ifndef VIGIE_SPOOL_INTERNAL_H
#define VIGIE_SPOOL_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "names.h"
#include "push/spool.h"

#define SPOOL_DIGITS 20                    /* UINT64_MAX has 20 digits */
#define SPOOL_NAME_LEN (SPOOL_DIGITS + 5) /* "<digits>.json" */
#define SPOOL_NAME_MAX 48

/* where a batch goes once no server needs it: deleted, or into a folder set aside (the first server
 * that refused it decides) */
typedef enum { SP_ASIDE_NONE = 0, SP_ASIDE_REJECTED, SP_ASIDE_CORRUPT, SP_ASIDE_DEAD, SP_ASIDE_DUPLICATE } sp_aside;

typedef struct {
    uint64_t seq;
    uint64_t size;
    uint8_t need;   /* the servers that have not stored it yet, one bit each */
    uint8_t aside;  /* sp_aside */
    bool masked;    /* DIR/<seq>.for exists */
} spool_entry;

typedef struct {
    char url[1100];
    char file[40];          /* "server-<16 hex>" */
    uint64_t low, high;     /* every batch below low done for it; high: the last it handled */
    uint64_t unsure_upto;   /* a "duplicate" for a batch up to this one is its stored copy */
    uint64_t unsure_seq;    /* the batch sent without an answer (the same, during the run) */
    uint64_t fail_seq;      /* the batch it refused (5xx) fail_count times for fail_why */
    unsigned fail_count;
    char fail_why[200];
    uint64_t sending;       /* the batch on its way to it: the bounds leave that one alone */
    bool sending_set;
    size_t count;           /* batches waiting for it, and their bytes */
    uint64_t bytes;
    bool behind;            /* its backlog bound was reached: it lost batches, until it is back */
    bool behind_logged;
    uint64_t skipped;       /* batches it will never get (its backlog bound), since it fell behind */
    time_t last_stored;     /* the last time it stored a batch, 0 for never (since the agent started) */
    char last_why[300];     /* its last failure ("" after a success) */
    bool dirty;             /* low, high or behind changed: its file is written after the lock */
    pthread_mutex_t file_mu; /* one writer of its file at a time */
} spool_server;

struct spool {
    char dir[4096];
    char agent[NAME_MAX_LEN + 1];
    int dfd;       /* the spool folder */
    int lock_fd;   /* DIR/lock, flock'ed for the spool's life */
    uint64_t max_bytes, bytes, dropped, last_seq;
    spool_entry *e; /* waiting batches, oldest first: e[head .. head + count) */
    size_t head, count, cap;
    /* The poller spools (spool_next_seq, spool_put) while the push threads replay: the lock guards the
     * index and the counters, never a send */
    pthread_mutex_t mu;
    uint64_t dead, duplicates; /* since the spool was opened */
    /* the servers (spool_set_servers; one by default), and the bound of each one's backlog */
    spool_server srv[SPOOL_SERVERS_MAX];
    size_t nservers;
    uint64_t backlog_max;
    /* the folders set aside: their retention, and the files it deleted (DIR/purged). Its own lock, so
     * that a purge never holds up the live queue */
    pthread_mutex_t aside_mu;
    spool_retention ret;
    uint64_t purged;
    time_t purged_at; /* the last spool_purge, 0 before the first */
};

/* spool.c */
void sp_name(uint64_t seq, char *out, size_t size);
double sp_mono(void);
vg_code sp_write_file(const spool *s, const char *name, const char *data, size_t len, vg_err *err);
/* A counter file of the spool (seq, dropped, purged): the number, written whole (tmp, fsync, rename). */
vg_code sp_write_u64(const spool *s, const char *name, uint64_t v, vg_err *err);
vg_code sp_set_aside(spool *s, const char *name, const char *sub, vg_err *err);
const char *sp_aside_dir(sp_aside a);
typedef enum { SP_CHECK_NONE, SP_CHECK_OK, SP_CHECK_BAD, SP_CHECK_FOREIGN } sp_check_result;
sp_check_result sp_check_file(const spool *s, uint64_t seq, char *buf, size_t *len, char *why, size_t why_size);
/* index (mu held): the position of seq, or -1; removal of one entry (its servers' counts too) */
long sp_index_find(const spool *s, uint64_t seq);
void sp_index_remove(spool *s, size_t at);
vg_code sp_put_masked(spool *s, uint64_t seq, const char *body, size_t len, uint8_t need, vg_err *err);

/* spool_servers.c */
uint8_t sp_all_servers(const spool *s);
void sp_servers_init(spool *s); /* one server, no files: what spool_open sets */
/* The entry server k sends next (mu held), -1 for none. */
long sp_next_for(const spool *s, size_t k);
/* Server k is done with seq (mu held): its bit cleared, its low and high moved, dirty set. true when
 * no server needs seq any more: *gone is then a copy of the entry, now out of the index (its file to
 * be removed or set aside by the caller, after the lock). */
bool sp_done_for(spool *s, size_t k, uint64_t seq, sp_aside aside, spool_entry *gone);
/* After the lock: deletes or sets aside the file of an entry no server needs (logged). */
vg_code sp_release(spool *s, const spool_entry *gone, vg_err *err);
/* Writes the files of the servers marked dirty (not under mu); sync: fsync'd. */
void sp_save_servers(spool *s, bool sync);
/* The backlog bound of each server (mu held), after a batch was spooled. */
void sp_enforce_backlogs(spool *s);

#endif
