/* rrd_store_stats: what became of each sample of a batch written (rrd_store.h rrd_store_stats):
 * written, stale, duplicate, or failed with its file's reason; and the batches of the samples of
 * some fates, for the ingest (latest, health, late samples). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rrd_store_internal.h"

vg_code rrd_store_stats_init(rrd_store_stats *st, size_t n)
{
    free(st->fate);
    memset(st, 0, sizeof *st);
    if (n == 0)
        return VG_OK;
    st->fate = calloc(n, 1); /* RRD_SAMPLE_FAILED until told otherwise */
    if (!st->fate)
        return VG_E_NOMEM;
    st->nfate = n;
    return VG_OK;
}

void rrd_store_stats_clear(rrd_store_stats *st)
{
    if (!st)
        return;
    free(st->fate);
    memset(st, 0, sizeof *st);
}

void rrd_store_stats_count(rrd_store_stats *st)
{
    st->written = st->stale = st->failed = 0;
    for (size_t i = 0; i < st->nfate; i++) {
        st->written += st->fate[i] == RRD_SAMPLE_WRITTEN;
        st->stale += st->fate[i] == RRD_SAMPLE_STALE || st->fate[i] == RRD_SAMPLE_DUPLICATE;
        st->failed += st->fate[i] == RRD_SAMPLE_FAILED;
    }
}

int rs_same_series(const push_sample *a, const push_sample *b)
{
    return push_sample_same_series(a, b);
}

const char *rrd_store_stats_reason(const rrd_store_stats *st, const push_batch *b, size_t i)
{
    for (size_t k = 0; k < st->nfailures && i < push_batch_count(b); k++)
        if (st->failures[k].index < push_batch_count(b) &&
            rs_same_series(push_batch_at(b, st->failures[k].index), push_batch_at(b, i)))
            return st->failures[k].reason;
    return "its RRD file could not be written";
}

push_batch *rrd_store_stats_select(const rrd_store_stats *st, const push_batch *b, unsigned fates)
{
    push_batch *out = push_batch_new(push_batch_agent(b), push_batch_seq(b));
    for (size_t i = 0; out && i < push_batch_device_count(b); i++) {
        const push_device *d = push_batch_device_at(b, i);
        if (push_batch_set_device(out, d->name, d->cls, d->profile) != 0) {
            push_batch_free(out);
            out = NULL;
        }
    }
    for (size_t i = 0; out && i < push_batch_count(b); i++) {
        unsigned fate = i < st->nfate ? st->fate[i] : RRD_SAMPLE_FAILED;
        if ((fates & (1u << fate)) && push_batch_add(out, push_batch_at(b, i)) != 0) {
            push_batch_free(out);
            out = NULL;
        }
    }
    return out;
}

void rs_mark(rrd_store *s, rrd_store_stats *st, const push_sample *smp, rrd_sample_fate fate)
{
    size_t i = (size_t)(smp - s->base);
    if (i < st->nfate)
        st->fate[i] = (unsigned char)fate;
}

/* A series failed because of its own file (reason says how): its samples fail, the batch goes on. */
void rs_fail_series(rrd_store *s, rrd_store_stats *st, const push_sample **run, size_t n, const char *reason)
{
    for (size_t i = 0; i < n; i++)
        rs_mark(s, st, run[i], RRD_SAMPLE_FAILED);
    st->failed_series++;
    if (st->nfailures < RRD_STORE_FAILURES_MAX) {
        rrd_store_failure *f = &st->failures[st->nfailures++];
        f->index = (size_t)(run[0] - s->base);
        snprintf(f->reason, sizeof f->reason, "%s", reason[0] ? reason : "its RRD file could not be written");
    }
}
