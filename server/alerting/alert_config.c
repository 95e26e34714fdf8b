#include "config.h"
#include "alerting/alert_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/drift.h"
#include "alerting/oncall.h"
#include "alerting/selftest_alerts.h"
#include "alerting/smtp.h"

/* A threshold: *has tells whether the rule gives it. */
static vg_code ac_thr(const conf_doc *d, const conf_node *n, const char *key, bool *has, double *v, vg_err *err)
{
    if (!conf_map_get(d, n, key))
        return VG_OK;
    *has = true;
    return conf_get_double(d, n, key, true, v, err);
}

/* A threshold of drift: given, a number, above 0. */
static vg_code ac_drift_thr(const conf_doc *d, const conf_node *n, const char *key, bool *has, double *v, vg_err *err)
{
    vg_code rc = ac_thr(d, n, key, has, v, err);
    if (rc == VG_OK && *has && !(*v > 0))
        return conf_fail(err, d, conf_map_get(d, n, key), key, "must be a drift above 0 (the metric's unit per week)");
    return rc;
}

/* `drift: {warning, critical, min_span, clear_hysteresis, direction}` (drift.h). */
static vg_code ac_drift(const conf_doc *d, const conf_node *n, alert_drift_rule *dr, vg_err *err)
{
    static const char *const keys[] = {"warning", "critical", "min_span", "clear_hysteresis", "direction", NULL};
    static const char *const dirs[] = {"both", "down", "up", NULL};
    char dir[32] = "both";
    dr->on = true;
    dr->min_span = AL_DRIFT_DAY;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "drift", keys, err)) ||
        (rc = ac_drift_thr(d, n, "warning", &dr->has_warning, &dr->warning, err)) ||
        (rc = ac_drift_thr(d, n, "critical", &dr->has_critical, &dr->critical, err)) ||
        (rc = conf_get_int32(d, n, "min_span", false, 3600, AL_DRIFT_WEEK, &dr->min_span, err)) ||
        (rc = conf_get_double(d, n, "clear_hysteresis", false, &dr->hysteresis, err)) ||
        (rc = conf_get_buf(d, n, "direction", false, dir, sizeof dir, err)) ||
        (rc = conf_check_choice(d, n, "direction", dir, dirs, NULL, err)))
        return rc;
    dr->direction = dir[0] == 'd' ? AL_DRIFT_DOWN : dir[0] == 'u' ? AL_DRIFT_UP : AL_DRIFT_BOTH;
    if (!dr->has_warning && !dr->has_critical)
        return conf_fail(err, d, n, "drift", "needs warning or critical (the metric's unit per week)");
    if (dr->has_warning && dr->has_critical && dr->critical < dr->warning)
        return conf_fail(err, d, conf_map_get(d, n, "critical"), "critical", "must not be below warning (%g)",
                         dr->warning);
    double lowest = dr->has_warning ? dr->warning : dr->critical;
    if (dr->hysteresis < 0 || dr->hysteresis >= lowest)
        return conf_fail(err, d, conf_map_get(d, n, "clear_hysteresis"), "clear_hysteresis",
                         "must be at least 0 and below the lowest threshold (%g), or the alert never clears", lowest);
    return VG_OK;
}

static vg_code ac_rule(const conf_doc *d, const conf_node *n, alert_rule *r, vg_err *err)
{
    static const char *const keys[] = {"site", "device", "metric", "instance", "warning_above", "warning_below",
                                       "critical_above", "critical_below", "for", "clear_hysteresis", "drift",
                                       NULL};
    static const char *const req[] = {"metric", NULL};
    vg_code rc;
    if ((rc = conf_check_map(d, n, "alert rule", keys, err)) ||
        (rc = conf_require_keys(d, n, "alert rule", req, err)) ||
        (rc = conf_get_buf(d, n, "site", false, r->site, sizeof r->site, err)) ||
        (rc = conf_get_buf(d, n, "device", false, r->device, sizeof r->device, err)) ||
        (rc = conf_get_buf(d, n, "metric", false, r->metric, sizeof r->metric, err)) ||
        (rc = conf_get_buf(d, n, "instance", false, r->instance, sizeof r->instance, err)) ||
        (rc = ac_thr(d, n, "warning_above", &r->has_warn_above, &r->warn_above, err)) ||
        (rc = ac_thr(d, n, "warning_below", &r->has_warn_below, &r->warn_below, err)) ||
        (rc = ac_thr(d, n, "critical_above", &r->has_crit_above, &r->crit_above, err)) ||
        (rc = ac_thr(d, n, "critical_below", &r->has_crit_below, &r->crit_below, err)) ||
        (rc = conf_get_int32(d, n, "for", false, 0, 86400, &r->for_s, err)) ||
        (rc = conf_get_double(d, n, "clear_hysteresis", false, &r->hysteresis, err)))
        return rc;
    const conf_node *drift = conf_map_get(d, n, "drift");
    if (drift && (rc = ac_drift(d, drift, &r->drift, err)))
        return rc;
    if (!alert_rule_has_levels(r) && !r->drift.on)
        return conf_fail(err, d, n, "metric",
                         "rule for %s has no threshold (warning_above, critical_below..., or drift)", r->metric);
    if (r->hysteresis < 0)
        return conf_fail(err, d, conf_map_get(d, n, "clear_hysteresis"), "clear_hysteresis", "must not be negative");
    return VG_OK;
}

