#include "config.h"
#include "snmp/trap_limit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"

#define TL_ADDR_MAX 64
#define TL_OTHER TRAP_LIMIT_SOURCES /* the entry that new addresses share once the table is full */

typedef struct {
    double tokens, refilled; /* the bucket, as of `refilled` */
} tl_bucket;

typedef struct {
    char addr[TL_ADDR_MAX];
    tl_bucket bucket;
    double seen;
    uint64_t received, dropped;
    uint64_t rep_received, rep_dropped; /* as last reported (trap_limit_report) */
    uint64_t period_dropped;
} tl_source;

struct trap_limit {
    double rate, source_rate;
    tl_bucket bucket;
    tl_source src[TRAP_LIMIT_SOURCES + 1];
    size_t nsrc, last; /* entries in use (but TL_OTHER); the last one found */
    trap_counts c;
    double started;
    /* the period under way, for the summary line */
    double period_start;
    trap_counts period_base; /* the counts when it began */
    unsigned logged;         /* accepted traps logged one by one */
    uint64_t unlogged;
    bool warned;             /* its first drop was logged */
};

static const char *const tl_reason[TRAP_VERDICTS] = {
    "accepted", "over trap_source_rate", "over trap_rate", "wrong community", "malformed", "queue full"};
static const char *const tl_key[TRAP_VERDICTS] = {
    "accepted", "dropped_source_rate", "dropped_agent_rate", "dropped_community", "dropped_malformed",
    "dropped_queue"};

trap_limit *trap_limit_new(double agent_rate, double source_rate, double now)
{
    trap_limit *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->rate = agent_rate > 0 ? agent_rate : TRAP_LIMIT_RATE;
    l->source_rate = source_rate > 0 ? source_rate : TRAP_LIMIT_SOURCE_RATE;
    l->bucket = (tl_bucket){l->rate * TRAP_LIMIT_BURST_S, now};
    snprintf(l->src[TL_OTHER].addr, TL_ADDR_MAX, "other sources");
    l->src[TL_OTHER].bucket = (tl_bucket){l->source_rate * TRAP_LIMIT_BURST_S, now};
    l->started = l->period_start = now;
    return l;
}

void trap_limit_free(trap_limit *l) { free(l); }

static uint64_t tl_dropped(const trap_counts *c)
{
    uint64_t n = 0;
    for (int v = TRAP_ACCEPTED + 1; v < TRAP_VERDICTS; v++)
        n += c->dropped[v];
    return n;
}

/* ---- sources and buckets ------------------------------------------------------------------- */

/* An entry for a new address: a free one, else the longest idle one already reported, else the
 * shared one. */
static size_t tl_new_source(trap_limit *l, const char *addr, double now)
{
    size_t i = l->nsrc;
    if (i == TRAP_LIMIT_SOURCES) {
        i = TL_OTHER;
        for (size_t k = 0; k < l->nsrc; k++) {
            const tl_source *s = &l->src[k];
            if (now - s->seen >= TRAP_LIMIT_IDLE_S && s->rep_received == s->received &&
                s->rep_dropped == s->dropped && (i == TL_OTHER || s->seen < l->src[i].seen))
                i = k;
        }
        if (i == TL_OTHER)
            return i;
    } else {
        l->nsrc++;
    }
    tl_source *s = &l->src[i];
    memset(s, 0, sizeof *s);
    snprintf(s->addr, sizeof s->addr, "%s", addr);
    s->bucket = (tl_bucket){l->source_rate * TRAP_LIMIT_BURST_S, now};
    return i;
}

static size_t tl_find(const trap_limit *l, const char *addr)
{
    if (l->last < l->nsrc && strcmp(l->src[l->last].addr, addr) == 0)
        return l->last; /* a flood comes from one address: look there first */
    for (size_t i = 0; i < l->nsrc; i++)
        if (strcmp(l->src[i].addr, addr) == 0)
            return i;
    return TL_OTHER;
}

