/* traps: a received notification → the samples pushed (v1 and v2 forms, unknown trap, unknown
 * source, varbind instance, community), the `traps:` section of the profile schema, and the flood
 * bounds: a burst is one batch, the per-source and per-agent buckets, merging, the queue bound, the
 * counts (pushed as samples, written for --spool-status) and the bounded log. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>
#include <sys/socket.h>

#include "snmp/engine.h"
#include "snmp/traps.h"
#include "log.h"
#include "vocab.h"
#include "vocab_names.h"
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


/* ---- the flood bounds ---------------------------------------------------------------------- */

#define T0 1790000000.0

/* linkDown of ifIndex `index`: if.status@index, a series of its own */
static netsnmp_pdu *link_down(long index, const char *community)
{
    netsnmp_pdu *pdu = v2_trap(".1.3.6.1.6.3.1.1.5.3", community);
    oid ifindex[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 1, (oid)index};
    snmp_pdu_add_variable(pdu, ifindex, OID_LENGTH(ifindex), ASN_INTEGER, &index, sizeof index);
    return pdu;
}

/* n linkDowns from src at now (instances first..first+n-1); returns how many were accepted */
static int send_link_downs(traps *t, const char *src, long first, int n, double now)
{
    int accepted = 0;
    for (int i = 0; i < n; i++) {
        netsnmp_pdu *pdu = link_down(first + i, "public");
        accepted += traps_handle(t, src, pdu, now) == 1;
        snmp_free_pdu(pdu);
    }
    return accepted;
}

static const push_sample *find_sample(const push_batch *b, const char *device, const char *metric)
{
    for (size_t i = 0; i < push_batch_count(b); i++)
        if (strcmp(push_batch_at(b, i)->device, device) == 0 && strcmp(push_batch_at(b, i)->metric, metric) == 0)
            return push_batch_at(b, i);
    return NULL;
}

static void assert_balanced(const trap_counts *c)
{
    uint64_t dropped = 0;
    for (int v = TRAP_ACCEPTED + 1; v < TRAP_VERDICTS; v++)
        dropped += c->dropped[v];
    assert_int_equal(c->received, c->accepted + dropped);
}

/* A burst is one batch: nothing before TRAPS_GATHER_S, then all of it and the source's counts. */
static void test_burst_is_one_batch(void **state)
{
    (void)state;
    agent_config c = cfg;
    c.trap_source_rate = 1000;
    traps *t = traps_new(&c, set, NULL, NULL);
    assert_int_equal(send_link_downs(t, "10.20.1.9", 1, 300, T0), 300);
    assert_int_equal(traps_pending(t), 300);
    assert_null(traps_take_due(t, T0 + TRAPS_GATHER_S / 2, false));
    push_batch *b = traps_take_due(t, T0 + TRAPS_GATHER_S, false);
    assert_non_null(b);
    assert_int_equal(push_batch_count(b), 300 + 2);
    assert_int_equal(traps_pending(t), 0);
    const push_sample *r = find_sample(b, "olt1", VOCAB_DEVICE_TRAP_RECEIVED);
    const push_sample *d = find_sample(b, "olt1", VOCAB_DEVICE_TRAP_DROPPED);
    assert_non_null(r);
    assert_non_null(d);
    assert_true(r->value == 300 && d->value == 0);
    assert_string_equal(r->unit, "count");
    push_batch_free(b);
    /* the next trap waits TRAPS_SPACING_S after that batch, not only TRAPS_GATHER_S */
    assert_int_equal(send_link_downs(t, "10.20.1.9", 1, 1, T0 + 0.3), 1);
    assert_null(traps_take_due(t, T0 + 0.6, false));
    assert_null(traps_take_due(t, T0 + TRAPS_GATHER_S + TRAPS_SPACING_S - 0.01, false));
    b = traps_take_due(t, T0 + TRAPS_GATHER_S + TRAPS_SPACING_S, false);
    assert_non_null(b);
    assert_int_equal(push_batch_count(b), 1 + 2);
    push_batch_free(b);
    /* a full batch goes at once */
    double now = T0 + 2;
    assert_int_equal(send_link_downs(t, "10.20.1.9", 1000, TRAPS_BATCH_FULL, now), TRAPS_BATCH_FULL);
    b = traps_take_due(t, now, false);
    assert_non_null(b);
    assert_int_equal(push_batch_count(b), TRAPS_BATCH_FULL + 2);
    push_batch_free(b);
    /* nothing waiting: nothing due, even when forced */
    assert_null(traps_take_due(t, now + 100, false));
    assert_null(traps_take_due(t, now + 100, true));
    assert_balanced(traps_counts(t));
    traps_free(t);
}

