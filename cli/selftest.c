/* vigie selftests: per UPS, its last self-test and its result, its last pass and that pass's age in
 * days, a test running now and the tests of the period, from GET /api/v1/selftests; in French or
 * English (--lang, else the language of $LANG). */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef enum { CS_EN = 0, CS_FR } cs_lang;

#define CS_TR(l, fr, en) ((l) == CS_FR ? (fr) : (en))

static const char *cs_word(cs_lang l, const char *w)
{
    static const char *const words[][3] = {{"passed", "réussi", "passed"},        {"failed", "échoué", "failed"},
                                           {"warning", "avertissement", "warning"}, {"aborted", "interrompu", "aborted"},
                                           {"in_progress", "en cours", "in progress"}, {"none", "aucun", "none"},
                                           {"unknown", "inconnu", "unknown"},       {"self-test", "autotest", "self-test"},
                                           {"calibration", "calibration", "calibration"},
                                           {"ok", "ok", "ok"},                      {"critical", "critique", "critical"}};
    for (size_t i = 0; w && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i][0], w) == 0)
            return words[i][l == CS_FR ? 1 : 2];
    return w ? w : "-";
}

static void cs_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

/* s then spaces to `width` characters (UTF-8: "RÉSULTAT" is 8 wide, not 9 bytes), and a space. */
static void cs_col(const char *s, int width)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    fputs(s, stdout);
    for (; n < width; n++)
        fputc(' ', stdout);
    fputc(' ', stdout);
}

/* One line of the UPS table: the columns, the last one as it is. */
static void cs_line(const char *const c[8])
{
    static const int w[] = {12, 14, 22, 14, 22, 7, 12};
    for (int i = 0; i < 7; i++)
        cs_col(c[i], w[i]);
    printf("%s\n", c[7]);
}

static long long cs_int(const json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }

/* When a test was: its start, else the UPS's date, else the time it is dated by. */
static void cs_when(const json_t *t, char *out, size_t size)
{
    const char *date = json_string_value(json_object_get(t, "date"));
    if (cs_int(t, "start") > 0)
        cli_time(cs_int(t, "start"), out, size);
    else if (date)
        snprintf(out, size, "%s", date);
    else if (cs_int(t, "at") > 0)
        cli_time(cs_int(t, "at"), out, size);
    else
        snprintf(out, size, "-");
}

static void cs_age(cs_lang l, const json_t *u, char *out, size_t size)
{
    json_t *a = json_object_get(u, "age_days");
    if (json_is_integer(a))
        snprintf(out, size, "%lld %s", (long long)json_integer_value(a), CS_TR(l, "j", "d"));
    else
        snprintf(out, size, "-");
}

static void cs_ups(cs_lang l, const char *site, const json_t *u)
{
    const json_t *last = json_object_get(u, "last"), *pass = json_object_get(u, "last_passed");
    const json_t *alert = json_object_get(u, "alert");
    char when[64] = "-", passed[64] = "-", age[32], now[64] = "-";
    if (json_is_object(last))
        cs_when(last, when, sizeof when);
    if (json_is_object(pass))
        cs_when(pass, passed, sizeof passed);
    cs_age(l, u, age, sizeof age);
    if (json_is_true(json_object_get(u, "in_progress")))
        snprintf(now, sizeof now, "%s", cs_word(l, json_string_value(json_object_get(u, "in_progress_kind"))));
    const char *level = json_string_value(json_object_get(alert, "level"));
    const char *cols[8] = {site, json_string_value(json_object_get(u, "device")), when,
                           json_is_object(last) ? cs_word(l, json_string_value(json_object_get(last, "result"))) : "-",
                           passed, age, now, cs_word(l, level)};
    cs_line(cols);
    const char *why = json_string_value(json_object_get(alert, "why"));
    if (level && strcmp(level, "ok") != 0 && why && *why)
        printf("  ! %s\n", why);
}

static void cs_tests(cs_lang l, const char *site, const json_t *u)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(u, "tests"), i, t) {
        char when[64], dur[48] = "";
        cs_when(t, when, sizeof when);
        if (json_is_integer(json_object_get(t, "duration")))
            cli_duration((double)cs_int(t, "duration"), dur, sizeof dur);
        printf("  ");
        cs_col(site, 12);
        cs_col(json_string_value(json_object_get(u, "device")), 14);
        cs_col(when, 22);
        cs_col(cs_word(l, json_string_value(json_object_get(t, "kind"))), 12);
        cs_col(cs_word(l, json_string_value(json_object_get(t, "result"))), 14);
        printf("%s\n", dur);
    }
}

