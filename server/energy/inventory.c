#include "config.h"
#include "energy/inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The series the energy figures, the headroom and the trends read (energy.h, headroom.h, trend_watch.h). */
static const char *const inv_metrics[] = {
    "input.realpower", "input.power",     "input.current",   "input.load",           "input.energy",
    "ups.realpower",   "ups.power",       "ups.load",        "ups.realpower.nominal", "ups.power.nominal",
    "cooling.output",  "cooling.capacity", "cooling.input.power", "battery.runtime",  "env.temperature",
    NULL};

typedef struct {
    char name[NAME_MAX_LEN + 1];
    char cls[16];
    int64_t last; /* its newest latest value, of any series */
} inv_device;

struct inventory {
    inv_device *devices;
    size_t ndevices;
    inventory_reading *readings;
    size_t nreadings, cap;
    const energy_site_config *cfg;
    bool full, failed;
};

static bool inv_wanted(const inventory *inv, const char *metric)
{
    for (size_t i = 0; inv_metrics[i]; i++)
        if (strcmp(inv_metrics[i], metric) == 0)
            return true;
    const energy_site_config *c = inv->cfg;
    for (size_t i = 0; c && i < c->nfacility; i++)
        if (strcmp(c->facility[i].metric, metric) == 0)
            return true;
    for (size_t i = 0; c && i < c->nit; i++)
        if (strcmp(c->it[i].metric, metric) == 0)
            return true;
    return false;
}

/* The class a device's series say, for a device its agent never described. */
static const char *inv_guess_class(const char *metric)
{
    static const struct {
        const char *prefix, *cls;
    } rules[] = {{"ups.", "ups"}, {"battery.", "ups"}, {"outlet.", "pdu"}, {"pdu.", "pdu"}, {"cooling.", "cooling"},
                 {"env.", "env"}};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strncmp(metric, rules[i].prefix, strlen(rules[i].prefix)) == 0)
            return rules[i].cls;
    return NULL;
}

static inv_device *inv_device_find(inventory *inv, const char *name)
{
    for (size_t i = 0; i < inv->ndevices; i++)
        if (strcmp(inv->devices[i].name, name) == 0)
            return &inv->devices[i];
    return NULL;
}

static inv_device *inv_device_add(inventory *inv, const char *name)
{
    inv_device *d = inv_device_find(inv, name);
    if (d || inv->ndevices >= INVENTORY_MAX_DEVICES)
        return d;
    d = &inv->devices[inv->ndevices++];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    return d;
}

static void inv_on_device(void *ctx, const char *device, const char *cls, const char *profile, int64_t last_seen)
{
    inventory *inv = ctx;
    inv_device *d = inv_device_add(inv, device);
    if (d && cls)
        snprintf(d->cls, sizeof d->cls, "%s", cls);
    (void)profile;
    (void)last_seen;
}

static void inv_on_latest(void *ctx, const char *site, const char *agent, const push_sample *s, int64_t received)
{
    inventory *inv = ctx;
    (void)site;
    (void)agent;
    (void)received;
    inv_device *d = inv_device_add(inv, s->device);
    const char *guess = inv_guess_class(s->metric);
    if (d && s->ts > d->last)
        d->last = s->ts;
    if (d && !d->cls[0] && guess)
        snprintf(d->cls, sizeof d->cls, "%s", guess);
    if (!inv_wanted(inv, s->metric) || inv->failed)
        return;
    if (inv->nreadings >= INVENTORY_MAX_READINGS) {
        inv->full = true;
        return;
    }
    if (inv->nreadings == inv->cap) {
        size_t cap = inv->cap ? inv->cap * 2 : 64;
        inventory_reading *r = realloc(inv->readings, cap * sizeof *r);
        if (!r) {
            inv->failed = true;
            return;
        }
        inv->readings = r;
        inv->cap = cap;
    }
    inventory_reading *r = &inv->readings[inv->nreadings++];
    snprintf(r->device, sizeof r->device, "%s", s->device);
    snprintf(r->metric, sizeof r->metric, "%s", s->metric);
    snprintf(r->instance, sizeof r->instance, "%s", s->instance);
    r->value = s->value;
    r->ts = s->ts;
}

static int inv_cmp(const void *a, const void *b)
{
    const inventory_reading *x = a, *y = b;
    int c = strcmp(x->device, y->device);
    if (!c)
        c = strcmp(x->metric, y->metric);
    return c ? c : strcmp(x->instance, y->instance);
}

vg_code inventory_load(db *d, const char *site, const energy_site_config *c, inventory **out, vg_err *err)
{
    *out = NULL;
    inventory *inv = calloc(1, sizeof *inv);
    if (inv)
        inv->devices = calloc(INVENTORY_MAX_DEVICES, sizeof *inv->devices);
    if (!inv || !inv->devices) {
        free(inv);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    inv->cfg = c;
    vg_code rc = db_devices_each(d, site, inv_on_device, inv);
    if (rc != VG_OK) {
        inventory_free(inv);
        return vg_fail(err, rc, "site %s: the devices cannot be read", site);
    }
    if ((rc = db_latest_query(d, site, NULL, inv_on_latest, inv, err)) != VG_OK || inv->failed) {
        inventory_free(inv);
        return rc != VG_OK ? rc : vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    if (inv->nreadings) /* readings is NULL when the site has none, which qsort may not be given */
        qsort(inv->readings, inv->nreadings, sizeof *inv->readings, inv_cmp);
    *out = inv;
    return VG_OK;
}

void inventory_free(inventory *inv)
{
    if (!inv)
        return;
    free(inv->devices);
    free(inv->readings);
    free(inv);
}

size_t inventory_device_count(const inventory *inv) { return inv->ndevices; }
const char *inventory_device_at(const inventory *inv, size_t i) { return inv->devices[i].name; }
const char *inventory_class_at(const inventory *inv, size_t i) { return inv->devices[i].cls; }
int64_t inventory_last_at(const inventory *inv, size_t i) { return inv->devices[i].last; }

const char *inventory_class_of(const inventory *inv, const char *device)
{
    for (size_t i = 0; i < inv->ndevices; i++)
        if (strcmp(inv->devices[i].name, device) == 0)
            return inv->devices[i].cls;
    return "";
}

const inventory_reading *inventory_readings(const inventory *inv, const char *device, const char *metric, size_t *n)
{
    *n = 0;
    size_t lo = 0, hi = inv->nreadings;
    while (lo < hi) { /* the first reading of (device, metric) or after */
        size_t mid = lo + (hi - lo) / 2;
        const inventory_reading *r = &inv->readings[mid];
        int c = strcmp(r->device, device);
        if (!c)
            c = strcmp(r->metric, metric);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < inv->nreadings && strcmp(inv->readings[end].device, device) == 0 &&
           strcmp(inv->readings[end].metric, metric) == 0)
        end++;
    *n = end - lo;
    return *n ? &inv->readings[lo] : NULL;
}

const inventory_reading *inventory_find(const inventory *inv, const char *device, const char *metric,
                                        const char *instance)
{
    size_t n;
    const inventory_reading *r = inventory_readings(inv, device, metric, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].instance, instance) == 0)
            return &r[i];
    return NULL;
}

const inventory_reading *inventory_total(const inventory *inv, const char *device, const char *metric, size_t *n)
{
    const inventory_reading *r = inventory_readings(inv, device, metric, n);
    if (r && r[0].instance[0] == '\0') /* sorted: the device's own total comes first */
        *n = 1;
    return r;
}
