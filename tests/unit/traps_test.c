/* traps: a received notification → the samples pushed (v1 and v2 forms, unknown trap, unknown
 * source, varbind instance, community), and the `traps:` section of the profile schema. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "snmp/engine.h"
#include "snmp/traps.h"
#include "test_util.h"

static profile_set *set;
static agent_config cfg;
static agent_device devs[2];

static int setup(void **state)
{
    (void)state;
    char path[1024];
    const char *srcdir = getenv("srcdir");
    snprintf(path, sizeof path, "%s/mibs", srcdir ? srcdir : ".");
    vg_err err;
    set = profile_set_load(path, &err);
    if (!set) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    snprintf(cfg.id, sizeof cfg.id, "nro-test");
    snprintf(cfg.trap_community, sizeof cfg.trap_community, "public");
    snprintf(devs[0].name, sizeof devs[0].name, "ups1");
    snprintf(devs[0].host, sizeof devs[0].host, "10.20.1.5");
    snprintf(devs[0].profile, sizeof devs[0].profile, "ups-apc-powernet");
    snprintf(devs[1].name, sizeof devs[1].name, "olt1");
    snprintf(devs[1].host, sizeof devs[1].host, "10.20.1.9");
    cfg.devices = devs;
    cfg.ndevices = 2;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    profile_set_free(set);
    return 0;
}

static netsnmp_pdu *v2_trap(const char *trap_oid, const char *community)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_TRAP2);
    pdu->version = SNMP_VERSION_2c;
    pdu->community = (u_char *)strdup(community);
    pdu->community_len = strlen(community);
    static const oid uptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0}, trap[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
    long ticks = 42;
    snmp_pdu_add_variable(pdu, uptime, OID_LENGTH(uptime), ASN_TIMETICKS, &ticks, sizeof ticks);
    oid value[MAX_OID_LEN];
    size_t len;
    assert_int_equal(oid_parse(trap_oid, value, MAX_OID_LEN, &len), 0);
    snmp_pdu_add_variable(pdu, trap, OID_LENGTH(trap), ASN_OBJECT_ID, value, len * sizeof(oid));
    return pdu;
}

static netsnmp_pdu *v1_trap(const char *enterprise, long generic, long specific)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_TRAP);
    pdu->version = SNMP_VERSION_1;
    pdu->community = (u_char *)strdup("public");
    pdu->community_len = 6;
    oid ent[MAX_OID_LEN];
    size_t len;
    assert_int_equal(oid_parse(enterprise, ent, MAX_OID_LEN, &len), 0);
    pdu->enterprise = snmp_duplicate_objid(ent, len);
    pdu->enterprise_length = len;
    pdu->trap_type = generic;
    pdu->specific_type = specific;
    return pdu;
}

static const push_sample *only_sample(traps *t, push_batch **keep)
{
    assert_int_equal(traps_pending(t), 1);
    *keep = traps_take(t);
    assert_non_null(*keep);
    assert_int_equal(traps_pending(t), 0);
    assert_int_equal(push_batch_count(*keep), 1);
    return push_batch_at(*keep, 0);
}

static void test_v2_trap_maps_through_profile(void **state)
{
    (void)state;
    traps *t = traps_new(&cfg, set, NULL, NULL);
    netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.318.0.5", "public");
    assert_int_equal(traps_handle(t, "10.20.1.5", pdu, 1790000000), 1);
    push_batch *b;
    const push_sample *s = only_sample(t, &b);
    assert_string_equal(s->device, "ups1");
    assert_string_equal(s->metric, "ups.status");
    assert_string_equal(s->text, "OB");
    assert_true(s->value == 3);
    assert_int_equal(s->sev, SEV_CRITICAL);
    assert_int_equal(s->ts, 1790000000);
    assert_string_equal(push_batch_agent(b), "nro-test");
    assert_string_equal(push_batch_device_class(b, "ups1"), "ups");
    push_batch_free(b);
    snmp_free_pdu(pdu);
    traps_free(t);
}

static void test_v1_trap_rfc3584_form(void **state)
{
    (void)state;
    traps *t = traps_new(&cfg, set, NULL, NULL);
    netsnmp_pdu *pdu = v1_trap(".1.3.6.1.4.1.318", SNMP_TRAP_ENTERPRISESPECIFIC, 9);
    oid o[MAX_OID_LEN];
    size_t len;
    char text[OID_TEXT_MAX];
    assert_int_equal(traps_pdu_oid(pdu, o, MAX_OID_LEN, &len), 0);
    oid_format(o, len, text, sizeof text);
    assert_string_equal(text, ".1.3.6.1.4.1.318.0.9");
    assert_int_equal(traps_handle(t, "10.20.1.5", pdu, 1790000000), 1);
    push_batch *b;
    const push_sample *s = only_sample(t, &b);
    assert_string_equal(s->metric, "ups.status");
    assert_string_equal(s->text, "OL");
    assert_true(s->value == 2);
    assert_int_equal(s->sev, SEV_OK);
    push_batch_free(b);
    snmp_free_pdu(pdu);
    /* a generic v1 trap (linkDown = 2) becomes .1.3.6.1.6.3.1.1.5.3 */
    pdu = v1_trap(".1.3.6.1.4.1.2011", SNMP_TRAP_LINKDOWN, 0);
    assert_int_equal(traps_pdu_oid(pdu, o, MAX_OID_LEN, &len), 0);
    oid_format(o, len, text, sizeof text);
    assert_string_equal(text, ".1.3.6.1.6.3.1.1.5.3");
    snmp_free_pdu(pdu);
    traps_free(t);
}

