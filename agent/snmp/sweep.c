#include "config.h"
#include "snmp/sweep.h"

#include <stdlib.h>
#include <string.h>

#include "snmp/collect.h"

typedef struct {
    size_t col;   /* the plan's index */
    oid cur[COLLECT_INDEX_MAX];
    uint8_t len;  /* 0: before the first row */
    bool at_end;  /* reached in this pass */
    bool cut;     /* beyond the last sweep_end's bound */
} sweep_col;

struct sweep {
    sweep_col *cols;
    size_t ncols;
    int budget, requests;
    bool complete;         /* the last cycle ended the pass: the next one starts from the first row */
    unsigned cycles;       /* cycles of the pass going on */
    unsigned last_cycles;  /* those of the last complete pass */
    unsigned long passes;
};

sweep *sweep_new(const poll_plan *pl, int budget, size_t per_request)
{
    size_t n = plan_swept_count(pl);
    if (n == 0 || per_request == 0)
        return NULL;
    sweep *s = calloc(1, sizeof *s);
    if (!s || !(s->cols = calloc(n, sizeof *s->cols))) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < plan_column_count(pl); i++)
        if (plan_column_swept(pl, i))
            s->cols[s->ncols++].col = i;
    /* every column must be asked once a cycle, or the slice bound (the smallest cursor) never moves */
    int least = (int)((n + per_request - 1) / per_request);
    s->budget = budget > SWEEP_REQUESTS_MAX ? SWEEP_REQUESTS_MAX : budget;
    if (s->budget < least)
        s->budget = least;
    return s;
}

void sweep_free(sweep *s)
{
    if (!s)
        return;
    free(s->cols);
    free(s);
}

size_t sweep_count(const sweep *s) { return s->ncols; }
size_t sweep_column(const sweep *s, size_t k) { return s->cols[k].col; }
int sweep_budget(const sweep *s) { return s->budget; }

static void sweep_rewind(sweep *s)
{
    for (size_t k = 0; k < s->ncols; k++) {
        s->cols[k].len = 0;
        s->cols[k].at_end = s->cols[k].cut = false;
    }
    s->cycles = 0;
}

void sweep_reset(sweep *s)
{
    sweep_rewind(s);
    s->complete = false;
    s->requests = 0;
}

void sweep_begin(sweep *s)
{
    if (s->complete)
        sweep_rewind(s);
    s->complete = false;
    s->requests = 0;
    s->cycles++;
}

bool sweep_may_send(const sweep *s) { return s->requests < s->budget; }
void sweep_sent(sweep *s) { s->requests++; }
int sweep_requests(const sweep *s) { return s->requests; }

const oid *sweep_cursor(const sweep *s, size_t k, size_t *len)
{
    *len = s->cols[k].len;
    return s->cols[k].cur;
}

bool sweep_at_end(const sweep *s, size_t k) { return s->cols[k].at_end; }
bool sweep_was_cut(const sweep *s, size_t k) { return s->cols[k].cut; }

void sweep_move(sweep *s, size_t k, const oid *idx, size_t len, bool at_end)
{
    sweep_col *c = &s->cols[k];
    if (len > COLLECT_INDEX_MAX)
        len = COLLECT_INDEX_MAX;
    memmove(c->cur, idx, len * sizeof(oid));
    c->len = (uint8_t)len;
    c->at_end = at_end;
}

bool sweep_end(sweep *s, oid *bound, size_t *blen)
{
    const sweep_col *low = NULL;
    for (size_t k = 0; k < s->ncols; k++) {
        sweep_col *c = &s->cols[k];
        c->cut = false;
        if (!c->at_end && (!low || snmp_oid_compare(c->cur, c->len, low->cur, low->len) < 0))
            low = c;
    }
    if (!low) {
        s->complete = true;
        s->passes++;
        s->last_cycles = s->cycles;
        *blen = 0;
        return false;
    }
    *blen = low->len;
    memcpy(bound, low->cur, low->len * sizeof(oid));
    /* a column past the bound goes back to it, and is not at its end any more if it got there past
     * the bound: its cells after the bound are read again next cycle */
    for (size_t k = 0; k < s->ncols; k++) {
        sweep_col *c = &s->cols[k];
        if (snmp_oid_compare(c->cur, c->len, bound, *blen) <= 0)
            continue;
        c->cut = true;
        c->at_end = false;
        memcpy(c->cur, bound, *blen * sizeof(oid));
        c->len = (uint8_t)*blen;
    }
    return true;
}

unsigned long sweep_passes(const sweep *s) { return s->passes; }
unsigned sweep_pass_cycles(const sweep *s) { return s->last_cycles; }
