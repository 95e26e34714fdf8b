/* agent_checks: the active-check keys of agent.yaml (checks:, check_interval, check_pings,
 * check_timeout, targets_from_server), read for agent_config.c with file:line:column errors like every
 * other key. See conf/agent.yaml and vigie-agent(8). */
#ifndef VIGIE_AGENT_CHECKS_H
#define VIGIE_AGENT_CHECKS_H

#include "conf.h"
#include "config/agent_config.h"

/* Reads the keys into cfg, whose devices and interval are read already (a check may not take a
 * device's name). */
vg_code agent_checks_read(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err);

#endif
