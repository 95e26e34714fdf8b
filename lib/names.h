/* names: what an agent, site, device or metric name may be, and how a free-form instance becomes a
 * file name. Names end up in paths (RRD files) and URLs, so they are checked before any use. */
#ifndef VIGIE_NAMES_H
#define VIGIE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_LEN 64      /* agent, site, device, metric */
#define INSTANCE_MAX_LEN 128 /* table row: "L1", "0/1/3", "Outlet 12" */

/* Agent, site and device names: a letter or digit, then letters, digits, '.', '_' or '-'. */
bool name_is_valid(const char *s);
/* Metric names: lower-case words joined by '.', from vocabulary.yaml ("battery.charge"). */
bool metric_name_is_valid(const char *s);
/* Instances and labels: printable UTF-8 without control characters, bounded by max. */
bool text_is_valid(const char *s, size_t max);

/* Writes `in` as one safe path component into out (size outsz): [A-Za-z0-9_-] and inner '.' kept,
 * every other byte as %XX. An empty input gives "_". Returns -1 if it does not fit. */
int name_to_path_component(const char *in, char *out, size_t outsz);

#endif
