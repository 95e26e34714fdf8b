/* vigie alerts | ack | silence | test-notify: the on-call side of the command line. */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The value of option `name` at argv[*i] ("--site S" or "--site=S"), advancing *i; NULL if not it. */
static const char *ca_opt(int argc, char **argv, int *i, const char *name, const char *alias, bool *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, name) != 0 && !(alias && strcmp(a, alias) == 0))
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static void ca_q(char *q, size_t size, const char *key, const char *val)
{
    if (!val)
        return;
    char *e = curl_easy_escape(NULL, val, 0);
    size_t len = strlen(q);
    snprintf(q + len, size - len, "%c%s=%s", strchr(q, '?') ? '&' : '?', key, e ? e : "");
    curl_free(e);
}

void cli_alerts_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie alerts [--site S] [--state firing|acknowledged|resolved] [--severity warning|critical]\n"
               "                    [--json]\n"
               "The on-call alerts, with their state, severity, site, since when and what fired; an alert held\n"
               "behind another (its NRO down) says so, an acknowledged one by whom.\n\n"
               "  --site S        one site's\n"
               "  --state S       firing, acknowledged or resolved\n"
               "  --severity S    warning or critical\n"
               "  --json          the server's JSON\n\n"
               "Examples:\n"
               "  vigie alerts --state firing\n"
               "  vigie alerts --site italie --severity critical\n");
}

void cli_ack_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie ack ID [-m COMMENT]\n"
               "Acknowledge alert ID (see 'vigie alerts'): its repeats and escalation stop; it resolves on its\n"
               "own when the condition clears. An operator token.\n\n"
               "  -m, --message COMMENT   why, or who is on it (shown in 'vigie alerts')\n\n"
               "Examples:\n"
               "  vigie ack 42 -m \"on site, UPS bypass\"\n");
}

void cli_silence_usage(FILE *f, const char *sub)
{
    bool all = !sub;
    fprintf(f, "Usage: ");
    if (all)
        fprintf(f, "vigie silence --site S [--device D] --duration 2h --reason TEXT\n       ");
    if (all || !strcmp(sub, "list"))
        fprintf(f, "vigie silence list [--json]\n%s", all ? "       " : "");
    if (all || !strcmp(sub, "delete"))
        fprintf(f, "vigie silence delete ID\n");
    fprintf(f, "Silences stop the notifications of a site (or one of its devices) for a while; the alerts are\n"
               "still recorded. An operator token to add or delete.\n\n");
    if (all)
        fprintf(f, "  --site S        the site\n"
                   "  --device D      only this device of the site\n"
                   "  --duration T    how long: 30m, 2h, 1d (at most 31 days)\n"
                   "  --reason TEXT   why (shown in the list)\n");
    if (all || !strcmp(sub, "list"))
        fprintf(f, "list: the silences in force, with their id%s\n", all ? "; --json: the server's JSON" : "");
    if (sub && !strcmp(sub, "list"))
        fprintf(f, "  --json          the server's JSON\n");
    if (all || !strcmp(sub, "delete"))
        fprintf(f, "delete: ends silence ID now\n");
    fprintf(f, "\nExamples:\n");
    if (all)
        fprintf(f, "  vigie silence --site nro-doullens --duration 2h --reason \"fibre works\"\n");
    if (all || !strcmp(sub, "list"))
        fprintf(f, "  vigie silence list\n");
    if (all || !strcmp(sub, "delete"))
        fprintf(f, "  vigie silence delete 7\n");
}

void cli_test_notify_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie test-notify CONTACT\n"
               "Send a test notification to CONTACT, a contact of server.yaml's alerting.contacts, through\n"
               "each of its channels (mail, webhook...): the server sends them within seconds. An admin token.\n\n"
               "Examples:\n"
               "  vigie test-notify astreinte\n");
}

int cli_alerts(const cli_opts *opts, int argc, char **argv)
{
    cli_opts o = *opts;
    const char *site = NULL, *state = NULL, *sev = NULL, *v;
    for (int i = 0; i < argc; i++) {
        bool missing = false;
        if ((v = ca_opt(argc, argv, &i, "--site", NULL, &missing)))
            site = v;
        else if ((v = ca_opt(argc, argv, &i, "--state", NULL, &missing)))
            state = v;
        else if ((v = ca_opt(argc, argv, &i, "--severity", NULL, &missing)))
            sev = v;
        else if (!missing && strcmp(argv[i], "--json") == 0)
            o.json = true;
        else
            return cli_bad(missing ? "option needs a value" : "unexpected argument", argv[i]);
    }
    char q[600] = "/api/v1/alerts";
    ca_q(q, sizeof q, "site", site);
    ca_q(q, sizeof q, "state", state);
    ca_q(q, sizeof q, "severity", sev);
    json_t *j = cli_call(&o, "GET", q, NULL, NULL);
    if (!j)
        return 1;
    if (o.json) {
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
        return 0;
    }
    json_t *arr = json_object_get(j, "alerts"), *a;
    size_t i;
    if (json_array_size(arr) == 0)
        printf("no alert\n");
    else
        printf("%-6s %-13s %-9s %-12s %-20s %s\n", "ID", "STATE", "SEVERITY", "SITE", "SINCE", "WHAT");
    json_array_foreach(arr, i, a) {
        char since[64];
        cli_time(json_integer_value(json_object_get(a, "fired")), since, sizeof since);
        const char *held = json_string_value(json_object_get(a, "held"));
        printf("%-6lld %-13s %-9s %-12s %-20s %s", (long long)json_integer_value(json_object_get(a, "id")),
               json_string_value(json_object_get(a, "state")), json_string_value(json_object_get(a, "severity")),
               json_string_value(json_object_get(a, "site")), since, json_string_value(json_object_get(a, "summary")));
        if (held)
            printf(" [held: %s]", held);
        const char *by = json_string_value(json_object_get(a, "ack_by"));
        if (by) {
            const char *c = json_string_value(json_object_get(a, "ack_comment"));
            printf(" [ack by %s%s%s]", by, c && *c ? ": " : "", c ? c : "");
        }
        putchar('\n');
    }
    json_decref(j);
    return 0;
}

