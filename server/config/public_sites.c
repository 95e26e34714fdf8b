/* The public sites' CSV read and checked row by row against server.yaml (public_sites.h). */
#include "config.h"
#include "config/public_sites.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/public_csv.h"
#include "contract/contract.h"
#include "utf8.h"

enum { PC_ID, PC_NAME, PC_COMMUNE, PC_CATEGORY, PC_NRO, PC_ADDRESS, PC_CONTRACT, PC_EPCI, PC_CHECKS, PC_AGENT, PC_NCOLS };
#define PC_NREQUIRED 7
static const char *const pc_columns[PC_NCOLS] = {"id",      "name",     "commune", "category", "nro",
                                                 "address", "contract", "epci",    "checks",   "agent"};
static const char *const pc_categories[] = {"school", "town_hall", "police", "traffic", "camera", "other", NULL};

typedef struct {
    char id[NAME_MAX_LEN + 1];
    char name[128];
    char timezone[64];
    double target;
    int line;
    server_public_info pub;
} public_row;

struct public_rows {
    public_row *rows;
    size_t n;
};

#define PC_HASH_SLOTS 16384 /* a power of two, over 2 x PUBLIC_MAX_SITES */

typedef struct {
    const server_config *cfg;
    const char *file;
    public_errors *errs;
    int col_of[PC_NCOLS];  /* the field index of each column, -1 when absent */
    size_t ncols;          /* fields of the header */
    uint32_t *ids;         /* open addressing: row index + 1 */
} pc_ctx;

