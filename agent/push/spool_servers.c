/* spool_servers: what each server still lacks (spool_internal.h), its state file, its backlog bound. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "push/spool_internal.h"

#define SS_PREFIX "server-" /* DIR/server-<16 hex>: a server's state (no folder: temp files are DIR/.NAME.tmp) */

uint8_t sp_all_servers(const spool *s) { return (uint8_t)((1u << s->nservers) - 1); }

void sp_servers_init(spool *s)
{
    s->nservers = 1;
    s->backlog_max = UINT64_MAX;
    for (size_t k = 0; k < SPOOL_SERVERS_MAX; k++) {
        memset(&s->srv[k], 0, sizeof s->srv[k]);
        pthread_mutex_init(&s->srv[k].file_mu, NULL);
    }
}

/* The file of a server: its URL's FNV-1a hash, so that a URL never becomes a path. */
static void ss_file_name(const char *url, char *out, size_t size)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *c = (const unsigned char *)url; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    snprintf(out, size, SS_PREFIX "%016" PRIx64, h);
}

/* "low high behind skipped\nURL\n"; false when absent or unreadable (the server lacks everything). */
static bool ss_read(spool *s, spool_server *v)
{
    int fd = openat(s->dfd, v->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    char buf[1300];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    uint64_t low, high, skipped;
    unsigned behind;
    if (sscanf(buf, "%" SCNu64 " %" SCNu64 " %u %" SCNu64, &low, &high, &behind, &skipped) != 4) {
        log_warn("spool", "%s/%s does not read \"low high behind skipped\": %s is sent every batch waiting", s->dir,
                 v->file, v->url);
        return false;
    }
    v->low = low;
    v->high = high;
    v->behind = behind != 0;
    v->behind_logged = v->behind;
    v->skipped = skipped;
    return true;
}

long sp_next_for(const spool *s, size_t k)
{
    const spool_server *v = &s->srv[k];
    if (v->count == 0)
        return -1;
    size_t lo = 0, hi = s->count; /* the first at or after low, then the first that lacks k */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->e[s->head + mid].seq < v->low)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int pass = 0; pass < 2; pass++, lo = 0) /* the second: never happens while low holds */
        for (size_t i = s->head + lo; i < s->head + s->count; i++)
            if (s->e[i].need & (1u << k))
                return (long)i;
    return -1;
}

/* low of server k once its bookkeeping changed: its next batch, else past the last it handled. */
static void ss_move_low(spool *s, size_t k)
{
    long i = sp_next_for(s, k);
    s->srv[k].low = i >= 0 ? s->e[i].seq : s->srv[k].high + 1;
    s->srv[k].dirty = true;
}

/* Server k no longer lacks entry i (mu held); true when no server does: *gone is its copy, out of the
 * index. */
static bool ss_clear(spool *s, size_t k, size_t i, sp_aside aside, spool_entry *gone)
{
    spool_entry *e = &s->e[i];
    spool_server *v = &s->srv[k];
    v->count--;
    v->bytes -= e->size;
    e->need &= (uint8_t)~(1u << k);
    if (aside && !e->aside)
        e->aside = (uint8_t)aside;
    if (e->seq > v->high)
        v->high = e->seq;
    bool none = e->need == 0;
    if (none) {
        *gone = *e;
        sp_index_remove(s, i);
    }
    ss_move_low(s, k);
    return none;
}

bool sp_done_for(spool *s, size_t k, uint64_t seq, sp_aside aside, spool_entry *gone)
{
    spool_server *v = &s->srv[k];
    long i = sp_index_find(s, seq);
    if (i < 0 || !(s->e[i].need & (1u << k))) { /* dropped by the bound meanwhile */
        if (seq > v->high)
            v->high = seq;
        ss_move_low(s, k);
        return false;
    }
    bool none = ss_clear(s, k, (size_t)i, aside, gone);
    if (v->behind && v->count == 0) {
        v->behind = v->behind_logged = false;
        log_info("spool", "server %s has caught up: it never got the %" PRIu64 " batch(es) dropped for it while it "
                          "was behind", v->url, v->skipped);
        v->skipped = 0;
    }
    return none;
}