int cli_ack(const cli_opts *opts, int argc, char **argv)
{
    const char *id = NULL, *comment = NULL, *v;
    for (int i = 0; i < argc; i++) {
        bool missing = false;
        if ((v = ca_opt(argc, argv, &i, "--message", "-m", &missing)))
            comment = v;
        else if (!missing && argv[i][0] != '-' && !id)
            id = argv[i];
        else
            return cli_bad(missing ? "option needs a value" : "unexpected argument", argv[i]);
    }
    char *end;
    long long n = id ? strtoll(id, &end, 10) : 0;
    if (!id || *end || n <= 0)
        return cli_bad("ack takes an alert id (see 'vigie alerts')", id);
    json_t *b = json_pack("{s:s}", "comment", comment ? comment : "");
    char *body = json_dumps(b, JSON_COMPACT), path[64];
    json_decref(b);
    snprintf(path, sizeof path, "/api/v1/alerts/%lld/ack", n);
    json_t *j = cli_call(opts, "POST", path, body, NULL);
    free(body);
    if (!j)
        return 1;
    printf("alert %lld acknowledged by %s\n", n, json_string_value(json_object_get(j, "ack_by")));
    json_decref(j);
    return 0;
}

int cli_silence(const cli_opts *opts, int argc, char **argv)
{
    cli_opts o = *opts;
    if (argc >= 1 && strcmp(argv[0], "list") == 0) {
        json_t *j = cli_call(&o, "GET", "/api/v1/silences", NULL, NULL);
        if (!j)
            return 1;
        if (o.json || (argc > 1 && strcmp(argv[1], "--json") == 0)) {
            json_dumpf(j, stdout, JSON_INDENT(2));
            putchar('\n');
        } else {
            json_t *arr = json_object_get(j, "silences"), *s;
            size_t i;
            if (json_array_size(arr) == 0)
                printf("no silence\n");
            json_array_foreach(arr, i, s) {
                char from[64], to[64];
                cli_time(json_integer_value(json_object_get(s, "start")), from, sizeof from);
                cli_time(json_integer_value(json_object_get(s, "end")), to, sizeof to);
                const char *dev = json_string_value(json_object_get(s, "device"));
                printf("%-5lld %s%s%s  %s -> %s  by %s: %s\n", (long long)json_integer_value(json_object_get(s, "id")),
                       json_string_value(json_object_get(s, "site")), dev && *dev ? "/" : "", dev ? dev : "", from, to,
                       json_string_value(json_object_get(s, "who")), json_string_value(json_object_get(s, "reason")));
            }
        }
        json_decref(j);
        return 0;
    }
    if (argc >= 1 && strcmp(argv[0], "delete") == 0) {
        char *end;
        long long n = argc == 2 ? strtoll(argv[1], &end, 10) : 0;
        if (argc != 2 || *end || n <= 0)
            return cli_bad("silence delete takes one silence id", NULL);
        char path[64];
        snprintf(path, sizeof path, "/api/v1/silences/%lld", n);
        json_t *j = cli_call(&o, "DELETE", path, NULL, NULL);
        if (!j)
            return 1;
        printf("silence %lld deleted\n", n);
        json_decref(j);
        return 0;
    }
    const char *site = NULL, *device = NULL, *duration = NULL, *reason = NULL, *v;
    for (int i = 0; i < argc; i++) {
        bool missing = false;
        if ((v = ca_opt(argc, argv, &i, "--site", NULL, &missing)))
            site = v;
        else if ((v = ca_opt(argc, argv, &i, "--device", NULL, &missing)))
            device = v;
        else if ((v = ca_opt(argc, argv, &i, "--duration", NULL, &missing)))
            duration = v;
        else if ((v = ca_opt(argc, argv, &i, "--reason", NULL, &missing)))
            reason = v;
        else
            return cli_bad(missing ? "option needs a value" : "unexpected argument", argv[i]);
    }
    if (!site || !duration || !reason)
        return cli_bad("silence needs --site S --duration 2h --reason TEXT (and optionally --device D)", NULL);
    json_t *b = json_pack("{s:s, s:s, s:s}", "site", site, "duration", duration, "reason", reason);
    if (device)
        json_object_set_new(b, "device", json_string(device));
    char *body = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    json_t *j = cli_call(&o, "POST", "/api/v1/silences", body, NULL);
    free(body);
    if (!j)
        return 1;
    char to[64];
    cli_time(json_integer_value(json_object_get(j, "end")), to, sizeof to);
    printf("silence %lld on %s%s%s until %s\n", (long long)json_integer_value(json_object_get(j, "id")), site,
           device ? "/" : "", device ? device : "", to);
    json_decref(j);
    return 0;
}

int cli_test_notify(const cli_opts *opts, int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return cli_bad("test-notify takes one contact name (alerting.contacts in server.yaml)", NULL);
    json_t *b = json_pack("{s:s}", "contact", argv[0]);
    char *body = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    json_t *j = cli_call(opts, "POST", "/api/v1/test-notify", body, NULL);
    free(body);
    if (!j)
        return 1;
    printf("%lld test notification(s) queued for %s: the server sends them within seconds\n",
           (long long)json_integer_value(json_object_get(j, "queued")), argv[0]);
    json_decref(j);
    return 0;
}
