/* energy_sides: which series make the facility side and the IT side of a site's PUE.
 *
 *   facility  the series the site declares (energy.facility: a meter), or else the UPS inputs
 *             (input.realpower of every ups device): then the side is `partial`, what the UPS do not
 *             feed (cooling, lighting) being left out. A UPS that gives only its apparent power (VA)
 *             or current (A) makes no side: a power factor is not invented.
 *   IT        the series the site declares (energy.it), or else the PDU inputs (input.realpower of
 *             every pdu device), or else, when a PDU gives none or there is no PDU, the UPS outputs
 *             (ups.realpower of every ups device).
 *
 * A device's series of a metric are its instance "" when it gives one (its own total), else every
 * instance summed (phases, inlets). Devices whose newest value is older than `since` (gone before the
 * period) are left out. A side that cannot be made has no series and says why in `missing`. */
#ifndef VIGIE_ENERGY_SIDES_H
#define VIGIE_ENERGY_SIDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "energy/energy_config.h"
#include "energy/energy_msg.h"
#include "energy/inventory.h"

#define ENERGY_SIDE_MAX_SERIES 128

typedef struct {
    const char *source;    /* "meter" | "ups_input" | "pdu_input" | "ups_output"; "" when none */
    energy_source series[ENERGY_SIDE_MAX_SERIES];
    size_t nseries;
    bool partial;          /* the UPS inputs stand for the facility */
    energy_msg missing;    /* why there is no side; not set when there is one */
    energy_msg note;       /* why a fallback was taken ("pdu-b gives no input.realpower"); not set otherwise */
} energy_side_def;

void energy_sides_find(const inventory *inv, const energy_site_config *c, int64_t since, energy_side_def *facility,
                       energy_side_def *it);

#endif
