/* discover: --discover's entry point (discover.h): the range checked, the bound announced, the sweep
 * (discover_scan.c) and the output (discover_print.c). */
#include "config.h"
#include "discover/discover_internal.h"

#include <stdio.h>
#include <stdlib.h>

static int discover_host_cmp(const void *a, const void *b)
{
    const discover_host *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int discover_run(const profile_set *set, const discover_opts *o)
{
    discover_result r = {0};
    vg_err err;
    if (discover_cidr_parse(o->cidr, &r.range, &err) != VG_OK) {
        fprintf(stderr, "vigie-agent: --discover: %s\nTry 'vigie-agent --help'.\n", err.msg);
        return 2;
    }
    r.bound = discover_bound(r.range.count, o->dev, o->rate);
    fprintf(stderr,
            "vigie-agent: --discover %s: %u address(es), at most %.0f request(s)/s and %d at once, "
            "%g s timeout, %d retr%s: the sweep takes at most %.0f s, then a few requests per device that answers\n",
            o->cidr, r.range.count, o->rate, DISCOVER_WINDOW, o->dev->timeout, o->dev->retries,
            o->dev->retries == 1 ? "y" : "ies", r.bound);
    if (discover_scan(set, o, &r, &err) != VG_OK) {
        fprintf(stderr, "vigie-agent: --discover: %s\n", err.msg);
        discover_result_clear(&r);
        return 1;
    }
    if (r.nhosts > 1)
        qsort(r.hosts, r.nhosts, sizeof *r.hosts, discover_host_cmp);
    int rc = r.nhosts ? 0 : 1;
    if (o->yaml) {
        if (discover_print_yaml(&r, o, stdout, &err) != VG_OK) {
            fprintf(stderr, "vigie-agent: --discover: %s\n", err.msg);
            rc = 1;
        }
        discover_print_table(&r, o, stderr);
        discover_print_summary(&r, o, stderr);
    } else {
        discover_print_table(&r, o, stdout);
        discover_print_summary(&r, o, stdout);
    }
    discover_result_clear(&r);
    return rc;
}
