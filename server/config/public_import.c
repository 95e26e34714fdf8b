/* server.yaml's `public_sites:` key, the loading of its CSV at start, and `vigie-server --import-sites`
 * (public_sites.h). */
#include "config.h"
#include "config/public_sites.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

vg_code public_sites_config(const conf_doc *d, const conf_node *root, server_config *cfg, vg_err *err)
{
    static const char *const keys[] = {"file", "agent", NULL};
    const conf_node *n = conf_map_get(d, root, "public_sites");
    if (!n)
        return VG_OK;
    char file[SERVER_PATH_MAX + 1] = "";
    vg_code rc;
    if ((rc = conf_check_map(d, n, "public_sites", keys, err)) ||
        (rc = conf_get_buf(d, n, "file", true, file, sizeof file, err)) ||
        (rc = conf_get_buf(d, n, "agent", false, cfg->public_agent, sizeof cfg->public_agent, err)))
        return rc;
    if (cfg->public_agent[0]) {
        size_t i = 0;
        while (i < cfg->nagents && strcmp(cfg->agents[i].id, cfg->public_agent) != 0)
            i++;
        if (i == cfg->nagents)
            return conf_fail(err, d, conf_map_get(d, n, "agent"), "agent", "no agent '%s' in 'agents'", cfg->public_agent);
    }
    /* relative to server.yaml's folder, so that the server finds it whatever its working directory */
    const char *slash = strrchr(cfg->path, '/');
    int dirlen = file[0] == '/' || !slash ? 0 : (int)(slash - cfg->path + 1);
    if ((size_t)dirlen + strlen(file) >= sizeof cfg->public_sites)
        return conf_fail(err, d, conf_map_get(d, n, "file"), "file", "the path is longer than %d bytes", SERVER_PATH_MAX);
    snprintf(cfg->public_sites, sizeof cfg->public_sites, "%.*s%s", dirlen, cfg->path, file);
    return VG_OK;
}

