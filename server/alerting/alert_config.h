/* alert_config: the `alerting:` section of server.yaml — rules that override the agents' own
 * judgement, contacts and the on-call chain, timings. See conf/server.yaml and doc/alerting.md. */
#ifndef VIGIE_ALERT_CONFIG_H
#define VIGIE_ALERT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "alerting/rules.h"
#include "conf.h"

#define ALERT_MAX_RULES 500
#define ALERT_MAX_CONTACTS 50
#define ALERT_MAX_CHAIN 8

typedef struct {
    char name[NAME_MAX_LEN + 1];
    char webhook[512];   /* URL, "" none */
    char format[16];     /* generic | mattermost | slack */
    char sms[32];        /* phone number, "" none */
    char email[256];     /* address, "" none */
} alert_contact;

typedef struct alerting_config {
    alert_rule *rules;
    size_t nrules;
    alert_contact *contacts;
    size_t ncontacts;
    int chain[ALERT_MAX_CHAIN]; /* indexes into contacts: the on-call chain (-1: a rotation's level) */
    int chain_rotation[ALERT_MAX_CHAIN]; /* 0: level i is contact chain[i]; r + 1: rotation r of oncall */
    struct oncall_config *oncall; /* `oncall:` (alerting/oncall.h); NULL: no rotation */
    size_t nchain;
    int escalate_after;         /* seconds without acknowledgement before the next contact */
    int group_wait;             /* seconds an alert waits for others of its site */
    int repeat_warning, repeat_critical; /* seconds, 0: no repeat */
    int default_for;            /* `for` of the agents' own severities */
    int heartbeat_steps;        /* no push for this many steps: site unreachable */
    al_flap_cfg flap;
    char sms_url[512];          /* placeholders {to} {text} (URL-encoded there) */
    char sms_body[1024];        /* placeholders {to} {text} (JSON- or form-escaped per content type) */
    char sms_content_type[64];
    long timeout;               /* seconds per delivery */
    int max_attempts;           /* then the notification is failed (logged) */
    int retry_delay;            /* seconds before the first retry, doubled each time (at most 1 h) */
    alert_selftest_rule self_test; /* `self_test:` (selftest_alerts.h) */
} alerting_config;

void alerting_config_defaults(alerting_config *a);
/* Reads the `alerting` mapping (n may be NULL: defaults, no contact). file:line:column errors. */
vg_code alerting_config_read(const conf_doc *doc, const conf_node *n, alerting_config *a, vg_err *err);
void alerting_config_free(alerting_config *a);
const alert_contact *alerting_contact(const alerting_config *a, const char *name);

#endif
