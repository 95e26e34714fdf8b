/* cli: what the commands of `vigie` share: options, one call to the API, error reporting. Each
 * command file (status.c: status; cli_sla.c: availability, events, maintenance) parses its own
 * arguments and prints a table, or the server's JSON with --json. */
#ifndef VIGIE_CLI_H
#define VIGIE_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/server_config.h"

typedef struct {
    char server[1100];
    char token[SERVER_SECRET_MAX + 1];
    char cacert[1100]; /* CA of the server's certificate (PEM); empty: the system CAs */
    bool json, verbose;
} cli_opts;

typedef struct {
    char *data;
    size_t len;
    bool overflow;
} cli_buf;

/* Appends a received piece to b (a libcurl write callback's work): the length taken, or 0 past max
 * bytes (overflow set) or out of memory. */
size_t cli_buf_append(cli_buf *b, const char *p, size_t len, size_t max);
/* Calls the API: the parsed JSON reply of a 2xx, or NULL after printing why. With raw, a 2xx body
 * is handed over as is (documents) and json_true() is returned. */
json_t *cli_call(const cli_opts *o, const char *method, const char *path, const char *body, cli_buf *raw);
/* The TLS settings of every request to the server (a CURL handle): certificate checked, TLS 1.2 or
 * later, --cacert as the CA. */
void cli_curl_tls(void *curl, const cli_opts *o);
/* Prints "vigie: msg: val" and the --help hint; returns 2. */
int cli_bad(const char *msg, const char *val);

/* status.c: every device, its key values and the summary of its table values [--json] [-v] [--lang fr|en] */
int cli_status(const cli_opts *o, int argc, char **argv);
/* Whether to speak French: lang ("fr", "en") when given, else LC_ALL, LC_MESSAGES, LANG, the first set
 * (fr_FR.UTF-8: yes); English by default. */
bool cli_lang_fr(const char *lang);
/* An uptime in days and hours: "12 d 4 h" ("12 j 4 h" in French), "5 h 03 min", "7 min" */
void cli_uptime(double seconds, bool fr, char *out, size_t size);
int cli_availability(const cli_opts *o, int argc, char **argv);
int cli_events(const cli_opts *o, int argc, char **argv);
/* cli/maintenance.c: maintenance list, add (--rrule), move, cancel, delete */
int cli_maintenance(const cli_opts *o, int argc, char **argv);
/* cli_report.c: the monthly SLA report (--send: mailed by the server) */
int cli_report(const cli_opts *o, int argc, char **argv);
/* cli_alerts.c: alerts, ack, silence, test-notify */
int cli_alerts(const cli_opts *o, int argc, char **argv);
int cli_ack(const cli_opts *o, int argc, char **argv);
int cli_silence(const cli_opts *o, int argc, char **argv);
int cli_test_notify(const cli_opts *o, int argc, char **argv);
/* selftest.c: the UPS self-tests */
int cli_selftests(const cli_opts *o, int argc, char **argv);
/* sites.c: the public sites (or the sites of a kind), worst first; cli_cell prints s cut or padded to
 * width characters (UTF-8), then a space */
int cli_sites(const cli_opts *o, int argc, char **argv);
void cli_cell(const char *s, int width);
/* incidents.c: a contract's month of incidents against its GTR */
int cli_incidents(const cli_opts *o, int argc, char **argv);

/* token.c: personal tokens (add, list, revoke) and whoami */
int cli_token(const cli_opts *o, int argc, char **argv);
int cli_whoami(const cli_opts *o, int argc, char **argv);
/* audit.c: the audit trail listed, and --verify: its chain checked */
int cli_audit(const cli_opts *o, int argc, char **argv);
/* login.c: a one-time login link for the dashboard */
int cli_login_link(const cli_opts *o, int argc, char **argv);
/* oncall.c: who is on call (--at DATE), overrides (override, overrides, delete), ics */
int cli_oncall(const cli_opts *o, int argc, char **argv);

/* The usage of each command, with examples, on f: sub names a subcommand (maintenance add), NULL the
 * whole command. help.c's table lists them with their options; `vigie CMD --help` and `vigie help CMD`
 * print them, never asking the server. */
void cli_usage(FILE *f); /* cli.c: the general help */
void cli_status_usage(FILE *f, const char *sub);
void cli_availability_usage(FILE *f, const char *sub);
void cli_events_usage(FILE *f, const char *sub);
void cli_maintenance_usage(FILE *f, const char *sub);
void cli_report_usage(FILE *f, const char *sub);
void cli_alerts_usage(FILE *f, const char *sub);
void cli_ack_usage(FILE *f, const char *sub);
void cli_silence_usage(FILE *f, const char *sub);
void cli_test_notify_usage(FILE *f, const char *sub);
void cli_selftests_usage(FILE *f, const char *sub);
void cli_sites_usage(FILE *f, const char *sub);
void cli_incidents_usage(FILE *f, const char *sub);
void cli_token_usage(FILE *f, const char *sub);
void cli_whoami_usage(FILE *f, const char *sub);
void cli_audit_usage(FILE *f, const char *sub);
void cli_login_link_usage(FILE *f, const char *sub);
void cli_help_usage(FILE *f, const char *sub);
void cli_complete_usage(FILE *f, const char *sub);
void cli_oncall_usage(FILE *f, const char *sub);
/* help.c: argv[0] is a command; when its arguments ask for help (--help or -h, not as an option's
 * value), prints its usage (or its subcommand's) and returns 0; else -1. */
int cli_help_maybe(int argc, char **argv);
/* vigie help [COMMAND [SUBCOMMAND]]: 0, or 2 for an unknown one */
int cli_help(int argc, char **argv);
/* complete commands|options ...: the words of help.c's table; -1 for another request */
int cli_help_complete(int argc, char **argv);
/* complete.c: vigie complete (hidden): words for the bash completion, names from the server quietly */
int cli_complete(const cli_opts *o, int argc, char **argv);

/* Prints the server's JSON (--json) and releases it; returns 0. */
int cli_print_json(json_t *j);
/* "7 min 46.6 s", "2 h 05 min", "3 d 4 h" */
void cli_duration(double seconds, char *out, size_t size);
/* A time in the zone of the machine (TZ), "2026-10-05 14:02 CEST" */
void cli_time(long long t, char *out, size_t size);

#endif