/* One address over trap_source_rate is dropped and counted; another goes on; the bucket refills. */
static void test_source_bound(void **state)
{
    (void)state;
    agent_config c = cfg;
    c.trap_source_rate = 10; /* a burst of 100 */
    c.trap_rate = 1000;
    traps *t = traps_new(&c, set, NULL, NULL);
    assert_int_equal(send_link_downs(t, "10.20.1.9", 0, 2000, T0), 10 * TRAP_LIMIT_BURST_S);
    const trap_counts *n = traps_counts(t);
    assert_int_equal(n->received, 2000);
    assert_int_equal(n->accepted, 100);
    assert_int_equal(n->dropped[TRAP_DROP_SOURCE_RATE], 1900);
    assert_balanced(n);
    /* the device next door is not crowded out */
    netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.318.0.5", "public");
    assert_int_equal(traps_handle(t, "10.20.1.5", pdu, T0), 1);
    snmp_free_pdu(pdu);
    /* one second later, 10 more from the flooder */
    assert_int_equal(send_link_downs(t, "10.20.1.9", 5000, 50, T0 + 1), 10);
    push_batch *b = traps_take_due(t, T0 + 5, false);
    assert_non_null(b);
    const push_sample *r = find_sample(b, "olt1", VOCAB_DEVICE_TRAP_RECEIVED);
    const push_sample *d = find_sample(b, "olt1", VOCAB_DEVICE_TRAP_DROPPED);
    assert_true(r && r->value == 2050);
    assert_true(d && d->value == 1940);
    assert_string_equal(push_batch_device_class(b, "ups1"), "ups");
    assert_true(find_sample(b, "ups1", VOCAB_DEVICE_TRAP_DROPPED)->value == 0);
    push_batch_free(b);
    /* dropped only: the counts go alone, TRAPS_COUNTS_S after the last batch */
    assert_int_equal(send_link_downs(t, "10.20.1.9", 0, 500, T0 + 5), 40);
    b = traps_take_due(t, T0 + 6, false); /* the 40 accepted */
    assert_non_null(b);
    push_batch_free(b);
    assert_int_equal(send_link_downs(t, "10.20.1.9", 0, 100, T0 + 6), 10);
    assert_int_equal(send_link_downs(t, "10.20.1.9", 0, 100, T0 + 6), 0);
    b = traps_take_due(t, T0 + 7.5, false);
    assert_non_null(b); /* the 10 */
    push_batch_free(b);
    assert_int_equal(send_link_downs(t, "10.20.1.9", 0, 100, T0 + 6), 0); /* the bucket still empty */
    assert_null(traps_take_due(t, T0 + 7.5 + TRAPS_COUNTS_S - 0.1, false));
    b = traps_take_due(t, T0 + 7.5 + TRAPS_COUNTS_S, false);
    assert_non_null(b);
    assert_int_equal(push_batch_count(b), 2);
    push_batch_free(b);
    assert_balanced(traps_counts(t));
    traps_free(t);
}

