/* status_summary: what a device's table values say, in a few figures, for GET /api/v1/status (so for
 * `vigie status` and the dashboard), where a device's rows (outlets, phases, PON ports, ONTs, units)
 * would otherwise be left out or listed by the hundred:
 *
 *   PDU      total input current and power (the device's total, else the sum of its phases or
 *            inlets: "over" says which), outlets on / off / other
 *   OLT      PON ports up out of all, ONTs online out of known, the worst ONT receive power
 *   cooling  the state of each unit, the alarms active
 *   UPS      the battery runtime
 *   any      the uptime (device.uptime)
 *
 * Which device word means "on", "up" or "online" is a table here, made of the enum texts the profiles
 * of mibs/ give outlet.status, olt.pon.status and olt.ont.status (status_summary_word; the unit test
 * holds every profile to it); a word not in it is counted as "other". Only rows as fresh as the
 * device's newest sample (within the metric's heartbeat, else stale_after) count: an outlet or a port
 * the device no longer reports is not counted. The JSON is documented in doc/api.md. */
#ifndef VIGIE_STATUS_SUMMARY_H
#define VIGIE_STATUS_SUMMARY_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"
#include "store/db.h"

struct vocab;

typedef struct {
    int64_t stale_after;       /* seconds; 0: every row counts however old */
    const struct vocab *vocab; /* the metrics' heartbeats (ONTs are read in a slow sweep); may be NULL */
} status_summary_opts;

/* How a word of a state metric counts. STATUS_WORD_UNLISTED: a word the table does not know (counted
 * as other, like STATUS_WORD_OTHER: testing, pendingOn, degraded ...). */
typedef enum { STATUS_WORD_UNLISTED = 0, STATUS_WORD_ON, STATUS_WORD_OFF, STATUS_WORD_OTHER } status_word;

/* The word `text` of metric (outlet.status: on/off; olt.pon.status: up/down; olt.ont.status:
 * online/offline), compared without case. STATUS_WORD_UNLISTED for another metric. */
status_word status_summary_word(const char *metric, const char *text);

/* The metrics the summary reads, NULL-terminated (the unit test checks them against the vocabulary). */
extern const char *const status_summary_metrics[];

/* The summary object of a device of class cls (NULL or "": guessed from its metric names) from its
 * latest values, the "metrics" array of GET /api/v1/status (name, instance, value, unit, ts, text,
 * label, severity); an empty object when there is nothing to summarise; NULL when out of memory. */
json_t *status_summary_device(const char *cls, const json_t *metrics, const status_summary_opts *o);

/* Sets "class" (from the store's devices table, "" when no push described the device) and "summary"
 * on every device object of devices, GET /api/v1/status's array of {site, device, metrics}. */
vg_code status_summary_annotate(db *d, json_t *devices, const status_summary_opts *o, vg_err *err);

#endif
