#include "config.h"
#include "config/agent_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

#ifndef VIGIE_STATE_DIR
#define VIGIE_STATE_DIR "/var/lib/vigie"
#endif

int agent_snmp_version_parse(const char *s, agent_snmp_version *out)
{
    if (strcmp(s, "1") == 0)
        *out = SNMP_V1;
    else if (strcmp(s, "2c") == 0 || strcmp(s, "2") == 0)
        *out = SNMP_V2C;
    else if (strcmp(s, "3") == 0)
        *out = SNMP_V3;
    else
        return -1;
    return 0;
}

/* Copies an optional string key into a fixed buffer (left as is when absent). */
static int ac_str(const conf_doc *d, const conf_node *map, const char *key, bool required,
                  char *dst, size_t size, vg_err *err)
{
    const char *s = NULL;
    if (conf_get_str(d, map, key, required, size - 1, &s, err))
        return -1;
    if (s)
        snprintf(dst, size, "%s", s);
    return 0;
}

void agent_usm_defaults(agent_usm *u)
{
    if (!u->level[0])
        snprintf(u->level, sizeof u->level, "authPriv");
    if (!u->auth_proto[0])
        snprintf(u->auth_proto, sizeof u->auth_proto, "SHA-256");
    if (!u->priv_proto[0])
        snprintf(u->priv_proto, sizeof u->priv_proto, "AES");
}

static int ac_check_choice(const conf_doc *d, const conf_node *map, const char *key, const char *val,
                           const char *const *choices, vg_err *err)
{
    if (!val[0])
        return 0;
    for (const char *const *c = choices; *c; c++)
        if (strcmp(*c, val) == 0)
            return 0;
    return conf_fail(err, d, conf_map_get(d, map, key), key, "'%s' is not a valid choice", val);
}

/* The SNMPv3 keys of a device, or of a trap user (who must give user and auth_password, and no context). */
static int ac_usm(const conf_doc *d, const conf_node *n, agent_usm *u, bool trap, vg_err *err)
{
    static const char *const levels[] = {"noAuthNoPriv", "authNoPriv", "authPriv", NULL};
    static const char *const auths[] = {"MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512", NULL};
    static const char *const privs[] = {"DES", "AES", "AES-128", "AES-192", "AES-256", NULL};
    if (ac_str(d, n, "user", trap, u->user, sizeof u->user, err) ||
        ac_str(d, n, "level", false, u->level, sizeof u->level, err) ||
        ac_str(d, n, "auth_protocol", false, u->auth_proto, sizeof u->auth_proto, err) ||
        ac_str(d, n, "auth_password", trap, u->auth_pass, sizeof u->auth_pass, err) ||
        ac_str(d, n, "priv_protocol", false, u->priv_proto, sizeof u->priv_proto, err) ||
        ac_str(d, n, "priv_password", false, u->priv_pass, sizeof u->priv_pass, err) ||
        (!trap && ac_str(d, n, "context", false, u->context, sizeof u->context, err)) ||
        ac_check_choice(d, n, "level", u->level, trap ? levels + 1 : levels, err) ||
        ac_check_choice(d, n, "auth_protocol", u->auth_proto, auths, err) ||
        ac_check_choice(d, n, "priv_protocol", u->priv_proto, privs, err))
        return -1;
    agent_usm_defaults(u);
    return 0;
}

