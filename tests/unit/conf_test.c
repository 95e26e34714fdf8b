/* Configuration parsing: valid files, and each kind of error with file:line:column and key. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "config/agent_config.h"
#include "conf.h"
#include "push/push_client.h"
#include "config/server_config.h"
#include "test_util.h"

static char *dir;

static int setup(void **state) { dir = tu_tmpdir(); return 0; }
static int teardown(void **state) { tu_rmtree(dir); free(dir); return 0; }

static const char *agent_ok =
    "agent: nro-doullens\n"
    "site: doullens\n"
    "server: http://127.0.0.1:8470\n"
    "token: abcdefghijklmnop\n"
    "interval: 30\n"
    "devices:\n"
    "  - name: ups1\n"
    "    host: 10.1.0.10\n"
    "    community: secret\n"
    "    profile: ups-rfc1628\n"
    "  - name: olt1\n"
    "    host: 10.1.0.20\n"
    "    port: 1161\n"
    "    version: 1\n"
    "  - name: clim1\n"
    "    host: 10.1.0.30\n"
    "    version: 3\n"
    "    user: vigie\n"
    "    auth_password: authpass123\n"
    "    priv_password: privpass123\n";

static agent_config *load_agent(const char *text, vg_err *err)
{
    char path[600];
    tu_write(dir, "agent.yaml", text, path, sizeof path);
    return agent_config_load(path, "/usr/share/vigie/mibs", err);
}

static void test_agent_valid(void **state)
{
    vg_err err;
    agent_config *c = load_agent(agent_ok, &err);
    assert_non_null(c);
    assert_string_equal(c->id, "nro-doullens");
    assert_string_equal(c->site, "doullens");
    assert_int_equal(c->interval, 30);
    assert_int_equal(c->ndevices, 3);
    assert_string_equal(c->devices[0].community, "secret");
    assert_string_equal(c->devices[0].profile, "ups-rfc1628");
    assert_int_equal(c->devices[0].port, 161);
    assert_int_equal(c->devices[0].version, SNMP_V2C);
    assert_int_equal(c->devices[1].port, 1161);
    assert_int_equal(c->devices[1].version, SNMP_V1);
    assert_string_equal(c->devices[1].community, "public");
    assert_null(c->devices[0].usm); /* v2c: no SNMPv3 settings kept */
    assert_int_equal(c->devices[2].version, SNMP_V3);
    assert_non_null(c->devices[2].usm);
    assert_string_equal(c->devices[2].usm->user, "vigie");
    assert_string_equal(c->devices[2].usm->priv_pass, "privpass123");
    assert_string_equal(c->devices[2].usm->level, "authPriv");
    assert_string_equal(c->devices[2].usm->auth_proto, "SHA-256");
    assert_string_equal(c->devices[2].usm->priv_proto, "AES");
    assert_string_equal(c->profiles, "/usr/share/vigie/mibs");
    agent_config_free(c);
}

/* Each bad file must fail with the expected "file:line:col: key 'k': ..." prefix. */
static void expect_agent_error(const char *text, const char *where, const char *what)
{
    vg_err err;
    agent_config *c = load_agent(text, &err);
    if (c)
        fail_msg("accepted: %s", text);
    char want[700];
    snprintf(want, sizeof want, "%s/agent.yaml:%s", dir, where);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !strstr(err.msg, what))
        fail_msg("got '%s', wanted prefix '%s' and '%s'", err.msg, want, what);
}

static void test_agent_unknown_key(void **state)
{
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\nintervall: 5\ndevices: []\n", "4:1: key 'intervall'",
                       "unknown key");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices:\n  - {name: u, host: h, comunity: c}\n",
                       "5:24: key 'comunity'", "unknown key in device");
}

