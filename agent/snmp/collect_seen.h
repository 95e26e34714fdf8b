/* collect_seen: which (metric, instance) pairs a device's cycle has already given.
 *
 * A device composes several profiles (a vendor MIB and UPS-MIB, say); where two give the same metric
 * and instance, the first one, in precedence order, is kept and the other is dropped. The set holds
 * 64-bit hashes of the pairs, so it stays small for an OLT of 20,000 rows. */
#ifndef VIGIE_COLLECT_SEEN_H
#define VIGIE_COLLECT_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct collect_seen collect_seen;

collect_seen *collect_seen_new(void);
void collect_seen_free(collect_seen *s);
/* True when the pair is new (it is then remembered); also true when out of memory: a duplicate sent
 * is better than a value lost. */
bool collect_seen_add(collect_seen *s, const char *metric, const char *instance);

#endif
