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
