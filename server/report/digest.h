/* digest: the SHA-256 of the canonical JSON of the figures, which every format of the report prints
 * and anyone can compute again from the JSON document (doc/report.md).
 *
 * The canonical text is the document without generated_at and digest, keys sorted, no space, UTF-8
 * as is, reals as Python's repr() writes them: what json.dumps(doc, sort_keys=True,
 * separators=(",", ":"), ensure_ascii=False) gives. */
#ifndef VIGIE_REPORT_DIGEST_H
#define VIGIE_REPORT_DIGEST_H

#include <jansson.h>

#include "error.h"

/* The digest of doc as 64 hex digits; VG_E_NOMEM or VG_E_INTERNAL (gnutls) on failure. */
vg_code report_digest_hex(const json_t *doc, char hex[65]);
/* {"algorithm": "SHA-256", "value": ..., "of": ...}: the block the JSON output carries; NULL without memory. */
json_t *report_digest_block(const char hex[65]);

#endif
