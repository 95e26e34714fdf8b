#include "config.h"
#include "config/server_config.h"
#include "cluster/shard_config.h"
#include "auth/auth.h"
#include "store/sq.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerting/alert_config.h"
#include "alerting/oncall.h"
#include "alerting/skew.h"
#include "contract/contract.h"
#include "config/public_sites.h"
#include "log.h"
#include "vocab.h"

#ifndef VIGIE_WEB_DIR
#define VIGIE_WEB_DIR "/usr/local/share/vigie/web"
#endif
#ifndef VIGIE_MIBS_DIR
#define VIGIE_MIBS_DIR "/usr/local/share/vigie/mibs"
#endif

/* mibs_dir/vocabulary.yaml: the classes, metrics and site kinds everything below is checked against.
 * Without mibs_dir, the environment's VIGIE_MIBS_DIR (a source tree's mibs/ for the tests), else the
 * installed one. Every kind's default services are read now, so that a bad vocabulary stops the start. */
static vg_code sc_vocab(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    const conf_node *at = conf_map_get(d, root, "mibs_dir");
    const char *env = getenv("VIGIE_MIBS_DIR");
    if (!at)
        snprintf(cfg->mibs_dir, sizeof cfg->mibs_dir, "%s", env && *env ? env : VIGIE_MIBS_DIR);
    char path[SERVER_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/vocabulary.yaml", cfg->mibs_dir);
    vg_err why;
    vg_clear(&why);
    cfg->vocab = vocab_load(path, &why);
    site_model *m = cfg->vocab ? malloc(sizeof *m) : NULL;
    for (size_t i = 0; m && i < vocab_site_kind_count(cfg->vocab) && why.code == VG_OK; i++)
        site_model_defaults(cfg->vocab, vocab_site_kind_at(cfg->vocab, i)->name, m, &why);
    free(m);
    if (cfg->vocab && !m)
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", cfg->path);
    if (cfg->vocab && why.code == VG_OK)
        return VG_OK;
    if (at)
        return conf_fail_code(err, why.code, d, at, "mibs_dir", "the vocabulary: %s", why.msg);
    return vg_fail_field(err, why.code, "mibs_dir", "%s: mibs_dir (default %s): the vocabulary: %s", cfg->path,
                         cfg->mibs_dir, why.msg);
}

/* Tokens are compared in constant time and must be long enough not to be guessed. */
static vg_code sc_token(const conf_doc *d, const conf_node *map, const char *val, vg_err *err)
{
    if (strlen(val) < 16)
        return conf_fail(err, d, conf_map_get(d, map, "token"), "token", "must be at least 16 characters long");
    return VG_OK;
}

static vg_code sc_site(const conf_doc *d, const conf_node *n, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"id",      "name",     "kind",         "timezone", "target",
                                       "unknown", "services", "min_coverage", "energy", "power_redundancy",
                                       "trends", "shard", NULL};
    server_site *s = &cfg->sites[cfg->nsites];
    char unknown[16] = "excluded";
    snprintf(s->kind, sizeof s->kind, "nro");
    snprintf(s->timezone, sizeof s->timezone, "Europe/Paris");
    s->target = 99.982;
    s->min_coverage = SERVER_MIN_COVERAGE_DEFAULT;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "site", keys, err)) ||
        (rc = conf_get_buf(d, n, "id", true, s->id, sizeof s->id, err)) ||
        (rc = conf_check_name(d, n, "id", s->id, err)) ||
        (rc = conf_get_buf(d, n, "name", false, s->name, sizeof s->name, err)) ||
        (rc = conf_get_buf(d, n, "kind", false, s->kind, sizeof s->kind, err)) ||
        (rc = conf_get_buf(d, n, "timezone", false, s->timezone, sizeof s->timezone, err)) ||
        (rc = conf_get_double(d, n, "target", false, &s->target, err)) ||
        (rc = conf_get_double(d, n, "min_coverage", false, &s->min_coverage, err)) ||
        (rc = conf_get_buf(d, n, "unknown", false, unknown, sizeof unknown, err)))
        return rc;
    if ((rc = conf_check_choice(d, n, "kind", s->kind, vocab_site_kind_names(cfg->vocab), NULL, err)))
        return rc;
    const conf_node *services = conf_map_get(d, n, "services");
    if ((rc = services ? site_model_read(d, services, cfg->vocab, &s->model, err)
                       : site_model_defaults(cfg->vocab, s->kind, &s->model, err)) != VG_OK)
        return rc;
    if ((rc = energy_config_read(d, n, cfg->vocab, &s->energy, err)) != VG_OK)
        return rc; /* s->energy is freed with the sites, even half-read */
    if (unknown_policy_parse(unknown, &s->model.unknown) != 0)
        return conf_fail(err, d, conf_map_get(d, n, "unknown"), "unknown", "'%s' is not excluded, up or down", unknown);
    if (s->target <= 0 || s->target > 100)
        return conf_fail(err, d, conf_map_get(d, n, "target"), "target", "must be a percentage in (0, 100]");
    if (!(s->min_coverage >= 0 && s->min_coverage <= 100))
        return conf_fail(err, d, conf_map_get(d, n, "min_coverage"), "min_coverage", "must be a percentage in [0, 100]");
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
    return VG_OK;
}