/* Many addresses, each within its bound: trap_rate bounds them all. */
static void test_agent_bound(void **state)
{
    (void)state;
    agent_config c = cfg;
    c.trap_source_rate = 100;
    c.trap_rate = 20; /* a burst of 200 */
    traps *t = traps_new(&c, set, NULL, NULL);
    int accepted = 0;
    for (int i = 0; i < 1000; i++) {
        char src[32];
        snprintf(src, sizeof src, "192.0.2.%d", i % 250);
        netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.99999.0.42", "public");
        accepted += traps_handle(t, src, pdu, T0) == 1;
        snmp_free_pdu(pdu);
    }
    const trap_counts *n = traps_counts(t);
    assert_int_equal(accepted, 200);
    assert_int_equal(n->dropped[TRAP_DROP_AGENT_RATE], 800);
    /* the 200 accepted came from 200 addresses: a series each, nothing merged */
    assert_int_equal(traps_pending(t), 200);
    assert_int_equal(n->merged, 0);
    assert_balanced(n);
    traps_free(t);
}

/* A trap of a series and second already waiting replaces it; another second is a sample of its own. */
static void test_merge_same_series_and_second(void **state)
{
    (void)state;
    traps *t = traps_new(&cfg, set, NULL, NULL);
    netsnmp_pdu *ob = v2_trap(".1.3.6.1.4.1.318.0.5", "public"), *ol = v2_trap(".1.3.6.1.4.1.318.0.9", "public");
    assert_int_equal(traps_handle(t, "10.20.1.5", ob, T0 + 0.1), 1);
    assert_int_equal(traps_handle(t, "10.20.1.5", ol, T0 + 0.9), 1);
    assert_int_equal(traps_pending(t), 1);
    assert_int_equal(traps_counts(t)->merged, 1);
    assert_int_equal(traps_handle(t, "10.20.1.5", ob, T0 + 1.1), 1);
    assert_int_equal(traps_pending(t), 2);
    push_batch *b = traps_take(t);
    assert_string_equal(push_batch_at(b, 0)->text, "OL"); /* the last state of that second */
    assert_string_equal(push_batch_at(b, 1)->text, "OB");
    push_batch_free(b);
    /* a trap of a second already pushed (traps_take_due): a second later, where the server keeps it */
    assert_int_equal(traps_handle(t, "10.20.1.5", ob, T0 + 1.2), 1);
    b = traps_take_due(t, T0 + 1.4, false);
    assert_non_null(b);
    push_batch_free(b);
    assert_int_equal(traps_handle(t, "10.20.1.5", ol, T0 + 1.5), 1);
    b = traps_take(t);
    assert_int_equal(push_batch_count(b), 1);
    assert_string_equal(push_batch_at(b, 0)->text, "OL");
    assert_int_equal(push_batch_at(b, 0)->ts, (int64_t)T0 + 2);
    push_batch_free(b);
    snmp_free_pdu(ob);
    snmp_free_pdu(ol);
    traps_free(t);
}

/* At most TRAPS_PENDING_MAX samples wait; the source table is bounded, the rest share one entry. */
static void test_queue_and_source_table_bounded(void **state)
{
    (void)state;
    agent_config c = cfg;
    c.trap_source_rate = 100000;
    c.trap_rate = 100000;
    traps *t = traps_new(&c, set, NULL, NULL);
    int accepted = 0;
    for (int i = 0; i < TRAPS_PENDING_MAX + 100; i++) {
        char src[32];
        snprintf(src, sizeof src, "198.51.%d.%d", i / 250, i % 250);
        netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.99999.0.42", "public");
        accepted += traps_handle(t, src, pdu, T0) == 1;
        snmp_free_pdu(pdu);
    }
    const trap_counts *n = traps_counts(t);
    assert_int_equal(accepted, TRAPS_PENDING_MAX);
    assert_int_equal(n->dropped[TRAP_DROP_QUEUE], 100);
    assert_int_equal(traps_pending(t), TRAPS_PENDING_MAX);
    push_batch *b = traps_take_due(t, T0, false); /* full: at once */
    assert_non_null(b);
    /* the traps, and the counts of the TRAP_LIMIT_SOURCES addresses counted one by one */
    assert_int_equal(push_batch_count(b), TRAPS_PENDING_MAX + 2 * TRAP_LIMIT_SOURCES);
    push_batch_free(b);
    assert_balanced(n);
    traps_free(t);
}

