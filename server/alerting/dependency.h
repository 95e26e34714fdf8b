/* dependency: a public site hangs from an NRO, and is checked by an agent elsewhere.
 *
 * When the NRO (or its OLT) goes down, the 200 sites behind it go down too, because of it. The on-call
 * engineer must get one page, the NRO's, that says how many sites are down behind it, not 200 more.
 * So a public site's alerts wait `dependency_grace` seconds (server.yaml, default 2 steps: the NRO's
 * own state may come one cycle later than its sites'), then stay held ("NRO x down") for as long as
 * the NRO is down, and `dependency_grace` more once it is back ("NRO x recovering": its sites' next
 * checks come in after it). If the NRO recovers and the site does not, the site's alert is notified then. A
 * public site's alerts also wait behind its checking agent's heartbeat: when that agent is silent,
 * its own site's alert says so, once.
 *
 * The incidents themselves are still counted for each site (contract/contract.h attributes them). */
#ifndef VIGIE_DEPENDENCY_H
#define VIGIE_DEPENDENCY_H

#include <stddef.h>
#include <stdint.h>

#include "config/server_config.h"
#include "store/db.h"

/* Holds the alerts of public sites as above; after alert_store_update_holds, before notifying. */
void dependency_hold(db *d, const server_config *cfg, int64_t now);

/* Public sites behind nro whose site state is down at now. */
size_t dependency_down_behind(db *d, const server_config *cfg, const char *nro, int64_t now);

/* Whether a site's own heartbeat is judged: not for a public site, whose data comes from its
 * checking agent (that agent's site has the heartbeat). */
bool dependency_has_heartbeat(const server_config *cfg, const char *site);

#endif
