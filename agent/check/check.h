/* check: the agent's active checks (ICMP echo, TCP connect, HTTP(S) GET) of agent.yaml's `checks:`
 * and of the public sites the server gives this agent (check_fetch.h), every check_interval.
 *
 * Everything runs from the agent's one loop: the checker's sockets wait in poller_wait's select beside
 * Net-SNMP's (engine.h's poller_extra), so checks go on during a poll cycle and between cycles, and
 * 1,200 targets need no thread each. Only the echoes run on a thread of their own (liboping blocks:
 * check_icmp.c). A cycle's results are samples (link.*, mibs/vocabulary.yaml) of pushes of their own,
 * numbered and spooled like a poll's, then handed to the pusher: a server that is down never delays a
 * check, and no result is lost. */
#ifndef VIGIE_CHECK_H
#define VIGIE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/agent_config.h"
#include "error.h"
#include "push/outbox.h"
#include "push/pusher.h"
#include "push/spool.h"

typedef struct checker checker;

/* The checker of cfg's checks (cfg outlives it), spooling into sp and handing pushes to pu. Starts
 * the ICMP thread and, with targets_from_server, the fetch of the server's list (check_fetch.h).
 * NULL with err when a thread, a pipe or memory is missing. */
checker *checker_new(const agent_config *cfg, spool *sp, pusher *pu, vg_err *err);
/* Stops the threads; a cycle under way is dropped (its samples were never taken). */
void checker_free(checker *c);

/* Hooks the checker into poller_wait (one checker per process). */
void checker_attach(checker *c);

/* Starts a cycle now when none is under way (--once); cycles otherwise start on the check_interval
 * grid of the wall clock. */
void checker_start_now(checker *c);
/* Whether a cycle is under way. */
bool checker_busy(const checker *c);

/* Targets of the next cycle, cycles completed and samples handed to the spool since checker_new. */
size_t checker_target_count(const checker *c);
uint64_t checker_cycles(const checker *c);
uint64_t checker_samples(const checker *c);

#endif