static void test_link_down_instance_from_varbind(void **state)
{
    (void)state;
    traps *t = traps_new(&cfg, set, NULL, NULL); /* olt1 has no profile: every profile is searched */
    netsnmp_pdu *pdu = v2_trap(".1.3.6.1.6.3.1.1.5.3", "public");
    static const oid ifindex7[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 7}, oper7[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 7};
    long v = 7, down = 2;
    snmp_pdu_add_variable(pdu, oper7, OID_LENGTH(oper7), ASN_INTEGER, &down, sizeof down);
    snmp_pdu_add_variable(pdu, ifindex7, OID_LENGTH(ifindex7), ASN_INTEGER, &v, sizeof v);
    assert_int_equal(traps_handle(t, "10.20.1.9", pdu, 1790000000), 1);
    push_batch *b;
    const push_sample *s = only_sample(t, &b);
    assert_string_equal(s->device, "olt1");
    assert_string_equal(s->metric, "if.status");
    assert_string_equal(s->instance, "7");
    assert_string_equal(s->text, "down");
    assert_true(s->value == 2);
    push_batch_free(b);
    snmp_free_pdu(pdu);
    traps_free(t);
}

static void test_unknown_trap_is_kept_raw(void **state)
{
    (void)state;
    traps *t = traps_new(&cfg, set, NULL, NULL);
    netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.99999.0.42", "public");
    assert_int_equal(traps_handle(t, "10.20.1.5", pdu, 1790000000), 1);
    push_batch *b;
    const push_sample *s = only_sample(t, &b);
    assert_string_equal(s->device, "ups1");
    assert_string_equal(s->metric, "device.trap");
    assert_string_equal(s->text, ".1.3.6.1.4.1.99999.0.42");
    assert_int_equal(s->sev, SEV_WARNING);
    push_batch_free(b);
    snmp_free_pdu(pdu);
    traps_free(t);
}

static void test_unknown_source_is_kept_raw(void **state)
{
    (void)state;
    traps *t = traps_new(&cfg, set, NULL, NULL);
    netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.318.0.5", "public");
    assert_int_equal(traps_handle(t, "192.0.2.77", pdu, 1790000000), 1);
    push_batch *b;
    const push_sample *s = only_sample(t, &b);
    assert_string_equal(s->device, "192.0.2.77");
    assert_string_equal(s->metric, "device.trap");
    assert_string_equal(s->text, ".1.3.6.1.4.1.318.0.5");
    push_batch_free(b);
    snmp_free_pdu(pdu);
    /* an IPv6 source gives a valid device name */
    pdu = v2_trap(".1.3.6.1.4.1.318.0.5", "public");
    assert_int_equal(traps_handle(t, "2001:db8::7", pdu, 1790000000), 1);
    s = only_sample(t, &b);
    assert_string_equal(s->device, "2001-db8--7");
    push_batch_free(b);
    snmp_free_pdu(pdu);
    traps_free(t);
}