static void test_agent_missing_and_types(void **state)
{
    expect_agent_error("server: http://x\ntoken: tttttttttttttttt\ndevices: []\n", "1:1: key 'agent'", "missing");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ninterval: soon\ndevices: []\n", "4:11: key 'interval'",
                       "not an integer");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ninterval: 1\ndevices: []\n", "4:11: key 'interval'",
                       "out of range");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices: []\n", "4:10: key 'devices'", "1 to");
    expect_agent_error("agent: a\nserver: http://x\ntoken: short\ndevices: [{name: u, host: h}]\n", "3:8: key 'token'",
                       "at least 16");
    expect_agent_error("agent: a\nserver: ftp://x\ntoken: tttttttttttttttt\ndevices: [{name: u, host: h}]\n", "2:9: key 'server'",
                       "http");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices: [{name: u, host: h, version: 2d}]\n",
                       "4:39: key 'version'", "not 1, 2c or 3");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices: [{name: u, host: h, port: 70000}]\n",
                       "4:36: key 'port'", "out of range");
}

static void test_agent_names_and_duplicates(void **state)
{
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices: [{name: ../etc, host: h}]\n",
                       "4:18: key 'name'", "[A-Za-z0-9._-]");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices:\n  - {name: u, host: h}\n  - {name: u, host: g}\n",
                       "6:12: key 'name'", "declared twice");
    expect_agent_error("agent: a\nagent: b\nserver: http://x\ntoken: tttttttttttttttt\ndevices: [{name: u, host: h}]\n",
                       "2:1: key 'agent'", "duplicate key");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices: [{name: u, host: h, version: 3}]\n", "4:11: key 'user'",
                       "needs a user");
}

static void test_yaml_syntax_and_aliases(void **state)
{
    vg_err err;
    assert_null(load_agent("agent: [unclosed\n", &err));
    assert_non_null(strstr(err.msg, "YAML syntax error"));
    assert_non_null(strstr(err.msg, "agent.yaml:2:1"));
    assert_null(load_agent("a: &x [1, 2]\nb: *x\n", &err));
    assert_non_null(strstr(err.msg, "aliases are not supported"));
    assert_null(agent_config_load("/nonexistent/agent.yaml", "", &err));
    assert_non_null(strstr(err.msg, "/nonexistent/agent.yaml: cannot open"));
}

static const char *server_ok =
    "listen: 127.0.0.1:9000\n"
    "data_dir: /var/lib/vigie\n"
    "sites:\n"
    "  - {id: italie, name: Data center Italie, kind: datacenter}\n"
    "  - {id: doullens, kind: nro, timezone: Europe/Paris, target: 99.9}\n"
    "agents:\n"
    "  - {id: dc-italie, token: aaaaaaaaaaaaaaaaaaaa, site: italie}\n"
    "  - {id: nro-doullens, token: bbbbbbbbbbbbbbbbbbbb, site: doullens}\n"
    "api_tokens:\n"
    "  - {name: ops, token: cccccccccccccccccccc, role: admin}\n";

static server_config *load_server(const char *text, vg_err *err)
{
    char path[600];
    tu_write(dir, "server.yaml", text, path, sizeof path);
    return server_config_load(path, err);
}

static void test_server_valid(void **state)
{
    vg_err err;
    server_config *c = load_server(server_ok, &err);
    assert_non_null(c);
    assert_string_equal(c->listen_addr, "127.0.0.1");
    assert_int_equal(c->port, 9000);
    assert_int_equal(c->nsites, 2);
    assert_string_equal(c->sites[0].timezone, "Europe/Paris");
    assert_true(c->sites[0].target == 99.982);
    assert_true(c->sites[1].target == 99.9);
    assert_int_equal(c->nagents, 2);
    assert_ptr_equal(server_config_agent_by_token(c, "bbbbbbbbbbbbbbbbbbbb"), &c->agents[1]);
    assert_null(server_config_agent_by_token(c, "bbbbbbbbbbbbbbbbbbb"));
    assert_null(server_config_agent_by_token(c, "bbbbbbbbbbbbbbbbbbbbb"));
    assert_null(server_config_agent_by_token(c, ""));
    assert_non_null(server_config_reader_by_token(c, "cccccccccccccccccccc"));
    assert_true(server_config_reader_by_token(c, "cccccccccccccccccccc")->role == 3); /* admin (auth_role) */
    server_config_free(c);
}