/* A wrong community and a notification without snmpTrapOID are counted, never a sample. */
static void test_refusals_counted(void **state)
{
    (void)state;
    traps *t = traps_new(&cfg, set, NULL, NULL);
    netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.318.0.5", "wrong");
    for (int i = 0; i < 5; i++)
        assert_int_equal(traps_handle(t, "10.20.1.5", pdu, T0), -1);
    snmp_free_pdu(pdu);
    pdu = snmp_pdu_create(SNMP_MSG_TRAP2); /* no varbind at all */
    pdu->version = SNMP_VERSION_2c;
    pdu->community = (u_char *)strdup("public");
    pdu->community_len = 6;
    assert_int_equal(traps_handle(t, "10.20.1.5", pdu, T0), -1);
    snmp_free_pdu(pdu);
    pdu = v1_trap(".1.3.6.1.4.1.318", 9, 0); /* generic-trap out of range */
    assert_int_equal(traps_handle(t, "10.20.1.5", pdu, T0), -1);
    snmp_free_pdu(pdu);
    const trap_counts *n = traps_counts(t);
    assert_int_equal(n->dropped[TRAP_DROP_COMMUNITY], 5);
    assert_int_equal(n->dropped[TRAP_DROP_MALFORMED], 2);
    assert_int_equal(n->accepted, 0);
    assert_int_equal(traps_pending(t), 0);
    push_batch *b = traps_take_due(t, T0 + 1, true); /* the counts only */
    assert_non_null(b);
    assert_true(find_sample(b, "ups1", VOCAB_DEVICE_TRAP_DROPPED)->value == 7);
    assert_true(find_sample(b, "ups1", VOCAB_DEVICE_TRAP_RECEIVED)->value == 7);
    push_batch_free(b);
    assert_balanced(n);
    traps_free(t);
}

/* Runs fn with stderr in a file; returns the number of lines logged. */
static int count_log_lines(void (*fn)(void))
{
    char *dir = tu_tmpdir(), path[1024];
    snprintf(path, sizeof path, "%s/log", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "r");
    int lines = 0, ch;
    while ((ch = fgetc(f)) != EOF)
        lines += ch == '\n';
    fclose(f);
    tu_rmtree(dir);
    free(dir);
    return lines;
}

static void flood_a_minute(void)
{
    traps *t = traps_new(&cfg, set, NULL, NULL);
    for (int s = 0; s < TRAP_LIMIT_PERIOD_S; s++) { /* 200 a second, accepted and dropped */
        send_link_downs(t, "10.20.1.9", 0, 100, T0 + s);
        netsnmp_pdu *pdu = v2_trap(".1.3.6.1.4.1.318.0.5", s % 2 ? "public" : "wrong");
        for (int i = 0; i < 100; i++)
            traps_handle(t, "10.20.1.5", pdu, T0 + s);
        snmp_free_pdu(pdu);
        push_batch_free(traps_take_due(t, T0 + s + 0.5, false));
    }
    push_batch_free(traps_take_due(t, T0 + TRAP_LIMIT_PERIOD_S + 1, false)); /* the period's summary */
    assert_balanced(traps_counts(t));
    assert_true(traps_counts(t)->received == 200 * TRAP_LIMIT_PERIOD_S);
    traps_free(t);
}

/* 12,000 traps in a minute: the first TRAP_LIMIT_LOG_BURST accepted, one warning at the first drop,
 * one summary line. */
static void test_log_is_bounded(void **state)
{
    (void)state;
    log_set_level(LOG_LVL_INFO);
    int lines = count_log_lines(flood_a_minute);
    assert_int_equal(lines, TRAP_LIMIT_LOG_BURST + 2);
}

