#include "config.h"
#include "server_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

static int sc_str(const conf_doc *d, const conf_node *map, const char *key, bool required, char *dst,
                  size_t size, conf_error *err)
{
    const char *s = NULL;
    if (conf_get_str(d, map, key, required, size - 1, &s, err))
        return -1;
    if (s)
        snprintf(dst, size, "%s", s);
    return 0;
}

static int sc_name(const conf_doc *d, const conf_node *map, const char *key, const char *val, conf_error *err)
{
    if (!name_is_valid(val))
        return conf_fail(err, d, conf_map_get(d, map, key), key,
                         "'%s': use 1-64 of [A-Za-z0-9._-], starting with a letter or digit", val);
    return 0;
}

/* Tokens are compared in constant time and must be long enough not to be guessed. */
static int sc_token(const conf_doc *d, const conf_node *map, const char *val, conf_error *err)
{
    if (strlen(val) < 16)
        return conf_fail(err, d, conf_map_get(d, map, "token"), "token", "must be at least 16 characters long");
    return 0;
}

static int sc_list(const conf_doc *d, const conf_node *root, const char *key, bool required, size_t max,
                   const conf_node **out, conf_error *err)
{
    const conf_node *n = conf_map_get(d, root, key);
    *out = n;
    if (!n)
        return required ? conf_fail(err, d, root, key, "missing") : 0;
    if (conf_node_kind(n) != CONF_SEQ || conf_len(n) > max)
        return conf_fail(err, d, n, key, "must be a list of at most %zu entries", max);
    return 0;
}

static int sc_site(const conf_doc *d, const conf_node *n, server_config *cfg, conf_error *err)
{
    static const char *const keys[] = {"id", "name", "kind", "timezone", "target", NULL};
    server_site *s = &cfg->sites[cfg->nsites];
    snprintf(s->kind, sizeof s->kind, "nro");
    snprintf(s->timezone, sizeof s->timezone, "Europe/Paris");
    s->target = 99.982;
    if (conf_check_map(d, n, "site", keys, err) || sc_str(d, n, "id", true, s->id, sizeof s->id, err) ||
        sc_name(d, n, "id", s->id, err) || sc_str(d, n, "name", false, s->name, sizeof s->name, err) ||
        sc_str(d, n, "kind", false, s->kind, sizeof s->kind, err) ||
        sc_str(d, n, "timezone", false, s->timezone, sizeof s->timezone, err) ||
        conf_get_double(d, n, "target", false, &s->target, err))
        return -1;
    if (strcmp(s->kind, "datacenter") && strcmp(s->kind, "nro") && strcmp(s->kind, "pop") && strcmp(s->kind, "core"))
        return conf_fail(err, d, conf_map_get(d, n, "kind"), "kind", "'%s' is not datacenter, nro, pop or core", s->kind);
    if (s->target <= 0 || s->target > 100)
        return conf_fail(err, d, conf_map_get(d, n, "target"), "target", "must be a percentage in (0, 100]");
    char zone[SERVER_PATH_MAX];
    struct stat st;
    snprintf(zone, sizeof zone, "/usr/share/zoneinfo/%s", s->timezone);
    if (strstr(s->timezone, "..") || stat(zone, &st) != 0)
        return conf_fail(err, d, conf_map_get(d, n, "timezone"), "timezone", "'%s' is not a known time zone", s->timezone);
    if (!s->name[0])
        snprintf(s->name, sizeof s->name, "%s", s->id);
    if (server_config_site(cfg, s->id))
        return conf_fail(err, d, conf_map_get(d, n, "id"), "id", "site '%s' is declared twice", s->id);
    cfg->nsites++;
    return 0;
}

static int sc_agent(const conf_doc *d, const conf_node *n, server_config *cfg, conf_error *err)
{
    static const char *const keys[] = {"id", "token", "site", NULL};
    server_agent *a = &cfg->agents[cfg->nagents];
    if (conf_check_map(d, n, "agent", keys, err) || sc_str(d, n, "id", true, a->id, sizeof a->id, err) ||
        sc_name(d, n, "id", a->id, err) || sc_str(d, n, "token", true, a->token, sizeof a->token, err) ||
        sc_token(d, n, a->token, err) || sc_str(d, n, "site", false, a->site, sizeof a->site, err))
        return -1;
    if (!a->site[0])
        snprintf(a->site, sizeof a->site, "%s", a->id);
    else if (!server_config_site(cfg, a->site))
        return conf_fail(err, d, conf_map_get(d, n, "site"), "site", "no site '%s' in 'sites'", a->site);
    for (size_t i = 0; i < cfg->nagents; i++) {
        if (strcmp(cfg->agents[i].id, a->id) == 0)
            return conf_fail(err, d, conf_map_get(d, n, "id"), "id", "agent '%s' is declared twice", a->id);
        if (strcmp(cfg->agents[i].token, a->token) == 0)
            return conf_fail(err, d, conf_map_get(d, n, "token"), "token", "agents %s and %s share a token",
                             cfg->agents[i].id, a->id);
    }
    cfg->nagents++;
    return 0;
}