static int sc_cmp_names(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

bool server_agent_may_write(const server_agent *a, const char *device)
{
    return !a->devices || bsearch(device, a->devices, a->ndevices, sizeof a->devices[0], sc_cmp_names) != NULL;
}

static vg_code sc_agent(const conf_doc *d, const conf_node *n, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"id", "token", "site", "devices", NULL};
    server_agent *a = &cfg->agents[cfg->nagents];
    const conf_node *devs;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "agent", keys, err)) ||
        (rc = conf_get_buf(d, n, "id", true, a->id, sizeof a->id, err)) ||
        (rc = conf_check_name(d, n, "id", a->id, err)) ||
        (rc = conf_get_buf(d, n, "token", true, a->token, sizeof a->token, err)) ||
        (rc = sc_token(d, n, a->token, err)) ||
        (rc = conf_get_buf(d, n, "site", false, a->site, sizeof a->site, err)) ||
        (rc = conf_get_list(d, n, "devices", false, 1, 5000, "device names", &devs, err)))
        return rc;
    if (devs) {
        a->devices = calloc(conf_len(devs), sizeof *a->devices);
        if (!a->devices)
            return conf_fail_code(err, VG_E_NOMEM, d, devs, "devices", "out of memory");
        for (size_t i = 0; i < conf_len(devs); i++) {
            const char *dn = conf_node_scalar(conf_seq_at(d, devs, i));
            if (!dn || !name_is_valid(dn))
                return conf_fail(err, d, conf_seq_at(d, devs, i), "devices", "'%s' is not a valid device name", dn ? dn : "");
            snprintf(a->devices[a->ndevices++], sizeof a->devices[0], "%s", dn);
        }
        qsort(a->devices, a->ndevices, sizeof a->devices[0], sc_cmp_names);
    }
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
    return VG_OK;
}

static vg_code sc_reader(const conf_doc *d, const conf_node *n, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"name", "token", "role", "scope", NULL};
    static const char *const roles[] = {"read", "operator", "admin", NULL};
    server_reader *r = &cfg->readers[cfg->nreaders];
    char role[16] = "read";
    vg_code rc;
    if ((rc = conf_check_map(d, n, "api_token", keys, err)) ||
        (rc = conf_get_buf(d, n, "name", true, r->name, sizeof r->name, err)) ||
        (rc = conf_check_name(d, n, "name", r->name, err)) ||
        (rc = conf_get_buf(d, n, "token", true, r->token, sizeof r->token, err)) ||
        (rc = sc_token(d, n, r->token, err)) || (rc = conf_get_buf(d, n, "role", false, role, sizeof role, err)) ||
        (rc = conf_check_choice(d, n, "role", role, roles, NULL, err)) ||
        (rc = conf_get_buf(d, n, "scope", false, r->scope, sizeof r->scope, err)))
        return rc;
    auth_scope scope;
    vg_err serr;
    if (auth_scope_parse(r->scope, &scope, &serr) != VG_OK)
        return conf_fail(err, d, conf_map_get(d, n, "scope"), "scope", "%s", serr.msg);
    r->role = auth_role_parse(role);
    for (size_t i = 0; i < cfg->nreaders; i++)
        if (strcmp(cfg->readers[i].name, r->name) == 0)
            return conf_fail(err, d, conf_map_get(d, n, "name"), "name", "api token '%s' is declared twice", r->name);
    cfg->nreaders++;
    return VG_OK;
}

