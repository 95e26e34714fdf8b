/* conf: YAML files read into a tree that remembers where each node was written.
 *
 * Every configuration and profile loader in vigie goes through here so that every error says
 * "file:line:column: key 'name': what is wrong" the same way, and so that unknown keys, duplicate
 * keys and YAML aliases are refused in one place, and so that a key is read the same way in every
 * file (conf_get_*: a bounded string, an integer in a range, a list of so many, one of a few words).
 * The tree is libyaml's own document; a conf_node is a libyaml node, read through the accessors
 * below. Files are bounded (CONF_MAX_BYTES). */
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

/* Loads a file (or a string named `name` in messages). NULL on error with err filled in: VG_E_IO
 * for a file that cannot be read, VG_E_NOMEM, VG_E_INVALID for the rest (size, depth, syntax, an
 * alias, a control character in any key or value: utf8.h's C0, DEL, C1, U+2028, U+2029, "\0" too,
 * reported as "file:line:col: key 'k': control character U+000D at character 4" without the value,
 * which may be a secret). So every string the readers below hand out is free of them. */
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

/* Every function below that can fail returns a vg_code (error.h): VG_E_INVALID for what the file
 * says, VG_E_IO for a file that cannot be read, VG_E_NOMEM; err gets "file:line:col: key 'k': ..."
 * and the key as its field. They do not log: the program that loads the file does, once. */

/* Formats "file:line:col: key 'key': message" into err (key may be NULL) and returns VG_E_INVALID. */
vg_code conf_fail(vg_err *err, const conf_doc *doc, const conf_node *at, const char *key,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same with another code: VG_E_NOMEM, or VG_E_IO for a file a key names. */
vg_code conf_fail_code(vg_err *err, vg_code code, const conf_doc *doc, const conf_node *at, const char *key,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Checks that `n` is a map whose keys are all scalars, all in `allowed` (NULL-terminated), each
 * once. `what` names the map in messages ("device", "metric battery.charge"). */
vg_code conf_check_map(const conf_doc *doc, const conf_node *n, const char *what,
                       const char *const *allowed, vg_err *err);
/* Requires that `n` is a map with every key of `required` present ("missing in WHAT"). */
vg_code conf_require_keys(const conf_doc *doc, const conf_node *n, const char *what,
                          const char *const *required, vg_err *err);

/* Typed readers of map[key]. A missing optional key leaves *out untouched and returns VG_OK; a
 * missing required one is "missing", reported at the map. A required string must not be empty. */
vg_code conf_get_str(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                     size_t max_len, const char **out, vg_err *err);
/* A string copied into the buffer dst of `size` bytes, at most size - 1 characters ("longer than N
 * characters"); dst keeps its default when the key is absent or wrong. */
vg_code conf_get_buf(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                     char *dst, size_t size, vg_err *err);
vg_code conf_get_int(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                     long long min, long long max, long long *out, vg_err *err);
/* An integer in [min, max] into an int. */
vg_code conf_get_int32(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                       int min, int max, int *out, vg_err *err);
vg_code conf_get_double(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                        double *out, vg_err *err);
vg_code conf_get_bool(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                      bool *out, vg_err *err);
/* map[key] as a sequence of min to max items into *out (NULL when absent). `noun` names the items in
 * the message: "must be a list of at most MAX NOUN", or "of MIN to MAX NOUN" when min is not 0. */
vg_code conf_get_list(const conf_doc *doc, const conf_node *map, const char *key, bool required,
                      size_t min, size_t max, const char *noun, const conf_node **out, vg_err *err);

/* Checks a value read from map[key] (the error is placed there) against a NULL-terminated list:
 * "'val' is not a, b or c", or "'val' MSG" when msg is not NULL. */
vg_code conf_check_choice(const conf_doc *doc, const conf_node *map, const char *key, const char *val,
                          const char *const *choices, const char *msg, vg_err *err);
/* Checks that a value read from map[key] is an agent, site or device name (names.h):
 * "'val': use 1-64 of [A-Za-z0-9._-], starting with a letter or digit". */
vg_code conf_check_name(const conf_doc *doc, const conf_node *map, const char *key, const char *val,
                        vg_err *err);

/* Scalar conversions used by the readers above and by loaders reading sequence items. */
vg_code conf_scalar_int(const conf_doc *doc, const conf_node *n, const char *key, long long min,
                        long long max, long long *out, vg_err *err);
vg_code conf_scalar_double(const conf_doc *doc, const conf_node *n, const char *key, double *out,
                           vg_err *err);

#endif
