#include "config.h"
#include "push/outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct outbox {
    spool *sp;
    char agent[NAME_MAX_LEN + 1];
    size_t slice;
    push_text *text;          /* the current push */
    size_t cycle_samples;
    unsigned cycle_pushes;
    int64_t polled;           /* the cycle's time, for the log */
    push_device cur;          /* the device whose samples come now ("" name: none) */
    char **unspooled;         /* pushes the spool could not take, oldest first */
    size_t nunspooled, capunspooled;
    push_text *held[OUTBOX_HELD_MAX]; /* pushes waiting for a number that can be recorded, oldest first */
    size_t held_n[OUTBOX_HELD_MAX];   /* their samples */
    size_t nheld;
    uint64_t seq_failures, held_lost;
};

void outbox_free(outbox *o)
{
    if (!o)
        return;
    push_text_free(o->text);
    for (size_t i = 0; i < o->nunspooled; i++)
        free(o->unspooled[i]);
    for (size_t i = 0; i < o->nheld; i++)
        push_text_free(o->held[i]);
    free(o->unspooled);
    free(o);
}

outbox *outbox_new(spool *sp, const char *agent, size_t slice)
{
    outbox *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->sp = sp;
    o->slice = slice == 0 ? OUTBOX_SLICE : slice > PUSH_MAX_SAMPLES ? PUSH_MAX_SAMPLES : slice;
    int n = snprintf(o->agent, sizeof o->agent, "%s", agent);
    o->text = push_text_new(agent);
    if (n < 0 || (size_t)n >= sizeof o->agent || !o->text) {
        outbox_free(o);
        return NULL;
    }
    return o;
}