static void test_server_errors(void **state)
{
    vg_err err;
    assert_null(load_server("agents: [{id: a, token: short}]\n", &err));
    assert_non_null(strstr(err.msg, "server.yaml:1:25: key 'token': must be at least 16"));
    assert_null(load_server("agents: [{id: a, token: aaaaaaaaaaaaaaaaaaaa, site: nowhere}]\n", &err));
    assert_non_null(strstr(err.msg, "key 'site': no site 'nowhere'"));
    assert_null(load_server("listen: localhost\nagents: []\n", &err));
    assert_non_null(strstr(err.msg, "server.yaml:1:9: key 'listen'"));
    assert_null(load_server("sites: [{id: x, timezone: Mars/Olympus}]\nagents: []\n", &err));
    assert_non_null(strstr(err.msg, "key 'timezone': 'Mars/Olympus' is not a known time zone"));
    assert_null(load_server("sites: [{id: x, timezone: ../../etc/passwd}]\nagents: []\n", &err));
    assert_non_null(strstr(err.msg, "key 'timezone'"));
    assert_null(load_server("agents:\n - {id: a, token: aaaaaaaaaaaaaaaaaaaa}\n - {id: b, token: aaaaaaaaaaaaaaaaaaaa}\n", &err));
    assert_non_null(strstr(err.msg, "share a token"));
    assert_null(load_server("agents: []\nstorage: rrd\n", &err));
    assert_non_null(strstr(err.msg, "server.yaml:2:1: key 'storage': unknown key"));
}

/* tls_cert and tls_key: PEM files read at load time; both or neither. */
static const char *pem_cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
static const char *pem_key = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";

static void expect_server_error(const char *text, const char *where, const char *what)
{
    vg_err err;
    server_config *c = load_server(text, &err);
    assert_null(c);
    char want[700];
    snprintf(want, sizeof want, "%s/server.yaml:%s", dir, where);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !strstr(err.msg, what))
        fail_msg("got '%s', wanted prefix '%s' and '%s'", err.msg, want, what);
}

/* Control characters (utf8.h) in any string of a configuration: refused at file:line:column with the
 * key, the character named, a token's value never in the message (it would go to a log). The YAML
 * escapes are libyaml's: "\r\n", "\t", "\N" (U+0085), "\L" (U+2028), "\0". */
