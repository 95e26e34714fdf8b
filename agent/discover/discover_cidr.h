/* discover_cidr: the pure parts of --discover, apart from the network so that they can be tested alone:
 * an IPv4 CIDR read and bounded (at most a /16), its addresses one by one, and the device name
 * suggested for an answering address (sysName made a valid name, lib/names.h, kept unique). */
#ifndef VIGIE_DISCOVER_CIDR_H
#define VIGIE_DISCOVER_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "names.h"

#define DISCOVER_MIN_PREFIX 16 /* a /16, 65,536 addresses, is the widest sweep */
#define DISCOVER_ADDR_TEXT 16  /* "255.255.255.255" and its NUL */

typedef struct {
    uint32_t network; /* host order */
    int prefix;       /* 16 to 32 */
    uint32_t first;   /* the first address asked (host order) */
    uint32_t count;   /* how many: network and broadcast addresses are left out up to a /30 */
} discover_range;

/* "198.18.1.0/24", or one address (a /32). Refused with a message that says why: not an IPv4 address,
 * a prefix outside 16..32, host bits set ("did you mean 198.18.1.0/24?"), a multicast, broadcast or
 * unspecified range. */
vg_code discover_cidr_parse(const char *text, discover_range *r, vg_err *err);
/* The i-th address asked (i < r->count), in text. */
void discover_cidr_at(const discover_range *r, uint32_t i, char out[DISCOVER_ADDR_TEXT]);
uint32_t discover_cidr_addr(const discover_range *r, uint32_t i);

/* A device name for agent.yaml: from sysName (its first label, lower case, other characters as '-'),
 * else CLS-D (CLS-C-D when the range is wider than a /24) from the address's last octets; then made
 * unique against the `ntaken` names already given (a "-2", "-3" ... suffix). Always a valid name
 * (name_is_valid). */
void discover_suggest_name(const char *sys_name, const char *cls, uint32_t addr, bool wide,
                           const char (*taken)[NAME_MAX_LEN + 1], size_t ntaken, char out[NAME_MAX_LEN + 1]);

#endif
