#include "config.h"
#include "alerting/rules.h"

#include <string.h>

const char *al_level_name(al_level l)
{
    switch (l) {
    case AL_WARNING: return "warning";
    case AL_CRITICAL: return "critical";
    default: return "ok";
    }
}

const alert_rule *alert_rule_match(const alert_rule *rules, size_t n, const char *site, const char *device,
                                   const char *metric, const char *instance)
{
    const alert_rule *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < n; i++) {
        const alert_rule *r = &rules[i];
        if (strcmp(r->metric, metric) != 0 || (r->site[0] && strcmp(r->site, site) != 0) ||
            (r->device[0] && strcmp(r->device, device) != 0) || (r->instance[0] && strcmp(r->instance, instance) != 0))
            continue;
        int score = (r->instance[0] ? 4 : 0) + (r->device[0] ? 2 : 0) + (r->site[0] ? 1 : 0);
        if (score > best_score) {
            best = r;
            best_score = score;
        }
    }
    return best;
}

bool alert_rule_has_levels(const alert_rule *r)
{
    return r->has_warn_above || r->has_warn_below || r->has_crit_above || r->has_crit_below;
}

/* Whether value is past a threshold, the way out of an active level needing `hyst` more. */
static bool al_above(double v, double th, bool active, double hyst) { return active ? v > th - hyst : v > th; }
static bool al_below(double v, double th, bool active, double hyst) { return active ? v < th + hyst : v < th; }

al_level alert_rule_judge(const alert_rule *r, double value, al_level active)
{
    bool in_crit = active == AL_CRITICAL, in_warn = active >= AL_WARNING;
    if ((r->has_crit_above && al_above(value, r->crit_above, in_crit, r->hysteresis)) ||
        (r->has_crit_below && al_below(value, r->crit_below, in_crit, r->hysteresis)))
        return AL_CRITICAL;
    if ((r->has_warn_above && al_above(value, r->warn_above, in_warn, r->hysteresis)) ||
        (r->has_warn_below && al_below(value, r->warn_below, in_warn, r->hysteresis)))
        return AL_WARNING;
    return AL_OK;
}

static al_event al_change(alert_track *t, al_level to, int64_t ts, const al_flap_cfg *flap)
{
    t->active = to;
    memmove(&t->changes[1], &t->changes[0], (AL_FLAP_MAX - 1) * sizeof t->changes[0]);
    t->changes[0] = ts;
    if (flap && flap->changes > 0 && !t->flapping) {
        int n = 0;
        for (int i = 0; i < AL_FLAP_MAX; i++)
            if (t->changes[i] && ts - t->changes[i] < flap->window)
                n++;
        if (n >= flap->changes) {
            t->flapping = true;
            t->flap_event = AL_EV_FLAPPING;
        }
    }
    return to == AL_OK ? AL_EV_RESOLVE : AL_EV_FIRE;
}

al_event alert_track_observe(alert_track *t, al_level observed, int64_t ts, int for_s, const al_flap_cfg *flap)
{
    t->flap_event = AL_EV_NONE;
    if (observed != t->pending || t->pending_since == 0) {
        t->pending = observed;
        t->pending_since = ts;
    }
    if (observed == t->active)
        return AL_EV_NONE;
    /* going down (towards ok) is at once: hysteresis already kept the noise out */
    if (observed < t->active || ts - t->pending_since >= for_s)
        return al_change(t, observed, ts, flap);
    return AL_EV_NONE;
}

al_event alert_track_tick(alert_track *t, int64_t now, int for_s, const al_flap_cfg *flap)
{
    t->flap_event = AL_EV_NONE;
    if (t->flapping && flap && (t->changes[0] == 0 || now - t->changes[0] >= flap->window)) {
        t->flapping = false;
        t->flap_event = AL_EV_STABLE;
    }
    if (t->pending != t->active && t->pending > t->active && t->pending_since && now - t->pending_since >= for_s)
        return al_change(t, t->pending, now, flap);
    return AL_EV_NONE;
}

bool alert_held(al_kind kind, bool site_unreachable, bool device_unreachable)
{
    switch (kind) {
    case AL_KIND_SITE: return false;
    case AL_KIND_DEVICE: return site_unreachable;
    default: return site_unreachable || device_unreachable;
    }
}

bool alert_heartbeat_lost(int64_t last_push, int64_t now, int step, int steps)
{
    return last_push > 0 && now - last_push > (int64_t)step * steps;
}

size_t alert_group_plan(const char *const *site, const int64_t *fired, size_t n, int64_t now, int wait, long *group)
{
    size_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        group[i] = -1;
        long first = -1;
        int64_t oldest = fired[i];
        for (size_t j = 0; j < n; j++)
            if (strcmp(site[i], site[j]) == 0) {
                if (first < 0)
                    first = (long)j;
                if (fired[j] < oldest)
                    oldest = fired[j];
            }
        if (now - oldest >= wait) {
            group[i] = first;
            if (first == (long)i)
                groups++;
        }
    }
    return groups;
}

int alert_escalation_level(int64_t fired, int64_t now, int escalate_after, int nchain)
{
    if (nchain <= 1 || escalate_after <= 0 || now <= fired)
        return 0;
    int64_t k = (now - fired) / escalate_after;
    return k >= nchain - 1 ? nchain - 1 : (int)k;
}

bool alert_repeat_due(int64_t last_notified, int64_t now, int interval)
{
    return interval > 0 && now - last_notified >= interval;
}

int alert_retry_delay(int attempts, int base)
{
    int d = base > 0 ? base : 30;
    for (int i = 1; i < attempts && d < 3600; i++)
        d *= 2;
    return d > 3600 ? 3600 : d;
}