static void test_wrong_community_dropped(void **state)
{
    (void)state;
    traps *t = traps_new(&cfg, set, NULL, NULL);
    netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.318.0.5", "private");
    assert_int_equal(traps_handle(t, "10.20.1.5", pdu, 1790000000), -1);
    assert_int_equal(traps_pending(t), 0);
    assert_null(traps_take(t));
    snmp_free_pdu(pdu);
    traps_free(t);
}

static void test_profile_traps_schema(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), path[1024];
    tu_write(dir, "vocabulary.yaml", "ups:\n  ups.status: {unit: state, doc: x}\n", path, sizeof path);
    tu_write(dir, "a.yaml",
             "profile: a\nclass: ups\nmetrics: {}\ntraps:\n"
             "  .1.3.6.1.4.1.318.0.5: {metric: ups.status, value: 3, text: OB, severity: critical}\n"
             "  .1.3.6.1.4.1.318.0.9: {metric: ups.nothing, severity: ok}\n",
             path, sizeof path);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(profile_set_check(dir, f), 1);
    fclose(f);
    assert_non_null(strstr(out, "a.yaml:6:"));
    assert_non_null(strstr(out, "ups.nothing"));
    free(out);
    tu_write(dir, "a.yaml",
             "profile: a\nclass: ups\nmetrics: {}\ntraps:\n"
             "  .1.3.6.1.4.1.318.0.5: {metric: ups.status, value: 3, severity: bad}\n",
             path, sizeof path);
    f = open_memstream(&out, &len);
    assert_int_equal(profile_set_check(dir, f), 1);
    fclose(f);
    assert_non_null(strstr(out, "a.yaml:5:"));
    free(out);
    tu_write(dir, "a.yaml",
             "profile: a\nclass: ups\nmetrics: {}\ntraps:\n"
             "  .1.3.6.1.4.1.318.0.5: {metric: ups.status, value: 3, text: OB, severity: critical, mib: upsOnBattery}\n",
             path, sizeof path);
    vg_err err;
    profile_set *s = profile_set_load(dir, &err);
    assert_non_null(s);
    const profile *p = profile_set_find(s, "a");
    assert_int_equal(p->ntraps, 1);
    oid o[] = {1, 3, 6, 1, 4, 1, 318, 0, 5};
    const prof_trap *tr = profile_find_trap(p, o, OID_LENGTH(o));
    assert_non_null(tr);
    assert_string_equal(tr->unit, "state");
    assert_string_equal(tr->mib, "upsOnBattery");
    profile_set_free(s);
    tu_rmtree(dir);
    free(dir);
}

/* An address that cannot be listened on is VG_E_IO, with the address; once free, it is listened on. */
static void test_listen_errors(void **state)
{
    (void)state;
    poller_snmp_init();
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    agent_config c = cfg;
    snprintf(c.trap_listen, sizeof c.trap_listen, "127.0.0.1:%d", ntohs(a.sin_port));
    traps *t = traps_new(&c, set, NULL, NULL);
    vg_err err;
    assert_int_equal(traps_listen(t, &err), VG_E_IO);
    assert_int_equal(err.code, VG_E_IO);
    char want[128];
    snprintf(want, sizeof want, "cannot listen for traps on %s: ", c.trap_listen);
    assert_non_null(strstr(err.msg, want));
    traps_free(t);
    close(fd);
    t = traps_new(&c, set, NULL, NULL);
    assert_int_equal(traps_listen(t, NULL), VG_OK);
    traps_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2_trap_maps_through_profile),
        cmocka_unit_test(test_v1_trap_rfc3584_form),
        cmocka_unit_test(test_link_down_instance_from_varbind),
        cmocka_unit_test(test_unknown_trap_is_kept_raw),
        cmocka_unit_test(test_unknown_source_is_kept_raw),
        cmocka_unit_test(test_wrong_community_dropped),
        cmocka_unit_test(test_profile_traps_schema),
        cmocka_unit_test(test_listen_errors),
    };
    return cmocka_run_group_tests_name("traps", tests, setup, teardown);
}
