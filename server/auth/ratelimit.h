/* ratelimit: failures counted per key (a client's address) in a fixed window, so that guessing tokens
 * at the login costs a minute every few tries. The table is bounded: when it is full, the entry used
 * least recently makes room. Thread-safe (a mutex of its own). */
#ifndef VIGIE_RATELIMIT_H
#define VIGIE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ratelimit ratelimit;

#define RATELIMIT_KEY_MAX 63 /* longer keys are cut: an IPv6 address is at most 45 */

/* At most max failures per key in any window of `window` seconds, in a table of `slots` keys; NULL when
 * out of memory. */
ratelimit *ratelimit_new(size_t slots, unsigned max, int64_t window);
void ratelimit_free(ratelimit *rl);
/* 0 when key may try now; else the seconds until it may (for Retry-After). */
int64_t ratelimit_wait(ratelimit *rl, const char *key, int64_t now);
/* Counts a failure of key at now. */
void ratelimit_fail(ratelimit *rl, const char *key, int64_t now);
/* Forgets key's failures (a success). */
void ratelimit_clear(ratelimit *rl, const char *key);

#endif
