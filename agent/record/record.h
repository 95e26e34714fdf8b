/* record: `vigie-agent --record HOST -o FILE.snmprec`, a device's answers saved for a developer.
 *
 * A sysadmin with a device vigie does not read well runs it and sends the file; served by snmpsimd,
 * the file becomes a test. It walks the standard subtrees (system, interfaces and ifXTable, ENTITY,
 * ENTITY-SENSOR, UPS-MIB, HOST-RESOURCES), every subtree a profile of the set reads or matches, and
 * the device's own enterprise (from its sysObjectID), each once, within a time, count and size bound.
 * The file holds only what the device answered: no credential is written there or to the log. */
#ifndef VIGIE_RECORD_H
#define VIGIE_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "config/agent_config.h"
#include "profile/profile.h"

typedef struct {
    const char *path; /* the snmprec file, written as PATH.tmp then renamed */
    bool force;       /* replace an existing file */
    double max_time;  /* seconds for the whole walk */
    size_t max_oids;  /* OIDs written at most */
} record_opts;

/* Exit statuses of --record beside 0 (complete) and 1 (nothing written). */
#define RECORD_EXIT_PARTIAL 3 /* a file was written, but a bound or a silent subtree cut it short */

/* Walks dev and writes the file; progress and the summary go to stderr. Returns the exit status: 0,
 * 1 (the device did not answer, the file could not be written: no file left) or RECORD_EXIT_PARTIAL. */
int record_run(const profile_set *set, const agent_device *dev, const record_opts *opts);

#endif