static void pc_error(pc_ctx *c, int line, int col, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void pc_error(pc_ctx *c, int line, int col, const char *column, const char *fmt, ...)
{
    public_errors *e = c->errs;
    e->total++;
    if (e->count >= PUBLIC_MAX_ERRORS)
        return;
    char what[VG_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char *m = e->msg[e->count++];
    if (column)
        snprintf(m, VG_ERR_MAX, "%s:%d:%d: column '%s': %s", c->file, line, col, column, what);
    else
        snprintf(m, VG_ERR_MAX, "%s:%d:%d: %s", c->file, line, col, what);
}

/* ---- the header ---------------------------------------------------------------------------- */

static bool pc_header(pc_ctx *c, const public_csv *csv)
{
    size_t before = c->errs->total;
    for (int i = 0; i < PC_NCOLS; i++)
        c->col_of[i] = -1;
    c->ncols = csv->nf;
    for (size_t f = 0; f < csv->nf; f++) {
        const public_csv_field *fd = &csv->f[f];
        int k = -1;
        for (int i = 0; i < PC_NCOLS; i++)
            if (strcmp(fd->val, pc_columns[i]) == 0)
                k = i;
        if (k < 0)
            pc_error(c, fd->line, fd->col, NULL,
                     "unknown column '%.64s' (columns: id, name, commune, category, nro, address, contract; "
                     "optional: epci, checks, agent)", fd->val);
        else if (c->col_of[k] >= 0)
            pc_error(c, fd->line, fd->col, NULL, "column '%s' is given twice", pc_columns[k]);
        else
            c->col_of[k] = (int)f;
    }
    for (int i = 0; i < PC_NREQUIRED; i++)
        if (c->col_of[i] < 0)
            pc_error(c, csv->rec_line, 1, NULL, "the header has no column '%s' (required: id, name, commune, "
                     "category, nro, address, contract)", pc_columns[i]);
    return c->errs->total == before;
}

/* ---- one field each ------------------------------------------------------------------------ */

static bool pc_text(const char *v, char *dst, size_t size, bool required, char *why, size_t n)
{
    if (required && !v[0]) {
        snprintf(why, n, "must not be empty");
        return false;
    }
    if (strlen(v) >= size) {
        snprintf(why, n, "longer than %zu bytes", size - 1);
        return false;
    }
    snprintf(dst, size, "%s", v);
    return true;
}

static const server_site *pc_yaml_site(const server_config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->nsites; i++)
        if (!cfg->sites[i].pub && strcmp(cfg->sites[i].id, id) == 0)
            return &cfg->sites[i];
    return NULL;
}

static uint32_t pc_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The id: a name, not a site of server.yaml, not an earlier row's. */
static bool pc_id(pc_ctx *c, const char *v, public_row *rows, size_t n, char *why, size_t wn)
{
    if (!name_is_valid(v)) {
        snprintf(why, wn, "'%.80s' is not a valid site id: use 1-%d of [A-Za-z0-9._-], starting with a letter or "
                 "digit", v, NAME_MAX_LEN);
        return false;
    }
    if (pc_yaml_site(c->cfg, v)) {
        snprintf(why, wn, "'%s' is already a site of server.yaml", v);
        return false;
    }
    uint32_t i = pc_hash(v) & (PC_HASH_SLOTS - 1);
    for (; c->ids[i]; i = (i + 1) & (PC_HASH_SLOTS - 1))
        if (strcmp(rows[c->ids[i] - 1].id, v) == 0) {
            snprintf(why, wn, "'%s' is already the id of line %d", v, rows[c->ids[i] - 1].line);
            return false;
        }
    c->ids[i] = (uint32_t)n + 1;
    snprintf(rows[n].id, sizeof rows[n].id, "%s", v);
    return true;
}

static bool pc_category(const char *v, public_row *r, char *why, size_t n)
{
    for (size_t i = 0; pc_categories[i]; i++)
        if (strcmp(v, pc_categories[i]) == 0) {
            snprintf(r->pub.category, sizeof r->pub.category, "%s", v);
            return true;
        }
    snprintf(why, n, "'%.40s' is not school, town_hall, police, traffic, camera or other", v);
    return false;
}

static bool pc_nro(const pc_ctx *c, const char *v, public_row *r, char *why, size_t n)
{
    snprintf(r->timezone, sizeof r->timezone, "Europe/Paris");
    if (!v[0])
        return true; /* a site that hangs from no NRO of ours */
    const server_site *s = name_is_valid(v) ? pc_yaml_site(c->cfg, v) : NULL;
    if (!s || strcmp(s->kind, "nro") != 0) {
        snprintf(why, n, s ? "'%s' is a site of kind %s, not nro" : "no NRO site '%.64s' in server.yaml", v, s ? s->kind : "");
        return false;
    }
    snprintf(r->pub.nro, sizeof r->pub.nro, "%s", v);
    snprintf(r->timezone, sizeof r->timezone, "%s", s->timezone);
    return true;
}

static bool pc_contract(const pc_ctx *c, const char *v, public_row *r, char *why, size_t n)
{
    const contract_class *k = c->cfg->contracts && name_is_valid(v) ? contract_find(c->cfg->contracts, v) : NULL;
    if (!k) {
        snprintf(why, n, "no contract '%.64s' in server.yaml's contracts", v);
        return false;
    }
    snprintf(r->pub.contract, sizeof r->pub.contract, "%s", v);
    r->target = contract_target(k);
    return true;
}

static bool pc_agent(const pc_ctx *c, const char *v, public_row *r, char *why, size_t n)
{
    const char *a = v[0] ? v : c->cfg->public_agent;
    if (!a[0]) {
        snprintf(why, n, "empty, and server.yaml's public_sites has no default agent");
        return false;
    }
    for (size_t i = 0; i < c->cfg->nagents; i++)
        if (strcmp(c->cfg->agents[i].id, a) == 0) {
            snprintf(r->pub.agent, sizeof r->pub.agent, "%s", a);
            return true;
        }
    snprintf(why, n, "no agent '%.64s' in server.yaml", a);
    return false;
}

/* One to four hosts separated by spaces; *at: the byte offset of the bad one. */
static bool pc_address(const char *v, public_row *r, size_t *at, char *why, size_t n)
{
    const char *p = v;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (!len)
            break;
        *at = (size_t)(p - v);
        char host[256];
        if (len >= sizeof host || r->pub.naddresses == PUBLIC_MAX_ADDRESSES) {
            snprintf(why, n, len >= sizeof host ? "an address is longer than 255 bytes" : "more than %d addresses",
                     PUBLIC_MAX_ADDRESSES);
            return false;
        }
        memcpy(host, p, len);
        host[len] = '\0';
        if (!public_host_is_valid(host)) {
            snprintf(why, n, "'%.80s' is not an IP address (the checking agent resolves no names)", host);
            return false;
        }
        for (size_t i = 0; i < r->pub.naddresses; i++)
            if (strcmp(r->pub.addresses[i], host) == 0) {
                snprintf(why, n, "'%.80s' is given twice", host);
                return false;
            }
        snprintf(r->pub.addresses[r->pub.naddresses++], sizeof r->pub.addresses[0], "%s", host);
        p += len;
    }
    *at = 0;
    if (!r->pub.naddresses) {
        snprintf(why, n, "must name 1 to %d hosts separated by spaces", PUBLIC_MAX_ADDRESSES);
        return false;
    }
    return true;
}

