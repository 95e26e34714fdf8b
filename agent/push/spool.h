/* spool: the agent's on-disk queue of batches the server has not stored yet ("nothing lost").
 *
 * Each encoded batch is its own file, DIR/<seq, 20 digits>.json, written to a temp name, fsync'd,
 * renamed and the folder fsync'd before it is first sent; it ends with a "spool" member holding its
 * SHA-256, number and agent, so that replay checks it without decoding it (and sends it without that
 * member); it is removed only once the server has
 * stored it (2xx). Replay goes oldest first and stops at the first batch the server cannot take now.
 * A batch the server refuses for good (4xx) is moved to DIR/rejected/, a file that does not decode to
 * DIR/corrupt/: nothing is deleted silently. A batch the server answers 5xx for the same reason
 * SPOOL_DEAD_AFTER times in a row is this batch's fault, not an outage: it is moved to DIR/dead/ and the
 * queue moves on. A "duplicate" answer for a batch that was never sent before (the server holds another
 * batch with its number) moves it to DIR/duplicate/, loudly. The last outcome is in DIR/status. Beyond max_bytes the oldest batches are dropped, logged,
 * and counted in DIR/dropped. DIR/seq holds the last sequence number used, so that a restarted agent
 * goes on from the next one (the server stores each (agent, seq) once). DIR/lock keeps a second agent
 * out. The folders set aside have a retention by age, count and size (spool_retention), counted in
 * DIR/purged. File names come from sequence numbers only, never from device data. */
#ifndef VIGIE_SPOOL_H
#define VIGIE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "error.h"
#include "push/push_client.h"

typedef struct spool spool;

/* A batch answered 5xx this many times in a row, for the same reason, goes to DIR/dead/. */
#define SPOOL_DEAD_AFTER 3

/* The folders where batches are set aside: rejected/, corrupt/, dead/, duplicate/. */
#define SPOOL_ASIDE_DIRS 4

/* The retention of each folder set aside (agent.yaml `spool_retention:`): a file is deleted `days`
 * after it was set aside, and the oldest go first while a folder holds more than max_files files or
 * max_bytes bytes (its newest file is always kept). The batches waiting are never touched. */
typedef struct {
    int days;
    unsigned max_files;
    uint64_t max_bytes;
} spool_retention;
#define SPOOL_KEEP_DAYS 30    /* the defaults; max_bytes defaults to spool_open's max_bytes */
#define SPOOL_KEEP_FILES 1000
#define SPOOL_PURGE_EVERY 3600 /* seconds between two purges by spool_housekeep */

typedef struct {
    unsigned files[SPOOL_ASIDE_DIRS]; /* deleted from each folder, in the order above */
    unsigned total;
    uint64_t bytes;
} spool_purge_stats;

/* Sends one body; the same contract as push_client_send (why[] filled on failure). */
typedef push_result (*spool_send_fn)(void *ctx, const char *body, size_t len, char *why, size_t why_size);

typedef struct {
    unsigned sent;     /* stored by the server, removed */
    unsigned rejected; /* refused for good, or another agent's: moved to rejected/ */
    unsigned corrupt;  /* unreadable or undecodable, moved to corrupt/ */
    unsigned dead;     /* refused SPOOL_DEAD_AFTER times for the same reason, moved to dead/ */
    unsigned duplicate; /* answered "duplicate" though never sent before, moved to duplicate/ */
    bool retry;        /* stopped at a batch the server could not take now (why[] says why) */
    char why[700];
} spool_replay_stats;

/* Opens (creating it and its subfolders if needed) and locks the spool folder, and indexes the batches
 * already in it. Batches of another agent than `agent` (the agent was renamed) can never be accepted
 * with this agent's token: they are moved to rejected/ at replay. max_bytes bounds the batches
 * waiting. NULL on error, with err filled in: VG_E_IO (a folder that cannot be made or opened),
 * VG_E_CONFLICT (another agent holds the lock), VG_E_INVALID (no folder name), VG_E_NOMEM. */
spool *spool_open(const char *dir, const char *agent, uint64_t max_bytes, vg_err *err);
/* Releases the lock; the files stay. */
void spool_close(spool *s);

/* The next sequence number, recorded (fsync'd) in DIR/seq before it is returned. The first ever is
 * time(NULL) * 1000. Returns VG_E_IO if it could not be recorded: then no number is given (*seq must
 * not be used; the next call tries the same number again), since a number not on disk could be given
 * again after a restart. Thread-safe, like every function here: the poller spools while the push
 * thread replays. */
vg_code spool_next_seq(spool *s, uint64_t *seq, vg_err *err);

/* Stores a batch durably under its sequence number, then drops the oldest batches (logging an error)
 * while the spool holds more than max_bytes; the newest batch is always kept. When the batch could not
 * be written it is not in the spool: VG_E_IO (disk), VG_E_INVALID (not a JSON object), VG_E_NOMEM. */
vg_code spool_put(spool *s, uint64_t seq, const char *body, size_t len, vg_err *err);

