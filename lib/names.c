#include "config.h"
#include "names.h"

#include <stdio.h>
#include <string.h>

static bool names_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool name_is_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > NAME_MAX_LEN || !names_alnum(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!names_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

bool metric_name_is_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > NAME_MAX_LEN || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  (c == '.' && s[i + 1] != '.');
        if (!ok)
            return false;
    }
    return true;
}

/* Accepts well-formed UTF-8 only, so that what is stored can be echoed in JSON and HTML. */
bool text_is_valid(const char *s, size_t max)
{
    if (!s)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    if (n > max)
        return false;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t extra;
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c < 0x80)
            extra = 0;
        else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
            extra = 1;
        else if ((c & 0xf0) == 0xe0)
            extra = 2;
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
            extra = 3;
        else
            return false;
        if (extra && i + extra >= n)
            return false;
        /* the second byte's range excludes overlong forms, UTF-16 surrogates (ED A0..BF) and code
         * points above U+10FFFF, which jansson refuses: such a row label passed this check, then
         * push_batch_encode dropped it without a word (found by fuzzing) */
        unsigned char lo = 0x80, hi = 0xbf;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
        else if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
        if (extra && (p[i + 1] < lo || p[i + 1] > hi))
            return false;
        for (size_t k = 1; k <= extra; k++)
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
        i += extra + 1;
    }
    return true;
}

int name_to_path_component(const char *in, char *out, size_t outsz)
{
    size_t o = 0;
    if (*in == '\0') {
        if (outsz < 2)
            return -1;
        strcpy(out, "_");
        return 0;
    }
    for (size_t i = 0; in[i]; i++) {
        unsigned char c = (unsigned char)in[i];
        bool keep = names_alnum((char)c) || c == '_' || c == '-' || (c == '.' && i > 0);
        if (keep) {
            if (o + 2 > outsz)
                return -1;
            out[o++] = (char)c;
        } else {
            if (o + 4 > outsz)
                return -1;
            snprintf(out + o, 4, "%%%02X", c);
            o += 3;
        }
    }
    out[o] = '\0';
    return 0;
}
