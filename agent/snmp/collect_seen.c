#include "config.h"
#include "snmp/collect_seen.h"

#include <stdlib.h>

struct collect_seen {
    uint64_t *slots; /* 0: empty (a hash of 0 is stored as 1) */
    size_t cap, count;
};

collect_seen *collect_seen_new(void) { return calloc(1, sizeof(collect_seen)); }

void collect_seen_free(collect_seen *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s);
}

/* FNV-1a over "metric\0instance". */
static uint64_t seen_hash(const char *metric, const char *instance)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)metric; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const unsigned char *p = (const unsigned char *)instance; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h ? h : 1;
}

static bool seen_insert(uint64_t *slots, size_t cap, uint64_t h)
{
    for (size_t i = (size_t)(h & (cap - 1));; i = (i + 1) & (cap - 1)) {
        if (slots[i] == h)
            return false;
        if (slots[i] == 0) {
            slots[i] = h;
            return true;
        }
    }
}

static bool seen_grow(collect_seen *s)
{
    size_t cap = s->cap ? 2 * s->cap : 64;
    uint64_t *n = calloc(cap, sizeof *n);
    if (!n)
        return false;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            seen_insert(n, cap, s->slots[i]);
    free(s->slots);
    s->slots = n;
    s->cap = cap;
    return true;
}

bool collect_seen_add(collect_seen *s, const char *metric, const char *instance)
{
    if (!s || ((s->count + 1) * 2 > s->cap && !seen_grow(s)))
        return true;
    bool added = seen_insert(s->slots, s->cap, seen_hash(metric, instance));
    s->count += added;
    return added;
}