static int sc_reader(const conf_doc *d, const conf_node *n, server_config *cfg, conf_error *err)
{
    static const char *const keys[] = {"name", "token", "role", NULL};
    server_reader *r = &cfg->readers[cfg->nreaders];
    char role[16] = "read";
    if (conf_check_map(d, n, "api_token", keys, err) || sc_str(d, n, "name", true, r->name, sizeof r->name, err) ||
        sc_name(d, n, "name", r->name, err) || sc_str(d, n, "token", true, r->token, sizeof r->token, err) ||
        sc_token(d, n, r->token, err) || sc_str(d, n, "role", false, role, sizeof role, err))
        return -1;
    if (strcmp(role, "read") && strcmp(role, "admin"))
        return conf_fail(err, d, conf_map_get(d, n, "role"), "role", "'%s' is not read or admin", role);
    r->admin = strcmp(role, "admin") == 0;
    cfg->nreaders++;
    return 0;
}

static int sc_listen(const conf_doc *d, const conf_node *root, server_config *cfg, conf_error *err)
{
    char listen[80] = "127.0.0.1:8470";
    if (sc_str(d, root, "listen", false, listen, sizeof listen, err))
        return -1;
    char *colon = strrchr(listen, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || *end || port < 1 || port > 65535 || colon == listen || (size_t)(colon - listen) >= sizeof cfg->listen_addr)
        return conf_fail(err, d, conf_map_get(d, root, "listen"), "listen", "'%s' is not ADDRESS:PORT", listen);
    *colon = '\0';
    snprintf(cfg->listen_addr, sizeof cfg->listen_addr, "%s", listen);
    cfg->port = (int)port;
    return 0;
}

server_config *server_config_load(const char *path, conf_error *err)
{
    static const char *const keys[] = {"listen", "data_dir", "step", "agents", "sites", "api_tokens", NULL};
    conf_doc *d = conf_doc_load_file(path, err);
    if (!d)
        return NULL;
    server_config *cfg = calloc(1, sizeof *cfg);
    const conf_node *root = conf_doc_root(d), *sites, *agents, *readers;
    long long step = 60;
    int rc = -1;
    if (!cfg) {
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
        goto out;
    }
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", VIGIE_STATE_DIR);
    if (conf_check_map(d, root, "server.yaml", keys, err) || sc_listen(d, root, cfg, err) ||
        sc_str(d, root, "data_dir", false, cfg->data_dir, sizeof cfg->data_dir, err) ||
        conf_get_int(d, root, "step", false, 5, 3600, &step, err) ||
        sc_list(d, root, "sites", false, SERVER_MAX_SITES, &sites, err) ||
        sc_list(d, root, "agents", true, SERVER_MAX_AGENTS, &agents, err) ||
        sc_list(d, root, "api_tokens", false, 100, &readers, err))
        goto out;
    cfg->step = (int)step;
    cfg->sites = calloc(conf_len(sites) + 1, sizeof *cfg->sites);
    cfg->agents = calloc(conf_len(agents) + 1, sizeof *cfg->agents);
    cfg->readers = calloc(conf_len(readers) + 1, sizeof *cfg->readers);
    if (!cfg->sites || !cfg->agents || !cfg->readers) {
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
        goto out;
    }
    for (size_t i = 0; i < conf_len(sites); i++)
        if (sc_site(d, conf_seq_at(d, sites, i), cfg, err))
            goto out;
    for (size_t i = 0; i < conf_len(agents); i++)
        if (sc_agent(d, conf_seq_at(d, agents, i), cfg, err))
            goto out;
    for (size_t i = 0; i < conf_len(readers); i++)
        if (sc_reader(d, conf_seq_at(d, readers, i), cfg, err))
            goto out;
    rc = 0;
out:
    conf_doc_free(d);
    if (rc) {
        server_config_free(cfg);
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
        log_warn("config", "%s holds tokens and is readable by other users: chmod o-r %s", path, path);
    return cfg;
}

void server_config_free(server_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->agents);
    free(cfg->sites);
    free(cfg->readers);
    free(cfg);
}

const server_site *server_config_site(const server_config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->nsites; i++)
        if (strcmp(cfg->sites[i].id, id) == 0)
            return &cfg->sites[i];
    return NULL;
}

/* Compares every byte of both strings whatever they hold, so that timing reveals nothing. */
static bool sc_token_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < lb; i++)
        diff |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
    return diff == 0 && la > 0;
}

const server_agent *server_config_agent_by_token(const server_config *cfg, const char *token)
{
    const server_agent *found = NULL;
    for (size_t i = 0; i < cfg->nagents; i++)
        if (sc_token_equal(token, cfg->agents[i].token))
            found = &cfg->agents[i];
    return found;
}

const server_reader *server_config_reader_by_token(const server_config *cfg, const char *token)
{
    const server_reader *found = NULL;
    for (size_t i = 0; i < cfg->nreaders; i++)
        if (sc_token_equal(token, cfg->readers[i].token))
            found = &cfg->readers[i];
    return found;
}