size_t trap_limit_receive(trap_limit *l, const char *src, double now)
{
    size_t i = tl_find(l, src);
    if (i == TL_OTHER)
        i = tl_new_source(l, src, now);
    l->last = i;
    l->src[i].seen = now;
    l->src[i].received++;
    l->c.received++;
    return i;
}

/* Refills b for the time since it was last refilled (none when the clock went back), up to the burst. */
static void tl_refill(tl_bucket *b, double rate, double now)
{
    if (now > b->refilled) {
        b->tokens += rate * (now - b->refilled);
        if (b->tokens > rate * TRAP_LIMIT_BURST_S)
            b->tokens = rate * TRAP_LIMIT_BURST_S;
    }
    b->refilled = now;
}

trap_verdict trap_limit_admit(trap_limit *l, size_t src, double now)
{
    tl_bucket *b = &l->src[src].bucket;
    tl_refill(b, l->source_rate, now);
    tl_refill(&l->bucket, l->rate, now);
    if (b->tokens < 1)
        return TRAP_DROP_SOURCE_RATE;
    if (l->bucket.tokens < 1)
        return TRAP_DROP_AGENT_RATE;
    b->tokens -= 1;
    l->bucket.tokens -= 1;
    return TRAP_ACCEPTED;
}

void trap_limit_count(trap_limit *l, size_t src, trap_verdict v)
{
    tl_source *s = &l->src[src];
    if (v == TRAP_ACCEPTED) {
        l->c.accepted++;
        return;
    }
    l->c.dropped[v]++;
    s->dropped++;
    s->period_dropped++;
    if (!l->warned) {
        l->warned = true;
        log_warn("trap", "dropping traps from %s (%s); further drops are counted, in one line every %d s", s->addr,
                 tl_reason[v], TRAP_LIMIT_PERIOD_S);
    }
}

void trap_limit_merged(trap_limit *l) { l->c.merged++; }

bool trap_limit_may_log(trap_limit *l)
{
    if (l->logged < TRAP_LIMIT_LOG_BURST) {
        l->logged++;
        return true;
    }
    l->unlogged++;
    return false;
}

void trap_limit_set_outside(trap_limit *l, uint64_t refused, uint64_t kernel)
{
    l->c.refused = refused;
    l->c.kernel = kernel;
}

const trap_counts *trap_limit_counts(const trap_limit *l) { return &l->c; }

void trap_limit_source_counts(const trap_limit *l, const char *src, uint64_t *received, uint64_t *dropped)
{
    size_t i = tl_find(l, src);
    *received = i == TL_OTHER ? 0 : l->src[i].received;
    *dropped = i == TL_OTHER ? 0 : l->src[i].dropped;
}

size_t trap_limit_report(trap_limit *l, trap_limit_each_fn fn, void *ctx)
{
    size_t n = 0;
    for (size_t i = 0; i < l->nsrc; i++) {
        tl_source *s = &l->src[i];
        if (s->rep_received == s->received && s->rep_dropped == s->dropped)
            continue;
        if (fn(ctx, s->addr, s->received, s->dropped) != 0)
            break;
        s->rep_received = s->received;
        s->rep_dropped = s->dropped;
        n++;
    }
    return n;
}

bool trap_limit_changed(const trap_limit *l)
{
    for (size_t i = 0; i < l->nsrc; i++)
        if (l->src[i].rep_received != l->src[i].received || l->src[i].rep_dropped != l->src[i].dropped)
            return true;
    return false;
}

/* ---- the summary line ---------------------------------------------------------------------- */

/* "1200 over trap_source_rate, 3 wrong community" for the reasons of d that are not 0. */
static void tl_reasons(const trap_counts *d, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (int v = TRAP_ACCEPTED + 1; v < TRAP_VERDICTS && o < size; v++)
        if (d->dropped[v])
            o += (size_t)snprintf(out + o, size - o, "%s%" PRIu64 " %s", o ? ", " : "", d->dropped[v], tl_reason[v]);
}

