#include "config.h"
#include "alerting/alert_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/smtp.h"

static int ac_str(const conf_doc *d, const conf_node *map, const char *key, char *dst, size_t size, vg_err *err)
{
    const char *s = NULL;
    if (conf_get_str(d, map, key, false, size - 1, &s, err))
        return -1;
    if (s)
        snprintf(dst, size, "%s", s);
    return 0;
}

static int ac_int(const conf_doc *d, const conf_node *map, const char *key, long long max, int *out, vg_err *err)
{
    long long v = *out;
    if (conf_get_int(d, map, key, false, 0, max, &v, err))
        return -1;
    *out = (int)v;
    return 0;
}

static int ac_thr(const conf_doc *d, const conf_node *n, const char *key, bool *has, double *v, vg_err *err)
{
    if (!conf_map_get(d, n, key))
        return 0;
    *has = true;
    return conf_get_double(d, n, key, true, v, err);
}

static int ac_rule(const conf_doc *d, const conf_node *n, alert_rule *r, vg_err *err)
{
    static const char *const keys[] = {"site", "device", "metric", "instance", "warning_above", "warning_below",
                                       "critical_above", "critical_below", "for", "clear_hysteresis", NULL};
    static const char *const req[] = {"metric", NULL};
    if (conf_check_map(d, n, "alert rule", keys, err) || conf_require_keys(d, n, "alert rule", req, err) ||
        ac_str(d, n, "site", r->site, sizeof r->site, err) || ac_str(d, n, "device", r->device, sizeof r->device, err) ||
        ac_str(d, n, "metric", r->metric, sizeof r->metric, err) ||
        ac_str(d, n, "instance", r->instance, sizeof r->instance, err) ||
        ac_thr(d, n, "warning_above", &r->has_warn_above, &r->warn_above, err) ||
        ac_thr(d, n, "warning_below", &r->has_warn_below, &r->warn_below, err) ||
        ac_thr(d, n, "critical_above", &r->has_crit_above, &r->crit_above, err) ||
        ac_thr(d, n, "critical_below", &r->has_crit_below, &r->crit_below, err) ||
        ac_int(d, n, "for", 86400, &r->for_s, err) || conf_get_double(d, n, "clear_hysteresis", false, &r->hysteresis, err))
        return -1;
    if (!r->has_warn_above && !r->has_warn_below && !r->has_crit_above && !r->has_crit_below)
        return conf_fail(err, d, n, "metric", "rule for %s has no threshold (warning_above, critical_below...)",
                         r->metric);
    if (r->hysteresis < 0)
        return conf_fail(err, d, conf_map_get(d, n, "clear_hysteresis"), "clear_hysteresis", "must not be negative");
    return 0;
}

static int ac_contact(const conf_doc *d, const conf_node *n, alert_contact *c, vg_err *err)
{
    static const char *const keys[] = {"name", "webhook", "format", "sms", "email", NULL};
    static const char *const req[] = {"name", NULL};
    snprintf(c->format, sizeof c->format, "generic");
    if (conf_check_map(d, n, "contact", keys, err) || conf_require_keys(d, n, "contact", req, err) ||
        ac_str(d, n, "name", c->name, sizeof c->name, err) || ac_str(d, n, "webhook", c->webhook, sizeof c->webhook, err) ||
        ac_str(d, n, "format", c->format, sizeof c->format, err) || ac_str(d, n, "sms", c->sms, sizeof c->sms, err) ||
        ac_str(d, n, "email", c->email, sizeof c->email, err))
        return -1;
    if (strcmp(c->format, "generic") && strcmp(c->format, "mattermost") && strcmp(c->format, "slack"))
        return conf_fail(err, d, conf_map_get(d, n, "format"), "format", "'%s' is not generic, mattermost or slack",
                         c->format);
    if (!c->webhook[0] && !c->sms[0] && !c->email[0])
        return conf_fail(err, d, n, "name", "contact '%s' has no webhook, sms or email", c->name);
    if (c->email[0] && !smtp_address_is_valid(c->email, false))
        return conf_fail(err, d, conf_map_get(d, n, "email"), "email", "'%s' is not an e-mail address", c->email);
    if (c->sms[0] && strspn(c->sms, "+0123456789 ") != strlen(c->sms))
        return conf_fail(err, d, conf_map_get(d, n, "sms"), "sms", "'%s' is not a phone number (+33600000000)", c->sms);
    if (c->webhook[0] && strncmp(c->webhook, "http://", 7) && strncmp(c->webhook, "https://", 8))
        return conf_fail(err, d, conf_map_get(d, n, "webhook"), "webhook", "must be an http:// or https:// URL");
    return 0;
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
}

const alert_contact *alerting_contact(const alerting_config *a, const char *name)
{
    for (size_t i = 0; a && i < a->ncontacts; i++)
        if (strcmp(a->contacts[i].name, name) == 0)
            return &a->contacts[i];
    return NULL;
}