/* Sends the waiting batches oldest first through send(). PUSH_FAILED counts towards dead/ and stops
 * replay like a PUSH_RETRY until the count is reached; PUSH_DUPLICATE is a success only for the batch
 * that was tried before without an answer (or was the oldest when the spool was opened). Stops at the
 * first PUSH_RETRY, or when
 * budget_s seconds have passed (budget_s <= 0: no limit; at least one batch is always tried).
 * Corrupt and rejected batches are set aside and logged, and replay goes on. VG_E_IO when a file could
 * not be removed or moved (replay stops there), VG_E_NOMEM; the stats say what was done either way. */
vg_code spool_replay(spool *s, spool_send_fn send, void *ctx, double budget_s, spool_replay_stats *st, vg_err *err);

/* ---- several servers ------------------------------------------------------------------------
 *
 * agent.yaml `server:` may name up to SPOOL_SERVERS_MAX servers: each batch then waits until every one
 * of them has stored it (the same number for all: each server stores (agent, seq) once), and each
 * server is sent its batches oldest first by its own replay (spool_replay_for, one push thread each).
 * A server whose backlog (what waits for it alone or with others) would pass backlog_max gives up its
 * oldest batches: it is "behind" (an error logged once, its state file, spool_server_get) until it has
 * caught up; the spool's own bound (max_bytes) still holds for all. What each server has stored is on
 * disk (spool_internal.h), so that a restarted agent sends each one what it lacks, and nothing twice. */
#define SPOOL_SERVERS_MAX 4

/* Sets the servers, in agent.yaml's order, right after spool_open (before anything is sent), and
 * reads what each one had stored: a batch no server lacks is removed. backlog_max: the bound of a
 * server's backlog (ignored with one server: the spool's bound is it). VG_E_INVALID (0 or more than
 * SPOOL_SERVERS_MAX servers), VG_E_NOMEM. */
vg_code spool_set_servers(spool *s, const char *const *urls, size_t n, uint64_t backlog_max, vg_err *err);
size_t spool_servers(const spool *s);
/* spool_replay for server k: its batches, oldest first; a batch leaves the spool (or goes to a folder
 * set aside, when a server refused it) once no server lacks it. spool_replay is server 0's. */
vg_code spool_replay_for(spool *s, size_t k, spool_send_fn send, void *ctx, double budget_s, spool_replay_stats *st,
                         vg_err *err);
/* spool_put for server k alone (a batch that server refused for its times, spooled again for it). */
vg_code spool_put_for(spool *s, uint64_t seq, const char *body, size_t len, size_t k, vg_err *err);

typedef struct {
    char url[1100];
    bool behind;           /* its backlog bound was reached and it has not caught up yet */
    size_t waiting;        /* batches it lacks, and their bytes */
    uint64_t bytes;
    uint64_t skipped;      /* batches it will never get, since it fell behind */
    uint64_t stored_upto;  /* the last batch it handled, 0 for none */
    time_t last_stored;    /* when it last stored a batch (this run), 0 for never */
    char last_why[300];    /* its last failure, "" after a success */
} spool_server_info;
void spool_server_get(const spool *s, size_t k, spool_server_info *out);
size_t spool_count_for(const spool *s, size_t k); /* batches server k lacks */

size_t spool_count(const spool *s);       /* batches waiting */
uint64_t spool_bytes(const spool *s);     /* their size */
uint64_t spool_dropped(const spool *s);   /* batches dropped over the bound since the spool was created */
uint64_t spool_last_seq(const spool *s);  /* the last number given, 0 before the first */
const char *spool_dir(const spool *s);
uint64_t spool_dead(const spool *s);       /* batches moved to dead/ since the spool was opened */
uint64_t spool_duplicates(const spool *s); /* batches moved to duplicate/ since the spool was opened */

/* Sets the retention of the folders set aside (days and max_files at least 1). */
void spool_set_retention(spool *s, const spool_retention *r);
/* Applies it now: deletes what is past its days or over a bound in each folder set aside, logs one
 * warning naming the counts when anything was deleted (errors: one per folder), and adds them to
 * DIR/purged. Returns the files deleted (also in *st). */
unsigned spool_purge(spool *s, time_t now, spool_purge_stats *st);
/* The agent's housekeeping, called at every poll: spool_purge at the first call, then once every
 * SPOOL_PURGE_EVERY seconds (a clock stepped back purges again). */
void spool_housekeep(spool *s, time_t now);
uint64_t spool_purged(const spool *s); /* files deleted by the retention since the spool was created */

/* Prints what DIR holds (batches waiting: count, bytes, oldest; the counts of rejected/, corrupt/,
 * dead/, duplicate/, their bytes and oldest; the dropped count; the files deleted by the retention
 * and when last; the last push's outcome) without locking it: the agent may be
 * running. VG_E_IO when DIR cannot be read. */
vg_code spool_status_print(const char *dir, FILE *out, vg_err *err);
/* A batch file's name, "<20 digits>.json", and with `suffix` also "<20 digits>.json.<n>" (the names in
 * rejected/, corrupt/, dead/, duplicate/): true and *seq set when it is one. */
bool spool_parse_name(const char *name, bool suffix, uint64_t *seq);

#endif