static int ac_device_read(const conf_doc *d, const conf_node *n, const agent_config *cfg, agent_device *dev,
                          agent_usm *usm, vg_err *err)
{
    static const char *const keys[] = {"name", "host", "port", "version", "community", "user",
                                       "level", "auth_protocol", "auth_password", "priv_protocol",
                                       "priv_password", "context", "profile", "class", "timeout", "retries",
                                       "max_oids", NULL};
    static const char *const classes[] = {"ups", "pdu", "cooling", "olt", "env", "generic", NULL};
    long long port = 161, retries = cfg->retries, max_oids = 32;
    const char *version = "2c";
    dev->timeout = cfg->timeout;
    if (conf_check_map(d, n, "device", keys, err) ||
        ac_str(d, n, "name", true, dev->name, sizeof dev->name, err) ||
        ac_str(d, n, "host", true, dev->host, sizeof dev->host, err) ||
        conf_get_int(d, n, "port", false, 1, 65535, &port, err) ||
        conf_get_str(d, n, "version", false, 3, &version, err) ||
        ac_str(d, n, "community", false, dev->community, sizeof dev->community, err) ||
        ac_usm(d, n, usm, false, err) ||
        ac_str(d, n, "profile", false, dev->profile, sizeof dev->profile, err) ||
        ac_str(d, n, "class", false, dev->cls, sizeof dev->cls, err) ||
        conf_get_double(d, n, "timeout", false, &dev->timeout, err) ||
        conf_get_int(d, n, "retries", false, 0, 10, &retries, err) ||
        conf_get_int(d, n, "max_oids", false, 1, 128, &max_oids, err) ||
        ac_check_choice(d, n, "class", dev->cls, classes, err))
        return -1;
    if (!name_is_valid(dev->name))
        return conf_fail(err, d, conf_map_get(d, n, "name"), "name",
                         "'%s': use 1-64 of [A-Za-z0-9._-], starting with a letter or digit", dev->name);
    if (agent_snmp_version_parse(version, &dev->version) != 0)
        return conf_fail(err, d, conf_map_get(d, n, "version"), "version", "'%s' is not 1, 2c or 3", version);
    if (dev->timeout <= 0 || dev->timeout > 60)
        return conf_fail(err, d, conf_map_get(d, n, "timeout"), "timeout", "must be in (0, 60] seconds");
    dev->port = (int)port;
    dev->retries = (int)retries;
    dev->max_oids = (int)max_oids;
    if (dev->version != SNMP_V3 && !dev->community[0])
        snprintf(dev->community, sizeof dev->community, "public");
    if (dev->version == SNMP_V3) {
        if (!usm->user[0])
            return conf_fail(err, d, n, "user", "SNMPv3 device %s needs a user", dev->name);
        bool auth = strcmp(usm->level, "noAuthNoPriv") != 0, priv = strcmp(usm->level, "authPriv") == 0;
        if (auth && strlen(usm->auth_pass) < 8)
            return conf_fail(err, d, n, "auth_password", "level %s needs an auth_password of 8 characters or more", usm->level);
        if (priv && strlen(usm->priv_pass) < 8)
            return conf_fail(err, d, n, "priv_password", "level authPriv needs a priv_password of 8 characters or more");
    }
    for (size_t i = 0; i < cfg->ndevices; i++)
        if (strcmp(cfg->devices[i].name, dev->name) == 0)
            return conf_fail(err, d, conf_map_get(d, n, "name"), "name", "device '%s' is declared twice", dev->name);
    return 0;
}

/* A device of agent.yaml; its SNMPv3 settings are read on the stack and copied to the heap for v3 only. */
static int ac_device(const conf_doc *d, const conf_node *n, const agent_config *cfg, agent_device *dev,
                     vg_err *err)
{
    agent_usm usm = {0};
    int rc = ac_device_read(d, n, cfg, dev, &usm, err);
    if (rc == 0 && dev->version == SNMP_V3) {
        dev->usm = malloc(sizeof *dev->usm);
        if (dev->usm)
            *dev->usm = usm;
        else
            rc = conf_fail(err, d, n, "user", "out of memory");
    }
    explicit_bzero(&usm, sizeof usm);
    return rc;
}

