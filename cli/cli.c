/* vigie: the command line for people — status now; acknowledgements, maintenance windows and the
 * monthly SLA report as those modules land. Every command goes through the server's API, so it works
 * the same on the server and from a laptop. */
#include "config.h"
#include "vocab_names.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "conf.h"
#include "config/server_config.h"

#ifndef VIGIE_SYSCONF_DIR
#define VIGIE_SYSCONF_DIR "/etc/vigie"
#endif
#define CLI_MAX_REPLY (64u * 1024 * 1024)




void cli_usage(FILE *f)
{
    fprintf(f, "Usage: vigie [OPTION]... COMMAND\n"
               "Ask vigie-server about the sites it watches.\n\n"
               "Commands:\n"
               "  status               every device: reachable or not, age of its data, key values, and a line\n"
               "                       summing up its table values (PDU current and outlets, OLT PON ports and\n"
               "                       ONTs, cooling units, UPS runtime, uptime) [--json] [-v] [--lang fr|en]\n"
               "  availability         availability against the target, per site, for a month or a period\n"
               "                       [--site S] [--month YYYY-MM | --from DATE --to DATE]\n"
               "  events               state changes of devices, services and sites, with their cause\n"
               "                       [--site S] [--month YYYY-MM | --from DATE --to DATE]\n"
               "  maintenance list     [--site S] [--month ... | --from ... --to ...] [--lang fr|en]: windows and\n"
               "                       the occurrences of series, in the site's time zone\n"
               "  maintenance add      --site S [--service NAME] --start DATE --end DATE --reason TEXT\n"
               "                       [--rrule RULE]: a series (RFC 5545: FREQ=MONTHLY;BYDAY=1TU), DATEs its first\n"
               "  maintenance move     ID OCC [--start DATE] [--end DATE] [--reason TEXT]: one occurrence (OCC:\n"
               "                       its start as the rule gives it, as the list shows it)\n"
               "  maintenance cancel   ID OCC: one occurrence; maintenance delete ID: a window or a whole series\n"
               "  report               the monthly SLA report, rendered by the server, written to a file\n"
               "                       --month YYYY-MM | --previous-month [--site S] [--format pdf|html|csv|json]\n"
               "                       [--lang fr|en] [-o FILE] (default vigie-report-YYYY-MM[-SITE].EXT);\n"
               "                       --send: the server mails the PDF to server.yaml's report.recipients;\n"
               "                       --contract C (not with --site): the délégataire's report of contract C's\n"
               "                       public sites (default name vigie-contract-C-YYYY-MM.EXT)\n"
               "  alerts               on-call alerts [--site S] [--state firing|acknowledged|resolved]\n"
               "                       [--severity warning|critical]\n"
               "  ack ID [-m COMMENT]  acknowledge an alert (stops its repeats and escalation)\n"
               "  silence              --site S [--device D] --duration 2h --reason TEXT; silence list;\n"
               "                       silence delete ID\n"
               "  test-notify CONTACT  send a test notification to a contact of alerting.contacts\n"
               "  selftests            UPS self-tests: last test and result, age of the last pass in days, tests\n"
               "                       of the period [--site S] [--month YYYY-MM | --from DATE --to DATE]\n"
               "                       [--lang fr|en] (default: the language of $LANG)\n"
               "  sites                the public sites, worst first: state, since, availability this month,\n"
               "                       RTT, loss, the NRO an outage is attributed to [--down] [--commune X]\n"
               "                       [--category C] [--contract C] [--nro N]; --kind K: the sites of a kind\n"
               "  incidents            --contract C --month YYYY-MM [--site ID]: incidents against the GTR,\n"
               "                       breaches, penalties and their totals\n"
               "  token                add --name N --role read|operator|admin [--scope S] [--expires DATE]: a\n"
               "                       personal token, shown once; token list; token revoke NAME (admin)\n"
               "  whoami               the name, role and scope of the token in use\n"
               "  audit                the audit trail, newest last [--since DATE] [--until DATE] [--who NAME]\n"
               "                       [--action A] [--detail]; audit --verify: check its chain, exit 1 naming\n"
               "                       the first bad entry (an admin token without a scope)\n"
               "  login-link           a one-time address that opens the dashboard as the token in use,\n"
               "                       valid 10 minutes (the secret after '#' never reaches a server's log)\n"
               "  oncall               who is on call in each rotation, until when, who is next [--at DATE];\n"
               "                       oncall override --rotation R --who P --from DATE --to DATE [--reason T];\n"
               "                       oncall overrides; oncall delete ID; oncall ics --rotation R [-o FILE]\n"
               "  help [COMMAND]       a command's own usage, options and examples, like 'vigie COMMAND --help'\n"
               "DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM in the site's time zone, or Unix seconds.\n\n"
               "Options:\n"
               "  -s, --server URL     the server (default $VIGIE_SERVER, else http://127.0.0.1:8470)\n"
               "  -t, --token TOKEN    an API token (default $VIGIE_TOKEN)\n"
               "  -c, --config FILE    take server and token from a server.yaml (its first api_tokens entry)\n"
               "      --cacert FILE    the CA that signed the server's certificate, PEM (default $VIGIE_CACERT,\n"
               "                       else the system CAs); the server's name is always checked\n"
               "      --json           print the server's JSON\n"
               "  -v, --verbose        show every value, table rows too\n"
               "  -h, --help           show this help\n"
               "  -V, --version        show the version\n\n"
               "Exit status: 0 on success, 1 when the server cannot be reached or refuses, 2 on bad\n"
               "arguments. See vigie(1).\n");
}

