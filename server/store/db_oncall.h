/* db_oncall: the on-call overrides of schema version 10 (table oncall_overrides), for holidays and
 * swaps: "P is on call in rotation R from start to end instead of whoever the rotation names". Rows
 * are never changed, only added and deleted; which one wins where several cover an instant is
 * decided by alerting/oncall.h (the latest created), not here. */
#ifndef VIGIE_DB_ONCALL_H
#define VIGIE_DB_ONCALL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "names.h"
#include "store/db.h"

#define DB_ONCALL_REASON_MAX 127
/* The most overrides a listing returns: far beyond any team's holidays, a bound on the memory. */
#define DB_ONCALL_LIST_MAX 2000

typedef struct {
    int64_t id;
    char rotation[NAME_MAX_LEN + 1];
    char who[NAME_MAX_LEN + 1];
    int64_t start, end; /* [start, end) */
    char reason[DB_ONCALL_REASON_MAX + 1];
    int64_t created;
    char created_by[NAME_MAX_LEN + 1];
} db_oncall_override;

/* Adds o (its id is ignored); *id (may be NULL) gets the new row's, never reused. */
vg_code db_oncall_override_add(db *d, const db_oncall_override *o, int64_t *id, vg_err *err);
/* VG_E_NOT_FOUND when there is no such override; *out (may be NULL) gets the row deleted. */
vg_code db_oncall_override_delete(db *d, int64_t id, db_oncall_override *out, vg_err *err);
/* The overrides of rotation (NULL: every rotation) that overlap [from, to), oldest created first, at
 * most DB_ONCALL_LIST_MAX; *out is malloc'd (NULL when none). */
vg_code db_oncall_overrides(db *d, const char *rotation, int64_t from, int64_t to, db_oncall_override **out,
                            size_t *n, vg_err *err);

#endif
