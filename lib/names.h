/* names: what an agent, site, device or metric name may be, and how a free-form instance becomes a
 * file name. Names end up in paths (RRD files) and URLs, so they are checked before any use. */
#ifndef VIGIE_NAMES_H
#define VIGIE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define NAME_MAX_LEN 64      /* agent, site, device, metric */
#define INSTANCE_MAX_LEN 128 /* table row: "L1", "0/1/3", "Outlet 12" */

/* Agent, site and device names: a letter or digit, then letters, digits, '.', '_' or '-'. */
bool name_is_valid(const char *s);
/* Metric names: lower-case words joined by '.', from vocabulary.yaml ("battery.charge"). */
bool metric_name_is_valid(const char *s);
/* Instances and labels: well-formed UTF-8 without control characters (utf8.h: C0, DEL, C1, U+2028,
 * U+2029), at most max bytes. */
bool text_is_valid(const char *s, size_t max);

/* Writes `in` as one safe path component into out (size outsz): [A-Za-z0-9_-] and inner '.' kept,
 * every other byte as %XX. An empty input gives "_". VG_E_TOO_LARGE when it does not fit. */
vg_code name_to_path_component(const char *in, char *out, size_t outsz);

#endif
