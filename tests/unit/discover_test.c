/* --discover's pure parts (agent/discover/discover_cidr.c, discover_bound): a CIDR read and bounded,
 * its addresses (network and broadcast left out up to a /30), the refusals with their reason, the
 * names suggested from sysName (cleaned to lib/names.h's rules, de-duplicated) or from the class and
 * the address, and the time bound announced before a sweep. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "discover/discover_cidr.h"
#include "discover/discover_internal.h"
#include "names.h"

static void test_cidr_ranges(void **state)
{
    (void)state;
    discover_range r;
    char a[DISCOVER_ADDR_TEXT];
    vg_err err;
    assert_int_equal(discover_cidr_parse("198.18.1.0/24", &r, &err), VG_OK);
    assert_int_equal(r.prefix, 24);
    assert_int_equal(r.count, 254); /* 256 less network and broadcast */
    discover_cidr_at(&r, 0, a);
    assert_string_equal(a, "198.18.1.1");
    discover_cidr_at(&r, 253, a);
    assert_string_equal(a, "198.18.1.254");
    assert_int_equal(discover_cidr_parse("198.18.0.0/16", &r, &err), VG_OK);
    assert_int_equal(r.count, 65534);
    discover_cidr_at(&r, 255, a); /* the 256th: past the first /24 */
    assert_string_equal(a, "198.18.1.0");
    discover_cidr_at(&r, 65533, a);
    assert_string_equal(a, "198.18.255.254");
    assert_int_equal(discover_cidr_parse("198.18.21.0/28", &r, &err), VG_OK);
    assert_int_equal(r.count, 14);
    assert_int_equal(discover_cidr_parse("198.18.21.4/30", &r, &err), VG_OK);
    assert_int_equal(r.count, 2);
    discover_cidr_at(&r, 0, a);
    assert_string_equal(a, "198.18.21.5");
    assert_int_equal(discover_cidr_parse("198.18.21.4/31", &r, &err), VG_OK); /* RFC 3021: both hosts */
    assert_int_equal(r.count, 2);
    discover_cidr_at(&r, 0, a);
    assert_string_equal(a, "198.18.21.4");
    assert_int_equal(discover_cidr_parse("198.18.21.9", &r, &err), VG_OK);
    assert_int_equal(r.prefix, 32);
    assert_int_equal(r.count, 1);
    discover_cidr_at(&r, 0, a);
    assert_string_equal(a, "198.18.21.9");
}

static void refused(const char *text, vg_code code, const char *why)
{
    discover_range r;
    vg_err err;
    assert_int_equal(discover_cidr_parse(text, &r, &err), code);
    if (!strstr(err.msg, why))
        fail_msg("%s: '%s' does not say '%s'", text, err.msg, why);
}

static void test_cidr_refused(void **state)
{
    (void)state;
    refused("127.0.0.0/8", VG_E_TOO_LARGE, "16777216 addresses: at most a /16");
    refused("198.18.0.0/15", VG_E_TOO_LARGE, "at most a /16");
    refused("0.0.0.0/0", VG_E_TOO_LARGE, "at most a /16");
    refused("198.18.1.0/33", VG_E_INVALID, "prefix length must be 16 to 32");
    refused("198.18.1.0/", VG_E_INVALID, "prefix length");
    refused("198.18.1.0/-1", VG_E_INVALID, "prefix length");
    refused("198.18.1.0/24x", VG_E_INVALID, "prefix length");
    refused("198.18.1/24", VG_E_INVALID, "not an IPv4 CIDR");
    refused("198.18.256.0/24", VG_E_INVALID, "not an IPv4 CIDR");
    refused("", VG_E_INVALID, "not an IPv4 CIDR");
    refused("2001:db8::/64", VG_E_INVALID, "not an IPv4 CIDR");
    refused("a-very-long-host-name.example.org/24", VG_E_INVALID, "not an IPv4 CIDR");
    refused("198.18.1.7/24", VG_E_INVALID, "did you mean 198.18.1.0/24?");
    refused("198.18.1.16/27", VG_E_INVALID, "did you mean 198.18.1.0/27?");
    refused("224.0.0.0/24", VG_E_INVALID, "multicast");
    refused("255.255.255.255", VG_E_INVALID, "multicast, reserved");
    refused("0.0.0.0", VG_E_INVALID, "unspecified");
}

static void suggest(const char *sys_name, const char *cls, const char *addr_text, bool wide, const char (*taken)[NAME_MAX_LEN + 1],
                    size_t n, const char *want)
{
    discover_range r;
    vg_err err;
    char out[NAME_MAX_LEN + 1];
    assert_int_equal(discover_cidr_parse(addr_text, &r, &err), VG_OK);
    discover_suggest_name(sys_name, cls, r.first, wide, taken, n, out);
    assert_string_equal(out, want);
    assert_true(name_is_valid(out));
}

static void test_names(void **state)
{
    (void)state;
    suggest("ups-test", "ups", "198.18.21.2", false, NULL, 0, "ups-test");
    suggest("UPS-A.dc.example.org", "ups", "198.18.21.2", false, NULL, 0, "ups-a"); /* its first label */
    suggest("Salle 1 / Clim #2", "cooling", "198.18.21.2", false, NULL, 0, "salle-1-clim-2");
    suggest("__olt__", "olt", "198.18.21.2", false, NULL, 0, "olt");
    suggest("Onduleur\xc3\xa9t\xc3\xa9", "ups", "198.18.21.2", false, NULL, 0, "onduleur-t"); /* UTF-8 bytes: one '-' */
    suggest("", "ups", "198.18.21.4", false, NULL, 0, "ups-4");
    suggest("...", "cooling", "198.18.21.4", false, NULL, 0, "cooling-4");
    suggest(NULL, NULL, "198.18.3.200", false, NULL, 0, "device-200");
    suggest("", "env", "198.18.3.200", true, NULL, 0, "env-3-200"); /* wider than a /24 */
    char long_name[200];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    discover_range r;
    vg_err err;
    char out[NAME_MAX_LEN + 1];
    assert_int_equal(discover_cidr_parse("198.18.21.2", &r, &err), VG_OK);
    discover_suggest_name(long_name, "ups", r.first, false, NULL, 0, out);
    assert_int_equal(strlen(out), NAME_MAX_LEN - 6);
    assert_true(name_is_valid(out));
    const char taken[3][NAME_MAX_LEN + 1] = {"env", "env-2", "ups-4"};
    suggest("env", "env", "198.18.21.9", false, taken, 3, "env-3");
    suggest("", "ups", "198.18.21.4", false, taken, 3, "ups-4-2");
    suggest("env-2", "env", "198.18.21.9", false, taken, 2, "env-2-2");
}

static void test_bound(void **state)
{
    (void)state;
    agent_device d = {.timeout = 1, .retries = 1};
    /* 14 addresses x 2 tries / 100 per s + 1 round x 2 tries x 1 s + 1 */
    assert_true(discover_bound(14, &d, 100) > 3.279 && discover_bound(14, &d, 100) < 3.281);
    d.timeout = 2;
    /* a /24: 254 x 2 / 100 + 1 x 2 x 2 + 1 = 10.08 */
    assert_true(discover_bound(254, &d, 100) > 10.079 && discover_bound(254, &d, 100) < 10.081);
    /* a /16 at 100/s: 65534 x 2 / 100 + 256 rounds x 4 s + 1 = 2335.68 */
    assert_true(discover_bound(65534, &d, 100) > 2335.67 && discover_bound(65534, &d, 100) < 2335.69);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr_ranges),
        cmocka_unit_test(test_cidr_refused),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests_name("discover", tests, NULL, NULL);
}
