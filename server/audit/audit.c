#include "config.h"
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "log.h"

/* The key of the HMAC, set once at start (audit_key_load) before any thread appends; the fixed one
 * makes a trail without a key file (unit tests) still a chain. */
#define AUD_KEY_MAX 128
static const char aud_fixed_key[] = "vigie-audit-trail-without-a-key-file";
static char aud_key[AUD_KEY_MAX + 1];

/* The last entry this process appended: a row deleted at the end of the trail while the server runs is
 * seen against it (audit_verify's expect). */
static pthread_mutex_t aud_head_lock = PTHREAD_MUTEX_INITIALIZER;
static audit_head aud_head;

void audit_key_set(const char *key) { snprintf(aud_key, sizeof aud_key, "%s", key ? key : ""); }

static bool aud_is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[n] == '\0';
}

static vg_code aud_key_create(const char *path, vg_err *err)
{
    char key[AUTH_SECRET_MAX + 1];
    vg_code rc = auth_secret_new("", key, err);
    if (rc != VG_OK)
        return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return vg_fail(err, VG_E_IO, "%s: %s", path, strerror(errno));
    char line[AUTH_SECRET_MAX + 2];
    int n = snprintf(line, sizeof line, "%s\n", key);
    bool ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    int e = errno;
    close(fd);
    explicit_bzero(line, sizeof line);
    explicit_bzero(key, sizeof key);
    if (!ok) {
        unlink(path);
        return vg_fail(err, VG_E_IO, "%s: %s", path, strerror(e));
    }
    return VG_OK;
}

vg_code audit_key_load(const char *data_dir, bool *created, vg_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", data_dir, AUDIT_KEY_FILE);
    *created = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        vg_code rc = aud_key_create(path, err);
        if (rc != VG_OK)
            return rc;
        *created = true;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return vg_fail(err, VG_E_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    char buf[AUD_KEY_MAX + 2];
    ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof buf - 1) : -1;
    close(fd);
    if (n < 0)
        return vg_fail(err, VG_E_IO, "%s: not a regular file that can be read", path);
    if (st.st_mode & 077)
        return vg_fail(err, VG_E_INVALID, "%s: readable by others (mode %03o): chmod 600 it", path,
                       (unsigned)(st.st_mode & 0777));
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    bool ok = n == AUTH_SECRET_LEN && aud_is_hex(buf, (size_t)n);
    if (ok)
        audit_key_set(buf);
    explicit_bzero(buf, sizeof buf);
    if (!ok)
        return vg_fail(err, VG_E_INVALID, "%s: not a key of %d hexadecimal digits: restore it from a backup, or "
                       "move it away to begin a new key (the entries before can then no longer be verified)",
                       path, AUTH_SECRET_LEN);
    return VG_OK;
}

bool audit_head_get(audit_head *out)
{
    pthread_mutex_lock(&aud_head_lock);
    *out = aud_head;
    pthread_mutex_unlock(&aud_head_lock);
    return out->id > 0;
}

void audit_head_forget(void)
{
    pthread_mutex_lock(&aud_head_lock);
    memset(&aud_head, 0, sizeof aud_head);
    pthread_mutex_unlock(&aud_head_lock);
}

bool audit_head_parse(const char *s, audit_head *out)
{
    char *end;
    errno = 0;
    long long id = s ? strtoll(s, &end, 10) : 0;
    if (!s || errno || id <= 0 || *end != ':' || !aud_is_hex(end + 1, DB_AUDIT_HASH_HEX))
        return false;
    out->id = id;
    snprintf(out->hash, sizeof out->hash, "%s", end + 1);
    return true;
}

/* ---- fields and hash ------------------------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at p (1 to 4), 0 when p does not start one. */
static size_t aud_utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
        return 0; /* overlong, surrogate, past U+10FFFF */
    return n;
}

/* src into dst (max bytes and a NUL): UTF-8 only, no control character, cut at a character. */
static void aud_field(char *dst, size_t max, const char *src)
{
    const unsigned char *p = (const unsigned char *)(src ? src : "");
    size_t at = 0;
    while (*p) {
        size_t n = aud_utf8_len(p);
        if (at + (n ? n : 1) > max)
            break;
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7F))) {
            dst[at++] = n == 0 ? '?' : ' ';
            p++;
            continue;
        }
        memcpy(dst + at, p, n);
        at += n;
        p += n;
    }
    dst[at] = '\0';
}

static size_t aud_put(char *buf, size_t size, size_t at, const char *s)
{
    if (at < size)
        at += (size_t)snprintf(buf + at, size - at, "%zu:%s\n", strlen(s), s);
    return at;
}

void audit_hash(const db_audit_row *r, char out[DB_AUDIT_HASH_HEX + 1])
{
    /* "vigie-audit-1\n", then each field as LENGTH:BYTES\n: no two rows encode alike */
    char buf[4096], id[24], ts[24];
    snprintf(id, sizeof id, "%" PRId64, r->id);
    snprintf(ts, sizeof ts, "%" PRId64, r->ts);
    const char *f[] = {id, ts, r->who, r->addr, r->action, r->object, r->outcome, r->detail, r->prev};
    size_t at = (size_t)snprintf(buf, sizeof buf, "vigie-audit-1\n");
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        at = aud_put(buf, sizeof buf, at, f[i]);
    const char *key = aud_key[0] ? aud_key : aud_fixed_key;
    unsigned char d[32];
    out[0] = '\0';
    if (at >= sizeof buf || gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, strlen(key), buf, at, d) != 0)
        return; /* "" matches no entry: verify says so */
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

