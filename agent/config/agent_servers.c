/* agent_servers: agent.yaml's `server:` (one URL, or a list of up to AGENT_SERVERS_MAX: a pair of
 * servers), `server_backlog_mb:` and the agent's own `watchdog:`. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/agent_config.h"

static bool as_is_http(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* A URL to push to: http(s)://, no blank or control character, not given twice. */
static vg_code as_server(const conf_doc *d, const conf_node *n, agent_config *cfg, vg_err *err)
{
    const char *url = conf_node_scalar(n);
    if (!url || !*url)
        return conf_fail(err, d, n, "server", "must be an http:// or https:// URL, or a list of 1 to %d of them",
                         AGENT_SERVERS_MAX);
    if (strlen(url) > AGENT_URL_MAX)
        return conf_fail(err, d, n, "server", "longer than %d characters", AGENT_URL_MAX);
    if (!as_is_http(url) || strpbrk(url, " \t"))
        return conf_fail(err, d, n, "server", "must be an http:// or https:// URL");
    for (size_t i = 0; i < cfg->nservers; i++)
        if (strcmp(cfg->servers[i], url) == 0)
            return conf_fail(err, d, n, "server", "'%s' is given twice", url);
    snprintf(cfg->servers[cfg->nservers++], sizeof cfg->servers[0], "%s", url);
    return VG_OK;
}

static vg_code as_servers(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    const conf_node *n = conf_map_get(d, root, "server");
    if (!n)
        return conf_fail(err, d, root, "server", "missing");
    vg_code rc;
    if (conf_node_kind(n) == CONF_SEQ) {
        const conf_node *list;
        if ((rc = conf_get_list(d, root, "server", true, 1, AGENT_SERVERS_MAX, "servers", &list, err)))
            return rc;
        for (size_t i = 0; i < conf_len(list); i++)
            if ((rc = as_server(d, conf_seq_at(d, list, i), cfg, err)))
                return rc;
    } else if ((rc = as_server(d, n, cfg, err))) {
        return rc;
    }
    snprintf(cfg->server, sizeof cfg->server, "%s", cfg->servers[0]);
    int spool_mb = cfg->spool_max_mb;
    if ((rc = conf_get_int32(d, root, "spool_max_mb", false, 1, 10240, &spool_mb, err)) ||
        (rc = conf_get_int32(d, root, "server_backlog_mb", false, 1, 10240, &cfg->server_backlog_mb, err)))
        return rc;
    if (cfg->server_backlog_mb && cfg->server_backlog_mb >= spool_mb)
        return conf_fail(err, d, conf_map_get(d, root, "server_backlog_mb"), "server_backlog_mb",
                         "must be below spool_max_mb (%d), so that a server away never makes the spool drop what "
                         "the others need",
                         spool_mb);
    return VG_OK;
}

unsigned long long agent_server_backlog_bytes(const agent_config *cfg)
{
    if (cfg->server_backlog_mb)
        return (unsigned long long)cfg->server_backlog_mb << 20;
    return ((unsigned long long)cfg->spool_max_mb << 20) / 4 * 3;
}

/* watchdog.smtp: where the agent's own alert is mailed (the keys of server.yaml's smtp:, and `to`). */
static vg_code as_smtp(const conf_doc *d, const conf_node *w, agent_watchdog *wd, vg_err *err)
{
    static const char *const keys[] = {"url", "user", "password", "from", "to", "ca_file", "starttls", NULL};
    const conf_node *n = conf_map_get(d, w, "smtp");
    if (!n)
        return VG_OK;
    const conf_node *to;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "watchdog.smtp", keys, err)) ||
        (rc = conf_get_buf(d, n, "url", true, wd->smtp_url, sizeof wd->smtp_url, err)) ||
        (rc = conf_get_buf(d, n, "user", false, wd->smtp_user, sizeof wd->smtp_user, err)) ||
        (rc = conf_get_buf(d, n, "password", false, wd->smtp_password, sizeof wd->smtp_password, err)) ||
        (rc = conf_get_buf(d, n, "from", true, wd->smtp_from, sizeof wd->smtp_from, err)) ||
        (rc = conf_get_buf(d, n, "ca_file", false, wd->smtp_ca, sizeof wd->smtp_ca, err)) ||
        (rc = conf_get_bool(d, n, "starttls", false, &wd->smtp_starttls, err)) ||
        (rc = conf_get_list(d, n, "to", true, 1, AGENT_WATCHDOG_TO_MAX, "addresses", &to, err)))
        return rc;
    if (strncasecmp(wd->smtp_url, "smtp://", 7) != 0 && strncasecmp(wd->smtp_url, "smtps://", 8) != 0)
        return conf_fail(err, d, conf_map_get(d, n, "url"), "url", "must be an smtp:// or smtps:// URL");
    if (!wd->smtp_user[0] != !wd->smtp_password[0])
        return conf_fail(err, d, n, wd->smtp_user[0] ? "password" : "user", "user and password go together");
    for (size_t i = 0; i < conf_len(to); i++) {
        const conf_node *a = conf_seq_at(d, to, i);
        const char *s = conf_node_scalar(a);
        if (!s || !strchr(s, '@') || strlen(s) > AGENT_SECRET_MAX || strpbrk(s, " \t<>,;"))
            return conf_fail(err, d, a, "to", "must be an e-mail address (name@domain)");
        snprintf(wd->smtp_to[wd->nsmtp_to++], sizeof wd->smtp_to[0], "%s", s);
    }
    if (strpbrk(wd->smtp_from, "\r\n") || !strchr(wd->smtp_from, '@'))
        return conf_fail(err, d, conf_map_get(d, n, "from"), "from", "must hold an e-mail address");
    return VG_OK;
}

static vg_code as_watchdog(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"after", "repeat", "webhook", "webhook_ca_file", "smtp", "timeout", NULL};
    agent_watchdog *wd = &cfg->watchdog;
    wd->smtp_starttls = true;
    wd->timeout = 20;
    const conf_node *w = conf_map_get(d, root, "watchdog");
    if (!w)
        return VG_OK;
    vg_code rc;
    if ((rc = conf_check_map(d, w, "watchdog", keys, err)) ||
        (rc = conf_get_int32(d, w, "after", true, 10, 7 * 86400, &wd->after, err)) ||
        (rc = conf_get_int32(d, w, "repeat", false, 0, 7 * 86400, &wd->repeat, err)) ||
        (rc = conf_get_int32(d, w, "timeout", false, 1, 120, &wd->timeout, err)) ||
        (rc = conf_get_buf(d, w, "webhook", false, wd->webhook, sizeof wd->webhook, err)) ||
        (rc = conf_get_buf(d, w, "webhook_ca_file", false, wd->webhook_ca, sizeof wd->webhook_ca, err)) ||
        (rc = as_smtp(d, w, wd, err)))
        return rc;
    if (wd->repeat && wd->repeat < 60)
        return conf_fail(err, d, conf_map_get(d, w, "repeat"), "repeat", "must be 0 (once) or at least 60 seconds");
    if (wd->webhook[0] && (!as_is_http(wd->webhook) || strpbrk(wd->webhook, " \t")))
        return conf_fail(err, d, conf_map_get(d, w, "webhook"), "webhook", "must be an http:// or https:// URL");
    if (!wd->webhook[0] && !wd->smtp_url[0])
        return conf_fail(err, d, w, "watchdog", "needs a webhook, an smtp section or both: where to send its alert");
    return VG_OK;
}

vg_code agent_servers_read(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    vg_code rc = as_servers(d, root, cfg, err);
    return rc ? rc : as_watchdog(d, root, cfg, err);
}
