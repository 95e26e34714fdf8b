/* discover_cidr: the CIDR of --discover and the names it suggests (discover_cidr.h). */
#include "config.h"
#include "discover/discover_cidr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void discover_addr_text(uint32_t a, char out[DISCOVER_ADDR_TEXT])
{
    snprintf(out, DISCOVER_ADDR_TEXT, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

vg_code discover_cidr_parse(const char *text, discover_range *r, vg_err *err)
{
    char addr[DISCOVER_ADDR_TEXT];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    long prefix = 32;
    if (alen == 0 || alen >= sizeof addr)
        return vg_fail(err, VG_E_INVALID, "'%.64s' is not an IPv4 CIDR such as 198.18.1.0/24", text);
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, addr, &in) != 1)
        return vg_fail(err, VG_E_INVALID, "'%.64s' is not an IPv4 CIDR such as 198.18.1.0/24", text);
    if (slash) {
        char *end;
        prefix = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end || !isdigit((unsigned char)slash[1]) || prefix < 0 || prefix > 32)
            return vg_fail(err, VG_E_INVALID, "'%.64s': the prefix length must be 16 to 32", text);
    }
    if (prefix < DISCOVER_MIN_PREFIX)
        return vg_fail(err, VG_E_TOO_LARGE,
                       "'%.64s' has %.0f addresses: at most a /16 (65536 addresses) is swept at once; "
                       "give its /16 parts one by one",
                       text, (double)(1ULL << (32 - prefix)));
    uint32_t a = ntohl(in.s_addr);
    uint32_t mask = prefix == 0 ? 0 : ~0U << (32 - prefix);
    if (a & ~mask) {
        char net[DISCOVER_ADDR_TEXT];
        discover_addr_text(a & mask, net);
        return vg_fail(err, VG_E_INVALID, "'%.64s' has host bits set: did you mean %s/%ld?", text, net, prefix);
    }
    if ((a >> 28) >= 14 || a == 0) /* 224/4 multicast, 240/4 reserved and broadcast, 0.0.0.0 */
        return vg_fail(err, VG_E_INVALID, "'%.64s' is a multicast, reserved or unspecified range", text);
    r->network = a;
    r->prefix = (int)prefix;
    uint64_t size = 1ULL << (32 - prefix);
    /* a network's first and last addresses are no device's, and the last is its broadcast */
    r->first = size > 2 ? a + 1 : a;
    r->count = (uint32_t)(size > 2 ? size - 2 : size);
    return VG_OK;
}

uint32_t discover_cidr_addr(const discover_range *r, uint32_t i) { return r->first + i; }

void discover_cidr_at(const discover_range *r, uint32_t i, char out[DISCOVER_ADDR_TEXT])
{
    discover_addr_text(discover_cidr_addr(r, i), out);
}

/* sysName's first label as a name: lower case, [a-z0-9_-] kept, anything else one '-', at most
 * `max` bytes, no leading or trailing '-'. "" when nothing is left. */
static void discover_clean(const char *in, char *out, size_t max)
{
    size_t o = 0;
    for (const unsigned char *s = (const unsigned char *)(in ? in : ""); *s && *s != '.' && o < max; s++) {
        int c = tolower(*s);
        if (isascii(c) && (isalnum(c) || c == '_'))
            out[o++] = (char)c;
        else if (o > 0 && out[o - 1] != '-')
            out[o++] = '-'; /* any other byte, UTF-8 ones included */
    }
    while (o > 0 && (out[o - 1] == '-' || out[o - 1] == '_'))
        o--;
    out[o] = '\0';
    size_t skip = 0;
    while (out[skip] == '_' || out[skip] == '-')
        skip++;
    memmove(out, out + skip, o - skip + 1);
}

static bool discover_taken(const char *name, const char (*taken)[NAME_MAX_LEN + 1], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(taken[i], name) == 0)
            return true;
    return false;
}

void discover_suggest_name(const char *sys_name, const char *cls, uint32_t addr, bool wide,
                           const char (*taken)[NAME_MAX_LEN + 1], size_t ntaken, char out[NAME_MAX_LEN + 1])
{
    char base[NAME_MAX_LEN + 1];
    const size_t room = NAME_MAX_LEN - 6; /* for a "-65536" suffix */
    discover_clean(sys_name, base, room);
    if (!base[0]) {
        char c[24];
        discover_clean(cls && *cls ? cls : "device", c, 16);
        if (!c[0])
            snprintf(c, sizeof c, "device");
        if (wide)
            snprintf(base, sizeof base, "%s-%u-%u", c, (addr >> 8) & 255, addr & 255);
        else
            snprintf(base, sizeof base, "%s-%u", c, addr & 255);
    }
    snprintf(out, NAME_MAX_LEN + 1, "%s", base);
    for (unsigned k = 2; discover_taken(out, taken, ntaken) && k < 70000; k++)
        snprintf(out, NAME_MAX_LEN + 1, "%s-%u", base, k);
}
