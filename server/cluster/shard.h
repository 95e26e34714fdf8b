/* shard: the sites of an estate larger than one pair, split over several pairs (shards) that share one
 * database (doc/cluster.md, "Beyond a pair").
 *
 * Every server of the estate reads the same server.yaml: all sites, all agents, `cluster.shards` (each
 * shard's name and the base URLs of its servers) and `cluster.shard`, the one it belongs to. A site
 * belongs to the shard its `shard:` key names (default: the first); a public site to its checking
 * agent's site's shard, since that agent's pushes carry its samples.
 *
 * What a shard's servers do for their own sites only: receive their agents' pushes (a push of another
 * shard's agent is refused, 421, naming that shard's servers), keep their RRD files, and, on the
 * shard's leader (one lease per shard, named after it), derive health, judge alerts and send their
 * notifications. What any server answers for the whole estate: everything read from the shared
 * database (status, alerts, events, availability, reports), and, forwarded to one of the owning
 * shard's servers, what is read from RRD files (shard_forward.h). The first shard's leader also
 * purges old rows and mails the estate's reports, once.
 *
 * Without `cluster.shards` there is one shard, unnamed, holding every site: shard_owns is always true. */
#ifndef VIGIE_SHARD_H
#define VIGIE_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "names.h"

#define SHARD_MAX 16
#define SHARD_SERVERS_MAX 4
#define SHARD_URL_MAX 256

typedef struct {
    char name[NAME_MAX_LEN + 1];
    char servers[SHARD_SERVERS_MAX][SHARD_URL_MAX]; /* base URLs, "http(s)://host:port", no path */
    size_t nservers;
} server_shard;

struct server_config_s;

/* The shard of a site, NULL when the estate is not sharded or the site is unknown. */
const server_shard *shard_of_site(const struct server_config_s *cfg, const char *site);
/* The shard this server belongs to, NULL when not sharded. */
const server_shard *shard_self(const struct server_config_s *cfg);
/* Whether this server's shard holds the site (always true when not sharded; false for an unknown site
 * of a sharded estate). */
bool shard_owns(const struct server_config_s *cfg, const char *site);
/* Whether this server's shard is the estate's first (or the estate is not sharded): the one whose
 * leader purges old rows and mails the reports. */
bool shard_is_first(const struct server_config_s *cfg);
/* Whether two configurations have the same shards (names, in order) and this server in the same one:
 * what a reload may not change (the lease is the shard's, taken at start). */
bool shard_layout_same(const struct server_config_s *a, const struct server_config_s *b);
/* The lease's row name for this server's shard ("leader" when not sharded: a pair as before). */
const char *shard_lease_name(const struct server_config_s *cfg);

#endif
