/* engine_sweep: a device's slice of its swept columns (sweep.h), the last phase of its cycle.
 *
 * The walk itself is the tables' (engine_device.c: the same GETBULK or GETNEXT requests, answers and
 * errors); here it starts from the cursors the sweep kept since the last cycle, stops when the
 * budget is spent, and its end is bounded before the samples are made. */
#include "config.h"
#include "snmp/engine_device.h"

#include <string.h>

#include "log.h"

void engine_start_sweep(engine_device *d)
{
    sweep *s = d->sweep;
    if (!s || !d->cursors) {
        engine_finish(d);
        return;
    }
    d->phase = PH_SWEEP;
    d->sweeping = true;
    d->col_next = 0;
    sweep_begin(s);
    for (size_t i = 0; i < d->ncols; i++)
        d->cols[i].done = true;
    for (size_t k = 0; k < sweep_count(s); k++) {
        engine_column *c = &d->cols[sweep_column(s, k)];
        size_t len;
        const oid *cur = sweep_cursor(s, k, &len);
        memcpy(engine_cursor(d, sweep_column(s, k)), cur, len * sizeof(oid));
        c->cur_len = (uint8_t)len;
        c->nrows = 0;
        c->done = sweep_at_end(s, k) || c->col->len >= POLL_CURSOR_MAX;
    }
    if (!sweep_may_send(s) || !engine_send_columns(d))
        engine_finish(d);
}

void engine_sweep_end(engine_device *d)
{
    sweep *s = d->sweep;
    if (!d->sweeping || !s)
        return;
    d->sweeping = false;
    size_t rows = 0;
    for (size_t k = 0; k < sweep_count(s); k++) {
        size_t i = sweep_column(s, k);
        /* a column left for another reason than its end (a broken agent, a runaway walk) ends the pass
         * too: asking it again from the same row would bring the same answer */
        sweep_move(s, k, engine_cursor(d, i), d->cols[i].cur_len, d->cols[i].done);
    }
    oid bound[COLLECT_INDEX_MAX];
    size_t blen;
    bool cut = sweep_end(s, bound, &blen);
    for (size_t k = 0; cut && k < sweep_count(s); k++)
        if (sweep_was_cut(s, k))
            collect_trim(d->coll, sweep_column(s, k), bound, blen);
    for (size_t k = 0; k < sweep_count(s); k++)
        rows += collect_rows(d->coll, sweep_column(s, k));
    if (cut) {
        char at[OID_TEXT_MAX];
        oid_format(bound, blen, at, sizeof at);
        log_debug("poll", "%s: %d requests, %d of %d for the sweep: %zu cells of %zu columns, up to row %s",
                  d->cfg->name, d->requests, sweep_requests(s), sweep_budget(s), rows, sweep_count(s), at);
    } else {
        log_debug("poll", "%s: %d requests, %d of %d for the sweep: %zu cells of %zu columns, pass %lu complete "
                  "in %u cycles", d->cfg->name, d->requests, sweep_requests(s), sweep_budget(s), rows,
                  sweep_count(s), sweep_passes(s), sweep_pass_cycles(s));
    }
}
