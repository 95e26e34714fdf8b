/* vigie oncall: who is on call in each rotation now or at a date (GET /api/v1/oncall), overrides
 * for holidays and swaps (GET, POST /api/v1/oncall/overrides, DELETE .../ID; an operator token), and a
 * rotation's schedule as iCalendar (GET /api/v1/oncall.ics) for people's calendars. */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "names.h"

#define CON_TR(f, e) (fr ? (f) : (e))

static void con_usage(FILE *f)
{
    fprintf(f, "Usage: vigie oncall [--at DATE] [--json] [--lang fr|en]\n"
               "       vigie oncall override --rotation R --who PERSON --from DATE --to DATE [--reason TEXT]\n"
               "       vigie oncall overrides [--rotation R] [--json] [--lang fr|en]\n"
               "       vigie oncall delete ID\n"
               "       vigie oncall ics --rotation R [-o FILE]\n"
               "On-call rotations of server.yaml's alerting.oncall: who is on call, until when, who is next.\n"
               "An override puts PERSON on call in rotation R from one date to the other (holidays, swaps);\n"
               "where overrides overlap, the latest added wins. Overrides need an operator token.\n\n"
               "  --at DATE        the instant to ask about (default: now)\n"
               "  --rotation R     a rotation's name\n"
               "  --who PERSON     a person of alerting.oncall.people\n"
               "  --from, --to     the override's start and end\n"
               "  --reason TEXT    why (at most 127 characters)\n"
               "  -o, --output F   the iCalendar file (default: the standard output)\n"
               "  --json           the server's JSON\n"
               "  --lang fr|en     the table's language (default: that of $LANG)\n"
               "DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM in the rotation's time zone, or Unix seconds.\n\n"
               "Examples:\n"
               "  vigie oncall\n"
               "  vigie oncall --at 2026-12-25T10:00\n"
               "  vigie oncall override --rotation primary --who bob --from 2026-12-21 --to 2026-12-28 --reason swap\n"
               "  vigie oncall ics --rotation primary -o primary.ics\n");
}

/* help.c's table: `vigie oncall --help`, `vigie help oncall` */
void cli_oncall_usage(FILE *f, const char *sub)
{
    (void)sub;
    con_usage(f);
}

typedef struct {
    const char *at, *rotation, *who, *from, *to, *reason, *output, *lang;
    bool help;
} con_args;

