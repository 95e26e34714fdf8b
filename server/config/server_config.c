#include "config.h"
#include "config/server_config.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerting/alert_config.h"
#include "log.h"

#ifndef VIGIE_WEB_DIR
#define VIGIE_WEB_DIR "/usr/local/share/vigie/web"
#endif

static int sc_str(const conf_doc *d, const conf_node *map, const char *key, bool required, char *dst,
                  size_t size, vg_err *err)
{
    const char *s = NULL;
    if (conf_get_str(d, map, key, required, size - 1, &s, err))
        return -1;
    if (s)
        snprintf(dst, size, "%s", s);
    return 0;
}

static int sc_name(const conf_doc *d, const conf_node *map, const char *key, const char *val, vg_err *err)
{
    if (!name_is_valid(val))
        return conf_fail(err, d, conf_map_get(d, map, key), key,
                         "'%s': use 1-64 of [A-Za-z0-9._-], starting with a letter or digit", val);
    return 0;
}

/* Tokens are compared in constant time and must be long enough not to be guessed. */
static int sc_token(const conf_doc *d, const conf_node *map, const char *val, vg_err *err)
{
    if (strlen(val) < 16)
        return conf_fail(err, d, conf_map_get(d, map, "token"), "token", "must be at least 16 characters long");
    return 0;
}

static int sc_list(const conf_doc *d, const conf_node *root, const char *key, bool required, size_t max,
                   const conf_node **out, vg_err *err)
{
    const conf_node *n = conf_map_get(d, root, key);
    *out = n;
    if (!n)
        return required ? conf_fail(err, d, root, key, "missing") : 0;
    if (conf_node_kind(n) != CONF_SEQ || conf_len(n) > max)
        return conf_fail(err, d, n, key, "must be a list of at most %zu entries", max);
    return 0;
}

static int sc_site(const conf_doc *d, const conf_node *n, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"id", "name", "kind", "timezone", "target", "unknown", "services", NULL};
    server_site *s = &cfg->sites[cfg->nsites];
    char unknown[16] = "excluded";
    snprintf(s->kind, sizeof s->kind, "nro");
    snprintf(s->timezone, sizeof s->timezone, "Europe/Paris");
    s->target = 99.982;
    if (conf_check_map(d, n, "site", keys, err) || sc_str(d, n, "id", true, s->id, sizeof s->id, err) ||
        sc_name(d, n, "id", s->id, err) || sc_str(d, n, "name", false, s->name, sizeof s->name, err) ||
        sc_str(d, n, "kind", false, s->kind, sizeof s->kind, err) ||
        sc_str(d, n, "timezone", false, s->timezone, sizeof s->timezone, err) ||
        conf_get_double(d, n, "target", false, &s->target, err) ||
        sc_str(d, n, "unknown", false, unknown, sizeof unknown, err))
        return -1;
    const conf_node *services = conf_map_get(d, n, "services");
    if (services) {
        if (site_model_read(d, services, &s->model, err) != 0)
            return -1;
    } else {
        site_model_defaults(s->kind, &s->model);
    }
    if (unknown_policy_parse(unknown, &s->model.unknown) != 0)
        return conf_fail(err, d, conf_map_get(d, n, "unknown"), "unknown", "'%s' is not excluded, up or down", unknown);
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

