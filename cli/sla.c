/* vigie availability | events: the SLA side of the command line (maintenance: cli/maintenance.c). */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
    return 0;
}

void cli_duration(double s, char *out, size_t size)
{
    if (!isfinite(s)) {
        snprintf(out, size, "-");
        return;
    }
    long long t = (long long)s;
    if (s < 60)
        snprintf(out, size, "%.1f s", s);
    else if (s < 3600)
        snprintf(out, size, "%lld min %.1f s", t / 60, s - (double)(t / 60 * 60));
    else if (s < 86400)
        snprintf(out, size, "%lld h %02lld min", t / 3600, t % 3600 / 60);
    else
        snprintf(out, size, "%lld d %lld h", t / 86400, t % 86400 / 3600);
}

void cli_time(long long t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M %Z", &tm);
}

typedef struct {
    const char *site, *month, *from, *to;
} cli_args;

/* Options after the command. Returns 0, or 2 after printing the problem. */
static int cli_parse(int argc, char **argv, cli_opts *o, cli_args *a)
{
    static const struct option opts[] = {{"site", required_argument, NULL, 's'},  {"month", required_argument, NULL, 'm'},
                                         {"from", required_argument, NULL, 'f'},  {"to", required_argument, NULL, 't'},
                                         {"json", no_argument, NULL, 'j'},        {NULL, 0, NULL, 0}};
    optind = 0; /* a fresh scan of the command's own arguments, the command name at argv[0] */
    opterr = 0;
    int c;
    char **v = argv - 1; /* getopt wants a program name first */
    while ((c = getopt_long(argc + 1, v, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': a->site = optarg; break;
        case 'm': a->month = optarg; break;
        case 'f': a->from = optarg; break;
        case 't': a->to = optarg; break;
        case 'j': o->json = true; break;
        default: return cli_bad("unknown or incomplete option", v[optind - 1]);
        }
    }
    if (optind < argc + 1)
        return cli_bad("unexpected argument", v[optind]);
    return 0;
}

/* Appends key=value, URL-escaped, to a query string. */
static void cli_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

static void cli_period_query(const cli_args *a, char *q, size_t size)
{
    cli_q(q, size, "site", a->site);
    cli_q(q, size, "month", a->month);
    cli_q(q, size, "from", a->from);
    cli_q(q, size, "to", a->to);
}

/* GET path?site=...&month=...&from=...&to=... (what was given of them). */
static json_t *cli_period_get(const cli_opts *o, const cli_args *a, const char *path)
{
    char q[600];
    snprintf(q, sizeof q, "%s", path);
    cli_period_query(a, q, sizeof q);
    return cli_call(o, "GET", q, NULL, NULL);
}

static void cli_pct(json_t *v, char *out, size_t size)
{
    if (json_is_number(v))
        snprintf(out, size, "%.5f %%", json_number_value(v));
    else
        snprintf(out, size, "n/a");
}

/* "yes", "NO", or "INSUFFICIENT" when less than the site's min_coverage was monitored */
static const char *cli_verdict(const json_t *f)
{
    const char *v = json_string_value(json_object_get(f, "verdict"));
    return !v ? "?" : strcmp(v, "met") == 0 ? "yes" : strcmp(v, "missed") == 0 ? "NO" : "INSUFFICIENT";
}

static void cli_pct1(const json_t *v, char *out, size_t size)
{
    if (json_is_number(v))
        snprintf(out, size, "%.1f %%", json_number_value(v));
    else
        snprintf(out, size, "-");
}

/* The period options availability and events share. */
static void cli_period_usage(FILE *f)
{
    fprintf(f, "  --site S        one site (default: all)\n"
               "  --month M       YYYY-MM (default: this month)\n"
               "  --from DATE     or a period: DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM in the site's time\n"
               "  --to DATE       zone, or Unix seconds\n"
               "  --json          the server's JSON\n\n");
}

void cli_availability_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie availability [--site S] [--month YYYY-MM | --from DATE --to DATE] [--json]\n"
               "Availability against the target, per site, for a month or a period: verdict, coverage,\n"
               "downtime and the downtime allowed, budget consumed, maintenance, incidents and MTTR; then the\n"
               "year to date and the incidents.\n\n");
    cli_period_usage(f);
    fprintf(f, "Examples:\n"
               "  vigie availability --month 2026-11\n"
               "  vigie availability --site italie --from 2026-11-01 --to 2026-11-15\n");
}

void cli_events_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie events [--site S] [--month YYYY-MM | --from DATE --to DATE] [--json]\n"
               "State changes of devices, services and sites, with their cause.\n\n");
    cli_period_usage(f);
    fprintf(f, "Examples:\n"
               "  vigie events --site nro-doullens\n"
               "  vigie events --month 2026-10 --json\n");
}

