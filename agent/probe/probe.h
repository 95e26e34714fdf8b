/* probe: `vigie-agent --probe HOST`, the one-shot poll a sysadmin runs before adding a device.
 * It detects the profile (or uses the forced one), polls once and prints what it found as a table
 * or as the documented JSON (see man vigie-agent: one object per value). */
#ifndef VIGIE_PROBE_H
#define VIGIE_PROBE_H

#include <stdbool.h>

#include "config/agent_config.h"
#include "profile/profile.h"

/* Returns the process exit status: 0 when the device answered, 1 when it did not. */
int probe_run(const profile_set *profiles, const agent_device *dev, const char *forced_profile, bool json);

#endif
