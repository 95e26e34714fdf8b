/* contract_render: the délégataire's report — one contract's month of public sites — as a document:
 * PDF (cairo and pango, what is signed), self-contained HTML, CSV and JSON, in French or English,
 * and the text and subject of its mail.
 *
 * report_contract_doc() turns contract_report_build()'s figures (contract/contract.h) into one JSON
 * document; every format reads that document (contract_view.h), so the same figures give the same
 * document and the same SHA-256 digest (report/digest.h), as the monthly report does. The layout keeps
 * 1,200 sites readable: the summary (figures and pictures) first, then per-commune totals, the sites
 * that missed their target or had a breach, the incidents against the GTR; the full per-site list
 * is the annex (PDF, HTML) and the CSV's `sites` section. See doc/report.md, "The délégataire's
 * report". */
#ifndef VIGIE_REPORT_CONTRACT_RENDER_H
#define VIGIE_REPORT_CONTRACT_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config/server_config.h"
#include "contract/contract.h"
#include "error.h"
#include "report/report_render.h"
#include "store/db.h"

/* The document of r (generated at `now`); VG_E_NOMEM. cfg gives each site's EPCI and minimum
 * coverage, the contract's labels. */
vg_code report_contract_doc(const server_config *cfg, const contract_report *r, int64_t now, json_t **out,
                            vg_err *err);
/* contract_report_build() then report_contract_doc(): its errors as it gives them (VG_E_NOT_FOUND
 * with field "contract", VG_E_INVALID with field "month"). */
vg_code report_contract_build(db *d, const server_config *cfg, const char *contract, int year, int month,
                              int64_t now, json_t **out, vg_err *err);
/* The same for the sites of a caller's scope only (contract_report_build_scoped). */
vg_code report_contract_build_scoped(db *d, const server_config *cfg, const char *contract, int year, int month,
                                     contract_site_filter admit, const void *admit_arg, int64_t now, json_t **out,
                                     vg_err *err);

/* The document in format f: VG_OK, VG_E_INVALID when doc is not report_contract_doc()'s (naming
 * the member), VG_E_NOMEM, VG_E_INTERNAL from cairo. JSON is the document plus its digest block. */
vg_code report_contract_render(report_format f, const json_t *doc, report_lang l, report_render_out *out,
                               vg_err *err);

/* The mail: a short text of the summary (NULL when doc is not one, or without memory) and its
 * subject "Rapport du délégataire – Sites publics — standard – octobre 2026". */
char *report_contract_summary(const json_t *doc, report_lang l);
void report_contract_subject(const json_t *doc, report_lang l, char *out, size_t size);
/* "vigie-contract-standard-2026-10.pdf" */
void report_contract_filename(const json_t *doc, report_format f, char *out, size_t size);

#endif
