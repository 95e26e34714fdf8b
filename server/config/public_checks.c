/* The words of a public site's `checks` column and its addresses (public_sites.h). */
#include "config.h"
#include "config/public_sites.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An IP address only: the checking agent resolves no names (a resolver that hangs would stall its
 * loop, and a name that moves would make the contract's figures about another machine). */
bool public_host_is_valid(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return strlen(s) <= 45 && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

/* http://host[:port][/path...]: a scheme, a host, and nothing a URL may not hold unescaped. */
static bool pchk_url_ok(const char *u)
{
    const char *rest = strncmp(u, "http://", 7) == 0 ? u + 7 : strncmp(u, "https://", 8) == 0 ? u + 8 : NULL;
    if (!rest || !*rest || *rest == '/' || *rest == ':')
        return false;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"<>\\^`{|}", *p))
            return false;
    return true;
}

static vg_code pchk_http(const char *word, public_check *c, size_t nhttp, vg_err *err)
{
    const char *url = word + 5;
    size_t len = strlen(url);
    c->type = PUBLIC_CHECK_HTTP;
    c->expect = 200;
    /* a final "=NNN" is the expected status; an '=' elsewhere belongs to the URL's query */
    const char *eq = strrchr(url, '=');
    if (eq && strlen(eq + 1) == 3 && strspn(eq + 1, "0123456789") == 3) {
        c->expect = atoi(eq + 1);
        len = (size_t)(eq - url);
        if (c->expect < 100 || c->expect > 599)
            return vg_fail(err, VG_E_INVALID, "'%s': the expected status must be 100 to 599", word);
    }
    if (len > PUBLIC_URL_MAX)
        return vg_fail(err, VG_E_INVALID, "'%.40s...': the URL is longer than %d bytes", word, PUBLIC_URL_MAX);
    memcpy(c->url, url, len);
    c->url[len] = '\0';
    if (!pchk_url_ok(c->url))
        return vg_fail(err, VG_E_INVALID, "'%s': not an http:// or https:// URL (write http:URL or http:URL=STATUS)",
                       word);
    if (nhttp == 0)
        snprintf(c->name, sizeof c->name, "http");
    else
        snprintf(c->name, sizeof c->name, "http-%zu", nhttp + 1);
    return VG_OK;
}

static vg_code pchk_word(const char *word, public_check *c, size_t nhttp, vg_err *err)
{
    memset(c, 0, sizeof *c);
    if (strcmp(word, "icmp") == 0) {
        c->type = PUBLIC_CHECK_ICMP;
        return VG_OK;
    }
    if (strncmp(word, "tcp:", 4) == 0) {
        const char *p = word + 4;
        long port = strspn(p, "0123456789") == strlen(p) && *p && strlen(p) <= 5 ? strtol(p, NULL, 10) : 0;
        if (port < 1 || port > 65535)
            return vg_fail(err, VG_E_INVALID, "'%s': the port must be 1 to 65535", word);
        c->type = PUBLIC_CHECK_TCP;
        c->port = (int)port;
        return VG_OK;
    }
    if (strncmp(word, "http:", 5) == 0)
        return pchk_http(word, c, nhttp, err);
    return vg_fail(err, VG_E_INVALID, "'%.60s' is not a check (icmp, tcp:PORT, http:URL or http:URL=STATUS)", word);
}

static bool pchk_same(const public_check *a, const public_check *b)
{
    return a->type == b->type && a->port == b->port && strcmp(a->url, b->url) == 0 && a->expect == b->expect;
}

vg_code public_checks_parse(const char *s, public_check *out, size_t max, size_t *n, size_t *at, vg_err *err)
{
    *n = 0;
    size_t nhttp = 0, ntcp = 0;
    const char *p = s;
    char word[PUBLIC_CHECKS_MAX + 1];
    while (*p) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (!len)
            break;
        if (at)
            *at = (size_t)(p - s);
        if (len >= sizeof word)
            return vg_fail(err, VG_E_INVALID, "a check is longer than %zu bytes", sizeof word - 1);
        memcpy(word, p, len);
        word[len] = '\0';
        if (*n == max)
            return vg_fail(err, VG_E_INVALID, "more than %zu checks", max);
        vg_code rc = pchk_word(word, &out[*n], nhttp, err);
        if (rc != VG_OK)
            return rc;
        for (size_t i = 0; i < *n; i++)
            if (pchk_same(&out[i], &out[*n]))
                return vg_fail(err, VG_E_INVALID, "'%.60s' is given twice", word);
        nhttp += out[*n].type == PUBLIC_CHECK_HTTP;
        ntcp += out[*n].type == PUBLIC_CHECK_TCP;
        if (ntcp > PUBLIC_MAX_TCP || nhttp > PUBLIC_MAX_HTTP)
            return vg_fail(err, VG_E_INVALID, "more than %d TCP ports or %d HTTP checks (what an agent checks of a target)",
                           PUBLIC_MAX_TCP, PUBLIC_MAX_HTTP);
        (*n)++;
        p += len;
    }
    if (*n == 0) { /* nothing said: is it up at all */
        if (max == 0)
            return vg_fail(err, VG_E_INVALID, "no room for a check");
        memset(&out[0], 0, sizeof out[0]);
        out[0].type = PUBLIC_CHECK_ICMP;
        *n = 1;
    }
    return VG_OK;
}
