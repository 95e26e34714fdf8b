#include "config.h"
#include "config/agent_checks.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "vocab.h"

void agent_check_clear(agent_check *c)
{
    for (size_t i = 0; i < c->nhttp; i++) {
        free(c->http[i].url);
        c->http[i].url = NULL;
    }
    c->nhttp = 0;
}

bool agent_check_addr_is_valid(const char *s)
{
    unsigned char buf[16];
    return strlen(s) <= AGENT_CHECK_ADDR_MAX && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

bool agent_check_url_is_valid(const char *s)
{
    size_t n = strlen(s), scheme = strncmp(s, "http://", 7) == 0 ? 7 : strncmp(s, "https://", 8) == 0 ? 8 : 0;
    if (!scheme || n <= scheme || n > AGENT_URL_MAX || strchr("/?#", s[scheme]))
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p >= 0x7f) /* a URL in text is ASCII without blanks (percent-encode the rest) */
            return false;
    return true;
}

/* `tcp: [554, 80]`: each port where it is written. */
static vg_code ack_ports(const conf_doc *d, const conf_node *n, agent_check *c, vg_err *err)
{
    const conf_node *ports;
    vg_code rc = conf_get_list(d, n, "tcp", false, 1, AGENT_CHECK_PORTS, "ports", &ports, err);
    for (size_t i = 0; rc == VG_OK && ports && i < conf_len(ports); i++) {
        long long port;
        const conf_node *p = conf_seq_at(d, ports, i);
        if ((rc = conf_scalar_int(d, p, "tcp", 1, 65535, &port, err)))
            break;
        for (size_t j = 0; j < c->nports; j++)
            if (c->ports[j] == (int)port)
                return conf_fail(err, d, p, "tcp", "port %lld is given twice", port);
        c->ports[c->nports++] = (int)port;
    }
    return rc;
}

/* `http: {url: "https://...", expect: 200, name: http}` */
static vg_code ack_http(const conf_doc *d, const conf_node *n, agent_check *c, vg_err *err)
{
    static const char *const keys[] = {"url", "expect", "name", NULL};
    const conf_node *h = conf_map_get(d, n, "http");
    if (!h)
        return VG_OK;
    agent_http_check *hc = &c->http[0];
    const char *url = NULL;
    snprintf(hc->name, sizeof hc->name, "http");
    hc->expect = 200;
    vg_code rc;
    if ((rc = conf_check_map(d, h, "http check", keys, err)) ||
        (rc = conf_get_str(d, h, "url", true, AGENT_URL_MAX, &url, err)) ||
        (rc = conf_get_int32(d, h, "expect", false, 100, 599, &hc->expect, err)) ||
        (rc = conf_get_buf(d, h, "name", false, hc->name, sizeof hc->name, err)) ||
        (rc = conf_check_name(d, h, "name", hc->name, err)))
        return rc;
    if (!agent_check_url_is_valid(url))
        return conf_fail(err, d, conf_map_get(d, h, "url"), "url",
                         "'%s' is not an http:// or https:// URL (ASCII, no blank)", url);
    if (!(hc->url = strdup(url)))
        return conf_fail_code(err, VG_E_NOMEM, d, h, "url", "out of memory");
    c->nhttp = 1;
    return VG_OK;
}

/* A name is a device's or a check's once only. */
static vg_code ack_unique(const conf_doc *d, const conf_node *n, const agent_config *cfg, const agent_check *c,
                          vg_err *err)
{
    for (size_t i = 0; i < cfg->ndevices; i++)
        if (strcmp(cfg->devices[i].name, c->name) == 0)
            return conf_fail(err, d, conf_map_get(d, n, "name"), "name",
                             "'%s' is already a device of devices: (a check target is a device of its own)", c->name);
    for (size_t i = 0; i < cfg->nchecks; i++)
        if (strcmp(cfg->checks[i].name, c->name) == 0)
            return conf_fail(err, d, conf_map_get(d, n, "name"), "name", "check '%s' is declared twice (line %d)",
                             c->name, cfg->checks[i].line);
    return VG_OK;
}

