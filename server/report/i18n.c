#include "config.h"
#include "report/i18n.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sla/recurrence.h"
#include "timeutil.h"

vg_code report_render_lang_parse(const char *s, report_lang *out)
{
    if (s && strcmp(s, "fr") == 0)
        *out = REPORT_LANG_FR;
    else if (s && strcmp(s, "en") == 0)
        *out = REPORT_LANG_EN;
    else
        return VG_E_INVALID;
    return VG_OK;
}

void report_render_number(report_lang l, double v, int decimals, char *out, size_t size)
{
    if (!isfinite(v)) {
        snprintf(out, size, "%s", TR(l, "n.d.", "n/a"));
        return;
    }
    if (fabs(v) < 0.5 * pow(10, -decimals))
        v = 0; /* no "-0,0" */
    snprintf(out, size, "%.*f", decimals, v);
    if (l == REPORT_LANG_FR)
        for (char *p = out; *p; p++)
            if (*p == '.')
                *p = ',';
}

void report_render_availability(report_lang l, double v, char *out, size_t size)
{
    if (!isfinite(v)) {
        report_render_number(l, v, 0, out, size);
        return;
    }
    /* truncated, not rounded: 99.98196 reads 99,9819, never 99,9820 against a 99,982 target */
    double t = floor(v * 1e4 + 1e-6) / 1e4;
    char n[48];
    report_render_number(l, t, 4, n, sizeof n);
    snprintf(out, size, "%s %%", n);
}

void report_render_target(report_lang l, double v, char *out, size_t size)
{
    int d = 0;
    while (d < 4 && fabs(round(v * pow(10, d)) / pow(10, d) - v) > 1e-9)
        d++;
    char n[48];
    report_render_number(l, v, d, n, sizeof n);
    snprintf(out, size, "%s %%", n);
}

void i18n_pct(report_lang l, double v, int decimals, char *out, size_t size)
{
    if (!isfinite(v)) {
        snprintf(out, size, "–");
        return;
    }
    char n[48];
    report_render_number(l, v, decimals, n, sizeof n);
    snprintf(out, size, "%s %%", n);
}

void report_render_duration(report_lang l, double s, char *out, size_t size)
{
    if (!isfinite(s) || s < 0) {
        snprintf(out, size, "–");
        return;
    }
    char n[32];
    long long t = (long long)s;
    bool whole = fabs(s - round(s)) < 0.05;
    if (s < 60) {
        if (whole)
            snprintf(out, size, "%lld s", (long long)round(s));
        else {
            report_render_number(l, s, 1, n, sizeof n);
            snprintf(out, size, "%s s", n);
        }
    } else if (s < 3600) {
        double sec = s - (double)(t / 60 * 60);
        if (whole)
            snprintf(out, size, "%lld min %02lld s", (long long)round(s) / 60, (long long)round(s) % 60);
        else {
            report_render_number(l, sec, 1, n, sizeof n);
            snprintf(out, size, "%lld min %s%s s", t / 60, sec < 10 ? "0" : "", n);
        }
    } else if (s < 86400) {
        snprintf(out, size, "%lld h %02lld min", t / 3600, t % 3600 / 60);
    } else {
        snprintf(out, size, "%lld %s %02lld h", t / 86400, TR(l, "j", "d"), t % 86400 / 3600);
    }
}

static const char *const i18n_months_fr[] = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                                           "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
static const char *const i18n_months_en[] = {"January", "February", "March",     "April",   "May",      "June",
                                           "July",    "August",   "September", "October", "November", "December"};

void report_render_month(report_lang l, int year, int month, char *out, size_t size)
{
    if (month < 1 || month > 12) {
        snprintf(out, size, "%d", year);
        return;
    }
    snprintf(out, size, "%s %d", l == REPORT_LANG_FR ? i18n_months_fr[month - 1] : i18n_months_en[month - 1], year);
}

/* "2026-10" of the document: its month in words, or the label as it is. */
void i18n_period_words(report_lang l, const char *label, char *out, size_t size)
{
    int y, m;
    char tail;
    if (sscanf(label, "%4d-%2d%c", &y, &m, &tail) == 2)
        report_render_month(l, y, m, out, size);
    else
        snprintf(out, size, "%s", label);
}

