/* vigie audit: the audit trail (GET /api/v1/audit; an admin token without a scope), newest last, and
 * `vigie audit --verify` (GET /api/v1/audit/verify): exit 0 when the chain holds, 1 naming the first
 * bad entry. French or English (--lang, else the language of $LANG). */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CAU_TR(f, e) (a->fr ? (f) : (e))
#define CAU_TEXT_MAX 64 /* bytes of --who and --action, as the API takes them */

typedef struct {
    const char *since, *until, *who, *action, *limit, *head;
    bool verify, detail, fr, help;
} cau_args;

void cli_audit_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie audit [--since DATE] [--until DATE] [--who NAME] [--action A] [--limit N]\n"
               "                   [--detail] [--json] [--lang fr|en]\n"
               "       vigie audit --verify [--head ID:HASH] [--json] [--lang fr|en]\n"
               "The audit trail (an admin token without a scope): who did what, when, from which address, and\n"
               "the outcome (ok, failed, denied or the HTTP status), newest last.\n\n"
               "  --since DATE    entries at or after DATE (YYYY-MM-DD[THH:MM] in the first site's time\n"
               "                  zone, or Unix seconds)\n"
               "  --until DATE    entries before DATE\n"
               "  --who NAME      one person's (a token's name, or vigie-server)\n"
               "  --action A      one action (token.add, maintenance.add, login...), or all those of a\n"
               "                  prefix ending in '.' (maintenance.)\n"
               "  --limit N       at most N entries, the newest (default 1000, at most 10000)\n"
               "  --detail        each entry's detail (the body of the request) under it\n"
               "  --verify        check the chain: every entry's hash, its link to the one before, no entry\n"
               "                  missing; exit 0 when it holds, 1 naming the first bad entry\n"
               "  --head ID:HASH  with --verify: a head the server logged (\"head ID:HASH\"), which must still\n"
               "                  be there (default: the last entry the running server appended)\n"
               "  --json          the server's JSON\n"
               "  --lang fr|en    the language (default: that of $LANG)\n\n"
               "Examples:\n"
               "  vigie audit --since 2026-12-01 --action maintenance.\n"
               "  vigie audit --who alice --detail\n"
               "  vigie audit --verify\n");
}

