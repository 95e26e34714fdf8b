/* db_cluster: what a pair of servers shares in the database to elect one leader (cluster/cluster.h)
 * and to send each notification once (schema version 11).
 *
 * The lease is one row of cluster_lease: its holder (a node name, "" once released), its term (+1 at
 * every change of holder: the fencing token) and its beat (+1 at every renewal). Every write is one
 * compare-and-set UPDATE, so that two servers racing for it never both win. No time of the row is
 * compared with another server's clock: `renewed` is the holder's wall time, shown, never judged.
 *
 * A notification is claimed (status 'sending', claim_term) by the leader of a term before it is
 * attempted, in one UPDATE that checks that the term still holds the lease: a leader that lost the
 * lease claims nothing. The rows a dead leader had claimed are queued again by the next one.
 *
 * The batch node: the accepted batches are keyed (node, agent, seq), so that a batch stored by one
 * server of a pair is not taken for a replay by the other; "" for a server alone. Set once at start,
 * before any thread (process-wide: every connection's db_batch_seen and db_batch_store use it). */
#ifndef VIGIE_DB_CLUSTER_H
#define VIGIE_DB_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "names.h"
#include "store/db.h"

typedef struct {
    bool found; /* false: no lease row yet */
    char holder[NAME_MAX_LEN + 1];
    int64_t term, beat, renewed;
} db_lease;

vg_code db_lease_read(db *d, db_lease *out, vg_err *err);
/* The first lease (term 1), when there is no row: *won whether this node got it. */
vg_code db_lease_create(db *d, const char *node, int64_t now, bool *won, vg_err *err);
/* Takes the lease seen as (term, beat): term + 1 when *won; lost to whoever changed it since. */
vg_code db_lease_take(db *d, const char *node, int64_t term, int64_t beat, int64_t now, bool *won, vg_err *err);
/* A server alone: takes the lease whatever its state, *term the new one. */
vg_code db_lease_force(db *d, const char *node, int64_t now, int64_t *term, vg_err *err);
/* The holder's heartbeat: *kept false when the lease is no longer (node, term). */
vg_code db_lease_renew(db *d, const char *node, int64_t term, int64_t now, bool *kept, vg_err *err);
/* A clean stop: holder "", so that the other server takes over at its next look. */
vg_code db_lease_release(db *d, const char *node, int64_t term, vg_err *err);

/* Claims notification id for an attempt by the leader of term; *claimed false when another took it,
 * it is no longer due, or term no longer holds the lease. */
vg_code db_notification_claim(db *d, int64_t id, int64_t term, bool *claimed, vg_err *err);
/* The rows claimed by an older term and never recorded (their leader died during the attempt): due
 * again now; *n how many. */
vg_code db_notification_requeue(db *d, int64_t term, int64_t now, int *n, vg_err *err);

/* The lease's row: "leader" for a pair, the shard's name in a sharded estate (cluster/shard.h), each
 * shard electing its own leader. Process-wide, set once at start like the batch node; a notification
 * carries the lease of the shard that queued it, whose leader alone sends and requeues it. */
void db_lease_name_set(const char *name);
const char *db_lease_name(void);

void db_batch_node_set(const char *node);
const char *db_batch_node(void);

#endif
