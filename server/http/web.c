/* web: the dashboard's static files, served from server.yaml's web_dir (by default the installed
 * $(pkgdatadir)/web):
 *
 *   GET /               web_dir/index.html
 *   GET /static/NAME    web_dir/NAME
 *
 * Only regular files directly inside web_dir are served: NAME is one path component of
 * [A-Za-z0-9._-] starting with a letter or digit (no "..", no hidden file, no sub-folder), it is
 * opened relative to the folder without following a symbolic link, and its extension must be one
 * of a known list (which gives the content type). Replies carry an ETag and "Cache-Control:
 * no-cache" (the browser keeps the file but asks whether it changed: a new version is seen at once),
 * and HTML pages a Content-Security-Policy that allows nothing but this server. No credential is
 * needed: the files hold no data, the pages ask the API with the user's token. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/api_routes.h"
#include "log.h"

#define WEB_MAX_FILE (4 * 1024 * 1024)
#define WEB_MAX_NAME 100

static const struct {
    const char *ext, *type;
} web_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

#define WEB_CSP                                                                                                      \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "          \
    "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static const char *web_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof web_types / sizeof web_types[0]; i++)
        if (strcmp(dot, web_types[i].ext) == 0)
            return web_types[i].type;
    return NULL;
}

static bool web_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > WEB_MAX_NAME || strstr(name, ".."))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

static api_reply web_not_found(void) { return api_error(404, NULL, "no such file"); }

api_reply api_route_web(api_ctx *ctx, const api_request *req)
{
    const char *name = strcmp(req->path, "/") == 0 ? "index.html" : req->path + strlen("/static/");
    const char *type = web_type(name);
    if (!web_name_ok(name) || !type)
        return web_not_found();
    int dir = open(ctx->cfg->web_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        log_warn("web", "the dashboard's folder %s cannot be opened: %s (server.yaml web_dir)", ctx->cfg->web_dir,
                 strerror(errno));
        return api_error(404, NULL, "the dashboard is not installed on this server (see web_dir in server.yaml)");
    }
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    close(dir);
    if (fd < 0)
        return web_not_found();
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > WEB_MAX_FILE) {
        close(fd);
        return web_not_found();
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
    api_reply r = {.status = 200, .content_type = type};
    int n = snprintf(r.headers, sizeof r.headers, "Cache-Control: no-cache\nETag: %s\nReferrer-Policy: no-referrer", etag);
    if (strncmp(type, "text/html", 9) == 0)
        snprintf(r.headers + n, sizeof r.headers - (size_t)n,
                 "\nContent-Security-Policy: " WEB_CSP "\nX-Frame-Options: DENY");
    const char *inm = req->header ? req->header(req->arg_ctx, "If-None-Match") : NULL;
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        close(fd);
        r.status = 304;
        r.body = strdup("");
        return r.body ? r : api_error(500, NULL, "out of memory");
    }
    size_t size = (size_t)st.st_size, got = 0;
    r.body = malloc(size + 1);
    ssize_t k = 0;
    while (r.body && got < size && (k = read(fd, r.body + got, size - got)) > 0)
        got += (size_t)k;
    close(fd);
    if (!r.body || got != size) {
        free(r.body);
        return api_error(500, NULL, "cannot read the file");
    }
    r.body[size] = '\0';
    r.len = size;
    return r;
}
