/* vigie token: personal API tokens (GET/POST /api/v1/tokens, DELETE /api/v1/tokens/NAME; admin), and
 * vigie whoami. `add` prints the secret once: the server keeps only its hash, so a lost token is
 * revoked and replaced, never shown again. */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "names.h"

#define CTK_TR(f, e) (fr ? (f) : (e))

/* The usage of add, list or revoke, or (sub NULL) of all three. */
void cli_token_usage(FILE *f, const char *sub)
{
    static const char *const lines[][2] = {
        {"add", "vigie token add --name NAME --role read|operator|admin [--scope SCOPE] [--expires DATE] [--json]"},
        {"list", "vigie token list [--json] [--lang fr|en]"},
        {"revoke", "vigie token revoke NAME [--json]"}};
    bool first = true;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!sub || strcmp(sub, lines[i][0]) == 0) {
            fprintf(f, "%s%s\n", first ? "Usage: " : "       ", lines[i][1]);
            first = false;
        }
    fprintf(f, "Personal API tokens (an admin token is needed). `add` shows the new token ONCE: the server keeps\n"
               "only its SHA-256. A revoked or expired token is refused at once, its dashboard sessions too.\n\n");
    if (!sub || !strcmp(sub, "add"))
        fprintf(f, "  --name NAME      who it is for (letters, digits, '.', '_', '-'; never reused)\n"
                   "  --role ROLE      read: see; operator: also acknowledge, silence, declare maintenance;\n"
                   "                   admin: also tokens, reports sent, test notifications\n"
                   "  --scope SCOPE    the sites it sees, terms joined by commas (default: every site):\n"
                   "                   site:ID, kind:KIND (datacenter, nro, public...), commune:NAME, epci:NAME,\n"
                   "                   contract:NAME, nro:ID (an NRO and the public sites behind it)\n"
                   "  --expires DATE   YYYY-MM-DD[THH:MM] (the first site's time zone) or Unix seconds\n");
    fprintf(f, "  --json           the server's JSON\n");
    if (!sub || !strcmp(sub, "list"))
        fprintf(f, "  --lang fr|en     the table's language (default: that of $LANG)\n");
    fprintf(f, "\nExamples:\n");
    if (!sub || !strcmp(sub, "add"))
        fprintf(f, "  vigie token add --name alice --role operator --scope kind:nro --expires 2027-06-30\n");
    if (!sub || !strcmp(sub, "list"))
        fprintf(f, "  vigie token list\n");
    if (!sub || !strcmp(sub, "revoke"))
        fprintf(f, "  vigie token revoke alice\n");
}

typedef struct {
    const char *name, *role, *scope, *expires, *lang;
    bool help;
} ctk_args;

