/* The active checks' parts (agent/check/), each without the agent around it: the echo statistics and
 * the samples a cycle's results give (hand-computed), the server's target list read strictly, TCP
 * connects to a loopback listener and to a closed port driven through a select as the agent's loop
 * does, and the kept target list of check_fetch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check/check_fetch.h"
#include "check/check_internal.h"
#include "test_util.h"

static void test_stats(void **state)
{
    (void)state;
    /* 10, lost, 14, 11, lost: 3 of 5 answered; jitter = (|14-10| + |11-14|) / 2 */
    const double rtt[] = {10, NAN, 14, 11, -1};
    check_icmp_stats st;
    check_icmp_stats_of(rtt, 5, &st);
    assert_int_equal(st.answered, 3);
    assert_float_equal(st.loss, 40.0, 1e-9);
    assert_float_equal(st.rtt, 35.0 / 3, 1e-9);
    assert_float_equal(st.min, 10, 1e-9);
    assert_float_equal(st.max, 14, 1e-9);
    assert_true(st.has_jitter);
    assert_float_equal(st.jitter, 3.5, 1e-9);
    const double none[] = {NAN, NAN};
    check_icmp_stats_of(none, 2, &st);
    assert_int_equal(st.answered, 0);
    assert_float_equal(st.loss, 100.0, 1e-9);
    assert_false(st.has_rtt);
    assert_false(st.has_jitter);
}

static const push_sample *find(const push_batch *b, const char *metric, const char *inst)
{
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        if (strcmp(s->metric, metric) == 0 && strcmp(s->instance, inst) == 0)
            return s;
    }
    return NULL;
}

static void test_emit_two_addresses(void **state)
{
    (void)state;
    agent_check t = {.name = "ecole", .cls = "link", .nhosts = 2, .icmp = true, .nports = 1, .ports = {554}};
    snprintf(t.hosts[0], sizeof t.hosts[0], "198.18.1.10");
    snprintf(t.hosts[1], sizeof t.hosts[1], "198.18.1.11");
    const double a[] = {5, 7, NAN, 6}, b[] = {NAN, NAN, NAN, NAN};
    check_result r = {.rtt = {a, b}, .pings = 4, .tcp = {CHECK_DOWN}};
    push_batch *batch = push_batch_new("x", 0);
    poll_sink out = poll_sink_batch(batch);
    size_t n = check_emit(&t, &r, &out, 1000);
    /* a: reachable, loss, rtt, min, max, jitter; b: reachable, loss; tcp (down: no time) */
    assert_int_equal(n, 9);
    assert_int_equal(push_batch_count(batch), 9);
    const push_sample *s = find(batch, "link.reachable", "198.18.1.10");
    assert_non_null(s);
    assert_float_equal(s->value, 1, 0);
    assert_int_equal(s->sev, SEV_OK);
    s = find(batch, "link.loss", "198.18.1.10");
    assert_float_equal(s->value, 25.0, 1e-9);
    assert_int_equal(s->sev, SEV_WARNING); /* 25 % >= 20 % */
    assert_float_equal(find(batch, "link.rtt", "198.18.1.10")->value, 6.0, 1e-9);
    assert_float_equal(find(batch, "link.jitter", "198.18.1.10")->value, 1.5, 1e-9); /* (2 + 1) / 2 */
    s = find(batch, "link.reachable", "198.18.1.11");
    assert_float_equal(s->value, 0, 0);
    assert_int_equal(s->sev, SEV_WARNING); /* the other address answers: degraded, not down */
    assert_null(find(batch, "link.rtt", "198.18.1.11"));
    s = find(batch, "link.tcp", "554");
    assert_float_equal(s->value, 0, 0);
    assert_int_equal(s->sev, SEV_CRITICAL);
    assert_null(find(batch, "link.tcp.time", "554"));
    assert_int_equal(push_batch_device_count(batch), 1);
    assert_string_equal(push_batch_device_class(batch, "ecole"), "link");
    push_batch_free(batch);
}