/* A copy of a push the spool could not take, to be sent after the spooled ones. */
static vg_code ob_keep_unspooled(outbox *o, uint64_t seq, const char *text, size_t len, size_t nsamples)
{
    char *copy = malloc(len + 1);
    if (copy && o->nunspooled == o->capunspooled) {
        size_t cap = o->capunspooled ? o->capunspooled * 2 : 4;
        char **u = realloc(o->unspooled, cap * sizeof *u);
        if (u) {
            o->unspooled = u;
            o->capunspooled = cap;
        }
    }
    if (!copy || o->nunspooled == o->capunspooled) {
        free(copy);
        log_error("agent", "DATA LOST: batch %" PRIu64 " (%zu samples) neither spooled nor kept: out of memory", seq,
                  nsamples);
        return VG_E_NOMEM;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    o->unspooled[o->nunspooled++] = copy;
    return VG_OK;
}

/* A numbered push goes to the spool, or when the spool fails (disk full, read-only) into memory, to
 * be sent without a copy: its number is on disk, so it can never be given again. */
static vg_code ob_put_numbered(outbox *o, push_text *t, uint64_t seq, size_t n, int64_t polled)
{
    vg_err err;
    const char *text;
    size_t len;
    if (push_text_close(t, seq, &text, &len, NULL) != VG_OK) {
        log_error("agent", "DATA LOST: batch %" PRIu64 " (%zu samples): out of memory", seq, n);
        return VG_E_NOMEM;
    }
    if (spool_put(o->sp, seq, text, len, &err) != VG_OK) {
        log_error("spool", "batch %" PRIu64 " not spooled, to be sent without a copy: %s", seq, err.msg);
        return ob_keep_unspooled(o, seq, text, len, n);
    }
    log_debug("spool", "batch %" PRIu64 " spooled: polled at %lld, %zu samples, %zu bytes", seq, (long long)polled, n,
              len);
    return VG_OK;
}

/* Numbers and spools the held pushes, oldest first, while numbers can be recorded. false: some are
 * still held (logged). */
static bool ob_number_held(outbox *o, int64_t polled)
{
    while (o->nheld > 0) {
        vg_err err;
        uint64_t seq;
        if (spool_next_seq(o->sp, &seq, &err) != VG_OK) {
            o->seq_failures++;
            log_error("spool", "no sequence number can be recorded (%s): %zu batch(es) held in memory, unnumbered",
                      err.msg, o->nheld);
            return false;
        }
        ob_put_numbered(o, o->held[0], seq, o->held_n[0], polled);
        push_text_free(o->held[0]);
        o->nheld--;
        memmove(o->held, o->held + 1, o->nheld * sizeof *o->held);
        memmove(o->held_n, o->held_n + 1, o->nheld * sizeof *o->held_n);
    }
    return true;
}

/* Every push goes this way: numbered, closed with its number, written to the spool before any attempt
 * to send it. A number is only used once it is on disk (spool_next_seq): until one can be recorded,
 * the push is held in memory unnumbered, after the pushes held already, so that no number is ever
 * given twice (the server would drop the second batch as a duplicate). *tp NULL: its n samples could
 * not be written. When the push is held, *tp is taken (set to NULL). What goes wrong is logged here,
 * where it is handled; VG_E_NOMEM when the push is lost, VG_E_IO when it is held. */
static vg_code ob_spool(outbox *o, push_text **tp, size_t n, int64_t polled)
{
    if (!*tp) {
        log_error("agent", "DATA LOST: a batch of %zu samples: out of memory", n);
        return VG_E_NOMEM;
    }
    vg_err err;
    uint64_t seq = 0;
    bool numbered = ob_number_held(o, polled);
    if (numbered && spool_next_seq(o->sp, &seq, &err) != VG_OK) {
        o->seq_failures++;
        log_error("spool", "no sequence number can be recorded (%s): the batch is held in memory, unnumbered",
                  err.msg);
        numbered = false;
    }
    if (numbered)
        return ob_put_numbered(o, *tp, seq, n, polled);
    if (o->nheld == OUTBOX_HELD_MAX) { /* memory is bounded too: the oldest goes, loudly */
        o->held_lost++;
        log_error("agent", "DATA LOST: %d batches held without a sequence number: the oldest (%zu samples) dropped",
                  OUTBOX_HELD_MAX, o->held_n[0]);
        push_text_free(o->held[0]);
        o->nheld--;
        memmove(o->held, o->held + 1, o->nheld * sizeof *o->held);
        memmove(o->held_n, o->held_n + 1, o->nheld * sizeof *o->held_n);
    }
    o->held[o->nheld] = *tp;
    o->held_n[o->nheld++] = n;
    *tp = NULL;
    return VG_E_IO;
}

/* Ends the current push. */
static void ob_close_push(outbox *o)
{
    push_text *fresh = push_text_new(o->agent); /* the next push's, should this one be held */
    push_text *t = fresh ? o->text : NULL;       /* NULL: lost, out of memory (logged by ob_spool) */
    ob_spool(o, &t, push_text_count(o->text), o->polled);
    if (fresh && !t) {
        o->text = fresh; /* the push was held */
    } else {
        push_text_clear(o->text);
        push_text_free(fresh);
    }
    o->cycle_pushes++;
}

static int ob_device(void *ctx, const char *name, const char *cls, const char *prof)
{
    outbox *o = ctx;
    int n = snprintf(o->cur.name, sizeof o->cur.name, "%s", name);
    int c = snprintf(o->cur.cls, sizeof o->cur.cls, "%s", cls);
    int p = snprintf(o->cur.profile, sizeof o->cur.profile, "%s", prof);
    bool fits = n >= 0 && (size_t)n < sizeof o->cur.name && c >= 0 && (size_t)c < sizeof o->cur.cls && p >= 0 &&
                (size_t)p < sizeof o->cur.profile;
    if (!fits)
        o->cur.name[0] = '\0'; /* no description rather than a wrong one */
    return fits ? 0 : -1;
}

/* A sample goes into the current push, and its device into the push's "devices" with its first sample
 * there. -1: not UTF-8, not a finite number (the server would refuse the whole push), or out of memory. */
static int ob_sample(void *ctx, const push_sample *s)
{
    outbox *o = ctx;
    if (push_text_add(o->text, s, o->cur.name[0] ? &o->cur : NULL, NULL) != VG_OK)
        return -1;
    o->cycle_samples++;
    if (push_text_count(o->text) >= o->slice)
        ob_close_push(o);
    return 0;
}

poll_sink outbox_sink(outbox *o, int64_t polled)
{
    o->polled = polled;
    return (poll_sink){.ctx = o, .device = ob_device, .sample = ob_sample};
}

size_t outbox_end_cycle(outbox *o)
{
    if (push_text_count(o->text) > 0 || o->cycle_pushes == 0)
        ob_close_push(o);
    size_t n = o->cycle_samples;
    o->cycle_samples = 0;
    o->cycle_pushes = 0;
    o->cur.name[0] = '\0';
    return n;
}

vg_code outbox_put_batch(outbox *o, const push_batch *b, int64_t polled)
{
    push_text *t = push_text_new(o->agent);
    if (t && push_text_add_batch(t, b, NULL) != VG_OK) {
        push_text_free(t);
        t = NULL;
    }
    vg_code rc = ob_spool(o, &t, push_batch_count(b), polled);
    push_text_free(t);
    return rc == VG_E_IO ? VG_OK : rc;
}

bool outbox_retry(outbox *o) { return ob_number_held(o, (int64_t)time(NULL)); }
size_t outbox_held(const outbox *o) { return o->nheld; }
uint64_t outbox_seq_failures(const outbox *o) { return o->seq_failures; }

char *outbox_take_unspooled(outbox *o)
{
    if (o->nunspooled == 0)
        return NULL;
    char *b = o->unspooled[0];
    memmove(o->unspooled, o->unspooled + 1, --o->nunspooled * sizeof *o->unspooled);
    return b;
}
