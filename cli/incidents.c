/* vigie incidents: a contract's month of public-site incidents against its GTR (GET
 * /api/v1/incidents): start, restoration, duration, the GTR deadline, breach, overrun, penalty and
 * the NRO it is attributed to, then the month's totals. French or English (--lang, else $LANG). */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "names.h"

#define CIN_TR(f, e) (fr_ ? (f) : (e))

typedef struct {
    const char *contract, *month, *site;
    bool fr, help;
} cin_args;

void cli_incidents_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie incidents --contract C --month YYYY-MM [--site ID] [--json] [--lang fr|en]\n"
               "The month's incidents of the public sites of a contract against its guaranteed time to restore\n"
               "(GTR): start, restoration, duration, GTR deadline, breach, overrun, penalty, and the NRO an\n"
               "incident is attributed to; then the totals, penalties split between NRO failures and single\n"
               "links. An incident belongs to the month it was restored in; one going on now, to this month.\n\n"
               "  --contract C    a contract class of server.yaml\n"
               "  --month M       YYYY-MM\n"
               "  --site ID       one public site of that contract\n"
               "  --json          the server's JSON\n"
               "  --lang fr|en    the table's language (default: that of $LANG)\n\n"
               "Examples:\n"
               "  vigie incidents --contract standard --month 2026-11\n"
               "  vigie incidents --contract standard --month 2026-11 --site ecole-jaures --lang fr\n");
}

/* YYYY-MM with a month 01-12. */
static bool cin_month_ok(const char *m)
{
    return strlen(m) == 7 && strspn(m, "0123456789") == 4 && m[4] == '-' && strspn(m + 5, "0123456789") == 2 &&
           atoi(m + 5) >= 1 && atoi(m + 5) <= 12 && atoi(m) >= 1970;
}

static int cin_parse(int argc, char **argv, cli_opts *o, cin_args *a)
{
    static const struct option opts[] = {{"contract", required_argument, NULL, 'c'}, {"month", required_argument, NULL, 'm'},
                                         {"site", required_argument, NULL, 's'},     {"json", no_argument, NULL, 'j'},
                                         {"lang", required_argument, NULL, 'l'},     {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *lang = NULL;
    optind = 0;
    opterr = 0;
    char **v = argv - 1;
    int c;
    while ((c = getopt_long(argc + 1, v, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->contract = optarg; break;
        case 'm': a->month = optarg; break;
        case 's': a->site = optarg; break;
        case 'j': o->json = true; break;
        case 'l': lang = optarg; break;
        case 'h': a->help = true; return 0;
        default: return cli_bad("unknown or incomplete option", v[optind - 1]);
        }
    }
    if (optind < argc + 1)
        return cli_bad("unexpected argument", v[optind]);
    if (lang && strcmp(lang, "fr") != 0 && strcmp(lang, "en") != 0)
        return cli_bad("--lang must be fr or en", lang);
    a->fr = cli_lang_fr(lang);
    if (!a->contract)
        return cli_bad("--contract is required (a contract class of server.yaml)", NULL);
    if (!name_is_valid(a->contract))
        return cli_bad("--contract: not a contract name", a->contract);
    if (!a->month)
        return cli_bad("--month is required (YYYY-MM)", NULL);
    if (!cin_month_ok(a->month))
        return cli_bad("--month must be YYYY-MM (month 01 to 12)", a->month);
    if (a->site && !name_is_valid(a->site))
        return cli_bad("--site: not a site id", a->site);
    return 0;
}

static void cin_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

static long long cin_int(const json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }

static void cin_row(bool fr_, const json_t *in)
{
    char start[40], restored[40], dur[40], deadline[40], over[40] = "-", pen[24] = "-";
    cli_time(cin_int(in, "start"), start, sizeof start);
    if (json_is_integer(json_object_get(in, "restored")))
        cli_time(cin_int(in, "restored"), restored, sizeof restored);
    else
        snprintf(restored, sizeof restored, "%s", CIN_TR("en cours", "ongoing"));
    cli_duration((double)cin_int(in, "duration"), dur, sizeof dur);
    cli_time(cin_int(in, "gtr_deadline"), deadline, sizeof deadline);
    bool breach = json_is_true(json_object_get(in, "breach"));
    if (breach)
        cli_duration((double)cin_int(in, "overrun"), over, sizeof over);
    double p = json_number_value(json_object_get(in, "penalty"));
    if (p > 0)
        snprintf(pen, sizeof pen, "%.0f EUR", p);
    const char *by = json_string_value(json_object_get(in, "attributed_to"));
    cli_cell(json_string_value(json_object_get(in, "site")), 16);
    cli_cell(start, 21);
    cli_cell(restored, 21);
    cli_cell(dur, 15);
    cli_cell(deadline, 21);
    cli_cell(breach ? CIN_TR("DÉPASSÉE", "BREACHED") : CIN_TR("tenue", "met"), 9);
    cli_cell(over, 15);
    cli_cell(pen, 10);
    printf("%s\n", by ? by : "-");
}

int cli_incidents(const cli_opts *oin, int argc, char **argv)
{
    cli_opts o = *oin;
    cin_args a = {0};
    int rc = cin_parse(argc, argv, &o, &a);
    if (rc || a.help) {
        if (a.help)
            cli_incidents_usage(stdout, NULL);
        return rc;
    }
    bool fr_ = a.fr;
    char q[400] = "/api/v1/incidents";
    cin_q(q, sizeof q, "contract", a.contract);
    cin_q(q, sizeof q, "month", a.month);
    cin_q(q, sizeof q, "site", a.site);
    json_t *j = cli_call(&o, "GET", q, NULL, NULL);
    if (!j)
        return 1;
    if (o.json)
        return cli_print_json(j);
    static const char *const head[2][9] = {
        {"SITE", "START", "RESTORED", "DURATION", "GTR DEADLINE", "GTR", "OVERRUN", "PENALTY", "ATTRIBUTED TO"},
        {"SITE", "DÉBUT", "RÉTABLI", "DURÉE", "ÉCHÉANCE GTR", "GTR", "DÉPASSEMENT", "PÉNALITÉ", "IMPUTÉ À"}};
    static const int w[] = {16, 21, 21, 15, 21, 9, 15, 10};
    printf("%s %s, %s\n", CIN_TR("Contrat", "Contract"), a.contract, a.month);
    for (int i = 0; i < 8; i++)
        cli_cell(head[fr_][i], w[i]);
    printf("%s\n", head[fr_][8]);
    size_t i;
    json_t *in;
    json_array_foreach(json_object_get(j, "incidents"), i, in) cin_row(fr_, in);
    json_t *t = json_object_get(j, "totals");
    printf(CIN_TR("\n%lld sites, %lld incidents, %lld GTR dépassées, %lld imputés au NRO ; pénalités %.0f EUR"
                  " (NRO %.0f EUR, liens seuls %.0f EUR)\n",
                  "\n%lld sites, %lld incidents, %lld GTR breaches, %lld attributed to the NRO; penalties %.0f EUR"
                  " (NRO %.0f EUR, single links %.0f EUR)\n"),
           cin_int(t, "sites"), cin_int(t, "incidents"), cin_int(t, "breaches"), cin_int(t, "attributed"),
           json_number_value(json_object_get(t, "penalty")), json_number_value(json_object_get(t, "penalty_nro")),
           json_number_value(json_object_get(t, "penalty_link")));
    json_decref(j);
    return 0;
}
