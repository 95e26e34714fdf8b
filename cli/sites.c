/* vigie sites: the public sites (GET /api/v1/public-sites) in a table, worst first: state and since
 * when, availability this month, RTT, loss, and the NRO an outage is held behind; or, with --kind K
 * for another kind, the sites of that kind (GET /api/v1/sites?kind=K). French or English (--lang, else
 * the language of $LANG). */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "names.h"

#define CSI_TR(f, e) (a->fr ? (f) : (e))
#define CSI_TEXT_MAX 100 /* bytes of --commune, as the API takes it */

static const char *const csi_categories[][3] = {{"school", "école", "school"},       {"town_hall", "mairie", "town hall"},
                                                {"police", "police", "police"},      {"traffic", "circulation", "traffic"},
                                                {"camera", "caméra", "camera"},      {"other", "autre", "other"}};

typedef struct {
    const char *kind, *commune, *category, *contract, *nro;
    bool down, fr, help;
} csi_args;

void cli_cell(const char *s, int width)
{
    int n = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "-");
    /* cut at width characters, never inside a UTF-8 sequence */
    for (; *p; p++) {
        if ((*p & 0xC0) != 0x80 && n++ == width)
            break;
        fputc(*p, stdout);
    }
    for (n = n > width ? width : n; n < width; n++)
        fputc(' ', stdout);
    fputc(' ', stdout);
}

static const char *csi_category(const csi_args *a, const char *c)
{
    for (size_t i = 0; c && i < sizeof csi_categories / sizeof csi_categories[0]; i++)
        if (strcmp(csi_categories[i][0], c) == 0)
            return csi_categories[i][a->fr ? 1 : 2];
    return c ? c : "-";
}

static const char *csi_state(const csi_args *a, const char *s)
{
    if (s && strcmp(s, "up") == 0)
        return CSI_TR("en service", "up");
    if (s && strcmp(s, "down") == 0)
        return CSI_TR("EN PANNE", "DOWN");
    return CSI_TR("inconnu", "unknown");
}

void cli_sites_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie sites [--kind K] [--down] [--commune X] [--category C] [--contract C] [--nro N]\n"
               "                   [--json] [--lang fr|en]\n"
               "The public sites, worst first: state and since when, availability this month, round-trip time,\n"
               "loss, and the NRO an outage is attributed to (the site is down behind its NRO down).\n\n"
               "  --kind K        public (default), or another site kind (datacenter, nro, pop, core): its sites\n"
               "  --down          only the sites down now\n"
               "  --commune X     the sites of a commune (whatever the case)\n"
               "  --category C    school, town_hall, police, traffic, camera or other\n"
               "  --contract C    the sites of a contract class of server.yaml\n"
               "  --nro N         the sites behind an NRO\n"
               "  --json          the server's JSON\n"
               "  --lang fr|en    the table's language (default: that of $LANG)\n\n"
               "Examples:\n"
               "  vigie sites --down\n"
               "  vigie sites --commune Amiens --category school\n"
               "  vigie sites --kind nro\n");
}