static void test_emit_down_and_unknown(void **state)
{
    (void)state;
    agent_check t = {.name = "cam1", .cls = "camera", .nhosts = 1, .icmp = true, .nhttp = 1};
    snprintf(t.hosts[0], sizeof t.hosts[0], "198.18.4.10");
    snprintf(t.http[0].name, sizeof t.http[0].name, "http");
    const double none[] = {NAN, NAN, NAN};
    check_result r = {.rtt = {none}, .pings = 3, .http = {CHECK_DOWN}, .http_status = {503}, .http_ms = {12}};
    push_batch *batch = push_batch_new("x", 0);
    poll_sink out = poll_sink_batch(batch);
    check_emit(&t, &r, &out, 1000);
    const push_sample *s = find(batch, "link.reachable", ""); /* one address: no instance */
    assert_non_null(s);
    assert_int_equal(s->sev, SEV_CRITICAL);
    assert_float_equal(find(batch, "link.loss", "")->value, 100, 1e-9);
    assert_int_equal(find(batch, "link.loss", "")->sev, SEV_OK); /* nothing answered: link.reachable's alert alone */
    assert_float_equal(find(batch, "link.http.status", "http")->value, 503, 0);
    assert_int_equal(find(batch, "link.http", "http")->sev, SEV_CRITICAL);
    assert_float_equal(find(batch, "link.http.time", "http")->value, 12, 1e-9);
    push_batch_clear(batch);
    /* ICMP unknown (no raw socket) and the GET not run: nothing is said, never a false down */
    check_result unknown = {.pings = 3, .http = {CHECK_UNKNOWN}};
    assert_int_equal(check_emit(&t, &unknown, &out, 1000), 0);
    push_batch_free(batch);
}

static vg_code parse(const char *json, agent_check **list, size_t *n, vg_err *err)
{
    return check_targets_parse(json, strlen(json), "dc-checker", list, n, err);
}

static void free_list(agent_check *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        agent_check_clear(&list[i]);
    free(list);
}

static void test_targets_parse(void **state)
{
    (void)state;
    agent_check *list;
    size_t n;
    vg_err err;
    assert_int_equal(parse("{\"agent\":\"dc-checker\",\"targets\":["
                           "{\"device\":\"mairie\",\"site\":\"mairie\",\"hosts\":[\"198.18.1.2\",\"2001:db8::2\"]},"
                           "{\"device\":\"cam\",\"class\":\"camera\",\"hosts\":[\"198.18.1.3\"],\"checks\":["
                           "{\"type\":\"tcp\",\"port\":554},{\"type\":\"http\",\"url\":\"https://198.18.1.3/\",\"expect\":401}],"
                           "\"later\":1}]}",
                           &list, &n, &err),
                     VG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "cam"); /* sorted by name */
    assert_false(list[0].icmp);
    assert_int_equal(list[0].nports, 1);
    assert_int_equal(list[0].ports[0], 554);
    assert_int_equal(list[0].nhttp, 1);
    assert_string_equal(list[0].http[0].name, "http");
    assert_int_equal(list[0].http[0].expect, 401);
    assert_string_equal(list[1].name, "mairie");
    assert_string_equal(list[1].cls, "link");
    assert_true(list[1].icmp); /* no checks: an echo */
    assert_int_equal(list[1].nhosts, 2);
    free_list(list, n);

    static const struct { const char *json, *field, *says; } bad[] = {
        {"{\"agent\":\"other\",\"targets\":[]}", "agent", "is not this agent"},
        {"{\"agent\":\"dc-checker\",\"targets\":[{\"device\":\"a\",\"hosts\":[\"a.example\"]}]}", "hosts", "targets[0].hosts[0]"},
        {"{\"agent\":\"dc-checker\",\"targets\":[{\"device\":\"a/b\",\"hosts\":[\"198.18.1.1\"]}]}", "device", "targets[0].device"},
        {"{\"agent\":\"dc-checker\",\"targets\":[{\"device\":\"a\",\"hosts\":[\"198.18.1.1\"],\"checks\":[{\"type\":\"tcp\",\"port\":0}]}]}", "port", "targets[0].checks[0].port"},
        {"{\"agent\":\"dc-checker\",\"targets\":[{\"device\":\"a\",\"hosts\":[\"198.18.1.1\"],\"checks\":[{\"type\":\"http\",\"url\":\"file:///etc/passwd\"}]}]}", "url", "targets[0].checks[0].url"},
        {"{\"agent\":\"dc-checker\",\"targets\":[{\"device\":\"a\",\"hosts\":[\"198.18.1.1\"]},{\"device\":\"a\",\"hosts\":[\"198.18.1.2\"]}]}", "device", "given twice"},
        {"{\"agent\":\"dc-checker\",\"targets\":[{\"device\":\"a\",\"hosts\":[\"198.18.1.1\",\"198.18.1.2\",\"198.18.1.3\",\"198.18.1.4\",\"198.18.1.5\"]}]}", "hosts", "1 to 4"},
        {"[1,", "", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        list = (agent_check *)1;
        assert_int_equal(parse(bad[i].json, &list, &n, &err), VG_E_INVALID);
        assert_null(list);
        assert_string_equal(err.field, bad[i].field);
        if (!strstr(err.msg, bad[i].says))
            fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, bad[i].says);
    }
}

