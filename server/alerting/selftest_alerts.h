/* selftest_alerts: the alert of kind "selftest" on a UPS (metric ups.test.result): its last self-test
 * failed, or its last passed one is older than alerting.self_test.max_age_days (a UPS that has passed
 * none since its tests were first watched, for longer than that, too). Resolved once a test passes
 * (and none failed after it). Judged at ingest for the UPS of the batch that gave test words, from
 * what sla/selftest.h recorded; a UPS whose profile gives no test word is never judged.
 *
 *   alerting:
 *     self_test: {max_age_days: 31, on_failure: warning}   # the defaults; 0 / off: that part is off */
#ifndef VIGIE_SELFTEST_ALERTS_H
#define VIGIE_SELFTEST_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "alerting/rules.h"
#include "conf.h"
#include "config/server_config.h"
#include "push.h"
#include "sla/selftest.h"
#include "store/db.h"

#define SELFTEST_ALERT_KIND "selftest"
#define SELFTEST_ALERT_MAX_AGE 3660 /* days: ten years */

void selftest_alert_defaults(alert_selftest_rule *r);
/* Reads alerting.self_test (n may be NULL: the defaults); file:line:key errors. */
vg_code selftest_alert_config_read(const conf_doc *doc, const conf_node *n, alert_selftest_rule *r, vg_err *err);

/* The level of a UPS's tests at `now`, and why ("ups-a: self-test failed (2026-11-03)"). Pure. */
al_level selftest_alert_judge(const alert_selftest_rule *r, const selftest_ups *u, int64_t now, char *why,
                              size_t size);

/* Judges every UPS of the batch that gave test words, and opens, raises or resolves its alert. */
void selftest_alerts_ingest(db *d, const server_config *cfg, const char *site, const push_batch *b, int64_t now);

#endif
