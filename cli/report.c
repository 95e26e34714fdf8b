/* vigie report: the monthly SLA report, rendered by the server (it has the RRD files the graphs come
 * from), written to a file; or, with --send, mailed by the server to the report's recipients. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define CLI_REPORT_MAX (256u * 1024 * 1024)

typedef struct {
    cli_buf body;
    char filename[160];     /* from Content-Disposition */
    char content_type[96];
    /* progress on the terminal */
    bool tty, shown;
    struct timespec start;
    const char *what;
} cli_report_xfer;

static size_t cli_report_data(char *p, size_t size, size_t n, void *ctx)
{
    cli_report_xfer *x = ctx;
    return cli_buf_append(&x->body, p, size * n, CLI_REPORT_MAX);
}

/* Keeps the file name of "Content-Disposition: attachment; filename="vigie-report-2026-10.pdf"",
 * when it is a plain name. */
static size_t cli_report_header(char *p, size_t size, size_t n, void *ctx)
{
    cli_report_xfer *x = ctx;
    size_t len = size * n;
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
    line[strcspn(line, "\r\n")] = '\0';
    if (strncasecmp(line, "Content-Type:", 13) == 0) {
        const char *v = line + 13 + strspn(line + 13, " ");
        snprintf(x->content_type, sizeof x->content_type, "%s", v);
    } else if (strncasecmp(line, "Content-Disposition:", 20) == 0) {
        const char *f = strstr(line, "filename=\"");
        if (f) {
            f += 10;
            size_t k = strcspn(f, "\"");
            char name[160];
            snprintf(name, sizeof name, "%.*s", (int)(k < sizeof name ? k : sizeof name - 1), f);
            if (name[0] && name[0] != '.' && !strchr(name, '/') && !strchr(name, '\\'))
                snprintf(x->filename, sizeof x->filename, "%s", name);
        }
    }
    return len;
}

/* While the server works: "vigie: the server is rendering the report… 4 s", on a terminal only,
 * after a moment. */
static int cli_report_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    cli_report_xfer *x = ctx;
    if (!x->tty)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = (double)(now.tv_sec - x->start.tv_sec) + (double)(now.tv_nsec - x->start.tv_nsec) / 1e9;
    if (t < 0.7)
        return 0;
    static const char spin[] = "|/-\\";
    if (dlnow > 0)
        fprintf(stderr, "\r\033[Kvigie: receiving the report… %.0f kB", (double)dlnow / 1000);
    else
        fprintf(stderr, "\r\033[Kvigie: %s %c %.0f s", x->what, spin[(int)(t * 4) % 4], t);
    x->shown = true;
    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    return 0;
}

/* One call: 0 with the body in x on a 2xx; 1 after printing why. */
static int cli_report_call(const cli_opts *o, const char *method, const char *path, cli_report_xfer *x)
{
    CURL *c = curl_easy_init();
    if (!c)
        return 1;
    char url[1400], auth[SERVER_SECRET_MAX + 32], cerr[CURL_ERROR_SIZE] = "";
    snprintf(url, sizeof url, "%s%s", o->server, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
    struct curl_slist *h = o->token[0] ? curl_slist_append(NULL, auth) : NULL;
    x->tty = isatty(STDERR_FILENO) == 1;
    clock_gettime(CLOCK_MONOTONIC, &x->start);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    cli_curl_tls(c, o);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cli_report_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, cli_report_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, cli_report_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (x->shown)
        fputs("\r\033[K", stderr);
    if (rc != CURLE_OK) {
        fprintf(stderr, "vigie: %s: %s\n", url,
                x->body.overflow ? "the report is larger than 256 MiB" : cerr[0] ? cerr : curl_easy_strerror(rc));
        if (rc == CURLE_PEER_FAILED_VERIFICATION)
            fprintf(stderr, "vigie: give the CA that signed the server's certificate with --cacert or VIGIE_CACERT\n");
        return 1;
    }
    if (status < 200 || status >= 300) {
        json_error_t e;
        json_t *j = x->body.data ? json_loadb(x->body.data, x->body.len, 0, &e) : NULL;
        const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;
        const char *field = j ? json_string_value(json_object_get(j, "field")) : NULL;
        fprintf(stderr, "vigie: %s answered %ld: %s%s%s\n", url, status, field ? field : "", field ? ": " : "",
                msg ? msg : "(no message)");
        if (status == 401)
            fprintf(stderr, "vigie: give an API token with --token or VIGIE_TOKEN\n");
        else if (status == 403)
            fprintf(stderr, "vigie: --send needs an API token of role admin\n");
        json_decref(j);
        return 1;
    }
    return 0;
}

static void cli_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

static void cli_size(size_t n, char *out, size_t size)
{
    if (n < 10000)
        snprintf(out, size, "%zu bytes", n);
    else if (n < 10000000)
        snprintf(out, size, "%.0f kB", (double)n / 1000);
    else
        snprintf(out, size, "%.1f MB", (double)n / 1e6);
}

/* Writes the document next to its final name, then renames it: never half a report. */
static int cli_report_write(const char *path, const char *data, size_t len)
{
    if (strcmp(path, "-") == 0)
        return fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -1;
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

void cli_report_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie report --month YYYY-MM | --previous-month [--site S | --contract C]\n"
               "                    [--format pdf|html|csv|json] [--lang fr|en] [-o FILE]\n"
               "       vigie report --month YYYY-MM | --previous-month [--site S | --contract C] --send [--json]\n"
               "The monthly SLA report, rendered by the server, written to a file; or mailed by the server.\n\n"
               "  --month M          YYYY-MM\n"
               "  --previous-month   the month before this one (for a monthly timer)\n"
               "  --site S           one site (default: all)\n"
               "  --contract C       the délégataire's report of contract C's public sites (not with --site)\n"
               "  --format F         pdf (default), html, csv or json; -o FILE.html says it too\n"
               "  --lang fr|en       the report's language (default: server.yaml's report.lang)\n"
               "  -o, --output FILE  the file (default vigie-report-YYYY-MM[-SITE].EXT, or the server's name;\n"
               "                     - for the standard output); written whole or not at all\n"
               "  --send             the server mails the PDF to server.yaml's report.recipients (admin token)\n"
               "  --json             with --send: the server's JSON\n\n"
               "Examples:\n"
               "  vigie report --previous-month\n"
               "  vigie report --month 2026-11 --site italie --format html -o italie.html\n"
               "  vigie report --month 2026-11 --contract standard --lang fr\n");
}