/* report: {recipients: [addresses], lang: fr|en}; the recipients need an smtp section. */
static vg_code sc_report(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"recipients", "lang", NULL};
    static const char *const langs[] = {"fr", "en", NULL};
    const conf_node *n = conf_map_get(d, root, "report"), *list;
    snprintf(cfg->report.lang, sizeof cfg->report.lang, "fr");
    if (!n)
        return VG_OK;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "report", keys, err)) ||
        (rc = conf_get_buf(d, n, "lang", false, cfg->report.lang, sizeof cfg->report.lang, err)) ||
        (rc = conf_get_list(d, n, "recipients", false, 0, SERVER_MAX_RECIPIENTS, "entries", &list, err)) ||
        (rc = conf_check_choice(d, n, "lang", cfg->report.lang, langs, NULL, err)))
        return rc;
    for (size_t i = 0; i < conf_len(list); i++) {
        const conf_node *r = conf_seq_at(d, list, i);
        const char *addr = conf_node_scalar(r);
        if (!addr || strlen(addr) >= sizeof cfg->report.recipients[0] || !smtp_address_is_valid(addr, false))
            return conf_fail(err, d, r, "recipients", "'%s' is not a mail address (local@domain)", addr ? addr : "");
        snprintf(cfg->report.recipients[cfg->report.nrecipients++], sizeof cfg->report.recipients[0], "%s", addr);
    }
    if (cfg->report.nrecipients && !cfg->smtp.configured)
        return conf_fail(err, d, list, "recipients", "the report is mailed through the smtp section, which is missing");
    return VG_OK;
}

static vg_code sc_listen(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    char listen[80] = "127.0.0.1:8470";
    vg_code rc = conf_get_buf(d, root, "listen", false, listen, sizeof listen, err);
    if (rc != VG_OK)
        return rc;
    char *colon = strrchr(listen, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || *end || port < 1 || port > 65535 || colon == listen || (size_t)(colon - listen) >= sizeof cfg->listen_addr)
        return conf_fail(err, d, conf_map_get(d, root, "listen"), "listen", "'%s' is not ADDRESS:PORT", listen);
    *colon = '\0';
    char *addr = listen;
    size_t alen = strlen(addr);
    if (addr[0] == '[' && alen > 2 && addr[alen - 1] == ']') { /* [::1]:8470 */
        addr[alen - 1] = '\0';
        addr++;
    }
    /* the address is checked here, so that --check-config catches what would stop the server */
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, addr, buf) != 1 && inet_pton(AF_INET6, addr, buf) != 1)
        return conf_fail(err, d, conf_map_get(d, root, "listen"), "listen",
                         "'%s' is not an IPv4 or IPv6 address (write [::]:8470 for every IPv6 address)", addr);
    snprintf(cfg->listen_addr, sizeof cfg->listen_addr, "%s", addr);
    cfg->port = (int)port;
    return VG_OK;
}

