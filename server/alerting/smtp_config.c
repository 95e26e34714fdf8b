/* The `smtp:` section of server.yaml. Apart from smtp.c so that reading a configuration does not
 * pull libcurl into the programs and tests that only load one. */
#include "config.h"
#include "alerting/smtp.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The host of smtp://[user@]host[:port][/...], brackets of an IPv6 address removed. */
static void smtp_url_host(const char *url, char *host, size_t size)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at && (!slash || at < slash))
        p = at + 1;
    size_t n;
    if (*p == '[') {
        p++;
        n = strcspn(p, "]");
    } else {
        n = strcspn(p, ":/");
    }
    if (n >= size)
        n = size - 1;
    memcpy(host, p, n);
    host[n] = '\0';
}

static bool smtp_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* A mail address as a header and an SMTP envelope take it: local@domain, or "Name <local@domain>"
 * when `named`; no space in the address, no control character anywhere. */
bool smtp_address_is_valid(const char *s, bool named)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    const char *lt = strchr(s, '<');
    char addr[256];
    if (lt && named) {
        const char *gt = strchr(lt, '>');
        if (!gt || gt[1] || (size_t)(gt - lt - 1) >= sizeof addr)
            return false;
        memcpy(addr, lt + 1, (size_t)(gt - lt - 1));
        addr[gt - lt - 1] = '\0';
    } else {
        if (strlen(s) >= sizeof addr)
            return false;
        snprintf(addr, sizeof addr, "%s", s);
    }
    const char *at = strchr(addr, '@');
    if (!at || at == addr || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return false;
    return strcspn(addr, " \t<>,;\"()[]\\") == strlen(addr);
}

vg_code smtp_config_read(const conf_doc *d, const conf_node *n, smtp_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"url", "user", "password", "from", "ca_file", "starttls", "timeout", NULL};
    memset(cfg, 0, sizeof *cfg);
    cfg->starttls = true;
    cfg->timeout = 30;
    long long timeout = 30;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "smtp", keys, err)) ||
        (rc = conf_get_buf(d, n, "url", false, cfg->url, sizeof cfg->url, err)) ||
        (rc = conf_get_buf(d, n, "user", false, cfg->user, sizeof cfg->user, err)) ||
        (rc = conf_get_buf(d, n, "password", false, cfg->password, sizeof cfg->password, err)) ||
        (rc = conf_get_buf(d, n, "from", false, cfg->from, sizeof cfg->from, err)) ||
        (rc = conf_get_buf(d, n, "ca_file", false, cfg->ca_file, sizeof cfg->ca_file, err)) ||
        (rc = conf_get_bool(d, n, "starttls", false, &cfg->starttls, err)) ||
        (rc = conf_get_int(d, n, "timeout", false, 1, 600, &timeout, err)))
        return rc;
    cfg->timeout = (long)timeout;
    bool smtps = strncasecmp(cfg->url, "smtps://", 8) == 0;
    if (!cfg->url[0])
        return conf_fail(err, d, n, "url", "missing: smtp://HOST:587 (STARTTLS) or smtps://HOST:465");
    if (!smtps && strncasecmp(cfg->url, "smtp://", 7) != 0)
        return conf_fail(err, d, conf_map_get(d, n, "url"), "url",
                         "'%s' is not smtp://HOST:587 (STARTTLS) or smtps://HOST:465", cfg->url);
    char host[256];
    smtp_url_host(cfg->url, host, sizeof host);
    if (!host[0] || strpbrk(cfg->url, " \t\r\n"))
        return conf_fail(err, d, conf_map_get(d, n, "url"), "url", "'%s' names no mail server", cfg->url);
    const char *auth = strstr(cfg->url, "://") + 3;
    if (strchr(auth, '@') && strchr(auth, '@') < auth + strcspn(auth, "/"))
        return conf_fail(err, d, conf_map_get(d, n, "url"), "url",
                         "give the account with the keys user and password, not in the URL");
    if (!cfg->starttls && !smtps && !smtp_host_is_loopback(host))
        return conf_fail(err, d, conf_map_get(d, n, "starttls"), "starttls",
                         "may be false only for a relay on this machine (127.0.0.1, ::1, localhost): the "
                         "password and the reports would cross the network in clear to %s",
                         host);
    if (!cfg->from[0])
        return conf_fail(err, d, n, "from", "missing: the sender, \"vigie <vigie@example.org>\"");
    if (!smtp_address_is_valid(cfg->from, true))
        return conf_fail(err, d, conf_map_get(d, n, "from"), "from",
                         "'%s' is not a mail address (local@domain or \"Name <local@domain>\")", cfg->from);
    if (!cfg->user[0] != !cfg->password[0])
        return conf_fail(err, d, n, cfg->user[0] ? "password" : "user", "user and password go together");
    struct stat st;
    if (cfg->ca_file[0] && (stat(cfg->ca_file, &st) != 0 || !S_ISREG(st.st_mode)))
        return conf_fail(err, d, conf_map_get(d, n, "ca_file"), "ca_file", "'%s' is not a readable file", cfg->ca_file);
    cfg->configured = true;
    return VG_OK;
}
