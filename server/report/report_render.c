/* report_render: the monthly SLA report in PDF (cairo + pango), HTML, CSV and JSON. See report_render.h
 * and doc/report.md. */
#include "config.h"
#include "report/report_render.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <dirent.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <rrd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "names.h"

#define TR(l, fr, en) ((l) == REPORT_LANG_FR ? (fr) : (en))
#define RR_MAX_GRAPHS 6
/* every graph's size (--full-size-mode): the PDF lays its pages out before any graph is drawn */
#define RR_GRAPH_W 480
#define RR_GRAPH_H 230
#define RR_MAX_LINES 8

/* ---- the document ------------------------------------------------------------------------- */

static const char *rj_s(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double rj_n(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static long long rj_i(const json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }
static bool rj_b(const json_t *o, const char *k) { return json_is_true(json_object_get(o, k)); }
static json_t *rj_o(const json_t *o, const char *k) { return json_object_get(o, k); }

/* ---- formats and languages ---------------------------------------------------------------- */

int report_render_lang_parse(const char *s, report_lang *out)
{
    if (s && strcmp(s, "fr") == 0)
        *out = REPORT_LANG_FR;
    else if (s && strcmp(s, "en") == 0)
        *out = REPORT_LANG_EN;
    else
        return -1;
    return 0;
}

static const char *const rr_formats[] = {"pdf", "html", "csv", "json"};

int report_render_format_parse(const char *s, report_format *out)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, rr_formats[i]) == 0) {
            *out = (report_format)i;
            return 0;
        }
    return -1;
}

const char *report_render_extension(report_format f) { return rr_formats[f]; }

const char *report_render_content_type(report_format f)
{
    switch (f) {
    case REPORT_PDF: return "application/pdf";
    case REPORT_HTML: return "text/html; charset=utf-8";
    case REPORT_CSV: return "text/csv; charset=utf-8; header=present";
    default: return "application/json; charset=utf-8";
    }
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

static void rr_pct(report_lang l, double v, int decimals, char *out, size_t size)
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

static const char *const rr_months_fr[] = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                                           "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
static const char *const rr_months_en[] = {"January", "February", "March",     "April",   "May",      "June",
                                           "July",    "August",   "September", "October", "November", "December"};

void report_render_month(report_lang l, int year, int month, char *out, size_t size)
{
    if (month < 1 || month > 12) {
        snprintf(out, size, "%d", year);
        return;
    }
    snprintf(out, size, "%s %d", l == REPORT_LANG_FR ? rr_months_fr[month - 1] : rr_months_en[month - 1], year);
}

/* "2026-10" of the document: its month in words, or the label as it is. */
static void rr_period_words(report_lang l, const char *label, char *out, size_t size)
{
    int y, m;
    char tail;
    if (sscanf(label, "%4d-%2d%c", &y, &m, &tail) == 2)
        report_render_month(l, y, m, out, size);
    else
        snprintf(out, size, "%s", label);
}

/* Times are in each site's zone. The C library knows one zone at a time, that of TZ: a rendering
 * sets TZ when a site's zone differs from it (once per rendering where every site shares a zone: other
 * threads may read the environment) and puts the process's back at the end (rr_tz_save/restore). */
static void rr_zone(const char *tz)
{
    const char *cur = getenv("TZ");
    if (!tz || !*tz)
        tz = "UTC";
    if (!cur || strcmp(cur, tz) != 0) {
        setenv("TZ", tz, 1);
        tzset();
    }
}

static char *rr_tz_save(void)
{
    const char *cur = getenv("TZ");
    return strdup(cur ? cur : "");
}

static void rr_tz_restore(char *saved)
{
    const char *cur = getenv("TZ");
    if (saved && *saved) {
        if (!cur || strcmp(cur, saved) != 0) {
            setenv("TZ", saved, 1);
            tzset();
        }
    } else if (cur) {
        unsetenv("TZ");
        tzset();
    }
    free(saved);
}

static void rr_localtime(int64_t t, const char *tz, struct tm *tm)
{
    rr_zone(tz);
    time_t tt = (time_t)t;
    localtime_r(&tt, tm);
}

static void rr_time(report_lang l, int64_t t, const char *tz, char *out, size_t size)
{
    struct tm tm;
    rr_localtime(t, tz, &tm);
    if (l == REPORT_LANG_FR)
        snprintf(out, size, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
                 tm.tm_min);
    else
        snprintf(out, size, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min);
}

void report_render_time(report_lang l, int64_t t, const char *tz, char *out, size_t size)
{
    char *saved = rr_tz_save();
    rr_time(l, t, tz, out, size);
    rr_tz_restore(saved);
}

static void rr_date(report_lang l, int64_t t, const char *tz, char *out, size_t size)
{
    struct tm tm;
    rr_localtime(t, tz, &tm);
    if (l == REPORT_LANG_FR)
        snprintf(out, size, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
    else
        snprintf(out, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* "23 novembre 2026 14:02 UTC" */
static void rr_long_time(report_lang l, int64_t t, char *out, size_t size)
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    snprintf(out, size, "%d %s %d %02d:%02d UTC", tm.tm_mday,
             l == REPORT_LANG_FR ? rr_months_fr[tm.tm_mon] : rr_months_en[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min);
}

/* ISO 8601 in the zone, with its offset: 2026-10-14T03:12:00+02:00 */
static void rr_iso(int64_t t, const char *tz, char *out, size_t size)
{
    struct tm tm;
    rr_localtime(t, tz, &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    off = labs(off);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600, off % 3600 / 60);
}

static const char *rr_service_name(report_lang l, const char *s)
{
    if (strcmp(s, "power") == 0)
        return TR(l, "Énergie", "Power");
    if (strcmp(s, "cooling") == 0)
        return TR(l, "Climatisation", "Cooling");
    if (strcmp(s, "network") == 0)
        return TR(l, "Réseau", "Network");
    if (strcmp(s, "environment") == 0)
        return TR(l, "Environnement", "Environment");
    return s;
}

/* "power, cooling" -> "Énergie, Climatisation" */
static void rr_services_list(report_lang l, const char *in, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    while (*in && o < size) {
        size_t n = strcspn(in, ",");
        char one[64];
        snprintf(one, sizeof one, "%.*s", (int)n, in);
        o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", rr_service_name(l, one));
        in += n;
        while (*in == ',' || *in == ' ')
            in++;
    }
    if (!out[0])
        snprintf(out, size, "%s", TR(l, "site", "site"));
}

static const char *rr_kind(report_lang l, const char *k)
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

static const char *rr_policy(report_lang l, const char *p)
{
    if (strcmp(p, "up") == 0)
        return TR(l, "comptée disponible", "counted as up");
    if (strcmp(p, "down") == 0)
        return TR(l, "comptée indisponible", "counted as down");
    return TR(l, "exclue du calcul", "excluded from the figures");
}

/* ---- digest ------------------------------------------------------------------------------- */

/* A real as Python's repr() writes it: the shortest digits that read back as the same double, in
 * fixed notation from 1e-4 to 1e16, else as 1.5e-07 or 1e+16. */
static void canon_real(FILE *f, double v)
{
    char buf[48];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    char digits[24];
    size_t nd = 0;
    const char *q = buf;
    if (*q == '-') {
        fputc('-', f);
        q++;
    }
    for (; *q && *q != 'e'; q++)
        if (*q >= '0' && *q <= '9' && nd < sizeof digits - 1)
            digits[nd++] = *q;
    digits[nd] = '\0';
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    int exp = *q == 'e' ? atoi(q + 1) : 0;
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++)
                fputc(i < (int)nd ? digits[i] : '0', f);
            fputc('.', f);
            if ((int)nd > exp + 1)
                fputs(digits + exp + 1, f);
            else
                fputc('0', f);
        } else {
            fputs("0.", f);
            for (int i = 0; i < -exp - 1; i++)
                fputc('0', f);
            fputs(digits, f);
        }
    } else {
        fputc(digits[0], f);
        if (nd > 1)
            fprintf(f, ".%s", digits + 1);
        fprintf(f, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    }
}

static void canon_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static int canon_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void canon_value(FILE *f, const json_t *v, bool top)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), k = 0;
        const char **keys = calloc(n ? n : 1, sizeof *keys);
        const char *key;
        json_t *x;
        if (!keys) {
            fputs("\x01", f); /* poisons the digest rather than giving a wrong one */
            return;
        }
        json_object_foreach((json_t *)v, key, x) {
            if (!(top && (strcmp(key, "generated_at") == 0 || strcmp(key, "digest") == 0)))
                keys[k++] = key;
        }
        qsort(keys, k, sizeof *keys, canon_cmp);
        fputc('{', f);
        for (size_t i = 0; i < k; i++) {
            if (i)
                fputc(',', f);
            canon_string(f, keys[i], strlen(keys[i]));
            fputc(':', f);
            canon_value(f, json_object_get(v, keys[i]), false);
        }
        fputc('}', f);
        free(keys);
        break;
    }
    case JSON_ARRAY:
        fputc('[', f);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                fputc(',', f);
            canon_value(f, json_array_get(v, i), false);
        }
        fputc(']', f);
        break;
    case JSON_STRING: canon_string(f, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: canon_real(f, json_real_value(v)); break;
    case JSON_TRUE: fputs("true", f); break;
    case JSON_FALSE: fputs("false", f); break;
    default: fputs("null", f);
    }
}

/* The canonical text of the figures: the document without generated_at and digest, keys sorted, no
 * space, UTF-8 as is — what Python's json.dumps(doc, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False) writes, so that anyone can check the digest (doc/report.md). */
static char *rr_canonical(const json_t *doc, size_t *len)
{
    char *data = NULL;
    FILE *f = open_memstream(&data, len);
    if (!f)
        return NULL;
    canon_value(f, doc, true);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        free(data);
        return NULL;
    }
    return data;
}

int report_render_digest(const json_t *doc, char hex[65])
{
    size_t len;
    char *s = rr_canonical(doc, &len);
    unsigned char d[32];
    hex[0] = '\0';
    if (!s)
        return -1;
    int rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, s, len, d);
    free(s);
    if (rc < 0)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return 0;
}

/* ---- output buffers ----------------------------------------------------------------------- */

typedef struct {
    FILE *f;
    char *data;
    size_t len;
} rr_out;

static int rr_open(rr_out *b, char *err, size_t err_size)
{
    memset(b, 0, sizeof *b);
    b->f = open_memstream(&b->data, &b->len);
    if (!b->f) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

static int rr_close(rr_out *b, report_render_out *out, char *err, size_t err_size)
{
    bool bad = ferror(b->f) != 0;
    if (fclose(b->f) != 0 || bad) {
        free(b->data);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    out->data = b->data;
    out->len = b->len;
    return 0;
}

/* ---- graphs (librrd) ---------------------------------------------------------------------- */

typedef struct {
    unsigned char *img; /* PNG (HTML) or SVG (PDF), as librrd wrote it, RR_GRAPH_W x RR_GRAPH_H at zoom 2 */
    size_t len;
} rr_graph;

typedef struct {
    rr_graph g[RR_MAX_GRAPHS];
    size_t n;
} rr_graphs;

typedef struct {
    char name[NAME_MAX_LEN + 1];
    char cls[16];
} rr_device;

typedef struct {
    rr_device d[256];
    size_t n;
} rr_devices;

static void rr_collect_device(void *ctx, const char *device, const char *cls, const char *profile, int64_t seen)
{
    rr_devices *l = ctx;
    if (l->n < sizeof l->d / sizeof l->d[0]) {
        snprintf(l->d[l->n].name, sizeof l->d[0].name, "%s", device);
        snprintf(l->d[l->n].cls, sizeof l->d[0].cls, "%s", cls);
        l->n++;
    }
    (void)profile;
    (void)seen;
}

static int rr_cmp_device(const void *a, const void *b)
{
    return strcmp(((const rr_device *)a)->name, ((const rr_device *)b)->name);
}

typedef struct {
    const char *cls;
    const char *metrics[2];
    const char *what_fr[2], *what_en[2]; /* legend suffix per metric */
    const char *title_fr, *title_en;
    const char *limits; /* extra options: "0:100" lower:upper, NULL for none */
} rr_graph_spec;

static const rr_graph_spec rr_specs[] = {
    {"env", {"env.temperature", NULL}, {"", NULL}, {"", NULL}, "Température de la salle (°C)", "Room temperature (°C)", NULL},
    {"ups", {"ups.load", NULL}, {"", NULL}, {"", NULL}, "Charge des onduleurs (%)", "UPS load (%)", "0:"},
    {"ups", {"battery.charge", NULL}, {"", NULL}, {"", NULL}, "Charge des batteries (%)", "Battery charge (%)", "0:100"},
    {"cooling",
     {"cooling.supply.temperature", "cooling.return.temperature"},
     {" soufflage", " reprise"},
     {" supply", " return"},
     "Climatisation : soufflage et reprise (°C)",
     "Cooling: supply and return air (°C)",
     NULL},
    {"olt", {"olt.pon.rx.power", NULL}, {"", NULL}, {"", NULL}, "Puissance optique reçue PON (dBm)", "PON receive power (dBm)", NULL},
};

typedef struct {
    char path[1200];
    char legend[160];
} rr_series;

static int rr_cmp_series(const void *a, const void *b)
{
    return strcmp(((const rr_series *)a)->legend, ((const rr_series *)b)->legend);
}

/* "%2F" back to "/" for a legend. */
static void rr_unescape(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; *in && o + 1 < size; in++) {
        unsigned int c;
        if (in[0] == '%' && sscanf(in + 1, "%2x", &c) == 1) {
            out[o++] = (char)c;
            in += 2;
        } else {
            out[o++] = *in;
        }
    }
    out[o] = '\0';
}

/* rrd_graph arguments: ':' separates fields, so a path or a legend escapes it. */
static void rr_rrd_escape(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; *in && o + 2 < size; in++) {
        if (*in == ':' || *in == '\\')
            out[o++] = '\\';
        out[o++] = *in;
    }
    out[o] = '\0';
}

