#include "config.h"
#include "fdio.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

static vg_code fd_out_all(int fd, const void *data, size_t len, bool socket)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = socket ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return VG_E_IO;
        p += n;
        len -= (size_t)n;
    }
    return VG_OK;
}

vg_code fd_write_all(int fd, const void *data, size_t len) { return fd_out_all(fd, data, len, false); }

vg_code fd_send_all(int fd, const void *data, size_t len) { return fd_out_all(fd, data, len, true); }

vg_code fd_read_all_or_eof(int fd, void *data, size_t len, bool *eof)
{
    char *p = data;
    size_t got = 0;
    if (eof)
        *eof = false;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 && got == 0 && eof)
            *eof = true;
        if (n <= 0)
            return VG_E_IO;
        got += (size_t)n;
    }
    return VG_OK;
}

vg_code fd_read_all(int fd, void *data, size_t len) { return fd_read_all_or_eof(fd, data, len, NULL); }
