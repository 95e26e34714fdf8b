/* vigie login-link: a one-time address that opens the dashboard as the token in use, for a browser
 * where that token should not be typed (auth/auth_link.h). The secret is after '#' in the address, so
 * that it never reaches a server's log; the link works once, within 10 minutes. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_login_link_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie login-link\n"
               "A one-time address that opens the dashboard as the token in use, for a browser where that\n"
               "token should not be typed: it works once, within 10 minutes, and its secret (after '#') never\n"
               "reaches a server's log. The global --json prints the server's JSON.\n\n"
               "Examples:\n"
               "  vigie login-link\n"
               "  VIGIE_TOKEN=$(cat ~/.vigie-token) vigie -s https://vigie.example.org login-link\n");
}

int cli_login_link(const cli_opts *o, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return cli_bad("login-link takes no argument", argv[0]);
    json_t *j = cli_call(o, "POST", "/api/v1/login-links", "{}", NULL);
    if (!j)
        return 1;
    if (o->json)
        return cli_print_json(j);
    const char *url = json_string_value(json_object_get(j, "url"));
    char until[64];
    cli_time((long long)json_integer_value(json_object_get(j, "expires")), until, sizeof until);
    printf("%s\n", url ? url : "");
    bool fr = cli_lang_fr(NULL);
    fprintf(stderr, fr ? "vigie : ce lien ouvre le tableau de bord en tant que %s, une seule fois, jusqu'à %s.\n"
                       : "vigie: this link opens the dashboard as %s, once, until %s.\n",
            json_string_value(json_object_get(j, "name")), until);
    json_decref(j);
    return 0;
}
