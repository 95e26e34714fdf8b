/* rrd_store: the samples of a push into their RRD files, here (librrd) or in writer processes, with the
 * last update of every file known kept in a cache; through rrdcached, rrd_cached.c writes them instead.
 * What became of each sample: rrd_store_stats.c. */
#include "config.h"
#include "store/rrd_store.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <rrd.h>
#include <rrd_client.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "store/rrd_store_internal.h"
#include "store/rrd_writer.h"

/* librrd's last error about a file, named once (librrd names it in some messages, not in others). */
static void rs_rrd_error(char *err, size_t err_size, const char *path)
{
    const char *e = rrd_get_error();
    if (strncmp(e, path, strlen(path)) == 0)
        snprintf(err, err_size, "%s", e);
    else
        snprintf(err, err_size, "%s: %s", path, e);
}

/* Whether errno e, from a failed write, is a failure of the store rather than of one file: no space,
 * a read-only file system or no memory fails every file alike, and the batch must come again later
 * (an I/O error, EACCES or a damaged file is that file's). */
static void rs_note_errno(rrd_store *s, int e)
{
    if (e == ENOSPC || e == EDQUOT || e == EROFS || e == ENOMEM)
        s->store_failed = true;
}

/* A series' heartbeat: the longest gap between two samples that RRD still joins (a longer one leaves
 * the rows between unknown). 3 steps, or more for the metrics read in a slow sweep. */
static int rs_heartbeat(const rrd_store *s, const char *metric)
{
    for (size_t i = 0; i < s->nheartbeats; i++)
        if (strcmp(s->heartbeats[i].metric, metric) == 0)
            return s->heartbeats[i].seconds;
    return s->step * 3;
}

vg_code rrd_store_set_heartbeat(rrd_store *s, const char *metric, int seconds, vg_err *err)
{
    if (strlen(metric) >= sizeof s->heartbeats[0].metric)
        return vg_fail(err, VG_E_INVALID, "heartbeat of %s: the name is too long", metric);
    if (seconds < s->step * 3)
        seconds = s->step * 3; /* never shorter than any other series' */
    for (size_t i = 0; i < s->nheartbeats; i++)
        if (strcmp(s->heartbeats[i].metric, metric) == 0) {
            s->heartbeats[i].seconds = seconds;
            return VG_OK;
        }
    if (s->nheartbeats == RRD_HEARTBEATS_MAX)
        return vg_fail(err, VG_E_INVALID, "heartbeat of %s: more than %d metrics have their own", metric,
                       RRD_HEARTBEATS_MAX);
    snprintf(s->heartbeats[s->nheartbeats].metric, sizeof s->heartbeats[0].metric, "%s", metric);
    s->heartbeats[s->nheartbeats++].seconds = seconds;
    return VG_OK;
}

rrd_store *rrd_store_new(const char *data_dir, int step)
{
    rrd_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->dir, sizeof s->dir, "%s/rrd", data_dir);
    s->step = step;
    s->cache = calloc(RRD_CACHE_SLOTS, sizeof *s->cache);
    if (!s->cache || (mkdir(s->dir, 0750) != 0 && errno != EEXIST)) {
        free(s->cache);
        free(s);
        return NULL;
    }
    s->batch_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    /* realpath's own buffer: a caller's must hold PATH_MAX bytes (_FORTIFY_SOURCE aborts on a smaller one) */
    char *real = realpath(s->dir, NULL);
    snprintf(s->real_dir, sizeof s->real_dir, "%s", real ? real : s->dir);
    free(real);
    return s;
}

void rrd_store_free(rrd_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nwriters; i++)
        rrd_writer_free(s->writers[i]);
    for (size_t i = 0; i < RRD_CACHE_SLOTS; i++)
        free(s->cache[i].path);
    if (s->batch_fd >= 0)
        close(s->batch_fd);
    free(s->cache);
    pthread_mutex_destroy(&s->lock);
    free(s);
}


