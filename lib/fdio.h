/* fdio: whole buffers through a file descriptor, across short writes and reads and EINTR.
 *
 * fd_send_all is for sockets: a peer that went away is an error (EPIPE), never a SIGPIPE that would
 * kill the process. fd_write_all is for files and pipes. */
#ifndef VIGIE_FDIO_H
#define VIGIE_FDIO_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* VG_OK when all len bytes went out, VG_E_IO otherwise (errno says why). */
vg_code fd_write_all(int fd, const void *data, size_t len);
vg_code fd_send_all(int fd, const void *data, size_t len);

/* VG_OK when len bytes were read, VG_E_IO otherwise: an error (errno says which) or the end of the
 * stream. */
vg_code fd_read_all(int fd, void *data, size_t len);
/* The same, telling apart in *eof (when not NULL) the end of the stream before the first byte: a
 * peer that closed its end between two messages, which is how a conversation ends. */
vg_code fd_read_all_or_eof(int fd, void *data, size_t len, bool *eof);

#endif
