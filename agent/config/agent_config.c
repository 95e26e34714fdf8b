#include "config.h"
#include "config/agent_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/agent_checks.h"
#include "log.h"
#include "vocab.h"

#ifndef VIGIE_STATE_DIR
#define VIGIE_STATE_DIR "/var/lib/vigie"
#endif

vg_code agent_snmp_version_parse(const char *s, agent_snmp_version *out)
{
    if (strcmp(s, "1") == 0)
        *out = SNMP_V1;
    else if (strcmp(s, "2c") == 0 || strcmp(s, "2") == 0)
        *out = SNMP_V2C;
    else if (strcmp(s, "3") == 0)
        *out = SNMP_V3;
    else
        return VG_E_INVALID;
    return VG_OK;
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

/* An empty choice is the default, filled in afterwards. */
static vg_code ac_check_choice(const conf_doc *d, const conf_node *map, const char *key, const char *val,
                               const char *const *choices, vg_err *err)
{
    return val[0] ? conf_check_choice(d, map, key, val, choices, "is not a valid choice", err) : VG_OK;
}

/* A device's class is one of the vocabulary's (agent_config_check_classes, once the profiles are
 * loaded); here it must look like one. */
static vg_code ac_check_class(const conf_doc *d, const conf_node *map, agent_device *dev, vg_err *err)
{
    const char *cls = dev->cls;
    const conf_node *at = conf_map_get(d, map, "class");
    if (at) {
        dev->cls_line = conf_node_line(at);
        dev->cls_column = conf_node_column(at);
    }
    if (!cls[0] || vocab_class_name_is_valid(cls))
        return VG_OK;
    return conf_fail(err, d, conf_map_get(d, map, "class"), "class", "'%s' is not a device class (a lower-case word)", cls);
}

/* The SNMPv3 keys of a device, or of a trap user (who must give user and auth_password, and no context). */
static vg_code ac_usm(const conf_doc *d, const conf_node *n, agent_usm *u, bool trap, vg_err *err)
{
    static const char *const levels[] = {"noAuthNoPriv", "authNoPriv", "authPriv", NULL};
    static const char *const auths[] = {"MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512", NULL};
    static const char *const privs[] = {"DES", "AES", "AES-128", "AES-192", "AES-256", NULL};
    vg_code rc;
    if ((rc = conf_get_buf(d, n, "user", trap, u->user, sizeof u->user, err)) ||
        (rc = conf_get_buf(d, n, "level", false, u->level, sizeof u->level, err)) ||
        (rc = conf_get_buf(d, n, "auth_protocol", false, u->auth_proto, sizeof u->auth_proto, err)) ||
        (rc = conf_get_buf(d, n, "auth_password", trap, u->auth_pass, sizeof u->auth_pass, err)) ||
        (rc = conf_get_buf(d, n, "priv_protocol", false, u->priv_proto, sizeof u->priv_proto, err)) ||
        (rc = conf_get_buf(d, n, "priv_password", false, u->priv_pass, sizeof u->priv_pass, err)) ||
        (!trap && (rc = conf_get_buf(d, n, "context", false, u->context, sizeof u->context, err))) ||
        (rc = ac_check_choice(d, n, "level", u->level, trap ? levels + 1 : levels, err)) ||
        (rc = ac_check_choice(d, n, "auth_protocol", u->auth_proto, auths, err)) ||
        (rc = ac_check_choice(d, n, "priv_protocol", u->priv_proto, privs, err)))
        return rc;
    agent_usm_defaults(u);
    return VG_OK;
}

static vg_code ac_device_read(const conf_doc *d, const conf_node *n, const agent_config *cfg, agent_device *dev,
                              agent_usm *usm, vg_err *err)
{
    static const char *const keys[] = {"name", "host", "port", "version", "community", "user",
                                       "level", "auth_protocol", "auth_password", "priv_protocol",
                                       "priv_password", "context", "profile", "class", "timeout", "retries",
                                       "max_oids", "sweep_requests", NULL};
    char version[4] = "2c";
    dev->port = 161;
    dev->retries = cfg->retries;
    dev->max_oids = 32;
    dev->sweep_requests = cfg->sweep_requests;
    dev->timeout = cfg->timeout;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "device", keys, err)) ||
        (rc = conf_get_buf(d, n, "name", true, dev->name, sizeof dev->name, err)) ||
        (rc = conf_get_buf(d, n, "host", true, dev->host, sizeof dev->host, err)) ||
        (rc = conf_get_int32(d, n, "port", false, 1, 65535, &dev->port, err)) ||
        (rc = conf_get_buf(d, n, "version", false, version, sizeof version, err)) ||
        (rc = conf_get_buf(d, n, "community", false, dev->community, sizeof dev->community, err)) ||
        (rc = ac_usm(d, n, usm, false, err)) ||
        (rc = conf_get_buf(d, n, "profile", false, dev->profile, sizeof dev->profile, err)) ||
        (rc = conf_get_buf(d, n, "class", false, dev->cls, sizeof dev->cls, err)) ||
        (rc = conf_get_double(d, n, "timeout", false, &dev->timeout, err)) ||
        (rc = conf_get_int32(d, n, "retries", false, 0, 10, &dev->retries, err)) ||
        (rc = conf_get_int32(d, n, "max_oids", false, 1, 128, &dev->max_oids, err)) ||
        (rc = conf_get_int32(d, n, "sweep_requests", false, 1, AGENT_SWEEP_REQUESTS_MAX, &dev->sweep_requests, err)) ||
        (rc = ac_check_class(d, n, dev, err)) ||
        (rc = conf_check_name(d, n, "name", dev->name, err)))
        return rc;
    if (agent_snmp_version_parse(version, &dev->version) != 0)
        return conf_fail(err, d, conf_map_get(d, n, "version"), "version", "'%s' is not 1, 2c or 3", version);
    if (dev->timeout <= 0 || dev->timeout > 60)
        return conf_fail(err, d, conf_map_get(d, n, "timeout"), "timeout", "must be in (0, 60] seconds");
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
    return VG_OK;
}

