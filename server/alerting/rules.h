/* alert_rules: the pure part of on-call alerting, over a caller's clock, so that unit tests drive
 * scripted sample streams (tests/unit/alerts_test.c). alerts.c stores the trackers in SQLite and
 * calls these functions at ingest and from alerts_tick().
 *
 *   level      ok / warning / critical, from a rule's thresholds or the agent's own severity
 *   hysteresis a level is left only when the value is back past the threshold by clear_hysteresis
 *   drift      a level from the series' slope in its unit per week over the last 7 days (drift.h)
 *   for        a level must hold `for` seconds before it becomes the active one (clearing is at once)
 *   flapping   `changes` active changes within `window` seconds: one flapping notice, then silence
 *              about that series until it has been quiet for a whole window
 *   hold       a device's metric alerts are held behind "device unreachable", and everything of a
 *              site behind "site unreachable" (heartbeat lost)
 *   grouping   alerts of one site fired within `group_wait` of the first one go out as one message
 *   escalation the chain's next contact after `escalate_after` seconds without acknowledgement;
 *              repeats every `repeat` seconds (per severity) while firing and unacknowledged */
#ifndef VIGIE_ALERT_RULES_H
#define VIGIE_ALERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

typedef enum { AL_OK = 0, AL_WARNING = 1, AL_CRITICAL = 2 } al_level;

const char *al_level_name(al_level l);

typedef enum { AL_DRIFT_BOTH = 0, AL_DRIFT_DOWN, AL_DRIFT_UP } al_drift_dir;

/* A rule's `drift:` (drift.h judges it): thresholds on the drift's magnitude, in the metric's unit per
 * week, reached (>=) in `direction`; left once back under threshold - hysteresis. */
typedef struct {
    bool on;
    bool has_warning, has_critical;
    double warning, critical;
    double hysteresis;
    int min_span;            /* seconds the days used must span before there is an estimate */
    al_drift_dir direction;
} alert_drift_rule;

/* alerting.self_test (selftest_alerts.h): a UPS's last self-test failed, or its last pass is too old. */
typedef struct {
    int max_age_days;    /* 0: no age alert */
    al_level on_failure; /* AL_OK: no alert for a failed test */
} alert_selftest_rule;

typedef struct {
    char site[NAME_MAX_LEN + 1];         /* "" any */
    char device[NAME_MAX_LEN + 1];       /* "" any */
    char metric[NAME_MAX_LEN + 1];
    char instance[INSTANCE_MAX_LEN + 1]; /* "" any */
    bool has_warn_above, has_warn_below, has_crit_above, has_crit_below;
    double warn_above, warn_below, crit_above, crit_below;
    int for_s;                           /* seconds a level must hold before it fires */
    double hysteresis;                   /* clear_hysteresis, in the metric's unit */
    alert_drift_rule drift;              /* drift.on: the series' drift is judged too */
} alert_rule;

/* Whether a rule judges the level (it has a threshold): a rule with only `drift` leaves the level to
 * the agent's own severity. */
bool alert_rule_has_levels(const alert_rule *r);

/* The most specific rule for a series (instance, then device, then site count), or NULL. */
const alert_rule *alert_rule_match(const alert_rule *rules, size_t n, const char *site, const char *device,
                                   const char *metric, const char *instance);

/* The level of `value` under a rule, knowing the currently active level (for hysteresis). */
al_level alert_rule_judge(const alert_rule *r, double value, al_level active);

#define AL_FLAP_MAX 16

/* One series' tracker: what alerts.c keeps per (site, device, metric, instance). */
typedef struct {
    al_level active;      /* the level notified about */
    al_level pending;     /* the last observed level */
    int64_t pending_since;
    int64_t changes[AL_FLAP_MAX]; /* times of the last active changes, newest first */
    bool flapping;
    int flap_event;       /* set by the last call: AL_EV_FLAPPING, AL_EV_STABLE or AL_EV_NONE */
} alert_track;

typedef enum {
    AL_EV_NONE = 0,
    AL_EV_FIRE,      /* active went from ok to warning/critical, or changed between them */
    AL_EV_RESOLVE,   /* active went back to ok */
    AL_EV_FLAPPING,  /* the series started flapping (one notice) */
    AL_EV_STABLE,    /* the series stopped flapping */
} al_event;

typedef struct {
    int changes;     /* 0: no flapping detection */
    int window;      /* seconds */
} al_flap_cfg;

/* Feeds one observation at ts. Returns AL_EV_FIRE, AL_EV_RESOLVE or AL_EV_NONE (what became of the
 * active level, always reported so that it is recorded); t->flap_event says whether flapping began
 * (AL_EV_FLAPPING) or ended (AL_EV_STABLE) with this call. While t->flapping, changes are recorded
 * but not notified. */
al_event alert_track_observe(alert_track *t, al_level observed, int64_t ts, int for_s, const al_flap_cfg *flap);
/* Time passing without a sample: a pending level whose `for` has elapsed becomes active; a flapping
 * series quiet for a whole window becomes stable. */
al_event alert_track_tick(alert_track *t, int64_t now, int for_s, const al_flap_cfg *flap);

/* Dependencies: whether an alert of this kind is held (recorded, not notified). */
typedef enum { AL_KIND_SITE = 0, AL_KIND_DEVICE, AL_KIND_METRIC } al_kind;
bool alert_held(al_kind kind, bool site_unreachable, bool device_unreachable);

/* Heartbeat: a site whose agent last pushed at `last_push` is unreachable after `steps` steps. */
bool alert_heartbeat_lost(int64_t last_push, int64_t now, int step, int steps);

/* Grouping: of n alerts waiting for their first notification (site[i], fired[i]), the ones to send
 * now get group[i] = index of the first alert of their group (same site); others get -1. A site's
 * group is sent once its oldest waiting alert is `wait` seconds old. Returns the number of groups. */
size_t alert_group_plan(const char *const *site, const int64_t *fired, size_t n, int64_t now, int wait,
                        long *group);

/* Escalation: the chain level due at `now` for an unacknowledged alert fired at `fired`
 * (0 .. nchain - 1; level k after k * escalate_after seconds). */
int alert_escalation_level(int64_t fired, int64_t now, int escalate_after, int nchain);
/* A repeat notification is due. interval 0: never. */
bool alert_repeat_due(int64_t last_notified, int64_t now, int interval);
/* Delivery retries: the wait after `attempts` failed attempts (base, 2 base, 4 base ... at most 1 h). */
int alert_retry_delay(int attempts, int base);

#endif