/* The files of one metric of one device: METRIC.rrd and METRIC@INSTANCE.rrd. */
static void rr_find_series(const report_render_opts *o, const char *site, const char *device, const char *metric,
                           const char *what, rr_series *s, size_t *n, size_t max)
{
    char file[1200];
    if (rrd_store_path(o->rrd, site, device, metric, "", file, sizeof file) != 0)
        return;
    char *slash = strrchr(file, '/');
    *slash = '\0';
    DIR *dir = opendir(file);
    if (!dir)
        return;
    size_t mlen = strlen(metric);
    struct dirent *e;
    while ((e = readdir(dir)) && *n < max) {
        const char *f = e->d_name;
        size_t flen = strlen(f);
        if (flen < mlen + 4 || strncmp(f, metric, mlen) != 0 || strcmp(f + flen - 4, ".rrd") != 0)
            continue;
        char inst[INSTANCE_MAX_LEN * 3 + 1] = "";
        if (f[mlen] == '@')
            snprintf(inst, sizeof inst, "%.*s", (int)(flen - mlen - 5), f + mlen + 1);
        else if (flen != mlen + 4)
            continue;
        char shown[INSTANCE_MAX_LEN + 1];
        rr_unescape(inst, shown, sizeof shown);
        snprintf(s[*n].path, sizeof s[*n].path, "%s/%s", file, f);
        if (!rrd_store_file_mappable(s[*n].path)) /* damaged: no graph line rather than a crash */
            continue;
        snprintf(s[*n].legend, sizeof s[*n].legend, "%s%s%s%s", device, shown[0] ? " " : "", shown, what);
        (*n)++;
    }
    closedir(dir);
}

static const char *const rr_colors[RR_MAX_LINES] = {"1F5FA8", "E07B00", "2E7D32", "8E24AA",
                                                   "00838F", "C2185B", "6D4C41", "546E7A"};

/* The series of a graph of the site (at most RR_MAX_LINES); 0: the site has no such graph. */
static size_t rr_graph_series(const report_render_opts *o, const json_t *site, const rr_graph_spec *spec,
                              const rr_devices *devs, rr_series *series)
{
    size_t n = 0;
    const char *id = rj_s(site, "site");
    /* the files of a device's metric, sorted (readdir's order is the file system's), the first ones kept */
    rr_series *found = calloc(64, sizeof *found);
    if (!found)
        return -1;
    for (size_t d = 0; d < devs->n && n < RR_MAX_LINES; d++) {
        if (strcmp(devs->d[d].cls, spec->cls) != 0)
            continue;
        for (int m = 0; m < 2 && spec->metrics[m] && n < RR_MAX_LINES; m++) {
            size_t nf = 0;
            rr_find_series(o, id, devs->d[d].name, spec->metrics[m],
                           o->lang == REPORT_LANG_FR ? spec->what_fr[m] : spec->what_en[m], found, &nf, 64);
            qsort(found, nf, sizeof *found, rr_cmp_series);
            for (size_t i = 0; i < nf && n < RR_MAX_LINES; i++)
                series[n++] = found[i];
        }
    }
    free(found);
    return n;
}

/* One graph of the month in `format` (PNG or SVG); -1 when the site has no such series. */
static int rr_graph_draw(const report_render_opts *o, const json_t *site, const rr_graph_spec *spec,
                         const rr_devices *devs, const char *format, rr_graph *g)
{
    rr_series series[RR_MAX_LINES];
    size_t n = rr_graph_series(o, site, spec, devs, series);
    if (n == 0)
        return -1;
    const char *id = rj_s(site, "site");
    json_t *period = rj_o(site, "period");
    char start[32], end[32], title[200];
    snprintf(start, sizeof start, "%lld", rj_i(period, "from"));
    snprintf(end, sizeof end, "%lld", rj_i(period, "to"));
    snprintf(title, sizeof title, "%s", TR(o->lang, spec->title_fr, spec->title_en));
    enum { MAXARG = 80 };
    char *argv[MAXARG];
    char store[RR_MAX_LINES * 2 + 40][1400];
    int argc = 0, k = 0;
#define ARG(s) (argv[argc++] = (char *)(s))
#define ARGF(...) (snprintf(store[k], sizeof store[k], __VA_ARGS__), argv[argc++] = store[k++])
    ARG("graph");
    ARG("-");
    ARG("--start");
    ARG(start);
    ARG("--end");
    ARG(end);
    ARG("--imgformat");
    ARG(format);
    ARG("--full-size-mode");
    ARG("--width");
    ARGF("%d", RR_GRAPH_W);
    ARG("--height");
    ARGF("%d", RR_GRAPH_H);
    ARG("--zoom");
    ARG("2");
    ARG("--title");
    ARG(title);
    ARG("--disable-rrdtool-tag");
    ARG("--slope-mode");
    ARG("--border");
    ARG("0");
    if (o->rrd && rrd_store_daemon(o->rrd)[0]) { /* rrdcached writes what it holds before the graph reads */
        ARG("--daemon");
        ARG(rrd_store_daemon(o->rrd));
    }
    ARG("--font");
    ARG("DEFAULT:7:DejaVu Sans");
    ARG("--font");
    ARG("TITLE:8:DejaVu Sans Bold");
    ARG("--color");
    ARG("BACK#FFFFFF");
    ARG("--color");
    ARG("CANVAS#FFFFFF");
    ARG("--color");
    ARG("FONT#333333");
    ARG("--color");
    ARG("GRID#E3E3E3");
    ARG("--color");
    ARG("MGRID#B8B8B8");
    ARG("--color");
    ARG("AXIS#888888");
    ARG("--color");
    ARG("ARROW#888888");
    ARG("--color");
    ARG("FRAME#FFFFFF");
    /* days of the month under the axis: no weekday or month name, so no locale */
    ARG("--x-grid");
    ARG("HOUR:12:DAY:1:DAY:2:0:%d");
    if (spec->limits) {
        double lo, hi;
        int got = sscanf(spec->limits, "%lf:%lf", &lo, &hi);
        if (got >= 1) {
            ARG("--lower-limit");
            ARGF("%g", lo);
        }
        if (got == 2) {
            ARG("--upper-limit");
            ARGF("%g", hi);
        }
    }
    for (size_t i = 0; i < n; i++) {
        char p[1300], leg[200];
        rr_rrd_escape(series[i].path, p, sizeof p);
        rr_rrd_escape(series[i].legend, leg, sizeof leg);
        ARGF("DEF:v%zu=%s:value:AVERAGE", i, p);
        /* a space first: librrd draws the legend's colour box over the first letter otherwise */
        ARGF("LINE1.5:v%zu#%s: %s", i, rr_colors[i], leg);
    }
    /* the counted incidents of the month, as red lines */
    size_t i;
    json_t *in;
    bool first = true;
    json_array_foreach(rj_o(site, "incidents"), i, in) {
        if (rj_b(in, "excluded") || argc >= MAXARG - 2 || k >= (int)(sizeof store / sizeof store[0]))
            break;
        ARGF("VRULE:%lld#C62828%s", rj_i(in, "start"), first ? ": Incident" : "");
        first = false;
    }
    argv[argc] = NULL;
#undef ARG
#undef ARGF
    /* the axis in the site's time zone */
    rr_zone(rj_s(site, "timezone"));
    rrd_clear_error();
    rrd_info_t *info = rrd_graph_v(argc, argv);
    int rc = -1;
    for (rrd_info_t *e = info; e; e = e->next) {
        if (e->type == RD_I_BLO && strcmp(e->key, "image") == 0 && e->value.u_blo.size > 0) {
            g->img = malloc(e->value.u_blo.size);
            if (g->img) {
                memcpy(g->img, e->value.u_blo.ptr, e->value.u_blo.size);
                g->len = e->value.u_blo.size;
                rc = 0;
            }
        }
    }
    if (!info || rc != 0)
        log_warn("report", "site %s: graph '%s' not drawn: %s", id, spec->title_en,
                 rrd_test_error() ? rrd_get_error() : "no image");
    rrd_info_free(info);
    return rc;
}

/* The site's devices, sorted by name; NULL without a database or RRD store (no graphs then). */
static rr_devices *rr_devices_load(const report_render_opts *o, const json_t *site)
{
    if (!o->db || !o->rrd)
        return NULL;
    rr_devices *devs = calloc(1, sizeof *devs);
    if (!devs)
        return NULL;
    if (db_devices_each(o->db, rj_s(site, "site"), rr_collect_device, devs) != 0) {
        free(devs);
        return NULL;
    }
    if (devs->n)
        qsort(devs->d, devs->n, sizeof devs->d[0], rr_cmp_device);
    return devs;
}

static void rr_graphs_site(const report_render_opts *o, const json_t *site, const char *format, rr_graphs *out)
{
    memset(out, 0, sizeof *out);
    rr_devices *devs = rr_devices_load(o, site);
    for (size_t s = 0; devs && s < sizeof rr_specs / sizeof rr_specs[0] && out->n < RR_MAX_GRAPHS; s++)
        if (rr_graph_draw(o, site, &rr_specs[s], devs, format, &out->g[out->n]) == 0)
            out->n++;
    free(devs);
}

static void rr_graphs_free(rr_graphs *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->g[i].img);
    g->n = 0;
}

/* ---- what every format says ---------------------------------------------------------------- */

typedef struct {
    char month[48];       /* "octobre 2026" */
    char digest[65];
    size_t nsites, met, nodata;
    bool same_target;
    double target;
} rr_facts;

static int rr_facts_get(const json_t *doc, report_lang l, rr_facts *f, char *err, size_t err_size)
{
    memset(f, 0, sizeof *f);
    rr_period_words(l, rj_s(doc, "period"), f->month, sizeof f->month);
    if (report_render_digest(doc, f->digest) != 0) {
        snprintf(err, err_size, "cannot compute the SHA-256 digest of the figures");
        return -1;
    }
    size_t i;
    json_t *s;
    f->same_target = true;
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        json_t *fig = rj_o(s, "figures");
        if (i == 0)
            f->target = rj_n(s, "target");
        else if (fabs(rj_n(s, "target") - f->target) > 1e-9)
            f->same_target = false;
        if (!isfinite(rj_n(fig, "availability")))
            f->nodata++;
        else if (rj_b(fig, "target_met"))
            f->met++;
        f->nsites++;
    }
    return 0;
}

/* "Data center Italie (italie)" */
static void rr_site_title(const json_t *s, char *out, size_t size)
{
    if (strcmp(rj_s(s, "name"), rj_s(s, "site")) == 0)
        snprintf(out, size, "%s", rj_s(s, "site"));
    else
        snprintf(out, size, "%s (%s)", rj_s(s, "name"), rj_s(s, "site"));
}

typedef enum { RR_MET, RR_MISSED, RR_NODATA } rr_status;

static rr_status rr_site_status(const json_t *fig)
{
    if (!isfinite(rj_n(fig, "availability")))
        return RR_NODATA;
    return rj_b(fig, "target_met") ? RR_MET : RR_MISSED;
}