/* Reads the PEM file named by root[key] into *out (NUL-terminated); key says what it must hold. */
static vg_code sc_pem(const conf_doc *d, const conf_node *root, const char *key, const char *path, char **out,
                      vg_err *err)
{
    const conf_node *at = conf_map_get(d, root, key);
    bool is_key = strcmp(key, "tls_key") == 0;
    /* O_NONBLOCK: a FIFO given by mistake must not hang the start; it is refused below */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return conf_fail_code(err, VG_E_IO, d, at, key, "cannot read '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return conf_fail(err, d, at, key, "'%s' is not a regular file", path);
    }
    if (st.st_size > SERVER_PEM_MAX) {
        close(fd);
        return conf_fail(err, d, at, key, "'%s' is larger than %d bytes: not a PEM %s", path, SERVER_PEM_MAX,
                         is_key ? "key" : "certificate");
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t len = 0;
    ssize_t n = 0;
    while (buf && len < (size_t)st.st_size && (n = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
        len += (size_t)n;
    int errnum = n < 0 ? errno : 0;
    close(fd);
    if (!buf)
        return conf_fail_code(err, VG_E_NOMEM, d, at, key, "out of memory");
    buf[len] = '\0';
    *out = buf; /* freed (and the key wiped) by server_config_free, whatever happens below */
    if (errnum)
        return conf_fail_code(err, VG_E_IO, d, at, key, "cannot read '%s': %s", path, strerror(errnum));
    if (!is_key && !strstr(buf, "-----BEGIN CERTIFICATE-----"))
        return conf_fail(err, d, at, key, "'%s' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path);
    if (is_key && (strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----") || strstr(buf, "Proc-Type: 4,ENCRYPTED")))
        return conf_fail(err, d, at, key, "'%s' is protected by a passphrase: vigie-server needs the key "
                         "unencrypted (openssl pkey -in KEY -out NEWKEY), readable by its user only", path);
    if (is_key && !strstr(buf, "PRIVATE KEY-----"))
        return conf_fail(err, d, at, key, "'%s' holds no PEM private key (-----BEGIN PRIVATE KEY-----)", path);
    return VG_OK;
}

/* tls_cert and tls_key: both (HTTPS) or neither (plain HTTP); both files are read now. */
static vg_code sc_tls(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"tls_cert", "tls_key"};
    char *paths[] = {cfg->tls_cert, cfg->tls_key};
    vg_code rc;
    for (int i = 0; i < 2; i++) {
        if ((rc = conf_get_buf(d, root, keys[i], false, paths[i], SERVER_PATH_MAX + 1, err)) != VG_OK)
            return rc;
        if (conf_map_get(d, root, keys[i]) && !paths[i][0])
            return conf_fail(err, d, conf_map_get(d, root, keys[i]), keys[i],
                             "must be a file path (leave out both tls_cert and tls_key for plain HTTP)");
    }
    if (!cfg->tls_cert[0] && !cfg->tls_key[0])
        return VG_OK;
    for (int i = 0; i < 2; i++)
        if (!paths[i][0])
            return conf_fail(err, d, conf_map_get(d, root, keys[1 - i]), keys[1 - i],
                             "needs %s as well: give both tls_cert and tls_key (HTTPS) or neither (plain HTTP)",
                             keys[i]);
    if ((rc = sc_pem(d, root, "tls_cert", cfg->tls_cert, &cfg->tls_cert_pem, err)) != VG_OK)
        return rc;
    return sc_pem(d, root, "tls_key", cfg->tls_key, &cfg->tls_key_pem, err);
}

/* The `http:` section, every key optional. */
static vg_code sc_http(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"max_connections", "max_connections_per_ip", "timeout", NULL};
    const conf_node *n = conf_map_get(d, root, "http");
    cfg->http = (server_http){SERVER_HTTP_MAX_CONNECTIONS, SERVER_HTTP_MAX_PER_IP, SERVER_HTTP_TIMEOUT};
    if (!n)
        return VG_OK;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "http", keys, err)) ||
        (rc = conf_get_int32(d, n, "max_connections", false, 1, 10000, &cfg->http.max_connections, err)) ||
        (rc = conf_get_int32(d, n, "max_connections_per_ip", false, 1, 10000, &cfg->http.max_connections_per_ip, err)) ||
        (rc = conf_get_int32(d, n, "timeout", false, 1, 3600, &cfg->http.timeout, err)))
        return rc;
    return VG_OK;
}

/* The `retention:` section, every key optional (days; 0 keeps for ever). */
static vg_code sc_retention(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"batches", "notifications", "alerts", "events", "health_runs", "late_samples",
                                       "audit", NULL};
    const conf_node *n = conf_map_get(d, root, "retention");
    server_retention *r = &cfg->retention;
    *r = (server_retention){90, 90, 400, 400, 400, 400, 400};
    if (!n)
        return VG_OK;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "retention", keys, err)) ||
        (rc = conf_get_int32(d, n, "batches", false, 0, 36500, &r->batches, err)) ||
        (rc = conf_get_int32(d, n, "notifications", false, 0, 36500, &r->notifications, err)) ||
        (rc = conf_get_int32(d, n, "alerts", false, 0, 36500, &r->alerts, err)) ||
        (rc = conf_get_int32(d, n, "events", false, 0, 36500, &r->events, err)) ||
        (rc = conf_get_int32(d, n, "health_runs", false, 0, 36500, &r->health_runs, err)) ||
        (rc = conf_get_int32(d, n, "late_samples", false, 0, 36500, &r->late_samples, err)) ||
        (rc = conf_get_int32(d, n, "audit", false, 0, 36500, &r->audit, err)))
        return rc;
    /* the audit trail too: past months' reports name from it who changed their figures */
    const char *history[] = {"events", "health_runs", "audit"};
    const char *why[] = {"past months' availability is computed from them", "past months' availability is computed "
                         "from them", "past months' reports name from it who changed their figures"};
    int days[] = {r->events, r->health_runs, r->audit};
    for (int i = 0; i < 3; i++)
        if (days[i] != 0 && days[i] < SERVER_RETENTION_MIN_HISTORY)
            return conf_fail(err, d, conf_map_get(d, n, history[i]), history[i],
                             "must be 0 (for ever) or at least %d days: %s", SERVER_RETENTION_MIN_HISTORY, why[i]);
    return VG_OK;
}