int cli_report(const cli_opts *oin, int argc, char **argv)
{
    cli_opts o = *oin;
    static const struct option opts[] = {{"month", required_argument, NULL, 'm'},
                                         {"previous-month", no_argument, NULL, 'p'},
                                         {"site", required_argument, NULL, 's'},
                                         {"contract", required_argument, NULL, 'C'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"send", no_argument, NULL, 'S'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    const char *month = NULL, *site = NULL, *contract = NULL, *format = NULL, *lang = NULL, *output = NULL;
    bool previous = false, send = false;
    optind = 0;
    opterr = 0;
    int c;
    char **v = argv - 1;
    while ((c = getopt_long(argc + 1, v, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': month = optarg; break;
        case 'p': previous = true; break;
        case 's': site = optarg; break;
        case 'C': contract = optarg; break; /* the délégataire's report of that contract */
        case 'f': format = optarg; break;
        case 'l': lang = optarg; break;
        case 'o': output = optarg; break;
        case 'S': send = true; break;
        case 'j': o.json = true; break;
        default: return cli_bad("unknown or incomplete option", v[optind - 1]);
        }
    }
    if (optind < argc + 1)
        return cli_bad("unexpected argument", v[optind]);
    if (!month == !previous)
        return cli_bad(month ? "give --month or --previous-month, not both"
                             : "report needs --month YYYY-MM or --previous-month", NULL);
    int y, m;
    char tail;
    if (month && (sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12 || strlen(month) != 7))
        return cli_bad("--month must be YYYY-MM", month);
    if (lang && strcmp(lang, "fr") && strcmp(lang, "en"))
        return cli_bad("--lang must be fr or en", lang);
    if (site && contract) /* a contract's report covers all its sites */
        return cli_bad("give --site or --contract, not both", NULL);
    if (!format && output && !send) { /* -o report.html says which format */
        const char *dot = strrchr(output, '.');
        if (dot && (!strcmp(dot, ".pdf") || !strcmp(dot, ".html") || !strcmp(dot, ".csv") || !strcmp(dot, ".json")))
            format = dot + 1;
    }
    if (format && strcmp(format, "pdf") && strcmp(format, "html") && strcmp(format, "csv") && strcmp(format, "json"))
        return cli_bad("--format must be pdf, html, csv or json", format);
    if (send && ((format && strcmp(format, "pdf")) || output))
        return cli_bad("--send mails the PDF from the server: no --format or --output with it", NULL);

    char q[800];
    snprintf(q, sizeof q, "/api/v1/report%s", send ? "/send" : "");
    cli_q(q, sizeof q, "month", previous ? "previous" : month);
    cli_q(q, sizeof q, "site", site);
    cli_q(q, sizeof q, "contract", contract);
    cli_q(q, sizeof q, "format", send ? NULL : format);
    cli_q(q, sizeof q, "lang", lang);
    cli_report_xfer x = {.what = send ? "the server is rendering and mailing the report…"
                                      : "the server is rendering the report…"};
    int rc = cli_report_call(&o, send ? "POST" : "GET", q, &x);
    if (rc != 0) {
        free(x.body.data);
        return rc;
    }
    if (send) {
        json_error_t e;
        json_t *j = json_loadb(x.body.data ? x.body.data : "", x.body.len, 0, &e);
        free(x.body.data);
        if (!j) {
            fprintf(stderr, "vigie: the server's answer is not JSON\n");
            return 1;
        }
        if (o.json) {
            json_dumpf(j, stdout, JSON_INDENT(2));
            fputc('\n', stdout);
        } else {
            char size[32];
            cli_size((size_t)json_integer_value(json_object_get(j, "bytes")), size, sizeof size);
            printf("report of %s sent to ", json_string_value(json_object_get(j, "month")));
            size_t i;
            json_t *r;
            json_array_foreach(json_object_get(j, "recipients"), i, r)
                printf("%s%s", i ? ", " : "", json_string_value(r));
            printf(" (%s, %s, SHA-256 %s)\n", json_string_value(json_object_get(j, "filename")), size,
                   json_string_value(json_object_get(j, "digest")));
        }
        json_decref(j);
        return 0;
    }
    char name[200];
    if (!output) {
        if (x.filename[0])
            snprintf(name, sizeof name, "%s", x.filename);
        else
            snprintf(name, sizeof name, "vigie-report-%s%s%s.%s", month ? month : "previous", site ? "-" : "",
                     site ? site : "", format ? format : "pdf");
        output = name;
    }
    if (!x.body.data || cli_report_write(output, x.body.data, x.body.len) != 0) {
        fprintf(stderr, "vigie: cannot write %s: %s\n", output, x.body.data ? strerror(errno) : "empty answer");
        free(x.body.data);
        return 1;
    }
    if (strcmp(output, "-") != 0) {
        char size[32];
        cli_size(x.body.len, size, sizeof size);
        printf("%s: %s\n", output, size);
    }
    free(x.body.data);
    return 0;
}
