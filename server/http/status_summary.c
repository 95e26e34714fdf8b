/* The summary of a device's table values for GET /api/v1/status (status_summary.h). */
#include "config.h"
#include "vocab_names.h"
#include "http/status_summary.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "vocab.h"

#define SS_MAX_UNITS 32   /* cooling units listed one by one; more are counted in units_total */
#define SS_MAX_ROWS 4096  /* rows of one metric that a total is made of, at most (a PDU's phases) */

/* ---- reading the rows ----------------------------------------------------------------------- */

typedef struct {
    const json_t *metrics;
    const status_summary_opts *o;
    long long newest;
} ss_dev;

static const char *ss_str(const json_t *m, const char *key)
{
    const char *s = json_string_value(json_object_get(m, key));
    return s ? s : "";
}

/* How much older than the device's newest sample a row of metric may be and count: its heartbeat,
 * else stale_after; -1 for no limit. */
static long long ss_window(const ss_dev *d, const char *metric)
{
    if (d->o->stale_after <= 0)
        return -1;
    const vocab_metric *vm = d->o->vocab ? vocab_metric_find(d->o->vocab, metric) : NULL;
    return vm && vm->heartbeat > 0 ? vm->heartbeat : d->o->stale_after;
}

/* Calls fn for each row of metric that is fresh and has a finite value. */
static void ss_each(const ss_dev *d, const char *metric, void (*fn)(void *ctx, const json_t *m), void *ctx)
{
    long long window = ss_window(d, metric);
    size_t i;
    const json_t *m;
    json_array_foreach(d->metrics, i, m) {
        if (strcmp(ss_str(m, "name"), metric) == 0 &&
            (window < 0 || json_integer_value(json_object_get(m, "ts")) >= d->newest - window) &&
            isfinite(json_number_value(json_object_get(m, "value"))))
            fn(ctx, m);
    }
}

static bool ss_has(const ss_dev *d, const char *prefix)
{
    size_t i, n = strlen(prefix);
    const json_t *m;
    json_array_foreach(d->metrics, i, m) {
        if (strncmp(ss_str(m, "name"), prefix, n) == 0)
            return true;
    }
    return false;
}

/* ---- totals: a PDU's current and power ------------------------------------------------------ */

typedef struct {
    const json_t *rows[SS_MAX_ROWS];
    size_t n;
} ss_rows;

static void ss_collect(void *ctx, const json_t *m)
{
    ss_rows *r = ctx;
    if (r->n < SS_MAX_ROWS)
        r->rows[r->n++] = m;
}

