#include "config.h"
#include "alerting/selftest_alerts.h"

#include <stdio.h>

/* alerting.self_test of server.yaml: apart from selftest_alerts.c, since the configuration is also read
 * by programs (vigie) that link no alerting. */

void selftest_alert_defaults(alert_selftest_rule *r)
{
    r->max_age_days = 31;
    r->on_failure = AL_WARNING;
}

vg_code selftest_alert_config_read(const conf_doc *d, const conf_node *n, alert_selftest_rule *r, vg_err *err)
{
    static const char *const keys[] = {"max_age_days", "on_failure", NULL};
    static const char *const levels[] = {"warning", "critical", "off", NULL};
    char level[16] = "warning";
    selftest_alert_defaults(r);
    if (!n)
        return VG_OK;
    vg_code rc;
    if ((rc = conf_check_map(d, n, "self_test", keys, err)) ||
        (rc = conf_get_int32(d, n, "max_age_days", false, 0, SELFTEST_ALERT_MAX_AGE, &r->max_age_days, err)) ||
        (rc = conf_get_buf(d, n, "on_failure", false, level, sizeof level, err)) ||
        (rc = conf_check_choice(d, n, "on_failure", level, levels, NULL, err)))
        return rc;
    r->on_failure = level[0] == 'w' ? AL_WARNING : level[0] == 'c' ? AL_CRITICAL : AL_OK;
    return VG_OK;
}
