#include "config.h"
#include "report/digest.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_render.h"

/* A real as Python's repr() writes it: the shortest digits that read back as the same double, in
 * fixed notation from 1e-4 to 1e16, else as 1.5e-07 or 1e+16. */
static void digest_real(FILE *f, double v)
{
    char buf[48];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    char digits[24];
    size_t nd = 0;
    const char *q = buf;
    if (*q == '-') {
        fputc('-', f);
        q++;
    }
    for (; *q && *q != 'e'; q++)
        if (*q >= '0' && *q <= '9' && nd < sizeof digits - 1)
            digits[nd++] = *q;
    digits[nd] = '\0';
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    int exp = *q == 'e' ? atoi(q + 1) : 0;
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++)
                fputc(i < (int)nd ? digits[i] : '0', f);
            fputc('.', f);
            if ((int)nd > exp + 1)
                fputs(digits + exp + 1, f);
            else
                fputc('0', f);
        } else {
            fputs("0.", f);
            for (int i = 0; i < -exp - 1; i++)
                fputc('0', f);
            fputs(digits, f);
        }
    } else {
        fputc(digits[0], f);
        if (nd > 1)
            fprintf(f, ".%s", digits + 1);
        fprintf(f, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    }
}

static void digest_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static int digest_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void digest_value(FILE *f, const json_t *v, bool top)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), k = 0;
        const char **keys = calloc(n ? n : 1, sizeof *keys);
        const char *key;
        json_t *x;
        if (!keys) {
            fputs("\x01", f); /* poisons the digest rather than giving a wrong one */
            return;
        }
        json_object_foreach((json_t *)v, key, x) {
            if (!(top && (strcmp(key, "generated_at") == 0 || strcmp(key, "digest") == 0)))
                keys[k++] = key;
        }
        qsort(keys, k, sizeof *keys, digest_cmp);
        fputc('{', f);
        for (size_t i = 0; i < k; i++) {
            if (i)
                fputc(',', f);
            digest_string(f, keys[i], strlen(keys[i]));
            fputc(':', f);
            digest_value(f, json_object_get(v, keys[i]), false);
        }
        fputc('}', f);
        free(keys);
        break;
    }
    case JSON_ARRAY:
        fputc('[', f);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                fputc(',', f);
            digest_value(f, json_array_get(v, i), false);
        }
        fputc(']', f);
        break;
    case JSON_STRING: digest_string(f, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: digest_real(f, json_real_value(v)); break;
    case JSON_TRUE: fputs("true", f); break;
    case JSON_FALSE: fputs("false", f); break;
    default: fputs("null", f);
    }
}

/* The canonical text of the figures: the document without generated_at and digest, keys sorted, no
 * space, UTF-8 as is — what Python's json.dumps(doc, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False) writes, so that anyone can check the digest (doc/report.md). */
static char *digest_canonical(const json_t *doc, size_t *len)
{
    char *data = NULL;
    FILE *f = open_memstream(&data, len);
    if (!f)
        return NULL;
    digest_value(f, doc, true);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        free(data);
        return NULL;
    }
    return data;
}

vg_code report_digest_hex(const json_t *doc, char hex[65])
{
    size_t len;
    char *s = digest_canonical(doc, &len);
    unsigned char d[32];
    hex[0] = '\0';
    if (!s)
        return VG_E_NOMEM;
    int rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, s, len, d);
    free(s);
    if (rc < 0)
        return VG_E_INTERNAL;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return VG_OK;
}

vg_code report_render_digest(const json_t *doc, char hex[65]) { return report_digest_hex(doc, hex); }

json_t *report_digest_block(const char hex[65])
{
    return json_pack("{s:s, s:s, s:s}", "algorithm", "SHA-256", "value", hex, "of",
                     "this document without generated_at and digest, as JSON with sorted keys, no spaces, "
                     "ASCII only and 17 significant digits (see doc/report.md)");
}
