/* The device words the summary counts (status_summary.h): which enum text of outlet.status,
 * olt.pon.status and olt.ont.status means on, off or neither, as the profiles of mibs/ write them. */
#include "config.h"
#include "vocab_names.h"
#include "http/status_summary.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* Every enum text the profiles of mibs/ give these metrics, and how it counts. A profile with a new
 * word fails status_summary_test until the word is placed here. */
typedef struct {
    const char *metric;
    const char *const *on, *const *off, *const *other;
} ss_words;

/* outlets: "enabled"/"disabled" is the ICT distribution's outputEnable, whether the output is powered;
 * the rest are switching in progress, faults, or no word at all: other */
static const char *const ss_outlet_on[] = {"on", "outletOn", "enabled", NULL};
static const char *const ss_outlet_off[] = {"off", "outletOff", "disabled", NULL};
static const char *const ss_outlet_other[] = {
    "unknown", "unknow", "unavailable", "pending", "pendingOn", "pendingOff", "onWait", "offWait", "on-act",
    "off-act", "off-pending-on", "on2off", "off2on", "outletOffToOn", "outletOnToOff", "outletOnWithDelay",
    "outletOffWithDelay", "cycling", "outletCycling", "outletReboot", "outletRebootWithDelay", "rebootOn",
    "rebootOff", "error", "onError", "offError", "fault", "onFuse", "offFuse", "noComm", "noauth", "pop",
    "reading", "outletUnknown", NULL};
/* ports and ONTs: IF-MIB's ifOperStatus words (lowerLayerDown is down, dormant and notPresent are not
 * up) and the vendors' own; a "degraded" ONT (Calix) answers but is not counted online */
static const char *const ss_pon_up[] = {"up", "linkUp", NULL};
static const char *const ss_pon_down[] = {"down", "linkDown", "lowerLayerDown", NULL};
static const char *const ss_port_other[] = {"unknown", "invalid", "testing", "dormant", "notPresent", NULL};
static const char *const ss_ont_online[] = {"up", "online", "enabled", NULL};
static const char *const ss_ont_offline[] = {"down", "offline", "lowerLayerDown", NULL};
static const char *const ss_ont_other[] = {"unknown", "invalid", "testing", "dormant", "notPresent", "degraded", NULL};

static const ss_words ss_word_table[] = {
    {"outlet.status", ss_outlet_on, ss_outlet_off, ss_outlet_other},
    {"olt.pon.status", ss_pon_up, ss_pon_down, ss_port_other},
    {"olt.ont.status", ss_ont_online, ss_ont_offline, ss_ont_other},
};

const char *const status_summary_metrics[] = {
    "input.current",  "input.realpower",  "input.power",     "outlet.status",      "olt.pon.status",
    "olt.ont.status", "olt.ont.online",   "olt.ont.count",   "olt.ont.offline",    "olt.ont.rx.power",
    "cooling.state",  "cooling.alarm",    "cooling.alarm.count", "battery.runtime", VOCAB_DEVICE_UPTIME,
    NULL};

static bool ss_in(const char *const *list, const char *word)
{
    for (; *list; list++)
        if (strcasecmp(*list, word) == 0)
            return true;
    return false;
}

status_word status_summary_word(const char *metric, const char *text)
{
    for (size_t i = 0; i < sizeof ss_word_table / sizeof ss_word_table[0]; i++) {
        const ss_words *w = &ss_word_table[i];
        if (strcmp(w->metric, metric) != 0 || !text)
            continue;
        return ss_in(w->on, text) ? STATUS_WORD_ON : ss_in(w->off, text) ? STATUS_WORD_OFF
                                                   : ss_in(w->other, text) ? STATUS_WORD_OTHER
                                                                           : STATUS_WORD_UNLISTED;
    }
    return STATUS_WORD_UNLISTED;
}
