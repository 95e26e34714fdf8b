/* log: the line format (time, level, module), the journal's priority prefix when stderr is the journal,
 * and errors that repeat held back per key (log_limited), said again when they recover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static char captured[65536];

/* Runs fn with fd 2 on a temporary file, then reads what it wrote into captured. */
static void capture(void (*fn)(void))
{
    char path[] = "/tmp/vigie-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, captured, sizeof captured - 1);
    captured[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
}

static int count(const char *needle)
{
    int n = 0;
    for (const char *p = captured; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void say_plain(void) { log_warn("poll", "ups-a: send failed: %s", "timeout"); }

static void test_format(void **state)
{
    (void)state;
    capture(say_plain);
    regex_t re;
    assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z warn  poll: ups-a: send failed: "
                                  "timeout\n$", REG_EXTENDED), 0);
    if (regexec(&re, captured, 0, NULL, 0) != 0)
        fail_msg("not one line of time, level, module: '%s'", captured);
    regfree(&re);
}

static void say_repeated(void)
{
    for (int i = 0; i < 5; i++)
        log_limited(LOG_LVL_WARN, "poll", "ups-a: send", "ups-a: send failed (%d)", i);
    log_limited(LOG_LVL_WARN, "poll", "pdu-b: send", "pdu-b: send failed");
    log_limited_clear("poll", "ups-a: send");
    log_limited(LOG_LVL_WARN, "poll", "ups-a: send", "ups-a: send failed again");
    log_limited_clear("poll", "never-failed: send"); /* nothing to say */
}

static void test_limited(void **state)
{
    (void)state;
    capture(say_repeated);
    assert_int_equal(count("ups-a: send failed (0) (the same again is held back 60 s)"), 1);
    assert_int_equal(count("ups-a: send failed (1)"), 0); /* held back: within the minute */
    assert_int_equal(count("ups-a: send failed (4)"), 0);
    assert_int_equal(count("pdu-b: send failed (the same again"), 1); /* another key is its own */
    assert_int_equal(count("info  poll: ups-a: send: works again, after failures held back"), 1);
    assert_int_equal(count("ups-a: send failed again (the same again is held back 60 s)"), 1); /* at once after */
    assert_int_equal(count("never-failed"), 0);
}

static void say_many_keys(void)
{
    char key[32];
    for (int i = 0; i < LOG_LIMIT_KEYS + 100; i++) {
        snprintf(key, sizeof key, "dev%d: send", i);
        log_limited(LOG_LVL_ERROR, "poll", key, "dev%d failed", i);
    }
}

static void test_bounded_keys(void **state)
{
    (void)state;
    capture(say_many_keys);
    /* every new key is said once, the table bounded: the oldest forgotten, never a crash */
    assert_int_equal(count(" failed (the same again"), LOG_LIMIT_KEYS + 100);
}

static void test_level(void **state)
{
    (void)state;
    log_set_level(LOG_LVL_ERROR);
    capture(say_repeated);
    assert_int_equal(captured[0], '\0'); /* warnings below the level: nothing, and nothing counted */
    log_set_level(LOG_LVL_INFO);
}

static void test_journal(void **state)
{
    (void)state;
    /* in a child: whether stderr is the journal is decided once per process */
    char path[] = "/tmp/vigie-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd, 2);
        struct stat st;
        fstat(2, &st);
        char js[64];
        snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", js, 1);
        log_error("server", "cannot open the database");
        log_info("server", "listening");
        log_msg(LOG_LVL_DEBUG, "server", "hidden at info level");
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, captured, sizeof captured - 1);
    captured[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    assert_string_equal(captured, "<3>error server: cannot open the database\n<6>info  server: listening\n");
}

static void test_journal_elsewhere(void **state)
{
    (void)state;
    /* JOURNAL_STREAM inherited, but stderr redirected since: the plain format */
    char path[] = "/tmp/vigie-log-XXXXXX";
    int fd = mkstemp(path);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 2);
        setenv("JOURNAL_STREAM", "1:1", 1);
        log_warn("agent", "x");
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, captured, sizeof captured - 1);
    captured[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    assert_true(captured[0] >= '0' && captured[0] <= '9');
    assert_non_null(strstr(captured, "Z warn  agent: x\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),  cmocka_unit_test(test_limited),         cmocka_unit_test(test_bounded_keys),
        cmocka_unit_test(test_level),   cmocka_unit_test(test_journal),         cmocka_unit_test(test_journal_elsewhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
