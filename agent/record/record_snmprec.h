/* record_snmprec: snmpsim's .snmprec format, and the recording held until it is written.
 *
 * One `OID|TAG|VALUE` line per object, the OID numeric without a leading dot, lines in OID order (snmpsimd
 * searches the file by bisection). TAG is the BER tag snmpsim uses: 2 INTEGER, 4 OCTET STRING, 5 NULL,
 * 6 OBJECT IDENTIFIER, 64 IpAddress, 65 Counter32, 66 Gauge32, 67 TimeTicks, 68 Opaque, 70 Counter64.
 * snmpsimd strips each line, so a string is written as text only when it is printable ASCII without
 * '|', '\\' or spaces at either end; any other string (and every Opaque) is written in hex with an "x"
 * after the tag ("4x|00127962f940"). Internal to agent/record/. */
#ifndef VIGIE_RECORD_SNMPREC_H
#define VIGIE_RECORD_SNMPREC_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Strings and Opaque values longer than this are cut (and counted): no profile reads such a value. */
#define SNMPREC_VALUE_MAX 4096
/* The recording is held in memory to be sorted: this bounds it whatever --max-oids says. */
#define SNMPREC_MAX_BYTES (64u << 20)

typedef enum { SNMPREC_OK = 0, SNMPREC_TRUNCATED, SNMPREC_SKIPPED } snmprec_status;

/* The line of one varbind (without "\n") into buf, which holds at least SNMPREC_LINE_MAX bytes.
 * SNMPREC_SKIPPED for an exception or a type snmpsim cannot serve (nothing written); SNMPREC_TRUNCATED
 * when a value was cut to SNMPREC_VALUE_MAX bytes. */
#define SNMPREC_LINE_MAX (MAX_OID_LEN * 11 + 8 + 2 * SNMPREC_VALUE_MAX + 1)
snmprec_status snmprec_format(const netsnmp_variable_list *vb, char *buf, size_t size);

typedef struct snmprec snmprec;

snmprec *snmprec_new(void);
void snmprec_free(snmprec *r);
/* Keeps a copy of OID name and its line. false when out of memory. Lines of the same OID are written
 * once (the first kept). */
bool snmprec_add(snmprec *r, const oid *name, size_t len, const char *line);
size_t snmprec_count(const snmprec *r);
size_t snmprec_bytes(const snmprec *r);
/* Writes the lines in OID order to PATH.tmp, syncs it and puts it at PATH: renamed over it with
 * force, else linked, so that a file created meanwhile is never replaced (VG_E_CONFLICT). PATH.tmp
 * is removed on every failure. */
vg_code snmprec_write(snmprec *r, const char *path, bool force, vg_err *err);

#endif