static void test_control_characters(void **state)
{
    static const struct {
        const char *esc, *what;
    } bad[] = {{"\\r\\nX-Evil: 1", "control character U+000D at character 4"},
               {"\\t", "control character U+0009 at character 4"},
               {"\\N", "control character U+0085 at character 4"},
               {"\xe2\x80\xa8", "control character U+2028 at character 4"},
               {"\\L", "control character U+2028 at character 4"},
               {"\\P", "control character U+2029 at character 4"},
               {"\\0", "control character U+0000 at character 4"},
               {"\\e[0m", "control character U+001B at character 4"},
               {"\\x7f", "control character U+007F at character 4"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[400], want[700];
        vg_err err;
        /* the agent's token */
        snprintf(text, sizeof text, "agent: a\nserver: http://x\ntoken: \"abc%sdefghijklmnopq\"\ndevices: [{name: u, host: h}]\n",
                 bad[i].esc);
        expect_agent_error(text, "3:8: key 'token'", bad[i].what);
        assert_null(load_agent(text, &err));
        assert_string_equal(err.field, "token");
        if (strstr(err.msg, "abc") || strstr(err.msg, "defghijklmnopq"))
            fail_msg("the token is in the message: %s", err.msg);
        /* any string: a device's community (a secret as well), the server URL */
        snprintf(text, sizeof text,
                 "agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices:\n  - {name: u, host: h, community: \"pub%s\"}\n",
                 bad[i].esc);
        expect_agent_error(text, "5:35: key 'community'", bad[i].what);
        assert_null(strstr(err.msg, "pub"));
        snprintf(text, sizeof text, "agent: a\nserver: \"htt%s\"\ntoken: tttttttttttttttt\ndevices: [{name: u, host: h}]\n",
                 bad[i].esc);
        expect_agent_error(text, "2:9: key 'server'", bad[i].what);
        /* the server's agent and API tokens */
        snprintf(text, sizeof text, "agents:\n  - {id: a, token: \"abc%sdefghijklmnopq\"}\n", bad[i].esc);
        expect_server_error(text, "2:20: key 'token'", bad[i].what);
        snprintf(text, sizeof text, "agents: []\napi_tokens:\n  - {name: ops, token: \"abc%sdefghijklmnopq\", role: admin}\n",
                 bad[i].esc);
        expect_server_error(text, "3:24: key 'token'", bad[i].what);
        assert_null(load_server(text, &err));
        if (strstr(err.msg, "abc") || strstr(err.msg, "defghijklmnopq"))
            fail_msg("the token is in the message: %s", err.msg);
        (void)want;
    }
    vg_err err;
    /* checked when the file is loaded, before its keys are: a list item names the list's key, a key
     * names none */
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices: [{name: u, host: h}]\n"
                       "profiles_extra: [ok, \"b\\td\"]\n",
                       "5:22: key 'profiles_extra'", "control character U+0009 at character 2");
    expect_agent_error("agent: a\n\"ser\\Nver\": http://x\n", "2:1: a key holds a control character U+0085 at character 4",
                       "");
    /* a literal block keeps its newlines: refused like "\n" */
    expect_agent_error("agent: a\nserver: http://x\ntoken: |\n  abcdefghijklmnop\n  X-Evil: 1\n", "3:8: key 'token'",
                       "control character U+000A at character 17");
    /* the characters next to the refused ones are fine: U+00A0, U+2027, U+202A, U+FEFF, a plain line
     * folded into one */
    /* a raw U+0085 in a file is a line break to YAML 1.1 (libyaml), folded into a space like any: it
     * never reaches a value */
    agent_config *c = load_agent("agent: a\nserver: http://x\ntoken: \"abcdefgh\xc2\x85ijklmnop\"\n"
                                 "devices: [{name: u, host: h}]\n", &err);
    if (!c)
        fail_msg("refused: %s", err.msg);
    assert_string_equal(c->token, "abcdefgh ijklmnop");
    agent_config_free(c);
    c = load_agent("agent: a\nserver: http://x\ntoken: tttttttttttttttt\n"
                                 "devices: [{name: u, host: h, community: \"\\_\xe2\x80\xa7\xe2\x80\xaa\xef\xbb\xbf a\n  b\"}]\n",
                                 &err);
    if (!c)
        fail_msg("refused: %s", err.msg);
    assert_string_equal(c->devices[0].community, "\xc2\xa0\xe2\x80\xa7\xe2\x80\xaa\xef\xbb\xbf a b");
    agent_config_free(c);
    /* the push client, the last guard before the Authorization header, refuses one too */
    assert_null(push_client_new("http://127.0.0.1:9", "abcdefgh\r\nX-Evil: 1", NULL, 1));
    assert_null(push_client_new("http://127.0.0.1:9", "abcdefgh\xc2\x85ijklmnop", NULL, 1));
    push_client *pc = push_client_new("http://127.0.0.1:9", "abcdefghijklmnop", NULL, 1);
    assert_non_null(pc);
    push_client_free(pc);
}

static void test_server_tls_valid(void **state)
{
    char cert[600], key[600], yaml[1600];
    tu_write(dir, "server.pem", pem_cert, cert, sizeof cert);
    tu_write(dir, "server.key", pem_key, key, sizeof key);
    snprintf(yaml, sizeof yaml, "tls_cert: %s\ntls_key: %s\n%s", cert, key, server_ok);
    vg_err err;
    server_config *c = load_server(yaml, &err);
    if (!c)
        fail_msg("%s", err.msg);
    assert_string_equal(c->tls_cert, cert);
    assert_string_equal(c->tls_key, key);
    assert_string_equal(c->tls_cert_pem, pem_cert);
    assert_string_equal(c->tls_key_pem, pem_key);
    server_config_free(c);
    c = load_server(server_ok, &err);
    assert_non_null(c);
    assert_null(c->tls_cert_pem);
    assert_null(c->tls_key_pem);
    assert_string_equal(c->tls_cert, "");
    server_config_free(c);
}

