/* conf: YAML files read into a tree that remembers where each node was written.
 *
 * Every configuration and profile loader in vigie goes through here so that every error says
 * "file:line:column: key 'name': what is wrong" the same way, and so that unknown keys, duplicate
 * keys and YAML aliases are refused in one place. The tree is libyaml's own document; a conf_node
 * is a libyaml node, read through the accessors below. Files are bounded (CONF_MAX_BYTES). */
#ifndef VIGIE_CONF_H
#define VIGIE_CONF_H

#include <stddef.h>
#include <stdbool.h>

#include "error.h"

#define CONF_MAX_BYTES (4u * 1024 * 1024)
#define CONF_ERR_MAX VG_ERR_MAX

typedef struct conf_doc conf_doc;
typedef struct yaml_node_s conf_node;


typedef enum { CONF_SCALAR, CONF_MAP, CONF_SEQ, CONF_NONE } conf_kind;

/* Loads a file (or a string named `name` in messages). NULL on error with err filled in. */
conf_doc *conf_doc_load_file(const char *path, vg_err *err);
conf_doc *conf_doc_load_string(const char *name, const char *text, size_t len, vg_err *err);
void conf_doc_free(conf_doc *doc);
const char *conf_doc_name(const conf_doc *doc);
/* The root node; NULL for an empty document. */
const conf_node *conf_doc_root(const conf_doc *doc);

conf_kind conf_node_kind(const conf_node *n);
int conf_node_line(const conf_node *n);   /* 1-based */
int conf_node_column(const conf_node *n); /* 1-based */
const char *conf_node_scalar(const conf_node *n); /* NULL unless a scalar */

size_t conf_len(const conf_node *n); /* items of a sequence, pairs of a map, 0 otherwise */
const conf_node *conf_seq_at(const conf_doc *doc, const conf_node *seq, size_t i);
const conf_node *conf_map_key_at(const conf_doc *doc, const conf_node *map, size_t i);
const conf_node *conf_map_value_at(const conf_doc *doc, const conf_node *map, size_t i);
const conf_node *conf_map_get(const conf_doc *doc, const conf_node *map, const char *key);

/* Formats "file:line:col: key 'key': message" into err (key may be NULL) and returns -1. */
int conf_fail(vg_err *err, const conf_doc *doc, const conf_node *at, const char *key,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Checks that `n` is a map whose keys are all scalars, all in `allowed` (NULL-terminated), each
 * once. `what` names the map in messages ("device", "metric battery.charge"). */
int conf_check_map(const conf_doc *doc, const conf_node *n, const char *what,
                   const char *const *allowed, vg_err *err);
/* Requires that `n` is a map with every key of `required` present. */
int conf_require_keys(const conf_doc *doc, const conf_node *n, const char *what,
                      const char *const *required, vg_err *err);

/* Typed readers of map[key]. A missing optional key leaves *out untouched and returns 0. */
int conf_get_str(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                 size_t max_len, const char **out, vg_err *err);
int conf_get_int(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                 long long min, long long max, long long *out, vg_err *err);
int conf_get_double(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                    double *out, vg_err *err);
int conf_get_bool(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                  bool *out, vg_err *err);

/* Scalar conversions used by the readers above and by loaders reading sequence items. */
int conf_scalar_int(const conf_doc *doc, const conf_node *n, const char *key, long long min,
                    long long max, long long *out, vg_err *err);
int conf_scalar_double(const conf_doc *doc, const conf_node *n, const char *key, double *out,
                       vg_err *err);

#endif
