/* audit: the tamper-evident trail of who did what (ISO 27001 A.8.15). Every action (a login or a failed
 * one, a token added or revoked, a maintenance window, an acknowledgement, a silence, a report generated
 * or sent, the configuration loaded, the server started or stopped, a purge of old entries) is one row
 * of the `audit` table: when, who, from which address, the action, its object, the outcome and a detail.
 * Each row carries the hash of the row before it, so that a row changed or deleted breaks the chain
 * (audit_verify names the first bad one).
 *
 * An entry's hash is the HMAC-SHA-256, keyed by DATA_DIR/audit.key (audit_key_load), of a
 * length-prefixed encoding of its id, time, who, address, action, object, outcome, detail and the hash
 * before it: someone who can write the database but cannot read the key cannot make a changed row
 * verify. What the chain does not show alone is the newest rows deleted (the rest still verifies): each
 * append logs the new head (id and hash) to the server's log, the server remembers the last head it
 * wrote, and audit_verify checks a head given to it (doc/audit.md). Old entries are deleted by
 * audit_purge only, which appends an "audit.purge" entry naming the last one deleted and its hash: the
 * first entry left is anchored to it. */
#ifndef VIGIE_AUDIT_H
#define VIGIE_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store/db.h"
#include "store/db_audit.h"

/* who, for the server's own entries (start, stop, configuration, purge) */
#define AUDIT_SERVER "vigie-server"
#define AUDIT_KEY_FILE "audit.key"

/* Appends one entry at ts. The caller holds the writers' lock (api.h) when there is one. who, addr,
 * object and detail may be "" (never NULL); outcome is "ok", "denied", "failed" or an HTTP status. A
 * failure is returned (the caller logs it once): an action is never refused for its audit. Every field
 * is cut to its bound (db_audit.h), at a character boundary; control characters become spaces and
 * bytes that are not UTF-8 '?'. The new head is logged (info, module "audit"). */
vg_code audit_append(db *d, int64_t ts, const char *who, const char *addr, const char *action, const char *object,
                     const char *outcome, const char *detail, vg_err *err);

/* The key of the entries' HMAC from DATA_DIR/audit.key (64 hex digits), created (0600, random) when
 * missing (*created true: the server logs it). Refused when the file is not a regular file, is readable
 * by group or others, or does not hold a key. Call it before any thread appends. Without a key loaded
 * (unit tests), a fixed one is used. */
vg_code audit_key_load(const char *data_dir, bool *created, vg_err *err);
/* Uses key (at least 32 bytes of text) instead: tests. NULL: back to the fixed one. */
void audit_key_set(const char *key);

/* The head of the trail: its last entry. */
typedef struct {
    int64_t id; /* 0: no entry */
    char hash[DB_AUDIT_HASH_HEX + 1];
} audit_head;
/* The last entry this process appended (false when none since it started). */
bool audit_head_get(audit_head *out);
void audit_head_forget(void); /* tests */
/* "ID:HASH" (as the log writes it) into *out; false when it is not that. */
bool audit_head_parse(const char *s, audit_head *out);

/* The hash that r's fields (all but hash) give, in lowercase hex. */
void audit_hash(const db_audit_row *r, char out[DB_AUDIT_HASH_HEX + 1]);
/* The lowercase hex SHA-256 of a file's bytes (the configuration an entry names). */
vg_code audit_file_sha256(const char *path, char out[DB_AUDIT_HASH_HEX + 1], vg_err *err);

/* Retention: deletes the oldest entries, those before the first one at or after cutoff, at most limit,
 * and appends an "audit.purge" entry at now whose detail is {"deleted": N, "through": ID, "hash": H},
 * ID and H the last entry deleted, in one transaction. *deleted: N (0: nothing to delete, no entry). */
#define AUDIT_PURGE_ACTION "audit.purge"
vg_code audit_purge(db *d, int64_t cutoff, int64_t now, int limit, long *deleted, vg_err *err);

/* ---- verification (audit_verify.c) ------------------------------------------------------------ */

typedef enum {
    AUDIT_OK = 0,
    AUDIT_BAD_HASH,      /* the entry's hash is not that of its content: it was changed */
    AUDIT_BAD_LINK,      /* its prev is not the hash of the entry before it */
    AUDIT_BAD_GAP,       /* the entry (or entries) before it is missing: `other` is the one before */
    AUDIT_BAD_START,     /* the trail starts at it, not at 1, and no purge entry anchors it */
    AUDIT_BAD_MALFORMED, /* a column is not of its type, or longer than any append writes */
    AUDIT_BAD_TRUNCATED, /* the head given is missing: the trail ends at `other` */
    AUDIT_BAD_HEAD,      /* the head given is there with another hash */
} audit_problem;

typedef struct {
    bool ok;
    long long entries;   /* rows walked */
    int64_t first_bad;   /* the first bad entry's id, 0 when ok */
    audit_problem problem;
    int64_t other;       /* AUDIT_BAD_GAP: the entry before; AUDIT_BAD_TRUNCATED: the last one */
    char reason[320];    /* in English: "entry 17: its hash does not match its content" */
    audit_head head;     /* the trail's last entry as found */
} audit_verdict;

/* Walks the trail in id order: each entry's hash, its link to the one before, the continuity of ids; a
 * first entry other than 1 must be anchored by a purge entry (its "through" and "hash"). With expect
 * (may be NULL or of id 0), its entry must be there with that hash. VG_OK with the verdict in *out
 * (ok or not); an error only when the database cannot be read. */
vg_code audit_verify(db *d, const audit_head *expect, audit_verdict *out, vg_err *err);
/* The stable name of a problem, for the API: "hash", "link", "gap", "start", "malformed", "truncated",
 * "head"; NULL for AUDIT_OK. */
const char *audit_problem_name(audit_problem p);

#endif
