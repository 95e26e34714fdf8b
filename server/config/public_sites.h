/* public_sites: the ~1,200 public sites (schools, town halls, police stations, traffic equipment,
 * cameras on the FTTH network) read from the CSV that server.yaml's `public_sites: {file:, agent:}`
 * names, so that one file is the list the server judges and the agents check (GET
 * /api/v1/agent/targets).
 *
 * The CSV is RFC 4180 (quoted fields, doubled quotes, CRLF or LF, a UTF-8 BOM tolerated) with a header
 * line naming its columns in any order: id, name, commune, category, nro, address, contract required;
 * epci, checks, agent optional. Every field of every row is checked against server.yaml (the NRO is a
 * site of kind nro, the contract a class of `contracts:`, the agent one of `agents:`, the id unique
 * among all sites). Errors read "FILE:LINE:COLUMN: column 'nro': no NRO site 'x' in server.yaml", the
 * column being the field's character position on its line; up to PUBLIC_MAX_ERRORS are collected, and
 * one bad row refuses the whole file: nothing is ever half-loaded. Each row becomes a server_site of
 * kind "public" appended to cfg->sites, with `pub` set (server_config.h).
 *
 * `vigie-server --import-sites NEW.csv` checks a new file the same way and installs it atomically in
 * place of the configured one (public_import.c). */
#ifndef VIGIE_PUBLIC_SITES_H
#define VIGIE_PUBLIC_SITES_H

#include <stdio.h>

#include "conf.h"
#include "config/server_config.h"

#define PUBLIC_MAX_SITES 5000
#define PUBLIC_MAX_ERRORS 50
#define PUBLIC_LINE_MAX 4096 /* bytes of one CSV record (a line, or the lines of a quoted field) */
#define PUBLIC_MAX_CHECKS 16 /* checks of one site */
/* as agent_config.h's AGENT_CHECK_PORTS and AGENT_CHECK_HTTP: what an agent checks of one target */
#define PUBLIC_MAX_TCP 8
#define PUBLIC_MAX_HTTP 4
#define PUBLIC_URL_MAX 200
/* the file's size bound: every row at its longest, and the header */
#define PUBLIC_FILE_MAX ((size_t)(PUBLIC_MAX_SITES + 1) * (PUBLIC_LINE_MAX + 2) + 3)

/* One word of the `checks` column: icmp, tcp:PORT or http:URL[=STATUS]. */
typedef enum { PUBLIC_CHECK_ICMP, PUBLIC_CHECK_TCP, PUBLIC_CHECK_HTTP } public_check_type;
typedef struct {
    public_check_type type;
    int port;                      /* tcp: 1-65535 */
    char name[16];                 /* http: "http", then "http-2", "http-3"... (the link.http instance) */
    char url[PUBLIC_URL_MAX + 1];  /* http: http:// or https:// */
    int expect;                    /* http: the expected status, 200 unless "=STATUS" says otherwise */
} public_check;

/* Parses a `checks` field ("icmp tcp:554 http:https://host/=200"; "" is icmp) into out (room for max).
 * VG_E_INVALID with a message naming the word, and *at (may be NULL) its byte offset in s. */
vg_code public_checks_parse(const char *s, public_check *out, size_t max, size_t *n, size_t *at, vg_err *err);

/* Whether s is a host name (RFC 1123 labels, the last one not all digits) or an IPv4 / IPv6 literal. */
bool public_host_is_valid(const char *s);

/* The errors of one file, in line order, at most PUBLIC_MAX_ERRORS of them kept. */
typedef struct {
    size_t total;                            /* every error found (more may have been left uncounted) */
    size_t count;                            /* kept in msg */
    char msg[PUBLIC_MAX_ERRORS][VG_ERR_MAX];
} public_errors;

/* Reads server.yaml's `public_sites:` (optional) into cfg->public_sites (made relative to the folder of
 * cfg->path) and cfg->public_agent, which must be an agent of cfg (read before). */
vg_code public_sites_config(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err);

/* The rows of a checked file. */
typedef struct public_rows public_rows;

/* Parses and checks the `len` bytes of text (file: the name messages give) against cfg's sites (those
 * with `pub` set are ignored: they are what the file replaces), agents and contracts. NULL when the
 * file has any error (all of them in *errs) or memory ran out (one error saying so). */
public_rows *public_rows_parse(const server_config *cfg, const char *file, const char *text, size_t len,
                               public_errors *errs);
size_t public_rows_count(const public_rows *r);
/* How many distinct communes and NROs the rows name (the import's summary). */
void public_rows_stats(const public_rows *r, size_t *communes, size_t *nros);
void public_rows_free(public_rows *r);

/* Appends the rows to cfg->sites as sites of kind "public": the contract's target, the NRO's time
 * zone (Europe/Paris without an NRO), the default coverage and the kind's services. */
vg_code public_rows_append(server_config *cfg, const public_rows *r, vg_err *err);

/* Reads a whole file of at most max bytes into *text (NUL-terminated, caller frees). */
vg_code public_file_read(const char *path, size_t max, char **text, size_t *len, vg_err *err);

/* server_config_load's last step: the file of cfg->public_sites (when set) checked and appended. The
 * error names the first problem and how many there are. */
vg_code public_sites_load(server_config *cfg, vg_err *err);

/* `vigie-server --import-sites NEW.csv`: checks NEW.csv against cfg (loaded without its public sites:
 * server_config_load_base); when good, installs it at cfg->public_sites (a temporary file in the same
 * folder, fsync, rename; the previous one kept as FILE.bak) and prints the summary on out; otherwise
 * prints every error on errs and changes nothing. The exit status: 0, 1 (the install failed) or 2. */
int public_sites_import(const server_config *cfg, const char *csv, FILE *out, FILE *errs);

#endif
