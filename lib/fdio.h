/* fdio: whole buffers through a file descriptor, across short writes and reads and EINTR.
 *
 * fd_send_all is for sockets: a peer that went away is an error (EPIPE), never a SIGPIPE that would
 * kill the process. fd_write_all is for files and pipes. */
#ifndef VIGIE_FDIO_H
#define VIGIE_FDIO_H

#include <stddef.h>

/* 0 when all len bytes went out, -1 otherwise (errno says why). */
int fd_write_all(int fd, const void *data, size_t len);
int fd_send_all(int fd, const void *data, size_t len);

/* 0 when len bytes were read, 1 at the end of the stream before the first byte, -1 otherwise (an error,
 * or the end in the middle). */
int fd_read_all(int fd, void *data, size_t len);

#endif
