#include "config.h"
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

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

/* Accepts well-formed UTF-8 only (utf8.h), so that what is stored can be echoed in JSON and HTML: a
 * row label with a surrogate passed an older copy of this check, then push_batch_encode dropped it
 * without a word (found by fuzzing). The control characters are utf8.h's, the same the push decoder
 * and the configuration loader refuse: U+0085 in an instance passed when only C0 was refused here. */
bool text_is_valid(const char *s, size_t max)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    return n <= max && utf8_is_valid(s) && !utf8_find_control(s, n, NULL);
}

vg_code name_to_path_component(const char *in, char *out, size_t outsz)
{
    size_t o = 0;
    if (*in == '\0') {
        if (outsz < 2)
            return VG_E_TOO_LARGE;
        strcpy(out, "_");
        return VG_OK;
    }
    for (size_t i = 0; in[i]; i++) {
        unsigned char c = (unsigned char)in[i];
        bool keep = names_alnum((char)c) || c == '_' || c == '-' || (c == '.' && i > 0);
        if (keep) {
            if (o + 2 > outsz)
                return VG_E_TOO_LARGE;
            out[o++] = (char)c;
        } else {
            if (o + 4 > outsz)
                return VG_E_TOO_LARGE;
            snprintf(out + o, 4, "%%%02X", c);
            o += 3;
        }
    }
    out[o] = '\0';
    return VG_OK;
}
