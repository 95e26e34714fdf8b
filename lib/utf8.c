#include "config.h"
#include "utf8.h"

size_t utf8_char_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0], lo = 0x80, hi = 0xbf;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    /* the second byte's range is what excludes overlong forms (E0, F0), surrogates (ED) and code
     * points above U+10FFFF (F4); a NUL fails it and the checks below, so nothing past it is read */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    return n;
}

bool utf8_is_valid(const char *s)
{
    while (*s) {
        size_t n = utf8_char_len(s);
        if (n == 0)
            return false;
        s += n;
    }
    return true;
}

bool utf8_is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

/* The code point of the well-formed character of n bytes at p. */
static unsigned long utf8_decode(const unsigned char *p, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    unsigned long cp = p[0] & lead_mask[n];
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (p[k] & 0x3f);
    return cp;
}

size_t utf8_control_len(const char *s)
{
    size_t n = utf8_char_len(s);
    return n && utf8_is_control(utf8_decode((const unsigned char *)s, n)) ? n : 0;
}

size_t utf8_replace_controls(char *s, char with)
{
    size_t o = 0;
    for (size_t i = 0; s[i];) {
        size_t n = utf8_control_len(s + i);
        if (n) {
            s[o++] = with;
            i += n;
        } else {
            s[o++] = s[i++];
        }
    }
    s[o] = '\0';
    return o;
}

bool utf8_find_control(const char *s, size_t len, utf8_control *at)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, pos = 1; i < len; pos++) {
        size_t n = utf8_char_len(s + i);
        if (n > len - i) /* cannot happen with the NUL after the len bytes; kept as a bound */
            n = 0;
        if (n && utf8_is_control(utf8_decode(p + i, n))) {
            if (at)
                *at = (utf8_control){utf8_decode(p + i, n), i, pos};
            return true;
        }
        i += n ? n : 1;
    }
    return false;
}

vg_code utf8_check_control(const char *s, size_t len, vg_err *err)
{
    utf8_control at;
    if (!utf8_find_control(s, len, &at))
        return VG_OK;
    return vg_fail(err, VG_E_INVALID, "control character U+%04lX at character %zu", at.cp, at.pos);
}
