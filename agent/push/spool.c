#include "config.h"
#include "push/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/scapi.h>

#include "fdio.h"
#include "log.h"
#include "push.h"
#include "push/spool_internal.h"

static const char *const spool_aside_dirs[SPOOL_ASIDE_DIRS] = {"rejected", "corrupt", "dead", "duplicate"};

const char *sp_aside_dir(sp_aside a)
{
    return a >= SP_ASIDE_REJECTED && a <= SP_ASIDE_DUPLICATE ? spool_aside_dirs[a - 1] : NULL;
}

void sp_name(uint64_t seq, char *out, size_t size)
{
    snprintf(out, size, "%0*" PRIu64 ".json", SPOOL_DIGITS, seq);
}

bool spool_parse_name(const char *name, bool suffix, uint64_t *seq)
{
    uint64_t v = 0;
    for (int i = 0; i < SPOOL_DIGITS; i++) {
        if (name[i] < '0' || name[i] > '9')
            return false;
        uint64_t d = (uint64_t)(name[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (strncmp(name + SPOOL_DIGITS, ".json", 5) != 0)
        return false;
    if (name[SPOOL_NAME_LEN] && !(suffix && name[SPOOL_NAME_LEN] == '.'))
        return false;
    *seq = v;
    return true;
}

/* ---- the check that ends each file ----------------------------------------------------------
 *
 * A spooled batch ends with one more member, ,"spool":"sha256=HEX seq=N agent=NAME"} where HEX is the
 * SHA-256 of every byte before it: replay checks a batch (corruption, its number, its agent) without
 * decoding it, and the file is still JSON for people and tools. What is sent is the batch without that
 * member. Files without it (written by an older agent) are checked by decoding them. */

#define SP_CHECK_KEY ",\"spool\":\""
#define SP_HASH_LEN 32

static int sp_sha256(const char *data, size_t len, char hex[2 * SP_HASH_LEN + 1])
{
    u_char mac[SP_HASH_LEN];
    size_t mac_len = sizeof mac;
    if (sc_hash_type(NETSNMP_USMAUTH_HMAC192SHA256, (const u_char *)data, len, mac, &mac_len) != SNMPERR_SUCCESS ||
        mac_len != SP_HASH_LEN)
        return -1;
    for (size_t i = 0; i < SP_HASH_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    return 0;
}

/* The member that ends the spooled file of `body` (a JSON object: its last byte is its '}'). */
static int sp_check_member(const spool *s, uint64_t seq, const char *body, size_t len, char *out, size_t size)
{
    char hex[2 * SP_HASH_LEN + 1];
    if (len < 2 || body[len - 1] != '}' || sp_sha256(body, len - 1, hex) != 0)
        return -1;
    int n = snprintf(out, size, SP_CHECK_KEY "sha256=%s seq=%" PRIu64 " agent=%s\"}", hex, seq, s->agent);
    return n > 0 && (size_t)n < size ? n : -1;
}

/* Checks the member that ends a spooled file and, when it holds, cuts it off: buf becomes the batch
 * as the agent made it (*len updated). */
sp_check_result sp_check_file(const spool *s, uint64_t seq, char *buf, size_t *len, char *why, size_t why_size)
{
    size_t n = *len, key = strlen(SP_CHECK_KEY), hexlen = 2 * SP_HASH_LEN;
    if (n < 2 || buf[n - 2] != '"' || buf[n - 1] != '}')
        return SP_CHECK_NONE;
    size_t at = n, scan = n > 200 + NAME_MAX_LEN ? n - 200 - NAME_MAX_LEN : 0;
    while (at > scan && !(buf[at - 1] == ',' && strncmp(buf + at - 1, SP_CHECK_KEY, key) == 0))
        at--;
    if (at == scan)
        return SP_CHECK_NONE;
    at--; /* the ',' that starts the member: the batch is buf[0, at) + "}" */
    const char *v = buf + at + key;
    char hex[2 * SP_HASH_LEN + 1], agent[NAME_MAX_LEN + 2];
    uint64_t inner;
    int used = 0;
    if (buf + n - v < (ptrdiff_t)(7 + hexlen + 2) || strncmp(v, "sha256=", 7) != 0 || sscanf(v + 7 + hexlen, " seq=%" SCNu64 " agent=%n", &inner, &used) != 1 ||
        used == 0) {
        snprintf(why, why_size, "its check does not read \"sha256=... seq=... agent=...\"");
        return SP_CHECK_BAD;
    }
    const char *name = v + 7 + hexlen + used, *end = buf + n - 2;
    if (end - name < 1 || end - name > NAME_MAX_LEN) {
        snprintf(why, why_size, "its check names no agent");
        return SP_CHECK_BAD;
    }
    memcpy(agent, name, (size_t)(end - name));
    agent[end - name] = '\0';
    if (sp_sha256(buf, at, hex) != 0 || strncmp(v + 7, hex, hexlen) != 0) {
        snprintf(why, why_size, "its content does not match its SHA-256");
        return SP_CHECK_BAD;
    }
    if (inner != seq) {
        snprintf(why, why_size, "holds batch %" PRIu64 ", not %" PRIu64, inner, seq);
        return SP_CHECK_BAD;
    }
    if (strcmp(agent, s->agent) != 0) {
        snprintf(why, why_size, "a batch of agent %s, and this agent is %s", agent, s->agent);
        return SP_CHECK_FOREIGN;
    }
    buf[at] = '}';
    buf[at + 1] = '\0';
    *len = at + 1;
    return SP_CHECK_OK;
}

double sp_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- files ---------------------------------------------------------------------------------- */

/* Writes data then more (may be NULL) to dfd/name atomically and durably: temp file, fsync, rename,
 * fsync of the folder. */
static vg_code sp_write_file2(const spool *s, const char *name, const char *data, size_t len, const char *more,
                              size_t more_len, vg_err *err)
{
    char tmp[SPOOL_NAME_MAX + 8];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    int fd = openat(s->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return vg_fail(err, VG_E_IO, "%s/%s: %s", s->dir, tmp, strerror(errno));
    const char *step = "write";
    int ok = fd_write_all(fd, data, len) == 0 && (!more || fd_write_all(fd, more, more_len) == 0) &&
             (step = "fsync", fsync(fd) == 0);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
        step = "close";
    }
    if (ok && renameat(s->dfd, tmp, s->dfd, name) != 0) {
        ok = 0;
        saved = errno;
        step = "rename";
    }
    if (!ok) {
        unlinkat(s->dfd, tmp, 0);
        return vg_fail(err, VG_E_IO, "%s/%s: %s: %s", s->dir, name, step, strerror(saved));
    }
    if (fsync(s->dfd) != 0)
        return vg_fail(err, VG_E_IO, "%s: fsync: %s", s->dir, strerror(errno));
    return VG_OK;
}

vg_code sp_write_file(const spool *s, const char *name, const char *data, size_t len, vg_err *err)
{
    return sp_write_file2(s, name, data, len, NULL, 0, err);
}

/* Reads a small counter file ("123\n"). 1 if absent, -1 if it does not hold a number. */
static int sp_read_u64(const spool *s, const char *name, uint64_t *out)
{
    int fd = openat(s->dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    uint64_t v = 0;
    int i = 0;
    for (; buf[i] >= '0' && buf[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(buf[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (i == 0 || !(buf[i] == '\0' || (buf[i] == '\n' && buf[i + 1] == '\0')))
        return -1;
    *out = v;
    return 0;
}

vg_code sp_write_u64(const spool *s, const char *name, uint64_t v, vg_err *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRIu64 "\n", v);
    return sp_write_file(s, name, buf, (size_t)n, err);
}

static vg_code sp_mkdirs(const char *path, vg_err *err)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", path);
    for (char *c = p + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char keep = *c;
            *c = '\0';
            if (mkdir(p, 0750) != 0 && errno != EEXIST)
                return vg_fail(err, VG_E_IO, "cannot create %s: %s", p, strerror(errno));
            *c = keep;
            if (!keep)
                break;
        }
    }
    return VG_OK;
}

/* ---- the index of waiting batches ----------------------------------------------------------- */

static int sp_entry_cmp(const void *a, const void *b)
{
    const spool_entry *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The servers' counts of what waits for them, as entry e joins (sign 1) or leaves (-1) them. */
static void sp_count_servers(spool *s, const spool_entry *e, int sign)
{
    for (size_t k = 0; k < s->nservers; k++) {
        if (!(e->need & (1u << k)))
            continue;
        if (sign > 0) {
            s->srv[k].count++;
            s->srv[k].bytes += e->size;
        } else {
            s->srv[k].count--;
            s->srv[k].bytes -= e->size;
        }
    }
}

long sp_index_find(const spool *s, uint64_t seq)
{
    size_t lo = 0, hi = s->count; /* the index is in order: a binary search */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->e[s->head + mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->count && s->e[s->head + lo].seq == seq ? (long)(s->head + lo) : -1;
}

static int sp_index_add(spool *s, uint64_t seq, uint64_t size, uint8_t need)
{
    for (size_t i = s->count; i > 0 && s->e[s->head + i - 1].seq >= seq; i--) {
        spool_entry *e = &s->e[s->head + i - 1];
        if (e->seq == seq) { /* written again: replaced */
            sp_count_servers(s, e, -1);
            s->bytes -= e->size;
            e->size = size;
            s->bytes += size;
            sp_count_servers(s, e, 1);
            return 0;
        }
    }
    if (s->head > 0 && s->head + s->count == s->cap) {
        memmove(s->e, s->e + s->head, s->count * sizeof *s->e);
        s->head = 0;
    }
    if (s->head + s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        spool_entry *e = realloc(s->e, cap * sizeof *e);
        if (!e)
            return -1;
        s->e = e;
        s->cap = cap;
    }
    size_t i = s->head + s->count; /* keep the order: nearly always appended at the end */
    while (i > s->head && s->e[i - 1].seq > seq) {
        s->e[i] = s->e[i - 1];
        i--;
    }
    s->e[i] = (spool_entry){.seq = seq, .size = size, .need = need};
    s->count++;
    s->bytes += size;
    sp_count_servers(s, &s->e[i], 1);
    for (size_t k = 0; k < s->nservers; k++) /* spooled late, behind a newer one: still to be sent */
        if ((need & (1u << k)) && seq < s->srv[k].low) {
            s->srv[k].low = seq;
            s->srv[k].dirty = true;
        }
    return 0;
}

void sp_index_remove(spool *s, size_t at)
{
    spool_entry *e = &s->e[at];
    sp_count_servers(s, e, -1);
    s->bytes -= e->size;
    if (at == s->head) {
        s->head++;
    } else { /* rare: the oldest are nearly always the ones no server needs any more */
        memmove(e, e + 1, (s->head + s->count - at - 1) * sizeof *e);
    }
    if (--s->count == 0)
        s->head = 0;
}

/* Indexes DIR's batch files and removes the temp files a crash may have left. */
static vg_code sp_scan(spool *s, vg_err *err)
{
    int fd = dup(s->dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return vg_fail(err, VG_E_IO, "%s: %s", s->dir, strerror(errno));
    }
    rewinddir(d);
    struct dirent *de;
    vg_code rc = VG_OK;
    while (rc == VG_OK && (de = readdir(d))) {
        uint64_t seq;
        size_t len = strlen(de->d_name);
        struct stat st;
        if (de->d_name[0] == '.' && len > 5 && strcmp(de->d_name + len - 4, ".tmp") == 0) {
            unlinkat(s->dfd, de->d_name, 0); /* a write that never completed: its batch was not spooled */
        } else if (spool_parse_name(de->d_name, false, &seq) &&
                   fstatat(s->dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
            if (s->count == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                spool_entry *e = realloc(s->e, cap * sizeof *e);
                if (!e) {
                    rc = vg_fail(err, VG_E_NOMEM, "%s: out of memory", s->dir);
                    break;
                }
                s->e = e;
                s->cap = cap;
            }
            s->e[s->count++] = (spool_entry){.seq = seq, .size = (uint64_t)st.st_size, .need = 1};
            s->bytes += (uint64_t)st.st_size;
        }
    }
    closedir(d);
    if (s->count > 1)
        qsort(s->e, s->count, sizeof *s->e, sp_entry_cmp);
    return rc;
}

/* ---- open, close, sequence numbers ---------------------------------------------------------- */

static vg_code sp_lock(spool *s, vg_err *err)
{
    s->lock_fd = openat(s->dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (s->lock_fd < 0)
        return vg_fail(err, VG_E_IO, "%s/lock: %s", s->dir, strerror(errno));
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return vg_fail(err, VG_E_IO, "%s/lock: %s", s->dir, strerror(errno));
        char pid[24] = "", who[48] = "";
        ssize_t n = pread(s->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (pid[0])
            snprintf(who, sizeof who, " (pid %s)", pid);
        return vg_fail(err, VG_E_CONFLICT,
                       "spool %s is in use by another vigie-agent%s: give each agent its own spool_dir", s->dir, who);
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(s->lock_fd, 0) != 0 || pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
        return vg_fail(err, VG_E_IO, "%s/lock: %s", s->dir, strerror(errno));
    return VG_OK;
}

spool *spool_open(const char *dir, const char *agent, uint64_t max_bytes, vg_err *err)
{
    spool *s = calloc(1, sizeof *s);
    if (!s) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        return NULL;
    }
    s->dfd = s->lock_fd = -1;
    s->max_bytes = max_bytes;
    s->ret = (spool_retention){SPOOL_KEEP_DAYS, SPOOL_KEEP_FILES, max_bytes};
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->aside_mu, NULL);
    sp_servers_init(s);
    if (!dir[0] || strlen(dir) >= sizeof s->dir - SPOOL_NAME_MAX - 16) {
        vg_fail(err, VG_E_INVALID, "spool folder name empty or too long");
        goto fail;
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->agent, sizeof s->agent, "%s", agent);
    if (sp_mkdirs(dir, err) != VG_OK)
        goto fail;
    s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dfd < 0) {
        vg_fail(err, VG_E_IO, "%s: %s", dir, strerror(errno));
        goto fail;
    }
    if (sp_lock(s, err) != VG_OK)
        goto fail;
    for (size_t i = 0; i < sizeof spool_aside_dirs / sizeof *spool_aside_dirs; i++) {
        if (mkdirat(s->dfd, spool_aside_dirs[i], 0750) != 0 && errno != EEXIST) {
            vg_fail(err, VG_E_IO, "cannot create %s/%s: %s", dir, spool_aside_dirs[i], strerror(errno));
            goto fail;
        }
    }
    if (sp_scan(s, err) != VG_OK)
        goto fail;
    int rc = sp_read_u64(s, "dropped", &s->dropped);
    if (rc < 0)
        log_warn("spool", "%s/dropped does not hold a number: the count of dropped batches starts again", dir);
    if (sp_read_u64(s, "purged", &s->purged) < 0)
        log_warn("spool", "%s/purged does not hold a number: the count of purged files starts again", dir);
    rc = sp_read_u64(s, "seq", &s->last_seq);
    if (rc < 0)
        log_warn("spool", "%s/seq does not hold a number: sequence numbers start again from the time", dir);
    if (rc != 0) /* a new spool: a time-based start keeps numbers growing across a lost spool */
        s->last_seq = (uint64_t)time(NULL) * 1000 - 1;
    if (s->count && s->e[s->count - 1].seq > s->last_seq)
        s->last_seq = s->e[s->count - 1].seq;
    s->srv[0].count = s->count;
    s->srv[0].bytes = s->bytes;
    if (s->count) /* it may have been on its way when the last agent stopped */
        s->srv[0].unsure_upto = s->srv[0].unsure_seq = s->e[s->head].seq;
    return s;
fail:
    spool_close(s);
    return NULL;
}

void spool_close(spool *s)
{
    if (!s)
        return;
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    if (s->dfd >= 0)
        close(s->dfd);
    free(s->e);
    for (size_t k = 0; k < SPOOL_SERVERS_MAX; k++)
        pthread_mutex_destroy(&s->srv[k].file_mu);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->aside_mu);
    free(s);
}

vg_code spool_next_seq(spool *s, uint64_t *seq, vg_err *err)
{
    pthread_mutex_lock(&s->mu);
    *seq = s->last_seq + 1;
    /* a number is given only once it is on disk: one not recorded could be given again after a
     * restart, and the server would take the second batch for the first */
    vg_code rc = sp_write_u64(s, "seq", *seq, err);
    if (rc == VG_OK)
        s->last_seq = *seq;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

#define SP_GET(type, name, expr)                                                                                   \
    type name(const spool *s)                                                                                      \
    {                                                                                                              \
        spool *m = (spool *)s;                                                                                     \
        pthread_mutex_lock(&m->mu);                                                                                \
        type v = (expr);                                                                                           \
        pthread_mutex_unlock(&m->mu);                                                                              \
        return v;                                                                                                  \
    }
SP_GET(size_t, spool_count, s->count)
SP_GET(uint64_t, spool_bytes, s->bytes)
SP_GET(uint64_t, spool_dropped, s->dropped)
SP_GET(uint64_t, spool_last_seq, s->last_seq)
SP_GET(uint64_t, spool_dead, s->dead)
SP_GET(uint64_t, spool_duplicates, s->duplicates)
const char *spool_dir(const spool *s) { return s->dir; }

/* ---- writing, and the bound ----------------------------------------------------------------- */

/* Whether some server is sending the entry at `at` now: the bounds leave it alone, since it may be
 * stored this very moment (dropped and stored would be counted lost and not be). */
static bool sp_in_flight(const spool *s, size_t at)
{
    for (size_t k = 0; k < s->nservers; k++)
        if (s->srv[k].sending_set && s->srv[k].sending == s->e[at].seq)
            return true;
    return false;
}

static void sp_unlink_mask(spool *s, uint64_t seq)
{
    char name[SPOOL_NAME_MAX];
    snprintf(name, sizeof name, "%0*" PRIu64 ".for", SPOOL_DIGITS, seq);
    unlinkat(s->dfd, name, 0);
}

static void sp_enforce_bound(spool *s)
{
    unsigned n = 0;
    uint64_t first = 0, last = 0;
    size_t at = s->head; /* the oldest not on its way; the newest is always kept */
    while (s->bytes > s->max_bytes && s->count > 1) {
        while (at + 1 < s->head + s->count && sp_in_flight(s, at))
            at++;
        if (at + 1 >= s->head + s->count)
            break;
        char name[SPOOL_NAME_MAX];
        uint64_t seq = s->e[at].seq;
        bool masked = s->e[at].masked;
        sp_name(seq, name, sizeof name);
        if (unlinkat(s->dfd, name, 0) != 0 && errno != ENOENT) {
            log_error("spool", "%s/%s: cannot drop it: %s", s->dir, name, strerror(errno));
            break;
        }
        if (masked)
            sp_unlink_mask(s, seq);
        bool was_head = at == s->head;
        sp_index_remove(s, at);
        if (was_head) /* the head moved on: `at` would be the slot just removed (dropped twice, and the
                         next removal would shift a live entry out of the index, its file left) */
            at = s->head;
        if (n++ == 0)
            first = seq;
        last = seq;
        s->dropped++;
    }
    if (n == 0)
        return;
    vg_err err;
    if (sp_write_u64(s, "dropped", s->dropped, &err) != VG_OK)
        log_error("spool", "cannot record the count of dropped batches: %s", err.msg);
    log_error("spool",
              "DATA LOST: spool %s is over its bound of %.6g MB: %u oldest batch(es) dropped (seq %" PRIu64
              "..%" PRIu64 "), %" PRIu64 " dropped so far; %zu batch(es) waiting",
              s->dir, (double)s->max_bytes / (1 << 20), n, first, last, s->dropped, s->count);
}

static vg_code sp_put_locked(spool *s, uint64_t seq, const char *body, size_t len, uint8_t need, vg_err *err);

vg_code sp_put_masked(spool *s, uint64_t seq, const char *body, size_t len, uint8_t need, vg_err *err)
{
    pthread_mutex_lock(&s->mu);
    vg_code rc = sp_put_locked(s, seq, body, len, need, err);
    pthread_mutex_unlock(&s->mu);
    sp_save_servers(s, true);
    return rc;
}

vg_code spool_put(spool *s, uint64_t seq, const char *body, size_t len, vg_err *err)
{
    return sp_put_masked(s, seq, body, len, sp_all_servers(s), err);
}

static vg_code sp_put_locked(spool *s, uint64_t seq, const char *body, size_t len, uint8_t need, vg_err *err)
{
    char name[SPOOL_NAME_MAX], check[2 * SP_HASH_LEN + NAME_MAX_LEN + 80];
    sp_name(seq, name, sizeof name);
    int clen = sp_check_member(s, seq, body, len, check, sizeof check);
    if (clen < 0)
        return vg_fail(err, VG_E_INVALID, "batch %" PRIu64 " not spooled: not a JSON object, or no SHA-256", seq);
    need &= sp_all_servers(s);
    bool masked = need != sp_all_servers(s);
    if (!need)
        return vg_fail(err, VG_E_INVALID, "batch %" PRIu64 " not spooled: it is for no server", seq);
    if (masked) { /* the servers it is for, on disk before the batch: a restart sends it to those only */
        char mname[SPOOL_NAME_MAX], mask[SPOOL_SERVERS_MAX * 48] = "";
        snprintf(mname, sizeof mname, "%0*" PRIu64 ".for", SPOOL_DIGITS, seq);
        size_t n = 0; /* the servers' file names, not their places: the list may be reordered */
        for (size_t k = 0; k < s->nservers; k++)
            if (need & (1u << k))
                n += (size_t)snprintf(mask + n, sizeof mask - n, "%s\n", s->srv[k].file);
        vg_code rc = sp_write_file(s, mname, mask, n, err);
        if (rc != VG_OK)
            return rc;
    }
    /* the batch without its closing '}', then the check member, which closes it */
    vg_code rc = sp_write_file2(s, name, body, len - 1, check, (size_t)clen, err);
    if (rc != VG_OK) {
        if (masked)
            sp_unlink_mask(s, seq);
        return rc;
    }
    if (sp_index_add(s, seq, len - 1 + (size_t)clen, need) != 0) {
        unlinkat(s->dfd, name, 0);
        if (masked)
            sp_unlink_mask(s, seq);
        return vg_fail(err, VG_E_NOMEM, "batch %" PRIu64 " not spooled: out of memory", seq);
    }
    if (masked)
        s->e[sp_index_find(s, seq)].masked = true;
    if (seq > s->last_seq)
        s->last_seq = seq;
    sp_enforce_backlogs(s);
    sp_enforce_bound(s);
    return VG_OK;
}