static int sc_cmp_names(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

bool server_agent_may_write(const server_agent *a, const char *device)
{
    return !a->devices || bsearch(device, a->devices, a->ndevices, sizeof a->devices[0], sc_cmp_names) != NULL;
}

static int sc_agent(const conf_doc *d, const conf_node *n, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"id", "token", "site", "devices", NULL};
    server_agent *a = &cfg->agents[cfg->nagents];
    if (conf_check_map(d, n, "agent", keys, err) || sc_str(d, n, "id", true, a->id, sizeof a->id, err) ||
        sc_name(d, n, "id", a->id, err) || sc_str(d, n, "token", true, a->token, sizeof a->token, err) ||
        sc_token(d, n, a->token, err) || sc_str(d, n, "site", false, a->site, sizeof a->site, err))
        return -1;
    const conf_node *devs = conf_map_get(d, n, "devices");
    if (devs) {
        if (conf_node_kind(devs) != CONF_SEQ || conf_len(devs) == 0 || conf_len(devs) > 5000)
            return conf_fail(err, d, devs, "devices", "must be a list of 1 to 5000 device names");
        a->devices = calloc(conf_len(devs), sizeof *a->devices);
        if (!a->devices)
            return conf_fail(err, d, devs, "devices", "out of memory");
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
    return 0;
}

static int sc_reader(const conf_doc *d, const conf_node *n, server_config *cfg, vg_err *err)
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

/* report: {recipients: [addresses], lang: fr|en}; the recipients need an smtp section. */
static int sc_report(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"recipients", "lang", NULL};
    const conf_node *n = conf_map_get(d, root, "report"), *list;
    snprintf(cfg->report.lang, sizeof cfg->report.lang, "fr");
    if (!n)
        return 0;
    if (conf_check_map(d, n, "report", keys, err) ||
        sc_str(d, n, "lang", false, cfg->report.lang, sizeof cfg->report.lang, err) ||
        sc_list(d, n, "recipients", false, SERVER_MAX_RECIPIENTS, &list, err))
        return -1;
    if (strcmp(cfg->report.lang, "fr") && strcmp(cfg->report.lang, "en"))
        return conf_fail(err, d, conf_map_get(d, n, "lang"), "lang", "'%s' is not fr or en", cfg->report.lang);
    for (size_t i = 0; i < conf_len(list); i++) {
        const conf_node *r = conf_seq_at(d, list, i);
        const char *addr = conf_node_scalar(r);
        if (!addr || strlen(addr) >= sizeof cfg->report.recipients[0] || !smtp_address_is_valid(addr, false))
            return conf_fail(err, d, r, "recipients", "'%s' is not a mail address (local@domain)", addr ? addr : "");
        snprintf(cfg->report.recipients[cfg->report.nrecipients++], sizeof cfg->report.recipients[0], "%s", addr);
    }
    if (cfg->report.nrecipients && !cfg->smtp.configured)
        return conf_fail(err, d, list, "recipients", "the report is mailed through the smtp section, which is missing");
    return 0;
}

static int sc_listen(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
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
    return 0;
}

