#include "config.h"
#include "vocab_names.h"
#include "alerting/selftest_alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerting/alert_config.h"
#include "alerting/alerts.h"
#include "log.h"

#define SA_BATCH_UPS_MAX 512 /* UPS judged per batch: a site has a few */

/* The day of a test: the UPS's date, else its time in UTC. */
static void sa_day(const db_selftest *t, char *out, size_t size)
{
    if (t->date[0]) {
        snprintf(out, size, "%s", t->date);
        return;
    }
    if (t->at <= 0) {
        snprintf(out, size, "date unknown");
        return;
    }
    time_t tt = (time_t)t->at;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%d", &tm);
}

al_level selftest_alert_judge(const alert_selftest_rule *r, const selftest_ups *u, int64_t now, char *why,
                              size_t size)
{
    char day[32];
    al_level level = AL_OK;
    why[0] = '\0';
    if (r->on_failure != AL_OK && u->has_last && strcmp(u->last.result, "failed") == 0) {
        sa_day(&u->last, day, sizeof day);
        level = r->on_failure;
        snprintf(why, size, "%s: last self-test failed (%s)", u->device, day);
    }
    /* a pass reported without a date was before the tests were first watched */
    int64_t ref = u->has_passed && u->passed.at > 0 ? u->passed.at : u->watched_since;
    int64_t limit = (int64_t)r->max_age_days * 86400;
    if (r->max_age_days > 0 && ref > 0 && now - ref > limit && level < AL_WARNING) {
        level = AL_WARNING;
        if (u->has_passed && u->passed.at > 0) {
            sa_day(&u->passed, day, sizeof day);
            snprintf(why, size, "%s: last passed self-test %lld days ago (%s), more than %d", u->device,
                     (long long)((now - ref) / 86400), day, r->max_age_days);
        } else {
            snprintf(why, size, "%s: no passed self-test seen in %lld days, more than %d", u->device,
                     (long long)((now - ref) / 86400), r->max_age_days);
        }
    }
    return level;
}

static bool sa_is_test_word(const char *metric)
{
    return strcmp(metric, VOCAB_UPS_TEST_RESULT) == 0 || strcmp(metric, VOCAB_UPS_TEST_RUNNING) == 0;
}

static void sa_judge(db *d, const server_config *cfg, const alert_selftest_rule *r, const char *site,
                     const char *device, int64_t now)
{
    selftest_ups u;
    vg_err err;
    if (selftest_ups_get(d, cfg, site, device, now, &u, &err) != VG_OK) {
        log_error("alerts", "self-tests of %s/%s: %s", site, device, err.msg);
        return;
    }
    if (u.has_last && strcmp(u.last.result, SELFTEST_IN_PROGRESS) == 0)
        return; /* judged on its result, once it has one */
    char why[400];
    al_level level = selftest_alert_judge(r, &u, now, why, sizeof why);
    if (level == AL_OK)
        alerts_clear(d, cfg, site, device, VOCAB_UPS_TEST_RESULT, "", SELFTEST_ALERT_KIND, now);
    else
        alerts_raise(d, site, device, VOCAB_UPS_TEST_RESULT, "", SELFTEST_ALERT_KIND, level, why,
                     (double)u.age_days, now);
}

void selftest_alerts_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, int64_t now)
{
    alert_selftest_rule dflt;
    selftest_alert_defaults(&dflt);
    const alert_selftest_rule *r = cfg->alerting ? &cfg->alerting->self_test : &dflt;
    const char *done[SA_BATCH_UPS_MAX];
    size_t ndone = 0;
    for (size_t i = 0; i < push_batch_count(b); i++) {
        const push_sample *s = push_batch_at(b, i);
        if (!sa_is_test_word(s->metric))
            continue;
        bool seen = false;
        for (size_t k = ndone; k-- > 0 && !seen;) /* samples of a device come together: look back */
            seen = strcmp(done[k], s->device) == 0;
        if (seen || ndone == SA_BATCH_UPS_MAX)
            continue;
        done[ndone++] = s->device;
        sa_judge(d, cfg, r, site, s->device, now);
    }
}
