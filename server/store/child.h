/* child: the set-up of a helper process of the store right after fork (the RRD writers, rrd_writer.c;
 * the graph process and its forker, graph.c).
 *
 * The channel to the server becomes fd 3, the one descriptor kept besides stdio (not the server's
 * sockets, database or other files). A stop of the server (Ctrl-C in a terminal, systemd's SIGTERM to
 * the unit) must not cut an update or a graph in the middle: the process ignores SIGINT, SIGTERM and
 * SIGHUP and ends when the server closes its end. SIGPIPE is ignored (a closed channel is an error
 * return), no signal is blocked, and the process is named for ps and top. */
#ifndef VIGIE_STORE_CHILD_H
#define VIGIE_STORE_CHILD_H

/* Sets up the process as above, with on_child as its SIGCHLD disposition (SIG_DFL, or SIG_IGN to have
 * its own children reaped as they end); returns the channel's new descriptor, 3. Exits (status 1) when
 * the channel cannot be moved. */
int store_child_setup(int fd, const char *name, void (*on_child)(int));

#endif