/* The longest a delivery attempt may last (seconds): a pair's lease must leave room for it
 * (cluster/cluster_config.h); smtp's timeout counts when a contact has an e-mail address. */
static long sc_longest_attempt(const server_config *cfg)
{
    long t = cfg->alerting->timeout;
    for (size_t i = 0; i < cfg->alerting->ncontacts; i++)
        if (cfg->alerting->contacts[i].email[0] && cfg->smtp.configured && cfg->smtp.timeout > t)
            t = cfg->smtp.timeout;
    return t;
}

/* `database:` a SQLite file ("sqlite:PATH") or PostgreSQL (a URI or a conninfo); what it is not is
 * said without its value, which may carry a password. */
static vg_code sc_database(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    vg_code rc = conf_get_buf(d, root, "database", false, cfg->database, sizeof cfg->database, err);
    if (rc != VG_OK || !cfg->database[0])
        return rc;
    const conf_node *at = conf_map_get(d, root, "database");
    if (sq_target_kind(cfg->database) == SQ_SQLITE && strncmp(cfg->database, "sqlite:", 7) != 0)
        return conf_fail(err, d, at, "database",
                         "neither \"sqlite:PATH\" nor PostgreSQL's \"postgresql://USER@HOST:PORT/DB\" or"
                         " \"host=... dbname=...\" (see doc/postgresql.md)");
    if (sq_target_kind(cfg->database) == SQ_SQLITE && !cfg->database[7])
        return conf_fail(err, d, at, "database", "\"sqlite:\" names no file");
    return VG_OK;
}

/* The whole file into cfg, in the order in which one part needs another (agents name sites, contacts
 * with an email need the smtp section). */
