/* The public sites' CSV (config/public_sites.h): RFC 4180 quoting, a BOM, CRLF, columns in any order;
 * every error names its line and character column; ids unique with server.yaml's sites; one bad row
 * refuses the file (nothing appended); 1,200 rows load; the checks words; the install of
 * --import-sites (the .bak, nothing changed on errors). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config/public_sites.h"
#include "config/server_config.h"
#include "test_util.h"

#define HDR "id,name,commune,category,nro,address,contract\n"

static char *dir;
static server_config *cfg; /* server.yaml without public sites */
static public_errors errs;

static const char *yaml_text(const char *public_line, char *buf, size_t size)
{
    snprintf(buf, size,
             "data_dir: %s\n"
             "sites: [{id: dc, kind: datacenter}, {id: nro-a, kind: nro, timezone: Europe/Paris},"
             " {id: nro-b, kind: nro, timezone: America/Cayenne}]\n"
             "agents: [{id: dc-checker, token: public-test-token-dc, site: dc},"
             " {id: other, token: public-test-token-ot, site: dc}]\n"
             "contracts: {standard: {target: 99.5, gtr: 4h}, premium: {target: 99.9, gtr: 2h}}\n"
             "%s",
             dir, public_line);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    char path[512], yaml[2048];
    vg_err err;
    dir = tu_tmpdir();
    yaml_text("public_sites: {file: public.csv, agent: dc-checker}\n", yaml, sizeof yaml);
    cfg = server_config_load_base(tu_write(dir, "server.yaml", yaml, path, sizeof path), &err);
    if (!cfg)
        fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    server_config_free(cfg);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static public_rows *parse(const char *text) { return public_rows_parse(cfg, "p.csv", text, strlen(text), &errs); }

/* The file is refused with exactly one error, this one. */
static void refused_with(const char *text, const char *msg)
{
    public_rows *r = parse(text);
    assert_null(r);
    if (errs.total != 1 || strcmp(errs.msg[0], msg) != 0)
        fail_msg("expected one error \"%s\", got %zu: \"%s\"", msg, errs.total, errs.count ? errs.msg[0] : "");
}

static void test_quotes_bom_crlf_any_order(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF" "contract,address,nro,category,commune,name,id,epci,checks,agent\r\n"
                       "standard,127.0.0.1,nro-a,school,Amiens,\"École \"\"Jaurès\"\", rue\",ecole-1,CA Amiens,,\r\n"
                       "\r\n"
                       "premium,\"198.18.0.1 2001:db8::1\",nro-b,camera, Doullens ,Caméra 1,cam-1,,"
                       "\"icmp tcp:554 http:https://cam.example.org/?a=b=204\",other\r\n";
    public_rows *r = parse(text);
    if (!r)
        fail_msg("%s", errs.msg[0]);
    assert_int_equal(public_rows_count(r), 2);
    size_t before = cfg->nsites;
    vg_err err;
    assert_int_equal(public_rows_append(cfg, r, &err), VG_OK);
    public_rows_free(r);
    assert_int_equal(cfg->nsites, before + 2);
    const server_site *s = server_config_site(cfg, "ecole-1");
    assert_non_null(s);
    assert_string_equal(s->name, "École \"Jaurès\", rue");
    assert_string_equal(s->kind, "public");
    assert_non_null(s->pub);
    assert_string_equal(s->pub->agent, "dc-checker"); /* the default */
    assert_string_equal(s->pub->epci, "CA Amiens");
    assert_string_equal(s->pub->checks, "icmp");
    assert_true(s->target == 99.5);
    assert_string_equal(s->timezone, "Europe/Paris");
    assert_true(s->model.nservices >= 1);
    assert_string_equal(s->model.services[0].name, "link");
    s = server_config_site(cfg, "cam-1");
    assert_non_null(s);
    assert_string_equal(s->pub->commune, "Doullens"); /* trimmed */
    assert_string_equal(s->pub->agent, "other");
    assert_int_equal(s->pub->naddresses, 2);
    assert_string_equal(s->pub->addresses[1], "2001:db8::1");
    assert_true(s->target == 99.9);
    assert_string_equal(s->timezone, "America/Cayenne");
    /* the rest of the tests checks against server.yaml alone */
    server_config_free(cfg);
    char path[512];
    snprintf(path, sizeof path, "%s/server.yaml", dir);
    cfg = server_config_load_base(path, &err);
    assert_non_null(cfg);
}

static void test_field_errors_name_line_and_column(void **state)
{
    (void)state;
    refused_with(HDR "x,X,Amiens,school,nro-z,127.0.0.1,standard\n",
                 "p.csv:2:19: column 'nro': no NRO site 'nro-z' in server.yaml");
    refused_with(HDR "x,X,Amiens,school,dc,127.0.0.1,standard\n",
                 "p.csv:2:19: column 'nro': 'dc' is a site of kind datacenter, not nro");
    refused_with(HDR "x,X,Amiens,school,nro-a,127.0.0.1,gold\n",
                 "p.csv:2:35: column 'contract': no contract 'gold' in server.yaml's contracts");
    refused_with(HDR "x,X,Amiens,library,nro-a,127.0.0.1,standard\n",
                 "p.csv:2:12: column 'category': 'library' is not school, town_hall, police, traffic, camera or other");
    refused_with(HDR "b@d,X,Amiens,school,nro-a,127.0.0.1,standard\n",
                 "p.csv:2:1: column 'id': 'b@d' is not a valid site id: use 1-64 of [A-Za-z0-9._-], starting with a "
                 "letter or digit");
    /* the column counts characters, not bytes: "Éé" is 2 */
    refused_with(HDR "x,Éé,Amiens,school,nro-a,127.0.0.1 198.18.0.300,standard\n",
                 "p.csv:2:36: column 'address': '198.18.0.300' is not an IP address (the checking agent resolves no names)");
    refused_with(HDR "x,X,Amiens,school,nro-a,\"198.18.0.1 198.18.0.2 198.18.0.3 198.18.0.4 198.18.0.5\",standard\n",
                 "p.csv:2:70: column 'address': more than 4 addresses");
    refused_with(HDR "x,X,Amiens,school,nro-a,,standard\n",
                 "p.csv:2:25: column 'address': must name 1 to 4 hosts separated by spaces");
    refused_with(HDR "x,,Amiens,school,nro-a,::1,standard\n", "p.csv:2:3: column 'name': must not be empty");
    refused_with(HDR "x,\"a\tb\",Amiens,school,nro-a,::1,standard\n",
                 "p.csv:2:3: column 'name': control character U+0009 at character 2");
    refused_with(HDR "x,\"a\nb\",Amiens,school,nro-a,::1,standard\n",
                 "p.csv:2:3: column 'name': control character U+000A at character 2");
    refused_with(HDR "x,\xC3(,Amiens,school,nro-a,::1,standard\n", "p.csv:2:3: column 'name': not UTF-8 text");
    refused_with("id,name,commune,category,nro,address,contract,agent\nx,X,A,school,nro-a,::1,standard,nobody\n",
                 "p.csv:2:33: column 'agent': no agent 'nobody' in server.yaml");
    refused_with(HDR "x,X,A,school,nro-a,::1\n", "p.csv:2:1: 6 fields where the header has 7");
}

static void test_checks_words(void **state)
{
    (void)state;
    const char *h = "id,name,commune,category,nro,address,contract,checks\n";
    char text[512];
    snprintf(text, sizeof text, "%sx,X,A,school,nro-a,::1,standard,icmp tcp:0\n", h);
    refused_with(text, "p.csv:2:38: column 'checks': 'tcp:0': the port must be 1 to 65535");
    snprintf(text, sizeof text, "%sx,X,A,school,nro-a,::1,standard,\"icmp http:ftp://h/\"\n", h);
    refused_with(text, "p.csv:2:39: column 'checks': 'http:ftp://h/': not an http:// or https:// URL (write "
                       "http:URL or http:URL=STATUS)");
    snprintf(text, sizeof text, "%sx,X,A,school,nro-a,::1,standard,ping\n", h);
    refused_with(text, "p.csv:2:33: column 'checks': 'ping' is not a check (icmp, tcp:PORT, http:URL or http:URL=STATUS)");
    snprintf(text, sizeof text, "%sx,X,A,school,nro-a,::1,standard,\"tcp:554 tcp:554\"\n", h);
    refused_with(text, "p.csv:2:42: column 'checks': 'tcp:554' is given twice");
    /* no more than an agent checks of a target (agent_config.h): 8 ports, 4 GETs */
    snprintf(text, sizeof text, "%sx,X,A,school,nro-a,::1,standard,\"tcp:1 tcp:2 tcp:3 tcp:4 tcp:5 tcp:6 tcp:7 tcp:8 tcp:9\"\n", h);
    refused_with(text, "p.csv:2:82: column 'checks': more than 8 TCP ports or 4 HTTP checks (what an agent checks of a target)");
    public_check ck[PUBLIC_MAX_CHECKS];
    size_t n;
    vg_err err;
    assert_int_equal(public_checks_parse("", ck, PUBLIC_MAX_CHECKS, &n, NULL, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ck[0].type, PUBLIC_CHECK_ICMP);
    assert_int_equal(public_checks_parse("tcp:554 http:http://h/x?q=1 http:https://h/=301", ck, PUBLIC_MAX_CHECKS, &n,
                                         NULL, &err), VG_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ck[0].port, 554);
    assert_string_equal(ck[1].url, "http://h/x?q=1"); /* "=1" is not a status: part of the query */
    assert_int_equal(ck[1].expect, 200);
    assert_string_equal(ck[1].name, "http");
    assert_string_equal(ck[2].url, "https://h/");
    assert_int_equal(ck[2].expect, 301);
    assert_string_equal(ck[2].name, "http-2");
    assert_int_equal(public_checks_parse("http:http://h/=999", ck, PUBLIC_MAX_CHECKS, &n, NULL, &err), VG_E_INVALID);
    assert_true(public_host_is_valid("2001:db8::1"));
    assert_false(public_host_is_valid("mairie-amiens.example.fr")); /* the agent resolves no names */
    assert_false(public_host_is_valid("-bad.example"));
    assert_false(public_host_is_valid("1.2.3"));
    assert_false(public_host_is_valid("a_b.example"));
}

static void test_csv_syntax_errors(void **state)
{
    (void)state;
    refused_with(HDR "x,X\"Y,A,school,nro-a,::1,standard\n",
                 "p.csv:2:4: a quote inside an unquoted field (quote the whole field, and write a quote as \"\")");
    refused_with(HDR "x,\"X\"Y,A,school,nro-a,::1,standard\n",
                 "p.csv:2:6: text after the closing quote (a quote inside a field is written \"\")");
    refused_with(HDR "x,\"X,A,school,nro-a,::1,standard\n", "p.csv:2:3: this quote is never closed");
    refused_with("id,name,commune,category,nro,address\n", "p.csv:1:1: the header has no column 'contract' (required: "
                 "id, name, commune, category, nro, address, contract)");
    refused_with("id,name,commune,category,nro,address,contract,colour\n",
                 "p.csv:1:47: unknown column 'colour' (columns: id, name, commune, category, nro, address, contract; "
                 "optional: epci, checks, agent)");
    refused_with("id,name,commune,category,nro,address,contract,name\n", "p.csv:1:47: column 'name' is given twice");
    refused_with("", "p.csv:1:1: no header line (id,name,commune,category,nro,address,contract)");
    /* a line of 4097 bytes */
    char *text = malloc(8192);
    int n = snprintf(text, 8192, HDR "x,");
    memset(text + n, 'a', 4095);
    snprintf(text + n + 4095, 8192 - (size_t)n - 4095, ",A,school,nro-a,::1,standard\n");
    refused_with(text, "p.csv:2:1: line longer than 4096 bytes");
    free(text);
}

static void test_duplicates_with_server_yaml_and_rows(void **state)
{
    (void)state;
    refused_with(HDR "nro-a,X,A,school,nro-a,::1,standard\n", "p.csv:2:1: column 'id': 'nro-a' is already a site of server.yaml");
    refused_with(HDR "e1,X,A,school,nro-a,::1,standard\ne2,X,A,school,nro-a,::1,standard\ne1,X,A,school,nro-a,::1,standard\n",
                 "p.csv:4:1: column 'id': 'e1' is already the id of line 2");
}

/* Every error is reported (in line order), and none of the good rows is loaded. */
static void test_all_errors_nothing_half_loaded(void **state)
{
    (void)state;
    public_rows *r = parse(HDR "ok-1,X,A,school,nro-a,::1,standard\n"
                               "bad-1,X,A,school,nro-z,::1,standard\n"
                               "ok-2,X,A,school,nro-a,::1,standard\n"
                               "bad-2,X,A,museum,nro-a,::1,gold\n");
    assert_null(r);
    assert_int_equal(errs.total, 3);
    assert_string_equal(errs.msg[0], "p.csv:3:18: column 'nro': no NRO site 'nro-z' in server.yaml");
    assert_string_equal(errs.msg[1], "p.csv:5:11: column 'category': 'museum' is not school, town_hall, police, "
                                     "traffic, camera or other");
    assert_string_equal(errs.msg[2], "p.csv:5:28: column 'contract': no contract 'gold' in server.yaml's contracts");
    /* 60 bad rows: 50 kept, 60 counted */
    char *text = malloc(60 * 64 + 64);
    size_t len = (size_t)sprintf(text, HDR);
    for (int i = 0; i < 60; i++)
        len += (size_t)sprintf(text + len, "s%d,X,A,school,nro-z,::1,standard\n", i);
    assert_null(parse(text));
    assert_int_equal(errs.total, 60);
    assert_int_equal(errs.count, PUBLIC_MAX_ERRORS);
    free(text);
}

/* server_config_load with a bad CSV fails and names the first error; with a good one the sites are
 * there, as many as the rows. */
static char *big_csv(int rows, size_t *len)
{
    static const char *const cats[] = {"school", "town_hall", "police", "traffic", "camera", "other"};
    char *text = malloc((size_t)rows * 128 + 128);
    *len = (size_t)sprintf(text, "id,name,commune,epci,category,nro,address,contract,checks\n");
    for (int i = 0; i < rows; i++)
        *len += (size_t)sprintf(text + *len, "site-%04d,Site %d,Commune %d,CA,%s,nro-%c,198.18.%d.%d,%s,%s\n", i, i,
                                i % 97, cats[i % 6], i % 2 ? 'a' : 'b', i / 250, i % 250 + 1,
                                i % 3 ? "standard" : "premium", i % 6 == 4 ? "\"icmp tcp:554\"" : "icmp");
    return text;
}

static void test_load_1200_rows(void **state)
{
    (void)state;
    char path[512], yaml[2048];
    size_t len;
    char *text = big_csv(1200, &len);
    tu_write(dir, "public.csv", text, path, sizeof path);
    free(text);
    vg_err err;
    server_config *c = server_config_load(tu_write(dir, "full.yaml",
                                                   yaml_text("public_sites: {file: public.csv, agent: dc-checker}\n",
                                                             yaml, sizeof yaml),
                                                   path, sizeof path),
                                          &err);
    if (!c)
        fail_msg("%s", err.msg);
    assert_int_equal(c->nsites, 3 + 1200);
    const server_site *s = server_config_site(c, "site-1199");
    assert_non_null(s);
    assert_string_equal(s->pub->nro, "nro-a");
    assert_string_equal(s->pub->addresses[0], "198.18.4.200");
    assert_non_null(server_config_site(c, "nro-b")); /* server.yaml's sites still there */
    server_config_free(c);
    /* the same file with one bad row stops the start */
    tu_write(dir, "public.csv", HDR "a,X,A,school,nro-a,::1,standard\nb,X,A,school,nro-z,::1,standard\n"
                                    "c,X,A,school,nro-y,::1,standard\n", path, sizeof path);
    snprintf(path, sizeof path, "%s/full.yaml", dir);
    assert_null(server_config_load(path, &err));
    assert_non_null(strstr(err.msg, "public.csv:3:14: column 'nro': no NRO site 'nro-z' in server.yaml (and 1 more error"));
    /* a missing key's agent, an unknown agent */
    assert_null(server_config_load(tu_write(dir, "bad.yaml",
                                            yaml_text("public_sites: {file: public.csv, agent: nobody}\n", yaml, sizeof yaml),
                                            path, sizeof path),
                                   &err));
    assert_non_null(strstr(err.msg, "key 'agent': no agent 'nobody' in 'agents'"));
}

/* --import-sites: the file installed with the previous one kept as .bak; refused, nothing changes. */
static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void test_import(void **state)
{
    (void)state;
    char path[512], target[512], bak[512], got[4096];
    const char *v1 = HDR "a,X,A,school,nro-a,::1,standard\n";
    const char *v2 = HDR "a,X,A,school,nro-a,::1,standard\nb,Y,B,police,nro-b,::2,premium\n";
    snprintf(target, sizeof target, "%s/public.csv", dir);
    snprintf(bak, sizeof bak, "%s/public.csv.bak", dir);
    tu_write(dir, "public.csv", "not even a header\"\n", path, sizeof path); /* the file in place is not read */
    FILE *out = tmpfile(), *err = tmpfile();
    assert_int_equal(public_sites_import(cfg, tu_write(dir, "v1.csv", v1, path, sizeof path), out, err), 0);
    slurp(target, got, sizeof got);
    assert_string_equal(got, v1);
    assert_int_equal(public_sites_import(cfg, tu_write(dir, "v2.csv", v2, path, sizeof path), out, err), 0);
    slurp(target, got, sizeof got);
    assert_string_equal(got, v2);
    slurp(bak, got, sizeof got);
    assert_string_equal(got, v1);
    rewind(out);
    char line[512];
    assert_non_null(fgets(line, sizeof line, out));
    assert_string_equal(line, "imported 1 public sites (1 communes, 1 NROs); restart vigie-server to use them\n");
    assert_non_null(fgets(line, sizeof line, out));
    assert_string_equal(line, "imported 2 public sites (2 communes, 2 NROs); restart vigie-server to use them\n");
    /* a bad file: exit 2, the errors, both files unchanged */
    assert_int_equal(public_sites_import(cfg, tu_write(dir, "v3.csv", HDR "c,X,A,school,nro-q,::1,standard\n", path,
                                                       sizeof path), out, err), 2);
    slurp(target, got, sizeof got);
    assert_string_equal(got, v2);
    slurp(bak, got, sizeof got);
    assert_string_equal(got, v1);
    rewind(err);
    assert_non_null(fgets(line, sizeof line, err));
    assert_non_null(strstr(line, "v3.csv:2:14: column 'nro': no NRO site 'nro-q' in server.yaml"));
    fclose(out);
    fclose(err);
    /* without public_sites in server.yaml: which key to add */
    char yaml[2048];
    vg_err e;
    server_config *c = server_config_load_base(tu_write(dir, "none.yaml", yaml_text("", yaml, sizeof yaml), path,
                                                        sizeof path), &e);
    assert_non_null(c);
    err = tmpfile();
    assert_int_equal(public_sites_import(c, target, stdout, err), 2);
    rewind(err);
    assert_non_null(fgets(line, sizeof line, err));
    assert_non_null(strstr(line, "has no public_sites section: add `public_sites: {file: public-sites.csv"));
    fclose(err);
    server_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quotes_bom_crlf_any_order),
        cmocka_unit_test(test_field_errors_name_line_and_column),
        cmocka_unit_test(test_checks_words),
        cmocka_unit_test(test_csv_syntax_errors),
        cmocka_unit_test(test_duplicates_with_server_yaml_and_rows),
        cmocka_unit_test(test_all_errors_nothing_half_loaded),
        cmocka_unit_test(test_load_1200_rows),
        cmocka_unit_test(test_import),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