vg_code sp_release(spool *s, const spool_entry *gone, vg_err *err)
{
    char name[SPOOL_NAME_MAX];
    if (gone->masked) {
        snprintf(name, sizeof name, "%0*" PRIu64 ".for", SPOOL_DIGITS, gone->seq);
        unlinkat(s->dfd, name, 0);
    }
    sp_name(gone->seq, name, sizeof name);
    const char *sub = sp_aside_dir((sp_aside)gone->aside);
    if (sub)
        return sp_set_aside(s, name, sub, err);
    /* no fsync: a removal lost in a crash only sends the batch again, which the servers ignore */
    if (unlinkat(s->dfd, name, 0) != 0 && errno != ENOENT)
        return vg_fail(err, VG_E_IO, "%s/%s was stored but cannot be removed: %s", s->dir, name, strerror(errno));
    return VG_OK;
}

void sp_save_servers(spool *s, bool sync)
{
    (void)sync; /* always fsync'd: a server's file lost in a crash would send it batches twice */
    for (size_t k = 0; k < s->nservers; k++) {
        spool_server *v = &s->srv[k];
        pthread_mutex_lock(&v->file_mu);
        pthread_mutex_lock(&s->mu);
        bool dirty = v->dirty && s->nservers > 1;
        v->dirty = false;
        char buf[1300];
        int n = snprintf(buf, sizeof buf, "%" PRIu64 " %" PRIu64 " %d %" PRIu64 "\n%s\n", v->low, v->high,
                         v->behind ? 1 : 0, v->skipped, v->url);
        pthread_mutex_unlock(&s->mu);
        vg_err err;
        if (dirty && n > 0 && (size_t)n < sizeof buf && sp_write_file(s, v->file, buf, (size_t)n, &err) != VG_OK)
            log_error("spool", "cannot record what %s has stored (it may be sent batches again): %s", v->url,
                      err.msg);
        pthread_mutex_unlock(&v->file_mu);
    }
}

void sp_enforce_backlogs(spool *s)
{
    if (s->nservers < 2)
        return;
    for (size_t k = 0; k < s->nservers; k++) {
        spool_server *v = &s->srv[k];
        unsigned n = 0;
        while (v->bytes > s->backlog_max) {
            long i = sp_next_for(s, k);
            if (i >= 0 && v->sending_set && s->e[i].seq == v->sending) { /* on its way: the next one */
                long j = i + 1;
                while (j < (long)(s->head + s->count) && !(s->e[j].need & (1u << k)))
                    j++;
                i = j < (long)(s->head + s->count) ? j : -1;
            }
            if (i < 0)
                break;
            spool_entry gone;
            if (ss_clear(s, k, (size_t)i, SP_ASIDE_NONE, &gone)) {
                vg_err err;
                if (sp_release(s, &gone, &err) != VG_OK)
                    log_error("spool", "%s", err.msg);
            }
            v->skipped++;
            n++;
        }
        if (n && !v->behind_logged)
            log_error("spool",
                      "SERVER BEHIND: %s lacks more than its backlog bound of %.6g MB (server_backlog_mb): its "
                      "oldest batches are given up for it (the other servers keep them), %" PRIu64 " so far: "
                      "it will miss them",
                      v->url, (double)s->backlog_max / (1 << 20), v->skipped);
        if (n)
            v->behind = v->behind_logged = true;
    }
}

/* The servers of DIR/<seq>.for files: each batch spooled for some servers only. */
static void ss_read_masks(spool *s)
{
    int fd = dup(s->dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (strlen(nm) != SPOOL_DIGITS + 4 || strcmp(nm + SPOOL_DIGITS, ".for") != 0 ||
            strspn(nm, "0123456789") != SPOOL_DIGITS)
            continue;
        uint64_t seq = strtoull(nm, NULL, 10);
        uint8_t mask = 0;
        char buf[SPOOL_SERVERS_MAX * 48 + 1] = "";
        int mfd = openat(s->dfd, nm, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t got = mfd >= 0 ? read(mfd, buf, sizeof buf - 1) : -1;
        if (mfd >= 0)
            close(mfd);
        buf[got > 0 ? got : 0] = '\0';
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) /* its servers */
            for (size_t k = 0; k < s->nservers; k++)
                if (strcmp(line, s->srv[k].file) == 0)
                    mask |= (uint8_t)(1u << k);
        long i = sp_index_find(s, seq);
        if (i < 0 || s->nservers < 2) { /* its batch is gone, or there is one server now: it is for it */
            unlinkat(s->dfd, nm, 0);
            continue;
        }
        s->e[i].need &= mask;
        s->e[i].masked = true;
    }
    closedir(d);
}