static const char *rr_status_word(report_lang l, rr_status st)
{
    return st == RR_MET ? TR(l, "atteint", "met") : st == RR_MISSED ? TR(l, "non atteint", "not met")
                                                                     : TR(l, "sans données", "no data");
}

/* ---- plain text: the mail's body ------------------------------------------------------------ */

void report_render_subject(const json_t *doc, report_lang l, char *out, size_t size)
{
    char month[48];
    rr_period_words(l, rj_s(doc, "period"), month, sizeof month);
    snprintf(out, size, "%s – %s", TR(l, "Rapport de disponibilité", "Availability report"), month);
}

static char *rr_summary(const json_t *doc, report_lang l)
{
    rr_facts f;
    char err[100];
    if (rr_facts_get(doc, l, &f, err, sizeof err) != 0)
        return NULL;
    char *data = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&data, &len);
    if (!o)
        return NULL;
    char t[48];
    report_render_target(l, f.target, t, sizeof t);
    fprintf(o, "%s – %s\n\n", TR(l, "Rapport de disponibilité", "Availability report"), f.month);
    if (f.same_target)
        fprintf(o, TR(l, "%zu site(s), objectif %s.\n", "%zu site(s), target %s.\n"), f.nsites, t);
    fprintf(o, TR(l, "Objectif atteint : %zu site(s) sur %zu.\n", "Target met: %zu site(s) of %zu.\n"), f.met, f.nsites);
    size_t i;
    json_t *s;
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        json_t *fig = rj_o(s, "figures");
        rr_status st = rr_site_status(fig);
        char title[220], av[48], tg[48], down[48], allowed[48], budget[48];
        rr_site_title(s, title, sizeof title);
        report_render_availability(l, rj_n(fig, "availability"), av, sizeof av);
        report_render_target(l, rj_n(s, "target"), tg, sizeof tg);
        report_render_duration(l, (double)rj_i(fig, "downtime"), down, sizeof down);
        report_render_duration(l, rj_n(fig, "allowed_downtime"), allowed, sizeof allowed);
        rr_pct(l, rj_n(fig, "budget_consumed"), 1, budget, sizeof budget);
        long long inc = rj_i(fig, "incidents");
        fprintf(o, "\n%s %s\n", st == RR_MET ? "✓" : st == RR_MISSED ? "✗" : "?", title);
        if (st == RR_NODATA) {
            fprintf(o, "  %s\n", TR(l, "aucune donnée sur la période", "no data for the period"));
            continue;
        }
        fprintf(o, "  %s – %s %s%s\n", av, TR(l, "objectif", "target"), tg,
                st == RR_MET ? TR(l, " atteint", " met") : TR(l, " NON ATTEINT", " NOT MET"));
        fprintf(o, TR(l, "  indisponibilité %s (%s autorisées)\n", "  downtime %s (%s allowed)\n"), down, allowed);
        fprintf(o, TR(l, "  budget consommé %s, %lld incident(s)\n", "  budget used %s, %lld incident(s)\n"), budget, inc);
    }
    fprintf(o, "\n%s\n", TR(l, "Le rapport complet est en pièce jointe (PDF).", "The full report is attached (PDF)."));
    fprintf(o, "%s\n%.32s\n%.32s\n", TR(l, "Empreinte SHA-256 des chiffres :", "SHA-256 digest of the figures:"),
            f.digest, f.digest + 32);
    fprintf(o, "%s\n", rj_s(doc, "software"));
    if (fclose(o) != 0) {
        free(data);
        return NULL;
    }
    return data;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static json_t *rr_digest_block(const json_t *doc)
{
    char hex[65];
    if (report_render_digest(doc, hex) != 0)
        return NULL;
    return json_pack("{s:s, s:s, s:s}", "algorithm", "SHA-256", "value", hex, "of",
                     "this document without generated_at and digest, as JSON with sorted keys, no spaces, "
                     "ASCII only and 17 significant digits (see doc/report.md)");
}

static int rr_json(const json_t *doc, const report_render_opts *o, report_render_out *out, char *err,
                       size_t err_size)
{
    json_t *c = json_deep_copy(doc), *d = rr_digest_block(doc);
    if (!c || !d) {
        json_decref(c);
        json_decref(d);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    json_object_set_new(c, "digest", d);
    out->data = json_dumps(c, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(c);
    if (!out->data) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    size_t n = strlen(out->data);
    char *t = realloc(out->data, n + 2);
    if (t) {
        t[n] = '\n';
        t[n + 1] = '\0';
        out->data = t;
        n++;
    }
    out->len = n;
    (void)o;
    return 0;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

typedef struct {
    FILE *f;
    report_lang l;
    char sep;
    bool first;
} rr_csv;

static void csv_field(rr_csv *c, const char *s)
{
    if (!c->first)
        fputc(c->sep, c->f);
    c->first = false;
    if (strchr(s, c->sep) || strpbrk(s, "\"\r\n")) {
        fputc('"', c->f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', c->f);
            fputc(*s, c->f);
        }
        fputc('"', c->f);
    } else {
        fputs(s, c->f);
    }
}

/* Free text (names, causes, reasons, who) that a spreadsheet would take for a formula gets a leading
 * quote: a maintenance reason "=HYPERLINK(...)" stays text. */
static void csv_text(rr_csv *c, const char *s)
{
    if (strchr("=+-@\t\r", s[0]) && s[0]) {
        char *q = malloc(strlen(s) + 2);
        if (q) {
            q[0] = '\'';
            strcpy(q + 1, s);
            csv_field(c, q);
            free(q);
            return;
        }
    }
    csv_field(c, s);
}

static void csv_end(rr_csv *c)
{
    fputs("\r\n", c->f);
    c->first = true;
}

static void csv_int(rr_csv *c, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    csv_field(c, b);
}

/* a number with the language's decimal mark; empty when there is none */
static void csv_num(rr_csv *c, double v, int decimals)
{
    char b[64] = "";
    if (isfinite(v))
        report_render_number(c->l, v, decimals, b, sizeof b);
    csv_field(c, b);
}

static void csv_bool(rr_csv *c, bool v) { csv_field(c, v ? TR(c->l, "oui", "yes") : TR(c->l, "non", "no")); }

static void csv_time(rr_csv *c, long long t, const char *tz)
{
    char b[40];
    rr_iso(t, tz, b, sizeof b);
    csv_field(c, b);
}

static void csv_row(rr_csv *c, const char *const *cells)
{
    for (; *cells; cells++)
        csv_field(c, *cells);
    csv_end(c);
}

static int rr_csv_doc(const json_t *doc, const report_render_opts *o, report_render_out *out, char *err,
                      size_t err_size)
{
    rr_facts f;
    rr_out b;
    if (rr_facts_get(doc, o->lang, &f, err, err_size) != 0 || rr_open(&b, err, err_size) != 0)
        return -1;
    rr_csv c = {b.f, o->lang, o->lang == REPORT_LANG_FR ? ';' : ',', true};
    if (o->lang == REPORT_LANG_FR)
        fputs("\xEF\xBB\xBF", b.f); /* the BOM by which spreadsheets recognise UTF-8 */
    char gen[40];
    time_t g = (time_t)rj_i(doc, "generated_at");
    struct tm tm;
    gmtime_r(&g, &tm);
    strftime(gen, sizeof gen, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char nsites[16];
    snprintf(nsites, sizeof nsites, "%zu", f.nsites);
    csv_row(&c, (const char *const[]){"section", "key", "value", NULL});
    csv_row(&c, (const char *const[]){"meta", "report", "vigie monthly SLA report", NULL});
    csv_row(&c, (const char *const[]){"meta", "period", rj_s(doc, "period"), NULL});
    csv_row(&c, (const char *const[]){"meta", "sites", nsites, NULL});
    csv_row(&c, (const char *const[]){"meta", "software", rj_s(doc, "software"), NULL});
    csv_row(&c, (const char *const[]){"meta", "generated_at", gen, NULL});
    csv_row(&c, (const char *const[]){"meta", "digest_sha256", f.digest, NULL});
    csv_row(&c, (const char *const[]){"meta", "lang", o->lang == REPORT_LANG_FR ? "fr" : "en", NULL});

    csv_row(&c, (const char *const[]){"section", "site", "name", "kind", "timezone", "unknown_policy", "period_from",
                                      "period_to", "counted_until", "hours", "target_pct", "availability_pct",
                                      "target_met", "allowed_downtime_s", "downtime_s", "budget_consumed_pct",
                                      "unknown_s", "maintenance_s", "eligible_s", "incidents", "mttr_s", "mtbf_s",
                                      "ytd_from", "ytd_to", "ytd_availability_pct", "ytd_downtime_s",
                                      "annual_allowed_downtime_s", "annual_budget_consumed_pct", NULL});
    size_t i;
    json_t *s;
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        json_t *fig = rj_o(s, "figures"), *p = rj_o(s, "period"), *y = rj_o(s, "year_to_date");
        const char *tz = rj_s(s, "timezone");
        csv_field(&c, "sites");
        csv_field(&c, rj_s(s, "site"));
        csv_text(&c, rj_s(s, "name"));
        csv_field(&c, rj_s(s, "kind"));
        csv_field(&c, tz);
        csv_field(&c, rj_s(s, "unknown_policy"));
        csv_time(&c, rj_i(p, "from"), tz);
        csv_time(&c, rj_i(p, "to"), tz);
        csv_time(&c, rj_i(p, "counted_until"), tz);
        csv_num(&c, rj_n(p, "hours"), 0);
        csv_num(&c, rj_n(s, "target"), 4);
        csv_num(&c, rj_n(fig, "availability"), 6);
        csv_bool(&c, rj_b(fig, "target_met"));
        csv_num(&c, rj_n(fig, "allowed_downtime"), 1);
        csv_int(&c, rj_i(fig, "downtime"));
        csv_num(&c, rj_n(fig, "budget_consumed"), 2);
        csv_int(&c, rj_i(fig, "unknown"));
        csv_int(&c, rj_i(fig, "maintenance"));
        csv_int(&c, rj_i(fig, "eligible"));
        csv_int(&c, rj_i(fig, "incidents"));
        csv_num(&c, rj_n(fig, "mttr"), 1);
        csv_num(&c, rj_n(fig, "mtbf"), 1);
        csv_time(&c, rj_i(y, "from"), tz);
        csv_time(&c, rj_i(y, "to"), tz);
        csv_num(&c, rj_n(y, "availability"), 6);
        csv_int(&c, rj_i(y, "downtime"));
        csv_num(&c, rj_n(y, "annual_allowed_downtime"), 1);
        double annual = rj_n(y, "annual_allowed_downtime");
        csv_num(&c, annual > 0 ? 100.0 * (double)rj_i(y, "downtime") / annual : NAN, 2);
        csv_end(&c);
    }

    csv_row(&c, (const char *const[]){"section", "site", "service", "availability_pct", "target_met", "downtime_s",
                                      "unknown_s", "maintenance_s", "incidents", "mttr_s", "mtbf_s", NULL});
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        size_t k;
        json_t *v;
        json_array_foreach(rj_o(s, "services"), k, v) {
            csv_field(&c, "services");
            csv_field(&c, rj_s(s, "site"));
            csv_field(&c, rj_s(v, "name"));
            csv_num(&c, rj_n(v, "availability"), 6);
            csv_bool(&c, rj_b(v, "target_met"));
            csv_int(&c, rj_i(v, "downtime"));
            csv_int(&c, rj_i(v, "unknown"));
            csv_int(&c, rj_i(v, "maintenance"));
            csv_int(&c, rj_i(v, "incidents"));
            csv_num(&c, rj_n(v, "mttr"), 1);
            csv_num(&c, rj_n(v, "mtbf"), 1);
            csv_end(&c);
        }
    }

    csv_row(&c, (const char *const[]){"section", "site", "start", "end", "duration_s", "counted_s", "services", "cause",
                                      "excluded", NULL});
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        size_t k;
        json_t *in;
        const char *tz = rj_s(s, "timezone");
        json_array_foreach(rj_o(s, "incidents"), k, in) {
            csv_field(&c, "incidents");
            csv_field(&c, rj_s(s, "site"));
            csv_time(&c, rj_i(in, "start"), tz);
            csv_time(&c, rj_i(in, "end"), tz);
            csv_int(&c, rj_i(in, "duration"));
            csv_int(&c, rj_i(in, "counted"));
            csv_text(&c, rj_s(in, "services"));
            csv_text(&c, rj_s(in, "cause"));
            csv_bool(&c, rj_b(in, "excluded"));
            csv_end(&c);
        }
    }

    csv_row(&c, (const char *const[]){"section", "site", "id", "service", "start", "end", "reason", "who", NULL});
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        size_t k;
        json_t *w;
        const char *tz = rj_s(s, "timezone");
        json_array_foreach(rj_o(s, "maintenance_windows"), k, w) {
            csv_field(&c, "maintenance");
            csv_field(&c, rj_s(s, "site"));
            csv_int(&c, rj_i(w, "id"));
            csv_field(&c, rj_s(w, "service"));
            csv_time(&c, rj_i(w, "start"), tz);
            csv_time(&c, rj_i(w, "end"), tz);
            csv_text(&c, rj_s(w, "reason"));
            csv_text(&c, rj_s(w, "who"));
            csv_end(&c);
        }
    }
    return rr_close(&b, out, err, err_size);
}

