#include "config.h"
#include "auth/ratelimit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fixed table searched linearly: a thousand addresses are scanned in microseconds, less than the
 * hash of a token each login already costs, and nothing grows with what clients send. */

typedef struct {
    char key[RATELIMIT_KEY_MAX + 1]; /* "" : free */
    int64_t start;                   /* the first failure of the current window */
    int64_t last;                    /* the last failure: the eviction order */
    unsigned count;
} rl_entry;

struct ratelimit {
    pthread_mutex_t mu;
    unsigned max;
    int64_t window;
    size_t n;
    rl_entry e[];
};

ratelimit *ratelimit_new(size_t slots, unsigned max, int64_t window)
{
    if (slots == 0 || slots > 1000000 || max == 0 || window <= 0)
        return NULL;
    ratelimit *rl = calloc(1, sizeof *rl + slots * sizeof(rl_entry));
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    rl->max = max;
    rl->window = window;
    rl->n = slots;
    return rl;
}

void ratelimit_free(ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

/* The entry of key, or NULL; with `make`, a free one or the least recently failed one taken for it. */
static rl_entry *rl_find(ratelimit *rl, const char *key, bool make)
{
    char k[RATELIMIT_KEY_MAX + 1];
    snprintf(k, sizeof k, "%s", key ? key : "");
    rl_entry *room = NULL;
    for (size_t i = 0; i < rl->n; i++) {
        rl_entry *e = &rl->e[i];
        if (e->key[0] && strcmp(e->key, k) == 0)
            return e;
        if (!room || (room->key[0] && (!e->key[0] || e->last < room->last)))
            room = e;
    }
    if (!make)
        return NULL;
    memset(room, 0, sizeof *room);
    memcpy(room->key, k, sizeof room->key);
    return room;
}

int64_t ratelimit_wait(ratelimit *rl, const char *key, int64_t now)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = rl_find(rl, key, false);
    int64_t wait = 0;
    if (e && e->count >= rl->max && now < e->start + rl->window)
        wait = e->start + rl->window - now;
    pthread_mutex_unlock(&rl->mu);
    return wait;
}

void ratelimit_fail(ratelimit *rl, const char *key, int64_t now)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = rl_find(rl, key, true);
    if (e->count == 0 || now >= e->start + rl->window) {
        e->start = now;
        e->count = 0;
    }
    if (e->count < rl->max)
        e->count++;
    e->last = now;
    pthread_mutex_unlock(&rl->mu);
}

void ratelimit_clear(ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = rl_find(rl, key, false);
    if (e)
        memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&rl->mu);
}
