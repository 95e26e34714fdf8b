/* discover: `vigie-agent --discover CIDR`, which finds the SNMP devices of a subnet for agent.yaml.
 *
 * Every address of the range (IPv4, at most a /16) is asked sysDescr, sysObjectID and sysName in one GET
 * through Net-SNMP's asynchronous API; each device that answers is then asked the probe OIDs of the
 * profiles its sysObjectID does not rule out (profile_set_probes), and detected as the poller detects
 * it (profile_set_detect_all). It never floods: every packet, retries included, goes out through one
 * pacer of `rate` requests a second (100 by default), with at most DISCOVER_WINDOW addresses waiting
 * for an answer at once, and the whole sweep has a time bound printed before it starts. It prints a
 * table and a summary, or with `yaml` agent.yaml `devices:` entries (libyaml) with suggested names. */
#ifndef VIGIE_DISCOVER_H
#define VIGIE_DISCOVER_H

#include <stdbool.h>

#include "config/agent_config.h"
#include "profile/profile.h"

#define DISCOVER_WINDOW 256      /* addresses being asked at once */
#define DISCOVER_RATE 100        /* requests a second by default */
#define DISCOVER_RATE_MAX 1000

typedef struct {
    const char *cidr;
    const agent_device *dev; /* port, version, community or SNMPv3 keys, timeout and retries of every address */
    double rate;             /* requests a second, 1 to DISCOVER_RATE_MAX */
    bool yaml;
} discover_opts;

/* Returns the exit status: 0 when at least one device answered, 1 when none did, 2 on a bad CIDR. */
int discover_run(const profile_set *set, const discover_opts *o);

#endif
