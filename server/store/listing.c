#include "config.h"
#include "store/listing.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "%2F" back to "/". */
static void listing_unescape(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; *in && o + 1 < size; in++) {
        unsigned int c;
        if (in[0] == '%' && sscanf(in + 1, "%2x", &c) == 1) {
            out[o++] = (char)c;
            in += 2;
        } else {
            out[o++] = *in;
        }
    }
    out[o] = '\0';
}

static int listing_cmp(const void *a, const void *b)
{
    return strcmp(((const store_series *)a)->instance, ((const store_series *)b)->instance);
}

vg_code store_listing_get(const rrd_store *s, const char *site, const char *device, const char *metric,
                          store_listing *out, vg_err *err)
{
    char folder[1200];
    out->series = NULL;
    out->n = 0;
    if (rrd_store_path(s, site, device, metric, "", folder, sizeof folder) != 0)
        return vg_fail(err, VG_E_INVALID, "no series path for %s/%s/%s", site, device, metric);
    *strrchr(folder, '/') = '\0';
    DIR *dir = opendir(folder);
    if (!dir)
        return VG_OK; /* the device has no series yet */
    size_t mlen = strlen(metric), cap = 0;
    struct dirent *e;
    vg_code rc = VG_OK;
    while ((e = readdir(dir))) {
        const char *f = e->d_name;
        size_t flen = strlen(f);
        if (flen < mlen + 4 || strncmp(f, metric, mlen) != 0 || strcmp(f + flen - 4, ".rrd") != 0)
            continue;
        if (f[mlen] != '@' && flen != mlen + 4)
            continue; /* another metric that starts with this one's name */
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            store_series *t = realloc(out->series, ncap * sizeof *t);
            if (!t) {
                rc = vg_fail(err, VG_E_NOMEM, "out of memory");
                break;
            }
            out->series = t;
            cap = ncap;
        }
        store_series *x = &out->series[out->n];
        if ((size_t)snprintf(x->path, sizeof x->path, "%s/%s", folder, f) >= sizeof x->path)
            continue;
        if (!rrd_store_file_mappable(x->path))
            continue;
        x->instance[0] = '\0';
        if (f[mlen] == '@') {
            char escaped[INSTANCE_MAX_LEN * 3 + 1];
            snprintf(escaped, sizeof escaped, "%.*s", (int)(flen - mlen - 5), f + mlen + 1);
            listing_unescape(escaped, x->instance, sizeof x->instance);
        }
        out->n++;
    }
    closedir(dir);
    if (rc != VG_OK) {
        store_listing_clear(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->series, out->n, sizeof *out->series, listing_cmp);
    return VG_OK;
}

void store_listing_clear(store_listing *l)
{
    free(l->series);
    l->series = NULL;
    l->n = 0;
}