static vg_code ac_contact(const conf_doc *d, const conf_node *n, alert_contact *c, vg_err *err)
{
    static const char *const keys[] = {"name", "webhook", "format", "sms", "email", NULL};
    static const char *const req[] = {"name", NULL};
    static const char *const formats[] = {"generic", "mattermost", "slack", NULL};
    snprintf(c->format, sizeof c->format, "generic");
    vg_code rc;
    if ((rc = conf_check_map(d, n, "contact", keys, err)) ||
        (rc = conf_require_keys(d, n, "contact", req, err)) ||
        (rc = conf_get_buf(d, n, "name", false, c->name, sizeof c->name, err)) ||
        (rc = conf_get_buf(d, n, "webhook", false, c->webhook, sizeof c->webhook, err)) ||
        (rc = conf_get_buf(d, n, "format", false, c->format, sizeof c->format, err)) ||
        (rc = conf_get_buf(d, n, "sms", false, c->sms, sizeof c->sms, err)) ||
        (rc = conf_get_buf(d, n, "email", false, c->email, sizeof c->email, err)) ||
        (rc = conf_check_choice(d, n, "format", c->format, formats, NULL, err)))
        return rc;
    if (!c->webhook[0] && !c->sms[0] && !c->email[0])
        return conf_fail(err, d, n, "name", "contact '%s' has no webhook, sms or email", c->name);
    if (c->email[0] && !smtp_address_is_valid(c->email, false))
        return conf_fail(err, d, conf_map_get(d, n, "email"), "email", "'%s' is not an e-mail address", c->email);
    if (c->sms[0] && strspn(c->sms, "+0123456789 ") != strlen(c->sms))
        return conf_fail(err, d, conf_map_get(d, n, "sms"), "sms", "'%s' is not a phone number (+33600000000)", c->sms);
    if (c->webhook[0] && strncmp(c->webhook, "http://", 7) && strncmp(c->webhook, "https://", 8))
        return conf_fail(err, d, conf_map_get(d, n, "webhook"), "webhook", "must be an http:// or https:// URL");
    return VG_OK;
}

void alerting_config_defaults(alerting_config *a)
{
    memset(a, 0, sizeof *a);
    a->escalate_after = 900;
    a->group_wait = 30;
    a->repeat_warning = 4 * 3600;
    a->repeat_critical = 1800;
    a->heartbeat_steps = 3;
    a->flap.changes = 6;
    a->flap.window = 1800;
    snprintf(a->sms_content_type, sizeof a->sms_content_type, "application/json");
    a->timeout = 10;
    a->max_attempts = 8;
    a->retry_delay = 30;
    selftest_alert_defaults(&a->self_test);
}

const alert_contact *alerting_contact(const alerting_config *a, const char *name)
{
    for (size_t i = 0; a && i < a->ncontacts; i++)
        if (strcmp(a->contacts[i].name, name) == 0)
            return &a->contacts[i];
    return NULL;
}