static void test_server_tls_errors(void **state)
{
    char cert[600], key[600], yaml[1600], what[1400];
    tu_write(dir, "server.pem", pem_cert, cert, sizeof cert);
    tu_write(dir, "server.key", pem_key, key, sizeof key);
    /* only one of the two */
    snprintf(yaml, sizeof yaml, "tls_cert: %s\nagents: []\n", cert);
    expect_server_error(yaml, "1:11: key 'tls_cert'", "needs tls_key as well");
    snprintf(yaml, sizeof yaml, "agents: []\ntls_key: %s\n", key);
    expect_server_error(yaml, "2:10: key 'tls_key'", "needs tls_cert as well");
    expect_server_error("tls_cert: ''\ntls_key: ''\nagents: []\n", "1:11: key 'tls_cert'", "must be a file path");
    /* unreadable files, each named with its key */
    snprintf(yaml, sizeof yaml, "tls_cert: %s/none.pem\ntls_key: %s\nagents: []\n", dir, key);
    snprintf(what, sizeof what, "cannot read '%s/none.pem': No such file or directory", dir);
    expect_server_error(yaml, "1:11: key 'tls_cert'", what);
    snprintf(yaml, sizeof yaml, "tls_cert: %s\ntls_key: %s/none.key\nagents: []\n", cert, dir);
    snprintf(what, sizeof what, "cannot read '%s/none.key': No such file or directory", dir);
    expect_server_error(yaml, "2:10: key 'tls_key'", what);
    snprintf(yaml, sizeof yaml, "tls_cert: %s\ntls_key: %s\nagents: []\n", dir, key);
    expect_server_error(yaml, "1:11: key 'tls_cert'", "is not a regular file");
    if (geteuid() != 0) { /* root reads whatever the mode says */
        chmod(key, 0);
        snprintf(yaml, sizeof yaml, "tls_cert: %s\ntls_key: %s\nagents: []\n", cert, key);
        expect_server_error(yaml, "2:10: key 'tls_key'", "Permission denied");
        chmod(key, 0600);
    }
    /* files that do not hold what they should */
    snprintf(yaml, sizeof yaml, "tls_cert: %s\ntls_key: %s\nagents: []\n", key, key);
    expect_server_error(yaml, "1:11: key 'tls_cert'", "holds no PEM certificate");
    snprintf(yaml, sizeof yaml, "tls_cert: %s\ntls_key: %s\nagents: []\n", cert, cert);
    expect_server_error(yaml, "2:10: key 'tls_key'", "holds no PEM private key");
    tu_write(dir, "enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----\n", key,
             sizeof key);
    snprintf(yaml, sizeof yaml, "tls_cert: %s\ntls_key: %s\nagents: []\n", cert, key);
    expect_server_error(yaml, "2:10: key 'tls_key'", "protected by a passphrase");
}

/* The shared readers of lib/conf.h, on a document of their own: each error with file:line:column,
 * the key as the field, VG_E_INVALID, and the output left as it was. */
static conf_doc *load_text(const char *text)
{
    vg_err err;
    conf_doc *d = conf_doc_load_string("t.yaml", text, strlen(text), &err);
    if (!d)
        fail_msg("%s", err.msg);
    return d;
}

static void expect_err(vg_code rc, const vg_err *err, const char *field, const char *msg)
{
    assert_int_equal(rc, VG_E_INVALID);
    assert_int_equal(err->code, VG_E_INVALID);
    assert_string_equal(err->field, field);
    assert_string_equal(err->msg, msg);
}

