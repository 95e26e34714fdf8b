/* auth: who is asking, what they may do and which sites they may see.
 *
 * A request's principal comes from a Bearer token (server.yaml's api_tokens: bootstrap tokens; or a
 * personal token of the api_tokens table, kept as the SHA-256 of its secret only) or from a dashboard
 * session cookie (auth_session.c). Each has a role (read < operator < admin: a route names the least it
 * needs) and a scope: a list of terms, any of which admits a site. A site outside the scope does not
 * exist for that principal (404, never 403), so that its existence does not leak.
 *
 * Scope terms, comma-separated: site:ID, kind:KIND (datacenter, nro, public...), commune:NAME, epci:NAME,
 * contract:NAME, nro:ID (that NRO site and the public sites hanging from it). An empty scope is every
 * site. */
#ifndef VIGIE_AUTH_H
#define VIGIE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "names.h"
#include "config/server_config.h"

typedef enum { AUTH_ROLE_NONE = 0, AUTH_ROLE_READ = 1, AUTH_ROLE_OPERATOR = 2, AUTH_ROLE_ADMIN = 3 } auth_role;

/* "read", "operator", "admin" ("" for NONE); auth_role_parse gives NONE for anything else. */
const char *auth_role_name(auth_role r);
auth_role auth_role_parse(const char *s);

#define AUTH_SCOPE_MAX 32       /* terms in one scope */
#define AUTH_SCOPE_TEXT_MAX 2048 /* a scope as text, bytes */
typedef enum { AUTH_TERM_SITE, AUTH_TERM_KIND, AUTH_TERM_COMMUNE, AUTH_TERM_EPCI, AUTH_TERM_CONTRACT, AUTH_TERM_NRO } auth_term_type;
typedef struct {
    auth_term_type type;
    char value[64];
} auth_term;
typedef struct {
    auth_term terms[AUTH_SCOPE_MAX];
    size_t n; /* 0: every site */
} auth_scope;

/* "kind:nro, commune:Amiens" into *out; an error names the term at fault (its position and why). The
 * empty string and "*" are every site. */
vg_code auth_scope_parse(const char *text, auth_scope *out, vg_err *err);
/* The canonical text of s ("" for every site), as auth_scope_parse reads it back. */
void auth_scope_format(const auth_scope *s, char *buf, size_t size);
bool auth_scope_is_all(const auth_scope *s);
/* Whether site is in s. A NULL site (unknown to the configuration) is in no limited scope. */
bool auth_scope_has(const auth_scope *s, const server_site *site);
/* The same by id, looked up in cfg. */
bool auth_scope_has_id(const auth_scope *s, const server_config *cfg, const char *site_id);

typedef enum { AUTH_VIA_CONFIG, AUTH_VIA_TOKEN, AUTH_VIA_SESSION } auth_via;

#define AUTH_CSRF_LEN 64 /* hex of 32 random bytes */
typedef struct auth_principal_s {
    char name[NAME_MAX_LEN + 1]; /* the token's name: who, in the audit trail */
    auth_role role;
    auth_scope scope;
    auth_via via;
    int64_t token_id;            /* the api_tokens row (AUTH_VIA_TOKEN, or a session opened with one); 0 otherwise */
    char csrf[AUTH_CSRF_LEN + 1]; /* AUTH_VIA_SESSION: what actions must carry in X-CSRF-Token */
} auth_principal;

/* Whether p may see site_id (in its scope; a NULL p sees nothing). */
bool auth_may_see(const auth_principal *p, const server_config *cfg, const char *site_id);

/* Secrets: 32 bytes of getrandom() (256 bits) in AUTH_SECRET_LEN hex digits, after a prefix that says
 * what the secret is ("vgt_" personal token, "vgs_" session, "vgl_" login link, "" a CSRF token), so
 * that a secret found in a paste is recognised and a token is never taken for another kind. */
#define AUTH_SECRET_LEN 64
#define AUTH_SECRET_MAX (4 + AUTH_SECRET_LEN)
vg_code auth_secret_new(const char *prefix, char out[AUTH_SECRET_MAX + 1], vg_err *err);
/* The lowercase hex SHA-256 of secret: what the database keeps of it. */
#define AUTH_HASH_HEX 64
void auth_hash(const char *secret, char out[AUTH_HASH_HEX + 1]);
/* Constant-time equality of two NUL-terminated strings (the time depends on their lengths only). */
bool auth_equal(const char *a, const char *b);

#endif
