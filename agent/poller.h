/* poller: polls every device of an agent at once with Net-SNMP's asynchronous API.
 *
 * One event loop, one UDP session per device, no thread per device. A cycle sends each device its
 * requests one after the other (detection if needed, GET for scalars in PDUs of several OIDs,
 * GETBULK walks for table columns, GETNEXT for v1 agents or agents that answer GETBULK badly), and
 * all devices in parallel; a cycle never outlasts its deadline. At the end, each device's answers
 * are turned into normalised samples through its profile (and generic.yaml), including
 * `device.reachable`, so a silent device is a 0 and not a gap. */
#ifndef VIGIE_POLLER_H
#define VIGIE_POLLER_H

#include <stdint.h>

#include "agent_config.h"
#include "profile.h"
#include "push.h"

typedef struct poller poller;

poller *poller_new(const profile_set *profiles);
void poller_free(poller *p);
/* Adds a device; `forced` skips detection (NULL: detect on the first cycle). -1 on error. */
int poller_add(poller *p, const agent_device *dev, const profile *forced);
/* Runs one cycle for every device, for at most `budget` seconds; appends the samples, stamped
 * `now`, to out. Returns the number of devices that answered. */
int poller_cycle(poller *p, push_batch *out, int64_t now, double budget);

/* What detection found for device i (after a cycle): profile (NULL: generic only) and the
 * sysObjectID as text ("" if unknown). */
const profile *poller_device_profile(const poller *p, size_t i);
const char *poller_device_sys_object_id(const poller *p, size_t i);
/* Values the last cycle rejected as out of range or unreadable, as "metric[instance]=value (why)"
 * lines; for --probe. */
const char *poller_device_problems(const poller *p, size_t i);

#endif