/* L1, P3, or .../L2: a phase, by the instances the profiles make (mibs/vocabulary.yaml, pdu). */
static bool ss_phase_like(const char *inst)
{
    const char *p = strrchr(inst, '/');
    p = p ? p + 1 : inst;
    if (*p != 'L' && *p != 'P')
        return false;
    if (!isdigit((unsigned char)p[1]))
        return false;
    for (p++; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

/* Whether another row's instance is under inst ("1" over "1/L1"): an inlet above its phases. */
static bool ss_is_parent(const ss_rows *r, const char *inst)
{
    size_t n = strlen(inst);
    for (size_t i = 0; i < r->n; i++) {
        const char *o = ss_str(r->rows[i], "instance");
        if (strncmp(o, inst, n) == 0 && o[n] == '/')
            return true;
    }
    return false;
}

/* The device's own total (the row without instance), else the sum of the finest rows, so that an
 * inlet and its phases are not both counted: {value, unit, over: total|phases|inlets, count}. */
static json_t *ss_total(const ss_dev *d, const char *metric)
{
    ss_rows *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    ss_each(d, metric, ss_collect, r);
    double sum = 0;
    size_t count = 0;
    bool phases = true;
    const char *unit = "";
    for (size_t i = 0; i < r->n; i++) {
        const char *inst = ss_str(r->rows[i], "instance");
        if (!*inst) {
            sum = json_number_value(json_object_get(r->rows[i], "value"));
            unit = ss_str(r->rows[i], "unit");
            count = 1;
            phases = false;
            break;
        }
    }
    bool total = count == 1;
    for (size_t i = 0; i < r->n && !total; i++) {
        const char *inst = ss_str(r->rows[i], "instance");
        if (ss_is_parent(r, inst))
            continue;
        sum += json_number_value(json_object_get(r->rows[i], "value"));
        unit = ss_str(r->rows[i], "unit");
        phases = phases && ss_phase_like(inst);
        count++;
    }
    free(r);
    if (!count)
        return NULL;
    return json_pack("{s:f, s:s, s:s, s:I}", "value", sum, "unit", unit, "over",
                     total ? "total" : phases ? "phases" : "inlets", "count", (json_int_t)count);
}

/* ---- counts of words ------------------------------------------------------------------------ */

typedef struct {
    const char *metric;
    long long on, off, other;
} ss_words_count;

static void ss_count_word(void *ctx, const json_t *m)
{
    ss_words_count *c = ctx;
    status_word w = status_summary_word(c->metric, ss_str(m, "text"));
    if (w == STATUS_WORD_ON)
        c->on++;
    else if (w == STATUS_WORD_OFF)
        c->off++;
    else
        c->other++;
}

/* {on_key: n, off_key: n, other: n, total_key: n}, or NULL when the metric has no row. */
static json_t *ss_words_json(const ss_dev *d, const char *metric, const char *on, const char *off,
                             const char *total)
{
    ss_words_count c = {.metric = metric};
    ss_each(d, metric, ss_count_word, &c);
    long long n = c.on + c.off + c.other;
    if (!n)
        return NULL;
    return json_pack("{s:I, s:I, s:I, s:I}", on, (json_int_t)c.on, off, (json_int_t)c.off, "other",
                     (json_int_t)c.other, total, (json_int_t)n);
}

/* ---- sums and extremes of numbers ----------------------------------------------------------- */

typedef struct {
    double sum, total;      /* of every row; the row without instance */
    size_t n;
    bool has_total;
    const json_t *min;      /* the row of the lowest value */
} ss_num;

static void ss_add_num(void *ctx, const json_t *m)
{
    ss_num *a = ctx;
    double v = json_number_value(json_object_get(m, "value"));
    a->sum += v;
    a->n++;
    if (!*ss_str(m, "instance")) {
        a->total = v;
        a->has_total = true;
    }
    if (!a->min || v < json_number_value(json_object_get(a->min, "value")))
        a->min = m;
}

static ss_num ss_num_of(const ss_dev *d, const char *metric)
{
    ss_num a = {0};
    ss_each(d, metric, ss_add_num, &a);
    return a;
}

/* A count the device gives for itself (the row without instance), else the sum of its per-port rows. */
static json_int_t ss_count_value(const ss_num *a) { return (json_int_t)llround(a->has_total ? a->total : a->sum); }

/* ---- the parts of a summary ----------------------------------------------------------------- */

static void ss_set(json_t *o, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(o, key, v);
}

static void ss_pdu(const ss_dev *d, json_t *o)
{
    ss_set(o, "current", ss_total(d, "input.current"));
    json_t *p = ss_total(d, "input.realpower");
    ss_set(o, "power", p ? p : ss_total(d, "input.power"));
    ss_set(o, "outlets", ss_words_json(d, "outlet.status", "on", "off", "total"));
}

/* ONTs from their own rows when the OLT gives them, else from the counts it keeps. */
static json_t *ss_onts(const ss_dev *d)
{
    ss_words_count c = {.metric = "olt.ont.status"};
    ss_each(d, "olt.ont.status", ss_count_word, &c);
    if (c.on + c.off + c.other)
        return json_pack("{s:I, s:I, s:I, s:I, s:s}", "online", (json_int_t)c.on, "offline", (json_int_t)c.off,
                         "other", (json_int_t)c.other, "known", (json_int_t)(c.on + c.off + c.other), "from",
                         "status");
    ss_num on = ss_num_of(d, "olt.ont.online"), cnt = ss_num_of(d, "olt.ont.count"),
           off = ss_num_of(d, "olt.ont.offline");
    if (!on.n)
        return NULL;
    json_t *o = json_pack("{s:I, s:s}", "online", ss_count_value(&on), "from", "counts");
    if (o && cnt.n)
        json_object_set_new(o, "known", json_integer(ss_count_value(&cnt)));
    else if (o && off.n)
        json_object_set_new(o, "known", json_integer(ss_count_value(&on) + ss_count_value(&off)));
    return o;
}

static void ss_olt(const ss_dev *d, json_t *o)
{
    ss_set(o, "pon_ports", ss_words_json(d, "olt.pon.status", "up", "down", "total"));
    ss_set(o, "onts", ss_onts(d));
    ss_num rx = ss_num_of(d, "olt.ont.rx.power");
    if (rx.min) {
        json_t *w = json_pack("{s:f, s:s, s:s}", "value", json_number_value(json_object_get(rx.min, "value")), "unit",
                              ss_str(rx.min, "unit"), "instance", ss_str(rx.min, "instance"));
        if (w && *ss_str(rx.min, "label"))
            json_object_set_new(w, "label", json_string(ss_str(rx.min, "label")));
        ss_set(o, "ont_rx_worst", w);
    }
}

typedef struct {
    json_t *units;
    long long total, alarms, alarm_rows;
} ss_cooling_walk;

static void ss_unit(void *ctx, const json_t *m)
{
    ss_cooling_walk *w = ctx;
    if (w->total++ >= SS_MAX_UNITS)
        return;
    char code[32];
    snprintf(code, sizeof code, "%.0f", json_number_value(json_object_get(m, "value")));
    const char *text = ss_str(m, "text");
    json_t *u = json_pack("{s:s, s:s, s:s}", "instance", ss_str(m, "instance"), "state", *text ? text : code,
                          "severity", *ss_str(m, "severity") ? ss_str(m, "severity") : "unknown");
    if (u && *ss_str(m, "label"))
        json_object_set_new(u, "label", json_string(ss_str(m, "label")));
    if (u)
        json_array_append_new(w->units, u);
}

static void ss_alarm(void *ctx, const json_t *m)
{
    ss_cooling_walk *w = ctx;
    const char *sev = ss_str(m, "severity");
    w->alarm_rows++;
    if (strcmp(sev, "warning") == 0 || strcmp(sev, "critical") == 0)
        w->alarms++;
}

static void ss_cooling(const ss_dev *d, json_t *o)
{
    ss_cooling_walk w = {.units = json_array()};
    ss_each(d, "cooling.state", ss_unit, &w);
    if (w.total) {
        json_object_set_new(o, "units", w.units);
        json_object_set_new(o, "units_total", json_integer(w.total));
    } else {
        json_decref(w.units);
    }
    ss_num count = ss_num_of(d, "cooling.alarm.count");
    if (count.n) {
        ss_set(o, "alarms", json_pack("{s:I, s:s}", "active", ss_count_value(&count), "from", "count"));
        return;
    }
    ss_each(d, "cooling.alarm", ss_alarm, &w);
    if (w.alarm_rows)
        ss_set(o, "alarms", json_pack("{s:I, s:s, s:I}", "active", (json_int_t)w.alarms, "from", "states", "of",
                                      (json_int_t)w.alarm_rows));
}

/* The runtime of the UPS (the row without instance), else of its shortest battery. */
static void ss_ups(const ss_dev *d, json_t *o)
{
    ss_num r = ss_num_of(d, "battery.runtime");
    if (!r.n)
        return;
    double s = r.has_total ? r.total : json_number_value(json_object_get(r.min, "value"));
    ss_set(o, "runtime", json_pack("{s:f, s:I}", "seconds", s, "minutes", (json_int_t)floor(s / 60)));
}

static const char *ss_guess_class(const ss_dev *d)
{
    return ss_has(d, "outlet.")    ? "pdu"
           : ss_has(d, "olt.")     ? "olt"
           : ss_has(d, "cooling.") ? "cooling"
           : ss_has(d, "battery.") ? "ups"
                                   : "";
}

json_t *status_summary_device(const char *cls, const json_t *metrics, const status_summary_opts *o)
{
    static const status_summary_opts none = {0};
    ss_dev d = {.metrics = metrics, .o = o ? o : &none};
    size_t i;
    const json_t *m;
    json_array_foreach(metrics, i, m) {
        long long ts = json_integer_value(json_object_get(m, "ts"));
        d.newest = ts > d.newest ? ts : d.newest;
    }
    if (!cls || !*cls)
        cls = ss_guess_class(&d);
    json_t *s = json_object();
    if (!s)
        return NULL;
    if (strcmp(cls, "pdu") == 0)
        ss_pdu(&d, s);
    else if (strcmp(cls, "olt") == 0)
        ss_olt(&d, s);
    else if (strcmp(cls, "cooling") == 0)
        ss_cooling(&d, s);
    else if (strcmp(cls, "ups") == 0)
        ss_ups(&d, s);
    ss_num up = ss_num_of(&d, VOCAB_DEVICE_UPTIME);
    if (up.has_total)
        ss_set(s, "uptime", json_pack("{s:I}", "seconds", (json_int_t)up.total));
    return s;
}

/* ---- every device of GET /api/v1/status ----------------------------------------------------- */

typedef struct {
    char device[NAME_MAX_LEN + 1];
    char cls[16];
} ss_class;

typedef struct {
    ss_class *list;
    size_t n, cap;
    bool oom;
} ss_classes;

static void ss_class_row(void *ctx, const char *device, const char *cls, const char *profile, int64_t last_seen)
{
    ss_classes *c = ctx;
    (void)profile;
    (void)last_seen;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        ss_class *p = realloc(c->list, cap * sizeof *p);
        if (!p) {
            c->oom = true;
            return;
        }
        c->list = p;
        c->cap = cap;
    }
    snprintf(c->list[c->n].device, sizeof c->list[c->n].device, "%s", device);
    snprintf(c->list[c->n].cls, sizeof c->list[c->n].cls, "%s", cls ? cls : "");
    c->n++;
}

static int ss_class_cmp(const void *a, const void *b)
{
    return strcmp(((const ss_class *)a)->device, ((const ss_class *)b)->device);
}

static const char *ss_class_of(const ss_classes *c, const char *device)
{
    ss_class key;
    snprintf(key.device, sizeof key.device, "%s", device);
    const ss_class *f = c->n ? bsearch(&key, c->list, c->n, sizeof *c->list, ss_class_cmp) : NULL;
    return f ? f->cls : "";
}

vg_code status_summary_annotate(db *d, json_t *devices, const status_summary_opts *o, vg_err *err)
{
    ss_classes c = {0};
    char site[NAME_MAX_LEN + 1] = "";
    vg_code rc = VG_OK;
    size_t i;
    json_t *dev;
    json_array_foreach(devices, i, dev) {
        const char *s = ss_str(dev, "site");
        if (i == 0 || strcmp(s, site) != 0) { /* devices come by site: read each site's classes once */
            snprintf(site, sizeof site, "%s", s);
            c.n = 0;
            if (db_devices_each(d, site, ss_class_row, &c) != VG_OK) {
                rc = vg_fail(err, VG_E_IO, "cannot read the devices of site %s", site);
                break;
            }
            if (c.oom) {
                rc = vg_fail(err, VG_E_NOMEM, "out of memory");
                break;
            }
            if (c.n) /* qsort takes no NULL, even for 0 items */
                qsort(c.list, c.n, sizeof *c.list, ss_class_cmp);
        }
        const char *cls = ss_class_of(&c, ss_str(dev, "device"));
        json_t *summary = status_summary_device(cls, json_object_get(dev, "metrics"), o);
        if (!summary) {
            rc = vg_fail(err, VG_E_NOMEM, "out of memory");
            break;
        }
        json_object_set_new(dev, "class", json_string(cls));
        json_object_set_new(dev, "summary", summary);
    }
    free(c.list);
    return rc;
}
