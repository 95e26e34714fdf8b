/* profile_set: a folder of profiles with the vocabulary they are checked against; loading stops at
 * the first error, checking (--check-profiles) reports the first one of every file. */
#include "config.h"
#include "profile/profile_internal.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

struct profile_set {
    vocab *vocab;
    profile *profiles;
    size_t count;
    const profile *generic;
};

static int prof_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the .yaml files of dir except the vocabulary, sorted, so that load order never depends on readdir. */
static char **prof_list_files(const char *dir, size_t *count, vg_err *err)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        vg_fail(err, VG_E_IO, "%s: cannot open profile folder", dir);
        return NULL;
    }
    size_t cap = 16, n = 0;
    char **names = prof_calloc(cap, sizeof *names);
    struct dirent *de;
    while ((de = readdir(dh))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0 || de->d_name[0] == '.' ||
            strcmp(de->d_name, "vocabulary.yaml") == 0)
            continue;
        if (n == cap) {
            cap *= 2;
            char **p = realloc(names, cap * sizeof *names);
            if (!p)
                abort();
            names = p;
        }
        size_t plen = strlen(dir) + len + 2;
        names[n] = malloc(plen);
        if (!names[n])
            abort();
        snprintf(names[n++], plen, "%s/%s", dir, de->d_name);
    }
    closedir(dh);
    qsort(names, n, sizeof *names, prof_cmp_names);
    *count = n;
    return names;
}

static void prof_free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static profile_set *prof_set_new(const char *dir, vg_err *err)
{
    profile_set *set = prof_calloc(1, sizeof *set);
    char path[4096];
    snprintf(path, sizeof path, "%s/vocabulary.yaml", dir);
    if (!(set->vocab = vocab_load(path, err))) {
        profile_set_free(set);
        return NULL;
    }
    return set;
}

static int prof_set_add(profile_set *set, const char *path, vg_err *err)
{
    conf_doc *d = conf_doc_load_file(path, err);
    if (!d)
        return -1;
    profile *p = &set->profiles[set->count];
    int rc = profile_read(set->vocab, d, path, p, err);
    if (rc == 0) {
        const profile *dup = profile_set_find(set, p->name);
        if (dup)
            rc = conf_fail(err, d, conf_map_get(d, conf_doc_root(d), "profile"), "profile",
                           "'%s' is also the name of %s", p->name, dup->file);
    }
    if (rc == 0) {
        for (size_t i = 0; i < p->nmetrics && rc == 0; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(p->metrics[i].name, p->metrics[j].name) == 0) {
                    /* conf_check_map already refuses duplicate keys; kept as a guard */
                    rc = vg_fail(err, VG_E_INVALID, "%s:%d: metric %s defined twice", path, p->metrics[i].line,
                                 p->metrics[i].name);
                    break;
                }
    }
    conf_doc_free(d);
    if (rc != 0) {
        profile_clear(p);
        return -1;
    }
    set->count++;
    if (strcmp(p->cls, "generic") == 0 && strcmp(p->name, "generic") == 0)
        set->generic = p;
    return 0;
}

/* Every `supersedes` names a profile of the set; the number of those that do not (reported to out or err). */
static int prof_set_check_refs(const profile_set *set, FILE *out, vg_err *err)
{
    int bad = 0;
    for (size_t i = 0; i < set->count; i++) {
        const profile *p = &set->profiles[i];
        for (size_t k = 0; k < p->nsupersedes; k++) {
            if (profile_set_find(set, p->supersedes[k]))
                continue;
            if (out)
                fprintf(out, "%s: supersedes: '%s' is not a profile of this folder\n", p->file, p->supersedes[k]);
            else if (!bad)
                vg_fail(err, VG_E_INVALID, "%s: supersedes: '%s' is not a profile of this folder", p->file,
                        p->supersedes[k]);
            bad++;
        }
    }
    return bad;
}

profile_set *profile_set_load(const char *dir, vg_err *err)
{
    profile_set *set = prof_set_new(dir, err);
    if (!set)
        return NULL;
    size_t n = 0;
    char **files = prof_list_files(dir, &n, err);
    if (!files) {
        profile_set_free(set);
        return NULL;
    }
    set->profiles = prof_calloc(n, sizeof *set->profiles);
    for (size_t i = 0; i < n; i++) {
        if (prof_set_add(set, files[i], err) != 0) {
            prof_free_list(files, n);
            profile_set_free(set);
            return NULL;
        }
    }
    prof_free_list(files, n);
    if (prof_set_check_refs(set, NULL, err)) {
        profile_set_free(set);
        return NULL;
    }
    return set;
}

int profile_set_check(const char *dir, FILE *out)
{
    vg_err err;
    profile_set *set = prof_set_new(dir, &err);
    if (!set) {
        fprintf(out, "%s\n", err.msg);
        return 1;
    }
    size_t n = 0;
    char **files = prof_list_files(dir, &n, &err);
    if (!files) {
        fprintf(out, "%s\n", err.msg);
        profile_set_free(set);
        return 1;
    }
    int problems = 0;
    set->profiles = prof_calloc(n, sizeof *set->profiles);
    for (size_t i = 0; i < n; i++) {
        if (prof_set_add(set, files[i], &err) != 0) {
            fprintf(out, "%s\n", err.msg);
            problems++;
        }
    }
    problems += prof_set_check_refs(set, out, NULL);
    if (problems == 0)
        fprintf(out, "%zu profiles and %zu vocabulary names checked in %s: no problem\n", set->count,
                vocab_metric_count(set->vocab), dir);
    prof_free_list(files, n);
    profile_set_free(set);
    return problems;
}

void profile_set_free(profile_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        profile_clear(&set->profiles[i]);
    free(set->profiles);
    vocab_free(set->vocab);
    free(set);
}

size_t profile_set_count(const profile_set *set) { return set->count; }

const profile *profile_set_at(const profile_set *set, size_t i) { return &set->profiles[i]; }

const profile *profile_set_generic(const profile_set *set) { return set->generic; }

const vocab *profile_set_vocab(const profile_set *set) { return set->vocab; }

const profile *profile_set_find(const profile_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->profiles[i].name && strcmp(set->profiles[i].name, name) == 0)
            return &set->profiles[i];
    return NULL;
}
