/* error: the one way a vigie module says that something failed.
 *
 * A function that can fail returns a vg_code (VG_OK is 0; test it with `!= VG_OK` or as a boolean) and,
 * when its caller passes a vg_err, fills it with the same code, the field or key at fault when there is
 * one ("samples[3].metric", "sites.italie.timezone") and one line that says what went wrong, already
 * placed where it can be (configuration: "FILE:LINE:COLUMN: key 'k': ..."). The module that makes the
 * error does not log it: the caller that decides what to do about it logs it once, answers it (the HTTP
 * layer maps the code to a status with vg_http_status(), never by reading the text) or passes it up.
 * Messages never hold a secret. */
#ifndef VIGIE_ERROR_H
#define VIGIE_ERROR_H

#include <stddef.h>

#define VG_ERR_MAX 600

typedef enum {
    VG_OK = 0,
    VG_E_INVALID,     /* the input is wrong: a file's content, a field, an argument (HTTP 400) */
    VG_E_NOT_FOUND,   /* what was named does not exist, or is outside the caller's scope (404) */
    VG_E_CONFLICT,    /* it exists already, or the state does not allow it now (409) */
    VG_E_AUTH,        /* no credential, or a wrong one (401) */
    VG_E_DENIED,      /* a valid credential that may not do this (403) */
    VG_E_TOO_LARGE,   /* past a documented size or count bound (413) */
    VG_E_LIMIT,       /* past a quota or a rate (429) */
    VG_E_UNAVAILABLE, /* something it needs is away for now: rrdcached, a writer process (503) */
    VG_E_IO,          /* a file, a socket or the database could not be read or written (500) */
    VG_E_NOMEM,       /* an allocation failed (500) */
    VG_E_INTERNAL     /* a bug or an impossible state (500) */
} vg_code;

typedef struct {
    vg_code code;
    char field[64];
    char msg[VG_ERR_MAX];
} vg_err;

/* Fills err (when not NULL) with code, no field and the formatted message; returns code, so that a
 * function can `return vg_fail(err, VG_E_INVALID, "...", ...)`. */
vg_code vg_fail(vg_err *err, vg_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with the field at fault. */
vg_code vg_fail_field(vg_err *err, vg_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Puts "what: " before err's message (when err is not NULL) and returns its code: context added by a
 * caller that passes the error up. */
vg_code vg_wrap(vg_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Clears err to VG_OK with an empty field and message. */
void vg_clear(vg_err *err);

/* The HTTP status of an error code (200 for VG_OK). */
int vg_http_status(vg_code code);
/* A short stable name for logs and JSON: "invalid", "not_found", ... */
const char *vg_code_name(vg_code code);

#endif