int alerting_config_read(const conf_doc *d, const conf_node *n, alerting_config *a, vg_err *err)
{
    static const char *const keys[] = {"rules", "contacts", "chain", "escalate_after", "group_wait", "repeat",
                                       "for", "heartbeat_steps", "flapping", "sms_gateway", "timeout",
                                       "max_attempts", "retry_delay", NULL};
    alerting_config_defaults(a);
    if (!n)
        return 0;
    long long timeout = a->timeout;
    if (conf_check_map(d, n, "alerting", keys, err) || ac_int(d, n, "escalate_after", 86400, &a->escalate_after, err) ||
        ac_int(d, n, "group_wait", 3600, &a->group_wait, err) || ac_int(d, n, "for", 86400, &a->default_for, err) ||
        ac_int(d, n, "heartbeat_steps", 100, &a->heartbeat_steps, err) ||
        ac_int(d, n, "max_attempts", 100, &a->max_attempts, err) ||
        ac_int(d, n, "retry_delay", 3600, &a->retry_delay, err) ||
        conf_get_int(d, n, "timeout", false, 1, 300, &timeout, err))
        return -1;
    a->timeout = (long)timeout;
    if (a->heartbeat_steps < 2)
        return conf_fail(err, d, conf_map_get(d, n, "heartbeat_steps"), "heartbeat_steps", "must be at least 2");
    const conf_node *rep = conf_map_get(d, n, "repeat");
    if (rep) {
        static const char *const rk[] = {"warning", "critical", NULL};
        if (conf_check_map(d, rep, "repeat", rk, err) || ac_int(d, rep, "warning", 7 * 86400, &a->repeat_warning, err) ||
            ac_int(d, rep, "critical", 7 * 86400, &a->repeat_critical, err))
            return -1;
    }
    const conf_node *fl = conf_map_get(d, n, "flapping");
    if (fl) {
        static const char *const fk[] = {"changes", "window", NULL};
        if (conf_check_map(d, fl, "flapping", fk, err) || ac_int(d, fl, "changes", AL_FLAP_MAX, &a->flap.changes, err) ||
            ac_int(d, fl, "window", 86400, &a->flap.window, err))
            return -1;
        if (a->flap.changes == 1)
            return conf_fail(err, d, conf_map_get(d, fl, "changes"), "changes", "must be 0 (off) or at least 2");
    }
    const conf_node *sms = conf_map_get(d, n, "sms_gateway");
    if (sms) {
        static const char *const sk[] = {"url", "body", "content_type", NULL};
        static const char *const sr[] = {"url", NULL};
        if (conf_check_map(d, sms, "sms_gateway", sk, err) || conf_require_keys(d, sms, "sms_gateway", sr, err) ||
            ac_str(d, sms, "url", a->sms_url, sizeof a->sms_url, err) ||
            ac_str(d, sms, "body", a->sms_body, sizeof a->sms_body, err) ||
            ac_str(d, sms, "content_type", a->sms_content_type, sizeof a->sms_content_type, err))
            return -1;
    }
    const conf_node *rules = conf_map_get(d, n, "rules");
    if (rules) {
        if (conf_node_kind(rules) != CONF_SEQ || conf_len(rules) > ALERT_MAX_RULES)
            return conf_fail(err, d, rules, "rules", "must be a list of at most %d rules", ALERT_MAX_RULES);
        a->rules = calloc(conf_len(rules) + 1, sizeof *a->rules);
        if (!a->rules)
            return conf_fail(err, d, rules, "rules", "out of memory");
        for (size_t i = 0; i < conf_len(rules); i++, a->nrules++)
            if (ac_rule(d, conf_seq_at(d, rules, i), &a->rules[i], err))
                return -1;
    }
    const conf_node *contacts = conf_map_get(d, n, "contacts");
    if (contacts) {
        if (conf_node_kind(contacts) != CONF_SEQ || conf_len(contacts) > ALERT_MAX_CONTACTS)
            return conf_fail(err, d, contacts, "contacts", "must be a list of at most %d contacts", ALERT_MAX_CONTACTS);
        a->contacts = calloc(conf_len(contacts) + 1, sizeof *a->contacts);
        if (!a->contacts)
            return conf_fail(err, d, contacts, "contacts", "out of memory");
        for (size_t i = 0; i < conf_len(contacts); i++, a->ncontacts++) {
            if (ac_contact(d, conf_seq_at(d, contacts, i), &a->contacts[i], err))
                return -1;
            if (alerting_contact(a, a->contacts[i].name))
                return conf_fail(err, d, conf_seq_at(d, contacts, i), "name", "contact '%s' is declared twice",
                                 a->contacts[i].name);
            if (a->contacts[i].sms[0] && !sms)
                return conf_fail(err, d, conf_seq_at(d, contacts, i), "sms", "an sms contact needs alerting.sms_gateway");
        }
    }
    const conf_node *chain = conf_map_get(d, n, "chain");
    if (chain) {
        if (conf_node_kind(chain) != CONF_SEQ || conf_len(chain) > ALERT_MAX_CHAIN)
            return conf_fail(err, d, chain, "chain", "must be a list of at most %d contact names", ALERT_MAX_CHAIN);
        for (size_t i = 0; i < conf_len(chain); i++) {
            const char *name = conf_node_scalar(conf_seq_at(d, chain, i));
            const alert_contact *c = name ? alerting_contact(a, name) : NULL;
            if (!c)
                return conf_fail(err, d, conf_seq_at(d, chain, i), "chain", "no contact '%s' in alerting.contacts",
                                 name ? name : "?");
            a->chain[a->nchain++] = (int)(c - a->contacts);
        }
    } else {
        for (size_t i = 0; i < a->ncontacts && i < ALERT_MAX_CHAIN; i++)
            a->chain[a->nchain++] = (int)i;
    }
    return 0;
}

void alerting_config_free(alerting_config *a)
{
    if (!a)
        return;
    free(a->rules);
    free(a->contacts);
    a->rules = NULL;
    a->contacts = NULL;
    a->nrules = a->ncontacts = 0;
}
