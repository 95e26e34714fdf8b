#include "config.h"
#include "store/child.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"

int store_child_setup(int fd, const char *name, void (*on_child)(int))
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, on_child);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_NAME, name, 0, 0, 0);
    if (fd != 3) {
        if (dup2(fd, 3) < 0)
            _exit(1);
        fd = 3;
    }
    close_range(4, ~0U, 0);
    log_after_fork(); /* after the descriptors are settled: its stream is a copy of stderr */
    return fd;
}