/* A document without a zone is in UTC. */
static void i18n_localtime(int64_t t, const char *tz, struct tm *tm)
{
    time_zone_localtime(tz && *tz ? tz : "UTC", t, tm);
}

void report_render_time(report_lang l, int64_t t, const char *tz, char *out, size_t size)
{
    struct tm tm;
    i18n_localtime(t, tz, &tm);
    if (l == REPORT_LANG_FR)
        snprintf(out, size, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
                 tm.tm_min);
    else
        snprintf(out, size, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min);
}

void i18n_date(report_lang l, int64_t t, const char *tz, char *out, size_t size)
{
    struct tm tm;
    i18n_localtime(t, tz, &tm);
    if (l == REPORT_LANG_FR)
        snprintf(out, size, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
    else
        snprintf(out, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void i18n_long_time(report_lang l, int64_t t, char *out, size_t size)
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    snprintf(out, size, "%d %s %d %02d:%02d UTC", tm.tm_mday,
             l == REPORT_LANG_FR ? i18n_months_fr[tm.tm_mon] : i18n_months_en[tm.tm_mon], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min);
}

void i18n_iso(int64_t t, const char *tz, char *out, size_t size)
{
    struct tm tm;
    i18n_localtime(t, tz, &tm);
    /* the offset from the wall time itself: timegm reads no zone, whatever fills tm_gmtoff */
    struct tm wall = tm;
    long off = (long)((int64_t)timegm(&wall) - t);
    char sign = off < 0 ? '-' : '+';
    off = labs(off);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600, off % 3600 / 60);
}

const char *i18n_service(const vocab *words, report_lang l, const char *s)
{
    const vocab_word *w = words ? vocab_service_find(words, s) : NULL;
    const char *label = w ? TR(l, w->label.fr, w->label.en) : "";
    return label[0] ? label : s;
}

/* "power, cooling" -> "Énergie, Climatisation" */
void i18n_services(const vocab *words, report_lang l, const char *in, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    while (*in && o < size) {
        size_t n = strcspn(in, ",");
        char one[64];
        snprintf(one, sizeof one, "%.*s", (int)n, in);
        o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", i18n_service(words, l, one));
        in += n;
        while (*in == ',' || *in == ' ')
            in++;
    }
    if (!out[0])
        snprintf(out, size, "%s", TR(l, "site", "site"));
}

/* Not the vocabulary's site_kinds words: the report spells a kind out ("NRO (nœud de raccordement
 * optique)") where the dashboard's short label ("NRO", "NRO shelter") suffices. */
const char *i18n_kind(report_lang l, const char *k)
{
    if (strcmp(k, "datacenter") == 0)
        return "Data center";
    if (strcmp(k, "nro") == 0)
        return TR(l, "NRO (nœud de raccordement optique)", "NRO (optical connection node)");
    if (strcmp(k, "pop") == 0)
        return TR(l, "Point de présence", "Point of presence");
    if (strcmp(k, "core") == 0)
        return TR(l, "Cœur de réseau", "Core network");
    return k;
}

const char *i18n_policy(report_lang l, const char *p)
{
    if (strcmp(p, "up") == 0)
        return TR(l, "comptée disponible", "counted as up");
    if (strcmp(p, "down") == 0)
        return TR(l, "comptée indisponible", "counted as down");
    return TR(l, "exclue du calcul", "excluded from the figures");
}

void i18n_recurrence(report_lang l, bool recurring, const char *rrule, bool moved, char *out, size_t size)
{
    if (!recurring) {
        snprintf(out, size, "%s", TR(l, "ponctuelle", "one-off"));
        return;
    }
    char words[200];
    recur_describe(rrule, TR(l, "fr", "en"), words, sizeof words);
    snprintf(out, size, "%s%s", words, moved ? TR(l, ", déplacée", ", moved") : "");
}

const char *i18n_energy_source(report_lang l, const char *source)
{
    if (!source)
        return TR(l, "non mesurée", "not measured");
    if (strcmp(source, "meter") == 0)
        return TR(l, "compteur déclaré", "declared meter");
    if (strcmp(source, "ups_input") == 0)
        return TR(l, "entrées des onduleurs (climatisation non comprise : PUE partiel)",
                  "UPS inputs (cooling left out: a partial PUE)");
    if (strcmp(source, "pdu_input") == 0)
        return TR(l, "entrées des PDU", "PDU inputs");
    if (strcmp(source, "ups_output") == 0)
        return TR(l, "sorties des onduleurs", "UPS outputs");
    return source;
}

void i18n_pue_status(report_lang l, const char *status, double min_coverage, char *out, size_t size)
{
    char pct[32];
    i18n_pct(l, min_coverage, 0, pct, sizeof pct);
    if (strcmp(status, "ok") == 0)
        snprintf(out, size, "%s", "");
    else if (strcmp(status, "no_facility") == 0)
        snprintf(out, size, "%s", TR(l, "pas de PUE : l'énergie du site n'est pas mesurée", "no PUE: the facility energy is not measured"));
    else if (strcmp(status, "no_it") == 0)
        snprintf(out, size, "%s", TR(l, "pas de PUE : l'énergie IT n'est pas mesurée", "no PUE: the IT energy is not measured"));
    else if (strcmp(status, "no_time") == 0)
        snprintf(out, size, "%s", TR(l, "pas de PUE : période non commencée", "no PUE: the period has not started"));
    else if (strcmp(status, "low_coverage") == 0)
        snprintf(out, size, TR(l, "pas de PUE : mesures insuffisantes (moins de %s des heures)",
                               "no PUE: too little measured (less than %s of the hours)"), pct);
    else if (strcmp(status, "not_same_time") == 0)
        snprintf(out, size, TR(l, "pas de PUE : les deux mesures couvrent moins de %s des mêmes heures",
                               "no PUE: the two sides cover less than %s of the same hours"), pct);
    else if (strcmp(status, "below_one") == 0)
        snprintf(out, size, "%s", TR(l, "pas de PUE : rapport inférieur à 1, mesures incohérentes",
                                     "no PUE: a ratio below 1, inconsistent measurements"));
    else
        snprintf(out, size, "%s", status);
}

void i18n_power_rule(report_lang l, const char *rule, long long needed, long long units, char *out, size_t size)
{
    if (strcmp(rule, "2N") == 0)
        snprintf(out, size, "%s", TR(l, "2N : la charge doit tenir dans la moitié de la puissance installée",
                                     "2N: the load must fit in half the installed power"));
    else if (strcmp(rule, "N+1") == 0)
        snprintf(out, size, "%s", TR(l, "N+1 : la charge doit tenir sans le plus gros onduleur",
                                     "N+1: the load must fit without the largest UPS"));
    else if (strcmp(rule, "N") == 0)
        snprintf(out, size, "%s", TR(l, "N : toute la puissance installée", "N: all the installed power"));
    else
        snprintf(out, size, TR(l, "service énergie : %lld onduleur(s) sur %lld doivent porter la charge",
                               "power service: %lld of %lld UPS must carry the load"), needed, units);
}

const char *i18n_test_result(report_lang l, const char *w)
{
    static const char *const words[][3] = {{"passed", "réussi", "passed"},      {"failed", "échoué", "failed"},
                                           {"warning", "réussi avec réserves", "passed with warnings"},
                                           {"aborted", "interrompu", "aborted"}, {"in_progress", "en cours", "in progress"},
                                           {"none", "aucun", "none"},          {"unknown", "inconnu", "unknown"}};
    for (size_t i = 0; w && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i][0], w) == 0)
            return words[i][l == REPORT_LANG_FR ? 1 : 2];
    return w ? w : "";
}

const char *i18n_test_kind(report_lang l, const char *k)
{
    if (k && strcmp(k, "self-test") == 0)
        return TR(l, "autotest", "self-test");
    if (k && strcmp(k, "calibration") == 0)
        return TR(l, "calibration", "calibration");
    return k ? k : "";
}
