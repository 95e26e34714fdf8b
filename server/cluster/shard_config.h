/* shard_config: which shard each site of server.yaml belongs to (shard.h), set once at load. */
#ifndef VIGIE_SHARD_CONFIG_H
#define VIGIE_SHARD_CONFIG_H

#include "conf.h"
#include "error.h"

struct server_config_s;

/* The sites' `shard:` keys (sites: server.yaml's list, read into cfg->sites in its order), once
 * cluster.shards is read: an unknown shard, or one named without cluster.shards, is refused there. */
vg_code shard_config_sites(const conf_doc *d, const conf_node *sites, struct server_config_s *cfg, vg_err *err);
/* The public sites (read from their CSV): their checking agent's site's shard. */
void shard_config_public(struct server_config_s *cfg);

#endif