static void tl_summary(trap_limit *l, double now)
{
    trap_counts d = l->c; /* the period's counts */
    const trap_counts *b = &l->period_base;
    d.received -= b->received;
    d.accepted -= b->accepted;
    d.refused -= b->refused < d.refused ? b->refused : d.refused;
    d.kernel -= b->kernel < d.kernel ? b->kernel : d.kernel;
    for (int v = 0; v < TRAP_VERDICTS; v++)
        d.dropped[v] -= b->dropped[v];
    uint64_t dropped = tl_dropped(&d);
    if (!dropped && !d.refused && !d.kernel && !l->unlogged)
        return;
    const tl_source *top = NULL;
    for (size_t i = 0; i <= TL_OTHER; i++)
        if (l->src[i].period_dropped && (!top || l->src[i].period_dropped > top->period_dropped))
            top = &l->src[i];
    char reasons[300], most[120] = "";
    tl_reasons(&d, reasons, sizeof reasons);
    if (top)
        snprintf(most, sizeof most, "; most from %s (%" PRIu64 ")", top->addr, top->period_dropped);
    log_msg(dropped || d.refused || d.kernel ? LOG_LVL_WARN : LOG_LVL_INFO, "trap",
             "last %.0f s: %" PRIu64 " trap(s) received, %" PRIu64 " accepted (%" PRIu64 " not logged), %" PRIu64
             " dropped%s%s%s%s; %" PRIu64 " message(s) not decoded or authenticated, %" PRIu64
             " lost in the kernel (socket buffer full); since the start: %" PRIu64 " received, %" PRIu64 " dropped",
             now - l->period_start, d.received, d.accepted, l->unlogged, dropped, dropped ? " (" : "", reasons,
             dropped ? ")" : "", most, d.refused, d.kernel, l->c.received, tl_dropped(&l->c));
}

bool trap_limit_tick(trap_limit *l, double now, bool force)
{
    if (now < l->period_start)
        l->period_start = now; /* the clock stepped back: the period goes on from now */
    if (!force && now - l->period_start < TRAP_LIMIT_PERIOD_S)
        return false;
    tl_summary(l, now);
    l->period_start = now;
    l->period_base = l->c;
    l->logged = 0;
    l->unlogged = 0;
    l->warned = false;
    for (size_t i = 0; i <= TL_OTHER; i++)
        l->src[i].period_dropped = 0;
    return true;
}

/* ---- SPOOL_DIR/traps ----------------------------------------------------------------------- */

/* The index of the source to list next: most dropped, then most received, not listed yet. */
static size_t tl_next_top(const trap_limit *l, const bool *listed)
{
    size_t best = TL_OTHER + 1;
    for (size_t i = 0; i <= TL_OTHER; i++) {
        const tl_source *s = &l->src[i];
        if (listed[i] || (i < TL_OTHER && i >= l->nsrc) || s->received == 0)
            continue;
        if (best > TL_OTHER || s->dropped > l->src[best].dropped ||
            (s->dropped == l->src[best].dropped && s->received > l->src[best].received))
            best = i;
    }
    return best;
}

