#include "config.h"
#include "record/record_snmprec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- one line ------------------------------------------------------------------------------ */

static size_t snmprec_put_oid(const oid *o, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, i ? ".%lu" : "%lu", (unsigned long)o[i]);
    return n < size ? n : size - 1;
}

/* snmpsimd strips the line and reads a plain value as text: only what survives that is written so */
static bool snmprec_plain_text(const u_char *s, size_t len)
{
    if (len && (s[0] == ' ' || s[len - 1] == ' '))
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '|' || s[i] == '\\')
            return false;
    return true;
}

static void snmprec_put_bytes(int tag, const u_char *s, size_t len, bool hex, char *buf, size_t n, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    n += (size_t)snprintf(buf + n, size - n, hex ? "|%dx|" : "|%d|", tag);
    for (size_t i = 0; i < len && n + 3 < size; i++) {
        if (hex) {
            buf[n++] = digits[s[i] >> 4];
            buf[n++] = digits[s[i] & 15];
        } else {
            buf[n++] = (char)s[i];
        }
    }
    buf[n < size ? n : size - 1] = '\0';
}

snmprec_status snmprec_format(const netsnmp_variable_list *vb, char *buf, size_t size)
{
    size_t n = snmprec_put_oid(vb->name, vb->name_length, buf, size);
    size_t len = vb->val_len;
    snmprec_status st = SNMPREC_OK;
    switch (vb->type) {
    case ASN_INTEGER:
        snprintf(buf + n, size - n, "|2|%ld", *vb->val.integer);
        break;
    case ASN_COUNTER:
    case ASN_GAUGE:
    case ASN_TIMETICKS:
        snprintf(buf + n, size - n, "|%d|%lu", vb->type, (unsigned long)(*vb->val.integer & 0xffffffffUL));
        break;
    case ASN_COUNTER64:
        snprintf(buf + n, size - n, "|70|%" PRIu64,
                 ((uint64_t)vb->val.counter64->high << 32) | (vb->val.counter64->low & 0xffffffffUL));
        break;
    case ASN_NULL:
        snprintf(buf + n, size - n, "|5|");
        break;
    case ASN_OBJECT_ID:
        n += (size_t)snprintf(buf + n, size - n, "|6|");
        snmprec_put_oid(vb->val.objid, vb->val_len / sizeof(oid), buf + n, size - n);
        break;
    case ASN_IPADDRESS:
        if (len == 4)
            snprintf(buf + n, size - n, "|64|%u.%u.%u.%u", vb->val.string[0], vb->val.string[1], vb->val.string[2],
                     vb->val.string[3]);
        else
            snmprec_put_bytes(64, vb->val.string, len, true, buf, n, size);
        break;
    case ASN_OCTET_STR:
    case ASN_OPAQUE:
        if (len > SNMPREC_VALUE_MAX) {
            len = SNMPREC_VALUE_MAX;
            st = SNMPREC_TRUNCATED;
        }
        snmprec_put_bytes(vb->type, vb->val.string, len,
                          vb->type == ASN_OPAQUE || !snmprec_plain_text(vb->val.string, len), buf, n, size);
        break;
    default: /* noSuchObject, noSuchInstance, endOfMibView, and types SNMPv2 has not */
        buf[0] = '\0';
        return SNMPREC_SKIPPED;
    }
    return st;
}

/* ---- the recording ------------------------------------------------------------------------- */

typedef struct {
    oid *name; /* the line follows the OID in the same allocation */
    size_t len;
    const char *line;
} snmprec_entry;

struct snmprec {
    snmprec_entry *v;
    size_t count, cap, bytes;
};

snmprec *snmprec_new(void) { return calloc(1, sizeof(snmprec)); }

void snmprec_free(snmprec *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        free(r->v[i].name);
    free(r->v);
    free(r);
}

bool snmprec_add(snmprec *r, const oid *name, size_t len, const char *line)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        snmprec_entry *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return false;
        r->v = v;
        r->cap = cap;
    }
    size_t ll = strlen(line) + 1;
    oid *mem = malloc(len * sizeof(oid) + ll);
    if (!mem)
        return false;
    memcpy(mem, name, len * sizeof(oid));
    memcpy((char *)(mem + len), line, ll);
    r->v[r->count++] = (snmprec_entry){mem, len, (const char *)(mem + len)};
    r->bytes += ll + len * sizeof(oid);
    return true;
}

size_t snmprec_count(const snmprec *r) { return r->count; }
size_t snmprec_bytes(const snmprec *r) { return r->bytes; }

static int snmprec_cmp(const void *a, const void *b)
{
    const snmprec_entry *x = a, *y = b;
    return snmp_oid_compare(x->name, x->len, y->name, y->len);
}

static vg_code snmprec_write_tmp(const snmprec *r, const char *tmp, vg_err *err)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        vg_fail(err, VG_E_IO, "cannot create %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return VG_E_IO;
    }
    for (size_t i = 0; i < r->count; i++)
        if (i == 0 || snmprec_cmp(&r->v[i - 1], &r->v[i]) != 0) /* sorted: the same OID is next to itself */
            fprintf(f, "%s\n", r->v[i].line);
    /* the file is complete on disk before it gets its name: a crash leaves PATH.tmp, never half a PATH */
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
        vg_fail(err, VG_E_IO, "cannot write %s: %s", tmp, strerror(errno));
        fclose(f);
        return VG_E_IO;
    }
    if (fclose(f) != 0)
        return vg_fail(err, VG_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    return VG_OK;
}

vg_code snmprec_write(snmprec *r, const char *path, bool force, vg_err *err)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return vg_fail(err, VG_E_INVALID, "file name too long: %s", path);
    if (r->count)
        qsort(r->v, r->count, sizeof *r->v, snmprec_cmp);
    vg_code rc = snmprec_write_tmp(r, tmp, err);
    if (rc == VG_OK && force && rename(tmp, path) != 0)
        rc = vg_fail(err, VG_E_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc == VG_OK && !force && link(tmp, path) != 0) {
        /* a file system without hard links: the check at the start is then the only one */
        if ((errno == EPERM || errno == EOPNOTSUPP) && access(path, F_OK) != 0 && rename(tmp, path) == 0)
            return VG_OK;
        rc = errno == EEXIST ? vg_fail(err, VG_E_CONFLICT, "%s exists (created while recording): not replaced "
                                                          "without --force", path)
                             : vg_fail(err, VG_E_IO, "cannot create %s: %s", path, strerror(errno));
    }
    if (rc != VG_OK || !force)
        unlink(tmp);
    return rc;
}
