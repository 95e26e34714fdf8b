/* The spool's folders of batches set aside (rejected/, corrupt/, dead/, duplicate/) and their
 * retention (spool.h): what spool.c's queue moves out of the way, kept for people to look at, within
 * bounds. */
#include "config.h"
#include "push/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "push/spool_internal.h"

/* ---- the folders of batches set aside, and their retention ------------------------------------
 *
 * rejected/, corrupt/, dead/ and duplicate/ each keep their files for ret.days after they were set
 * aside (their mtime, set when they are moved there), and at most ret.max_files files and
 * ret.max_bytes bytes: the oldest go first. The live queue (DIR itself) is never purged here. */

typedef struct {
    char name[SPOOL_NAME_MAX];
    uint64_t size;
    time_t mtime;
} spool_aside_file;

static int sp_aside_cmp(const void *a, const void *b)
{
    const spool_aside_file *x = a, *y = b;
    if (x->mtime != y->mtime)
        return x->mtime < y->mtime ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The files of DIR/sub that the retention deletes; at most SPOOL_ASIDE_SCAN_MAX are looked at (the
 * bound of max_files keeps a folder far below it). */
#define SPOOL_ASIDE_SCAN_MAX 200000

/* Applies the retention to DIR/sub (cutoff 0: the bounds only). Returns the files deleted, counted into
 * *bytes; errors are logged here, once per folder. Called with aside_mu held. */
static unsigned sp_purge_dir(spool *s, const char *sub, time_t cutoff, uint64_t *bytes)
{
    int fd = openat(s->dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    spool_aside_file *f = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0, seq;
    struct dirent *de;
    while ((de = readdir(d)) && n < SPOOL_ASIDE_SCAN_MAX) {
        struct stat st;
        if (strlen(de->d_name) >= SPOOL_NAME_MAX || !spool_parse_name(de->d_name, true, &seq) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            spool_aside_file *g = realloc(f, ncap * sizeof *g);
            if (!g)
                break;
            f = g;
            cap = ncap;
        }
        snprintf(f[n].name, sizeof f[n].name, "%s", de->d_name);
        f[n].size = (uint64_t)st.st_size;
        f[n++].mtime = st.st_mtime;
        total += (uint64_t)st.st_size;
    }
    if (n > 1)
        qsort(f, n, sizeof *f, sp_aside_cmp);
    size_t i = 0;
    /* oldest first: past their days, then while the folder is over a bound (its newest file stays) */
    for (; i < n; i++) {
        bool old = f[i].mtime < cutoff;
        bool over = i + 1 < n && (n - i > s->ret.max_files || total > s->ret.max_bytes);
        if (!old && !over)
            break;
        if (unlinkat(dirfd(d), f[i].name, 0) != 0 && errno != ENOENT) {
            log_error("spool", "%s/%s/%s: cannot delete it: %s", s->dir, sub, f[i].name, strerror(errno));
            break;
        }
        total -= f[i].size;
        *bytes += f[i].size;
    }
    free(f);
    closedir(d);
    return (unsigned)i;
}

/* Adds n files deleted to DIR/purged, the count --spool-status shows (its mtime: the last purge). */
static void sp_count_purged(spool *s, unsigned n)
{
    s->purged += n;
    vg_err err;
    if (sp_write_u64(s, "purged", s->purged, &err) != VG_OK)
        log_error("spool", "cannot record the count of files deleted by the retention: %s", err.msg);
}

void spool_set_retention(spool *s, const spool_retention *r)
{
    pthread_mutex_lock(&s->aside_mu);
    s->ret = *r;
    if (s->ret.days < 1)
        s->ret.days = 1;
    if (s->ret.max_files < 1)
        s->ret.max_files = 1;
    pthread_mutex_unlock(&s->aside_mu);
}

unsigned spool_purge(spool *s, time_t now, spool_purge_stats *st)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_lock(&s->aside_mu);
    time_t cutoff = now - (time_t)s->ret.days * 86400;
    char detail[200] = "";
    size_t used = 0;
    for (size_t i = 0; i < SPOOL_ASIDE_DIRS; i++) {
        st->files[i] = sp_purge_dir(s, sp_aside_dir((sp_aside)(i + 1)), cutoff, &st->bytes);
        st->total += st->files[i];
        int w = snprintf(detail + used, sizeof detail - used, "%s%s %u", i ? ", " : "", sp_aside_dir((sp_aside)(i + 1)),
                         st->files[i]);
        if (w > 0 && (size_t)w < sizeof detail - used)
            used += (size_t)w;
    }
    if (st->total)
        sp_count_purged(s, st->total);
    s->purged_at = now;
    uint64_t purged = s->purged;
    spool_retention r = s->ret;
    pthread_mutex_unlock(&s->aside_mu);
    if (st->total) /* one line per purge, not per file */
        log_warn("spool",
                 "retention: %u file(s) set aside deleted from %s (%s; %.1f kB), kept: %d day(s), %u file(s) and "
                 "%.6g MB a folder; %" PRIu64 " deleted so far",
                 st->total, s->dir, detail, (double)st->bytes / 1000, r.days, r.max_files,
                 (double)r.max_bytes / (1 << 20), purged);
    return st->total;
}

void spool_housekeep(spool *s, time_t now)
{
    pthread_mutex_lock(&s->aside_mu);
    bool due = s->purged_at == 0 || now - s->purged_at >= SPOOL_PURGE_EVERY || now < s->purged_at;
    pthread_mutex_unlock(&s->aside_mu);
    if (!due)
        return;
    spool_purge_stats st;
    spool_purge(s, now, &st);
}

uint64_t spool_purged(const spool *s)
{
    spool *m = (spool *)s;
    pthread_mutex_lock(&m->aside_mu);
    uint64_t v = m->purged;
    pthread_mutex_unlock(&m->aside_mu);
    return v;
}

/* Keeps DIR/sub within its bounds once a file was moved there (the age is left to spool_purge). */
static void sp_trim_aside(spool *s, const char *sub)
{
    pthread_mutex_lock(&s->aside_mu);
    uint64_t bytes = 0;
    unsigned n = sp_purge_dir(s, sub, 0, &bytes);
    if (n)
        sp_count_purged(s, n);
    spool_retention r = s->ret;
    pthread_mutex_unlock(&s->aside_mu);
    if (n)
        log_error("spool", "%s/%s is over its bound of %u file(s) or %.6g MB: its %u oldest file(s) deleted", s->dir,
                  sub, r.max_files, (double)r.max_bytes / (1 << 20), n);
}

/* Moves a waiting batch to DIR/sub/, never over a file already there. */
vg_code sp_set_aside(spool *s, const char *name, const char *sub, vg_err *err)
{
    int fd = openat(s->dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && mkdirat(s->dfd, sub, 0750) == 0)
        fd = openat(s->dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return vg_fail(err, VG_E_IO, "%s/%s: %s", s->dir, sub, strerror(errno));
    char target[SPOOL_NAME_MAX + 8];
    struct stat st;
    snprintf(target, sizeof target, "%s", name);
    for (int i = 1; i < 1000 && fstatat(fd, target, &st, AT_SYMLINK_NOFOLLOW) == 0; i++)
        snprintf(target, sizeof target, "%s.%d", name, i);
    vg_code rc = VG_OK;
    if (renameat(s->dfd, name, fd, target) != 0)
        rc = vg_fail(err, VG_E_IO, "cannot move %s/%s to %s/: %s", s->dir, name, sub, strerror(errno));
    else if (utimensat(fd, target, NULL, AT_SYMLINK_NOFOLLOW) != 0) /* its retention counts from now */
        log_warn("spool", "%s/%s/%s: cannot set its time: %s", s->dir, sub, target, strerror(errno));
    else if (fsync(fd) != 0 || fsync(s->dfd) != 0)
        rc = vg_fail(err, VG_E_IO, "%s: fsync: %s", s->dir, strerror(errno));
    close(fd);
    if (rc == VG_OK)
        sp_trim_aside(s, sub);
    return rc;
}

