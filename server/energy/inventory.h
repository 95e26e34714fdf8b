/* inventory: what a site has that the energy, headroom and trend figures read — its devices with their
 * class, and the latest value of each of their power, load, rating, cooling, runtime and temperature
 * series (db_latest_query), read once per request.
 *
 * A device whose agent never described it (class "") is given the class its series say (ups.* or
 * battery.*: ups; outlet.* or pdu.*: pdu; cooling.*: cooling; env.*: env). Other series (an OLT's
 * thousands of ONT values) are not kept: the inventory holds at most INVENTORY_MAX_READINGS. */
#ifndef VIGIE_ENERGY_INVENTORY_H
#define VIGIE_ENERGY_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "names.h"
#include "store/db.h"
#include "energy/energy_config.h"

#define INVENTORY_MAX_DEVICES 2000
#define INVENTORY_MAX_READINGS 20000

typedef struct {
    char device[NAME_MAX_LEN + 1];
    char metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1];
    double value;
    int64_t ts;
} inventory_reading;

typedef struct inventory inventory;

/* The site's devices and readings; the metrics the site's configuration declares are kept too.
 * VG_E_IO when the database cannot be read, VG_E_NOMEM. */
vg_code inventory_load(db *d, const char *site, const energy_site_config *c, inventory **out, vg_err *err);
void inventory_free(inventory *inv);

size_t inventory_device_count(const inventory *inv);
const char *inventory_device_at(const inventory *inv, size_t i);
/* The class of device i ("ups", "pdu", ..., "" when nothing says). */
const char *inventory_class_at(const inventory *inv, size_t i);
const char *inventory_class_of(const inventory *inv, const char *device);
/* The time of device i's newest value, of any series (0: none). */
int64_t inventory_last_at(const inventory *inv, size_t i);

/* The readings of one device and metric (every instance), in instance order: *n of them, or NULL. */
const inventory_reading *inventory_readings(const inventory *inv, const char *device, const char *metric, size_t *n);
/* The reading of one series, or NULL. */
const inventory_reading *inventory_find(const inventory *inv, const char *device, const char *metric,
                                        const char *instance);
/* The readings that make a device's total of a metric: the one of instance "" when there is one (the
 * device's own total), else every instance (phases, inlets: to be summed). *n of them, or NULL. */
const inventory_reading *inventory_total(const inventory *inv, const char *device, const char *metric, size_t *n);

#endif
