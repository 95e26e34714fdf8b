#include "config.h"
#include "push/outbox.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define OUTBOX_SAMPLE_ROOM 1024 /* a sample's JSON is rarely longer; json_dumpb says when it is */

struct outbox {
    spool *sp;
    size_t slice;
    char *head;               /* {"agent":"...","samples":[ */
    push_encoder *enc;        /* one sample's JSON, reused */
    char *buf;                /* the current push's text */
    size_t len, cap;
    size_t nsamples;          /* in the current push */
    size_t cycle_samples;
    unsigned cycle_pushes;
    int64_t polled;           /* the cycle's time, for the log */
    push_device *devs;        /* the devices of the current push */
    size_t ndevs, capdevs;
    push_device cur;          /* the device whose samples come now */
    char **unspooled;         /* pushes the spool could not take, oldest first */
    size_t nunspooled, capunspooled;
};

void outbox_free(outbox *o)
{
    if (!o)
        return;
    push_encoder_free(o->enc);
    for (size_t i = 0; i < o->nunspooled; i++)
        free(o->unspooled[i]);
    free(o->unspooled);
    free(o->head);
    free(o->buf);
    free(o->devs);
    free(o);
}

outbox *outbox_new(spool *sp, const char *agent, size_t slice)
{
    outbox *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->sp = sp;
    o->slice = slice == 0 ? OUTBOX_SLICE : slice > PUSH_MAX_SAMPLES ? PUSH_MAX_SAMPLES : slice;
    json_t *a = json_string(agent);
    char *name = a ? json_dumps(a, JSON_ENCODE_ANY) : NULL;
    json_decref(a);
    o->enc = push_encoder_new();
    bool ok = name && o->enc;
    if (ok) {
        size_t n = strlen("{\"agent\":,\"samples\":[") + strlen(name) + 1;
        if ((o->head = malloc(n)))
            snprintf(o->head, n, "{\"agent\":%s,\"samples\":[", name);
    }
    free(name);
    if (!ok || !o->head) {
        outbox_free(o);
        return NULL;
    }
    return o;
}

static int ob_reserve(outbox *o, size_t more)
{
    if (o->len + more <= o->cap)
        return 0;
    size_t cap = o->cap ? o->cap : 64 * 1024;
    while (cap < o->len + more)
        cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b)
        return -1;
    o->buf = b;
    o->cap = cap;
    return 0;
}

static int ob_append(outbox *o, const char *text, size_t n)
{
    if (ob_reserve(o, n + 1) != 0)
        return -1;
    memcpy(o->buf + o->len, text, n);
    o->len += n;
    return 0;
}

/* Appends the encoder's sample, or a JSON value (v), encoded by jansson straight into the push's buffer. */
static int ob_append_json(outbox *o, const json_t *v)
{
    for (size_t room = OUTBOX_SAMPLE_ROOM;;) {
        if (ob_reserve(o, room) != 0)
            return -1;
        size_t left = o->cap - o->len;
        size_t n = v ? json_dumpb(v, o->buf + o->len, left, JSON_COMPACT) : push_encoder_dump(o->enc, o->buf + o->len, left);
        if (n == 0 || (n > left && room >= n))
            return -1;
        if (n <= left) {
            o->len += n;
            return 0;
        }
        room = n; /* too long for the room left: again, with room enough */
    }
}

static void ob_keep_unspooled(outbox *o, uint64_t seq)
{
    char *copy = malloc(o->len + 1);
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
                  o->nsamples);
        return;
    }
    memcpy(copy, o->buf, o->len);
    copy[o->len] = '\0';
    o->unspooled[o->nunspooled++] = copy;
}

/* Closes the samples, then describes the push's devices. */
static int ob_append_devices(outbox *o)
{
    if (o->ndevs == 0)
        return ob_append(o, "]", 1);
    int rc = ob_append(o, "],\"devices\":[", 13);
    for (size_t i = 0; i < o->ndevs && rc == 0; i++) {
        json_t *d = json_pack("{s:s, s:s, s:s}", "name", o->devs[i].name, "class", o->devs[i].cls, "profile",
                              o->devs[i].profile);
        rc = (i && ob_append(o, ",", 1)) || !d || ob_append_json(o, d) ? -1 : 0;
        json_decref(d);
    }
    return rc == 0 ? ob_append(o, "]", 1) : rc;
}

/* Ends the current push: numbered, then spooled (or kept in memory when the spool cannot take it). */
static void ob_close_push(outbox *o)
{
    if (o->nsamples == 0 && ob_append(o, o->head, strlen(o->head)) != 0)
        return;
    char err[SPOOL_ERR_MAX], tail[48];
    uint64_t seq;
    if (spool_next_seq(o->sp, &seq, err, sizeof err) != 0)
        log_error("spool", "sequence number %" PRIu64 " not recorded, a restart may reuse it: %s", seq, err);
    int n = snprintf(tail, sizeof tail, ",\"seq\":%" PRIu64 "}", seq);
    int rc = ob_append_devices(o);
    if (rc == 0)
        rc = ob_append(o, tail, (size_t)n);
    if (rc != 0) {
        log_error("agent", "DATA LOST: batch %" PRIu64 " (%zu samples): out of memory", seq, o->nsamples);
    } else if (spool_put(o->sp, seq, o->buf, o->len, err, sizeof err) != 0) {
        log_error("spool", "batch %" PRIu64 " not spooled, to be sent without a copy: %s", seq, err);
        ob_keep_unspooled(o, seq);
    } else {
        log_debug("spool", "batch %" PRIu64 " spooled: polled at %lld, %zu samples, %zu bytes", seq,
                  (long long)o->polled, o->nsamples, o->len);
    }
    o->cycle_pushes++;
    o->len = o->nsamples = o->ndevs = 0;
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

/* The current device goes into the push's "devices" with its first sample there. */
static int ob_note_device(outbox *o)
{
    if (!o->cur.name[0] || (o->ndevs && strcmp(o->devs[o->ndevs - 1].name, o->cur.name) == 0))
        return 0;
    if (o->ndevs == o->capdevs) {
        size_t cap = o->capdevs ? o->capdevs * 2 : 64;
        push_device *d = realloc(o->devs, cap * sizeof *d);
        if (!d)
            return -1;
        o->devs = d;
        o->capdevs = cap;
    }
    o->devs[o->ndevs++] = o->cur;
    return 0;
}

static int ob_sample(void *ctx, const push_sample *s)
{
    outbox *o = ctx;
    if (push_encoder_set(o->enc, s) != 0)
        return -1; /* not UTF-8, or not a finite number: the server would refuse the whole push */
    size_t mark = o->len;
    if (o->nsamples == 0)
        o->ndevs = 0;
    if ((o->nsamples == 0 ? ob_append(o, o->head, strlen(o->head)) : ob_append(o, ",", 1)) != 0 ||
        ob_append_json(o, NULL) != 0 || ob_note_device(o) != 0) {
        o->len = mark;
        return -1;
    }
    o->nsamples++;
    o->cycle_samples++;
    if (o->nsamples >= o->slice)
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
    if (o->nsamples > 0 || o->cycle_pushes == 0)
        ob_close_push(o);
    size_t n = o->cycle_samples;
    o->cycle_samples = 0;
    o->cycle_pushes = 0;
    o->cur.name[0] = '\0';
    return n;
}

char *outbox_take_unspooled(outbox *o)
{
    if (o->nunspooled == 0)
        return NULL;
    char *b = o->unspooled[0];
    memmove(o->unspooled, o->unspooled + 1, --o->nunspooled * sizeof *o->unspooled);
    return b;
}