static void test_section_reader(void **state)
{
    static const char *const keys[] = {"name", "port", "mode", "items", "id", NULL};
    static const char *const modes[] = {"slow", "normal", "careful", NULL};
    static const char *const two[] = {"read", "admin", NULL};
    vg_err err;
    conf_doc *d = load_text("name: x\nport: 1\nmodee: slow\n");
    const conf_node *root = conf_doc_root(d);
    expect_err(conf_check_map(d, root, "section", keys, &err), &err, "modee",
               "t.yaml:3:1: key 'modee': unknown key in section");
    conf_doc_free(d);

    d = load_text("name: abcdefghij\nport: 70000\nmode: fast\nitems: [a, b, c]\nid: ../x\nempty: ''\n");
    root = conf_doc_root(d);
    char buf[8] = "dflt";
    expect_err(conf_get_buf(d, root, "name", false, buf, sizeof buf, &err), &err, "name",
               "t.yaml:1:7: key 'name': longer than 7 characters");
    assert_string_equal(buf, "dflt");
    char big[16] = "dflt";
    assert_int_equal(conf_get_buf(d, root, "name", true, big, sizeof big, &err), VG_OK);
    assert_string_equal(big, "abcdefghij");
    assert_int_equal(conf_get_buf(d, root, "absent", false, big, sizeof big, &err), VG_OK);
    assert_string_equal(big, "abcdefghij");
    expect_err(conf_get_buf(d, root, "absent", true, big, sizeof big, &err), &err, "absent",
               "t.yaml:1:1: key 'absent': missing");
    expect_err(conf_get_buf(d, root, "empty", true, big, sizeof big, &err), &err, "empty",
               "t.yaml:6:8: key 'empty': must not be empty");

    int port = 161;
    expect_err(conf_get_int32(d, root, "port", false, 1, 65535, &port, &err), &err, "port",
               "t.yaml:2:7: key 'port': 70000 is out of range [1, 65535]");
    assert_int_equal(port, 161);
    expect_err(conf_get_int32(d, root, "name", false, 1, 65535, &port, &err), &err, "name",
               "t.yaml:1:7: key 'name': 'abcdefghij' is not an integer");
    assert_int_equal(conf_get_int32(d, root, "port", false, 1, 100000, &port, &err), VG_OK);
    assert_int_equal(port, 70000);

    char mode[16];
    assert_int_equal(conf_get_buf(d, root, "mode", false, mode, sizeof mode, &err), VG_OK);
    expect_err(conf_check_choice(d, root, "mode", mode, modes, NULL, &err), &err, "mode",
               "t.yaml:3:7: key 'mode': 'fast' is not slow, normal or careful");
    expect_err(conf_check_choice(d, root, "mode", mode, two, NULL, &err), &err, "mode",
               "t.yaml:3:7: key 'mode': 'fast' is not read or admin");
    expect_err(conf_check_choice(d, root, "mode", mode, modes, "is not a valid choice", &err), &err, "mode",
               "t.yaml:3:7: key 'mode': 'fast' is not a valid choice");
    assert_int_equal(conf_check_choice(d, root, "mode", "careful", modes, NULL, &err), VG_OK);

    const conf_node *list = NULL;
    expect_err(conf_get_list(d, root, "items", false, 0, 2, "items", &list, &err), &err, "items",
               "t.yaml:4:8: key 'items': must be a list of at most 2 items");
    expect_err(conf_get_list(d, root, "name", false, 1, 5, "items", &list, &err), &err, "name",
               "t.yaml:1:7: key 'name': must be a list of 1 to 5 items");
    assert_int_equal(conf_get_list(d, root, "items", true, 1, 3, "items", &list, &err), VG_OK);
    assert_int_equal(conf_len(list), 3);
    assert_int_equal(conf_get_list(d, root, "absent", false, 1, 3, "items", &list, &err), VG_OK);
    assert_null(list);
    expect_err(conf_get_list(d, root, "absent", true, 1, 3, "items", &list, &err), &err, "absent",
               "t.yaml:1:1: key 'absent': missing");

    expect_err(conf_check_name(d, root, "id", "../x", &err), &err, "id",
               "t.yaml:5:5: key 'id': '../x': use 1-64 of [A-Za-z0-9._-], starting with a letter or digit");
    assert_int_equal(conf_check_name(d, root, "id", "nro-1", &err), VG_OK);
    conf_doc_free(d);
}

