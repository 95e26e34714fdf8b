#include "config.h"
#include "cluster/cluster_config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


/* The host name up to its first dot, when it is a valid node name. */
static bool cc_host_name(char *out, size_t size)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        return false;
    host[strcspn(host, ".")] = '\0';
    if (!name_is_valid(host) || strlen(host) >= size)
        return false;
    snprintf(out, size, "%s", host);
    return true;
}

/* A server's base URL: http(s)://host[:port], nothing after (the API's paths are added to it). */
static bool cc_url_ok(const char *u)
{
    const char *host = strncmp(u, "http://", 7) == 0 ? u + 7 : strncmp(u, "https://", 8) == 0 ? u + 8 : NULL;
    if (!host || !*host || strlen(u) >= SHARD_URL_MAX)
        return false;
    for (const char *c = host; *c; c++)
        if (*c == '/' || *c == '?' || *c == '#' || *c == '@' || *c <= ' ' || *c == 0x7f)
            return false; /* no path, query or credentials: a secret in a URL would be logged */
    return true;
}

/* One of `shards:`, {name: NAME, servers: [URL, ...]}. */
static vg_code cc_shard(const conf_doc *d, const conf_node *n, server_cluster *out, vg_err *err)
{
    static const char *const keys[] = {"name", "servers", NULL};
    server_shard *s = &out->shards[out->nshards];
    const conf_node *list;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "shard", keys, err)) ||
        (rc = conf_get_buf(d, n, "name", true, s->name, sizeof s->name, err)) ||
        (rc = conf_check_name(d, n, "name", s->name, err)) ||
        (rc = conf_get_list(d, n, "servers", true, 1, SHARD_SERVERS_MAX, "servers", &list, err)))
        return rc;
    for (size_t i = 0; i < out->nshards; i++)
        if (strcmp(out->shards[i].name, s->name) == 0)
            return conf_fail(err, d, conf_map_get(d, n, "name"), "name", "shard '%s' is declared twice", s->name);
    for (size_t i = 0; i < conf_len(list); i++) {
        const conf_node *u = conf_seq_at(d, list, i);
        const char *url = conf_node_scalar(u);
        if (!url || !cc_url_ok(url))
            return conf_fail(err, d, u, "servers", "'%s' is not a server's base URL (http(s)://host:port, no path)",
                             url ? url : "");
        snprintf(s->servers[s->nservers++], SHARD_URL_MAX, "%s", url);
    }
    out->nshards++;
    return VG_OK;
}

/* `shards:` and `shard:` together: this server's shard must be one of them. */
static vg_code cc_shards(const conf_doc *d, const conf_node *n, server_cluster *out, vg_err *err)
{
    const conf_node *list = NULL;
    char self[NAME_MAX_LEN + 1] = "";
    vg_code rc;
    if ((rc = conf_get_list(d, n, "shards", false, 1, SHARD_MAX, "shards", &list, err)) ||
        (rc = conf_get_buf(d, n, "shard", false, self, sizeof self, err)))
        return rc;
    if (!list && !self[0])
        return VG_OK;
    if (!list || !self[0])
        return conf_fail(err, d, list ? n : conf_map_get(d, n, "shard"), list ? "shard" : "shards",
                         "a sharded estate needs both cluster.shards (every shard and its servers) and "
                         "cluster.shard (this server's)");
    for (size_t i = 0; i < conf_len(list); i++)
        if ((rc = cc_shard(d, conf_seq_at(d, list, i), out, err)) != VG_OK)
            return rc;
    for (size_t i = 0; i < out->nshards; i++)
        if (strcmp(out->shards[i].name, self) == 0) {
            out->self = (int)i;
            return VG_OK;
        }
    return conf_fail(err, d, conf_map_get(d, n, "shard"), "shard", "no shard '%s' in cluster.shards", self);
}

vg_code cluster_config_read(const conf_doc *d, const conf_node *n, server_cluster *out, vg_err *err)
{
    static const char *const keys[] = {"node", "lease", "shard", "shards", NULL};
    memset(out, 0, sizeof *out);
    out->lease = CLUSTER_LEASE_DEFAULT;
    bool host = cc_host_name(out->node, sizeof out->node);
    if (!n)
        return VG_OK;
    out->on = true;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "cluster", keys, err)) ||
        (rc = conf_get_buf(d, n, "node", false, out->node, sizeof out->node, err)) ||
        (rc = conf_get_int32(d, n, "lease", false, CLUSTER_LEASE_MIN, CLUSTER_LEASE_MAX, &out->lease, err)) ||
        (rc = cc_shards(d, n, out, err)))
        return rc;
    if (!out->node[0] && !host)
        return conf_fail(err, d, n, "node", "the host name is not a valid node name: set cluster.node");
    if ((rc = conf_check_name(d, n, "node", out->node, err)))
        return rc;
    if (cluster_config_max_attempt(out) < 1)
        return conf_fail(err, d, conf_map_get(d, n, "lease"), "lease", "%d s is too short for any delivery attempt",
                         out->lease);
    return VG_OK;
}

int64_t cluster_renew_every_ms(int64_t lease_ms) { return lease_ms / 4 > 1000 ? lease_ms / 4 : 1000; }

int64_t cluster_guard_ms(int64_t lease_ms) { return lease_ms / 10 > 1000 ? lease_ms / 10 : 1000; }

int cluster_config_max_attempt(const server_cluster *c)
{
    /* what is left of the lease's validity just before a renewal, less a poll of the follower */
    int lease_ms = c->lease * 1000;
    return (lease_ms - cluster_renew_every_ms(lease_ms) - cluster_guard_ms(lease_ms)) / 1000 - 1;
}

vg_code cluster_config_check(const conf_doc *d, const conf_node *n, const server_cluster *c, long attempt,
                             vg_err *err)
{
    if (!c->on || attempt <= cluster_config_max_attempt(c))
        return VG_OK;
    const conf_node *at = conf_map_get(d, n, "lease");
    return conf_fail(err, d, at ? at : n, "lease",
                     "%d s leaves %d s for a delivery attempt, and alerting.timeout (or smtp's timeout) is %ld s: "
                     "set a lease of at least %ld s (doc/cluster.md)", c->lease, cluster_config_max_attempt(c),
                     attempt, (attempt + 2) * 100 / 65 + 1);
}