/* 0, or 2 after saying what is wrong. */
static int csi_parse(int argc, char **argv, cli_opts *o, csi_args *a)
{
    static const struct option opts[] = {{"kind", required_argument, NULL, 'k'},     {"down", no_argument, NULL, 'd'},
                                         {"commune", required_argument, NULL, 'c'},  {"category", required_argument, NULL, 'g'},
                                         {"contract", required_argument, NULL, 'C'}, {"nro", required_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, 'j'},           {"lang", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *lang = NULL;
    optind = 0;
    opterr = 0;
    char **v = argv - 1; /* getopt wants a program name first */
    int c;
    while ((c = getopt_long(argc + 1, v, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k': a->kind = optarg; break;
        case 'd': a->down = true; break;
        case 'c': a->commune = optarg; break;
        case 'g': a->category = optarg; break;
        case 'C': a->contract = optarg; break;
        case 'n': a->nro = optarg; break;
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
    if (a->kind && !name_is_valid(a->kind))
        return cli_bad("--kind: not a site kind", a->kind);
    bool pub = !a->kind || strcmp(a->kind, "public") == 0;
    if (!pub && (a->commune || a->category || a->contract || a->nro))
        return cli_bad("--commune, --category, --contract and --nro are for public sites", a->kind);
    if (a->commune && (!*a->commune || strlen(a->commune) > CSI_TEXT_MAX))
        return cli_bad("--commune: 1 to 100 bytes", a->commune);
    bool known = !a->category;
    for (size_t i = 0; !known && i < sizeof csi_categories / sizeof csi_categories[0]; i++)
        known = strcmp(csi_categories[i][0], a->category) == 0;
    if (!known)
        return cli_bad("--category must be school, town_hall, police, traffic, camera or other", a->category);
    if (a->contract && !name_is_valid(a->contract))
        return cli_bad("--contract: not a contract name", a->contract);
    if (a->nro && !name_is_valid(a->nro))
        return cli_bad("--nro: not a site id", a->nro);
    return 0;
}

static void csi_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

static void csi_pct(const json_t *v, int decimals, char *out, size_t size)
{
    /* never rounded up: 99.996 % is not 100 % */
    if (json_is_number(v)) {
        double p = pow(10, decimals);
        snprintf(out, size, "%.*f %%", decimals, floor(json_number_value(v) * p + 1e-9) / p);
    } else {
        snprintf(out, size, "-");
    }
}

static void csi_public_row(const csi_args *a, const json_t *s)
{
    char since[40] = "-", av[24], rtt[24] = "-", loss[24];
    if (json_is_integer(json_object_get(s, "since")))
        cli_time(json_integer_value(json_object_get(s, "since")), since, sizeof since);
    csi_pct(json_object_get(s, "availability"), 3, av, sizeof av);
    csi_pct(json_object_get(s, "loss"), 1, loss, sizeof loss);
    if (json_is_number(json_object_get(s, "rtt")))
        snprintf(rtt, sizeof rtt, "%.1f ms", json_number_value(json_object_get(s, "rtt")));
    const char *nro = json_string_value(json_object_get(s, "nro"));
    cli_cell(json_string_value(json_object_get(s, "id")), 16);
    cli_cell(json_string_value(json_object_get(s, "name")), 24);
    cli_cell(json_string_value(json_object_get(s, "commune")), 16);
    cli_cell(csi_category(a, json_string_value(json_object_get(s, "category"))), 11);
    cli_cell(nro ? nro : "-", 10);
    cli_cell(csi_state(a, json_string_value(json_object_get(s, "state"))), 10);
    cli_cell(since, 21);
    cli_cell(av, 10);
    cli_cell(rtt, 9);
    cli_cell(loss, 7);
    const char *by = json_string_value(json_object_get(s, "attributed_to"));
    printf("%s\n", by ? by : "-");
}

static int csi_public(const cli_opts *o, const csi_args *a)
{
    char q[800] = "/api/v1/public-sites";
    csi_q(q, sizeof q, "commune", a->commune);
    csi_q(q, sizeof q, "category", a->category);
    csi_q(q, sizeof q, "contract", a->contract);
    csi_q(q, sizeof q, "nro", a->nro);
    csi_q(q, sizeof q, "state", a->down ? "down" : NULL);
    json_t *j = cli_call(o, "GET", q, NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    static const char *const head[2][11] = {
        {"ID", "NAME", "COMMUNE", "CATEGORY", "NRO", "STATE", "SINCE", "AVAIL.", "RTT", "LOSS", "ATTRIBUTED TO"},
        {"ID", "NOM", "COMMUNE", "CATÉGORIE", "NRO", "ÉTAT", "DEPUIS", "DISPO.", "RTT", "PERTES", "IMPUTÉ À"}};
    static const int w[] = {16, 24, 16, 11, 10, 10, 21, 10, 9, 7};
    for (int i = 0; i < 10; i++)
        cli_cell(head[a->fr][i], w[i]);
    printf("%s\n", head[a->fr][10]);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(j, "sites"), i, s) csi_public_row(a, s);
    json_t *c = json_object_get(j, "counts");
    long long up = json_integer_value(json_object_get(c, "up")), down = json_integer_value(json_object_get(c, "down")),
              unk = json_integer_value(json_object_get(c, "unknown"));
    printf(CSI_TR("\n%zu sites affichés ; %lld en panne, %lld inconnus, %lld en service\n",
                  "\n%zu sites shown; %lld down, %lld unknown, %lld up\n"),
           json_array_size(json_object_get(j, "sites")), down, unk, up);
    json_decref(j);
    return 0;
}

/* Another kind: its sites from /api/v1/sites, with their state and this month's availability. */
static int csi_kind(const cli_opts *o, const csi_args *a)
{
    char q[200] = "/api/v1/sites";
    csi_q(q, sizeof q, "kind", a->kind);
    json_t *j = cli_call(o, "GET", q, NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    cli_cell("ID", 16);
    cli_cell(CSI_TR("NOM", "NAME"), 24);
    cli_cell(CSI_TR("ÉTAT", "STATE"), 10);
    printf("%s\n", CSI_TR("DISPONIBILITÉ", "AVAILABILITY"));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(j, "sites"), i, s) {
        const char *state = json_string_value(json_object_get(s, "state"));
        if (a->down && (!state || strcmp(state, "down") != 0))
            continue;
        char av[24];
        csi_pct(json_object_get(json_object_get(s, "figures"), "availability"), 3, av, sizeof av);
        cli_cell(json_string_value(json_object_get(s, "site")), 16);
        cli_cell(json_string_value(json_object_get(s, "name")), 24);
        cli_cell(csi_state(a, state), 10);
        printf("%s\n", av);
    }
    json_decref(j);
    return 0;
}

int cli_sites(const cli_opts *oin, int argc, char **argv)
{
    cli_opts o = *oin;
    csi_args a = {0};
    int rc = csi_parse(argc, argv, &o, &a);
    if (rc)
        return rc;
    if (a.help) {
        cli_sites_usage(stdout, NULL);
        return 0;
    }
    return !a.kind || strcmp(a.kind, "public") == 0 ? csi_public(&o, &a) : csi_kind(&o, &a);
}