/* A device of agent.yaml; its SNMPv3 settings are read on the stack and copied to the heap for v3 only. */
static vg_code ac_device(const conf_doc *d, const conf_node *n, const agent_config *cfg, agent_device *dev,
                         vg_err *err)
{
    agent_usm usm = {0};
    vg_code rc = ac_device_read(d, n, cfg, dev, &usm, err);
    if (rc == VG_OK && dev->version == SNMP_V3) {
        dev->usm = malloc(sizeof *dev->usm);
        if (dev->usm)
            *dev->usm = usm;
        else
            rc = conf_fail_code(err, VG_E_NOMEM, d, n, "user", "out of memory");
    }
    explicit_bzero(&usm, sizeof usm);
    return rc;
}

/* One entry of trap_users. Passwords end up in a Net-SNMP createUser line: no quote, no backslash. */
static vg_code ac_trap_user(const conf_doc *d, const conf_node *n, agent_trap_user *u, vg_err *err)
{
    static const char *const keys[] = {"user", "level", "auth_protocol", "auth_password", "priv_protocol",
                                       "priv_password", "engine_id", NULL};
    agent_usm *usm = &u->usm;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "trap user", keys, err)) || (rc = ac_usm(d, n, usm, true, err)) ||
        (rc = conf_get_buf(d, n, "engine_id", false, u->engine_id, sizeof u->engine_id, err)))
        return rc;
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
    return VG_OK;
}

/* trap_listen ("host:port", "[v6]:port" or a port), trap_community, trap_users. */
static vg_code ac_traps(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    snprintf(cfg->trap_community, sizeof cfg->trap_community, "public");
    vg_code rc;
    if ((rc = conf_get_buf(d, root, "trap_listen", false, cfg->trap_listen, sizeof cfg->trap_listen, err)) ||
        (rc = conf_get_buf(d, root, "trap_community", false, cfg->trap_community, sizeof cfg->trap_community, err)) ||
        (rc = conf_get_int32(d, root, "trap_rate", false, 1, 100000, &cfg->trap_rate, err)) ||
        (rc = conf_get_int32(d, root, "trap_source_rate", false, 1, 100000, &cfg->trap_source_rate, err)))
        return rc;
    const char *colon = strrchr(cfg->trap_listen, ':');
    char *end;
    long port = strtol(colon ? colon + 1 : cfg->trap_listen, &end, 10);
    if (cfg->trap_listen[0] && (*end || port < 1 || port > 65535 || end == (colon ? colon + 1 : cfg->trap_listen)))
        return conf_fail(err, d, conf_map_get(d, root, "trap_listen"), "trap_listen",
                         "'%s' is not ADDRESS:PORT (0.0.0.0:162, [::]:162) or a port", cfg->trap_listen);
    const conf_node *users;
    if ((rc = conf_get_list(d, root, "trap_users", false, 0, AGENT_MAX_TRAP_USERS, "users", &users, err)) || !users)
        return rc;
    cfg->trap_users = calloc(conf_len(users) ? conf_len(users) : 1, sizeof *cfg->trap_users);
    if (!cfg->trap_users)
        return conf_fail_code(err, VG_E_NOMEM, d, users, "trap_users", "out of memory");
    for (size_t i = 0; i < conf_len(users); i++) {
        if ((rc = ac_trap_user(d, conf_seq_at(d, users, i), &cfg->trap_users[i], err)))
            return rc;
        cfg->ntrap_users++;
    }
    return VG_OK;
}