/* ---- the rows every human format shows ------------------------------------------------------ */

/* One line of the figures table: label, the month, the year to date. */
typedef struct {
    char label[96];
    char month[96];
    char ytd[96];
    int style; /* 0, or the month cell coloured: 1 met, 2 missed, 3 no data */
} rr_fig_row;

static size_t rr_figure_rows(const json_t *s, report_lang l, rr_fig_row *r)
{
    json_t *f = rj_o(s, "figures"), *y = rj_o(s, "year_to_date");
    size_t n = 0;
    rr_status st = rr_site_status(f), yst = rr_site_status(y);
    double annual = rj_n(y, "annual_allowed_downtime");
#define ROW(lab) (snprintf(r[n].label, sizeof r[n].label, "%s", lab), r[n].style = 0, &r[n++])
    rr_fig_row *x = ROW(TR(l, "Disponibilité", "Availability"));
    report_render_availability(l, rj_n(f, "availability"), x->month, sizeof x->month);
    report_render_availability(l, rj_n(y, "availability"), x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "Objectif", "Target"));
    char tg[48];
    report_render_target(l, rj_n(s, "target"), tg, sizeof tg);
    snprintf(x->month, sizeof x->month, "%s – %s", tg, rr_status_word(l, st));
    snprintf(x->ytd, sizeof x->ytd, "%s – %s", tg, rr_status_word(l, yst));
    x->style = st == RR_MET ? 1 : st == RR_MISSED ? 2 : 3;
    x = ROW(TR(l, "Indisponibilité autorisée", "Allowed downtime"));
    report_render_duration(l, rj_n(f, "allowed_downtime"), x->month, sizeof x->month);
    char an[48];
    report_render_duration(l, annual, an, sizeof an);
    snprintf(x->ytd, sizeof x->ytd, TR(l, "%s par an", "%s a year"), an);
    x = ROW(TR(l, "Indisponibilité", "Downtime"));
    report_render_duration(l, (double)rj_i(f, "downtime"), x->month, sizeof x->month);
    report_render_duration(l, (double)rj_i(y, "downtime"), x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "Budget d'erreur consommé", "Error budget consumed"));
    rr_pct(l, rj_n(f, "budget_consumed"), 1, x->month, sizeof x->month);
    char yb[48];
    rr_pct(l, annual > 0 ? 100.0 * (double)rj_i(y, "downtime") / annual : NAN, 1, yb, sizeof yb);
    snprintf(x->ytd, sizeof x->ytd, TR(l, "%s du budget annuel", "%s of the annual budget"), yb);
    x = ROW(TR(l, "Temps inconnu (sans données)", "Unknown time (no data)"));
    report_render_duration(l, (double)rj_i(f, "unknown"), x->month, sizeof x->month);
    report_render_duration(l, (double)rj_i(y, "unknown"), x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "Maintenance déclarée", "Declared maintenance"));
    report_render_duration(l, (double)rj_i(f, "maintenance"), x->month, sizeof x->month);
    report_render_duration(l, (double)rj_i(y, "maintenance"), x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "Incidents", "Incidents"));
    snprintf(x->month, sizeof x->month, "%lld", rj_i(f, "incidents"));
    snprintf(x->ytd, sizeof x->ytd, "%lld", rj_i(y, "incidents"));
    x = ROW(TR(l, "MTTR (durée moyenne de rétablissement)", "MTTR (mean time to restore)"));
    report_render_duration(l, rj_n(f, "mttr"), x->month, sizeof x->month);
    report_render_duration(l, rj_n(y, "mttr"), x->ytd, sizeof x->ytd);
    x = ROW(TR(l, "MTBF (temps moyen entre incidents)", "MTBF (mean time between failures)"));
    report_render_duration(l, rj_n(f, "mtbf"), x->month, sizeof x->month);
    report_render_duration(l, rj_n(y, "mtbf"), x->ytd, sizeof x->ytd);
#undef ROW
    return n;
}

/* "01/10/2026 00:00 – 01/11/2026 00:00 (745 h)" */
static void rr_period_span(report_lang l, const json_t *s, char *out, size_t size)
{
    json_t *p = rj_o(s, "period");
    char a[40], b[40], h[32];
    rr_time(l, rj_i(p, "from"), rj_s(s, "timezone"), a, sizeof a);
    rr_time(l, rj_i(p, "to"), rj_s(s, "timezone"), b, sizeof b);
    report_render_number(l, rj_n(p, "hours"), 0, h, sizeof h);
    snprintf(out, size, "%s – %s (%s h)", a, b, h);
    if (rj_i(p, "counted_until") < rj_i(p, "to")) {
        char u[40];
        size_t n = strlen(out);
        rr_time(l, rj_i(p, "counted_until"), rj_s(s, "timezone"), u, sizeof u);
        snprintf(out + n, size - n, TR(l, ", compté jusqu'au %s", ", counted until %s"), u);
    }
}

/* The zones of the sites, "Europe/Paris" once when they all share it. */
static void rr_zones(const json_t *doc, char *out, size_t size)
{
    size_t i, o = 0;
    json_t *s;
    out[0] = '\0';
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        const char *tz = rj_s(s, "timezone");
        if (strstr(out, tz))
            continue;
        o += (size_t)snprintf(out + o, o < size ? size - o : 0, "%s%s", o ? ", " : "", tz);
        if (o >= size)
            break;
    }
}

static void rr_policies(const json_t *doc, report_lang l, char *out, size_t size)
{
    size_t i, o = 0;
    json_t *s;
    out[0] = '\0';
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        const char *p = rr_policy(l, rj_s(s, "unknown_policy"));
        if (strstr(out, p))
            continue;
        o += (size_t)snprintf(out + o, o < size ? size - o : 0, "%s%s", o ? "; " : "", p);
        if (o >= size)
            break;
    }
}

static void rr_site_list(const json_t *doc, char *out, size_t size)
{
    size_t i, o = 0;
    json_t *s;
    out[0] = '\0';
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        o += (size_t)snprintf(out + o, o < size ? size - o : 0, "%s%s", o ? ", " : "", rj_s(s, "site"));
        if (o >= size)
            break;
    }
}