vg_code rrd_store_path(const rrd_store *s, const char *site, const char *device, const char *metric,
                       const char *instance, char *out, size_t size)
{
    char inst[INSTANCE_MAX_LEN * 3 + 1];
    if (!name_is_valid(site) || !name_is_valid(device) || !metric_name_is_valid(metric))
        return VG_E_INVALID;
    if (*instance && name_to_path_component(instance, inst, sizeof inst) != 0)
        return VG_E_INVALID;
    /* a file name is at most NAME_MAX bytes: an instance of 128 bytes is up to 384 once escaped */
    if (strlen(metric) + (*instance ? 1 + strlen(inst) : 0) + 4 > RRD_FILE_NAME_MAX)
        return VG_E_INVALID;
    int n = *instance ? snprintf(out, size, "%s/%s/%s/%s@%s.rrd", s->dir, site, device, metric, inst)
                      : snprintf(out, size, "%s/%s/%s/%s.rrd", s->dir, site, device, metric);
    return n > 0 && (size_t)n < size ? VG_OK : VG_E_INVALID;
}

vg_code rrd_store_admit(const rrd_store *s, const char *site, const push_sample *smp, bool *is_new, vg_err *err)
{
    char path[RRD_PATH_MAX], inst[INSTANCE_MAX_LEN * 3 + 1] = "";
    *is_new = false;
    if (rrd_store_path(s, site, smp->device, smp->metric, smp->instance, path, sizeof path) != VG_OK) {
        if (*smp->instance && name_to_path_component(smp->instance, inst, sizeof inst) == VG_OK &&
            strlen(smp->metric) + 1 + strlen(inst) + 4 > RRD_FILE_NAME_MAX)
            return vg_fail_field(err, VG_E_INVALID, "instance",
                                 "its file name would be %zu bytes once made path-safe (%%XX), more than %d",
                                 strlen(smp->metric) + 1 + strlen(inst) + 4, RRD_FILE_NAME_MAX);
        return vg_fail_field(err, VG_E_INVALID, "metric", "cannot be stored: its file name is invalid or too long");
    }
    struct stat st;
    if (stat(path, &st) == 0)
        return VG_OK; /* a file there that is not an RRD file is set aside by the writer (rs_set_aside_if_corrupt) */
    if (errno == ENOENT) {
        *is_new = true;
        return VG_OK;
    }
    /* ENOTDIR (a file where the device's folder should be), EACCES, ELOOP: every retry would fail too */
    return vg_fail(err, VG_E_IO, "%s: cannot be written: %s", path, strerror(errno));
}

/* The .rrd files of one folder (not the ones set aside: NAME.rrd.corrupt-TIME). */
static size_t rs_count_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        n += l > 4 && strcmp(e->d_name + l - 4, ".rrd") == 0;
    }
    closedir(d);
    return n;
}

size_t rrd_store_series_count(const rrd_store *s, const char *site, const char *device)
{
    char dir[RRD_PATH_MAX];
    if (!name_is_valid(site) || (device && !name_is_valid(device)))
        return 0;
    if (device) {
        snprintf(dir, sizeof dir, "%s/%s/%s", s->dir, site, device);
        return rs_count_dir(dir);
    }
    snprintf(dir, sizeof dir, "%s/%s", s->dir, site);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !name_is_valid(e->d_name))
            continue;
        char sub[RRD_PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%.*s", dir, NAME_MAX_LEN, e->d_name);
        n += rs_count_dir(sub);
    }
    closedir(d);
    return n;
}

vg_code rrd_store_disk_free(const rrd_store *s, uint64_t *bytes)
{
    struct statvfs v;
    if (statvfs(s->dir, &v) != 0)
        return VG_E_IO;
    *bytes = (uint64_t)v.f_bavail * (uint64_t)v.f_frsize;
    return VG_OK;
}

bool rrd_store_file_mappable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static uint32_t rs_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static rs_cache_entry *rs_cache_slot(rrd_store *s, const char *path, int *found)
{
    uint32_t h = rs_hash(path);
    for (uint32_t i = 0; i < 64; i++) {
        rs_cache_entry *e = &s->cache[(h + i) & (RRD_CACHE_SLOTS - 1)];
        if (!e->path) {
            *found = 0;
            return e;
        }
        if (strcmp(e->path, path) == 0) {
            *found = 1;
            return e;
        }
    }
    *found = 0;
    return NULL;
}