/* What a file could not be is told apart by the code: not there (VG_E_IO) or wrong (VG_E_INVALID). */
static void test_load_codes(void **state)
{
    vg_err err;
    assert_null(conf_doc_load_file("/nonexistent/x.yaml", &err));
    assert_int_equal(err.code, VG_E_IO);
    assert_null(conf_doc_load_string("t.yaml", "a: [", 4, &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_non_null(strstr(err.msg, "t.yaml:"));
    assert_non_null(strstr(err.msg, ": YAML syntax error"));
    assert_null(conf_doc_load_string("t.yaml", "a: &x 1\nb: *x\n", 14, &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_null(load_agent("agent: [unclosed\n", &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_null(load_agent("agent: a\nserver: http://x\ntoken: tttttttttttttttt\n"
                           "devices: [{name: u, host: h, port: 0}]\n", &err));
    assert_int_equal(err.code, VG_E_INVALID);
    assert_string_equal(err.field, "port");
}

/* The choices, ranges and lists of agent.yaml and server.yaml, each with the words it always had. */
static void test_choices(void **state)
{
    /* a class of the vocabulary: agent_config_check_classes, once the profiles are loaded (profile_test) */
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\ndevices: [{name: u, host: h, class: Fridge}]\n",
                       "4:37: key 'class'", "'Fridge' is not a device class");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\n"
                       "devices: [{name: u, host: h, version: 3, user: v, level: all}]\n",
                       "4:58: key 'level'", "'all' is not a valid choice");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\n"
                       "devices: [{name: u, host: h, port: 0}]\n",
                       "4:36: key 'port'", "0 is out of range [1, 65535]");
    expect_agent_error("agent: a\nserver: http://x\ntoken: tttttttttttttttt\n"
                       "devices: [{name: u, host: h, version: v2cc}]\n",
                       "4:39: key 'version'", "longer than 3 characters");
    expect_server_error("sites: [{id: x, kind: office}]\nagents: []\n", "1:23: key 'kind'",
                        "'office' is not datacenter, nro, pop, core or public");
    expect_server_error("agents: []\napi_tokens: [{name: a, token: cccccccccccccccccccc, role: boss}]\n",
                        "2:59: key 'role'", "'boss' is not read, operator or admin");
    expect_server_error("agents: []\nreport: {lang: de}\n", "2:16: key 'lang'", "'de' is not fr or en");
    expect_server_error("agents: []\nalerting:\n  contacts: [{name: a, webhook: 'http://x', format: teams}]\n",
                        "3:53: key 'format'", "'teams' is not generic, mattermost or slack");
    expect_server_error("agents: [{id: a, token: aaaaaaaaaaaaaaaaaaaa, devices: []}]\n", "1:56: key 'devices'",
                        "must be a list of 1 to 5000 device names");
    expect_server_error("sites: x\nagents: []\n", "1:8: key 'sites'", "must be a list of at most 2000 entries");
    expect_server_error("listen: 127.0.0.1:1\n", "1:1: key 'agents'", "missing");
    expect_server_error("agents: []\nalerting: {chain: [a]}\n", "2:20: key 'chain'",
                        "no contact 'a' in alerting.contacts");
    expect_server_error("agents: []\nalerting: {group_wait: 3601}\n", "2:24: key 'group_wait'",
                        "3601 is out of range [0, 3600]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agent_valid),
        cmocka_unit_test(test_agent_unknown_key),
        cmocka_unit_test(test_agent_missing_and_types),
        cmocka_unit_test(test_agent_names_and_duplicates),
        cmocka_unit_test(test_yaml_syntax_and_aliases),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_server_valid),
        cmocka_unit_test(test_server_errors),
        cmocka_unit_test(test_server_tls_valid),
        cmocka_unit_test(test_server_tls_errors),
        cmocka_unit_test(test_section_reader),
        cmocka_unit_test(test_load_codes),
        cmocka_unit_test(test_choices),
    };
    return cmocka_run_group_tests_name("conf", tests, setup, teardown);
}
