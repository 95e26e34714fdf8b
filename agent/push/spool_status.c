/* --spool-status: what a spool folder holds, read without its lock (the agent may be running). */
#include "config.h"
#include "push/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The first line of dfd/name, "" when it cannot be read. */
static void ss_read(int dfd, const char *name, char *buf, size_t size)
{
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t got = fd >= 0 ? read(fd, buf, size - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[got > 0 ? got : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

static void ss_print_time(FILE *out, const char *what, time_t t)
{
    char when[40];
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    fprintf(out, "%s%s", what, when);
}

/* Batch files in dir/sub (sub NULL: dir): count, bytes, and the oldest's number and time (in a folder
 * set aside, sub not NULL: the earliest time, that of the file set aside first). */
static int ss_count_dir(int dfd, const char *sub, bool suffix, size_t *n, uint64_t *bytes, uint64_t *oldest,
                        time_t *oldest_t)
{
    int fd = sub ? openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    *n = 0;
    *bytes = 0;
    *oldest = 0;
    *oldest_t = 0;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return errno == ENOENT ? 0 : -1;
    }
    rewinddir(d);
    struct dirent *de;
    uint64_t seq;
    while ((de = readdir(d))) {
        struct stat st;
        if (strlen(de->d_name) >= 48 || !spool_parse_name(de->d_name, suffix, &seq) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (*n == 0 || (sub ? st.st_mtime < *oldest_t : seq < *oldest)) {
            *oldest = seq;
            *oldest_t = st.st_mtime;
        }
        (*n)++;
        *bytes += (uint64_t)st.st_size;
    }
    closedir(d);
    return 0;
}

/* Batch files of dfd numbered at least low. */
static size_t ss_count_from(int dfd, uint64_t low)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    rewinddir(d);
    size_t n = 0;
    uint64_t seq;
    for (struct dirent *de; (de = readdir(d));)
        n += strlen(de->d_name) < 48 && spool_parse_name(de->d_name, false, &seq) && seq >= low;
    closedir(d);
    return n;
}

/* With several servers: a line per server (DIR/server-*: "low high behind skipped\nURL"). */
static void ss_print_servers(int dfd, FILE *out)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    for (struct dirent *de; (de = readdir(d));) {
        if (strncmp(de->d_name, "server-", 7) != 0 || strlen(de->d_name) != 7 + 16)
            continue;
        char buf[1300] = "";
        int sfd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t got = sfd >= 0 ? read(sfd, buf, sizeof buf - 1) : -1;
        if (sfd >= 0)
            close(sfd);
        buf[got > 0 ? got : 0] = '\0';
        unsigned long long low, high, skipped;
        unsigned behind;
        char *nl = strchr(buf, '\n');
        if (!nl || sscanf(buf, "%llu %llu %u %llu", &low, &high, &behind, &skipped) != 4)
            continue;
        char *url = nl + 1;
        url[strcspn(url, "\n")] = '\0';
        fprintf(out, "server %s: %zu batch(es) waiting for it, the last it stored %llu", url,
                ss_count_from(dfd, low), high);
        if (behind)
            fprintf(out, "; BEHIND: it lacked more than server_backlog_mb, %llu batch(es) given up for it", skipped);
        fputc('\n', out);
    }
    closedir(d);
}

vg_code spool_status_print(const char *dir, FILE *out, vg_err *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return vg_fail(err, VG_E_IO, "spool %s: %s", dir, strerror(errno));
    size_t n;
    uint64_t bytes, oldest;
    time_t t;
    if (ss_count_dir(dfd, NULL, false, &n, &bytes, &oldest, &t) != 0) {
        close(dfd);
        return vg_fail(err, VG_E_IO, "spool %s: %s", dir, strerror(errno));
    }
    fprintf(out, "spool: %s\n", dir);
    fprintf(out, "waiting: %zu batch(es), %" PRIu64 " bytes", n, bytes);
    if (n) {
        char when[40];
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        fprintf(out, ", oldest %" PRIu64 " spooled at %s", oldest, when);
    }
    fputc('\n', out);
    static const char *const aside[SPOOL_ASIDE_DIRS] = {"rejected", "corrupt", "dead", "duplicate"};
    size_t all = 0;
    uint64_t all_bytes = 0;
    time_t all_oldest = 0;
    for (size_t i = 0; i < SPOOL_ASIDE_DIRS; i++) {
        size_t k = 0;
        ss_count_dir(dfd, aside[i], true, &k, &bytes, &oldest, &t);
        fprintf(out, "%s: %zu\n", aside[i], k);
        if (k && (all == 0 || t < all_oldest))
            all_oldest = t;
        all += k;
        all_bytes += bytes;
    }
    fprintf(out, "set aside: %zu file(s), %" PRIu64 " bytes", all, all_bytes);
    if (all)
        ss_print_time(out, ", the oldest set aside at ", all_oldest);
    fputc('\n', out);
    char buf[1000];
    ss_read(dfd, "dropped", buf, sizeof buf);
    fprintf(out, "dropped: %llu\n", strtoull(buf, NULL, 10));
    ss_read(dfd, "purged", buf, sizeof buf);
    fprintf(out, "purged: %llu file(s) set aside, deleted by the retention", strtoull(buf, NULL, 10));
    struct stat pst;
    if (strtoull(buf, NULL, 10) && fstatat(dfd, "purged", &pst, AT_SYMLINK_NOFOLLOW) == 0)
        ss_print_time(out, ", the last at ", pst.st_mtime);
    fputc('\n', out);
    ss_read(dfd, "status", buf, sizeof buf);
    long long when = 0;
    int used = 0;
    if (sscanf(buf, "%lld %n", &when, &used) == 1 && used > 0) {
        char ts[40];
        time_t w = (time_t)when;
        struct tm tm;
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&w, &tm));
        fprintf(out, "last push: %s %s\n", ts, buf + used);
    } else {
        fprintf(out, "last push: none recorded\n");
    }
    ss_print_servers(dfd, out);
    close(dfd);
    return VG_OK;
}