int cli_bad(const char *msg, const char *val)
{
    fprintf(stderr, "vigie: %s%s%s\nTry 'vigie --help'.\n", msg, val ? ": " : "", val ? val : "");
    return 2;
}

size_t cli_buf_append(cli_buf *b, const char *p, size_t len, size_t max)
{
    if (b->len + len > max) {
        b->overflow = true;
        return 0;
    }
    char *d = realloc(b->data, b->len + len + 1);
    if (!d)
        return 0;
    memcpy(d + b->len, p, len);
    b->data = d;
    b->len += len;
    d[b->len] = '\0';
    return len;
}

static size_t cli_on_data(char *p, size_t size, size_t n, void *ctx)
{
    return cli_buf_append(ctx, p, size * n, CLI_MAX_REPLY);
}

void cli_curl_tls(void *curl, const cli_opts *o)
{
    /* libcurl's defaults, set so that nobody turns them off: the certificate must chain to the CA and
     * name the host of the URL */
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (o->cacert[0])
        curl_easy_setopt(curl, CURLOPT_CAINFO, o->cacert);
}

json_t *cli_call(const cli_opts *o, const char *method, const char *path, const char *body, cli_buf *raw)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    char url[1300], auth[SERVER_SECRET_MAX + 32];
    snprintf(url, sizeof url, "%s%s", o->server, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
    struct curl_slist *h = o->token[0] ? curl_slist_append(NULL, auth) : NULL;
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    cli_buf b = {0};
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    cli_curl_tls(c, o);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cli_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    if (rc != CURLE_OK) {
        fprintf(stderr, "vigie: %s: %s\n", url, cerr[0] ? cerr : curl_easy_strerror(rc));
        if (rc == CURLE_PEER_FAILED_VERIFICATION)
            fprintf(stderr, "vigie: give the CA that signed the server's certificate with --cacert or VIGIE_CACERT\n");
    } else if (raw && status >= 200 && status < 300) {
        *raw = b; /* a document (PDF, HTML, CSV): the caller owns it */
        return json_true();
    } else {
        json_error_t e;
        j = b.data ? json_loadb(b.data, b.len, 0, &e) : NULL;
        if (status < 200 || status >= 300) {
            const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;
            const char *field = j ? json_string_value(json_object_get(j, "field")) : NULL;
            fprintf(stderr, "vigie: %s answered %ld: %s%s%s\n", url, status, field ? field : "", field ? ": " : "",
                    msg ? msg : "(no message)");
            if (status == 401)
                fprintf(stderr, "vigie: give an API token with --token or VIGIE_TOKEN\n");
            json_decref(j);
            j = NULL;
        } else if (!j) {
            fprintf(stderr, "vigie: %s: the reply is not JSON\n", url);
        }
    }
    free(b.data);
    return j;
}

