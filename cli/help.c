/* vigie help, and --help / -h on every command: one table names each command and subcommand, the
 * function printing its usage (in the command's own file) and its options, so that `vigie CMD --help`,
 * `vigie help CMD` and the bash completion (`vigie complete commands|options`) all read the same
 * list. Help never touches the network: it is answered before the command looks at its arguments.
 * A new command gets its lines here: tests/integration/cli_help.sh reads cli.c's dispatch and fails
 * for a command without help. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

/* opts: the options of a command, separated by spaces; "=" after a name: it takes a value, and what
 * follows says which, for the completion: site, device, contract, nro, file, a list "fr|en", or nothing
 * (free text). */
typedef struct {
    const char *cmd, *sub; /* sub NULL: the command itself */
    void (*usage)(FILE *f, const char *sub);
    const char *opts;
    bool hidden; /* not offered by the completion (complete) */
} cli_help_entry;

#define CLI_PERIOD "--site=site --month= --from= --to="
#define CLI_LANG "--lang=fr|en"

static const cli_help_entry cli_help_table[] = {
    {"status", NULL, cli_status_usage, "--json -v --verbose " CLI_LANG, false},
    {"availability", NULL, cli_availability_usage, CLI_PERIOD " --json", false},
    {"events", NULL, cli_events_usage, CLI_PERIOD " --json", false},
    {"maintenance", NULL, cli_maintenance_usage, "", false},
    {"maintenance", "list", cli_maintenance_usage, CLI_PERIOD " " CLI_LANG " --json", false},
    {"maintenance", "add", cli_maintenance_usage,
     "--site=site --service= --start= --end= --reason= --rrule= " CLI_LANG " --json", false},
    {"maintenance", "move", cli_maintenance_usage, "--start= --end= --reason= --json", false},
    {"maintenance", "cancel", cli_maintenance_usage, "--json", false},
    {"maintenance", "delete", cli_maintenance_usage, "--json", false},
    {"report", NULL, cli_report_usage,
     "--month= --previous-month --site=site --contract=contract --format=pdf|html|csv|json " CLI_LANG
     " -o=file --output=file --send --json", false},
    {"alerts", NULL, cli_alerts_usage,
     "--site=site --state=firing|acknowledged|resolved --severity=warning|critical --json", false},
    {"ack", NULL, cli_ack_usage, "-m= --message=", false},
    {"silence", NULL, cli_silence_usage, "--site=site --device=device --duration= --reason=", false},
    {"silence", "list", cli_silence_usage, "--json", false},
    {"silence", "delete", cli_silence_usage, "", false},
    {"test-notify", NULL, cli_test_notify_usage, "", false},
    {"selftests", NULL, cli_selftests_usage, CLI_PERIOD " " CLI_LANG " --json", false},
    {"sites", NULL, cli_sites_usage,
     "--kind=public|datacenter|nro|pop|core --down --commune= --category=school|town_hall|police|traffic|camera|other"
     " --contract=contract --nro=nro --json " CLI_LANG, false},
    {"incidents", NULL, cli_incidents_usage, "--contract=contract --month= --site=site --json " CLI_LANG, false},
    {"token", NULL, cli_token_usage, "", false},
    {"token", "add", cli_token_usage, "--name= --role=read|operator|admin --scope= --expires= --json", false},
    {"token", "list", cli_token_usage, "--json " CLI_LANG, false},
    {"token", "revoke", cli_token_usage, "--json", false},
    {"whoami", NULL, cli_whoami_usage, "", false},
    {"audit", NULL, cli_audit_usage,
     "--since= --until= --who= --action= --limit= --detail --verify --head= --json " CLI_LANG, false},
    {"login-link", NULL, cli_login_link_usage, "", false},
    {"oncall", NULL, cli_oncall_usage, "--at= --json " CLI_LANG, false},
    {"oncall", "override", cli_oncall_usage, "--rotation= --who= --from= --to= --reason= --json", false},
    {"oncall", "overrides", cli_oncall_usage, "--rotation= --json " CLI_LANG, false},
    {"oncall", "delete", cli_oncall_usage, "--json", false},
    {"oncall", "ics", cli_oncall_usage, "--rotation= -o=file --output=file", false},
    {"help", NULL, cli_help_usage, "", false},
    {"complete", NULL, cli_complete_usage, "--site=site --kind=public|datacenter|nro|pop|core", true},
};

