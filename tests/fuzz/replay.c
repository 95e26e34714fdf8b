/* Replays every kept fuzz input through its harness's entry point (targets.c), in `make check`
 * and with the normal compiler: every file of tests/fuzz/regressions/HARNESS/ (inputs that once
 * crashed) and of tests/fuzz/corpus/HARNESS/ (the minimized corpora). Each input runs in a child process, so that
 * a crash is one failed test naming its file. Output: TAP.
 *
 * usage: replay [FILE|DIR ...]   (default: the two folders above, under $VIGIE_FUZZ_SRCDIR or the
 * source tree). A file's harness is the name of the folder holding it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

typedef struct {
    char **paths;
    size_t count, cap;
} file_list;

static void list_add(file_list *l, const char *path)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->paths = realloc(l->paths, l->cap * sizeof *l->paths);
        if (!l->paths)
            abort();
    }
    if (!(l->paths[l->count++] = strdup(path)))
        abort();
}

static int cmp_paths(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Adds the regular files of dir (not recursing); returns -1 if dir cannot be read. */
static int list_dir(file_list *l, const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return -1;
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            list_add(l, path);
    }
    closedir(dh);
    return 0;
}

/* Adds the files of every harness folder of dir (dir/HARNESS/FILE). */
static void list_tree(file_list *l, const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        list_dir(l, path);
    }
    closedir(dh);
}

/* The harness of a file: the name of its folder. */
static fuzz_target_fn harness_of(const char *path, char *name, size_t size)
{
    const char *slash = strrchr(path, '/');
    const char *start = path;
    size_t len = slash ? (size_t)(slash - path) : 0;
    for (size_t i = len; i > 0; i--)
        if (path[i - 1] == '/') {
            start = path + i;
            break;
        }
    len -= (size_t)(start - path);
    snprintf(name, size, "%.*s", (int)len, start);
    return fuzz_target_by_name(name);
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    unsigned char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            unsigned char *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *size = n;
    return buf;
}

/* Runs one input in a child; returns a reason for failure, or NULL. */
static const char *run_one(fuzz_target_fn fn, const char *path, char *why, size_t size)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, size, "fork: %s", strerror(errno));
        return why;
    }
    if (pid == 0) {
        size_t n = 0;
        unsigned char *data = read_all(path, &n);
        if (!data)
            _exit(3);
        fn(data, n);
        free(data);
        exit(0); /* exit, not _exit: LeakSanitizer checks at exit in sanitizer builds */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(why, size, "waitpid: %s", strerror(errno));
            return why;
        }
    if (WIFSIGNALED(status)) {
        snprintf(why, size, "killed by signal %d", WTERMSIG(status));
        return why;
    }
    if (WEXITSTATUS(status) == 3) {
        snprintf(why, size, "cannot read the file");
        return why;
    }
    if (WEXITSTATUS(status) != 0) {
        snprintf(why, size, "exit status %d", WEXITSTATUS(status));
        return why;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *src = getenv("VIGIE_FUZZ_SRCDIR");
    if (!src || !*src)
        src = FUZZ_SRCDIR;
    file_list files = {0};
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            struct stat st;
            if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
                list_dir(&files, argv[i]);
            else
                list_add(&files, argv[i]);
        }
    } else {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/tests/fuzz/regressions", src);
        list_tree(&files, dir);
        snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus", src);
        list_tree(&files, dir);
    }
    qsort(files.paths, files.count, sizeof *files.paths, cmp_paths);
    if (files.count == 0) {
        printf("1..0 # SKIP no fuzz inputs found under %s/tests/fuzz\n", src);
        return 0;
    }
    /* set up once (the profiles of mibs/ are loaded here), so that every child inherits it */
    if (fuzz_init() != 0) {
        printf("Bail out! the fuzz targets cannot be set up (VIGIE_FUZZ_SRCDIR=%s)\n", src);
        return 1;
    }
    printf("1..%zu\n", files.count);
    size_t failed = 0;
    size_t prefix = strlen(src) + 1;
    for (size_t i = 0; i < files.count; i++) {
        const char *path = files.paths[i];
        const char *shown = strncmp(path, src, prefix - 1) == 0 && path[prefix - 1] == '/' ? path + prefix : path;
        char name[256], why[512];
        fuzz_target_fn fn = harness_of(path, name, sizeof name);
        const char *bad = fn ? run_one(fn, path, why, sizeof why) : "no harness of that name";
        if (bad) {
            failed++;
            printf("not ok %zu - %s (%s: %s)\n", i + 1, shown, name, bad);
        } else {
            printf("ok %zu - %s\n", i + 1, shown);
        }
        free(files.paths[i]);
    }
    free(files.paths);
    return failed ? 1 : 0;
}
