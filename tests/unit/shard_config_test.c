/* shard (cluster/shard.h): which server's shard holds which site of a server.yaml. Sites default to the
 * first shard; a public site of the CSV belongs to its checking agent's site's shard, whatever its NRO;
 * an unknown site is no shard's; without cluster.shards every site is this server's and the lease is the
 * pair's ("leader"); a reload may not move the server to another shard. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cluster/shard.h"
#include "config/server_config.h"
#include "test_util.h"

static char *dir;

static server_config *load(const char *self, const char *extra)
{
    char yaml[4096], path[512];
    vg_err err;
    snprintf(yaml, sizeof yaml,
             "data_dir: %s\n"
             "cluster:\n"
             "  node: n-%s\n"
             "  shard: %s\n"
             "  shards:\n"
             "    - {name: north, servers: ['http://127.0.0.1:1', 'https://127.0.0.1:2']}\n"
             "    - {name: south, servers: ['http://127.0.0.1:3']}\n"
             "sites:\n"
             "  - {id: dc, kind: datacenter}\n"
             "  - {id: nro-n, kind: nro}\n"
             "  - {id: nro-s, kind: nro, shard: south}\n"
             "agents:\n"
             "  - {id: dc-agent, token: shard-test-token-dc1, site: dc}\n"
             "  - {id: sud-agent, token: shard-test-token-sud, site: nro-s}\n"
             "contracts: {standard: {target: 99.5, gtr: 4h}}\n"
             "public_sites: {file: public.csv, agent: dc-agent}\n%s",
             dir, self, self, extra);
    /* ecole-s hangs from north's NRO but is checked by south's agent: south's pushes carry it */
    const char *csv = "id,name,commune,category,nro,address,contract,agent\n"
                      "ecole-n,École N,Amiens,school,nro-n,127.0.0.1,standard,\n"
                      "ecole-s,École S,Abbeville,school,nro-n,127.0.0.2,standard,sud-agent\n";
    tu_write(dir, "public.csv", csv, path, sizeof path);
    server_config *cfg = server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), &err);
    if (!cfg)
        fail_msg("%s", err.msg);
    return cfg;
}

static void test_owners(void **state)
{
    (void)state;
    dir = tu_tmpdir();
    server_config *north = load("north", ""), *south = load("south", "");
    assert_string_equal(shard_self(north)->name, "north");
    assert_int_equal(shard_self(north)->nservers, 2);
    assert_string_equal(shard_self(north)->servers[1], "https://127.0.0.1:2");
    assert_true(shard_owns(north, "dc") && shard_owns(north, "nro-n") && shard_owns(north, "ecole-n"));
    assert_false(shard_owns(north, "nro-s") || shard_owns(north, "ecole-s"));
    assert_false(shard_owns(north, "nowhere") || shard_owns(north, NULL));
    assert_true(shard_owns(south, "nro-s") && shard_owns(south, "ecole-s"));
    assert_false(shard_owns(south, "dc") || shard_owns(south, "ecole-n"));
    assert_string_equal(shard_of_site(north, "ecole-s")->name, "south");
    assert_string_equal(shard_of_site(south, "dc")->servers[0], "http://127.0.0.1:1");
    assert_null(shard_of_site(north, "nowhere"));
    assert_true(shard_is_first(north));
    assert_false(shard_is_first(south));
    assert_string_equal(shard_lease_name(north), "north");
    assert_string_equal(shard_lease_name(south), "south");
    assert_false(shard_layout_same(north, south)); /* a reload into the other shard: refused */
    server_config *again = load("north", "");
    assert_true(shard_layout_same(north, again));
    server_config_free(again);
    server_config_free(north);
    server_config_free(south);
    tu_rmtree(dir);
    free(dir);
}

static void test_unsharded(void **state)
{
    (void)state;
    char yaml[1024], path[512];
    vg_err err;
    dir = tu_tmpdir();
    snprintf(yaml, sizeof yaml, "data_dir: %s\nsites: [{id: dc, kind: datacenter}]\n"
             "agents: [{id: a, token: shard-test-token-aaa, site: dc}]\n", dir);
    server_config *cfg = server_config_load(tu_write(dir, "server.yaml", yaml, path, sizeof path), &err);
    assert_non_null(cfg);
    assert_null(shard_self(cfg));
    assert_null(shard_of_site(cfg, "dc"));
    assert_true(shard_owns(cfg, "dc") && shard_owns(cfg, "anything"));
    assert_true(shard_is_first(cfg));
    assert_string_equal(shard_lease_name(cfg), "leader");
    server_config_free(cfg);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owners),
        cmocka_unit_test(test_unsharded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
