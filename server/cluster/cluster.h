/* cluster: which server of a pair leads, elected through the shared database (store/db_cluster.h).
 *
 * Both servers store every push, answer the API and serve the dashboard; only the leader derives
 * health, evaluates the alert rules, queues and sends notifications, escalates, repeats, purges old
 * rows and mails reports. The leader renews the lease (its beat +1) every lease/4 seconds. The
 * follower looks every second and times how long the beat has not changed on its OWN clock (never
 * comparing the leader's clock with its own): after `lease` seconds it takes the lease, with the term
 * +1, in one compare-and-set. Takeover bound: lease + 2 s after the leader's last renewal.
 *
 * Fencing: a leader acts only while its lease is valid on its own monotonic clock, until
 * (start of its last successful renewal) + lease - guard, which is before the follower can take it
 * over; a delivery attempt starts only when it will end (its timeout) before then, and each attempt
 * is claimed in the database under the term, which fails once another server holds the lease.
 *
 * A server without `cluster:` is alone: it takes the lease at start (term +1) and leads for good.
 * The process has one current cluster (cluster_set_current); with none (the unit tests of other
 * modules), this process is a leader of term 0 and claims nothing. */
#ifndef VIGIE_CLUSTER_H
#define VIGIE_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/cluster_config.h"
#include "error.h"
#include "names.h"
#include "store/db.h"

typedef enum { CLUSTER_ALONE, CLUSTER_LEADER, CLUSTER_FOLLOWER } cluster_role;

typedef struct {
    cluster_role role;
    char node[NAME_MAX_LEN + 1];
    char leader[NAME_MAX_LEN + 1]; /* the lease's holder as last read ("" when none or released) */
    char shard[NAME_MAX_LEN + 1];  /* this server's shard (cluster/shard.h), "" when not sharded */
    int64_t term;                  /* the lease's term as last read */
    int lease;                     /* seconds */
    int64_t since;                 /* wall time of the last change of role */
} cluster_status;

typedef struct cluster cluster;

/* Monotonic milliseconds; NULL: CLOCK_MONOTONIC. Tests drive a fake one. */
typedef int64_t (*cluster_clock)(void *ctx);

/* d: a connection of the cluster's own (kept, not closed). A server alone takes the lease now. */
vg_code cluster_new(db *d, const server_cluster *cfg, cluster_clock clock, void *clock_ctx, cluster **out,
                    vg_err *err);
/* The server's cluster: a connection of its own to target (closed by cluster_free), the batch node
 * (db_cluster.h), the process's current cluster, its thread started. */
vg_code cluster_open(const char *target, const server_cluster *cfg, cluster **out, vg_err *err);
/* One round of the election at the clock's now (the thread runs one a second). */
void cluster_step(cluster *c);
/* The thread of a pair's server (nothing for a server alone). */
vg_code cluster_start(cluster *c, vg_err *err);
/* Stops the thread; a leader releases the lease, so that the other takes over at its next look. */
void cluster_free(cluster *c);

bool cluster_leads(cluster *c);
void cluster_status_of(cluster *c, cluster_status *out);
const char *cluster_role_name(cluster_role r);

/* The process's cluster, for the functions below (NULL: none). */
void cluster_set_current(cluster *c);
/* Whether this process may derive health, judge alerts and tick (the current cluster leads). */
bool cluster_is_leader(void);
/* Whether an attempt of need_s seconds may start now: true with the term to claim it under (0: no
 * cluster, nothing to claim). */
bool cluster_may_send(int need_s, int64_t *term);
/* The current cluster's status (a server alone of term 0 when none). */
void cluster_status_get(cluster_status *out);

#endif