vg_code alerting_config_read(const conf_doc *d, const conf_node *n, alerting_config *a, vg_err *err)
{
    static const char *const keys[] = {"rules", "contacts", "chain", "escalate_after", "group_wait", "repeat",
                                       "for", "heartbeat_steps", "flapping", "sms_gateway", "timeout",
                                       "max_attempts", "retry_delay", "self_test", "oncall", NULL};
    alerting_config_defaults(a);
    if (!n)
        return VG_OK;
    long long timeout = a->timeout;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "alerting", keys, err)) ||
        (rc = conf_get_int32(d, n, "escalate_after", false, 0, 86400, &a->escalate_after, err)) ||
        (rc = conf_get_int32(d, n, "group_wait", false, 0, 3600, &a->group_wait, err)) ||
        (rc = conf_get_int32(d, n, "for", false, 0, 86400, &a->default_for, err)) ||
        (rc = conf_get_int32(d, n, "heartbeat_steps", false, 0, 100, &a->heartbeat_steps, err)) ||
        (rc = conf_get_int32(d, n, "max_attempts", false, 0, 100, &a->max_attempts, err)) ||
        (rc = conf_get_int32(d, n, "retry_delay", false, 0, 3600, &a->retry_delay, err)) ||
        (rc = conf_get_int(d, n, "timeout", false, 1, 300, &timeout, err)) ||
        (rc = selftest_alert_config_read(d, conf_map_get(d, n, "self_test"), &a->self_test, err)))
        return rc;
    a->timeout = (long)timeout;
    if (a->heartbeat_steps < 2)
        return conf_fail(err, d, conf_map_get(d, n, "heartbeat_steps"), "heartbeat_steps", "must be at least 2");
    const conf_node *rep = conf_map_get(d, n, "repeat");
    if (rep) {
        static const char *const rk[] = {"warning", "critical", NULL};
        if ((rc = conf_check_map(d, rep, "repeat", rk, err)) ||
            (rc = conf_get_int32(d, rep, "warning", false, 0, 7 * 86400, &a->repeat_warning, err)) ||
            (rc = conf_get_int32(d, rep, "critical", false, 0, 7 * 86400, &a->repeat_critical, err)))
            return rc;
    }
    const conf_node *fl = conf_map_get(d, n, "flapping");
    if (fl) {
        static const char *const fk[] = {"changes", "window", NULL};
        if ((rc = conf_check_map(d, fl, "flapping", fk, err)) ||
            (rc = conf_get_int32(d, fl, "changes", false, 0, AL_FLAP_MAX, &a->flap.changes, err)) ||
            (rc = conf_get_int32(d, fl, "window", false, 0, 86400, &a->flap.window, err)))
            return rc;
        if (a->flap.changes == 1)
            return conf_fail(err, d, conf_map_get(d, fl, "changes"), "changes", "must be 0 (off) or at least 2");
    }
    const conf_node *sms = conf_map_get(d, n, "sms_gateway");
    if (sms) {
        static const char *const sk[] = {"url", "body", "content_type", NULL};
        static const char *const sr[] = {"url", NULL};
        if ((rc = conf_check_map(d, sms, "sms_gateway", sk, err)) ||
            (rc = conf_require_keys(d, sms, "sms_gateway", sr, err)) ||
            (rc = conf_get_buf(d, sms, "url", false, a->sms_url, sizeof a->sms_url, err)) ||
            (rc = conf_get_buf(d, sms, "body", false, a->sms_body, sizeof a->sms_body, err)) ||
            (rc = conf_get_buf(d, sms, "content_type", false, a->sms_content_type, sizeof a->sms_content_type, err)))
            return rc;
    }
    const conf_node *rules, *contacts, *chain;
    if ((rc = conf_get_list(d, n, "rules", false, 0, ALERT_MAX_RULES, "rules", &rules, err)))
        return rc;
    if (rules) {
        a->rules = calloc(conf_len(rules) + 1, sizeof *a->rules);
        if (!a->rules)
            return conf_fail_code(err, VG_E_NOMEM, d, rules, "rules", "out of memory");
        for (size_t i = 0; i < conf_len(rules); i++, a->nrules++)
            if ((rc = ac_rule(d, conf_seq_at(d, rules, i), &a->rules[i], err)))
                return rc;
    }
    if ((rc = conf_get_list(d, n, "contacts", false, 0, ALERT_MAX_CONTACTS, "contacts", &contacts, err)))
        return rc;
    if (contacts) {
        a->contacts = calloc(conf_len(contacts) + 1, sizeof *a->contacts);
        if (!a->contacts)
            return conf_fail_code(err, VG_E_NOMEM, d, contacts, "contacts", "out of memory");
        for (size_t i = 0; i < conf_len(contacts); i++, a->ncontacts++) {
            if ((rc = ac_contact(d, conf_seq_at(d, contacts, i), &a->contacts[i], err)))
                return rc;
            if (alerting_contact(a, a->contacts[i].name))
                return conf_fail(err, d, conf_seq_at(d, contacts, i), "name", "contact '%s' is declared twice",
                                 a->contacts[i].name);
            if (a->contacts[i].sms[0] && !sms)
                return conf_fail(err, d, conf_seq_at(d, contacts, i), "sms", "an sms contact needs alerting.sms_gateway");
        }
    }
    if ((rc = oncall_config_read(d, conf_map_get(d, n, "oncall"), a, &a->oncall, err)))
        return rc;
    if ((rc = conf_get_list(d, n, "chain", false, 0, ALERT_MAX_CHAIN, "contact or rotation names", &chain, err)))
        return rc;
    if (chain) {
        for (size_t i = 0; i < conf_len(chain); i++) {
            const char *name = conf_node_scalar(conf_seq_at(d, chain, i));
            const alert_contact *c = name ? alerting_contact(a, name) : NULL;
            const oncall_rotation *r = name ? oncall_rotation_find(a->oncall, name) : NULL;
            if (!c && !r)
                return conf_fail(err, d, conf_seq_at(d, chain, i), "chain",
                                 "no contact '%s' in alerting.contacts, nor rotation in alerting.oncall",
                                 name ? name : "?");
            a->chain_rotation[a->nchain] = r ? (int)(r - a->oncall->rotations) + 1 : 0;
            a->chain[a->nchain++] = c ? (int)(c - a->contacts) : -1;
        }
    } else {
        for (size_t i = 0; i < a->ncontacts && i < ALERT_MAX_CHAIN; i++)
            a->chain[a->nchain++] = (int)i;
    }
    return VG_OK;
}

void alerting_config_free(alerting_config *a)
{
    if (!a)
        return;
    free(a->rules);
    free(a->contacts);
    oncall_config_free(a->oncall);
    a->rules = NULL;
    a->contacts = NULL;
    a->oncall = NULL;
    a->nrules = a->ncontacts = 0;
}
