/* vigie status: every device, reachable or not, the age of its data, its key values, and under it a
 * line that sums its table values up (GET /api/v1/status's summary, computed by the server:
 * server/http/status_summary.h), in French or English. */
#include "config.h"
#include "vocab_names.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    bool fr;
} cli_st;

#define TR(st, fr_text, en_text) ((st)->fr ? (fr_text) : (en_text))

bool cli_lang_fr(const char *lang)
{
    if (lang)
        return strncmp(lang, "fr", 2) == 0;
    /* POSIX's order: LC_ALL, then LC_MESSAGES, then LANG; the first one set decides */
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strncmp(v, "fr", 2) == 0;
    }
    return false;
}

void cli_uptime(double seconds, bool fr, char *out, size_t size)
{
    if (!isfinite(seconds) || seconds < 0) {
        snprintf(out, size, "-");
        return;
    }
    long long t = (long long)seconds;
    if (t >= 86400)
        snprintf(out, size, "%lld %s %lld h", t / 86400, fr ? "j" : "d", t % 86400 / 3600);
    else if (t >= 3600)
        snprintf(out, size, "%lld h %02lld min", t / 3600, t % 3600 / 60);
    else
        snprintf(out, size, "%lld min", t / 60);
}

/* A number with its decimals, a decimal comma in French. */
static void cli_num(const cli_st *st, double v, int decimals, char *out, size_t size)
{
    snprintf(out, size, "%.*f", decimals, fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v);
    if (st->fr)
        for (char *p = out; *p; p++)
            if (*p == '.')
                *p = ',';
}

static void cli_age(long long s, char *out, size_t size)
{
    if (s < 120)
        snprintf(out, size, "%llds", s);
    else if (s < 7200)
        snprintf(out, size, "%lldm", s / 60);
    else if (s < 172800)
        snprintf(out, size, "%lldh", s / 3600);
    else
        snprintf(out, size, "%lldd", s / 86400);
}

static bool cli_unit_shown(const char *unit)
{
    return unit && *unit && strcmp(unit, "bool") && strcmp(unit, "count") && strcmp(unit, "state");
}

static void cli_value(const cli_st *st, json_t *m, char *out, size_t size)
{
    const char *name = json_string_value(json_object_get(m, "name"));
    const char *text = json_string_value(json_object_get(m, "text"));
    const char *unit = json_string_value(json_object_get(m, "unit"));
    double v = json_number_value(json_object_get(m, "value"));
    if (text && *text)
        snprintf(out, size, "%s", text);
    else if (name && strcmp(name, VOCAB_DEVICE_UPTIME) == 0)
        cli_uptime(v, st->fr, out, size);
    else
        snprintf(out, size, fabs(v) < 1e15 && v == (double)(long long)v ? "%.0f%s%s" : "%.4g%s%s", v,
                 cli_unit_shown(unit) ? " " : "", cli_unit_shown(unit) ? unit : "");
}

