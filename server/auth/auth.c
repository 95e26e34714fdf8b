#include "config.h"
#include "auth/auth.h"

#include <errno.h>
#include <glib.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

static const char *const auth_role_names[] = {"", "read", "operator", "admin"};

const char *auth_role_name(auth_role r)
{
    return r >= AUTH_ROLE_NONE && r <= AUTH_ROLE_ADMIN ? auth_role_names[r] : "";
}

auth_role auth_role_parse(const char *s)
{
    for (int r = AUTH_ROLE_READ; r <= AUTH_ROLE_ADMIN; r++)
        if (s && strcmp(s, auth_role_names[r]) == 0)
            return (auth_role)r;
    return AUTH_ROLE_NONE;
}

static const char *const auth_term_names[] = {"site", "kind", "commune", "epci", "contract", "nro"};
#define AUTH_NTERM_TYPES (sizeof auth_term_names / sizeof auth_term_names[0])

/* One term "type:value" of length len at text; its position (1-based) names it in an error. */
static vg_code auth_term_parse(const char *text, size_t len, size_t pos, auth_term *t, vg_err *err)
{
    const char *colon = memchr(text, ':', len);
    if (!colon)
        return vg_fail(err, VG_E_INVALID, "scope term %zu '%.*s': expected TYPE:VALUE (site, kind, commune, epci, "
                       "contract or nro)", pos, (int)(len > 64 ? 64 : len), text);
    size_t tl = (size_t)(colon - text);
    size_t i;
    for (i = 0; i < AUTH_NTERM_TYPES; i++)
        if (strlen(auth_term_names[i]) == tl && strncmp(text, auth_term_names[i], tl) == 0)
            break;
    if (i == AUTH_NTERM_TYPES)
        return vg_fail(err, VG_E_INVALID, "scope term %zu: unknown type '%.*s' (site, kind, commune, epci, "
                       "contract or nro)", pos, (int)(tl > 32 ? 32 : tl), text);
    const char *v = colon + 1;
    size_t vl = len - tl - 1;
    while (vl && *v == ' ')
        v++, vl--;
    if (vl == 0)
        return vg_fail(err, VG_E_INVALID, "scope term %zu: %s: the value is empty", pos, auth_term_names[i]);
    if (vl >= sizeof t->value)
        return vg_fail(err, VG_E_INVALID, "scope term %zu: %s: the value is longer than %zu bytes", pos,
                       auth_term_names[i], sizeof t->value - 1);
    for (size_t k = 0; k < vl; k++)
        if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f || v[k] == ',')
            return vg_fail(err, VG_E_INVALID, "scope term %zu: %s: control character in the value", pos,
                           auth_term_names[i]);
    t->type = (auth_term_type)i;
    memcpy(t->value, v, vl);
    t->value[vl] = '\0';
    return VG_OK;
}

vg_code auth_scope_parse(const char *text, auth_scope *out, vg_err *err)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return VG_OK;
    if (strlen(text) > AUTH_SCOPE_TEXT_MAX)
        return vg_fail(err, VG_E_INVALID, "scope: longer than %d bytes", AUTH_SCOPE_TEXT_MAX);
    const char *p = text;
    while (*p == ' ')
        p++;
    if (!*p || strcmp(p, "*") == 0)
        return VG_OK;
    for (size_t pos = 1;; pos++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && p[len - 1] == ' ')
            len--;
        if (out->n == AUTH_SCOPE_MAX)
            return vg_fail(err, VG_E_INVALID, "scope: more than %d terms", AUTH_SCOPE_MAX);
        vg_code rc = auth_term_parse(p, len, pos, &out->terms[out->n], err);
        if (rc != VG_OK)
            return rc;
        out->n++;
        if (!end)
            return VG_OK;
        p = end + 1;
        while (*p == ' ')
            p++;
    }
}