static bool pc_checks(const char *v, public_row *r, size_t *at, char *why, size_t n)
{
    public_check ck[PUBLIC_MAX_CHECKS];
    size_t nck;
    vg_err e;
    *at = 0;
    if (strlen(v) >= sizeof r->pub.checks) {
        snprintf(why, n, "longer than %zu bytes", sizeof r->pub.checks - 1);
        return false;
    }
    if (public_checks_parse(v, ck, PUBLIC_MAX_CHECKS, &nck, at, &e) != VG_OK) {
        snprintf(why, n, "%s", e.msg);
        return false;
    }
    snprintf(r->pub.checks, sizeof r->pub.checks, "%s", v[0] ? v : "icmp");
    return true;
}

/* The field of column k (NULL when the file has no such column), checked into the row; false with why
 * and *at (the byte offset of the fault inside the field). */
static bool pc_field(pc_ctx *c, int k, const char *v, public_row *rows, size_t n, size_t *at, char *why, size_t wn)
{
    public_row *r = &rows[n];
    *at = 0;
    const char *val = v ? v : "";
    utf8_control ctl;
    if (!utf8_is_valid(val)) {
        snprintf(why, wn, "not UTF-8 text");
        return false;
    }
    if (utf8_find_control(val, strlen(val), &ctl)) {
        snprintf(why, wn, "control character U+%04lX at character %zu", ctl.cp, ctl.pos);
        return false;
    }
    switch (k) {
    case PC_ID: return pc_id(c, val, rows, n, why, wn);
    case PC_NAME: return pc_text(val, r->name, sizeof r->name, true, why, wn);
    case PC_COMMUNE: return pc_text(val, r->pub.commune, sizeof r->pub.commune, true, why, wn);
    case PC_EPCI: return pc_text(val, r->pub.epci, sizeof r->pub.epci, false, why, wn);
    case PC_CATEGORY: return pc_category(val, r, why, wn);
    case PC_NRO: return pc_nro(c, val, r, why, wn);
    case PC_CONTRACT: return pc_contract(c, val, r, why, wn);
    case PC_AGENT: return pc_agent(c, val, r, why, wn);
    case PC_ADDRESS: return pc_address(val, r, at, why, wn);
    case PC_CHECKS: return pc_checks(val, r, at, why, wn);
    default: return true;
    }
}

/* The character column of the byte `at` of a field that starts at col (a quoted one after its quote). */
static int pc_col_at(const public_csv_field *f, size_t at)
{
    int col = f->col + (f->quoted && at > 0 ? 1 : 0); /* the field itself: where it starts, its quote */
    for (size_t i = 0; i < at && f->val[i]; i++)
        col += ((unsigned char)f->val[i] & 0xC0) != 0x80;
    return col;
}

static void pc_row(pc_ctx *c, const public_csv *csv, public_row *rows, size_t n)
{
    memset(&rows[n], 0, sizeof rows[n]);
    rows[n].line = csv->rec_line;
    if (csv->nf != c->ncols) {
        pc_error(c, csv->rec_line, 1, NULL, "%zu field%s where the header has %zu", csv->nf, csv->nf == 1 ? "" : "s",
                 c->ncols);
        return;
    }
    for (int k = 0; k < PC_NCOLS; k++) {
        const public_csv_field *f = c->col_of[k] >= 0 ? &csv->f[c->col_of[k]] : NULL;
        char why[VG_ERR_MAX - 128];
        size_t at;
        if (!pc_field(c, k, f ? f->val : NULL, rows, n, &at, why, sizeof why))
            pc_error(c, f ? f->line : csv->rec_line, f ? pc_col_at(f, at) : 1, pc_columns[k], "%s", why);
    }
    if (!rows[n].name[0])
        snprintf(rows[n].name, sizeof rows[n].name, "%s", rows[n].id);
}