/* One entry of trap_users. Passwords end up in a Net-SNMP createUser line: no quote, no backslash. */
static int ac_trap_user(const conf_doc *d, const conf_node *n, agent_trap_user *u, vg_err *err)
{
    static const char *const keys[] = {"user", "level", "auth_protocol", "auth_password", "priv_protocol",
                                       "priv_password", "engine_id", NULL};
    agent_usm *usm = &u->usm;
    if (conf_check_map(d, n, "trap user", keys, err) || ac_usm(d, n, usm, true, err) ||
        ac_str(d, n, "engine_id", false, u->engine_id, sizeof u->engine_id, err))
        return -1;
    bool priv = strcmp(usm->level, "authPriv") == 0;
    if (strlen(usm->auth_pass) < 8 || strpbrk(usm->auth_pass, "\"\\"))
        return conf_fail(err, d, conf_map_get(d, n, "auth_password"), "auth_password",
                         "needs 8 characters or more, without '\"' or '\\'");
    if (priv && (strlen(usm->priv_pass) < 8 || strpbrk(usm->priv_pass, "\"\\")))
        return conf_fail(err, d, n, "priv_password", "level authPriv needs a priv_password of 8 characters or more, without '\"' or '\\'");
    if (strpbrk(usm->user, " \t\"\\"))
        return conf_fail(err, d, conf_map_get(d, n, "user"), "user", "no blank, quote or backslash in a trap user name");
    const char *e = u->engine_id;
    if (e[0] == '0' && (e[1] == 'x' || e[1] == 'X'))
        e += 2;
    size_t hex = strspn(e, "0123456789abcdefABCDEF");
    if (u->engine_id[0] && (e[hex] || hex < 10 || hex > 64 || hex % 2))
        return conf_fail(err, d, conf_map_get(d, n, "engine_id"), "engine_id",
                         "'%s' is not an engine ID in hex (5 to 32 bytes, e.g. 0x8000000001020304)", u->engine_id);
    return 0;
}

/* trap_listen ("host:port", "[v6]:port" or a port), trap_community, trap_users. */
static int ac_traps(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    snprintf(cfg->trap_community, sizeof cfg->trap_community, "public");
    if (ac_str(d, root, "trap_listen", false, cfg->trap_listen, sizeof cfg->trap_listen, err) ||
        ac_str(d, root, "trap_community", false, cfg->trap_community, sizeof cfg->trap_community, err))
        return -1;
    const char *colon = strrchr(cfg->trap_listen, ':');
    char *end;
    long port = strtol(colon ? colon + 1 : cfg->trap_listen, &end, 10);
    if (cfg->trap_listen[0] && (*end || port < 1 || port > 65535 || end == (colon ? colon + 1 : cfg->trap_listen)))
        return conf_fail(err, d, conf_map_get(d, root, "trap_listen"), "trap_listen",
                         "'%s' is not ADDRESS:PORT (0.0.0.0:162, [::]:162) or a port", cfg->trap_listen);
    const conf_node *users = conf_map_get(d, root, "trap_users");
    if (!users)
        return 0;
    if (conf_node_kind(users) != CONF_SEQ || conf_len(users) > AGENT_MAX_TRAP_USERS)
        return conf_fail(err, d, users, "trap_users", "must be a list of at most %d users", AGENT_MAX_TRAP_USERS);
    cfg->trap_users = calloc(conf_len(users) ? conf_len(users) : 1, sizeof *cfg->trap_users);
    if (!cfg->trap_users)
        return conf_fail(err, d, users, "trap_users", "out of memory");
    for (size_t i = 0; i < conf_len(users); i++) {
        if (ac_trap_user(d, conf_seq_at(d, users, i), &cfg->trap_users[i], err))
            return -1;
        cfg->ntrap_users++;
    }
    return 0;
}

/* A file holding a token or SNMP secrets should not be readable by everybody. */
static void ac_warn_permissions(const agent_config *cfg, bool has_secrets)
{
    struct stat st;
    if (has_secrets && stat(cfg->path, &st) == 0 && (st.st_mode & S_IROTH))
        log_warn("config", "%s holds secrets and is readable by other users: chmod o-r %s", cfg->path, cfg->path);
}