/* ---- HTML ----------------------------------------------------------------------------------- */

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void html_cell(FILE *f, const char *tag, const char *cls, const char *text)
{
    fprintf(f, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    html_text(f, text);
    fprintf(f, "</%s>", tag);
}

static void html_base64(FILE *f, const unsigned char *d, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        fputc(t[v >> 18 & 63], f);
        fputc(t[v >> 12 & 63], f);
        fputc(i + 1 < n ? t[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? t[v & 63] : '=', f);
    }
}

static const char *rr_status_class(rr_status st) { return st == RR_MET ? "met" : st == RR_MISSED ? "missed" : "nodata"; }

static const char rr_css[] =
    "@page{size:A4;margin:14mm 14mm 16mm}"
    "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;font-size:9.5pt;color:#222;margin:0 auto;max-width:190mm}"
    "header.cover{background:#1f3a5f;color:#fff;padding:18px 22px;margin-bottom:14px}"
    "header.cover h1{margin:0;font-size:20pt;letter-spacing:.5px}header.cover p{margin:4px 0 0;font-size:12pt}"
    "h2{color:#1f3a5f;font-size:13pt;border-bottom:2px solid #1f3a5f;padding-bottom:2px;margin:18px 0 6px}"
    "h3{color:#1f3a5f;font-size:10.5pt;margin:12px 0 4px}"
    "table{border-collapse:collapse;width:100%;margin:4px 0 8px;page-break-inside:auto;font-size:8.5pt}"
    "tr{page-break-inside:avoid}th{background:#1f3a5f;color:#fff;font-weight:bold;text-align:left}"
    "th,td{border:1px solid #c9d1dc;padding:3px 6px;vertical-align:top}tbody tr:nth-child(even){background:#f4f6f9}"
    "td.num,th.num{text-align:right}td.num{white-space:nowrap}td.kv{font-weight:bold;width:34%}"
    ".met{background:#e3f2e4!important;color:#1b5e20;font-weight:bold}"
    ".missed{background:#fdecea!important;color:#b71c1c;font-weight:bold}"
    ".nodata{background:#eeeeee!important;color:#616161}"
    ".badge{float:right;padding:3px 10px;border-radius:3px;font-size:9pt}"
    ".site{page-break-before:always}.sub{color:#555;margin:2px 0 8px}.digest{font-family:'DejaVu Sans Mono',monospace;"
    "font-size:8.5pt;word-break:break-all}.note{color:#555;font-size:8.5pt}.none{color:#555;font-style:italic}"
    ".graphs{display:flex;flex-wrap:wrap;gap:8px}.graphs img{width:calc(50% - 4px);box-sizing:border-box;"
    "border:1px solid #e0e0e0;page-break-inside:avoid}"
    ".sign{display:flex;gap:16px;margin-top:22px;page-break-inside:avoid}.sign div{flex:1;border:1px solid #999;"
    "height:95px;padding:6px 10px}.sign b{display:block;margin-bottom:6px}"
    "footer{color:#777;font-size:8pt;margin-top:20px;border-top:1px solid #ccc;padding-top:4px}";

static void html_summary_table(FILE *f, const json_t *doc, report_lang l)
{
    fprintf(f, "<table><thead><tr>");
    const char *heads[] = {TR(l, "Site", "Site"), TR(l, "Disponibilité", "Availability"), TR(l, "Objectif", "Target"),
                           TR(l, "Objectif atteint", "Target met"), TR(l, "Indisponibilité", "Downtime"),
                           TR(l, "Autorisée", "Allowed"), TR(l, "Budget consommé", "Budget used"),
                           TR(l, "Incidents", "Incidents")};
    for (int i = 0; i < 8; i++)
        html_cell(f, "th", i == 0 || i == 3 ? NULL : "num", heads[i]);
    fprintf(f, "</tr></thead><tbody>\n");
    size_t i;
    json_t *s;
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        json_t *fig = rj_o(s, "figures");
        rr_status st = rr_site_status(fig);
        char title[220], av[48], tg[48], down[48], allowed[48], budget[48], inc[16];
        rr_site_title(s, title, sizeof title);
        report_render_availability(l, rj_n(fig, "availability"), av, sizeof av);
        report_render_target(l, rj_n(s, "target"), tg, sizeof tg);
        report_render_duration(l, (double)rj_i(fig, "downtime"), down, sizeof down);
        report_render_duration(l, rj_n(fig, "allowed_downtime"), allowed, sizeof allowed);
        rr_pct(l, rj_n(fig, "budget_consumed"), 1, budget, sizeof budget);
        snprintf(inc, sizeof inc, "%lld", rj_i(fig, "incidents"));
        fprintf(f, "<tr>");
        html_cell(f, "td", NULL, title);
        html_cell(f, "td", "num", av);
        html_cell(f, "td", "num", tg);
        html_cell(f, "td", rr_status_class(st), rr_status_word(l, st));
        html_cell(f, "td", "num", down);
        html_cell(f, "td", "num", allowed);
        html_cell(f, "td", "num", budget);
        html_cell(f, "td", "num", inc);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</tbody></table>\n");
}

static void html_kv(FILE *f, const char *k, const char *v, const char *cls)
{
    fprintf(f, "<tr>");
    html_cell(f, "td", "kv", k);
    html_cell(f, "td", cls, v);
    fprintf(f, "</tr>\n");
}

static int rr_html(const json_t *doc, const report_render_opts *o, report_render_out *out, char *err,
                       size_t err_size)
{
    report_lang l = o->lang;
    rr_facts fa;
    rr_out b;
    if (rr_facts_get(doc, l, &fa, err, err_size) != 0 || rr_open(&b, err, err_size) != 0)
        return -1;
    FILE *f = b.f;
    char title[160], tg[48], text[1024];
    snprintf(title, sizeof title, "%s – %s", TR(l, "Rapport mensuel de disponibilité", "Monthly availability report"),
             fa.month);
    report_render_target(l, fa.target, tg, sizeof tg);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n<title>", TR(l, "fr", "en"));
    html_text(f, title);
    fprintf(f, "</title>\n<meta name=\"generator\" content=\"");
    html_text(f, rj_s(doc, "software"));
    fprintf(f, "\">\n<style>%s</style></head><body>\n", rr_css);
    fprintf(f, "<header class=\"cover\"><h1>%s</h1><p>", TR(l, "Rapport mensuel de disponibilité", "Monthly availability report"));
    html_text(f, fa.month);
    fprintf(f, "</p><p>");
    if (fa.same_target)
        snprintf(text, sizeof text, TR(l, "%zu site(s) – objectif de disponibilité %s par site",
                                       "%zu site(s) – availability target %s per site"), fa.nsites, tg);
    else
        snprintf(text, sizeof text, TR(l, "%zu site(s) – objectif propre à chaque site", "%zu site(s) – each with its own target"), fa.nsites);
    html_text(f, text);
    fprintf(f, "</p></header>\n<h2>%s</h2>\n", TR(l, "Synthèse", "Summary"));
    snprintf(text, sizeof text, TR(l, "Objectif atteint par %zu site(s) sur %zu, du moins disponible au plus disponible.",
                                   "Target met by %zu site(s) of %zu, least available first."), fa.met, fa.nsites);
    fprintf(f, "<p>");
    html_text(f, text);
    fprintf(f, "</p>\n");
    html_summary_table(f, doc, l);

    fprintf(f, "<h2>%s</h2>\n<table><tbody>\n", TR(l, "Données du calcul", "What the figures were computed from"));
    html_kv(f, TR(l, "Période", "Period"), fa.month, NULL);
    rr_site_list(doc, text, sizeof text);
    html_kv(f, TR(l, "Sites", "Sites"), text, NULL);
    rr_zones(doc, text, sizeof text);
    html_kv(f, TR(l, "Fuseau horaire", "Time zone"), text, NULL);
    rr_policies(doc, l, text, sizeof text);
    html_kv(f, TR(l, "Période sans données", "Time without data"), text, NULL);
    html_kv(f, TR(l, "Logiciel", "Software"), rj_s(doc, "software"), NULL);
    rr_long_time(l, rj_i(doc, "generated_at"), text, sizeof text);
    html_kv(f, TR(l, "Établi le", "Generated on"), text, NULL);
    html_kv(f, TR(l, "Empreinte SHA-256 des chiffres", "SHA-256 digest of the figures"), fa.digest, "digest");
    fprintf(f, "</tbody></table>\n<p class=\"note\">%s</p>\n",
            TR(l, "L'empreinte porte sur les chiffres du rapport (le document JSON canonique, sans sa date de "
                  "génération) : le recalculer sur les mêmes données redonne les mêmes chiffres et la même empreinte.",
               "The digest covers the figures of the report (the canonical JSON document without its generation "
               "time): computing it again from the same data gives the same figures and the same digest."));
    fprintf(f, "<div class=\"sign\"><div><b>%s</b>%s</div><div><b>%s</b>%s</div></div>\n",
            TR(l, "Établi par", "Prepared by"), TR(l, "Nom, date et signature", "Name, date and signature"),
            TR(l, "Visa du délégataire", "Acknowledged by the operator"), TR(l, "Nom, date et signature", "Name, date and signature"));

    size_t i;
    json_t *s;
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        json_t *fig = rj_o(s, "figures");
        rr_status st = rr_site_status(fig);
        const char *tz = rj_s(s, "timezone");
        char st_text[64];
        snprintf(st_text, sizeof st_text, "%s %s", TR(l, "Objectif", "Target"), rr_status_word(l, st));
        rr_site_title(s, title, sizeof title);
        fprintf(f, "<section class=\"site\"><h2><span class=\"badge %s\">", rr_status_class(st));
        html_text(f, st_text);
        fprintf(f, "</span>");
        html_text(f, title);
        fprintf(f, "</h2>\n<p class=\"sub\">");
        char span[200];
        rr_period_span(l, s, span, sizeof span);
        snprintf(text, sizeof text, "%s · %s · %s %s · %s %s", rr_kind(l, rj_s(s, "kind")), span,
                 TR(l, "fuseau", "zone"), tz, TR(l, "période sans données :", "time without data:"),
                 rr_policy(l, rj_s(s, "unknown_policy")));
        html_text(f, text);
        fprintf(f, "</p>\n");

        rr_fig_row rows[16];
        size_t nr = rr_figure_rows(s, l, rows);
        json_t *y = rj_o(s, "year_to_date");
        char yf[24], yt[24];
        rr_date(l, rj_i(y, "from"), tz, yf, sizeof yf);
        rr_date(l, rj_i(y, "to"), tz, yt, sizeof yt);
        snprintf(text, sizeof text, TR(l, "Cumul annuel (%s – %s)", "Year to date (%s – %s)"), yf, yt);
        fprintf(f, "<h3>%s</h3><table><thead><tr>", TR(l, "Indicateurs", "Figures"));
        html_cell(f, "th", NULL, TR(l, "Indicateur", "Figure"));
        html_cell(f, "th", "num", fa.month);
        html_cell(f, "th", "num", text);
        fprintf(f, "</tr></thead><tbody>\n");
        for (size_t r = 0; r < nr; r++) {
            fprintf(f, "<tr>");
            html_cell(f, "td", "kv", rows[r].label);
            const char *cls = rows[r].style == 1 ? "num met" : rows[r].style == 2 ? "num missed" : rows[r].style == 3 ? "num nodata" : "num";
            html_cell(f, "td", cls, rows[r].month);
            html_cell(f, "td", "num", rows[r].ytd);
            fprintf(f, "</tr>\n");
        }
        fprintf(f, "</tbody></table>\n");

        fprintf(f, "<h3>%s</h3><table><thead><tr>", TR(l, "Disponibilité par service", "Availability per service"));
        const char *sh[] = {TR(l, "Service", "Service"), TR(l, "Disponibilité", "Availability"),
                            TR(l, "Indisponibilité", "Downtime"), TR(l, "Incidents", "Incidents"),
                            TR(l, "Temps inconnu", "Unknown time"), TR(l, "Maintenance", "Maintenance")};
        for (int c = 0; c < 6; c++)
            html_cell(f, "th", c ? "num" : NULL, sh[c]);
        fprintf(f, "</tr></thead><tbody>\n");
        size_t k;
        json_t *v;
        json_array_foreach(rj_o(s, "services"), k, v) {
            char av[48], down[48], unk[48], mt[48], inc[16];
            report_render_availability(l, rj_n(v, "availability"), av, sizeof av);
            report_render_duration(l, (double)rj_i(v, "downtime"), down, sizeof down);
            report_render_duration(l, (double)rj_i(v, "unknown"), unk, sizeof unk);
            report_render_duration(l, (double)rj_i(v, "maintenance"), mt, sizeof mt);
            snprintf(inc, sizeof inc, "%lld", rj_i(v, "incidents"));
            fprintf(f, "<tr>");
            html_cell(f, "td", NULL, rr_service_name(l, rj_s(v, "name")));
            html_cell(f, "td", "num", av);
            html_cell(f, "td", "num", down);
            html_cell(f, "td", "num", inc);
            html_cell(f, "td", "num", unk);
            html_cell(f, "td", "num", mt);
            fprintf(f, "</tr>\n");
        }
        fprintf(f, "</tbody></table>\n");

        fprintf(f, "<h3>%s</h3>\n", TR(l, "Incidents", "Incidents"));
        if (json_array_size(rj_o(s, "incidents")) == 0) {
            fprintf(f, "<p class=\"none\">%s</p>\n", TR(l, "Aucun incident sur la période.", "No incident in the period."));
        } else {
            fprintf(f, "<table><thead><tr>");
            const char *ih[] = {TR(l, "Début", "Start"), TR(l, "Fin", "End"), TR(l, "Durée", "Duration"),
                                TR(l, "Service(s)", "Service(s)"), TR(l, "Cause", "Cause"),
                                TR(l, "Exclu (maintenance)", "Excluded (maintenance)")};
            for (int c = 0; c < 6; c++)
                html_cell(f, "th", c == 2 ? "num" : NULL, ih[c]);
            fprintf(f, "</tr></thead><tbody>\n");
            json_t *in;
            json_array_foreach(rj_o(s, "incidents"), k, in) {
                char a[40], e[40], d[48], sv[200];
                rr_time(l, rj_i(in, "start"), tz, a, sizeof a);
                rr_time(l, rj_i(in, "end"), tz, e, sizeof e);
                report_render_duration(l, (double)rj_i(in, "duration"), d, sizeof d);
                rr_services_list(l, rj_s(in, "services"), sv, sizeof sv);
                fprintf(f, "<tr>");
                html_cell(f, "td", NULL, a);
                html_cell(f, "td", NULL, e);
                html_cell(f, "td", "num", d);
                html_cell(f, "td", NULL, sv);
                html_cell(f, "td", NULL, rj_s(in, "cause"));
                html_cell(f, "td", NULL, rj_b(in, "excluded") ? TR(l, "oui", "yes") : TR(l, "non", "no"));
                fprintf(f, "</tr>\n");
            }
            fprintf(f, "</tbody></table>\n");
        }

        fprintf(f, "<h3>%s</h3>\n", TR(l, "Fenêtres de maintenance", "Maintenance windows"));
        if (json_array_size(rj_o(s, "maintenance_windows")) == 0) {
            fprintf(f, "<p class=\"none\">%s</p>\n",
                    TR(l, "Aucune fenêtre de maintenance sur la période.", "No maintenance window in the period."));
        } else {
            fprintf(f, "<table><thead><tr>");
            const char *mh[] = {TR(l, "Début", "Start"), TR(l, "Fin", "End"), TR(l, "Service", "Service"),
                                TR(l, "Motif", "Reason"), TR(l, "Déclarée par", "Declared by")};
            for (int c = 0; c < 5; c++)
                html_cell(f, "th", NULL, mh[c]);
            fprintf(f, "</tr></thead><tbody>\n");
            json_t *w;
            json_array_foreach(rj_o(s, "maintenance_windows"), k, w) {
                char a[40], e[40];
                rr_time(l, rj_i(w, "start"), tz, a, sizeof a);
                rr_time(l, rj_i(w, "end"), tz, e, sizeof e);
                const char *svc = rj_s(w, "service");
                fprintf(f, "<tr>");
                html_cell(f, "td", NULL, a);
                html_cell(f, "td", NULL, e);
                html_cell(f, "td", NULL, *svc ? rr_service_name(l, svc) : TR(l, "tout le site", "whole site"));
                html_cell(f, "td", NULL, rj_s(w, "reason"));
                html_cell(f, "td", NULL, rj_s(w, "who"));
                fprintf(f, "</tr>\n");
            }
            fprintf(f, "</tbody></table>\n");
        }

        rr_graphs g;
        rr_graphs_site(o, s, "PNG", &g);
        if (g.n) {
            fprintf(f, "<h3>%s</h3><div class=\"graphs\">\n", TR(l, "Mesures du mois", "Measurements of the month"));
            for (size_t n = 0; n < g.n; n++) {
                fprintf(f, "<img alt=\"\" src=\"data:image/png;base64,");
                html_base64(f, g.g[n].img, g.g[n].len);
                fprintf(f, "\">\n");
            }
            fprintf(f, "</div>\n");
        }
        rr_graphs_free(&g);
        fprintf(f, "</section>\n");
    }
    fprintf(f, "<footer>");
    snprintf(text, sizeof text, "%s – %s – SHA-256 %s", rj_s(doc, "software"), fa.month, fa.digest);
    html_text(f, text);
    fprintf(f, "</footer>\n</body></html>\n");
    return rr_close(&b, out, err, err_size);
}

/* ---- PDF (cairo + pango) -------------------------------------------------------------------- */

#define PW 595.276
#define PH 841.89
#define ML 48.0
#define CW (PW - 2 * ML)
#define TOP 62.0
#define BOTTOM (PH - 52.0)

typedef struct {
    double r, g, b;
} rr_rgb;