vg_code trap_limit_save(const trap_limit *l, const char *dir, double now, vg_err *err)
{
    char text[4096], tmp[1100], path[1100];
    const trap_counts *c = &l->c;
    int o = snprintf(text, sizeof text,
                     "started %lld\nupdated %lld\nreceived %" PRIu64 "\naccepted %" PRIu64 "\nmerged %" PRIu64 "\n",
                     (long long)l->started, (long long)now, c->received, c->accepted, c->merged);
    for (int v = TRAP_ACCEPTED + 1; v < TRAP_VERDICTS; v++)
        o += snprintf(text + o, sizeof text - (size_t)o, "%s %" PRIu64 "\n", tl_key[v], c->dropped[v]);
    o += snprintf(text + o, sizeof text - (size_t)o, "refused %" PRIu64 "\nkernel %" PRIu64 "\n", c->refused, c->kernel);
    bool listed[TRAP_LIMIT_SOURCES + 1] = {false};
    for (int k = 0; k < TRAP_LIMIT_TOP; k++) {
        size_t i = tl_next_top(l, listed);
        if (i > TL_OTHER)
            break;
        listed[i] = true;
        const tl_source *s = &l->src[i];
        /* "other sources" has a blank: listed as "*" */
        o += snprintf(text + o, sizeof text - (size_t)o, "source %s %" PRIu64 " %" PRIu64 "\n",
                      i == TL_OTHER ? "*" : s->addr, s->received, s->dropped);
    }
    if (snprintf(tmp, sizeof tmp, "%s/.traps.tmp", dir) >= (int)sizeof tmp ||
        snprintf(path, sizeof path, "%s/traps", dir) >= (int)sizeof path)
        return vg_fail(err, VG_E_INVALID, "%s: folder name too long", dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return vg_fail(err, VG_E_IO, "%s: %s", tmp, strerror(errno));
    bool ok = fd_write_all(fd, text, strlen(text)) == VG_OK;
    if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return vg_fail(err, VG_E_IO, "%s: %s", path, strerror(e));
    }
    return VG_OK;
}

static void tl_time(long long t, char *out, size_t size)
{
    time_t w = (time_t)t;
    struct tm tm;
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&w, &tm));
}

vg_code trap_limit_print(const char *dir, FILE *out, vg_err *err)
{
    char path[1100], line[256];
    snprintf(path, sizeof path, "%s/traps", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        if (errno != ENOENT)
            return vg_fail(err, VG_E_IO, "%s: %s", path, strerror(errno));
        fprintf(out, "traps: none recorded\n");
        return VG_OK;
    }
    trap_counts c = {0};
    long long started = 0, updated = 0;
    char sources[TRAP_LIMIT_TOP][TL_ADDR_MAX + 64];
    int nsources = 0;
    while (fgets(line, sizeof line, f)) {
        char key[32], addr[TL_ADDR_MAX];
        unsigned long long v, w;
        if (sscanf(line, "source %63s %llu %llu", addr, &v, &w) == 3 && nsources < TRAP_LIMIT_TOP) {
            snprintf(sources[nsources++], sizeof sources[0], "traps from %s: %llu received, %llu dropped",
                     strcmp(addr, "*") == 0 ? "other sources" : addr, v, w);
            continue;
        }
        if (sscanf(line, "%31s %llu", key, &v) != 2)
            continue;
        if (strcmp(key, "started") == 0)
            started = (long long)v;
        else if (strcmp(key, "updated") == 0)
            updated = (long long)v;
        else if (strcmp(key, "received") == 0)
            c.received = v;
        else if (strcmp(key, "accepted") == 0)
            c.accepted = v;
        else if (strcmp(key, "merged") == 0)
            c.merged = v;
        else if (strcmp(key, "refused") == 0)
            c.refused = v;
        else if (strcmp(key, "kernel") == 0)
            c.kernel = v;
        for (int r = TRAP_ACCEPTED + 1; r < TRAP_VERDICTS; r++)
            if (strcmp(key, tl_key[r]) == 0)
                c.dropped[r] = v;
    }
    fclose(f);
    char since[40], at[40], reasons[300];
    tl_time(started, since, sizeof since);
    tl_time(updated, at, sizeof at);
    tl_reasons(&c, reasons, sizeof reasons);
    uint64_t dropped = tl_dropped(&c);
    fprintf(out,
            "traps: %" PRIu64 " received, %" PRIu64 " accepted (%" PRIu64 " merged into a later one), %" PRIu64
            " dropped%s%s%s, %" PRIu64 " not decoded or authenticated, %" PRIu64 " lost in the kernel"
            " (since %s, as of %s)\n",
            c.received, c.accepted, c.merged, dropped, dropped ? " (" : "", reasons, dropped ? ")" : "", c.refused,
            c.kernel, since, at);
    for (int i = 0; i < nsources; i++)
        fprintf(out, "%s\n", sources[i]);
    return VG_OK;
}
