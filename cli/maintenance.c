/* vigie maintenance list | add | move | cancel | delete: maintenance windows and recurring series
 * through the API (doc/api.md, "Maintenance windows"). Times are read and shown in the site's zone;
 * an occurrence is named by its start as the rule gives it (the OCCURRENCE column of the list, with
 * its UTC offset, or Unix seconds). */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "timeutil.h"

typedef struct {
    const char *site, *month, *from, *to, *lang;
    const char *service, *start, *end, *reason, *rrule;
} mt_args;

/* The options of a subcommand (argv[0] is its name); positional arguments are left at argv[optind]. */
static int mt_parse(int argc, char **argv, cli_opts *o, mt_args *a, int *first_free)
{
    static const struct option opts[] = {
        {"site", required_argument, NULL, 's'},  {"month", required_argument, NULL, 'm'},
        {"from", required_argument, NULL, 'f'},  {"to", required_argument, NULL, 't'},
        {"service", required_argument, NULL, 'S'}, {"start", required_argument, NULL, 'b'},
        {"end", required_argument, NULL, 'e'},   {"reason", required_argument, NULL, 'r'},
        {"rrule", required_argument, NULL, 'R'}, {"lang", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},        {NULL, 0, NULL, 0}};
    optind = 0; /* a fresh scan: the subcommand's name stands at argv[0]; ID and OCC are moved last */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': a->site = optarg; break;
        case 'm': a->month = optarg; break;
        case 'f': a->from = optarg; break;
        case 't': a->to = optarg; break;
        case 'S': a->service = optarg; break;
        case 'b': a->start = optarg; break;
        case 'e': a->end = optarg; break;
        case 'r': a->reason = optarg; break;
        case 'R': a->rrule = optarg; break;
        case 'l': a->lang = optarg; break;
        case 'j': o->json = true; break;
        default: return cli_bad("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (a->lang && strcmp(a->lang, "fr") != 0 && strcmp(a->lang, "en") != 0)
        return cli_bad("--lang must be fr or en", a->lang);
    *first_free = optind;
    return 0;
}

/* Appends key=value, URL-escaped, to a query string. */
static void mt_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

/* "2026-03-03 09:00 CET" in zone tz; with iso, "2026-03-03T09:00+01:00" (what the API reads back). */
static void mt_time(long long t, const char *tz, bool iso, char *out, size_t size)
{
    struct tm tm;
    time_zone_localtime(tz, (int64_t)t, &tm);
    if (!iso) {
        strftime(out, size, "%Y-%m-%d %H:%M %Z", &tm);
        return;
    }
    long off = tm.tm_gmtoff;
    char d[32];
    strftime(d, sizeof d, "%Y-%m-%dT%H:%M", &tm);
    snprintf(out, size, "%s%c%02ld:%02ld", d, off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
}

static const char *mt_str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The recurrence column: the rule in words (the server's), then the occurrence's state. */
static void mt_recurrence(json_t *w, bool fr, char *out, size_t size)
{
    if (!*mt_str(w, "rrule")) {
        snprintf(out, size, "-");
        return;
    }
    const char *words = mt_str(json_object_get(w, "recurrence"), fr ? "fr" : "en");
    const char *state = json_is_true(json_object_get(w, "cancelled")) ? (fr ? " [annulée]" : " [cancelled]")
                        : json_is_true(json_object_get(w, "moved")) ? (fr ? " [déplacée]" : " [moved]")
                                                                     : "";
    snprintf(out, size, "%s%s", *words ? words : mt_str(w, "rrule"), state);
}

static int mt_list(const cli_opts *o, const mt_args *a)
{
    char q[600] = "/api/v1/maintenance";
    mt_q(q, sizeof q, "site", a->site);
    mt_q(q, sizeof q, "month", a->month);
    mt_q(q, sizeof q, "from", a->from);
    mt_q(q, sizeof q, "to", a->to);
    json_t *j = cli_call(o, "GET", q, NULL, NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    bool fr = cli_lang_fr(a->lang);
    printf("%-5s %-22s %-20s %-20s %-12s %-36s %s\n", "ID", "OCCURRENCE", "START", "END", "SERVICE", "RECURRENCE",
           "REASON (WHO)");
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(j, "maintenance"), i, w) {
        const char *tz = mt_str(w, "tz");
        char s[40], e[40], occ[40], rec[240];
        mt_time(json_integer_value(json_object_get(w, "start")), tz, false, s, sizeof s);
        mt_time(json_integer_value(json_object_get(w, "end")), tz, false, e, sizeof e);
        if (*mt_str(w, "rrule"))
            mt_time(json_integer_value(json_object_get(w, "occurrence")), tz, true, occ, sizeof occ);
        else
            snprintf(occ, sizeof occ, "-");
        mt_recurrence(w, fr, rec, sizeof rec);
        const char *svc = mt_str(w, "service");
        printf("%-5lld %-22s %-20s %-20s %-12s %-36s %s (%s)\n", (long long)json_integer_value(json_object_get(w, "id")),
               occ, s, e, *svc ? svc : "(site)", rec, mt_str(w, "reason"), mt_str(w, "who"));
    }
    if (json_is_true(json_object_get(j, "truncated")))
        printf("(a series has more occurrences in the period than one listing gives: ask a shorter period)\n");
    json_decref(j);
    return 0;
}

static int mt_add(const cli_opts *o, const mt_args *a)
{
    if (!a->site || !a->start || !a->end || !a->reason)
        return cli_bad("maintenance add needs --site, --start, --end and --reason", NULL);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "site", a->site, "start", a->start, "end", a->end, "reason", a->reason);
    if (a->service)
        json_object_set_new(body, "service", json_string(a->service));
    if (a->rrule)
        json_object_set_new(body, "rrule", json_string(a->rrule));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    json_t *j = cli_call(o, "POST", "/api/v1/maintenance", text, NULL);
    free(text);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    const char *tz = mt_str(j, "tz");
    char s[40], e[40];
    mt_time(json_integer_value(json_object_get(j, "start")), tz, false, s, sizeof s);
    mt_time(json_integer_value(json_object_get(j, "end")), tz, false, e, sizeof e);
    printf("maintenance window %lld: %s%s%s from %s to %s (%s)", (long long)json_integer_value(json_object_get(j, "id")),
           a->site, a->service ? "/" : "", a->service ? a->service : "", s, e, a->reason);
    if (*mt_str(j, "rrule"))
        printf(", repeating %s (%s)", mt_str(json_object_get(j, "recurrence"), cli_lang_fr(a->lang) ? "fr" : "en"),
               mt_str(j, "rrule"));
    printf("\n");
    json_decref(j);
    return 0;
}

/* A window id, checked. */
static int mt_id(const char *s, long long *id)
{
    char *end;
    *id = strtoll(s, &end, 10);
    return *s && !*end && *id > 0 ? 0 : cli_bad("not a window id", s);
}

/* move ID OCC [--start] [--end] [--reason] | cancel ID OCC | delete ID */
static int mt_change(const cli_opts *o, const char *sub, const mt_args *a, int npos, char **pos)
{
    bool del = strcmp(sub, "delete") == 0, move = strcmp(sub, "move") == 0;
    long long id;
    if (npos != (del ? 1 : 2))
        return cli_bad(del ? "maintenance delete takes one window id" : "this takes a series id and an occurrence", sub);
    if (mt_id(pos[0], &id))
        return 2;
    if (!move && (a->start || a->end || a->reason))
        return cli_bad("--start, --end and --reason go with 'maintenance move'", NULL);
    if (move && !a->start && !a->end && !a->reason)
        return cli_bad("maintenance move needs --start, --end or --reason", NULL);
    char path[200], *text = NULL;
    if (del)
        snprintf(path, sizeof path, "/api/v1/maintenance/%lld", id);
    else {
        char *occ = curl_easy_escape(NULL, pos[1], 0);
        snprintf(path, sizeof path, "/api/v1/maintenance/%lld/occurrences/%s", id, occ ? occ : "");
        curl_free(occ);
    }
    if (move) {
        json_t *body = json_object();
        if (a->start)
            json_object_set_new(body, "start", json_string(a->start));
        if (a->end)
            json_object_set_new(body, "end", json_string(a->end));
        if (a->reason)
            json_object_set_new(body, "reason", json_string(a->reason));
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
    }
    json_t *j = cli_call(o, move ? "PUT" : "DELETE", path, text, NULL);
    free(text);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    if (del)
        printf("maintenance window %lld deleted\n", id);
    else if (!move)
        printf("maintenance window %lld: occurrence %s cancelled\n", id, pos[1]);
    else {
        char s[40], e[40];
        mt_time(json_integer_value(json_object_get(j, "start")), mt_str(j, "tz"), false, s, sizeof s);
        mt_time(json_integer_value(json_object_get(j, "end")), mt_str(j, "tz"), false, e, sizeof e);
        printf("maintenance window %lld: occurrence %s now from %s to %s (%s)\n", id, pos[1], s, e, mt_str(j, "reason"));
    }
    json_decref(j);
    return 0;
}

/* The usage of one subcommand, or (sub NULL) of them all. */
void cli_maintenance_usage(FILE *f, const char *sub)
{
    static const char *const lines[][2] = {
        {"list", "vigie maintenance list [--site S] [--month YYYY-MM | --from DATE --to DATE] [--lang fr|en] [--json]"},
        {"add", "vigie maintenance add --site S [--service NAME] --start DATE --end DATE --reason TEXT [--rrule RULE]"},
        {"move", "vigie maintenance move ID OCC [--start DATE] [--end DATE] [--reason TEXT] [--json]"},
        {"cancel", "vigie maintenance cancel ID OCC [--json]"},
        {"delete", "vigie maintenance delete ID [--json]"}};
    bool first = true;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!sub || strcmp(sub, lines[i][0]) == 0) {
            fprintf(f, "%s%s\n", first ? "Usage: " : "       ", lines[i][1]);
            first = false;
        }
    fprintf(f, "Maintenance windows and recurring series, in the site's time zone: time inside one is not\n"
               "counted against the site's availability. DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM in the site's\n"
               "zone, or Unix seconds.\n\n");
    if (!sub || !strcmp(sub, "list"))
        fprintf(f, "list: the windows and the occurrences of series of a month (default this one) or a period.\n"
                   "  --site S, --month M, --from DATE, --to DATE, --lang fr|en (the recurrence in words), --json\n");
    if (!sub || !strcmp(sub, "add"))
        fprintf(f, "add: a window, or with --rrule a series (RFC 5545: FREQ=MONTHLY;BYDAY=1TU), its DATEs the\n"
                   "first occurrence's; --service NAME: one service of the site, not the whole site.\n"
                   "  --site S, --service NAME, --start DATE, --end DATE, --reason TEXT, --rrule RULE, --lang fr|en,\n"
                   "  --json\n");
    if (!sub || !strcmp(sub, "move") || !strcmp(sub, "cancel"))
        fprintf(f, "move, cancel: one occurrence of series ID; OCC is its start as the rule gives it (the\n"
                   "OCCURRENCE column of the list); move takes a new --start, --end or --reason.\n");
    if (!sub || !strcmp(sub, "delete"))
        fprintf(f, "delete: a window, or a whole series with its moved and cancelled occurrences.\n");
    fprintf(f, "\nExamples:\n");
    if (!sub || !strcmp(sub, "list"))
        fprintf(f, "  vigie maintenance list --site italie --month 2026-12\n");
    if (!sub || !strcmp(sub, "add"))
        fprintf(f, "  vigie maintenance add --site italie --service cooling --start 2026-12-08T09:00 \\\n"
                   "        --end 2026-12-08T11:00 --reason \"filter change\" --rrule 'FREQ=MONTHLY;BYDAY=2TU'\n");
    if (!sub || !strcmp(sub, "move"))
        fprintf(f, "  vigie maintenance move 4 2026-12-08T09:00+01:00 --start 2026-12-09T09:00\n");
    if (sub && !strcmp(sub, "cancel"))
        fprintf(f, "  vigie maintenance cancel 4 2026-12-08T09:00+01:00\n");
    if (sub && !strcmp(sub, "delete"))
        fprintf(f, "  vigie maintenance delete 4\n");
}

int cli_maintenance(const cli_opts *oin, int argc, char **argv)
{
    cli_opts o = *oin;
    if (argc < 1)
        return cli_bad("maintenance takes list, add, move, cancel or delete", NULL);
    const char *sub = argv[0];
    mt_args a = {0};
    int first = argc, rc = mt_parse(argc, argv, &o, &a, &first);
    if (rc)
        return rc;
    bool list = strcmp(sub, "list") == 0, add = strcmp(sub, "add") == 0;
    if (!list && !add && strcmp(sub, "move") && strcmp(sub, "cancel") && strcmp(sub, "delete"))
        return cli_bad("maintenance takes list, add, move, cancel or delete, not", sub);
    if ((list || add) && first < argc)
        return cli_bad("unexpected argument", argv[first]);
    if (!add && (a.service || a.rrule || (list && (a.start || a.end || a.reason))))
        return cli_bad("--service, --start, --end, --reason and --rrule go with 'maintenance add'", NULL);
    if (!list && (a.month || a.from || a.to || (!add && a.site)))
        return cli_bad("--site, --month, --from and --to go with 'maintenance list'", NULL);
    if (list)
        return mt_list(&o, &a);
    if (add)
        return mt_add(&o, &a);
    return mt_change(&o, sub, &a, argc - first, argv + first);
}