public_rows *public_rows_parse(const server_config *cfg, const char *file, const char *text, size_t len,
                               public_errors *errs)
{
    memset(errs, 0, sizeof *errs);
    pc_ctx c = {.cfg = cfg, .file = file, .errs = errs};
    public_rows *out = calloc(1, sizeof *out);
    public_csv *csv = malloc(sizeof *csv);
    c.ids = calloc(PC_HASH_SLOTS, sizeof *c.ids);
    if (out)
        out->rows = malloc((PUBLIC_MAX_SITES + 1) * sizeof *out->rows);
    if (!out || !csv || !c.ids || !out->rows) {
        pc_error(&c, 0, 0, NULL, "out of memory");
        goto fail;
    }
    public_csv_init(csv, text, len);
    char msg[256];
    int line, col, got;
    bool header = false;
    while ((got = public_csv_next(csv, msg, sizeof msg, &line, &col)) != 0) {
        if (got < 0) {
            pc_error(&c, line, col, NULL, "%s", msg);
            if (!header)
                break; /* without a header no row can be read */
            continue;
        }
        if (!header) {
            header = true;
            if (!pc_header(&c, csv))
                break;
            continue;
        }
        if (out->n == PUBLIC_MAX_SITES) {
            pc_error(&c, csv->rec_line, 1, NULL, "more than %d public sites", PUBLIC_MAX_SITES);
            break;
        }
        pc_row(&c, csv, out->rows, out->n);
        out->n++;
    }
    if (!header && !errs->total)
        pc_error(&c, 1, 1, NULL, "no header line (id,name,commune,category,nro,address,contract)");
    if (errs->total)
        goto fail;
    free(csv);
    free(c.ids);
    return out;
fail:
    free(csv);
    free(c.ids);
    public_rows_free(out);
    return NULL;
}

size_t public_rows_count(const public_rows *r) { return r ? r->n : 0; }

static int pc_cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static size_t pc_distinct(const public_rows *r, size_t offset)
{
    const char **v = malloc((r->n + 1) * sizeof *v);
    size_t n = 0, d = 0;
    if (!v)
        return 0;
    for (size_t i = 0; i < r->n; i++) {
        const char *s = (const char *)&r->rows[i] + offset;
        if (*s)
            v[n++] = s;
    }
    qsort(v, n, sizeof *v, pc_cmp_str);
    for (size_t i = 0; i < n; i++)
        d += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    free(v);
    return d;
}

void public_rows_stats(const public_rows *r, size_t *communes, size_t *nros)
{
    *communes = pc_distinct(r, offsetof(public_row, pub) + offsetof(server_public_info, commune));
    *nros = pc_distinct(r, offsetof(public_row, pub) + offsetof(server_public_info, nro));
}

void public_rows_free(public_rows *r)
{
    if (!r)
        return;
    free(r->rows);
    free(r);
}

vg_code public_rows_append(server_config *cfg, const public_rows *r, vg_err *err)
{
    site_model model;
    vg_code rc = site_model_defaults(cfg->vocab, "public", &model, err);
    if (rc != VG_OK)
        return rc;
    /* sites[nsites] stays a zeroed spare: server_config_free counts on it */
    server_site *grown = realloc(cfg->sites, (cfg->nsites + r->n + 1) * sizeof *grown);
    if (!grown)
        return vg_fail(err, VG_E_NOMEM, "%s: out of memory", cfg->public_sites);
    cfg->sites = grown;
    memset(&cfg->sites[cfg->nsites], 0, (r->n + 1) * sizeof *grown);
    for (size_t i = 0; i < r->n; i++) {
        server_site *s = &cfg->sites[cfg->nsites];
        const public_row *row = &r->rows[i];
        s->pub = malloc(sizeof *s->pub);
        if (!s->pub)
            return vg_fail(err, VG_E_NOMEM, "%s: out of memory", cfg->public_sites);
        *s->pub = row->pub;
        snprintf(s->id, sizeof s->id, "%s", row->id);
        snprintf(s->name, sizeof s->name, "%s", row->name);
        snprintf(s->kind, sizeof s->kind, "public");
        snprintf(s->timezone, sizeof s->timezone, "%s", row->timezone);
        s->target = row->target;
        s->min_coverage = SERVER_MIN_COVERAGE_DEFAULT;
        s->model = model;
        cfg->nsites++;
    }
    return VG_OK;
}
