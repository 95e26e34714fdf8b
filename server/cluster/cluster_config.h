/* cluster_config: server.yaml's `cluster:` section, `{node: NAME, lease: SECONDS, shard: NAME,
 * shards: [{name: NAME, servers: [URL, ...]}, ...]}` (cluster.h, shard.h).
 * Absent: one server, always the leader. `node` defaults to the host name; `lease` (default 20) is
 * how long the follower waits, on its own clock, for the leader's heartbeat to change before it takes
 * the lease (doc/cluster.md: the takeover bound is lease + 2 s). */
#ifndef VIGIE_CLUSTER_CONFIG_H
#define VIGIE_CLUSTER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/shard.h"
#include "conf.h"
#include "error.h"
#include "names.h"

#define CLUSTER_LEASE_DEFAULT 20
#define CLUSTER_LEASE_MIN 6
#define CLUSTER_LEASE_MAX 300

typedef struct {
    bool on; /* the section is there: a server of a pair */
    char node[NAME_MAX_LEN + 1];
    int lease; /* seconds */
    /* `shards:` and `shard:` (cluster/shard.h): nshards 0 when the estate is one pair */
    server_shard shards[SHARD_MAX];
    size_t nshards;
    int self; /* this server's index in shards */
} server_cluster;

/* n: the section's node, NULL when absent (then *out is a server alone named after the host). */
vg_code cluster_config_read(const conf_doc *d, const conf_node *n, server_cluster *out, vg_err *err);

/* The timing of a lease of lease_ms: the leader renews it every lease/4 (at least 1 s) and acts until
 * lease - guard (lease/10, at least 1 s) after the start of its last renewal (cluster.h). */
int64_t cluster_renew_every_ms(int64_t lease_ms);
int64_t cluster_guard_ms(int64_t lease_ms);

/* The longest delivery attempt (alerting.timeout, smtp's timeout) a lease allows: a leader starts an
 * attempt only when it will end before the other server may take the lease (cluster.h, fencing). */
int cluster_config_max_attempt(const server_cluster *c);
/* Refuses a lease too short for the longest delivery attempt (seconds), at the section's `lease`. */
vg_code cluster_config_check(const conf_doc *d, const conf_node *n, const server_cluster *c, long attempt,
                             vg_err *err);

#endif