static vg_code sc_read(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"listen", "data_dir", "step", "agents", "sites", "api_tokens", "tls_cert",
                                       "tls_key", "metrics_public", "web_dir", "alerting", "smtp", "report", "rrdcached",
                                       "mibs_dir", "http", "retention", "max_series_per_device",
                                       "max_series_per_agent", "disk_reserve_mb", "max_clock_skew",
                                       "contracts", "calendars", "dependency_grace", "public_sites", "cluster", "database",
                                       NULL};
    const conf_node *sites, *agents, *readers, *smtp = conf_map_get(d, root, "smtp");
    cfg->step = 60;
    cfg->max_series_per_device = 25000; /* an OLT of 4,000 ONTs: 5 per-ONT series each, and its ports */
    cfg->max_series_per_agent = 50000;
    cfg->disk_reserve_mb = 1024;
    cfg->max_clock_skew = SKEW_ALERT_DEFAULT;
    vg_code rc;
    if ((rc = conf_check_map(d, root, "server.yaml", keys, err)) || (rc = sc_listen(d, root, cfg, err)) ||
        (rc = sc_http(d, root, cfg, err)) || (rc = sc_retention(d, root, cfg, err)) ||
        (rc = conf_get_buf(d, root, "data_dir", false, cfg->data_dir, sizeof cfg->data_dir, err)) ||
        (rc = sc_database(d, root, cfg, err)) ||
        (rc = conf_get_buf(d, root, "rrdcached", false, cfg->rrdcached, sizeof cfg->rrdcached, err)) ||
        (rc = conf_get_buf(d, root, "web_dir", false, cfg->web_dir, sizeof cfg->web_dir, err)) ||
        (rc = conf_get_buf(d, root, "mibs_dir", false, cfg->mibs_dir, sizeof cfg->mibs_dir, err)) ||
        (rc = conf_get_bool(d, root, "metrics_public", false, &cfg->metrics_public, err)) ||
        (rc = conf_get_int32(d, root, "step", false, 5, 3600, &cfg->step, err)) || (rc = sc_tls(d, root, cfg, err)) ||
        (rc = conf_get_int32(d, root, "max_series_per_device", false, 1, 1000000, &cfg->max_series_per_device, err)) ||
        (rc = conf_get_int32(d, root, "max_series_per_agent", false, 1, 10000000, &cfg->max_series_per_agent, err)) ||
        (rc = conf_get_int32(d, root, "disk_reserve_mb", false, 0, 10000000, &cfg->disk_reserve_mb, err)) ||
        (rc = conf_get_int32(d, root, "max_clock_skew", false, 1, SKEW_ALERT_MAX, &cfg->max_clock_skew, err)) ||
        (rc = sc_vocab(d, root, cfg, err)) ||
        (rc = conf_get_list(d, root, "sites", false, 0, SERVER_MAX_SITES, "entries", &sites, err)) ||
        (rc = conf_get_list(d, root, "agents", true, 0, SERVER_MAX_AGENTS, "entries", &agents, err)) ||
        (rc = conf_get_list(d, root, "api_tokens", false, 0, 100, "entries", &readers, err)))
        return rc;
    cfg->sites = calloc(conf_len(sites) + 1, sizeof *cfg->sites);
    cfg->agents = calloc(conf_len(agents) + 1, sizeof *cfg->agents);
    cfg->readers = calloc(conf_len(readers) + 1, sizeof *cfg->readers);
    cfg->alerting = calloc(1, sizeof *cfg->alerting);
    cfg->contracts = contract_set_new();
    if (!cfg->sites || !cfg->agents || !cfg->readers || !cfg->alerting || !cfg->contracts)
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", cfg->path);
    cfg->dependency_grace = 2 * cfg->step; /* contract/contract.h: before the public sites, which name contracts */
    if ((rc = contract_set_read(cfg->contracts, d, root, err)) ||
        (rc = conf_get_int32(d, root, "dependency_grace", false, 0, 86400, &cfg->dependency_grace, err)))
        return rc;
    for (size_t i = 0; i < conf_len(sites); i++)
        if ((rc = sc_site(d, conf_seq_at(d, sites, i), cfg, err)) != VG_OK)
            return rc;
    for (size_t i = 0; i < conf_len(agents); i++)
        if ((rc = sc_agent(d, conf_seq_at(d, agents, i), cfg, err)) != VG_OK)
            return rc;
    for (size_t i = 0; i < conf_len(readers); i++)
        if ((rc = sc_reader(d, conf_seq_at(d, readers, i), cfg, err)) != VG_OK)
            return rc;
    if ((smtp && (rc = smtp_config_read(d, smtp, &cfg->smtp, err))) || (rc = sc_report(d, root, cfg, err)) ||
        (rc = alerting_config_read(d, conf_map_get(d, root, "alerting"), cfg->alerting, err)) ||
        (rc = cluster_config_read(d, conf_map_get(d, root, "cluster"), &cfg->cluster, err)) ||
        (rc = cluster_config_check(d, conf_map_get(d, root, "cluster"), &cfg->cluster, sc_longest_attempt(cfg),
                                   err)) ||
        (rc = shard_config_sites(d, sites, cfg, err)))
        return rc;
    /* on-call rotations without a timezone hand over in the first site's (alerting/oncall.h) */
    oncall_config_default_zone(cfg->alerting->oncall, cfg->nsites ? cfg->sites[0].timezone : NULL);
    for (size_t i = 0; i < cfg->alerting->ncontacts; i++)
        if (cfg->alerting->contacts[i].email[0] && !cfg->smtp.configured)
            return conf_fail(err, d, conf_map_get(d, root, "alerting"), "contacts",
                             "contact '%s' has an email but server.yaml has no smtp section to send it",
                             cfg->alerting->contacts[i].name);
    return public_sites_config(d, root, cfg, err); /* its CSV is read by server_config_load, once d is freed */
}