static const rr_rgb C_NAVY = {0.122, 0.227, 0.373}, C_TEXT = {0.13, 0.13, 0.13}, C_GREY = {0.42, 0.42, 0.42},
                    C_LINE = {0.79, 0.82, 0.86}, C_ZEBRA = {0.957, 0.965, 0.976}, C_WHITE = {1, 1, 1},
                    C_OK = {0.106, 0.369, 0.125}, C_OK_BG = {0.890, 0.949, 0.894}, C_BAD = {0.718, 0.110, 0.110},
                    C_BAD_BG = {0.992, 0.925, 0.918}, C_NA_BG = {0.933, 0.933, 0.933};

typedef struct {
    cairo_t *cr;
    report_lang l;
    double y;
    int page, pages;
    const char *running; /* the running header: "Rapport … – octobre 2026" */
    const char *digest;
    const char *software;
} rr_pdf;

enum { AL_LEFT, AL_RIGHT, AL_CENTER };

/* Lays out text in a box of width w at (x, y) (w <= 0: on one line), wrapping at words (then
 * anywhere when word_char); draws it when draw. Returns its height; *width its natural width. */
static double pdf_text_ex(rr_pdf *p, double x, double y, double w, const char *text, const char *font, rr_rgb c,
                          int align, bool draw, bool word_char, double *width)
{
    PangoLayout *lay = pango_cairo_create_layout(p->cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(lay), 72);
    pango_layout_context_changed(lay);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(lay, w > 0 ? (int)(w * PANGO_SCALE) : -1);
    pango_layout_set_wrap(lay, word_char ? PANGO_WRAP_WORD_CHAR : PANGO_WRAP_WORD);
    pango_layout_set_alignment(lay, align == AL_RIGHT ? PANGO_ALIGN_RIGHT : align == AL_CENTER ? PANGO_ALIGN_CENTER
                                                                                              : PANGO_ALIGN_LEFT);
    pango_layout_set_text(lay, text, -1);
    int pw, ph;
    pango_layout_get_size(lay, &pw, &ph);
    if (width) {
        PangoRectangle ink, logical;
        pango_layout_get_extents(lay, &ink, &logical);
        *width = (double)logical.width / PANGO_SCALE;
    }
    if (draw) {
        cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, lay);
    }
    g_object_unref(lay);
    return (double)ph / PANGO_SCALE;
}

static double pdf_text(rr_pdf *p, double x, double y, double w, const char *text, const char *font, rr_rgb c, int align,
                       bool draw)
{
    return pdf_text_ex(p, x, y, w, text, font, c, align, draw, true, NULL);
}

/* How wide text is on one line. */
static double pdf_width(rr_pdf *p, const char *text, const char *font)
{
    double w;
    pdf_text_ex(p, 0, 0, 0, text, font, C_TEXT, AL_LEFT, false, true, &w);
    return w;
}

static void pdf_rect(rr_pdf *p, double x, double y, double w, double h, rr_rgb c)
{
    cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
    cairo_rectangle(p->cr, x, y, w, h);
    cairo_fill(p->cr);
}

static void pdf_hline(rr_pdf *p, double x, double y, double w, rr_rgb c, double width)
{
    cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, x, y);
    cairo_line_to(p->cr, x + w, y);
    cairo_stroke(p->cr);
}

/* The running header and the footer of the current page. */
static void pdf_page_furniture(rr_pdf *p, bool cover)
{
    if (!cover) {
        pdf_text(p, ML, 30, CW * 0.7, p->running, "DejaVu Sans 7.5", C_GREY, AL_LEFT, true);
        pdf_text(p, ML + CW * 0.7, 30, CW * 0.3, p->software, "DejaVu Sans 7.5", C_GREY, AL_RIGHT, true);
        pdf_hline(p, ML, 42, CW, C_LINE, 0.6);
    }
    pdf_hline(p, ML, PH - 40, CW, C_LINE, 0.6);
    char left[160], right[64];
    snprintf(left, sizeof left, "SHA-256 %.16s…", p->digest);
    if (p->pages)
        snprintf(right, sizeof right, "%s %d / %d", TR(p->l, "page", "page"), p->page, p->pages);
    else
        snprintf(right, sizeof right, "%s %d", TR(p->l, "page", "page"), p->page);
    pdf_text(p, ML, PH - 35, CW * 0.7, left, "DejaVu Sans Mono 7", C_GREY, AL_LEFT, true);
    pdf_text(p, ML + CW * 0.7, PH - 35, CW * 0.3, right, "DejaVu Sans 7.5", C_GREY, AL_RIGHT, true);
}

static void pdf_new_page(rr_pdf *p)
{
    cairo_show_page(p->cr);
    p->page++;
    p->y = TOP;
    pdf_page_furniture(p, false);
}

static void pdf_need(rr_pdf *p, double h)
{
    if (p->y + h > BOTTOM)
        pdf_new_page(p);
}

static void pdf_heading(rr_pdf *p, const char *text, bool big)
{
    const char *font = big ? "DejaVu Sans Bold 13" : "DejaVu Sans Bold 10.5";
    double h = pdf_text(p, ML, 0, CW, text, font, C_NAVY, AL_LEFT, false);
    pdf_need(p, h + 40); /* a heading never ends a page alone */
    p->y += big ? 10 : 8;
    pdf_text(p, ML, p->y, CW, text, font, C_NAVY, AL_LEFT, true);
    p->y += h + 2;
    if (big) {
        pdf_hline(p, ML, p->y, CW, C_NAVY, 1.4);
        p->y += 5;
    } else {
        p->y += 2;
    }
}

static void pdf_para(rr_pdf *p, const char *text, const char *font, rr_rgb c)
{
    double h = pdf_text(p, ML, 0, CW, text, font, c, AL_LEFT, false);
    pdf_need(p, h);
    pdf_text(p, ML, p->y, CW, text, font, c, AL_LEFT, true);
    p->y += h + 4;
}

typedef struct {
    const char *head;
    double frac;  /* share of the width left by the other columns */
    int align;
    bool wrap;    /* free text (names, causes, reasons): wraps; the other columns get their natural width */
} pdf_col;

enum { ST_NONE = 0, ST_MET, ST_MISSED, ST_NODATA, ST_BOLD, ST_MONO };

#define PAD_X 4.0
#define PAD_Y 2.6
#define F_HEAD "DejaVu Sans Bold 7.5"
#define F_CELL "DejaVu Sans 8"
#define F_CELL_BOLD "DejaVu Sans Bold 8"
#define F_CELL_MONO "DejaVu Sans Mono 7.5"

static const char *pdf_cell_font(int st, bool header)
{
    if (header)
        return F_HEAD;
    return st == ST_MONO ? F_CELL_MONO : st == ST_BOLD || st == ST_MET || st == ST_MISSED ? F_CELL_BOLD : F_CELL;
}

/* The widest word of a header: headers wrap between words only. */
static double pdf_head_width(rr_pdf *p, const char *head)
{
    double w = 0;
    char word[128];
    while (*head) {
        size_t n = strcspn(head, " ");
        snprintf(word, sizeof word, "%.*s", (int)n, head);
        double x = pdf_width(p, word, F_HEAD);
        if (x > w)
            w = x;
        head += n;
        head += strspn(head, " ");
    }
    return w;
}

/* Column widths: the natural width of the columns that do not wrap, the rest of the page to those
 * that do; scaled to the page when nothing wraps or when it does not fit. */
static void pdf_widths(rr_pdf *p, const pdf_col *cols, int ncols, const char *const *cells, const int *styles,
                       size_t nrows, double *w)
{
    double fixed = 0, wrapfrac = 0, natural = 0;
    for (int c = 0; c < ncols; c++) {
        if (cols[c].wrap) {
            wrapfrac += cols[c].frac;
            w[c] = 0;
            continue;
        }
        double m = cols[c].head ? pdf_head_width(p, cols[c].head) : 0;
        for (size_t r = 0; r < nrows; r++) {
            size_t i = r * (size_t)ncols + (size_t)c;
            double x = pdf_width(p, cells[i], pdf_cell_font(styles ? styles[i] : ST_NONE, false));
            if (x > m)
                m = x;
        }
        w[c] = m + 2 * PAD_X + 1;
        fixed += w[c];
    }
    double rest = CW - fixed;
    if (wrapfrac > 0 && rest >= 70 * wrapfrac) {
        for (int c = 0; c < ncols; c++)
            if (cols[c].wrap)
                w[c] = rest * cols[c].frac / wrapfrac;
        return;
    }
    if (wrapfrac == 0 && rest >= 0) { /* spread what is left over every column */
        for (int c = 0; c < ncols; c++)
            w[c] += rest / ncols;
        return;
    }
    for (int c = 0; c < ncols; c++)
        natural += cols[c].frac;
    for (int c = 0; c < ncols; c++)
        w[c] = CW * cols[c].frac / natural;
}

static double pdf_row_height(rr_pdf *p, const double *w, int ncols, const char *const *cells, const int *styles,
                             bool header)
{
    double h = 0;
    for (int c = 0; c < ncols; c++) {
        int st = styles ? styles[c] : ST_NONE;
        double t = pdf_text_ex(p, 0, 0, w[c] - 2 * PAD_X, cells[c], pdf_cell_font(st, header), C_TEXT, AL_LEFT, false,
                               !header, NULL);
        if (t > h)
            h = t;
    }
    return h + 2 * PAD_Y;
}

static void pdf_row(rr_pdf *p, const pdf_col *cols, const double *w, int ncols, const char *const *cells,
                    const int *styles, double h, bool header, bool zebra)
{
    double x = ML;
    if (header)
        pdf_rect(p, ML, p->y, CW, h, C_NAVY);
    else if (zebra)
        pdf_rect(p, ML, p->y, CW, h, C_ZEBRA);
    for (int c = 0; c < ncols; c++) {
        int st = styles ? styles[c] : ST_NONE;
        rr_rgb fg = header ? C_WHITE : C_TEXT;
        if (st == ST_MET || st == ST_MISSED || st == ST_NODATA) {
            pdf_rect(p, x, p->y, w[c], h, st == ST_MET ? C_OK_BG : st == ST_MISSED ? C_BAD_BG : C_NA_BG);
            fg = st == ST_MET ? C_OK : st == ST_MISSED ? C_BAD : C_GREY;
        }
        pdf_text_ex(p, x + PAD_X, p->y + PAD_Y, w[c] - 2 * PAD_X, cells[c], pdf_cell_font(st, header), fg,
                    cols[c].align, true, !header, NULL);
        x += w[c];
    }
    if (!header)
        pdf_hline(p, ML, p->y + h, CW, C_LINE, 0.5);
    p->y += h;
}

/* A table that continues on the next page with its header repeated. cells: nrows x ncols. */
static void pdf_table(rr_pdf *p, const pdf_col *cols, int ncols, const char *const *cells, const int *styles, size_t nrows)
{
    const char *heads[16];
    double w[16];
    bool has_head = cols[0].head != NULL;
    for (int c = 0; c < ncols; c++)
        heads[c] = cols[c].head ? cols[c].head : "";
    pdf_widths(p, cols, ncols, cells, styles, nrows, w);
    double hh = has_head ? pdf_row_height(p, w, ncols, heads, NULL, true) : 0;
    double first = nrows ? pdf_row_height(p, w, ncols, cells, styles, false) : 0;
    pdf_need(p, hh + first);
    if (has_head)
        pdf_row(p, cols, w, ncols, heads, NULL, hh, true, false);
    for (size_t r = 0; r < nrows; r++) {
        const char *const *row = cells + r * (size_t)ncols;
        const int *st = styles ? styles + r * (size_t)ncols : NULL;
        double h = pdf_row_height(p, w, ncols, row, st, false);
        if (p->y + h > BOTTOM) {
            pdf_new_page(p);
            if (has_head)
                pdf_row(p, cols, w, ncols, heads, NULL, hh, true, false);
        }
        pdf_row(p, cols, w, ncols, row, st, h, false, r % 2 == 1);
    }
    p->y += 8;
}

/* Strings of a table, kept until it is drawn. */
typedef struct {
    char (*s)[256];
    const char **cells;
    int *styles;
    size_t n, cap;
} pdf_cells;

static int pdf_cells_init(pdf_cells *c, size_t cap)
{
    c->s = calloc(cap ? cap : 1, sizeof *c->s);
    c->cells = calloc(cap ? cap : 1, sizeof *c->cells);
    c->styles = calloc(cap ? cap : 1, sizeof *c->styles);
    c->n = 0;
    c->cap = cap;
    return c->s && c->cells && c->styles ? 0 : -1;
}

static void pdf_cells_free(pdf_cells *c)
{
    free(c->s);
    free(c->cells);
    free(c->styles);
}