static int cau_parse(int argc, char **argv, cli_opts *o, cau_args *a)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'}, {"until", required_argument, NULL, 'u'},
        {"who", required_argument, NULL, 'w'},   {"action", required_argument, NULL, 'a'},
        {"limit", required_argument, NULL, 'n'}, {"head", required_argument, NULL, 'H'},
        {"verify", no_argument, NULL, 'V'},      {"detail", no_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},        {"lang", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    const char *lang = NULL;
    optind = 0;
    opterr = 0;
    char **v = argv - 1; /* getopt wants a program name first */
    int c;
    while ((c = getopt_long(argc + 1, v, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': a->since = optarg; break;
        case 'u': a->until = optarg; break;
        case 'w': a->who = optarg; break;
        case 'a': a->action = optarg; break;
        case 'n': a->limit = optarg; break;
        case 'H': a->head = optarg; break;
        case 'V': a->verify = true; break;
        case 'd': a->detail = true; break;
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
    if (a->verify && (a->since || a->until || a->who || a->action || a->limit || a->detail))
        return cli_bad("--verify checks the whole trail: it takes no --since, --until, --who, --action, --limit "
                       "or --detail", NULL);
    if (a->head && !a->verify)
        return cli_bad("--head goes with --verify", a->head);
    const char *texts[][2] = {{"--who", a->who}, {"--action", a->action}};
    for (int i = 0; i < 2; i++)
        if (texts[i][1] && (!*texts[i][1] || strlen(texts[i][1]) > CAU_TEXT_MAX))
            return cli_bad(texts[i][0][2] == 'w' ? "--who: 1 to 64 bytes" : "--action: 1 to 64 bytes", texts[i][1]);
    if (a->limit) {
        char *end;
        long n = strtol(a->limit, &end, 10);
        if (end == a->limit || *end || n < 1 || n > 10000)
            return cli_bad("--limit: an integer from 1 to 10000", a->limit);
    }
    return 0;
}

static void cau_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

static const char *cau_text(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : "-";
}

static void cau_row(const cau_args *a, const json_t *e)
{
    char when[40] = "-", id[24];
    if (json_is_integer(json_object_get(e, "ts")))
        cli_time(json_integer_value(json_object_get(e, "ts")), when, sizeof when);
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(e, "id")));
    cli_cell(id, 6);
    cli_cell(when, 21);
    cli_cell(cau_text(e, "who"), 16);
    cli_cell(cau_text(e, "addr"), 15);
    cli_cell(cau_text(e, "action"), 18);
    cli_cell(cau_text(e, "outcome"), 8);
    printf("%s\n", json_is_true(json_object_get(e, "malformed")) ? CAU_TR("(entrée illisible)", "(unreadable entry)")
                                                                 : cau_text(e, "object"));
    const char *detail = json_string_value(json_object_get(e, "detail"));
    if (a->detail && detail && *detail)
        printf("       %s\n", detail);
}

static int cau_list(const cli_opts *o, const cau_args *a)
{
    char q[1200] = "/api/v1/audit";
    cau_q(q, sizeof q, "since", a->since);
    cau_q(q, sizeof q, "until", a->until);
    cau_q(q, sizeof q, "who", a->who);
    cau_q(q, sizeof q, "action", a->action);
    cau_q(q, sizeof q, "limit", a->limit);
    json_t *j = cli_call(o, "GET", q, NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    static const char *const head[2][7] = {{"ID", "WHEN", "WHO", "FROM", "ACTION", "OUTCOME", "OBJECT"},
                                           {"ID", "QUAND", "QUI", "DEPUIS", "ACTION", "RÉSULTAT", "OBJET"}};
    static const int w[] = {6, 21, 16, 15, 18, 8};
    for (int i = 0; i < 6; i++)
        cli_cell(head[a->fr][i], w[i]);
    printf("%s\n", head[a->fr][6]);
    size_t i;
    json_t *e, *entries = json_object_get(j, "entries");
    json_array_foreach(entries, i, e) cau_row(a, e);
    if (json_is_true(json_object_get(j, "truncated")))
        printf(CAU_TR("\nles %zu entrées les plus récentes seulement : resserrez avec --since/--until ou augmentez "
                      "--limit\n",
                      "\nthe newest %zu entries only: narrow with --since/--until or raise --limit\n"),
               json_array_size(entries));
    json_decref(j);
    return 0;
}

/* The reason of a broken chain in French, from the problem's name and ids; NULL: take the server's. */
static void cau_reason_fr(const json_t *j, char *out, size_t size)
{
    const char *p = json_string_value(json_object_get(j, "problem"));
    long long bad = json_integer_value(json_object_get(j, "first_bad")),
              other = json_integer_value(json_object_get(j, "other"));
    int n = snprintf(out, size, "entrée %lld : ", bad);
    char *r = out + n;
    size_t rs = size - (size_t)n;
    if (!p)
        snprintf(out, size, "%s", cau_text(j, "reason"));
    else if (strcmp(p, "hash") == 0)
        snprintf(r, rs, "son empreinte ne correspond pas à son contenu");
    else if (strcmp(p, "link") == 0 && other)
        snprintf(r, rs, "elle ne suit pas l'entrée %lld (son « prev » n'est pas l'empreinte de celle-ci)", other);
    else if (strcmp(p, "link") == 0)
        snprintf(r, rs, "la première entrée en nomme une avant elle");
    else if (strcmp(p, "gap") == 0 && bad - other == 2)
        snprintf(r, rs, "l'entrée qui la précède manque (%lld → %lld)", other, bad);
    else if (strcmp(p, "gap") == 0)
        snprintf(r, rs, "les %lld entrées qui la précèdent manquent (%lld → %lld)", bad - other - 1, other, bad);
    else if (strcmp(p, "start") == 0)
        snprintf(r, rs, "les entrées qui la précèdent (1 à %lld) manquent et aucune purge n'en consigne la suppression",
                 bad - 1);
    else if (strcmp(p, "malformed") == 0)
        snprintf(r, rs, "un champ n'est pas de son type, ou plus long qu'une entrée ne peut l'être");
    else if (strcmp(p, "truncated") == 0)
        snprintf(r, rs, "absente : les entrées les plus récentes ont été supprimées (la piste s'arrête à %lld)", other);
    else
        snprintf(r, rs, "son empreinte n'est pas celle écrite à son ajout");
}

static int cau_verify(const cli_opts *o, const cau_args *a)
{
    char q[300] = "/api/v1/audit/verify";
    cau_q(q, sizeof q, "head", a->head);
    json_t *j = cli_call(o, "GET", q, NULL, NULL);
    if (!j)
        return 1;
    bool ok = json_is_true(json_object_get(j, "ok"));
    if (o->json) {
        cli_print_json(j);
        return ok ? 0 : 1;
    }
    long long n = json_integer_value(json_object_get(j, "entries"));
    json_t *h = json_object_get(j, "head");
    if (ok && json_is_object(h))
        printf(CAU_TR("La piste d'audit est intègre : %lld entrées, tête %lld:%s\n",
                      "The audit trail holds: %lld entries, head %lld:%s\n"),
               n, (long long)json_integer_value(json_object_get(h, "id")), cau_text(h, "hash"));
    else if (ok)
        printf(CAU_TR("La piste d'audit est vide.\n", "The audit trail is empty.\n"));
    else {
        char why[400];
        if (a->fr)
            cau_reason_fr(j, why, sizeof why);
        else
            snprintf(why, sizeof why, "%s", cau_text(j, "reason"));
        printf(CAU_TR("La piste d'audit est ROMPUE (%lld entrées vérifiées) : %s\n",
                      "The audit trail is BROKEN (%lld entries checked): %s\n"), n, why);
    }
    json_decref(j);
    return ok ? 0 : 1;
}

int cli_audit(const cli_opts *opts, int argc, char **argv)
{
    cli_opts o = *opts;
    cau_args a = {0};
    int rc = cau_parse(argc, argv, &o, &a);
    if (rc != 0)
        return rc;
    if (a.help) {
        cli_audit_usage(stdout, NULL);
        return 0;
    }
    if (o.verbose)
        a.detail = true;
    return a.verify ? cau_verify(&o, &a) : cau_list(&o, &a);
}