int cli_availability(const cli_opts *oin, int argc, char **argv)
{
    cli_opts o = *oin;
    cli_args a = {0};
    int rc = cli_parse(argc, argv, &o, &a);
    if (rc)
        return rc;
    json_t *j = cli_period_get(&o, &a, "/api/v1/availability");
    if (!j)
        return 1;
    if (o.json)
        return cli_print_json(j);
    printf("%-14s %-14s %-10s %-12s %-9s %-16s %-16s %9s %-14s %-14s %4s %-14s\n", "SITE", "AVAILABILITY", "TARGET", "MET",
           "COVERAGE", "DOWNTIME", "ALLOWED", "BUDGET", "UNKNOWN", "MAINTENANCE", "INC", "MTTR");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(j, "sites"), i, s) {
        json_t *f = json_object_get(s, "figures");
        char av[24], down[32], allowed[32], unk[32], maint[32], mttr[32], budget[16];
        cli_pct(json_object_get(f, "availability"), av, sizeof av);
        cli_duration((double)json_integer_value(json_object_get(f, "downtime")), down, sizeof down);
        cli_duration(json_number_value(json_object_get(f, "allowed_downtime")), allowed, sizeof allowed);
        cli_duration((double)json_integer_value(json_object_get(f, "unknown")), unk, sizeof unk);
        cli_duration((double)json_integer_value(json_object_get(f, "maintenance")), maint, sizeof maint);
        json_t *m = json_object_get(f, "mttr");
        if (json_is_number(m))
            cli_duration(json_number_value(m), mttr, sizeof mttr);
        else
            snprintf(mttr, sizeof mttr, "-");
        json_t *b = json_object_get(f, "budget_consumed");
        if (json_is_number(b))
            snprintf(budget, sizeof budget, "%.1f %%", json_number_value(b));
        else
            snprintf(budget, sizeof budget, "-");
        char cov[16];
        cli_pct1(json_object_get(f, "coverage"), cov, sizeof cov);
        printf("%-14s %-14s %-10.3f %-12s %-9s %-16s %-16s %9s %-14s %-14s %4lld %-14s\n",
               json_string_value(json_object_get(s, "site")), av, json_number_value(json_object_get(s, "target")),
               cli_verdict(f), cov, down, allowed, budget, unk, maint,
               (long long)json_integer_value(json_object_get(f, "incidents")), mttr);
    }
    json_array_foreach(json_object_get(j, "sites"), i, s) {
        json_t *f = json_object_get(s, "figures");
        if (strcmp(cli_verdict(f), "INSUFFICIENT") == 0)
            printf("%s%s: insufficient data for a verdict: %.1f %% of the time monitored, %.0f %% needed "
                   "(neither met nor missed)\n",
                   i == 0 ? "\n" : "", json_string_value(json_object_get(s, "site")),
                   json_number_value(json_object_get(f, "coverage")), json_number_value(json_object_get(s, "min_coverage")));
    }
    json_array_foreach(json_object_get(j, "sites"), i, s) {
        json_t *y = json_object_get(s, "year_to_date");
        char av[24], down[32], annual[32];
        cli_pct(json_object_get(y, "availability"), av, sizeof av);
        cli_duration((double)json_integer_value(json_object_get(y, "downtime")), down, sizeof down);
        cli_duration(json_number_value(json_object_get(y, "annual_allowed_downtime")), annual, sizeof annual);
        char cov[16];
        cli_pct1(json_object_get(y, "coverage"), cov, sizeof cov);
        if (i == 0)
            printf("\nYear to date:\n");
        printf("%-14s %-14s %-12s coverage %s, downtime %s of the %s the year allows\n",
               json_string_value(json_object_get(s, "site")), av, cli_verdict(y), cov, down, annual);
    }
    json_array_foreach(json_object_get(j, "sites"), i, s) {
        size_t k;
        json_t *in;
        json_array_foreach(json_object_get(s, "incidents"), k, in) {
            char start[32], dur[32];
            cli_time(json_integer_value(json_object_get(in, "start")), start, sizeof start);
            cli_duration((double)json_integer_value(json_object_get(in, "duration")), dur, sizeof dur);
            printf("%s  %-12s %s %-14s %-12s %s%s\n", k == 0 && i == 0 ? "\nIncidents:\n" : "",
                   json_string_value(json_object_get(s, "site")), start, dur,
                   json_string_value(json_object_get(in, "services")), json_string_value(json_object_get(in, "cause")),
                   json_is_true(json_object_get(in, "excluded")) ? " (maintenance)" : "");
        }
    }
    json_decref(j);
    return 0;
}

int cli_events(const cli_opts *oin, int argc, char **argv)
{
    cli_opts o = *oin;
    cli_args a = {0};
    int rc = cli_parse(argc, argv, &o, &a);
    if (rc)
        return rc;
    json_t *j = cli_period_get(&o, &a, "/api/v1/events");
    if (!j)
        return 1;
    if (o.json)
        return cli_print_json(j);
    size_t i;
    json_t *e;
    printf("%-19s %-12s %-8s %-22s %-9s %s\n", "TIME", "SITE", "SCOPE", "NAME", "STATE", "CAUSE");
    json_array_foreach(json_object_get(j, "events"), i, e) {
        char t[32];
        cli_time(json_integer_value(json_object_get(e, "ts")), t, sizeof t);
        printf("%-19s %-12s %-8s %-22s %-9s %s\n", t, json_string_value(json_object_get(e, "site")),
               json_string_value(json_object_get(e, "scope")), json_string_value(json_object_get(e, "name")),
               json_string_value(json_object_get(e, "state")), json_string_value(json_object_get(e, "cause")));
    }
    json_decref(j);
    return 0;
}
