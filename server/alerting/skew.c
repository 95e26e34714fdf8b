#include "config.h"
#include "alerting/skew.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "push.h"

#define SKEW_CLOCK_MAX 8589934592.0 /* 2^33 s: year 2242; anything later is not a clock */

typedef struct {
    skew_entry e;
    al_level level;   /* the alert level last reported by skew_alert_changes */
    bool judged;      /* reported at least once since the server started */
    int64_t logged;   /* last refusal logged */
} skew_slot;

static pthread_mutex_t skew_lock = PTHREAD_MUTEX_INITIALIZER;
static skew_slot skew_slots[SKEW_AGENTS_MAX];
static size_t skew_n;
static unsigned long skew_total_refused;

bool skew_parse_clock(const char *value, double *out)
{
    if (!value)
        return false;
    const char *p = value;
    while (*p == ' ')
        p++;
    double v = 0;
    size_t digits = 0, frac = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 12)
            v = v * 10 + (*p - '0');
    if (digits == 0 || digits > 11)
        return false;
    if (*p == '.') {
        double scale = 0.1;
        for (p++; *p >= '0' && *p <= '9'; p++, frac++, scale /= 10)
            if (frac < 9)
                v += (*p - '0') * scale;
        if (frac == 0 || frac > 9)
            return false;
    }
    while (*p == ' ')
        p++;
    if (*p || v < 1 || v > SKEW_CLOCK_MAX)
        return false;
    *out = v;
    return true;
}

/* The slot of agent, made when make and there is room; lock held. */
static skew_slot *skew_slot_of(const char *agent, const char *site, bool make)
{
    for (size_t i = 0; i < skew_n; i++)
        if (strcmp(skew_slots[i].e.agent, agent) == 0)
            return &skew_slots[i];
    if (!make || skew_n >= SKEW_AGENTS_MAX)
        return NULL;
    skew_slot *s = &skew_slots[skew_n++];
    memset(s, 0, sizeof *s);
    snprintf(s->e.agent, sizeof s->e.agent, "%s", agent);
    snprintf(s->e.site, sizeof s->e.site, "%s", site ? site : "");
    return s;
}

void skew_note(const char *agent, const char *site, double skew, int64_t now)
{
    if (!isfinite(skew))
        return;
    pthread_mutex_lock(&skew_lock);
    skew_slot *s = skew_slot_of(agent, site, true);
    if (s) {
        s->e.skew = skew;
        s->e.measured = now;
    }
    pthread_mutex_unlock(&skew_lock);
}

void skew_refused(const char *agent, const char *site, int64_t now, bool *log_due)
{
    pthread_mutex_lock(&skew_lock);
    skew_total_refused++;
    skew_slot *s = skew_slot_of(agent, site, true);
    bool due = !s || !s->logged || now - s->logged >= SKEW_LOG_EVERY || now < s->logged;
    if (s) {
        s->e.refused++;
        s->e.refused_at = now;
        if (due)
            s->logged = now;
    }
    pthread_mutex_unlock(&skew_lock);
    *log_due = due;
}

bool skew_get(const char *agent, skew_entry *out)
{
    pthread_mutex_lock(&skew_lock);
    const skew_slot *s = skew_slot_of(agent, NULL, false);
    if (s)
        *out = s->e;
    pthread_mutex_unlock(&skew_lock);
    return s != NULL;
}

size_t skew_list(skew_entry *out, size_t max)
{
    pthread_mutex_lock(&skew_lock);
    size_t n = skew_n < max ? skew_n : max;
    for (size_t i = 0; i < n; i++)
        out[i] = skew_slots[i].e;
    pthread_mutex_unlock(&skew_lock);
    return n;
}

unsigned long skew_refused_total(void)
{
    pthread_mutex_lock(&skew_lock);
    unsigned long n = skew_total_refused;
    pthread_mutex_unlock(&skew_lock);
    return n;
}

int64_t skew_agent_now(const char *agent, int64_t now)
{
    skew_entry e;
    if (!agent || !skew_get(agent, &e) || !e.measured)
        return now;
    return now + (int64_t)llround(e.skew);
}

bool skew_fresh(int64_t ts, int64_t received, double skew, int64_t now, int64_t stale_after)
{
    if (received > 0 && now - received > stale_after)
        return false; /* nothing delivered lately: silent, whatever its clock says */
    int64_t agent_now = now + (isfinite(skew) ? (int64_t)llround(skew) : 0);
    return agent_now - ts <= stale_after;
}

al_level skew_judge(double skew, int threshold, al_level active)
{
    double a = fabs(skew);
    double crit = PUSH_MAX_AHEAD > threshold ? PUSH_MAX_AHEAD : threshold;
    al_level raw = a > crit ? AL_CRITICAL : a > threshold ? AL_WARNING : AL_OK;
    /* a level is left only once the skew is back under 80 % of its bound: no flapping at the edge */
    if (active == AL_CRITICAL && raw < AL_CRITICAL && a > 0.8 * crit)
        return AL_CRITICAL;
    if (active != AL_OK && raw == AL_OK && a > 0.8 * threshold)
        return AL_WARNING;
    return raw;
}

void skew_summary(const char *agent, double skew, char *out, size_t size)
{
    double a = fabs(skew);
    snprintf(out, size, "agent %s's clock is %.*f s %s the server's%s", agent, a < 10 ? 1 : 0, a,
             skew >= 0 ? "ahead of" : "behind",
             a > PUSH_MAX_AHEAD && skew > 0 ? ": its samples are refused until a clock is fixed" : "");
}

size_t skew_alert_changes(int threshold, skew_change *out, size_t max, bool *more)
{
    size_t n = 0;
    *more = false;
    pthread_mutex_lock(&skew_lock);
    for (size_t i = 0; i < skew_n; i++) {
        skew_slot *s = &skew_slots[i];
        if (!s->e.measured)
            continue;
        al_level l = skew_judge(s->e.skew, threshold, s->level);
        if (s->judged && l == s->level)
            continue;
        if (n == max) {
            *more = true;
            break;
        }
        skew_change *c = &out[n++];
        snprintf(c->agent, sizeof c->agent, "%s", s->e.agent);
        snprintf(c->site, sizeof c->site, "%s", s->e.site);
        c->skew = s->e.skew;
        c->level = l;
        skew_summary(s->e.agent, s->e.skew, c->summary, sizeof c->summary);
        s->level = l;
        s->judged = true;
    }
    pthread_mutex_unlock(&skew_lock);
    return n;
}

json_t *skew_agents_json(void)
{
    skew_entry *list = malloc(SKEW_AGENTS_MAX * sizeof *list);
    size_t n = list ? skew_list(list, SKEW_AGENTS_MAX) : 0;
    json_t *arr = list ? json_array() : NULL;
    for (size_t i = 0; arr && i < n; i++) {
        const skew_entry *e = &list[i];
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:I}", "agent", e->agent, "site", e->site, "clock_skew",
                              e->measured ? json_real(round(e->skew * 1000) / 1000) : json_null(), "measured",
                              e->measured ? json_integer(e->measured) : json_null(), "clock_refused",
                              (json_int_t)e->refused);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(list);
    return arr;
}

void skew_reset(void)
{
    pthread_mutex_lock(&skew_lock);
    skew_n = 0;
    skew_total_refused = 0;
    pthread_mutex_unlock(&skew_lock);
}