/* A file holding a token or SNMP secrets should not be readable by everybody. */
static void ac_warn_permissions(const agent_config *cfg)
{
    struct stat st;
    if (stat(cfg->path, &st) == 0 && (st.st_mode & S_IROTH))
        log_warn("config", "%s holds secrets and is readable by other users: chmod o-r %s", cfg->path, cfg->path);
}

/* `spool_retention:`, every key optional; a folder set aside is always bounded (see spool.h). */
static vg_code ac_spool_retention(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"days", "max_files", "max_mb", NULL};
    const conf_node *n = conf_map_get(d, root, "spool_retention");
    if (!n)
        return VG_OK;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "spool_retention", keys, err)) ||
        (rc = conf_get_int32(d, n, "days", false, 1, 3650, &cfg->spool_keep_days, err)) ||
        (rc = conf_get_int32(d, n, "max_files", false, 1, 100000, &cfg->spool_keep_files, err)) ||
        (rc = conf_get_int32(d, n, "max_mb", false, 1, 10240, &cfg->spool_keep_mb, err)))
        return rc;
    return VG_OK;
}

/* The keys of the file's top level but the lists of devices and traps. */
static vg_code ac_root(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"agent", "site", "server", "token", "ca_file", "profiles",
                                       "interval", "timeout", "retries", "spool_dir", "spool_max_mb",
                                       "devices", "trap_listen", "trap_community", "trap_users", "trap_rate", "trap_source_rate",
                                       "spool_retention", "sweep_requests", "checks", "check_interval",
                                       "check_pings", "check_timeout", "targets_from_server",
                                       "server_backlog_mb", "watchdog", NULL};
    vg_code rc;
    if ((rc = conf_check_map(d, root, "agent.yaml", keys, err)) ||
        (rc = conf_get_buf(d, root, "agent", true, cfg->id, sizeof cfg->id, err)) ||
        (rc = conf_get_buf(d, root, "site", false, cfg->site, sizeof cfg->site, err)) ||
        (rc = agent_servers_read(d, root, cfg, err)) ||
        (rc = conf_get_buf(d, root, "token", true, cfg->token, sizeof cfg->token, err)) ||
        (rc = conf_get_buf(d, root, "ca_file", false, cfg->ca_file, sizeof cfg->ca_file, err)) ||
        (rc = conf_get_buf(d, root, "profiles", false, cfg->profiles, sizeof cfg->profiles, err)) ||
        (rc = conf_get_int32(d, root, "interval", false, 5, 3600, &cfg->interval, err)) ||
        (rc = conf_get_double(d, root, "timeout", false, &cfg->timeout, err)) ||
        (rc = conf_get_int32(d, root, "retries", false, 0, 10, &cfg->retries, err)) ||
        (rc = conf_get_int32(d, root, "sweep_requests", false, 1, AGENT_SWEEP_REQUESTS_MAX, &cfg->sweep_requests,
                             err)) ||
        (rc = conf_get_buf(d, root, "spool_dir", false, cfg->spool_dir, sizeof cfg->spool_dir, err)) ||
        (rc = conf_get_int32(d, root, "spool_max_mb", false, 1, 10240, &cfg->spool_max_mb, err)) ||
        (rc = ac_spool_retention(d, root, cfg, err)))
        return rc;
    if (!name_is_valid(cfg->id))
        return conf_fail(err, d, conf_map_get(d, root, "agent"), "agent", "'%s': use 1-64 of [A-Za-z0-9._-]", cfg->id);
    if (cfg->site[0] && !name_is_valid(cfg->site))
        return conf_fail(err, d, conf_map_get(d, root, "site"), "site", "'%s': use 1-64 of [A-Za-z0-9._-]", cfg->site);
    if (strlen(cfg->token) < 16)
        return conf_fail(err, d, conf_map_get(d, root, "token"), "token",
                         "must be at least 16 characters long (the server refuses shorter ones)");
    if (cfg->timeout <= 0 || cfg->timeout > 60)
        return conf_fail(err, d, conf_map_get(d, root, "timeout"), "timeout", "must be in (0, 60] seconds");
    if (!cfg->spool_dir[0])
        return conf_fail(err, d, conf_map_get(d, root, "spool_dir"), "spool_dir", "must name a folder");
    return VG_OK;
}