static int con_parse(int argc, char **argv, cli_opts *o, con_args *a, int *first)
{
    static const struct option opts[] = {
        {"at", required_argument, NULL, 'a'},     {"rotation", required_argument, NULL, 'r'},
        {"who", required_argument, NULL, 'w'},    {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},     {"reason", required_argument, NULL, 'R'},
        {"output", required_argument, NULL, 'o'}, {"json", no_argument, NULL, 'j'},
        {"lang", required_argument, NULL, 'l'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    optind = 0;
    opterr = 0;
    char **v = argv - 1;
    int c;
    while ((c = getopt_long(argc + 1, v, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': a->at = optarg; break;
        case 'r': a->rotation = optarg; break;
        case 'w': a->who = optarg; break;
        case 'f': a->from = optarg; break;
        case 't': a->to = optarg; break;
        case 'R': a->reason = optarg; break;
        case 'o': a->output = optarg; break;
        case 'j': o->json = true; break;
        case 'l': a->lang = optarg; break;
        case 'h': a->help = true; return 0;
        default: return cli_bad("unknown or incomplete option", v[optind - 1]);
        }
    }
    *first = optind - 1;
    if (a->lang && strcmp(a->lang, "fr") != 0 && strcmp(a->lang, "en") != 0)
        return cli_bad("--lang must be fr or en", a->lang);
    return 0;
}

static void con_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

static void con_time(const json_t *v, char *out, size_t size)
{
    if (json_is_integer(v))
        cli_time((long long)json_integer_value(v), out, size);
    else
        snprintf(out, size, "-");
}

static const char *con_str(const json_t *v, const char *none)
{
    return json_is_string(v) ? json_string_value(v) : none;
}

static int con_now(const cli_opts *o, const con_args *a)
{
    char path[512] = "/api/v1/oncall";
    con_q(path, sizeof path, "at", a->at);
    json_t *j = cli_call(o, "GET", path, NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    bool fr = cli_lang_fr(a->lang);
    const char *nobody = CON_TR("(personne)", "(nobody)");
    printf("%-16s %-16s %-24s %-16s %s\n", CON_TR("ROTATION", "ROTATION"), CON_TR("D'ASTREINTE", "ON CALL"),
           CON_TR("JUSQU'AU", "UNTIL"), CON_TR("ENSUITE", "NEXT"), CON_TR("REMPLACEMENT", "OVERRIDE"));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "rotations"), i, r) {
        char until[64], ov[200] = "-";
        con_time(json_object_get(r, "until"), until, sizeof until);
        json_t *by = json_object_get(r, "override");
        if (json_is_object(by))
            snprintf(ov, sizeof ov, "#%lld %s", (long long)json_integer_value(json_object_get(by, "id")),
                     con_str(json_object_get(by, "reason"), ""));
        printf("%-16s %-16s %-24s %-16s %s\n", con_str(json_object_get(r, "rotation"), "?"),
               con_str(json_object_get(r, "on_call"), nobody), until, con_str(json_object_get(r, "next"), nobody), ov);
    }
    json_decref(j);
    return 0;
}

/* A DATE argument as the API takes it: Unix seconds as a number, a date as a string. */
static json_t *con_date(const char *s)
{
    bool digits = strspn(s, "0123456789") == strlen(s) && strlen(s) > 4;
    return digits ? json_integer(strtoll(s, NULL, 10)) : json_string(s);
}

static int con_override(const cli_opts *o, const con_args *a)
{
    if (!a->rotation || !a->who || !a->from || !a->to)
        return cli_bad("oncall override: --rotation, --who, --from and --to are required", NULL);
    if (!name_is_valid(a->rotation) || !name_is_valid(a->who))
        return cli_bad("oncall override: --rotation and --who are names (letters, digits, '.', '_', '-')", NULL);
    json_t *body = json_pack("{s:s, s:s, s:o, s:o, s:s}", "rotation", a->rotation, "who", a->who, "from",
                             con_date(a->from), "to", con_date(a->to), "reason", a->reason ? a->reason : "");
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    json_t *j = text ? cli_call(o, "POST", "/api/v1/oncall/overrides", text, NULL) : NULL;
    free(text);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    bool fr = cli_lang_fr(a->lang);
    char from[64], to[64];
    con_time(json_object_get(j, "start"), from, sizeof from);
    con_time(json_object_get(j, "end"), to, sizeof to);
    printf(CON_TR("remplacement #%lld : %s d'astreinte (%s) du %s au %s\n",
                  "override #%lld: %s on call (%s) from %s to %s\n"),
           (long long)json_integer_value(json_object_get(j, "id")), a->who, a->rotation, from, to);
    json_decref(j);
    return 0;
}

static int con_list(const cli_opts *o, const con_args *a)
{
    char path[512] = "/api/v1/oncall/overrides";
    con_q(path, sizeof path, "rotation", a->rotation);
    json_t *j = cli_call(o, "GET", path, NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    bool fr = cli_lang_fr(a->lang);
    printf("%-6s %-16s %-16s %-24s %-24s %-12s %s\n", "ID", "ROTATION", CON_TR("QUI", "WHO"), CON_TR("DU", "FROM"),
           CON_TR("AU", "TO"), CON_TR("PAR", "BY"), CON_TR("MOTIF", "REASON"));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "overrides"), i, r) {
        char from[64], to[64];
        con_time(json_object_get(r, "start"), from, sizeof from);
        con_time(json_object_get(r, "end"), to, sizeof to);
        printf("%-6lld %-16s %-16s %-24s %-24s %-12s %s\n", (long long)json_integer_value(json_object_get(r, "id")),
               con_str(json_object_get(r, "rotation"), "?"), con_str(json_object_get(r, "who"), "?"), from, to,
               con_str(json_object_get(r, "created_by"), ""), con_str(json_object_get(r, "reason"), ""));
    }
    json_decref(j);
    return 0;
}

static int con_delete(const cli_opts *o, const char *id)
{
    if (!id || !*id || strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
        return cli_bad("oncall delete: an override's ID (a number) is required", id);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/oncall/overrides/%s", id);
    json_t *j = cli_call(o, "DELETE", path, NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    bool fr = cli_lang_fr(NULL);
    printf(CON_TR("remplacement #%s supprimé\n", "override #%s deleted\n"), id);
    json_decref(j);
    return 0;
}

static int con_ics(const cli_opts *o, const con_args *a)
{
    if (!a->rotation)
        return cli_bad("oncall ics: --rotation is required", NULL);
    char path[512] = "/api/v1/oncall.ics";
    con_q(path, sizeof path, "rotation", a->rotation);
    cli_buf raw = {0};
    json_t *j = cli_call(o, "GET", path, NULL, &raw);
    if (!j) {
        free(raw.data);
        return 1;
    }
    json_decref(j);
    FILE *f = a->output && strcmp(a->output, "-") ? fopen(a->output, "wb") : stdout;
    bool ok = f && fwrite(raw.data, 1, raw.len, f) == raw.len;
    if (f && f != stdout)
        ok = fclose(f) == 0 && ok;
    free(raw.data);
    if (!ok) {
        fprintf(stderr, "vigie: cannot write %s\n", a->output ? a->output : "the standard output");
        return 1;
    }
    return 0;
}

int cli_oncall(const cli_opts *oin, int argc, char **argv)
{
    cli_opts o = *oin;
    const char *sub = argc > 0 && argv[0][0] != '-' ? argv[0] : NULL;
    int skip = sub ? 1 : 0, first = 0;
    con_args a = {0};
    int rc = con_parse(argc - skip, argv + skip, &o, &a, &first);
    if (rc || a.help) {
        if (a.help)
            con_usage(stdout);
        return rc;
    }
    char **rest = argv + skip + first;
    int nrest = argc - skip - first;
    bool del = sub && strcmp(sub, "delete") == 0;
    if (nrest > (del ? 1 : 0))
        return cli_bad("unexpected argument", rest[del ? 1 : 0]);
    if (!sub)
        return con_now(&o, &a);
    if (strcmp(sub, "override") == 0)
        return con_override(&o, &a);
    if (strcmp(sub, "overrides") == 0)
        return con_list(&o, &a);
    if (del)
        return con_delete(&o, nrest ? rest[0] : NULL);
    if (strcmp(sub, "ics") == 0)
        return con_ics(&o, &a);
    return cli_bad("oncall: unknown subcommand (override, overrides, delete, ics)", sub);
}