#define CLI_HELP_N (sizeof cli_help_table / sizeof cli_help_table[0])

/* The options every command shares, before its name (cli.c's). */
static const char cli_help_global[] =
    "-s= --server= -t= --token= -c=file --config=file --cacert=file --json -v --verbose -h --help -V --version";

static const cli_help_entry *cli_help_find(const char *cmd, const char *sub)
{
    for (size_t i = 0; i < CLI_HELP_N; i++) {
        const cli_help_entry *e = &cli_help_table[i];
        if (strcmp(e->cmd, cmd) == 0 && (sub ? e->sub && strcmp(e->sub, sub) == 0 : !e->sub))
            return e;
    }
    return NULL;
}

/* Whether option arg ("--site", never "--site=x") takes a value by opts. */
static bool cli_help_takes_value(const char *opts, const char *arg)
{
    size_t n = strlen(arg);
    for (const char *p = opts; n && (p = strstr(p, arg)); p += n)
        if ((p == opts || p[-1] == ' ') && p[n] == '=')
            return true;
    return false;
}

static bool cli_help_flag(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

int cli_help_maybe(int argc, char **argv)
{
    const cli_help_entry *e = argc > 0 ? cli_help_find(argv[0], NULL) : NULL;
    if (!e)
        return -1;
    const cli_help_entry *s = argc > 1 ? cli_help_find(argv[0], argv[1]) : NULL;
    int i = s ? 2 : 1;
    if (s)
        e = s;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (cli_help_flag(argv[i])) {
            e->usage(stdout, e->sub);
            return 0;
        }
        if (!strchr(argv[i], '=') && cli_help_takes_value(e->opts, argv[i]))
            i++; /* "--reason -h" is a reason */
    }
    return -1;
}

void cli_help_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie help [COMMAND [SUBCOMMAND]]\n"
               "What a command does, its options and examples: the same text as 'vigie COMMAND --help'.\n"
               "Without a command, the general help (vigie --help). Nothing is asked of the server.\n\n"
               "Examples:\n"
               "  vigie help availability\n"
               "  vigie help maintenance add\n");
}

int cli_help(int argc, char **argv)
{
    if (argc == 0) {
        cli_usage(stdout);
        return 0;
    }
    if (argc > 2)
        return cli_bad("help takes a command and perhaps its subcommand", argv[2]);
    if (!cli_help_find(argv[0], NULL))
        return cli_bad("help: no such command", argv[0]);
    const cli_help_entry *e = cli_help_find(argv[0], argc == 2 ? argv[1] : NULL);
    if (!e) {
        fprintf(stderr, "vigie: help: %s has no subcommand %s\nTry 'vigie help %s'.\n", argv[0], argv[1], argv[0]);
        return 2;
    }
    e->usage(stdout, e->sub);
    return 0;
}

/* One word a line: the commands, or a command's subcommands (the completion's). */
static int cli_help_words(const char *cmd)
{
    for (size_t i = 0; i < CLI_HELP_N; i++) {
        const cli_help_entry *e = &cli_help_table[i];
        if (!e->hidden && (cmd ? e->sub && strcmp(e->cmd, cmd) == 0 : !e->sub))
            printf("%s\n", cmd ? e->sub : e->cmd);
    }
    return 0;
}

/* One option a line as the table has it ("--site=site"); without a command, the global ones. */
static int cli_help_opts(const char *cmd, const char *sub)
{
    const cli_help_entry *e = cmd ? cli_help_find(cmd, sub) : NULL;
    if (cmd && !e && sub) /* "silence --site": the options of silence itself */
        e = cli_help_find(cmd, NULL);
    if (cmd && !e)
        return 0;
    const char *p = e ? e->opts : cli_help_global;
    while (*p) {
        size_t n = strcspn(p, " ");
        if (n)
            printf("%.*s\n", (int)n, p);
        p += n + strspn(p + n, " ");
    }
    return 0;
}

int cli_help_complete(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "commands") == 0)
        return argc <= 2 ? cli_help_words(argc == 2 ? argv[1] : NULL) : 0;
    if (argc >= 1 && strcmp(argv[0], "options") == 0)
        return argc <= 3 ? cli_help_opts(argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL) : 0;
    return -1;
}
