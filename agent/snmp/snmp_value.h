/* snmp_value: numeric OIDs and the one place where an SNMP answer becomes a number.
 *
 * snmp_value_decode() turns a varbind of any type into a raw value (number or string) and says
 * when it is an exception (noSuchObject, noSuchInstance, endOfMibView). snmp_value_convert() then
 * applies a profile metric's rules: "not supported" sentinels, string parsing, scale, offset,
 * precision, plausible range, enumeration and health thresholds. Everything the agent reports goes
 * through these two functions, so that they can be tested (and fuzzed) without a device. */
#ifndef VIGIE_SNMP_VALUE_H
#define VIGIE_SNMP_VALUE_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdbool.h>
#include <stdint.h>

#include "push.h"

#define OID_TEXT_MAX (MAX_OID_LEN * 11 + 1)
#define RAW_STR_MAX 256

/* Parses ".1.3.6.1.2.1.1.3.0" (leading dot optional): digits and dots only, each sub-identifier
 * below 2^32, at least two and at most max of them. Returns -1 on anything else. */
int oid_parse(const char *text, oid *out, size_t max, size_t *len);
/* Writes ".1.3.6..." into buf. */
void oid_format(const oid *o, size_t len, char *buf, size_t size);
/* True when `o` lies under (or equals) `prefix`, component by component. */
bool oid_has_prefix(const oid *o, size_t len, const oid *prefix, size_t plen);

typedef enum { RAW_NONE = 0, RAW_NUMBER, RAW_STRING } raw_kind;

typedef struct {
    raw_kind kind;
    u_char asn_type;      /* ASN_INTEGER, ASN_OCTET_STR, ASN_COUNTER64 ... */
    double number;        /* RAW_NUMBER */
    uint64_t counter;     /* exact value of Counter32/Counter64, for rates */
    char str[RAW_STR_MAX]; /* RAW_STRING (NUL-terminated, possibly truncated) */
    size_t str_len;
} raw_value;

/* Returns 0 and fills out, or -1 for an exception or an unusable type (out->kind RAW_NONE). */
int snmp_value_decode(const netsnmp_variable_list *vb, raw_value *out);

/* Forward declaration: the metric definition lives in profile.h. */
struct prof_metric;
struct prof_source;
struct prof_values;

/* True when a raw value is one of a profile's listed values (numbers compare as numbers, also
 * when the device sends them as strings). */
bool snmp_value_in_list(const struct prof_values *list, const raw_value *raw);
/* A raw value as a number: an integer, or an octet string holding a decimal number ("23.5 C"). */
bool snmp_value_number(const raw_value *raw, double *out);
/* The position of raw in the list, -1 when it is not there. */
int snmp_value_list_index(const struct prof_values *list, const raw_value *raw);

typedef enum {
    CONV_OK = 0,        /* value, text and sev are set */
    CONV_ABSENT,        /* not answered or a "not supported" sentinel: try the next source */
    CONV_INVALID,       /* cannot be read as a number (e.g. a non-numeric string) */
    CONV_OUT_OF_RANGE   /* a number, but outside the metric's range: report, do not store */
} conv_status;

typedef struct {
    double value;
    char text[PUSH_TEXT_MAX + 1];
    severity sev;
} conv_result;

/* `row_factor` multiplies the value after the source's scale: 10^-decimals for ENTITY-SENSOR-MIB's
 * precision column, 1/divisor for a per-row divisor column, 1 otherwise. For counters the caller has
 * already turned the raw value into a rate and passes it as a RAW_NUMBER. */
conv_status snmp_value_convert(const struct prof_metric *m, const struct prof_source *src,
                               const raw_value *raw, double row_factor, conv_result *out);
/* The same, the scaled value then written in the metric's unit (value * unit_mul + unit_add: from the
 * unit the device said it reports in, profile_unit_factor). */
conv_status snmp_value_convert_unit(const struct prof_metric *m, const struct prof_source *src,
                                    const raw_value *raw, double row_factor, double unit_mul, double unit_add,
                                    conv_result *out);

/* Counter rate over dt seconds, handling a wrap of a 32- or 64-bit counter. Returns -1 when no
 * rate can be given (dt <= 0, or a decrease that is not a plausible wrap: a reset). */
int snmp_value_counter_rate(uint64_t prev, uint64_t cur, bool is64, double dt, double *rate);

#endif