/* The last update of a file, when known: 1, else 0. */
static int rs_cache_get(rrd_store *s, const char *path, time_t *last)
{
    int found;
    rs_cache_entry *e = rs_cache_slot(s, path, &found);
    int known = e && found && e->last != RS_LAST_UNKNOWN;
    if (known)
        *last = e->last;
    return known;
}

/* Records a file's last update (RS_LAST_UNKNOWN: read it again). When the table is full the file is
 * simply looked up on disk each time. */
void rs_cache_put(rrd_store *s, const char *path, time_t last)
{
    int found;
    rs_cache_entry *e = rs_cache_slot(s, path, &found);
    if (e && !found)
        e->path = strdup(path);
    if (e && e->path)
        e->last = last;
}

static int rs_mkdirs(const char *path)
{
    char tmp[RRD_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *slash = strrchr(tmp, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

/* The archives of a new file. AVERAGE keeps every resolution users read: 2 days at the step, 14 days
 * at 5 steps, 400 days hourly, 5 years daily. MIN/MAX only draw the dashboard's band around the
 * average (web/app.js): its 24 h and 7 d views read the 5-step archive, the month view and the monthly
 * report the hourly one, older months the daily one; so MIN/MAX keep 7 days at 5 steps and 62 days
 * hourly (this month and the last), not 14 and 400. A 10 s step: 83,730 rows, about 660 KiB a file
 * (it was 124,146 rows, 976 KiB); 60 s: 29,010 rows, 232 KiB (was 385 KiB). Files made before keep
 * their archives: readers pick archives by what a file has. */
static int rs_archives(const rrd_store *s, char r[][64])
{
    int rows1 = 2 * 86400 / s->step, rows5 = 14 * 86400 / (5 * s->step), band5 = 7 * 86400 / (5 * s->step);
    int per_hour = 3600 / s->step > 0 ? 3600 / s->step : 1, per_day = 86400 / s->step;
    int hours = 400 * 24, band_hours = 62 * 24;
    int n = 0;
    snprintf(r[n++], 64, "RRA:AVERAGE:0.5:1:%d", rows1);
    snprintf(r[n++], 64, "RRA:AVERAGE:0.5:5:%d", rows5);
    snprintf(r[n++], 64, "RRA:AVERAGE:0.5:%d:%d", per_hour, hours);
    snprintf(r[n++], 64, "RRA:AVERAGE:0.5:%d:%d", per_day, 5 * 366);
    const char *cf[] = {"MIN", "MAX"};
    for (int i = 0; i < 2; i++) {
        snprintf(r[n++], 64, "RRA:%s:0.5:5:%d", cf[i], band5);
        snprintf(r[n++], 64, "RRA:%s:0.5:%d:%d", cf[i], per_hour, band_hours);
        snprintf(r[n++], 64, "RRA:%s:0.5:%d:%d", cf[i], per_day, 5 * 366);
    }
    return n;
}

uint64_t rrd_store_file_bytes(const rrd_store *s)
{
    char r[12][64];
    int n = rs_archives(s, r);
    uint64_t rows = 0;
    for (int i = 0; i < n; i++)
        rows += strtoull(strrchr(r[i], ':') + 1, NULL, 10);
    return rows * 8 + 4096; /* 8 bytes a row, and the header */
}

/* Makes the file of a series: 0, or -1 with *e its errno and err the message. A file that another
 * thread made meanwhile is kept as it is (no_overwrite: EEXIST is taken as made). */
static int rs_make_file(const rrd_store *s, const char *path, const push_sample *first_sample, int *e, char *err,
                        size_t err_size)
{
    time_t first = (time_t)first_sample->ts;
    char ds[64];
    snprintf(ds, sizeof ds, "DS:value:GAUGE:%d:U:U", rs_heartbeat(s, first_sample->metric));
    char r[12][64];
    int n = rs_archives(s, r);
    const char *argv[16];
    int argc = 0;
    argv[argc++] = ds;
    for (int i = 0; i < n; i++)
        argv[argc++] = r[i];
    if (rs_mkdirs(path) != 0) {
        *e = errno;
        snprintf(err, err_size, "%s: cannot create its folder: %s", path, strerror(*e));
        return -1;
    }
    /* the file starts at the step boundary before the first sample, so that the sample fills its whole
     * first row: started a second before it, the row was more than half unknown, hence unknown, when
     * the sample came late in its step */
    time_t start = first > 0 ? (first - 1) / s->step * s->step : 0;
    rrd_clear_error();
    errno = 0;
    if (rrd_create_r2(path, (unsigned long)s->step, start, 1, NULL, NULL, argc, argv) != 0) {
        *e = errno;
        struct stat st;
        if (*e == EEXIST || (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0))
            return 0;
        rs_rrd_error(err, err_size, path);
        return -1;
    }
    return 0;
}

static int rs_create_file(rrd_store *s, const char *path, const push_sample *first, char *err, size_t err_size)
{
    int e = 0;
    if (rs_make_file(s, path, first, &e, err, err_size) == 0)
        return 0;
    rs_note_errno(s, e);
    return -1;
}

vg_code rrd_store_create(const rrd_store *s, const char *site, const push_sample *first, vg_err *err)
{
    char path[RRD_PATH_MAX], msg[VG_ERR_MAX];
    if (rrd_store_path(s, site, first->device, first->metric, first->instance, path, sizeof path) != VG_OK)
        return vg_fail_field(err, VG_E_INVALID, "metric", "cannot be stored: its file name is invalid or too long");
    struct stat st;
    if (stat(path, &st) == 0)
        return VG_OK;
    int e = 0;
    if (rs_make_file(s, path, first, &e, msg, sizeof msg) != 0)
        return vg_fail(err, VG_E_IO, "%s", msg);
    return VG_OK;
}

/* Last update time of a file, created if missing. -1 on error. */
int rs_last(rrd_store *s, const char *path, const push_sample *first, time_t *last, char *err, size_t err_size)
{
    if (rs_cache_get(s, path, last))
        return 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (rs_create_file(s, path, first, err, err_size) != 0)
            return -1;
        *last = (time_t)first->ts - 1;
    } else if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        snprintf(err, err_size, "%s: not an RRD file (%s)", path, S_ISREG(st.st_mode) ? "empty" : "not a regular file");
        return -1;
    } else {
        rrd_clear_error();
        time_t t = (time_t)-1;
        if (!s->daemon[0]) {
            t = rrd_last_r(path);
        } else { /* rrdcached may hold updates the file does not show yet: ask it */
            if (rs_daemon(s, err, err_size) != 0)
                return -1;
            t = rrdc_last(path);
        }
        if (t == (time_t)-1) {
            rs_rrd_error(err, err_size, path);
            return -1;
        }
        *last = t;
    }
    rs_cache_put(s, path, *last);
    return 0;
}

static int rs_cmp_sample(const void *a, const void *b)
{
    const push_sample *x = *(const push_sample *const *)a, *y = *(const push_sample *const *)b;
    return push_sample_cmp(x, y);
}

/* A file librrd cannot even describe is damaged (truncated, overwritten): it is renamed aside,
 * reported, and a new file takes its place, so that one bad file does not refuse every batch. A file
 * that librrd can describe is left alone (a full disk is not corruption). Returns 1 when set aside. */
int rs_set_aside_if_corrupt(rrd_store *s, const char *path)
{
    rrd_clear_error();
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (!rrd_store_file_mappable(path)) /* never handed to librrd: see rrd_store_file_mappable */
        rrd_set_error("%s", S_ISREG(st.st_mode) ? "empty file" : "not a regular file");
    else {
        rrd_info_t *info = rrd_info_r(path);
        if (info) {
            rrd_info_free(info);
            return 0;
        }
    }
    char aside[RRD_PATH_MAX + 32];
    snprintf(aside, sizeof aside, "%s.corrupt-%lld", path, (long long)time(NULL));
    if (rename(path, aside) != 0)
        return 0;
    log_error("rrd", "%s is damaged (%s): set aside as %s, a new file replaces it", path, rrd_get_error(), aside);
    s->corrupt++;
    rs_cache_put(s, path, RS_LAST_UNKNOWN); /* the next write looks at the disk again and creates the file */
    return 1;
}

/* Writes the run of samples of one series (oldest first) with one update. */
int rs_write_series_once(rrd_store *s, const char *path, const push_sample **run, size_t n,
                                rrd_store_stats *st, char *err, size_t err_size)
{
    time_t last;
    if (rs_last(s, path, run[0], &last, err, err_size) != 0)
        return -1;
    char (*vals)[48] = malloc(n * sizeof *vals);
    const char **argv = malloc(n * sizeof *argv);
    if (!vals || !argv) {
        free(vals);
        free(argv);
        snprintf(err, err_size, "out of memory");
        s->store_failed = true;
        return -1;
    }
    int argc = 0;
    for (size_t i = 0; i < n; i++) {
        if ((time_t)run[i]->ts <= last) {
            rs_mark(s, st, run[i], (time_t)run[i]->ts == last ? RRD_SAMPLE_DUPLICATE : RRD_SAMPLE_STALE);
            continue;
        }
        rs_mark(s, st, run[i], RRD_SAMPLE_WRITTEN); /* all of the run fails if the update does */
        snprintf(vals[argc], sizeof vals[argc], "%lld:%.17g", (long long)run[i]->ts, run[i]->value);
        argv[argc] = vals[argc];
        argc++;
        last = (time_t)run[i]->ts;
    }
    int rc = 0;
    /* a file known from the cache may have been emptied since: checked where librrd would misread its name */
    if (argc > 0 && strchr(path, '%') && !rrd_store_file_mappable(path)) {
        snprintf(err, err_size, "%s: not an RRD file (empty or not a regular file)", path);
        rc = -1;
        argc = 0;
    }
    if (argc > 0) {
        rrd_clear_error();
        /* through rrdcached only to write again a file that was set aside (rs_batch_settle) */
        int connected = !s->daemon[0] || rs_daemon(s, err, err_size) == 0;
        errno = 0;
        int failed = !connected || (s->daemon[0] ? rrdc_update(path, argc, argv) : rrd_update_r(path, NULL, argc, argv)) != 0;
        if (failed) {
            int e = errno;
            if (connected) /* else err already says why there is no connection */
                rs_rrd_error(err, err_size, path);
            rs_note_errno(s, e);
            rc = -1;
        } else {
            rs_cache_put(s, path, last);
        }
    }
    free(vals);
    free(argv);
    return rc;
}

static int rs_write_series(rrd_store *s, const char *site, const push_sample **run, size_t n,
                           rrd_store_stats *st, char *err, size_t err_size)
{
    char path[RRD_PATH_MAX];
    if (rrd_store_path(s, site, run[0]->device, run[0]->metric, run[0]->instance, path, sizeof path) != 0) {
        snprintf(err, err_size, "invalid name for %s/%s/%s", site, run[0]->device, run[0]->metric);
        return -1;
    }
    int rc = rs_write_series_once(s, path, run, n, st, err, err_size);
    if (rc != 0 && !s->store_failed && rs_set_aside_if_corrupt(s, path))
        rc = rs_write_series_once(s, path, run, n, st, err, err_size);
    return rc;
}

/* Writes the runs one after the other. A series whose file fails fails alone (its samples marked,
 * the reason kept) and the others are written; a failure of the store stops the batch, which is then
 * refused as a whole (what was written comes back as duplicates when it is sent again). One thread:
 * librrd maps and unmaps the file at each update, and threads of one process doing that contend for
 * the process's memory map (its lock and TLB shootdowns): with two or four writer threads a value cost
 * 15 to 190 % more CPU and the rate fell on 2 cores. */
static int rs_write_runs(rrd_store *s, const char *site, const push_sample **order, const size_t *runs,
                         size_t nruns, rrd_store_stats *st, char *err, size_t err_size)
{
    for (size_t r = 0; r < nruns; r++) {
        char why[RRD_STORE_REASON_MAX] = "";
        if (rs_write_series(s, site, order + runs[r], runs[r + 1] - runs[r], st, why, sizeof why) == 0)
            continue;
        if (s->store_failed) {
            snprintf(err, err_size, "%s", why);
            return -1;
        }
        rs_fail_series(s, st, order + runs[r], runs[r + 1] - runs[r], why);
    }
    return 0;
}


static vg_code rs_write_here(void *ctx, const char *site, const push_batch *b, rrd_store_stats *st, vg_err *err)
{
    rrd_store *s = ctx;
    size_t n = push_batch_count(b);
    if (rrd_store_stats_init(st, n) != VG_OK)
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    if (n == 0)
        return VG_OK;
    const push_sample **order = malloc(n * sizeof *order);
    size_t *runs = malloc((n + 1) * sizeof *runs);
    if (!order || !runs) {
        free(order);
        free(runs);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        order[i] = push_batch_at(b, i);
    qsort(order, n, sizeof *order, rs_cmp_sample);
    size_t nruns = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || !rs_same_series(order[i - 1], order[i]))
            runs[nruns++] = i;
    runs[nruns] = n;
    s->base = push_batch_at(b, 0);
    s->store_failed = false;
    char msg[VG_ERR_MAX] = "";
    int rc = s->daemon[0] ? rs_batch_write(s, site, order, runs, nruns, st, msg, sizeof msg)
                          : rs_write_runs(s, site, order, runs, nruns, st, msg, sizeof msg);
    s->base = NULL;
    free(runs);
    free(order);
    rrd_store_stats_count(st);
    return rc == 0 ? VG_OK : vg_fail(err, VG_E_IO, "%s", msg[0] ? msg : "the RRD files could not be written");
}

/* The writer of a sample's file: by its device, so that a device's folder and files have one writer. */
static size_t rs_route(const push_sample *smp, size_t n)
{
    return rs_hash(smp->device) % n;
}

vg_code rrd_store_write(rrd_store *s, const char *site, const push_batch *b, rrd_store_stats *st, vg_err *err)
{
    vg_err e;
    vg_clear(&e);
    vg_code rc;
    if (s->nwriters && !s->daemon[0]) { /* the writers queue concurrent batches themselves */
        rc = rrd_writer_write_split(s->writers, s->nwriters, rs_route, site, b, st, &e);
    } else {
        pthread_mutex_lock(&s->lock);
        rc = rs_write_here(s, site, b, st, &e);
        pthread_mutex_unlock(&s->lock);
    }
    /* a writer process that died failed this write whole, as the store does (the batch comes again) */
    return rc == VG_OK ? VG_OK : vg_fail(err, VG_E_IO, "%s", e.msg[0] ? e.msg : "the RRD files could not be written");
}

vg_code rrd_store_start_writer(rrd_store *s, vg_err *err)
{
    if (s->daemon[0] || s->nwriters) /* rrdcached is already a writer process of its own */
        return VG_OK;
    vg_err e;
    /* one per core: each is one process writing one file at a time */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cores < 1 ? 1 : cores > RS_WRITERS_MAX ? RS_WRITERS_MAX : (size_t)cores;
    /* each child writes with its own copy of this store, through rs_write_here; the files of a device
     * always go to the same one (rs_route), so that its cache and a file's updates stay in one process */
    for (size_t i = 0; i < n; i++) {
        s->writers[i] = rrd_writer_start(rs_write_here, s, &e);
        if (!s->writers[i]) {
            for (size_t j = 0; j < i; j++)
                rrd_writer_free(s->writers[j]);
            return vg_fail(err, VG_E_UNAVAILABLE, "%s", e.msg);
        }
    }
    s->nwriters = n;
    return VG_OK;
}

void rrd_store_check_writers(rrd_store *s)
{
    for (size_t i = 0; i < s->nwriters; i++) {
        vg_err err;
        if (rrd_writer_check(s->writers[i], &err) != VG_OK)
            log_error("rrd", "%s", err.msg);
    }
}

unsigned long rrd_store_writer_restarts(const rrd_store *s)
{
    unsigned long n = 0;
    for (size_t i = 0; i < s->nwriters; i++)
        n += rrd_writer_restarts(s->writers[i]);
    return n;
}

size_t rrd_store_writer_pids(const rrd_store *s, pid_t *pids, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nwriters && n < max; i++)
        pids[n++] = rrd_writer_pid(s->writers[i]);
    return n;
}