/* Server URL and token from a server.yaml: handy on the server itself. */
static int cli_from_config(cli_opts *o, const char *path)
{
    vg_err err;
    server_config *cfg = server_config_load(path, &err);
    if (!cfg) {
        fprintf(stderr, "vigie: %s\n", err.msg);
        return 2;
    }
    const char *host = strcmp(cfg->listen_addr, "0.0.0.0") == 0 ? "127.0.0.1"
                       : strcmp(cfg->listen_addr, "::") == 0    ? "[::1]"
                                                                : cfg->listen_addr;
    snprintf(o->server, sizeof o->server, strchr(host, ':') && host[0] != '[' ? "%s://[%s]:%d" : "%s://%s:%d",
             cfg->tls_cert[0] ? "https" : "http", host, cfg->port);
    if (!o->token[0] && cfg->nreaders)
        snprintf(o->token, sizeof o->token, "%s", cfg->readers[0].token);
    server_config_free(cfg);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"server", required_argument, NULL, 's'}, {"token", required_argument, NULL, 't'},
                                         {"config", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
                                         {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},      {"cacert", required_argument, NULL, 'A'},
                                         {NULL, 0, NULL, 0}};
    cli_opts o = {0};
    const char *env = getenv("VIGIE_SERVER"), *tok = getenv("VIGIE_TOKEN"), *config = NULL, *server = NULL;
    const char *cacert = getenv("VIGIE_CACERT");
    snprintf(o.server, sizeof o.server, "%s", env && *env ? env : "http://127.0.0.1:8470");
    if (tok)
        snprintf(o.token, sizeof o.token, "%s", tok);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+s:t:c:vhV", opts, NULL)) != -1) {
        switch (c) {
        case 's': server = optarg; break;
        case 't':
            if (strlen(optarg) > SERVER_SECRET_MAX)
                return cli_bad("--token is too long", NULL);
            snprintf(o.token, sizeof o.token, "%s", optarg);
            break;
        case 'c': config = optarg; break;
        case 'A': cacert = optarg; break;
        case 'j': o.json = true; break;
        case 'v': o.verbose = true; break;
        case 'h': cli_usage(stdout); return 0;
        case 'V': printf("vigie %s\n", PACKAGE_VERSION); return 0;
        default: return cli_bad("unknown or incomplete option", argv[optind - 1]);
        }
    }
    int help = optind < argc ? cli_help_maybe(argc - optind, argv + optind) : -1; /* help.c, no network */
    if (help >= 0)
        return help;
    if (config && cli_from_config(&o, config) != 0)
        return 2;
    if (server) {
        if (strlen(server) >= sizeof o.server - 1)
            return cli_bad("--server is too long", NULL);
        snprintf(o.server, sizeof o.server, "%s", server);
    }
    if (cacert && *cacert) {
        FILE *f = fopen(cacert, "r");
        if (!f) {
            fprintf(stderr, "vigie: --cacert %s: %s\n", cacert, strerror(errno));
            return 2;
        }
        fclose(f);
        if (strlen(cacert) >= sizeof o.cacert)
            return cli_bad("--cacert is too long", NULL);
        snprintf(o.cacert, sizeof o.cacert, "%s", cacert);
    }
    size_t n = strlen(o.server);
    while (n && o.server[n - 1] == '/')
        o.server[--n] = '\0';
    if (optind >= argc)
        return cli_bad("a command is required", NULL);
    const char *cmd = argv[optind++];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    int rest = argc - optind;
    char **args = argv + optind;
    if (strcmp(cmd, "status") == 0) {
        rc = cli_status(&o, rest, args);
    } else if (strcmp(cmd, "availability") == 0) {
        rc = cli_availability(&o, rest, args);
    } else if (strcmp(cmd, "events") == 0) {
        rc = cli_events(&o, rest, args);
    } else if (strcmp(cmd, "maintenance") == 0) {
        rc = cli_maintenance(&o, rest, args);
    } else if (strcmp(cmd, "report") == 0) {
        rc = cli_report(&o, rest, args);
    } else if (strcmp(cmd, "alerts") == 0) {
        rc = cli_alerts(&o, rest, args);
    } else if (strcmp(cmd, "ack") == 0) {
        rc = cli_ack(&o, rest, args);
    } else if (strcmp(cmd, "silence") == 0) {
        rc = cli_silence(&o, rest, args);
    } else if (strcmp(cmd, "test-notify") == 0) {
        rc = cli_test_notify(&o, rest, args);
    } else if (strcmp(cmd, "selftests") == 0) {
        rc = cli_selftests(&o, rest, args);
    } else if (strcmp(cmd, "sites") == 0) {
        rc = cli_sites(&o, rest, args);
    } else if (strcmp(cmd, "incidents") == 0) {
        rc = cli_incidents(&o, rest, args);
    } else if (strcmp(cmd, "token") == 0) {
        rc = cli_token(&o, rest, args);
    } else if (strcmp(cmd, "whoami") == 0) {
        rc = cli_whoami(&o, rest, args);
    } else if (strcmp(cmd, "audit") == 0) {
        rc = cli_audit(&o, rest, args);
    } else if (strcmp(cmd, "login-link") == 0) {
        rc = cli_login_link(&o, rest, args);
    } else if (strcmp(cmd, "oncall") == 0) {
        rc = cli_oncall(&o, rest, args);
    } else if (strcmp(cmd, "help") == 0) {
        rc = cli_help(rest, args);
    } else if (strcmp(cmd, "complete") == 0) {
        rc = cli_complete(&o, rest, args); /* hidden: what completions/vigie asks */
    } else {
        rc = cli_bad("unknown command", cmd);
    }
    curl_global_cleanup();
    return rc;
}