static vg_code ack_check(const conf_doc *d, const conf_node *n, const agent_config *cfg, agent_check *c, vg_err *err)
{
    static const char *const keys[] = {"name", "host", "class", "icmp", "tcp", "http", NULL};
    c->icmp = true;
    c->line = conf_node_line(n);
    c->column = conf_node_column(n);
    snprintf(c->cls, sizeof c->cls, "link");
    vg_code rc;
    if ((rc = conf_check_map(d, n, "check", keys, err)) ||
        (rc = conf_get_buf(d, n, "name", true, c->name, sizeof c->name, err)) ||
        (rc = conf_check_name(d, n, "name", c->name, err)) ||
        (rc = conf_get_buf(d, n, "host", true, c->hosts[0], sizeof c->hosts[0], err)) ||
        (rc = conf_get_buf(d, n, "class", false, c->cls, sizeof c->cls, err)) ||
        (rc = conf_get_bool(d, n, "icmp", false, &c->icmp, err)) || (rc = ack_ports(d, n, c, err)) ||
        (rc = ack_http(d, n, c, err)) || (rc = ack_unique(d, n, cfg, c, err)))
        return rc;
    c->nhosts = 1;
    if (!agent_check_addr_is_valid(c->hosts[0]))
        return conf_fail(err, d, conf_map_get(d, n, "host"), "host",
                         "'%s' is not an IPv4 or IPv6 address (checks resolve no names)", c->hosts[0]);
    if (!vocab_class_name_is_valid(c->cls))
        return conf_fail(err, d, conf_map_get(d, n, "class"), "class", "'%s' is not a device class (a lower-case word)",
                         c->cls);
    if (!c->icmp && !c->nports && !c->nhttp)
        return conf_fail(err, d, n, "icmp", "check '%s' checks nothing: give icmp: true, tcp: [PORT] or http: {url}",
                         c->name);
    return VG_OK;
}

static vg_code ack_list(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    const conf_node *list;
    vg_code rc = conf_get_list(d, root, "checks", false, 0, AGENT_MAX_CHECKS, "checks", &list, err);
    if (rc != VG_OK || !list || !conf_len(list))
        return rc;
    cfg->checks = calloc(conf_len(list), sizeof *cfg->checks);
    if (!cfg->checks)
        return conf_fail_code(err, VG_E_NOMEM, d, list, "checks", "out of memory");
    for (size_t i = 0; i < conf_len(list); i++) {
        agent_check *c = &cfg->checks[cfg->nchecks];
        rc = ack_check(d, conf_seq_at(d, list, i), cfg, c, err);
        if (rc != VG_OK) {
            agent_check_clear(c);
            return rc;
        }
        cfg->nchecks++;
    }
    return VG_OK;
}

vg_code agent_checks_read(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err)
{
    cfg->check_interval = cfg->interval < 10 ? 10 : cfg->interval;
    cfg->check_pings = 5;
    cfg->check_timeout = 1;
    cfg->check_http_timeout = 5;
    const conf_node *timeout = conf_map_get(d, root, "check_timeout");
    vg_code rc;
    if ((rc = conf_get_int32(d, root, "check_interval", false, 10, 3600, &cfg->check_interval, err)) ||
        (rc = conf_get_int32(d, root, "check_pings", false, 1, 100, &cfg->check_pings, err)) ||
        (rc = conf_get_double(d, root, "check_timeout", false, &cfg->check_timeout, err)) ||
        (rc = conf_get_bool(d, root, "targets_from_server", false, &cfg->targets_from_server, err)))
        return rc;
    if (timeout) {
        if (!(cfg->check_timeout >= 0.01 && cfg->check_timeout <= 60))
            return conf_fail(err, d, timeout, "check_timeout", "must be in [0.01, 60] seconds");
        cfg->check_http_timeout = cfg->check_timeout;
    }
    /* the echoes of a cycle go in rounds, one after the other, each waiting at most check_timeout */
    if (cfg->check_pings * cfg->check_timeout >= cfg->check_interval)
        return conf_fail(err, d, timeout ? timeout : root, "check_timeout",
                         "check_pings (%d) x check_timeout (%g s) must stay under check_interval (%d s)",
                         cfg->check_pings, cfg->check_timeout, cfg->check_interval);
    if (cfg->check_http_timeout >= cfg->check_interval)
        return conf_fail(err, d, timeout ? timeout : root, "check_timeout",
                         "an HTTP check's timeout (%g s) must stay under check_interval (%d s)",
                         cfg->check_http_timeout, cfg->check_interval);
    return ack_list(d, root, cfg, err);
}
