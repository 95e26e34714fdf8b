/* discover_internal: what discover_scan (the network) hands discover_print (the output). */
#ifndef VIGIE_DISCOVER_INTERNAL_H
#define VIGIE_DISCOVER_INTERNAL_H

#include <stdint.h>

#include "discover/discover.h"
#include "discover/discover_cidr.h"
#include "snmp/snmp_value.h"

#define DISCOVER_TEXT_MAX 256 /* sysName and sysDescr kept, cut beyond */

/* An address that answered. */
typedef struct {
    uint32_t addr;
    char host[DISCOVER_ADDR_TEXT];
    char sys_name[DISCOVER_TEXT_MAX];
    char sys_descr[DISCOVER_TEXT_MAX];
    char soid[OID_TEXT_MAX];          /* "" when it gave none */
    const profile *profs[PROF_MAX_COMPOSE];
    size_t nprofs;
    bool partial;                     /* some probe went unanswered: the profiles may be incomplete */
} discover_host;

typedef struct {
    discover_range range;
    discover_host *hosts; /* in address order */
    size_t nhosts;
    uint32_t silent;      /* no answer at all (for v1/v2c, a wrong community too) */
    uint32_t auth_errors; /* SNMPv3: a report (unknown user, wrong digest, ...) */
    uint32_t failed;      /* no session could be opened */
    uint32_t not_asked;   /* left when the time bound was reached */
    uint64_t requests;
    double bound, elapsed; /* seconds */
} discover_result;

/* The time the sweep of `count` addresses may take at most (seconds), detection left out. */
double discover_bound(uint32_t count, const agent_device *dev, double rate);
/* Sweeps the range; r->range must be set. VG_E_NOMEM when out of memory. */
vg_code discover_scan(const profile_set *set, const discover_opts *o, discover_result *r, vg_err *err);
void discover_result_clear(discover_result *r);

void discover_print_table(const discover_result *r, const discover_opts *o, FILE *f);
void discover_print_summary(const discover_result *r, const discover_opts *o, FILE *f);
/* agent.yaml `devices:` entries of the answering devices; VG_E_IO when libyaml fails. */
vg_code discover_print_yaml(const discover_result *r, const discover_opts *o, FILE *f, vg_err *err);

#endif