static void pdf_cell(pdf_cells *c, const char *text, int style)
{
    if (c->n >= c->cap)
        return;
    snprintf(c->s[c->n], sizeof c->s[0], "%s", text);
    c->cells[c->n] = c->s[c->n];
    c->styles[c->n++] = style;
}

static int rr_status_style(rr_status st) { return st == RR_MET ? ST_MET : st == RR_MISSED ? ST_MISSED : ST_NODATA; }

/* A site's graphs for the PDF. Which ones it has is known before the layout (their size is fixed);
 * each is drawn by librrd, as SVG, only when its page is painted, and freed at once: a month of vector
 * graphs is never held (300 of them weigh some 25 MB). Drawing looks its series up again (a read of
 * the devices' folders, cached by then) rather than keeping 8 file paths per graph for the month. */
typedef struct {
    const report_render_opts *o;
    const json_t *site;
    rr_devices *devs;
    const rr_graph_spec *spec[RR_MAX_GRAPHS];
    size_t n;
} pdf_images;

/* Draws one graph of the site into the page, as vector paths, in the box (x, y, w, h). */
static void pdf_graph(rr_pdf *p, const pdf_images *im, size_t k, double x, double y, double w, double h)
{
    rr_graph g = {0};
    GError *e = NULL;
    RsvgHandle *rh = NULL;
    if (rr_graph_draw(im->o, im->site, im->spec[k], im->devs, "SVG", &g) == 0) {
        rh = rsvg_handle_new_from_data(g.img, g.len, &e);
        RsvgRectangle box = {x, y, w, h};
        if (!rh || !rsvg_handle_render_document(rh, p->cr, &box, &e))
            log_warn("report", "site %s: graph '%s' not drawn: %s", rj_s(im->site, "site"), im->spec[k]->title_en,
                     e ? e->message : "unknown error");
    }
    if (e)
        g_error_free(e);
    if (rh)
        g_object_unref(rh);
    free(g.img);
}

static void pdf_cover(rr_pdf *p, const json_t *doc, const rr_facts *fa)
{
    report_lang l = p->l;
    char text[1024], tg[48];
    pdf_rect(p, 0, 0, PW, 150, C_NAVY);
    pdf_text(p, ML, 40, CW, TR(l, "RAPPORT MENSUEL DE DISPONIBILITÉ", "MONTHLY AVAILABILITY REPORT"),
             "DejaVu Sans Bold 20", C_WHITE, AL_LEFT, true);
    pdf_text(p, ML, 72, CW, fa->month, "DejaVu Sans 17", C_WHITE, AL_LEFT, true);
    report_render_target(l, fa->target, tg, sizeof tg);
    if (fa->same_target)
        snprintf(text, sizeof text, TR(l, "%zu site(s) – objectif de disponibilité %s par site%s",
                                       "%zu site(s) – availability target %s per site%s"),
                 fa->nsites, tg, fabs(fa->target - 99.982) < 1e-9 ? " (Tier III)" : "");
    else
        snprintf(text, sizeof text, TR(l, "%zu site(s) – objectif propre à chaque site", "%zu site(s) – each with its own target"),
                 fa->nsites);
    pdf_text(p, ML, 108, CW, text, "DejaVu Sans 10", C_WHITE, AL_LEFT, true);
    p->y = 172;
    pdf_heading(p, TR(l, "Synthèse", "Summary"), true);
    snprintf(text, sizeof text, TR(l, "Objectif atteint par %zu site(s) sur %zu. Sites du moins disponible au plus disponible.",
                                   "Target met by %zu site(s) of %zu. Sites from the least available to the most."),
             fa->met, fa->nsites);
    pdf_para(p, text, "DejaVu Sans 9", fa->met + fa->nodata == fa->nsites ? C_OK : C_BAD);

    static const pdf_col cols_fr[] = {{"Site", 1, AL_LEFT, true},          {"Disponibilité", 0.12, AL_RIGHT, false},
                                      {"Objectif", 0.09, AL_RIGHT, false},    {"Atteint", 0.1, AL_CENTER, false},
                                      {"Indisponibilité", 0.12, AL_RIGHT, false}, {"Autorisée", 0.11, AL_RIGHT, false},
                                      {"Budget consommé", 0.09, AL_RIGHT, false}, {"Incidents", 0.1, AL_RIGHT, false}};
    static const pdf_col cols_en[] = {{"Site", 1, AL_LEFT, true},          {"Availability", 0.12, AL_RIGHT, false},
                                      {"Target", 0.09, AL_RIGHT, false},      {"Met", 0.1, AL_CENTER, false},
                                      {"Downtime", 0.12, AL_RIGHT, false},    {"Allowed", 0.11, AL_RIGHT, false},
                                      {"Budget used", 0.09, AL_RIGHT, false}, {"Incidents", 0.1, AL_RIGHT, false}};
    pdf_cells c;
    size_t nsites = json_array_size(rj_o(doc, "sites"));
    if (pdf_cells_init(&c, nsites * 8) == 0) {
        size_t i;
        json_t *s;
        json_array_foreach(rj_o(doc, "sites"), i, s) {
            json_t *fig = rj_o(s, "figures");
            rr_status st = rr_site_status(fig);
            char title[220], v[64];
            rr_site_title(s, title, sizeof title);
            pdf_cell(&c, title, ST_NONE);
            report_render_availability(l, rj_n(fig, "availability"), v, sizeof v);
            pdf_cell(&c, v, ST_BOLD);
            report_render_target(l, rj_n(s, "target"), v, sizeof v);
            pdf_cell(&c, v, ST_NONE);
            pdf_cell(&c, st == RR_MET ? TR(l, "oui", "yes") : st == RR_MISSED ? TR(l, "non", "no") : TR(l, "n.d.", "n/a"),
                     rr_status_style(st));
            report_render_duration(l, (double)rj_i(fig, "downtime"), v, sizeof v);
            pdf_cell(&c, v, ST_NONE);
            report_render_duration(l, rj_n(fig, "allowed_downtime"), v, sizeof v);
            pdf_cell(&c, v, ST_NONE);
            rr_pct(l, rj_n(fig, "budget_consumed"), 1, v, sizeof v);
            pdf_cell(&c, v, ST_NONE);
            snprintf(v, sizeof v, "%lld", rj_i(fig, "incidents"));
            pdf_cell(&c, v, ST_NONE);
        }
        pdf_table(p, l == REPORT_LANG_FR ? cols_fr : cols_en, 8, c.cells, c.styles, nsites);
        pdf_cells_free(&c);
    }

    pdf_heading(p, TR(l, "Données du calcul", "What the figures were computed from"), true);
    static const pdf_col kv[] = {{NULL, 0.3, AL_LEFT, false}, {NULL, 1, AL_LEFT, true}};
    if (pdf_cells_init(&c, 16) == 0) {
        pdf_cell(&c, TR(l, "Période", "Period"), ST_BOLD);
        pdf_cell(&c, fa->month, ST_NONE);
        rr_site_list(doc, text, sizeof text);
        pdf_cell(&c, TR(l, "Sites", "Sites"), ST_BOLD);
        pdf_cell(&c, text, ST_NONE);
        rr_zones(doc, text, sizeof text);
        pdf_cell(&c, TR(l, "Fuseau horaire", "Time zone"), ST_BOLD);
        pdf_cell(&c, text, ST_NONE);
        rr_policies(doc, l, text, sizeof text);
        pdf_cell(&c, TR(l, "Période sans données", "Time without data"), ST_BOLD);
        pdf_cell(&c, text, ST_NONE);
        pdf_cell(&c, TR(l, "Logiciel", "Software"), ST_BOLD);
        pdf_cell(&c, rj_s(doc, "software"), ST_NONE);
        rr_long_time(l, rj_i(doc, "generated_at"), text, sizeof text);
        pdf_cell(&c, TR(l, "Établi le", "Generated on"), ST_BOLD);
        pdf_cell(&c, text, ST_NONE);
        pdf_cell(&c, TR(l, "Empreinte SHA-256 des chiffres", "SHA-256 digest of the figures"), ST_BOLD);
        pdf_cell(&c, fa->digest, ST_MONO);
        pdf_table(p, kv, 2, c.cells, c.styles, c.n / 2);
        pdf_cells_free(&c);
    }
    pdf_para(p,
             TR(l, "L'empreinte porte sur les chiffres du rapport (le document JSON canonique, sans sa date de "
                   "génération) : le recalculer sur les mêmes données redonne les mêmes chiffres et la même empreinte. "
                   "Heures dans le fuseau de chaque site.",
                "The digest covers the figures of the report (the canonical JSON document without its generation "
                "time): computing it again from the same data gives the same figures and the same digest. Times are "
                "in each site's time zone."),
             "DejaVu Sans 7.5", C_GREY);

    /* where the signatures go */
    double bh = 92;
    pdf_need(p, bh + 20);
    double y = p->y + 12 > BOTTOM - bh ? p->y + 12 : BOTTOM - bh;
    const char *who[2] = {TR(l, "Établi par", "Prepared by"), TR(l, "Visa du délégataire", "Acknowledged by the operator")};
    double bw = (CW - 16) / 2;
    for (int i = 0; i < 2; i++) {
        double x = ML + i * (bw + 16);
        cairo_set_source_rgb(p->cr, 0.55, 0.55, 0.55);
        cairo_set_line_width(p->cr, 0.7);
        cairo_rectangle(p->cr, x, y, bw, bh);
        cairo_stroke(p->cr);
        pdf_text(p, x + 8, y + 6, bw - 16, who[i], "DejaVu Sans Bold 9", C_NAVY, AL_LEFT, true);
        pdf_text(p, x + 8, y + 24, bw - 16, TR(l, "Nom :", "Name:"), "DejaVu Sans 8", C_GREY, AL_LEFT, true);
        pdf_text(p, x + 8, y + 40, bw - 16, TR(l, "Date :", "Date:"), "DejaVu Sans 8", C_GREY, AL_LEFT, true);
        pdf_text(p, x + 8, y + 56, bw - 16, TR(l, "Signature :", "Signature:"), "DejaVu Sans 8", C_GREY, AL_LEFT, true);
    }
    p->y = y + bh;
}