static int sc_cmp_site_index(const void *a, const void *b, void *cfg)
{
    const server_site *sites = ((const server_config *)cfg)->sites;
    return strcmp(sites[*(const size_t *)a].id, sites[*(const size_t *)b].id);
}

/* The sites' order by id, once they are all read: a scope is checked against every site of a listing
 * (1,200 public sites), so server_config_site must not scan them. */
static vg_code sc_index_sites(server_config *cfg)
{
    free(cfg->site_order);
    cfg->site_order = malloc((cfg->nsites ? cfg->nsites : 1) * sizeof *cfg->site_order);
    if (!cfg->site_order)
        return VG_E_NOMEM;
    for (size_t i = 0; i < cfg->nsites; i++)
        cfg->site_order[i] = i;
    qsort_r(cfg->site_order, cfg->nsites, sizeof *cfg->site_order, sc_cmp_site_index, cfg);
    cfg->nsite_order = cfg->nsites;
    return VG_OK;
}

static server_config *sc_load(const char *path, bool with_public, vg_err *err)
{
    conf_doc *d = conf_doc_load_file(path, err);
    if (!d)
        return NULL;
    server_config *cfg = calloc(1, sizeof *cfg);
    vg_code rc = VG_E_NOMEM;
    if (!cfg) {
        vg_fail(err, rc, "%s: out of memory", path);
    } else {
        snprintf(cfg->path, sizeof cfg->path, "%s", path);
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", VIGIE_STATE_DIR);
        snprintf(cfg->web_dir, sizeof cfg->web_dir, "%s", VIGIE_WEB_DIR);
        rc = sc_read(d, conf_doc_root(d), cfg, err);
    }
    conf_doc_free(d);
    if (rc == VG_OK && with_public)
        rc = public_sites_load(cfg, err);
    if (rc == VG_OK)
        shard_config_public(cfg);
    if (rc != VG_OK) {
        server_config_free(cfg);
        return NULL;
    }
    if (sc_index_sites(cfg) != VG_OK) {
        vg_fail(err, VG_E_NOMEM, "%s: out of memory", path);
        server_config_free(cfg);
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
        log_warn("config", "%s holds tokens and is readable by other users: chmod o-r %s", path, path);
    if (cfg->tls_key[0] && stat(cfg->tls_key, &st) == 0 && (st.st_mode & S_IROTH))
        log_warn("config", "%s (tls_key) is the server's private key and is readable by other users: chmod o-r %s",
                 cfg->tls_key, cfg->tls_key);
    return cfg;
}

server_config *server_config_load(const char *path, vg_err *err) { return sc_load(path, true, err); }

server_config *server_config_load_base(const char *path, vg_err *err) { return sc_load(path, false, err); }

void server_config_free(server_config *cfg)
{
    if (!cfg)
        return;
    /* agents[nagents] may be one that failed half-way: the array has room for it, zeroed */
    for (size_t i = 0; cfg->agents && i <= cfg->nagents; i++)
        free(cfg->agents[i].devices);
    free(cfg->agents);
    for (size_t i = 0; cfg->sites && i <= cfg->nsites; i++) { /* sites[nsites]: one that failed half-way */
        free(cfg->sites[i].energy);
        free(cfg->sites[i].pub);
    }
    free(cfg->sites);
    free(cfg->site_order);
    free(cfg->readers);
    alerting_config_free(cfg->alerting);
    explicit_bzero(cfg->smtp.password, sizeof cfg->smtp.password);
    free(cfg->alerting);
    contract_set_free(cfg->contracts);
    vocab_free(cfg->vocab);
    free(cfg->tls_cert_pem);
    if (cfg->tls_key_pem) {
        explicit_bzero(cfg->tls_key_pem, strlen(cfg->tls_key_pem));
        free(cfg->tls_key_pem);
    }
    free(cfg);
}

const server_site *server_config_site(const server_config *cfg, const char *id)
{
    if (cfg->site_order && cfg->nsite_order == cfg->nsites) {
        size_t lo = 0, hi = cfg->nsites;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(cfg->sites[cfg->site_order[mid]].id, id);
            if (c == 0)
                return &cfg->sites[cfg->site_order[mid]];
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return NULL;
    }
    for (size_t i = 0; i < cfg->nsites; i++) /* while loading: the sites are still being added */
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
