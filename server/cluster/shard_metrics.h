/* shard_metrics: the merge behind `GET /metrics?federate=1` of a sharded estate (shard.h,
 * shard_forward.h). Each shard's servers expose only their own sites' families (a site's samples come
 * from its own shard's /metrics, once); a federating server adds the other shards' expositions to its
 * own so that one scrape sees the whole estate.
 *
 * The merge is text in, text out, with no I/O, so that it is tested alone: the members' Prometheus text
 * expositions (0.0.4) are merged BY FAMILY (a family's # HELP and # TYPE once, the first member's, then
 * every member's samples of it, in the members' order; families in the order they first appear), each
 * sample line given a `shard="NAME"` label (put first in its braces, or in new braces), and the family
 * vigie_federation_member_up{shard="NAME"} 1|0 says which members answered. A histogram's or summary's
 * _bucket, _sum and _count lines stay in their family. A malformed line of a member (no value, broken
 * braces or quotes, a name too long) is left out, never fatal: one server's bug does not hide the
 * others. A sample that already has a shard label keeps it (it is not labelled twice). */
#ifndef VIGIE_SHARD_METRICS_H
#define VIGIE_SHARD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct {
    const char *shard; /* its name, the shard label's value (escaped here) */
    const char *text;  /* its exposition, NULL when the member did not answer */
    size_t len;        /* text's length (0: strlen) */
} shard_metrics_member;

/* Merges n members into *out (malloc'd, NUL-terminated, *out_len its length). VG_E_NOMEM only. */
vg_code shard_metrics_merge(const shard_metrics_member *members, size_t n, char **out, size_t *out_len,
                            vg_err *err);

#endif
