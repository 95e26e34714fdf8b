/* clockshift: a test-only LD_PRELOAD library that moves a program's wall clock (tests/integration/clocks.sh).
 *
 * The offset, in seconds, is read from the file named by CLOCKSHIFT_FILE (re-read at most once a real
 * second, so that a test can step the clock of a running program); time(), gettimeofday() and
 * clock_gettime(CLOCK_REALTIME*) return the real time plus it. Monotonic clocks are left alone, as a
 * stepped wall clock leaves them. The real time comes from the system call itself, so that nothing
 * here depends on the order in which libraries (sanitizers included) are searched. Never installed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long cs_offset;
static long cs_checked = -1; /* the monotonic second of the last read */

static void cs_real(clockid_t id, struct timespec *ts) { syscall(SYS_clock_gettime, id, ts); }

static long cs_shift(void)
{
    struct timespec m;
    cs_real(CLOCK_MONOTONIC, &m);
    if (__atomic_load_n(&cs_checked, __ATOMIC_RELAXED) != (long)m.tv_sec) {
        __atomic_store_n(&cs_checked, (long)m.tv_sec, __ATOMIC_RELAXED);
        const char *path = getenv("CLOCKSHIFT_FILE");
        int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd >= 0) {
            char buf[32];
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n > 0) {
                buf[n] = '\0';
                __atomic_store_n(&cs_offset, strtol(buf, NULL, 10), __ATOMIC_RELAXED);
            }
        }
    }
    return __atomic_load_n(&cs_offset, __ATOMIC_RELAXED);
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    int rc = (int)syscall(SYS_clock_gettime, id, ts);
    if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
        ts->tv_sec += cs_shift();
    return rc;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    struct timespec ts;
    cs_real(CLOCK_REALTIME, &ts);
    tv->tv_sec = ts.tv_sec + cs_shift(); /* glibc declares tv non-null */
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

time_t time(time_t *out)
{
    struct timespec ts;
    cs_real(CLOCK_REALTIME, &ts);
    time_t t = ts.tv_sec + cs_shift();
    if (out)
        *out = t;
    return t;
}
