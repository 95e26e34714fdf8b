#include "config.h"
#include "cluster/shard.h"

#include <string.h>

#include "cluster/shard_config.h"
#include "config/server_config.h"

/* Which shard holds which site (shard.h). The sites' indexes are set once, at load (shard_config.h). */

const server_shard *shard_self(const server_config *cfg)
{
    return cfg->cluster.nshards ? &cfg->cluster.shards[cfg->cluster.self] : NULL;
}

const server_shard *shard_of_site(const server_config *cfg, const char *site)
{
    const server_site *s = cfg->cluster.nshards && site ? server_config_site(cfg, site) : NULL;
    return s ? &cfg->cluster.shards[s->shard] : NULL;
}

bool shard_owns(const server_config *cfg, const char *site)
{
    if (!cfg->cluster.nshards)
        return true;
    const server_site *s = site ? server_config_site(cfg, site) : NULL;
    return s && s->shard == cfg->cluster.self;
}

bool shard_is_first(const server_config *cfg) { return !cfg->cluster.nshards || cfg->cluster.self == 0; }

const char *shard_lease_name(const server_config *cfg)
{
    return cfg->cluster.nshards ? cfg->cluster.shards[cfg->cluster.self].name : "leader";
}

bool shard_layout_same(const server_config *a, const server_config *b)
{
    const server_cluster *x = &a->cluster, *y = &b->cluster;
    if (x->nshards != y->nshards || (x->nshards && x->self != y->self))
        return false;
    for (size_t i = 0; i < x->nshards; i++)
        if (strcmp(x->shards[i].name, y->shards[i].name) != 0)
            return false;
    return true;
}

static int shard_index(const server_cluster *c, const char *name)
{
    for (size_t i = 0; i < c->nshards; i++)
        if (strcmp(c->shards[i].name, name) == 0)
            return (int)i;
    return -1;
}

vg_code shard_config_sites(const conf_doc *d, const conf_node *sites, server_config *cfg, vg_err *err)
{
    for (size_t i = 0; i < cfg->nsites && i < conf_len(sites); i++) {
        const conf_node *n = conf_seq_at(d, sites, i), *at = conf_map_get(d, n, "shard");
        const char *name = at ? conf_node_scalar(at) : NULL;
        if (!at)
            continue; /* the first shard */
        if (!cfg->cluster.nshards)
            return conf_fail(err, d, at, "shard", "site '%s' names a shard but cluster.shards declares none",
                             cfg->sites[i].id);
        int k = name ? shard_index(&cfg->cluster, name) : -1;
        if (k < 0)
            return conf_fail(err, d, at, "shard", "no shard '%s' in cluster.shards", name ? name : "");
        cfg->sites[i].shard = k;
    }
    return VG_OK;
}

/* The shard of an agent: its site's. */
static int shard_of_agent(const server_config *cfg, const char *agent)
{
    for (size_t i = 0; i < cfg->nagents; i++)
        if (strcmp(cfg->agents[i].id, agent) == 0) {
            const server_site *s = server_config_site(cfg, cfg->agents[i].site);
            return s ? s->shard : 0;
        }
    return 0;
}

void shard_config_public(server_config *cfg)
{
    for (size_t i = 0; cfg->cluster.nshards && i < cfg->nsites; i++)
        if (cfg->sites[i].pub)
            cfg->sites[i].shard = shard_of_agent(cfg, cfg->sites[i].pub->agent);
}
