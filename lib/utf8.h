/* utf8: the one check of well-formed UTF-8 (RFC 3629), for everything vigie stores, echoes in JSON
 * and HTML, or writes in a log: labels and instances of a push, texts of a profile, error messages;
 * and the one definition of the control characters vigie refuses in every configuration string,
 * token and pushed name (a CR LF in a token became an extra HTTP header).
 *
 * Well-formed means what jansson accepts: no overlong form (C0 AF for '/'), no UTF-16 surrogate
 * (ED A0..BF), nothing above U+10FFFF, no sequence cut short. */
#ifndef VIGIE_UTF8_H
#define VIGIE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The length (1 to 4) of the well-formed character at the start of the NUL-terminated string s, 0 when
 * none starts there (a stray or cut sequence: a NUL ends a sequence like any other wrong byte). */
size_t utf8_char_len(const char *s);

/* Whether the NUL-terminated s is well-formed UTF-8 throughout. */
bool utf8_is_valid(const char *s);

/* The control characters: C0 (U+0000-U+001F, TAB, CR and LF among them), DEL (U+007F), C1
 * (U+0080-U+009F, U+0085 NEXT LINE among them), and the line and paragraph separators U+2028 and
 * U+2029. Each of them ends a line, moves the cursor or starts an escape somewhere (a log, a terminal,
 * an HTTP header, a JavaScript string), and no name or text of vigie needs one. */
bool utf8_is_control(unsigned long cp);

/* When the well-formed character at s (of utf8_char_len(s) bytes) is a control character: its length,
 * else 0. */
size_t utf8_control_len(const char *s);

/* Replaces, in the NUL-terminated s, each well-formed control character (1 to 3 bytes) with the one
 * byte `with`, for text that comes from a device (a row label) and is kept rather than refused. The
 * new length. */
size_t utf8_replace_controls(char *s, char with);

/* Where utf8_find_control found a control character. */
typedef struct {
    unsigned long cp; /* its code point */
    size_t offset;    /* its first byte in the string */
    size_t pos;       /* the character it is, from 1 */
} utf8_control;

/* Looks for the first control character in the `len` bytes of s (followed by a NUL; a NUL among them
 * is U+0000, the way jansson and libyaml hand back "\u0000" and "\0"). Bytes that are not well-formed
 * count as one character each and are not control characters (utf8_is_valid judges them). True when
 * one is found, with *at (when not NULL) saying where. */
bool utf8_find_control(const char *s, size_t len, utf8_control *at);

/* The check every reader uses: VG_E_INVALID when the `len` bytes of s hold a control character, with
 * err's message "control character U+0085 at character 4". The message never quotes s, which may be a
 * secret (a token); the caller places it (file:line:column and key, or the pushed field). */
vg_code utf8_check_control(const char *s, size_t len, vg_err *err);

#endif