agent_config *agent_config_load(const char *path, const char *default_profiles, vg_err *err)
{
    static const char *const keys[] = {"agent", "site", "server", "token", "ca_file", "profiles",
                                       "interval", "timeout", "retries", "spool_dir", "spool_max_mb",
                                       "devices", "trap_listen", "trap_community", "trap_users", NULL};
    conf_doc *d = conf_doc_load_file(path, err);
    if (!d)
        return NULL;
    agent_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        conf_doc_free(d);
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
        return NULL;
    }
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    snprintf(cfg->profiles, sizeof cfg->profiles, "%s", default_profiles);
    long long interval = 60, retries = 1, spool_max_mb = 64;
    cfg->timeout = 2;
    snprintf(cfg->spool_dir, sizeof cfg->spool_dir, "%s", VIGIE_STATE_DIR "/spool");
    const conf_node *root = conf_doc_root(d);
    int rc = 0;
    if (conf_check_map(d, root, "agent.yaml", keys, err) ||
        ac_str(d, root, "agent", true, cfg->id, sizeof cfg->id, err) ||
        ac_str(d, root, "site", false, cfg->site, sizeof cfg->site, err) ||
        ac_str(d, root, "server", true, cfg->server, sizeof cfg->server, err) ||
        ac_str(d, root, "token", true, cfg->token, sizeof cfg->token, err) ||
        ac_str(d, root, "ca_file", false, cfg->ca_file, sizeof cfg->ca_file, err) ||
        ac_str(d, root, "profiles", false, cfg->profiles, sizeof cfg->profiles, err) ||
        conf_get_int(d, root, "interval", false, 5, 3600, &interval, err) ||
        conf_get_double(d, root, "timeout", false, &cfg->timeout, err) ||
        conf_get_int(d, root, "retries", false, 0, 10, &retries, err) ||
        ac_str(d, root, "spool_dir", false, cfg->spool_dir, sizeof cfg->spool_dir, err) ||
        conf_get_int(d, root, "spool_max_mb", false, 1, 10240, &spool_max_mb, err)) {
        rc = -1;
    } else if (!name_is_valid(cfg->id)) {
        rc = conf_fail(err, d, conf_map_get(d, root, "agent"), "agent", "'%s': use 1-64 of [A-Za-z0-9._-]", cfg->id);
    } else if (cfg->site[0] && !name_is_valid(cfg->site)) {
        rc = conf_fail(err, d, conf_map_get(d, root, "site"), "site", "'%s': use 1-64 of [A-Za-z0-9._-]", cfg->site);
    } else if (strlen(cfg->token) < 16) {
        rc = conf_fail(err, d, conf_map_get(d, root, "token"), "token", "must be at least 16 characters long (the server refuses shorter ones)");
    } else if (strncmp(cfg->server, "http://", 7) != 0 && strncmp(cfg->server, "https://", 8) != 0) {
        rc = conf_fail(err, d, conf_map_get(d, root, "server"), "server", "must be an http:// or https:// URL");
    } else if (cfg->timeout <= 0 || cfg->timeout > 60) {
        rc = conf_fail(err, d, conf_map_get(d, root, "timeout"), "timeout", "must be in (0, 60] seconds");
    } else if (!cfg->spool_dir[0]) {
        rc = conf_fail(err, d, conf_map_get(d, root, "spool_dir"), "spool_dir", "must name a folder");
    }
    cfg->interval = (int)interval;
    cfg->retries = (int)retries;
    cfg->spool_max_mb = (int)spool_max_mb;
    const conf_node *devs = conf_map_get(d, root, "devices");
    if (rc == 0 && (!devs || conf_node_kind(devs) != CONF_SEQ || conf_len(devs) == 0 ||
                    conf_len(devs) > AGENT_MAX_DEVICES))
        rc = conf_fail(err, d, devs ? devs : root, "devices", "must be a list of 1 to %d devices", AGENT_MAX_DEVICES);
    if (rc == 0) {
        cfg->devices = calloc(conf_len(devs), sizeof *cfg->devices);
        if (!cfg->devices)
            rc = conf_fail(err, d, devs, "devices", "out of memory");
    }
    bool secrets = rc == 0;
    for (size_t i = 0; rc == 0 && i < conf_len(devs); i++) {
        rc = ac_device(d, conf_seq_at(d, devs, i), cfg, &cfg->devices[i], err);
        if (rc == 0)
            cfg->ndevices++;
    }
    if (rc == 0)
        rc = ac_traps(d, root, cfg, err);
    conf_doc_free(d);
    if (rc != 0) {
        agent_config_free(cfg);
        return NULL;
    }
    ac_warn_permissions(cfg, secrets);
    return cfg;
}

void agent_config_free(agent_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; cfg->devices && i < cfg->ndevices; i++)
        if (cfg->devices[i].usm) {
            explicit_bzero(cfg->devices[i].usm, sizeof *cfg->devices[i].usm);
            free(cfg->devices[i].usm);
        }
    free(cfg->devices);
    free(cfg->trap_users);
    free(cfg);
}
