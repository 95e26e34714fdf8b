/* vigie complete: what the bash completion (completions/vigie) asks, one word a line. The commands
 * and options come from help.c's table, without the network; site, device and contract names from
 * the server (the user's VIGIE_SERVER, VIGIE_TOKEN, --server...), through the API the other commands
 * use, with a short timeout: a completion must never hang, so on any error it prints nothing. */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "names.h"

#define CCO_MAX_REPLY (16u * 1024 * 1024) /* 1,200 public sites are a few hundred kB */
#define CCO_MAX_NAMES 20000
#define CCO_TIMEOUT_MS 2000L

typedef struct {
    const char *seen[CCO_MAX_NAMES];
    size_t n;
} cco_names;

static size_t cco_on_data(char *p, size_t size, size_t n, void *ctx)
{
    return cli_buf_append(ctx, p, size * n, CCO_MAX_REPLY);
}

/* GET path quietly: the JSON of a 2xx, else NULL and nothing said. */
static json_t *cco_get(const cli_opts *o, const char *path)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    char url[1300], auth[SERVER_SECRET_MAX + 32];
    snprintf(url, sizeof url, "%s%s", o->server, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
    struct curl_slist *h = o->token[0] ? curl_slist_append(NULL, auth) : NULL;
    cli_buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    cli_curl_tls(c, o);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cco_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CCO_TIMEOUT_MS / 2);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, CCO_TIMEOUT_MS);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    if (rc == CURLE_OK && status >= 200 && status < 300 && b.data) {
        json_error_t e;
        j = json_loadb(b.data, b.len, 0, &e);
    }
    free(b.data);
    return j;
}

/* Prints name once, when it is a name (never a word the shell could take for something else). */
static void cco_print(cco_names *seen, const char *name)
{
    if (!name || !name_is_valid(name) || seen->n >= CCO_MAX_NAMES)
        return;
    for (size_t i = 0; i < seen->n; i++)
        if (strcmp(seen->seen[i], name) == 0)
            return;
    seen->seen[seen->n++] = name;
    printf("%s\n", name);
}

/* Prints the `key` of each object of j's array `list`; the names stay in j, which the caller keeps. */
static void cco_list(cco_names *seen, json_t *j, const char *list, const char *key)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(j, list), i, x) cco_print(seen, json_string_value(json_object_get(x, key)));
}

static void cco_query(char *q, size_t size, const char *key, const char *val)
{
    char *e = curl_easy_escape(NULL, val, 0);
    size_t n = strlen(q);
    snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e ? e : "");
    curl_free(e);
}

/* sites [--kind K]: without a kind, every site (GET /api/v1/sites leaves the public ones out: they are
 * GET /api/v1/public-sites'); devices [--site S]; contracts (those of the public sites). */
static int cco_names_of(const cli_opts *o, const char *what, const char *site, const char *kind)
{
    static cco_names seen; /* static: 20,000 pointers are too many for a stack */
    seen.n = 0;
    char q[300];
    json_t *a = NULL, *b = NULL;
    if (strcmp(what, "sites") == 0) {
        snprintf(q, sizeof q, "/api/v1/sites");
        if (kind)
            cco_query(q, sizeof q, "kind", kind);
        if ((a = cco_get(o, q)))
            cco_list(&seen, a, "sites", "site");
        if (!kind && (b = cco_get(o, "/api/v1/public-sites")))
            cco_list(&seen, b, "sites", "id");
    } else if (strcmp(what, "devices") == 0) {
        snprintf(q, sizeof q, "/api/v1/devices");
        if (site)
            cco_query(q, sizeof q, "site", site);
        if ((a = cco_get(o, q)))
            cco_list(&seen, a, "devices", "device");
    } else if ((a = cco_get(o, "/api/v1/public-sites"))) {
        cco_list(&seen, a, "sites", "contract");
    }
    fflush(stdout);
    json_decref(a);
    json_decref(b);
    return a || b ? 0 : 1;
}

void cli_complete_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie complete commands [COMMAND]\n"
               "       vigie complete options [COMMAND [SUBCOMMAND]]\n"
               "       vigie complete sites [--kind K] | devices [--site S] | contracts\n"
               "What the bash completion asks (completions/vigie), one word a line: the commands (or a\n"
               "command's subcommands), a command's options (\"--site=site\": it takes a site), or the\n"
               "names the server knows. Names are asked with a timeout of 2 s; on any error nothing is\n"
               "printed (exit 1), so that a completion never hangs nor prints an error.\n\n"
               "Examples:\n"
               "  vigie complete options maintenance add\n"
               "  vigie complete devices --site italie\n");
}

int cli_complete(const cli_opts *o, int argc, char **argv)
{
    int rc = cli_help_complete(argc, argv);
    if (rc >= 0)
        return rc;
    const char *what = argc ? argv[0] : "", *site = NULL, *kind = NULL;
    if (strcmp(what, "sites") && strcmp(what, "devices") && strcmp(what, "contracts"))
        return cli_bad("complete takes commands, options, sites, devices or contracts", argc ? argv[0] : NULL);
    for (int i = 1; i < argc; i++) {
        bool has = i + 1 < argc;
        if (has && strcmp(argv[i], "--site") == 0 && strcmp(what, "devices") == 0)
            site = argv[++i];
        else if (has && strcmp(argv[i], "--kind") == 0 && strcmp(what, "sites") == 0)
            kind = argv[++i];
        else
            return cli_bad("complete: unexpected argument", argv[i]);
    }
    if ((site && !name_is_valid(site)) || (kind && strlen(kind) > 200))
        return 1; /* a half-typed word: nothing to complete */
    return cco_names_of(o, what, site, kind);
}