/* Reads the PEM file named by root[key] into *out (NUL-terminated); key says what it must hold. */
static int sc_pem(const conf_doc *d, const conf_node *root, const char *key, const char *path, char **out,
                  vg_err *err)
{
    const conf_node *at = conf_map_get(d, root, key);
    bool is_key = strcmp(key, "tls_key") == 0;
    /* O_NONBLOCK: a FIFO given by mistake must not hang the start; it is refused below */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return conf_fail(err, d, at, key, "cannot read '%s': %s", path, strerror(errno));
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
        return conf_fail(err, d, at, key, "out of memory");
    buf[len] = '\0';
    *out = buf; /* freed (and the key wiped) by server_config_free, whatever happens below */
    if (errnum)
        return conf_fail(err, d, at, key, "cannot read '%s': %s", path, strerror(errnum));
    if (!is_key && !strstr(buf, "-----BEGIN CERTIFICATE-----"))
        return conf_fail(err, d, at, key, "'%s' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path);
    if (is_key && (strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----") || strstr(buf, "Proc-Type: 4,ENCRYPTED")))
        return conf_fail(err, d, at, key, "'%s' is protected by a passphrase: vigie-server needs the key "
                         "unencrypted (openssl pkey -in KEY -out NEWKEY), readable by its user only", path);
    if (is_key && !strstr(buf, "PRIVATE KEY-----"))
        return conf_fail(err, d, at, key, "'%s' holds no PEM private key (-----BEGIN PRIVATE KEY-----)", path);
    return 0;
}

/* tls_cert and tls_key: both (HTTPS) or neither (plain HTTP); both files are read now. */
static int sc_tls(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"tls_cert", "tls_key"};
    char *paths[] = {cfg->tls_cert, cfg->tls_key};
    for (int i = 0; i < 2; i++) {
        if (sc_str(d, root, keys[i], false, paths[i], SERVER_PATH_MAX + 1, err))
            return -1;
        if (conf_map_get(d, root, keys[i]) && !paths[i][0])
            return conf_fail(err, d, conf_map_get(d, root, keys[i]), keys[i],
                             "must be a file path (leave out both tls_cert and tls_key for plain HTTP)");
    }
    if (!cfg->tls_cert[0] && !cfg->tls_key[0])
        return 0;
    for (int i = 0; i < 2; i++)
        if (!paths[i][0])
            return conf_fail(err, d, conf_map_get(d, root, keys[1 - i]), keys[1 - i],
                             "needs %s as well: give both tls_cert and tls_key (HTTPS) or neither (plain HTTP)",
                             keys[i]);
    return sc_pem(d, root, "tls_cert", cfg->tls_cert, &cfg->tls_cert_pem, err) ||
                   sc_pem(d, root, "tls_key", cfg->tls_key, &cfg->tls_key_pem, err)
               ? -1
               : 0;
}

server_config *server_config_load(const char *path, vg_err *err)
{
    static const char *const keys[] = {"listen", "data_dir", "step", "agents", "sites", "api_tokens", "tls_cert",
                                       "tls_key", "metrics_public", "web_dir", "alerting", "smtp", "report", "rrdcached",
                                       NULL};
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
    snprintf(cfg->web_dir, sizeof cfg->web_dir, "%s", VIGIE_WEB_DIR);
    if (conf_check_map(d, root, "server.yaml", keys, err) || sc_listen(d, root, cfg, err) ||
        sc_str(d, root, "data_dir", false, cfg->data_dir, sizeof cfg->data_dir, err) ||
        sc_str(d, root, "rrdcached", false, cfg->rrdcached, sizeof cfg->rrdcached, err) ||
        sc_str(d, root, "web_dir", false, cfg->web_dir, sizeof cfg->web_dir, err) ||
        conf_get_bool(d, root, "metrics_public", false, &cfg->metrics_public, err) ||
        conf_get_int(d, root, "step", false, 5, 3600, &step, err) || sc_tls(d, root, cfg, err) ||
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
    if ((conf_map_get(d, root, "smtp") && smtp_config_read(d, conf_map_get(d, root, "smtp"), &cfg->smtp, err)) ||
        sc_report(d, root, cfg, err))
        goto out;
    cfg->alerting = calloc(1, sizeof *cfg->alerting);
    if (!cfg->alerting || alerting_config_read(d, conf_map_get(d, root, "alerting"), cfg->alerting, err))
        goto out;
    for (size_t i = 0; i < cfg->alerting->ncontacts; i++)
        if (cfg->alerting->contacts[i].email[0] && !cfg->smtp.configured) {
            conf_fail(err, d, conf_map_get(d, root, "alerting"), "contacts", "contact '%s' has an email but server.yaml "
                      "has no smtp section to send it", cfg->alerting->contacts[i].name);
            goto out;
        }
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
    if (cfg->tls_key[0] && stat(cfg->tls_key, &st) == 0 && (st.st_mode & S_IROTH))
        log_warn("config", "%s (tls_key) is the server's private key and is readable by other users: chmod o-r %s",
                 cfg->tls_key, cfg->tls_key);
    return cfg;
}

void server_config_free(server_config *cfg)
{
    if (!cfg)
        return;
    /* agents[nagents] may be one that failed half-way: the array has room for it, zeroed */
    for (size_t i = 0; cfg->agents && i <= cfg->nagents; i++)
        free(cfg->agents[i].devices);
    free(cfg->agents);
    free(cfg->sites);
    free(cfg->readers);
    alerting_config_free(cfg->alerting);
    explicit_bzero(cfg->smtp.password, sizeof cfg->smtp.password);
    free(cfg->alerting);
    free(cfg->tls_cert_pem);
    if (cfg->tls_key_pem) {
        explicit_bzero(cfg->tls_key_pem, strlen(cfg->tls_key_pem));
        free(cfg->tls_key_pem);
    }
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
