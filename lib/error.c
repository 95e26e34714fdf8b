#include "config.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vg_vset(vg_err *err, vg_code code, const char *field, const char *fmt, va_list ap)
{
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

vg_code vg_fail(vg_err *err, vg_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vg_vset(err, code, NULL, fmt, ap);
        va_end(ap);
    }
    return code;
}

vg_code vg_fail_field(vg_err *err, vg_code code, const char *field, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vg_vset(err, code, field, fmt, ap);
        va_end(ap);
    }
    return code;
}

vg_code vg_wrap(vg_err *err, const char *fmt, ...)
{
    if (!err)
        return VG_E_INTERNAL;
    char head[VG_ERR_MAX], old[VG_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", head, old);
    return err->code;
}

void vg_clear(vg_err *err)
{
    if (err) {
        err->code = VG_OK;
        err->field[0] = '\0';
        err->msg[0] = '\0';
    }
}

int vg_http_status(vg_code code)
{
    switch (code) {
    case VG_OK: return 200;
    case VG_E_INVALID: return 400;
    case VG_E_NOT_FOUND: return 404;
    case VG_E_CONFLICT: return 409;
    case VG_E_AUTH: return 401;
    case VG_E_DENIED: return 403;
    case VG_E_TOO_LARGE: return 413;
    case VG_E_LIMIT: return 429;
    case VG_E_UNAVAILABLE: return 503;
    case VG_E_IO:
    case VG_E_NOMEM:
    case VG_E_INTERNAL: return 500;
    }
    return 500;
}

const char *vg_code_name(vg_code code)
{
    static const char *const names[] = {"ok", "invalid", "not_found", "conflict", "auth", "denied",
                                        "too_large", "limit", "unavailable", "io", "nomem", "internal"};
    return (unsigned)code < sizeof names / sizeof names[0] ? names[code] : "internal";
}