vg_code audit_file_sha256(const char *path, char out[DB_AUDIT_HASH_HEX + 1], vg_err *err)
{
    out[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return vg_fail(err, VG_E_IO, "%s: %s", path, strerror(errno));
    gnutls_hash_hd_t h;
    if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) != 0) {
        fclose(f);
        return vg_fail(err, VG_E_IO, "%s: SHA-256 unavailable", path);
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        gnutls_hash(h, buf, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    unsigned char d[32];
    gnutls_hash_deinit(h, d);
    if (bad)
        return vg_fail(err, VG_E_IO, "%s: read error", path);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    return VG_OK;
}

/* ---- append and purge ------------------------------------------------------------------------ */

typedef struct {
    db *d;
    db_audit_row row;
    int64_t cutoff; /* purge only */
    int limit;
    long deleted;
} aud_tx;

/* Inside a transaction: t->row (fields set) becomes the entry after the last one. */
static vg_code aud_append_tx(void *ctx, vg_err *err)
{
    aud_tx *t = ctx;
    db_audit_row last;
    bool found;
    vg_code rc = db_audit_serialize(t->d, err);
    if (rc == VG_OK)
        rc = db_audit_last(t->d, &last, &found, err);
    if (rc != VG_OK)
        return rc;
    t->row.id = found ? last.id + 1 : 1;
    snprintf(t->row.prev, sizeof t->row.prev, "%s", found ? last.hash : "");
    audit_hash(&t->row, t->row.hash);
    return db_audit_insert(t->d, &t->row, err);
}

/* The new head, kept and logged: the log is the trail's second witness (of its end), not an error
 * report, so this module logs it itself. */
static void aud_appended(const db_audit_row *r)
{
    pthread_mutex_lock(&aud_head_lock);
    aud_head.id = r->id;
    snprintf(aud_head.hash, sizeof aud_head.hash, "%s", r->hash);
    pthread_mutex_unlock(&aud_head_lock);
    log_info("audit", "entry %" PRId64 ": %s by %s%s%s: %s; head %" PRId64 ":%s", r->id, r->action,
             r->who[0] ? r->who : "-", r->addr[0] ? " from " : "", r->addr, r->outcome, r->id, r->hash);
}

static void aud_row(db_audit_row *r, int64_t ts, const char *who, const char *addr, const char *action,
                    const char *object, const char *outcome, const char *detail)
{
    memset(r, 0, sizeof *r);
    r->ts = ts;
    aud_field(r->who, DB_AUDIT_WHO_MAX, who);
    aud_field(r->addr, DB_AUDIT_ADDR_MAX, addr);
    aud_field(r->action, DB_AUDIT_ACTION_MAX, action);
    aud_field(r->object, DB_AUDIT_OBJECT_MAX, object);
    aud_field(r->outcome, DB_AUDIT_OUTCOME_MAX, outcome);
    aud_field(r->detail, DB_AUDIT_DETAIL_MAX, detail);
}

vg_code audit_append(db *d, int64_t ts, const char *who, const char *addr, const char *action, const char *object,
                     const char *outcome, const char *detail, vg_err *err)
{
    aud_tx t = {.d = d};
    aud_row(&t.row, ts, who, addr, action, object, outcome, detail);
    vg_code rc = db_savepoint(d, "audit_append", aud_append_tx, &t, err);
    if (rc == VG_OK)
        aud_appended(&t.row);
    return rc;
}

static vg_code aud_purge_tx(void *ctx, vg_err *err)
{
    aud_tx *t = ctx;
    long count;
    int64_t through;
    char hash[DB_AUDIT_HASH_HEX + 1];
    vg_code rc = db_audit_purgeable(t->d, t->cutoff, t->limit, &count, &through, hash, err);
    if (rc != VG_OK || count == 0)
        return rc;
    if ((rc = db_audit_delete_through(t->d, through, &t->deleted, err)) != VG_OK)
        return rc;
    json_t *o = json_pack("{s:I, s:I, s:s}", "deleted", (json_int_t)t->deleted, "through", (json_int_t)through,
                          "hash", hash);
    char *detail = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!detail)
        return vg_fail(err, VG_E_NOMEM, "audit purge: out of memory");
    aud_field(t->row.detail, DB_AUDIT_DETAIL_MAX, detail);
    free(detail);
    return aud_append_tx(t, err);
}

vg_code audit_purge(db *d, int64_t cutoff, int64_t now, int limit, long *deleted, vg_err *err)
{
    aud_tx t = {.d = d, .cutoff = cutoff, .limit = limit};
    aud_row(&t.row, now, AUDIT_SERVER, "", AUDIT_PURGE_ACTION, "audit", "ok", "");
    *deleted = 0;
    vg_code rc = db_savepoint(d, "audit_purge", aud_purge_tx, &t, err);
    if (rc == VG_OK && t.deleted > 0) {
        *deleted = t.deleted;
        aud_appended(&t.row);
    }
    return rc;
}