/* SPOOL_DIR/traps: written with the counts, printed by --spool-status. */
static void test_status_file(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    trap_limit *l = trap_limit_new(1, 1, T0);
    for (int i = 0; i < 30; i++) {
        size_t s = trap_limit_receive(l, i < 25 ? "10.0.0.7" : "10.0.0.8", T0);
        trap_limit_count(l, s, trap_limit_admit(l, s, T0));
    }
    trap_limit_set_outside(l, 3, 4);
    assert_int_equal(trap_limit_save(l, dir, T0 + 60, NULL), VG_OK);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(trap_limit_print(dir, f, NULL), VG_OK);
    fclose(f);
    /* bursts of 10: .7's first 10 take all of the agent's, .8's 5 are over trap_rate */
    assert_non_null(strstr(out, "traps: 30 received, 10 accepted (0 merged into a later one), 20 dropped "
                                "(15 over trap_source_rate, 5 over trap_rate), 3 not decoded or authenticated, "
                                "4 lost in the kernel"));
    assert_non_null(strstr(out, "traps from 10.0.0.7: 25 received, 15 dropped\n"));
    assert_non_null(strstr(out, "traps from 10.0.0.8: 5 received, 5 dropped\n"));
    free(out);
    trap_limit_free(l);
    tu_rmtree(dir);
    f = open_memstream(&out, &len);
    assert_int_equal(trap_limit_print(dir, f, NULL), VG_OK); /* no file: said so */
    fclose(f);
    assert_string_equal(out, "traps: none recorded\n");
    free(out);
    free(dir);
}

/* The counts' metric names are in the vocabulary (the server refuses others). */
static void test_count_names_in_vocabulary(void **state)
{
    (void)state;
    const vocab *v = profile_set_vocab(set);
    assert_non_null(vocab_metric_for(v, "olt", VOCAB_DEVICE_TRAP_RECEIVED));
    assert_non_null(vocab_metric_for(v, "generic", VOCAB_DEVICE_TRAP_DROPPED));
}


/* agent.yaml trap_rate and trap_source_rate: traps a second, 1 to 100,000; unset, the defaults. */
static void test_rate_keys(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), path[1024];
    const char *base = "agent: a1\nserver: http://127.0.0.1:1\ntoken: 0123456789abcdef\n"
                       "devices: [{name: d1, host: 10.0.0.1}]\n";
    char text[512];
    snprintf(text, sizeof text, "%strap_rate: 30\ntrap_source_rate: 5\n", base);
    tu_write(dir, "agent.yaml", text, path, sizeof path);
    vg_err err;
    agent_config *c = agent_config_load(path, dir, &err);
    assert_non_null(c);
    assert_int_equal(c->trap_rate, 30);
    assert_int_equal(c->trap_source_rate, 5);
    agent_config_free(c);
    snprintf(text, sizeof text, "%strap_source_rate: 0\n", base);
    tu_write(dir, "agent.yaml", text, path, sizeof path);
    assert_null(agent_config_load(path, dir, &err));
    assert_non_null(strstr(err.msg, "trap_source_rate"));
    tu_write(dir, "agent.yaml", base, path, sizeof path);
    c = agent_config_load(path, dir, &err);
    assert_non_null(c);
    assert_int_equal(c->trap_rate, 0); /* trap_limit.h's TRAP_LIMIT_RATE */
    agent_config_free(c);
    tu_rmtree(dir);
    free(dir);
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
        cmocka_unit_test(test_burst_is_one_batch),
        cmocka_unit_test(test_source_bound),
        cmocka_unit_test(test_agent_bound),
        cmocka_unit_test(test_merge_same_series_and_second),
        cmocka_unit_test(test_queue_and_source_table_bounded),
        cmocka_unit_test(test_refusals_counted),
        cmocka_unit_test(test_log_is_bounded),
        cmocka_unit_test(test_status_file),
        cmocka_unit_test(test_count_names_in_vocabulary),
        cmocka_unit_test(test_rate_keys),
    };
    return cmocka_run_group_tests_name("traps", tests, setup, teardown);
}
