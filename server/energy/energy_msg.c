#include "config.h"
#include "energy/energy_msg.h"

#include <stdarg.h>
#include <stdio.h>

void energy_msg_set(energy_msg *m, const char *fr, const char *en, ...)
{
    if (energy_msg_is_set(m))
        return;
    va_list ap, aq;
    va_start(ap, en);
    va_copy(aq, ap);
    vsnprintf(m->fr, sizeof m->fr, fr, ap);
    vsnprintf(m->en, sizeof m->en, en, aq);
    va_end(aq);
    va_end(ap);
}

void energy_msg_clear(energy_msg *m) { m->fr[0] = m->en[0] = '\0'; }

bool energy_msg_is_set(const energy_msg *m) { return m->en[0] != '\0'; }

json_t *energy_msg_json(const energy_msg *m)
{
    return energy_msg_is_set(m) ? json_pack("{s:s, s:s}", "fr", m->fr, "en", m->en) : json_null();
}