/* The devices, each checked against those before it. */
static vg_code ac_devices(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    const conf_node *devs;
    vg_code rc = conf_get_list(d, root, "devices", false, 1, AGENT_MAX_DEVICES, "devices", &devs, err);
    if (rc != VG_OK)
        return rc;
    if (!devs && (conf_map_get(d, root, "checks") || conf_map_get(d, root, "targets_from_server")))
        return VG_OK; /* an agent that only checks (check/check.h) */
    if (!devs)
        return conf_fail(err, d, root, "devices", "must be a list of 1 to %d devices", AGENT_MAX_DEVICES);
    cfg->devices = calloc(conf_len(devs), sizeof *cfg->devices);
    if (!cfg->devices)
        return conf_fail_code(err, VG_E_NOMEM, d, devs, "devices", "out of memory");
    for (size_t i = 0; i < conf_len(devs); i++) {
        if ((rc = ac_device(d, conf_seq_at(d, devs, i), cfg, &cfg->devices[i], err)) != VG_OK)
            return rc;
        cfg->ndevices++;
    }
    return VG_OK;
}

agent_config *agent_config_load(const char *path, const char *default_profiles, vg_err *err)
{
    conf_doc *d = conf_doc_load_file(path, err);
    if (!d)
        return NULL;
    agent_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        conf_doc_free(d);
        vg_fail(err, VG_E_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    snprintf(cfg->profiles, sizeof cfg->profiles, "%s", default_profiles);
    cfg->interval = 60;
    cfg->timeout = 2;
    cfg->retries = 1;
    cfg->sweep_requests = AGENT_SWEEP_REQUESTS;
    snprintf(cfg->spool_dir, sizeof cfg->spool_dir, "%s", VIGIE_STATE_DIR "/spool");
    cfg->spool_max_mb = 64;
    cfg->spool_keep_days = 30; /* spool.h's SPOOL_KEEP_DAYS and SPOOL_KEEP_FILES */
    cfg->spool_keep_files = 1000;
    cfg->spool_keep_mb = 64;
    const conf_node *root = conf_doc_root(d);
    vg_code rc = ac_root(d, root, cfg, err);
    if (rc == VG_OK)
        rc = ac_devices(d, root, cfg, err);
    if (rc == VG_OK)
        rc = ac_traps(d, root, cfg, err);
    if (rc == VG_OK)
        rc = agent_checks_read(d, root, cfg, err);
    conf_doc_free(d);
    if (rc != VG_OK) {
        agent_config_free(cfg);
        return NULL;
    }
    ac_warn_permissions(cfg);
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
    for (size_t i = 0; i < cfg->nchecks; i++)
        agent_check_clear(&cfg->checks[i]);
    free(cfg->checks);
    free(cfg->trap_users);
    explicit_bzero(&cfg->watchdog, sizeof cfg->watchdog); /* its SMTP password */
    free(cfg);
}

vg_code agent_config_check_classes(const agent_config *cfg, const vocab *v, vg_err *err)
{
    for (size_t i = 0; i < cfg->ndevices; i++) {
        const agent_device *dev = &cfg->devices[i];
        if (dev->cls[0] && !vocab_class_find(v, dev->cls))
            return vg_fail_field(err, VG_E_INVALID, "class", "%s:%d:%d: key 'class': '%s' is not %s (device %s; %s)",
                                 cfg->path, dev->cls_line, dev->cls_column, dev->cls, vocab_class_list(v), dev->name,
                                 vocab_path(v));
    }
    for (size_t i = 0; i < cfg->nchecks; i++) {
        const agent_check *c = &cfg->checks[i];
        if (!vocab_class_find(v, c->cls))
            return vg_fail_field(err, VG_E_INVALID, "class", "%s:%d:%d: key 'class': '%s' is not %s (check %s; %s)",
                                 cfg->path, c->line, c->column, c->cls, vocab_class_list(v), c->name, vocab_path(v));
    }
    return VG_OK;
}