static int cs_print(cs_lang l, json_t *j)
{
    json_t *sites = json_object_get(j, "sites"), *s, *u;
    size_t i, k, nups = 0, ntests = 0;
    const char *head[8] = {CS_TR(l, "SITE", "SITE"),          CS_TR(l, "ONDULEUR", "UPS"),
                           CS_TR(l, "DERNIER TEST", "LAST TEST"), CS_TR(l, "RÉSULTAT", "RESULT"),
                           CS_TR(l, "DERNIER SUCCÈS", "LAST PASSED"), CS_TR(l, "ÂGE", "AGE"),
                           CS_TR(l, "EN COURS", "RUNNING"),    CS_TR(l, "ALERTE", "ALERT")};
    cs_line(head);
    json_array_foreach(sites, i, s) {
        json_array_foreach(json_object_get(s, "ups"), k, u) {
            cs_ups(l, json_string_value(json_object_get(s, "site")), u);
            nups++;
            ntests += json_array_size(json_object_get(u, "tests"));
        }
    }
    if (!nups)
        printf("%s\n", CS_TR(l, "aucun onduleur", "no UPS"));
    printf("\n%s (%zu)\n", CS_TR(l, "Tests de la période", "Tests of the period"), ntests);
    json_array_foreach(sites, i, s) json_array_foreach(json_object_get(s, "ups"), k, u)
        cs_tests(l, json_string_value(json_object_get(s, "site")), u);
    long long max = cs_int(j, "max_age_days");
    if (max > 0)
        printf("\n%s %lld %s\n", CS_TR(l, "Âge maximal d'un succès (alerting.self_test) :", "Largest age of a pass (alerting.self_test):"),
               max, CS_TR(l, "jours", "days"));
    json_decref(j);
    return 0;
}

void cli_selftests_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie selftests [--site S] [--month YYYY-MM | --from DATE --to DATE] [--lang fr|en] [--json]\n"
               "The UPS self-tests: per UPS its last test and result, its last pass and that pass's age in days\n"
               "(alerting.self_test says the largest), a test running now, then the tests of the period.\n\n"
               "  --site S        one site's UPS\n"
               "  --month M       YYYY-MM (default: this month)\n"
               "  --from DATE     or a period: DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM in the site's time\n"
               "  --to DATE       zone, or Unix seconds\n"
               "  --lang fr|en    the table's language (default: that of $LANG)\n"
               "  --json          the server's JSON\n\n"
               "Examples:\n"
               "  vigie selftests\n"
               "  vigie selftests --site italie --month 2026-11 --lang fr\n");
}

int cli_selftests(const cli_opts *oin, int argc, char **argv)
{
    cli_opts o = *oin;
    static const struct option opts[] = {{"site", required_argument, NULL, 's'},  {"month", required_argument, NULL, 'm'},
                                         {"from", required_argument, NULL, 'f'},  {"to", required_argument, NULL, 't'},
                                         {"lang", required_argument, NULL, 'l'},  {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    const char *site = NULL, *month = NULL, *from = NULL, *to = NULL, *lang = NULL;
    optind = 0;
    opterr = 0;
    int c;
    char **v = argv - 1; /* getopt wants a program name first */
    while ((c = getopt_long(argc + 1, v, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': site = optarg; break;
        case 'm': month = optarg; break;
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'l': lang = optarg; break;
        case 'j': o.json = true; break;
        default: return cli_bad("unknown or incomplete option", v[optind - 1]);
        }
    }
    if (optind < argc + 1)
        return cli_bad("unexpected argument", v[optind]);
    if (lang && strcmp(lang, "fr") && strcmp(lang, "en"))
        return cli_bad("--lang must be fr or en", lang);
    if (month && (from || to))
        return cli_bad("give --month, or --from and --to, not both", NULL);
    if (!from != !to)
        return cli_bad("--from and --to go together", NULL);
    char q[800] = "/api/v1/selftests";
    cs_q(q, sizeof q, "site", site);
    cs_q(q, sizeof q, "month", month);
    cs_q(q, sizeof q, "from", from);
    cs_q(q, sizeof q, "to", to);
    json_t *j = cli_call(&o, "GET", q, NULL, NULL);
    if (!j)
        return 1;
    if (o.json)
        return cli_print_json(j);
    return cs_print(cli_lang_fr(lang) ? CS_FR : CS_EN, j); /* --lang, else the locale (cli.h) */
}