static int ctk_parse(int argc, char **argv, cli_opts *o, ctk_args *a)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},  {"role", required_argument, NULL, 'r'},
                                         {"scope", required_argument, NULL, 's'}, {"expires", required_argument, NULL, 'e'},
                                         {"json", no_argument, NULL, 'j'},        {"lang", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    optind = 0;
    opterr = 0;
    char **v = argv - 1;
    int c;
    while ((c = getopt_long(argc + 1, v, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': a->name = optarg; break;
        case 'r': a->role = optarg; break;
        case 's': a->scope = optarg; break;
        case 'e': a->expires = optarg; break;
        case 'j': o->json = true; break;
        case 'l': a->lang = optarg; break;
        case 'h': a->help = true; return 0;
        default: return cli_bad("unknown or incomplete option", v[optind - 1]);
        }
    }
    if (optind < argc + 1)
        return cli_bad("unexpected argument", v[optind]);
    if (a->lang && strcmp(a->lang, "fr") != 0 && strcmp(a->lang, "en") != 0)
        return cli_bad("--lang must be fr or en", a->lang);
    return 0;
}

static int ctk_add(const cli_opts *o, const ctk_args *a)
{
    if (!a->name)
        return cli_bad("token add: --name is required", NULL);
    if (!name_is_valid(a->name))
        return cli_bad("token add: --name: letters, digits, '.', '_' or '-', at most 64", a->name);
    if (!a->role)
        return cli_bad("token add: --role is required (read, operator or admin)", NULL);
    if (strcmp(a->role, "read") && strcmp(a->role, "operator") && strcmp(a->role, "admin"))
        return cli_bad("token add: --role must be read, operator or admin", a->role);
    json_t *body = json_pack("{s:s, s:s}", "name", a->name, "role", a->role);
    if (a->scope)
        json_object_set_new(body, "scope", json_string(a->scope));
    if (a->expires) {
        bool digits = strspn(a->expires, "0123456789") == strlen(a->expires) && strlen(a->expires) > 4;
        json_object_set_new(body, "expires", digits ? json_integer(strtoll(a->expires, NULL, 10)) : json_string(a->expires));
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    json_t *j = text ? cli_call(o, "POST", "/api/v1/tokens", text, NULL) : NULL;
    free(text);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    bool fr = cli_lang_fr(a->lang);
    printf("%s\n", json_string_value(json_object_get(j, "token")));
    fprintf(stderr, CTK_TR("vigie : jeton %s (%s) créé ; il n'est montré qu'une fois : gardez-le dans un coffre.\n",
                           "vigie: token %s (%s) added; it is shown this once: keep it in a vault.\n"),
            a->name, a->role);
    json_decref(j);
    return 0;
}

static void ctk_date(json_t *v, char *out, size_t size)
{
    if (json_is_integer(v))
        cli_time((long long)json_integer_value(v), out, size);
    else
        snprintf(out, size, "-");
}

static int ctk_list(const cli_opts *o, const ctk_args *a)
{
    json_t *j = cli_call(o, "GET", "/api/v1/tokens", NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    bool fr = cli_lang_fr(a->lang);
    printf("%-20s %-9s %-11s %-22s %-22s %-22s %s\n", CTK_TR("NOM", "NAME"), CTK_TR("RÔLE", "ROLE"),
           CTK_TR("ÉTAT", "STATE"), CTK_TR("CRÉÉ", "CREATED"), CTK_TR("DERNIER USAGE", "LAST USED"),
           CTK_TR("EXPIRE", "EXPIRES"), CTK_TR("PÉRIMÈTRE", "SCOPE"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(j, "tokens"), i, t) {
        char created[40], used[40], expires[40];
        ctk_date(json_object_get(t, "created"), created, sizeof created);
        ctk_date(json_object_get(t, "last_used"), used, sizeof used);
        ctk_date(json_object_get(t, "expires"), expires, sizeof expires);
        const char *state = json_string_value(json_object_get(t, "state"));
        const char *scope = json_string_value(json_object_get(t, "scope"));
        if (fr && state)
            state = strcmp(state, "active") == 0 ? "actif" : strcmp(state, "revoked") == 0 ? "révoqué" : "expiré";
        cli_cell(json_string_value(json_object_get(t, "name")), 20);
        cli_cell(json_string_value(json_object_get(t, "role")), 9);
        cli_cell(state ? state : "", 11);
        printf("%-22s %-22s %-22s %s\n", created, used, expires, scope && *scope ? scope : CTK_TR("tout", "all"));
    }
    json_array_foreach(json_object_get(j, "bootstrap"), i, t) {
        const char *scope = json_string_value(json_object_get(t, "scope"));
        cli_cell(json_string_value(json_object_get(t, "name")), 20);
        cli_cell(json_string_value(json_object_get(t, "role")), 9);
        cli_cell("server.yaml", 11);
        printf("%-22s %-22s %-22s %s\n", "-", "-", "-", scope && *scope ? scope : CTK_TR("tout", "all"));
    }
    json_decref(j);
    return 0;
}

static int ctk_revoke(const cli_opts *o, const char *name)
{
    if (!name_is_valid(name))
        return cli_bad("token revoke: not a token name", name);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/tokens/%s", name);
    json_t *j = cli_call(o, "DELETE", path, NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    printf(json_is_true(json_object_get(j, "already")) ? "token %s was already revoked\n" : "token %s revoked\n", name);
    json_decref(j);
    return 0;
}

int cli_token(const cli_opts *opts, int argc, char **argv)
{
    cli_opts o = *opts;
    if (argc < 1)
        return cli_bad("token: add, list or revoke", NULL);
    const char *sub = argv[0];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        cli_token_usage(stdout, NULL);
        return 0;
    }
    ctk_args a = {0};
    bool revoke = strcmp(sub, "revoke") == 0;
    const char *name = revoke && argc >= 2 ? argv[1] : NULL;
    int rc = ctk_parse(argc - 1 - (name != NULL), argv + 1 + (name != NULL), &o, &a);
    if (rc != 0)
        return rc;
    if (a.help) {
        cli_token_usage(stdout, NULL);
        return 0;
    }
    if (strcmp(sub, "add") == 0)
        return ctk_add(&o, &a);
    if (strcmp(sub, "list") == 0)
        return ctk_list(&o, &a);
    if (revoke)
        return name ? ctk_revoke(&o, name) : cli_bad("token revoke: which token? (vigie token list)", NULL);
    return cli_bad("token: add, list or revoke", sub);
}

void cli_whoami_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie whoami\n"
               "The name, role (read, operator, admin) and scope of the token in use (--token, VIGIE_TOKEN or\n"
               "--config). The global --json prints the server's JSON.\n\n"
               "Examples:\n"
               "  vigie whoami\n"
               "  vigie -t \"$(cat token.txt)\" whoami\n");
}

int cli_whoami(const cli_opts *o, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return cli_bad("whoami takes no argument", NULL);
    json_t *j = cli_call(o, "GET", "/api/v1/whoami", NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    const char *scope = json_string_value(json_object_get(j, "scope"));
    printf("%s (%s), scope: %s\n", json_string_value(json_object_get(j, "name")),
           json_string_value(json_object_get(j, "role")), scope && *scope ? scope : "every site");
    json_decref(j);
    return 0;
}
