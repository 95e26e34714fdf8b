/* utf8: the one check of well-formed UTF-8 (RFC 3629), for everything vigie stores, echoes in JSON
 * and HTML, or writes in a log: labels and instances of a push, texts of a profile, error messages.
 *
 * Well-formed means what jansson accepts: no overlong form (C0 AF for '/'), no UTF-16 surrogate
 * (ED A0..BF), nothing above U+10FFFF, no sequence cut short. */
#ifndef VIGIE_UTF8_H
#define VIGIE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length (1 to 4) of the well-formed character at the start of the NUL-terminated string s, 0 when
 * none starts there (a stray or cut sequence: a NUL ends a sequence like any other wrong byte). */
size_t utf8_char_len(const char *s);

/* Whether the NUL-terminated s is well-formed UTF-8 throughout. */
bool utf8_is_valid(const char *s);

#endif