vg_code spool_set_servers(spool *s, const char *const *urls, size_t n, uint64_t backlog_max, vg_err *err)
{
    if (n == 0 || n > SPOOL_SERVERS_MAX)
        return vg_fail(err, VG_E_INVALID, "1 to %d servers, not %zu", SPOOL_SERVERS_MAX, n);
    pthread_mutex_lock(&s->mu);
    s->nservers = n;
    s->backlog_max = n > 1 ? backlog_max : UINT64_MAX;
    bool known[SPOOL_SERVERS_MAX] = {false};
    for (size_t k = 0; k < n; k++) {
        spool_server *v = &s->srv[k];
        v->low = v->high = v->skipped = v->bytes = 0;
        v->count = 0;
        v->behind = v->behind_logged = false;
        snprintf(v->url, sizeof v->url, "%s", urls[k]);
        ss_file_name(urls[k], v->file, sizeof v->file);
        known[k] = n > 1 && ss_read(s, v);
    }
    for (size_t i = s->head; i < s->head + s->count; i++) {
        s->e[i].need = 0;
        for (size_t k = 0; k < n; k++)
            if (!known[k] || s->e[i].seq >= s->srv[k].low)
                s->e[i].need |= (uint8_t)(1u << k);
    }
    ss_read_masks(s);
    /* what no server lacks goes; the counts of the others */
    spool_entry *gone = s->count ? malloc(s->count * sizeof *gone) : NULL;
    size_t ngone = 0;
    if (s->count && !gone) {
        pthread_mutex_unlock(&s->mu);
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", s->dir);
    }
    s->bytes = 0;
    for (size_t i = s->head; i < s->head + s->count;) {
        spool_entry *e = &s->e[i];
        if (!e->need) {
            gone[ngone++] = *e;
            memmove(e, e + 1, (s->head + s->count - i - 1) * sizeof *e);
            s->count--;
            continue;
        }
        s->bytes += e->size;
        for (size_t k = 0; k < n; k++)
            if (e->need & (1u << k)) {
                s->srv[k].count++;
                s->srv[k].bytes += e->size;
            }
        i++;
    }
    for (size_t k = 0; k < n; k++) {
        spool_server *v = &s->srv[k];
        long i = sp_next_for(s, k);
        uint64_t first = i >= 0 ? s->e[i].seq : 0;
        /* those up to high may be stored already, and the first may have been on its way */
        v->unsure_upto = v->high > first ? v->high : first;
        v->unsure_seq = first;
        if (!known[k] || i >= 0)
            v->low = i >= 0 ? first : v->high + 1;
        v->dirty = n > 1;
    }
    pthread_mutex_unlock(&s->mu);
    for (size_t g = 0; g < ngone; g++) {
        vg_err e2;
        if (sp_release(s, &gone[g], &e2) != VG_OK)
            log_warn("spool", "%s", e2.msg);
    }
    free(gone);
    sp_save_servers(s, true);
    return VG_OK;
}

size_t spool_servers(const spool *s) { return s->nservers; }

vg_code spool_put_for(spool *s, uint64_t seq, const char *body, size_t len, size_t k, vg_err *err)
{
    return sp_put_masked(s, seq, body, len, (uint8_t)(1u << k), err);
}

void spool_server_get(const spool *s, size_t k, spool_server_info *out)
{
    spool *m = (spool *)s;
    memset(out, 0, sizeof *out);
    if (k >= s->nservers)
        return;
    pthread_mutex_lock(&m->mu);
    const spool_server *v = &s->srv[k];
    snprintf(out->url, sizeof out->url, "%s", v->url);
    out->behind = v->behind;
    out->waiting = v->count;
    out->bytes = v->bytes;
    out->skipped = v->skipped;
    out->stored_upto = v->high;
    out->last_stored = v->last_stored;
    snprintf(out->last_why, sizeof out->last_why, "%s", v->last_why);
    pthread_mutex_unlock(&m->mu);
}

size_t spool_count_for(const spool *s, size_t k)
{
    spool *m = (spool *)s;
    pthread_mutex_lock(&m->mu);
    size_t n = k < s->nservers ? s->srv[k].count : 0;
    pthread_mutex_unlock(&m->mu);
    return n;
}
