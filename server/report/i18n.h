/* i18n: the report's words, numbers and dates in French or English, from our own tables (the C
 * library's locales may be missing on the machine). Times are shown in each site's zone through
 * lib/timeutil.h: nothing here reads or sets the process's TZ.
 *
 * The public formatting functions (report_render_number, _availability, _target, _duration, _month,
 * _time) are declared in report_render.h; these are the report's own. */
#ifndef VIGIE_REPORT_I18N_H
#define VIGIE_REPORT_I18N_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report_render.h"
#include "vocab.h"

/* The French or the English text. */
#define TR(l, fr, en) ((l) == REPORT_LANG_FR ? (fr) : (en))

/* A percentage with `decimals` decimals: "12,5 %"; NAN -> "–" */
void i18n_pct(report_lang l, double v, int decimals, char *out, size_t size);
/* "2026-10" -> "octobre 2026"; any other label as it is */
void i18n_period_words(report_lang l, const char *label, char *out, size_t size);
/* "14/10/2026" | "2026-10-14" in zone tz */
void i18n_date(report_lang l, int64_t t, const char *tz, char *out, size_t size);
/* "23 novembre 2026 14:02 UTC" */
void i18n_long_time(report_lang l, int64_t t, char *out, size_t size);
/* ISO 8601 in zone tz with its offset: "2026-10-14T03:12:00+02:00" (the CSV's, the same in both languages) */
void i18n_iso(int64_t t, const char *tz, char *out, size_t size);
/* "power" -> "Énergie" | "Power", the vocabulary's words (words NULL, or a name it does not list: the
 * name as it is) */
const char *i18n_service(const vocab *words, report_lang l, const char *service);
/* "power, cooling" -> "Énergie, Climatisation"; "" -> "site" */
void i18n_services(const vocab *words, report_lang l, const char *list, char *out, size_t size);
/* "nro" -> "NRO (nœud de raccordement optique)" */
const char *i18n_kind(report_lang l, const char *kind);
/* the unknown-time policy: "up" -> "comptée disponible" */
const char *i18n_policy(report_lang l, const char *policy);
/* a UPS test's result word (sla/selftest.h) "passed" -> "réussi", its kind "self-test" -> "autotest";
 * a word it does not know as it is */
const char *i18n_test_result(report_lang l, const char *word);
const char *i18n_test_kind(report_lang l, const char *kind);
/* A maintenance window's recurrence column: a series' rule in words ("le 1er mardi de chaque mois",
 * then ", déplacée" when moved), "ponctuelle" | "one-off" for a window of its own. */
void i18n_recurrence(report_lang l, bool recurring, const char *rrule, bool moved, char *out, size_t size);
/* Energy and PUE (energy/energy_site.h): where a side's energy comes from ("ups_input" -> "entrées des
 * onduleurs"), why there is no PUE ("low_coverage" with the minimum coverage -> "couverture
 * insuffisante (moins de 90 % des heures)"; "" for "ok"), and the power headroom's rule in words. */
const char *i18n_energy_source(report_lang l, const char *source);
void i18n_pue_status(report_lang l, const char *status, double min_coverage, char *out, size_t size);
void i18n_power_rule(report_lang l, const char *rule, long long needed, long long units, char *out, size_t size);

#endif