/* A loopback listener on an ephemeral port, and a port that refuses (bound, never listening). */
static int listener(int *port, bool listen_too)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    if (listen_too)
        assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_tcp(void **state)
{
    (void)state;
    int open_port, closed_port;
    int lfd = listener(&open_port, true), cfd = listener(&closed_port, false);
    check_state st[3];
    double ms[3];
    check_tcp_probe probes[3] = {{"127.0.0.1", open_port, &st[0], &ms[0]},
                                 {"127.0.0.1", closed_port, &st[1], &ms[1]},
                                 {"::1", open_port, &st[2], &ms[2]}}; /* the listener is IPv4 only */
    check_tcp *t = check_tcp_new();
    check_tcp_begin(t, probes, 3, 1.0);
    for (int rounds = 0; check_tcp_busy(t) && rounds < 100; rounds++) {
        netsnmp_large_fd_set wr;
        netsnmp_large_fd_set_init(&wr, FD_SETSIZE);
        FD_ZERO(wr.lfs_setptr);
        int nfds = 0;
        double left = 1;
        check_tcp_fill(t, &wr, &nfds, &left);
        struct timeval tv = {0, (long)(left > 0 ? left * 1e6 : 0)};
        netsnmp_large_fd_set_select(nfds, NULL, &wr, NULL, &tv);
        check_tcp_handle(t, &wr);
        netsnmp_large_fd_set_cleanup(&wr);
    }
    assert_false(check_tcp_busy(t));
    assert_int_equal(st[0], CHECK_UP);
    assert_true(ms[0] >= 0 && ms[0] < 1000);
    assert_int_equal(st[1], CHECK_DOWN);
    assert_int_not_equal(st[2], CHECK_UP); /* refused; unknown on a host without IPv6 */
    check_tcp_free(t);
    close(lfd);
    close(cfd);
}

static void test_fetch_kept(void **state)
{
    (void)state;
    char *dir = tu_tmpdir(), path[600];
    agent_config cfg = {.id = "dc-checker", .server = "http://127.0.0.1:9"}; /* discard: nothing answers */
    tu_write(dir, "targets.json",
             "{\"agent\":\"dc-checker\",\"targets\":[{\"device\":\"ecole\",\"hosts\":[\"198.18.1.2\"]}]}", path,
             sizeof path);
    vg_err err;
    check_fetch *f = check_fetch_new(&cfg, dir, &err);
    assert_non_null(f);
    agent_check *list;
    size_t n;
    assert_true(check_fetch_take(f, &list, &n)); /* the kept one, before any answer */
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "ecole");
    free_list(list, n);
    assert_false(check_fetch_take(f, &list, &n)); /* nothing newer */
    /* a bad answer changes nothing; a good one is kept on disk and offered */
    assert_int_equal(check_fetch_accept(f, "{\"agent\":\"dc-checker\"}", 22, true, &err), VG_E_INVALID);
    assert_false(check_fetch_take(f, &list, &n));
    const char *good = "{\"agent\":\"dc-checker\",\"targets\":[]}";
    assert_int_equal(check_fetch_accept(f, good, strlen(good), true, &err), VG_OK);
    assert_true(check_fetch_take(f, &list, &n));
    assert_int_equal(n, 0);
    free(list);
    FILE *fp = fopen(path, "r");
    char buf[128] = "";
    assert_non_null(fp);
    assert_non_null(fgets(buf, sizeof buf, fp));
    fclose(fp);
    assert_string_equal(buf, good);
    check_fetch_free(f);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats),          cmocka_unit_test(test_emit_two_addresses),
        cmocka_unit_test(test_emit_down_and_unknown), cmocka_unit_test(test_targets_parse),
        cmocka_unit_test(test_tcp),            cmocka_unit_test(test_fetch_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