void auth_scope_format(const auth_scope *s, char *buf, size_t size)
{
    size_t at = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < s->n && at < size; i++) {
        int n = snprintf(buf + at, size - at, "%s%s:%s", i ? "," : "", auth_term_names[s->terms[i].type],
                         s->terms[i].value);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

bool auth_scope_is_all(const auth_scope *s) { return s->n == 0; }

/* Names written by people (communes, EPCIs) are one whatever their case and Unicode form: "ÉPAGNE"
 * and "Épagne", composed or not. */
static bool auth_same_name(const char *a, const char *b)
{
    if (strcasecmp(a, b) == 0)
        return true;
    gchar *na = g_utf8_normalize(a, -1, G_NORMALIZE_NFC), *nb = g_utf8_normalize(b, -1, G_NORMALIZE_NFC);
    gchar *fa = na ? g_utf8_casefold(na, -1) : NULL, *fb = nb ? g_utf8_casefold(nb, -1) : NULL;
    bool same = fa && fb && strcmp(fa, fb) == 0;
    g_free(na), g_free(nb), g_free(fa), g_free(fb);
    return same;
}

static bool auth_term_has(const auth_term *t, const server_site *site)
{
    const server_public_info *pub = site->pub;
    switch (t->type) {
    case AUTH_TERM_SITE:
        return strcmp(site->id, t->value) == 0;
    case AUTH_TERM_KIND:
        return strcmp(site->kind, t->value) == 0;
    case AUTH_TERM_COMMUNE:
        return pub && auth_same_name(pub->commune, t->value);
    case AUTH_TERM_EPCI:
        return pub && auth_same_name(pub->epci, t->value);
    case AUTH_TERM_CONTRACT:
        return pub && strcmp(pub->contract, t->value) == 0;
    case AUTH_TERM_NRO:
        return (strcmp(site->kind, "nro") == 0 && strcmp(site->id, t->value) == 0) ||
               (pub && strcmp(pub->nro, t->value) == 0);
    }
    return false;
}

bool auth_scope_has(const auth_scope *s, const server_site *site)
{
    if (s->n == 0)
        return true;
    if (!site)
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (auth_term_has(&s->terms[i], site))
            return true;
    return false;
}

bool auth_scope_has_id(const auth_scope *s, const server_config *cfg, const char *site_id)
{
    if (s->n == 0)
        return true;
    if (!site_id)
        return false;
    const server_site *site = server_config_site(cfg, site_id);
    if (site)
        return auth_scope_has(s, site);
    /* a site only an agent names (not in `sites:`) has no kind nor commune: only site:ID admits it */
    for (size_t i = 0; i < s->n; i++)
        if (s->terms[i].type == AUTH_TERM_SITE && strcmp(s->terms[i].value, site_id) == 0)
            return true;
    return false;
}

bool auth_may_see(const auth_principal *p, const server_config *cfg, const char *site_id)
{
    return p && p->role != AUTH_ROLE_NONE && auth_scope_has_id(&p->scope, cfg, site_id);
}

vg_code auth_secret_new(const char *prefix, char out[AUTH_SECRET_MAX + 1], vg_err *err)
{
    unsigned char raw[32];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vg_fail(err, VG_E_IO, "no random bytes: %s", strerror(errno));
        got += (size_t)n;
    }
    size_t pl = prefix ? strlen(prefix) : 0;
    if (pl > AUTH_SECRET_MAX - AUTH_SECRET_LEN)
        pl = AUTH_SECRET_MAX - AUTH_SECRET_LEN;
    memcpy(out, prefix, pl);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + pl + 2 * i, 3, "%02x", raw[i]);
    explicit_bzero(raw, sizeof raw);
    return VG_OK;
}

void auth_hash(const char *secret, char out[AUTH_HASH_HEX + 1])
{
    unsigned char d[32];
    out[0] = '\0';
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), d) != 0)
        return; /* "" matches no stored hash */
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

bool auth_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ b[lb ? i % lb : 0]);
    return diff == 0 && la == lb;
}