/* Characters of a UTF-8 text: "ÉTAT" is 4 wide, not 5 bytes. */
static int cli_width(const char *s)
{
    int n = 0;
    for (const char *p = s ? s : ""; *p; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    return n;
}

/* s padded to width characters, on the left (cli_col) or the right (cli_rcol) of its column */
static void cli_col(const char *s, int width)
{
    int n = cli_width(s);
    printf("%s%*s", s ? s : "", width > n ? width - n : 0, "");
}

static void cli_rcol(const char *s, int width)
{
    int n = cli_width(s);
    printf("%*s%s", width > n ? width - n : 0, "", s ? s : "");
}

/* ---- the summary line ---------------------------------------------------------------------- */

typedef struct {
    char text[1024];
    size_t len;
} cli_line;

static void cli_part(cli_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cli_part(cli_line *l, const char *fmt, ...)
{
    if (l->len >= sizeof l->text - 1)
        return;
    if (l->len)
        l->len += (size_t)snprintf(l->text + l->len, sizeof l->text - l->len, ", ");
    if (l->len >= sizeof l->text - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->text + l->len, sizeof l->text - l->len, fmt, ap);
    va_end(ap);
    l->len = n < 0 ? l->len : l->len + (size_t)n >= sizeof l->text ? sizeof l->text - 1 : l->len + (size_t)n;
}

static long long cli_int(json_t *o, const char *key) { return (long long)json_integer_value(json_object_get(o, key)); }

/* "6.5 A (sum of 3 phases)", "1.52 kW": a total, with_how: and what it was made of. */
static void cli_total(const cli_st *st, cli_line *l, json_t *t, const char *what, bool with_how)
{
    if (!t)
        return;
    double v = json_number_value(json_object_get(t, "value"));
    const char *unit = json_string_value(json_object_get(t, "unit"));
    const char *over = json_string_value(json_object_get(t, "over"));
    long long n = cli_int(t, "count");
    char num[48], how[96];
    bool kilo = unit && (strcmp(unit, "W") == 0 || strcmp(unit, "VA") == 0) && fabs(v) >= 1000;
    cli_num(st, kilo ? v / 1000 : v, kilo ? 2 : unit && strcmp(unit, "A") == 0 ? 1 : 0, num, sizeof num);
    if (over && strcmp(over, "total") == 0)
        snprintf(how, sizeof how, "%s", TR(st, "total de l’équipement", "device total"));
    else if (over && strcmp(over, "phases") == 0)
        snprintf(how, sizeof how, n == 1 ? "%lld phase" : TR(st, "somme de %lld phases", "sum of %lld phases"), n);
    else
        snprintf(how, sizeof how, n == 1 ? TR(st, "%lld entrée", "%lld inlet") : TR(st, "somme de %lld entrées", "sum of %lld inlets"), n);
    if (with_how)
        cli_part(l, "%s %s %s%s (%s)", what, num, kilo ? "k" : "", unit ? unit : "", how);
    else
        cli_part(l, "%s %s %s%s", what, num, kilo ? "k" : "", unit ? unit : "");
}

static void cli_outlets(const cli_st *st, cli_line *l, json_t *o)
{
    if (!o)
        return;
    long long on = cli_int(o, "on"), off = cli_int(o, "off"), other = cli_int(o, "other");
    char more[64] = "";
    if (other)
        snprintf(more, sizeof more, " / %lld %s", other, TR(st, other > 1 ? "autres" : "autre", "other"));
    cli_part(l, "%s %lld %s / %lld %s%s", TR(st, "prises", "outlets"), on, TR(st, on > 1 ? "allumées" : "allumée", "on"),
             off, TR(st, off > 1 ? "éteintes" : "éteinte", "off"), more);
}

static void cli_olt(const cli_st *st, cli_line *l, json_t *s)
{
    json_t *p = json_object_get(s, "pon_ports"), *o = json_object_get(s, "onts"), *rx = json_object_get(s, "ont_rx_worst");
    if (p) {
        long long other = cli_int(p, "other");
        char more[64] = "";
        if (other)
            snprintf(more, sizeof more, " (%lld %s)", other, TR(st, other > 1 ? "autres" : "autre", "other"));
        cli_part(l, "%s %lld/%lld %s%s", TR(st, "ports PON", "PON ports"), cli_int(p, "up"), cli_int(p, "total"),
                 TR(st, "actifs", "up"), more);
    }
    if (o && json_object_get(o, "known"))
        cli_part(l, "ONT%s %lld/%lld %s", TR(st, "", "s"), cli_int(o, "online"), cli_int(o, "known"), TR(st, "en ligne", "online"));
    else if (o)
        cli_part(l, "ONT%s %lld %s", TR(st, "", "s"), cli_int(o, "online"), TR(st, "en ligne", "online"));
    if (rx) {
        char num[48];
        cli_num(st, json_number_value(json_object_get(rx, "value")), 1, num, sizeof num);
        const char *label = json_string_value(json_object_get(rx, "label")); /* its PON port's name */
        cli_part(l, "%s %s %s (%s%s%s)", TR(st, "pire réception ONT", "worst ONT rx"), num,
                 json_string_value(json_object_get(rx, "unit")), label ? label : "", label ? ", " : "",
                 json_string_value(json_object_get(rx, "instance")));
    }
}

/* "state on" for one unit; "units 2 on, 1 standby" for several, by state in their order. */
static void cli_units(const cli_st *st, cli_line *l, json_t *units, long long total)
{
    size_t n = json_array_size(units);
    if (!n)
        return;
    if (total == 1) {
        cli_part(l, "%s %s", TR(st, "état", "state"), json_string_value(json_object_get(json_array_get(units, 0), "state")));
        return;
    }
    char buf[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = json_string_value(json_object_get(json_array_get(units, i), "state"));
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(w, json_string_value(json_object_get(json_array_get(units, k), "state"))) == 0;
        if (seen)
            continue;
        size_t count = 0;
        for (size_t k = i; k < n; k++)
            count += strcmp(w, json_string_value(json_object_get(json_array_get(units, k), "state"))) == 0;
        int r = snprintf(buf + len, sizeof buf - len, "%s%zu %s", len ? ", " : "", count, w);
        if (r < 0 || (size_t)r >= sizeof buf - len)
            break;
        len += (size_t)r;
    }
    cli_part(l, "%s %s%s", TR(st, "unités", "units"), buf, (size_t)total > n ? " ..." : "");
}

static void cli_cooling(const cli_st *st, cli_line *l, json_t *s)
{
    cli_units(st, l, json_object_get(s, "units"), cli_int(s, "units_total"));
    json_t *a = json_object_get(s, "alarms");
    if (!a)
        return;
    long long n = cli_int(a, "active");
    if (n == 0)
        cli_part(l, "%s", TR(st, "aucune alarme", "no alarm"));
    else
        cli_part(l, "%lld %s", n, n > 1 ? TR(st, "alarmes actives", "alarms active") : TR(st, "alarme active", "alarm active"));
}

/* The summary of a device in one line ("" when it has none). */
static void cli_summary(const cli_st *st, json_t *s, cli_line *l)
{
    l->len = 0;
    l->text[0] = '\0';
    cli_total(st, l, json_object_get(s, "current"), TR(st, "courant", "current"), true);
    cli_outlets(st, l, json_object_get(s, "outlets"));
    cli_total(st, l, json_object_get(s, "power"), TR(st, "puissance", "power"), false);
    cli_olt(st, l, s);
    cli_cooling(st, l, s);
    json_t *r = json_object_get(s, "runtime");
    if (r)
        cli_part(l, "%s %lld min", TR(st, "autonomie", "runtime"), cli_int(r, "minutes"));
    json_t *u = json_object_get(s, "uptime");
    if (u) {
        char up[64];
        cli_uptime((double)cli_int(u, "seconds"), st->fr, up, sizeof up);
        cli_part(l, "%s %s", TR(st, "en service depuis", "up"), up);
    }
}

/* ---- the table ----------------------------------------------------------------------------- */

static void cli_status_device(const cli_opts *o, const cli_st *st, json_t *d)
{
    json_t *reach = json_object_get(d, "reachable"), *summary = json_object_get(d, "summary");
    char age[16];
    cli_age((long long)json_integer_value(json_object_get(d, "age")), age, sizeof age);
    cli_col(json_string_value(json_object_get(d, "site")), 16);
    putchar(' ');
    cli_col(json_string_value(json_object_get(d, "device")), 16);
    putchar(' ');
    cli_col(!reach ? "?" : json_is_true(reach) ? TR(st, "joignable", "reachable") : TR(st, "INJOIGNABLE", "UNREACHABLE"), 12);
    putchar(' ');
    cli_rcol(age, 6);
    putchar(' ');
    size_t k, shown = 0;
    json_t *m;
    json_array_foreach(json_object_get(d, "metrics"), k, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        const char *inst = json_string_value(json_object_get(m, "instance"));
        if (!strcmp(name, VOCAB_DEVICE_REACHABLE))
            continue;
        /* without -v: no table row (the summary says what they add up to), no uptime twice, 6 at most */
        if (!o->verbose && ((inst && *inst) || shown >= 6 ||
                            (!strcmp(name, VOCAB_DEVICE_UPTIME) && json_object_get(summary, "uptime"))))
            continue;
        char v[96];
        cli_value(st, m, v, sizeof v);
        printf(" %s%s%s=%s", name, inst && *inst ? "@" : "", inst ? inst : "", v);
        shown++;
    }
    putchar('\n');
    cli_line l;
    cli_summary(st, summary, &l);
    if (l.len)
        printf("    %s\n", l.text);
}

/* Options after the command: --json, -v, --lang fr|en. 0, or 2 after saying what is wrong. */
static int cli_status_args(cli_opts *o, cli_st *st, int argc, char **argv)
{
    const char *lang = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            o->json = true;
        else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            o->verbose = true;
        else if (!strcmp(argv[i], "--lang") && i + 1 < argc)
            lang = argv[++i];
        else if (!strncmp(argv[i], "--lang=", 7))
            lang = argv[i] + 7;
        else
            return cli_bad(!strcmp(argv[i], "--lang") ? "--lang needs fr or en" : "unexpected argument", argv[i]);
    }
    if (lang && strcmp(lang, "fr") && strcmp(lang, "en"))
        return cli_bad("--lang must be fr or en", lang);
    st->fr = cli_lang_fr(lang);
    return 0;
}

void cli_status_usage(FILE *f, const char *sub)
{
    (void)sub;
    fprintf(f, "Usage: vigie status [--json] [-v] [--lang fr|en]\n"
               "Every device: reachable or not, the age of its data, its key values, and under it a line\n"
               "summing up its table values (PDU current and outlets, OLT PON ports and ONTs, cooling units,\n"
               "UPS runtime, uptime).\n\n"
               "  --json          the server's JSON\n"
               "  -v, --verbose   every value, table rows too\n"
               "  --lang fr|en    the table's language (default: that of $LANG)\n\n"
               "Examples:\n"
               "  vigie status\n"
               "  vigie status -v --lang fr\n");
}

int cli_status(const cli_opts *opts, int argc, char **argv)
{
    cli_opts o = *opts;
    cli_st st = {0};
    int rc = cli_status_args(&o, &st, argc, argv);
    if (rc)
        return rc;
    json_t *j = cli_call(&o, "GET", "/api/v1/status", NULL, NULL);
    if (!j)
        return 1;
    if (o.json)
        return cli_print_json(j);
    json_t *devs = json_object_get(j, "devices");
    cli_col(TR(&st, "SITE", "SITE"), 16);
    putchar(' ');
    cli_col(TR(&st, "ÉQUIPEMENT", "DEVICE"), 16);
    putchar(' ');
    cli_col(TR(&st, "ÉTAT", "STATE"), 12);
    putchar(' ');
    cli_rcol(TR(&st, "ÂGE", "AGE"), 6);
    printf("  %s\n", TR(&st, "VALEURS", "VALUES"));
    size_t i;
    json_t *d;
    json_array_foreach(devs, i, d)
        cli_status_device(&o, &st, d);
    printf(TR(&st, "%zu équipement(s).\n", "%zu device(s).\n"), json_array_size(devs));
    json_decref(j);
    return 0;
}