static void pdf_site(rr_pdf *p, const json_t *s, const rr_facts *fa, const pdf_images *im)
{
    report_lang l = p->l;
    const char *tz = rj_s(s, "timezone");
    json_t *fig = rj_o(s, "figures");
    rr_status st = rr_site_status(fig);
    char title[220], text[1024];
    pdf_new_page(p);
    rr_site_title(s, title, sizeof title);
    /* the status on the right, the name on the left */
    char badge[64];
    snprintf(badge, sizeof badge, "%s %s", TR(l, "OBJECTIF", "TARGET"),
             st == RR_MET ? TR(l, "ATTEINT", "MET") : st == RR_MISSED ? TR(l, "NON ATTEINT", "NOT MET") : TR(l, "SANS DONNÉES", "NO DATA"));
    PangoLayout *lay = pango_cairo_create_layout(p->cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(lay), 72);
    pango_layout_context_changed(lay);
    PangoFontDescription *fd = pango_font_description_from_string("DejaVu Sans Bold 8.5");
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(lay, badge, -1);
    int tw, th;
    pango_layout_get_size(lay, &tw, &th);
    g_object_unref(lay);
    double bwid = (double)tw / PANGO_SCALE + 16, bhei = (double)th / PANGO_SCALE + 8;
    pdf_rect(p, ML + CW - bwid, p->y + 2, bwid, bhei, st == RR_MET ? C_OK : st == RR_MISSED ? C_BAD : C_GREY);
    pdf_text(p, ML + CW - bwid + 8, p->y + 6, bwid, badge, "DejaVu Sans Bold 8.5", C_WHITE, AL_LEFT, true);
    double h = pdf_text(p, ML, p->y, CW - bwid - 10, title, "DejaVu Sans Bold 15", C_NAVY, AL_LEFT, true);
    p->y += (h > bhei + 4 ? h : bhei + 4) + 2;
    pdf_hline(p, ML, p->y, CW, C_NAVY, 1.4);
    p->y += 5;
    char span[200];
    rr_period_span(l, s, span, sizeof span);
    snprintf(text, sizeof text, "%s · %s\n%s %s · %s %s", rr_kind(l, rj_s(s, "kind")), span, TR(l, "Fuseau", "Time zone"),
             tz, TR(l, "période sans données :", "time without data:"), rr_policy(l, rj_s(s, "unknown_policy")));
    pdf_para(p, text, "DejaVu Sans 8.5", C_GREY);

    /* figures: the month and the year to date */
    rr_fig_row rows[16];
    size_t nr = rr_figure_rows(s, l, rows);
    json_t *y = rj_o(s, "year_to_date");
    char yf[24], yt[24], ycol[96];
    rr_date(l, rj_i(y, "from"), tz, yf, sizeof yf);
    rr_date(l, rj_i(y, "to"), tz, yt, sizeof yt);
    snprintf(ycol, sizeof ycol, TR(l, "Cumul annuel (%s – %s)", "Year to date (%s – %s)"), yf, yt);
    pdf_heading(p, TR(l, "Indicateurs", "Figures"), false);
    pdf_col fcols[] = {{TR(l, "Indicateur", "Figure"), 1, AL_LEFT, true}, {fa->month, 0.26, AL_RIGHT, false},
                       {ycol, 0.36, AL_RIGHT, false}};
    pdf_cells c;
    if (pdf_cells_init(&c, nr * 3) == 0) {
        for (size_t r = 0; r < nr; r++) {
            pdf_cell(&c, rows[r].label, ST_NONE);
            pdf_cell(&c, rows[r].month, rows[r].style == 1 ? ST_MET : rows[r].style == 2 ? ST_MISSED : rows[r].style == 3 ? ST_NODATA : r == 0 ? ST_BOLD : ST_NONE);
            pdf_cell(&c, rows[r].ytd, ST_NONE);
        }
        pdf_table(p, fcols, 3, c.cells, c.styles, nr);
        pdf_cells_free(&c);
    }

    /* services */
    pdf_heading(p, TR(l, "Disponibilité par service", "Availability per service"), false);
    pdf_col scols[] = {{TR(l, "Service", "Service"), 0.22, AL_LEFT, false},
                       {TR(l, "Disponibilité", "Availability"), 0.16, AL_RIGHT, false},
                       {TR(l, "Indisponibilité", "Downtime"), 0.16, AL_RIGHT, false},
                       {TR(l, "Incidents", "Incidents"), 0.12, AL_RIGHT, false},
                       {TR(l, "Temps inconnu", "Unknown time"), 0.17, AL_RIGHT, false},
                       {TR(l, "Maintenance", "Maintenance"), 0.17, AL_RIGHT, false}};
    size_t nsv = json_array_size(rj_o(s, "services"));
    if (pdf_cells_init(&c, nsv * 6) == 0) {
        size_t k;
        json_t *v;
        json_array_foreach(rj_o(s, "services"), k, v) {
            char b[64];
            pdf_cell(&c, rr_service_name(l, rj_s(v, "name")), ST_NONE);
            report_render_availability(l, rj_n(v, "availability"), b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            report_render_duration(l, (double)rj_i(v, "downtime"), b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            snprintf(b, sizeof b, "%lld", rj_i(v, "incidents"));
            pdf_cell(&c, b, ST_NONE);
            report_render_duration(l, (double)rj_i(v, "unknown"), b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            report_render_duration(l, (double)rj_i(v, "maintenance"), b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
        }
        pdf_table(p, scols, 6, c.cells, c.styles, nsv);
        pdf_cells_free(&c);
    }

    /* incidents */
    pdf_heading(p, TR(l, "Incidents", "Incidents"), false);
    size_t ninc = json_array_size(rj_o(s, "incidents"));
    if (ninc == 0) {
        pdf_para(p, TR(l, "Aucun incident sur la période.", "No incident in the period."), "DejaVu Sans Oblique 8.5", C_GREY);
    } else if (pdf_cells_init(&c, ninc * 6) == 0) {
        pdf_col icols[] = {{TR(l, "Début", "Start"), 0.15, AL_LEFT, false},
                           {TR(l, "Fin", "End"), 0.15, AL_LEFT, false},
                           {TR(l, "Durée", "Duration"), 0.13, AL_RIGHT, false},
                           {TR(l, "Service(s)", "Service(s)"), 0.3, AL_LEFT, true},
                           {TR(l, "Cause", "Cause"), 0.7, AL_LEFT, true},
                           {TR(l, "Exclu", "Excluded"), 0.12, AL_CENTER, false}};
        size_t k;
        json_t *in;
        json_array_foreach(rj_o(s, "incidents"), k, in) {
            char b[256];
            rr_time(l, rj_i(in, "start"), tz, b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            rr_time(l, rj_i(in, "end"), tz, b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            report_render_duration(l, (double)rj_i(in, "duration"), b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            rr_services_list(l, rj_s(in, "services"), b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            pdf_cell(&c, rj_s(in, "cause"), ST_NONE);
            bool ex = rj_b(in, "excluded");
            pdf_cell(&c, ex ? TR(l, "oui (maintenance)", "yes (maintenance)") : TR(l, "non", "no"), ex ? ST_NODATA : ST_NONE);
        }
        pdf_table(p, icols, 6, c.cells, c.styles, ninc);
        pdf_cells_free(&c);
    }

    /* maintenance windows */
    pdf_heading(p, TR(l, "Fenêtres de maintenance", "Maintenance windows"), false);
    size_t nw = json_array_size(rj_o(s, "maintenance_windows"));
    if (nw == 0) {
        pdf_para(p, TR(l, "Aucune fenêtre de maintenance sur la période.", "No maintenance window in the period."),
                 "DejaVu Sans Oblique 8.5", C_GREY);
    } else if (pdf_cells_init(&c, nw * 5) == 0) {
        pdf_col mcols[] = {{TR(l, "Début", "Start"), 0.16, AL_LEFT, false},
                           {TR(l, "Fin", "End"), 0.16, AL_LEFT, false},
                           {TR(l, "Service", "Service"), 0.16, AL_LEFT, false},
                           {TR(l, "Motif", "Reason"), 0.75, AL_LEFT, true},
                           {TR(l, "Déclarée par", "Declared by"), 0.25, AL_LEFT, true}};
        size_t k;
        json_t *w;
        json_array_foreach(rj_o(s, "maintenance_windows"), k, w) {
            char b[64];
            rr_time(l, rj_i(w, "start"), tz, b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            rr_time(l, rj_i(w, "end"), tz, b, sizeof b);
            pdf_cell(&c, b, ST_NONE);
            const char *svc = rj_s(w, "service");
            pdf_cell(&c, *svc ? rr_service_name(l, svc) : TR(l, "tout le site", "whole site"), ST_NONE);
            pdf_cell(&c, rj_s(w, "reason"), ST_NONE);
            pdf_cell(&c, rj_s(w, "who"), ST_NONE);
        }
        pdf_table(p, mcols, 5, c.cells, c.styles, nw);
        pdf_cells_free(&c);
    }

    /* graphs, two by row */
    if (im->n) {
        double gw = (CW - 12) / 2;
        double rh = gw * RR_GRAPH_H / RR_GRAPH_W;
        for (size_t i = 0; i < im->n; i += 2) {
            if (i == 0) {
                double hh = pdf_text(p, ML, 0, CW, "x", "DejaVu Sans Bold 10.5", C_NAVY, AL_LEFT, false);
                pdf_need(p, hh + 14 + rh);
                pdf_heading(p, TR(l, "Mesures du mois", "Measurements of the month"), false);
            }
            pdf_need(p, rh + 6);
            for (size_t k = i; k < i + 2 && k < im->n; k++) {
                double x = ML + (double)(k - i) * (gw + 12);
                if (p->pages) /* the page-counting pass needs the layout, not the drawing */
                    pdf_graph(p, im, k, x, p->y, gw, rh);
                cairo_set_source_rgb(p->cr, 0.85, 0.85, 0.85);
                cairo_set_line_width(p->cr, 0.5);
                cairo_rectangle(p->cr, x, p->y, gw, rh);
                cairo_stroke(p->cr);
            }
            p->y += rh + 8;
        }
    }
}

static cairo_status_t rr_pdf_write(void *closure, const unsigned char *data, unsigned int length)
{
    FILE *f = closure;
    return fwrite(data, 1, length, f) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static cairo_status_t rr_pdf_discard(void *closure, const unsigned char *data, unsigned int length)
{
    (void)closure;
    (void)data;
    (void)length;
    return CAIRO_STATUS_SUCCESS;
}

/* One pass over the whole document; returns the number of pages. */
static int pdf_pass(const json_t *doc, report_lang l, const rr_facts *fa, pdf_images *ims, size_t nsites, int pages,
                    cairo_write_func_t write, void *closure, char *err, size_t err_size)
{
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(write, closure, PW, PH);
    char running[200], gen[40];
    snprintf(running, sizeof running, "%s – %s", TR(l, "Rapport mensuel de disponibilité", "Monthly availability report"),
             fa->month);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, running);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, rj_s(doc, "software"));
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_SUBJECT, fa->digest);
    time_t g = (time_t)rj_i(doc, "generated_at");
    struct tm tm;
    gmtime_r(&g, &tm);
    strftime(gen, sizeof gen, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, gen);
    cairo_t *cr = cairo_create(surf);
    rr_pdf p = {.cr = cr, .l = l, .y = TOP, .page = 1, .pages = pages, .running = running, .digest = fa->digest,
                .software = rj_s(doc, "software")};
    pdf_page_furniture(&p, true);
    pdf_cover(&p, doc, fa);
    size_t i;
    json_t *s;
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        if (i < nsites)
            pdf_site(&p, s, fa, &ims[i]);
    }
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    cairo_status_t st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, err_size, "cairo: %s", cairo_status_to_string(st));
        return -1;
    }
    return p.page;
}

static int rr_pdf_doc(const json_t *doc, const report_render_opts *o, report_render_out *out, char *err,
                      size_t err_size)
{
    rr_facts fa;
    if (rr_facts_get(doc, o->lang, &fa, err, err_size) != 0)
        return -1;
    size_t nsites = json_array_size(rj_o(doc, "sites"));
    pdf_images *ims = calloc(nsites ? nsites : 1, sizeof *ims);
    if (!ims) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    size_t i;
    json_t *s;
    json_array_foreach(rj_o(doc, "sites"), i, s) {
        pdf_images *im = &ims[i];
        im->o = o;
        im->site = s;
        im->devs = rr_devices_load(o, s);
        rr_series series[RR_MAX_LINES];
        for (size_t k = 0; im->devs && k < sizeof rr_specs / sizeof rr_specs[0] && im->n < RR_MAX_GRAPHS; k++)
            if (rr_graph_series(o, s, &rr_specs[k], im->devs, series) > 0)
                im->spec[im->n++] = &rr_specs[k];
    }
    int rc = -1;
    /* the first pass counts the pages, for "page 3 / 7" */
    int pages = pdf_pass(doc, o->lang, &fa, ims, nsites, 0, rr_pdf_discard, NULL, err, err_size);
    rr_out b;
    if (pages > 0 && rr_open(&b, err, err_size) == 0) {
        if (pdf_pass(doc, o->lang, &fa, ims, nsites, pages, rr_pdf_write, b.f, err, err_size) > 0)
            rc = rr_close(&b, out, err, err_size);
        else {
            fclose(b.f);
            free(b.data);
        }
    }
    for (size_t k = 0; k < nsites; k++)
        free(ims[k].devs);
    free(ims);
    return rc;
}

/* The public renderers: the process's TZ is back as it was when they return. */
#define RR_PUBLIC(name, inner)                                                                                  \
    int name(const json_t *doc, const report_render_opts *o, report_render_out *out, char *err, size_t err_size) \
    {                                                                                                         \
        char *saved = rr_tz_save();                                                                           \
        int rc = inner(doc, o, out, err, err_size);                                                           \
        rr_tz_restore(saved);                                                                                 \
        return rc;                                                                                            \
    }
RR_PUBLIC(report_render_pdf, rr_pdf_doc)
RR_PUBLIC(report_render_html, rr_html)
RR_PUBLIC(report_render_csv, rr_csv_doc)
RR_PUBLIC(report_render_json, rr_json)

char *report_render_summary(const json_t *doc, report_lang l)
{
    char *saved = rr_tz_save();
    char *text = rr_summary(doc, l);
    rr_tz_restore(saved);
    return text;
}

int report_render(report_format f, const json_t *doc, const report_render_opts *o, report_render_out *out, char *err,
                  size_t err_size)
{
    out->data = NULL;
    out->len = 0;
    switch (f) {
    case REPORT_PDF: return report_render_pdf(doc, o, out, err, err_size);
    case REPORT_HTML: return report_render_html(doc, o, out, err, err_size);
    case REPORT_CSV: return report_render_csv(doc, o, out, err, err_size);
    default: return report_render_json(doc, o, out, err, err_size);
    }
}
