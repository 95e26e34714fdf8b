/* energy_msg: a sentence a person reads (why a figure is missing, which fallback was taken), made once
 * in French and in English with the same arguments, and given by the API as {"fr": ..., "en": ...}. */
#ifndef VIGIE_ENERGY_MSG_H
#define VIGIE_ENERGY_MSG_H

#include <jansson.h>
#include <stdbool.h>

typedef struct {
    char fr[256], en[256];
} energy_msg;

/* Sets m unless it is set already (the first reason is the one a person fixes first). */
void energy_msg_set(energy_msg *m, const char *fr, const char *en, ...)
    __attribute__((format(printf, 2, 4), format(printf, 3, 4)));
void energy_msg_clear(energy_msg *m);
bool energy_msg_is_set(const energy_msg *m);
/* {"fr": ..., "en": ...}, or null when m is not set. */
json_t *energy_msg_json(const energy_msg *m);

#endif