vg_code public_file_read(const char *path, size_t max, char **text, size_t *len, vg_err *err)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return vg_fail(err, VG_E_IO, "%s: cannot read: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vg_fail(err, VG_E_INVALID, "%s: not a regular file", path);
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        return vg_fail(err, VG_E_TOO_LARGE, "%s: larger than %zu bytes (%d sites of %d bytes at most)", path, max,
                       PUBLIC_MAX_SITES, PUBLIC_LINE_MAX);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    ssize_t n = 0;
    while (buf && got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    int errnum = n < 0 ? errno : 0;
    close(fd);
    if (!buf)
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", path);
    if (errnum) {
        free(buf);
        return vg_fail(err, VG_E_IO, "%s: cannot read: %s", path, strerror(errnum));
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    return VG_OK;
}

vg_code public_sites_load(server_config *cfg, vg_err *err)
{
    if (!cfg->public_sites[0])
        return VG_OK;
    char *text;
    size_t len;
    vg_code rc = public_file_read(cfg->public_sites, PUBLIC_FILE_MAX, &text, &len, err);
    if (rc != VG_OK)
        return vg_wrap(err, "%s: public_sites", cfg->path);
    public_errors *errs = malloc(sizeof *errs);
    public_rows *rows = errs ? public_rows_parse(cfg, cfg->public_sites, text, len, errs) : NULL;
    free(text);
    if (!errs)
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", cfg->public_sites);
    if (!rows) {
        if (errs->total > 1)
            vg_fail(err, VG_E_INVALID, "%s (and %zu more error%s: vigie-server -c %s --import-sites %s lists them)",
                    errs->msg[0], errs->total - 1, errs->total > 2 ? "s" : "", cfg->path, cfg->public_sites);
        else
            vg_fail(err, VG_E_INVALID, "%s", errs->count ? errs->msg[0] : "cannot read the public sites");
        free(errs);
        return VG_E_INVALID;
    }
    free(errs);
    rc = public_rows_append(cfg, rows, err);
    public_rows_free(rows);
    return rc;
}

/* ---- --import-sites ------------------------------------------------------------------------ */

static int pi_write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The previous file as FILE.bak: a hard link (the same bytes, no copy), or a copy where links fail. */
static int pi_backup(const char *path, const char *bak)
{
    if (unlink(bak) != 0 && errno != ENOENT)
        return -1;
    if (link(path, bak) == 0)
        return 0;
    char *text;
    size_t len;
    vg_err e;
    if (public_file_read(path, PUBLIC_FILE_MAX * 2, &text, &len, &e) != VG_OK)
        return -1;
    int fd = open(bak, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int rc = fd < 0 || pi_write_all(fd, text, len) != 0 || fsync(fd) != 0 ? -1 : 0;
    if (fd >= 0)
        close(fd);
    free(text);
    return rc;
}

/* text into path: a temporary file of the same folder written and synced, then renamed over it. */
static int pi_install(const char *path, const char *text, size_t len, FILE *errs)
{
    char tmp[SERVER_PATH_MAX + 32], bak[SERVER_PATH_MAX + 8], dir[SERVER_PATH_MAX + 1];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (!dir[0])
        snprintf(dir, sizeof dir, "/");
    snprintf(tmp, sizeof tmp, "%s.import-XXXXXX", path);
    snprintf(bak, sizeof bak, "%s.bak", path);
    struct stat st;
    bool had = stat(path, &st) == 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(errs, "vigie-server: %s: cannot create a file beside it: %s\n", path, strerror(errno));
        return 1;
    }
    const char *what = "write";
    if (fchmod(fd, had ? (st.st_mode & 07777) : 0644) != 0 || pi_write_all(fd, text, len) != 0 ||
        (what = "sync", fsync(fd) != 0) || (what = "close", close(fd) != 0)) {
        fprintf(errs, "vigie-server: %s: cannot %s: %s\n", tmp, what, strerror(errno));
        if (strcmp(what, "close") != 0)
            close(fd);
        unlink(tmp);
        return 1;
    }
    if (had && pi_backup(path, bak) != 0) {
        fprintf(errs, "vigie-server: %s: cannot keep the previous file as %s: %s\n", path, bak, strerror(errno));
        unlink(tmp);
        return 1;
    }
    if (rename(tmp, path) != 0) {
        fprintf(errs, "vigie-server: %s: cannot rename %s over it: %s\n", path, tmp, strerror(errno));
        unlink(tmp);
        return 1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* the rename itself made durable */
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int public_sites_import(const server_config *cfg, const char *csv, FILE *out, FILE *errs)
{
    if (!cfg->public_sites[0]) {
        fprintf(errs, "vigie-server: %s has no public_sites section: add `public_sites: {file: public-sites.csv, "
                "agent: AGENT}` (the file is installed there, relative to the folder of %s; AGENT checks the sites "
                "whose row names none)\n", cfg->path, cfg->path);
        return 2;
    }
    char *text;
    size_t len;
    vg_err e;
    if (public_file_read(csv, PUBLIC_FILE_MAX, &text, &len, &e) != VG_OK) {
        fprintf(errs, "vigie-server: %s\n", e.msg);
        return 2;
    }
    public_errors *pe = malloc(sizeof *pe);
    public_rows *rows = pe ? public_rows_parse(cfg, csv, text, len, pe) : NULL;
    int rc = 2;
    if (!pe) {
        fprintf(errs, "vigie-server: out of memory\n");
    } else if (!rows) {
        for (size_t i = 0; i < pe->count; i++)
            fprintf(errs, "%s\n", pe->msg[i]);
        if (pe->total > pe->count)
            fprintf(errs, "... and %zu more errors\n", pe->total - pe->count);
        fprintf(errs, "vigie-server: %s: %zu error%s, nothing imported (%s is unchanged)\n", csv, pe->total,
                pe->total > 1 ? "s" : "", cfg->public_sites);
    } else if ((rc = pi_install(cfg->public_sites, text, len, errs)) == 0) {
        size_t communes, nros;
        public_rows_stats(rows, &communes, &nros);
        fprintf(out, "imported %zu public sites (%zu communes, %zu NROs); restart vigie-server to use them\n",
                public_rows_count(rows), communes, nros);
    }
    public_rows_free(rows);
    free(pe);
    free(text);
    return rc;
}
