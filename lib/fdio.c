#include "config.h"
#include "fdio.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

static int fd_out_all(int fd, const void *data, size_t len, bool socket)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = socket ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fd_write_all(int fd, const void *data, size_t len) { return fd_out_all(fd, data, len, false); }

int fd_send_all(int fd, const void *data, size_t len) { return fd_out_all(fd, data, len, true); }

int fd_read_all(int fd, void *data, size_t len)
{
    char *p = data;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 && got == 0)
            return 1;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}
