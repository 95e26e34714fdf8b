/* contract_content: what every human format of the délégataire's report says, whatever it looks
 * like — the title, the contract's terms in words, the summary's rows, euros, categories and the
 * attribution of an incident — in French or English, so that the PDF, the HTML and the mail say the
 * same thing. */
#ifndef VIGIE_REPORT_CONTRACT_CONTENT_H
#define VIGIE_REPORT_CONTRACT_CONTENT_H

#include <stddef.h>

#include "report/contract_view.h"
#include "report/report_render.h"

/* "RAPPORT DU DÉLÉGATAIRE" | "THE DÉLÉGATAIRE'S REPORT" (upper: the cover's), else in sentence case */
const char *ccontent_title(report_lang l, bool upper);
/* "12 450 €" | "€12,450"; cents only when there are some */
void ccontent_money(report_lang l, double v, char *out, size_t size);
/* "school" -> "École" | "School"; a word it does not know as it is */
const char *ccontent_category(report_lang l, const char *category);
/* "objectif 99,5 % par mois · GTR 4 h (calendrier business) · 150 € par heure entamée au-delà,
 * plafond 5 000 € par site et par mois" */
void ccontent_terms(const cview *v, report_lang l, char *out, size_t size);
/* "NRO nro-amiens" | "lien propre" | "single link"; "en cours" for an incident still open */
const char *ccontent_attribution(report_lang l, const cview_incident *in, char *buf, size_t size);
/* "12,5 %" of part in whole; "–" when whole is 0 */
void ccontent_share(report_lang l, double part, double whole, char *out, size_t size);

/* The summary: label, value, style (0 plain, 1 good, 2 bad). */
typedef struct {
    char label[96];
    char value[160];
    int style;
} ccontent_row;
#define CCONTENT_ROWS 10
size_t ccontent_summary_rows(const cview *v, report_lang l, ccontent_row r[CCONTENT_ROWS]);
/* The labels of the availability bands (CVIEW_BANDS): "100 %", "≥ 99,5 %", "98,5–99,5 %", ... */
void ccontent_band_label(const cview *v, report_lang l, int band, char *out, size_t size);

#endif
