/* The fuzz targets (see targets.h). Besides "no crash, no leak, no undefined behaviour", each checks
 * what the code under test promises, and abort()s when it does not hold:
 *
 *  - push: a body the decoder accepts is valid field by field, encodes again, and decodes to the
 *    same batch; a refused body names a field and a reason. Text the validators accept can be put
 *    in JSON (else push_batch_encode fails and the agent loses the batch); a name is its own path
 *    component, and every path component is reversible and safe.
 *  - config: what agent_config_load and server_config_load accept is within the documented bounds,
 *    a token finds exactly its agent; a refusal has a message. conf.c's readers are run on every
 *    node of the document.
 *  - profile: what profile_set_load accepts, profile_set_check accepts too (and the reverse);
 *    templates expand within bounds; every metric converts sample values to finite numbers with
 *    printable text that a push can carry.
 *  - snmp_value: a varbind of any type and bytes decodes without reading past it; the conversion
 *    through any metric of mibs/ gives a finite value, printable text and a real severity. */
#include "config.h"
#include "targets.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/agent_config.h"
#include "conf.h"
#include "log.h"
#include "names.h"
#include "profile/profile.h"
#include "push.h"
#include "config/server_config.h"
#include "snmp/snmp_value.h"
#include "snmp/traps.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz: %s:%d: property does not hold: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct {
    const prof_metric *m;
} fuzz_metric;

static struct {
    int state; /* 0: not yet, 1: ready, -1: failed */
    char srcdir[PATH_MAX];
    char dir[PATH_MAX];          /* temporary folder: vocabulary.yaml and fuzz.yaml (profiles) */
    char profile_path[PATH_MAX]; /* dir/fuzz.yaml */
    char vocab_path[PATH_MAX];   /* dir/vocabulary.yaml */
    char conf_path[PATH_MAX];    /* /proc/self/fd/N of a memfd, or dir/conf.yaml */
    int conf_fd;
    pid_t owner; /* the process that set up, and cleans up (not replay's children) */
    FILE *devnull;
    profile_set *mibs; /* the project's profiles, for snmp_value and traps */
    agent_config *trap_cfg; /* the agent of the traps harness, and its receiver */
    traps *traps;
    fuzz_metric *metrics;
    size_t nmetrics;
} fz = {.conf_fd = -1};

/* ---- set-up ---------------------------------------------------------------------------------- */

static int fuzz_write_file(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return close(fd);
}

static char *fuzz_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    fclose(f);
    *size = n;
    return buf;
}

static void fuzz_cleanup(void)
{
    if (fz.owner != getpid())
        return;
    if (fz.dir[0]) {
        unlink(fz.profile_path);
        unlink(fz.vocab_path);
        if (fz.conf_fd < 0)
            unlink(fz.conf_path);
        rmdir(fz.dir);
    }
    if (fz.conf_fd >= 0)
        close(fz.conf_fd);
    if (fz.devnull)
        fclose(fz.devnull);
    free(fz.metrics);
    traps_free(fz.traps);
    agent_config_free(fz.trap_cfg);
    profile_set_free(fz.mibs);
    memset(&fz, 0, sizeof fz);
    fz.conf_fd = -1;
}

static int fuzz_init_fail(const char *what)
{
    fprintf(stderr, "fuzz: %s (source tree: %s; set VIGIE_FUZZ_SRCDIR)\n", what, fz.srcdir);
    fz.state = -1;
    return -1;
}

int fuzz_init(void)
{
    if (fz.state)
        return fz.state > 0 ? 0 : -1;
    log_set_level(LOG_LVL_ERROR); /* loaders warn about file modes: not what is tested */
    /* snmp_set_var_typed_value complains about bad sizes: to a handler that drops it (without
     * any handler, net-snmp writes to stderr) */
    snmp_disable_log();
    netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
    const char *src = getenv("VIGIE_FUZZ_SRCDIR");
    snprintf(fz.srcdir, sizeof fz.srcdir, "%s", src && *src ? src : FUZZ_SRCDIR);

    const char *tmp = getenv("TMPDIR");
    snprintf(fz.dir, sizeof fz.dir, "%s/vigie-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fz.dir)) {
        fz.dir[0] = '\0';
        return fuzz_init_fail("cannot create a temporary folder");
    }
    snprintf(fz.profile_path, sizeof fz.profile_path, "%s/fuzz.yaml", fz.dir);
    snprintf(fz.vocab_path, sizeof fz.vocab_path, "%s/vocabulary.yaml", fz.dir);
    fz.owner = getpid();
    atexit(fuzz_cleanup);

    char path[PATH_MAX];
    size_t n;
    /* server configurations load the vocabulary of VIGIE_MIBS_DIR when they name no mibs_dir: the
     * source tree's, also under `make fuzz` (make check sets it); one thread, before any fuzzing */
    snprintf(path, sizeof path, "%s/mibs", fz.srcdir);
    setenv("VIGIE_MIBS_DIR", path, 0);
    snprintf(path, sizeof path, "%s/mibs/vocabulary.yaml", fz.srcdir);
    char *voc_yaml = fuzz_read_file(path, &n);
    if (!voc_yaml)
        return fuzz_init_fail("cannot read mibs/vocabulary.yaml");
    int rc = fuzz_write_file(fz.vocab_path, voc_yaml, n);
    free(voc_yaml);
    if (rc != 0)
        return fuzz_init_fail("cannot write the temporary vocabulary");

    /* configurations are read from a path: a memfd avoids the disk */
    fz.conf_fd = memfd_create("vigie-fuzz-conf", MFD_CLOEXEC);
    if (fz.conf_fd >= 0) {
        snprintf(fz.conf_path, sizeof fz.conf_path, "/proc/self/fd/%d", fz.conf_fd);
        if (fchmod(fz.conf_fd, 0600) != 0 || access(fz.conf_path, R_OK) != 0) {
            close(fz.conf_fd);
            fz.conf_fd = -1;
        }
    }
    if (fz.conf_fd < 0)
        snprintf(fz.conf_path, sizeof fz.conf_path, "%s/conf.yml", fz.dir); /* not a profile */

    fz.devnull = fopen("/dev/null", "w");
    if (!fz.devnull)
        return fuzz_init_fail("cannot open /dev/null");

    vg_err err;
    snprintf(path, sizeof path, "%s/mibs", fz.srcdir);
    fz.mibs = profile_set_load(path, &err);
    if (!fz.mibs)
        return fuzz_init_fail(err.msg);
    size_t total = 0;
    for (size_t i = 0; i < profile_set_count(fz.mibs); i++)
        total += profile_set_at(fz.mibs, i)->nmetrics;
    fz.metrics = calloc(total ? total : 1, sizeof *fz.metrics);
    if (!fz.metrics)
        return fuzz_init_fail("out of memory");
    for (size_t i = 0; i < profile_set_count(fz.mibs); i++) {
        const profile *p = profile_set_at(fz.mibs, i);
        for (size_t j = 0; j < p->nmetrics; j++)
            fz.metrics[fz.nmetrics++].m = &p->metrics[j];
    }
    if (fz.nmetrics == 0)
        return fuzz_init_fail("no metric in mibs/");

    /* the traps harness's agent: devices with and without a profile that declares traps */
    static const char trap_agent[] =
        "agent: fuzz-agent\nserver: http://127.0.0.1:8470\ntoken: 0123456789abcdef\n"
        "trap_listen: 127.0.0.1:16200\ntrap_community: public\n"
        "trap_rate: 100000\ntrap_source_rate: 100000\n" /* FUZZ_NOW never refills: the largest bursts */
        "devices:\n"
        "  - {name: ups1, host: 10.0.0.1, profile: ups-rfc1628}\n"
        "  - {name: env1, host: 10.0.0.2, profile: env-rittal-cmc3}\n"
        "  - {name: olt1, host: 10.0.0.3, profile: olt-ifmib, class: olt}\n"
        "  - {name: pdu1, host: 10.0.0.4}\n"
        "  - {name: v6, host: \"fd00::5\", class: ups}\n";
    snprintf(path, sizeof path, "%s/agent.yml", fz.dir);
    if (fuzz_write_file(path, trap_agent, sizeof trap_agent - 1) != 0 ||
        !(fz.trap_cfg = agent_config_load(path, "/nonexistent", &err)))
        return fuzz_init_fail(fz.trap_cfg ? "cannot write agent.yml" : err.msg);
    unlink(path);
    if (!(fz.traps = traps_new(fz.trap_cfg, fz.mibs, NULL, NULL)))
        return fuzz_init_fail("traps_new failed");
    fz.state = 1;
    return 0;
}

static void fuzz_require_init(void)
{
    if (fuzz_init() != 0)
        abort(); /* not the code under test: the harness cannot run at all */
}

/* A NUL-terminated copy of at most max bytes of the input. */
static char *fuzz_cstr(const uint8_t *data, size_t size, size_t max)
{
    size_t n = size < max ? size : max;
    char *s = malloc(n + 1);
    if (!s)
        abort();
    if (n)
        memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

static bool fuzz_terminated(const char *s, size_t size) { return memchr(s, '\0', size) != NULL; }

/* ---- push and names ------------------------------------------------------------------------ */

static void fuzz_check_sample(const push_sample *s)
{
    FUZZ_CHECK(fuzz_terminated(s->device, sizeof s->device) && name_is_valid(s->device));
    FUZZ_CHECK(fuzz_terminated(s->metric, sizeof s->metric) && metric_name_is_valid(s->metric));
    FUZZ_CHECK(fuzz_terminated(s->instance, sizeof s->instance));
    FUZZ_CHECK(!s->instance[0] || text_is_valid(s->instance, INSTANCE_MAX_LEN));
    FUZZ_CHECK(fuzz_terminated(s->label, sizeof s->label));
    FUZZ_CHECK(!s->label[0] || text_is_valid(s->label, INSTANCE_MAX_LEN));
    FUZZ_CHECK(fuzz_terminated(s->unit, sizeof s->unit));
    FUZZ_CHECK(!s->unit[0] || text_is_valid(s->unit, PUSH_UNIT_MAX));
    FUZZ_CHECK(fuzz_terminated(s->text, sizeof s->text));
    FUZZ_CHECK(!s->text[0] || text_is_valid(s->text, PUSH_TEXT_MAX));
    FUZZ_CHECK(isfinite(s->value));
    FUZZ_CHECK(s->ts >= (int64_t)FUZZ_NOW - PUSH_MAX_AGE && s->ts <= (int64_t)FUZZ_NOW + PUSH_MAX_AHEAD);
    FUZZ_CHECK(s->sev >= SEV_NONE && s->sev <= SEV_UNKNOWN);
}

static bool fuzz_same_sample(const push_sample *a, const push_sample *b)
{
    return strcmp(a->device, b->device) == 0 && strcmp(a->metric, b->metric) == 0 &&
           strcmp(a->instance, b->instance) == 0 && strcmp(a->label, b->label) == 0 &&
           strcmp(a->unit, b->unit) == 0 && strcmp(a->text, b->text) == 0 && a->value == b->value &&
           a->ts == b->ts && a->sev == b->sev;
}

/* Undoes name_to_path_component: %XX back to the byte. */
static bool fuzz_unescape(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; in[i]; i++) {
        unsigned v = (unsigned char)in[i];
        if (in[i] == '%') {
            if (sscanf(in + i + 1, "%2X", &v) != 1)
                return false;
            i += 2;
        }
        if (o + 1 >= size)
            return false;
        out[o++] = (char)v;
    }
    out[o] = '\0';
    return true;
}

static void fuzz_names(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 600);
    size_t len = strlen(s);
    /* "printable UTF-8 text" must be text JSON can carry: jansson refuses anything else */
    if (text_is_valid(s, 600)) {
        json_t *j = json_string(s);
        FUZZ_CHECK(j != NULL);
        json_decref(j);
    }
    static const size_t sizes[] = {0, 1, 2, 4, 65, 200, 3 * 600 + 1};
    char out[3 * 600 + 1], back[600 + 1];
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        memset(out, 'x', sizeof out);
        if (name_to_path_component(s, out, sizes[k]) != 0) {
            FUZZ_CHECK(sizes[k] < 3 * len + 1 || sizes[k] < 2);
            continue;
        }
        FUZZ_CHECK(fuzz_terminated(out, sizes[k]));
        FUZZ_CHECK(out[0] && strcmp(out, ".") != 0 && strcmp(out, "..") != 0);
        for (const char *c = out; *c; c++)
            FUZZ_CHECK((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                       *c == '.' || *c == '_' || *c == '-' || *c == '%');
        if (len) { /* reversible, so that two instances never share a file */
            FUZZ_CHECK(fuzz_unescape(out, back, sizeof back));
            FUZZ_CHECK(strcmp(back, s) == 0);
        } else {
            FUZZ_CHECK(strcmp(out, "_") == 0);
        }
        /* a valid name is already a safe path component: RRD paths show names as they are */
        if (name_is_valid(s) || metric_name_is_valid(s))
            FUZZ_CHECK(strcmp(out, s) == 0);
    }
    free(s);
}

int fuzz_push(const uint8_t *data, size_t size)
{
    fuzz_require_init();
    vg_err err;
    memset(&err, 0, sizeof err);
    push_batch *b = push_batch_decode((const char *)data, size, FUZZ_NOW, &err);
    if (!b) {
        /* the server logs both and answers 400 with them in JSON */
        FUZZ_CHECK(fuzz_terminated(err.field, sizeof err.field) && err.field[0]);
        FUZZ_CHECK(fuzz_terminated(err.msg, sizeof err.msg) && err.msg[0]);
        FUZZ_CHECK(text_is_valid(err.field, sizeof err.field - 1) && text_is_valid(err.msg, sizeof err.msg - 1));
    } else {
        FUZZ_CHECK(name_is_valid(push_batch_agent(b)));
        FUZZ_CHECK(push_batch_count(b) <= PUSH_MAX_SAMPLES);
        for (size_t i = 0; i < push_batch_count(b); i++)
            fuzz_check_sample(push_batch_at(b, i));
        char *text = push_batch_encode(b);
        FUZZ_CHECK(text != NULL);
        vg_err err2;
        push_batch *b2 = push_batch_decode(text, strlen(text), FUZZ_NOW, &err2);
        if (!b2)
            fprintf(stderr, "fuzz: re-decoding failed: %s: %s\n", err2.field, err2.msg);
        FUZZ_CHECK(b2 != NULL);
        FUZZ_CHECK(strcmp(push_batch_agent(b), push_batch_agent(b2)) == 0);
        FUZZ_CHECK(push_batch_seq(b) == push_batch_seq(b2));
        FUZZ_CHECK(push_batch_count(b) == push_batch_count(b2));
        for (size_t i = 0; i < push_batch_count(b); i++)
            FUZZ_CHECK(fuzz_same_sample(push_batch_at(b, i), push_batch_at(b2, i)));
        push_batch_free(b2);
        free(text);
        push_batch_free(b);
    }
    fuzz_names(data, size);
    return 0;
}

/* ---- configuration files --------------------------------------------------------------------- */

static int fuzz_set_conf(const uint8_t *data, size_t size)
{
    if (fz.conf_fd < 0)
        return fuzz_write_file(fz.conf_path, data, size);
    if (ftruncate(fz.conf_fd, 0) != 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t n = pwrite(fz.conf_fd, data + off, size - off, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

/* conf.c's readers on every node (bounded depth: the walk is recursive, the loaders are not deep) */
static void fuzz_walk(const conf_doc *d, const conf_node *n, int depth)
{
    if (!n || depth > 40)
        return;
    vg_err err;
    FUZZ_CHECK(conf_node_line(n) >= 1 && conf_node_column(n) >= 1);
    long long i;
    double x;
    bool b;
    const char *s;
    switch (conf_node_kind(n)) {
    case CONF_SCALAR:
        FUZZ_CHECK(conf_node_scalar(n) != NULL);
        if (conf_scalar_int(d, n, "k", LLONG_MIN, LLONG_MAX, &i, &err) != 0)
            FUZZ_CHECK(err.msg[0]);
        if (conf_scalar_double(d, n, "k", &x, &err) == 0)
            FUZZ_CHECK(isfinite(x));
        break;
    case CONF_MAP:
        if (conf_check_map(d, n, "map", NULL, &err) != 0)
            FUZZ_CHECK(err.msg[0]);
        conf_require_keys(d, n, "map", (const char *const[]){"name", "id", NULL}, &err);
        for (size_t k = 0; k < conf_len(n); k++) {
            const conf_node *kn = conf_map_key_at(d, n, k), *vn = conf_map_value_at(d, n, k);
            FUZZ_CHECK(kn != NULL && vn != NULL);
            const char *key = conf_node_scalar(kn);
            if (key && k < 8) { /* each reader looks the key up: not on every key of a big map */
                FUZZ_CHECK(conf_map_get(d, n, key) != NULL);
                s = NULL;
                if (conf_get_str(d, n, key, true, 64, &s, &err) == 0)
                    FUZZ_CHECK(s && strlen(s) <= 64);
                conf_get_int(d, n, key, false, -1000, 1000, &i, &err);
                conf_get_double(d, n, key, false, &x, &err);
                conf_get_bool(d, n, key, false, &b, &err);
            }
            fuzz_walk(d, kn, depth + 1);
            fuzz_walk(d, vn, depth + 1);
        }
        FUZZ_CHECK(conf_map_key_at(d, n, conf_len(n)) == NULL);
        break;
    case CONF_SEQ:
        for (size_t k = 0; k < conf_len(n); k++) {
            const conf_node *item = conf_seq_at(d, n, k);
            FUZZ_CHECK(item != NULL);
            fuzz_walk(d, item, depth + 1);
        }
        FUZZ_CHECK(conf_seq_at(d, n, conf_len(n)) == NULL);
        break;
    case CONF_NONE:
        break;
    }
}

static void fuzz_check_agent_config(const agent_config *c)
{
    FUZZ_CHECK(name_is_valid(c->id));
    FUZZ_CHECK(!c->site[0] || name_is_valid(c->site));
    FUZZ_CHECK(strncmp(c->server, "http://", 7) == 0 || strncmp(c->server, "https://", 8) == 0);
    FUZZ_CHECK(c->interval >= 5 && c->interval <= 3600);
    FUZZ_CHECK(c->timeout > 0 && c->timeout <= 60);
    FUZZ_CHECK(c->retries >= 0 && c->retries <= 10);
    FUZZ_CHECK(c->spool_dir[0] && c->spool_max_mb >= 1 && c->spool_max_mb <= 10240);
    FUZZ_CHECK(c->ndevices >= 1 && c->ndevices <= AGENT_MAX_DEVICES);
    for (size_t i = 0; i < c->ndevices; i++) {
        const agent_device *d = &c->devices[i];
        FUZZ_CHECK(name_is_valid(d->name) && d->host[0]);
        FUZZ_CHECK(d->port >= 1 && d->port <= 65535);
        FUZZ_CHECK(d->version == SNMP_V1 || d->version == SNMP_V2C || d->version == SNMP_V3);
        FUZZ_CHECK(d->timeout > 0 && d->timeout <= 60);
        FUZZ_CHECK(d->retries >= 0 && d->retries <= 10 && d->max_oids >= 1 && d->max_oids <= 128);
        if (d->version == SNMP_V3) {
            const agent_usm *u = d->usm;
            FUZZ_CHECK(u && u->user[0] && u->level[0] && u->auth_proto[0] && u->priv_proto[0]);
            if (strcmp(u->level, "noAuthNoPriv") != 0)
                FUZZ_CHECK(strlen(u->auth_pass) >= 8);
            if (strcmp(u->level, "authPriv") == 0)
                FUZZ_CHECK(strlen(u->priv_pass) >= 8);
        } else {
            FUZZ_CHECK(d->community[0] && !d->usm);
        }
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(c->devices[j].name, d->name) != 0);
    }
}

static void fuzz_check_server_config(const server_config *c, const char *probe_token)
{
    FUZZ_CHECK(c->port >= 1 && c->port <= 65535 && c->step >= 5 && c->step <= 3600);
    FUZZ_CHECK(c->nagents <= SERVER_MAX_AGENTS && c->nsites <= SERVER_MAX_SITES);
    FUZZ_CHECK((c->tls_cert_pem == NULL) == (c->tls_key_pem == NULL));
    for (size_t i = 0; i < c->nsites; i++) {
        FUZZ_CHECK(name_is_valid(c->sites[i].id) && c->sites[i].target > 0 && c->sites[i].target <= 100);
        FUZZ_CHECK(server_config_site(c, c->sites[i].id) == &c->sites[i]);
    }
    for (size_t i = 0; i < c->nagents; i++) {
        const server_agent *a = &c->agents[i];
        FUZZ_CHECK(name_is_valid(a->id) && name_is_valid(a->site) && strlen(a->token) >= 16);
        /* a token opens exactly its own agent */
        FUZZ_CHECK(server_config_agent_by_token(c, a->token) == a);
    }
    for (size_t i = 0; i < c->nreaders; i++) {
        const server_reader *r = server_config_reader_by_token(c, c->readers[i].token);
        FUZZ_CHECK(r && strcmp(r->token, c->readers[i].token) == 0 && strlen(r->token) >= 16);
    }
    const server_agent *a = server_config_agent_by_token(c, probe_token);
    FUZZ_CHECK(!a || strcmp(a->token, probe_token) == 0);
    const server_reader *r = server_config_reader_by_token(c, probe_token);
    FUZZ_CHECK(!r || strcmp(r->token, probe_token) == 0);
    FUZZ_CHECK(!server_config_agent_by_token(c, "") && !server_config_reader_by_token(c, ""));
}

int fuzz_config(const uint8_t *data, size_t size)
{
    fuzz_require_init();
    if (fuzz_set_conf(data, size) != 0)
        abort();
    vg_err err;
    err.msg[0] = '\0';
    agent_config *ac = agent_config_load(fz.conf_path, "/usr/share/vigie/mibs", &err);
    if (ac) {
        fuzz_check_agent_config(ac);
        agent_config_free(ac);
    } else {
        FUZZ_CHECK(err.msg[0]);
    }
    err.msg[0] = '\0';
    server_config *sc = server_config_load(fz.conf_path, &err);
    if (sc) {
        /* the last line of the input stands for a token presented to the server */
        char *all = fuzz_cstr(data, size, 1024);
        char *nl = strrchr(all, '\n');
        fuzz_check_server_config(sc, nl ? nl + 1 : all);
        free(all);
        server_config_free(sc);
    } else {
        FUZZ_CHECK(err.msg[0]);
    }
    err.msg[0] = '\0';
    conf_doc *d = conf_doc_load_string("fuzz.yaml", (const char *)data, size, &err);
    if (d) {
        FUZZ_CHECK(strcmp(conf_doc_name(d), "fuzz.yaml") == 0);
        fuzz_walk(d, conf_doc_root(d), 0);
        conf_doc_free(d);
    } else {
        FUZZ_CHECK(err.msg[0]);
    }
    return 0;
}

/* ---- conversion ------------------------------------------------------------------------------ */

/* What snmp_value_convert gives must go into a push as it is. */
static void fuzz_check_conv(const prof_metric *m, conv_status st, const conv_result *r)
{
    FUZZ_CHECK(st == CONV_OK || st == CONV_ABSENT || st == CONV_INVALID || st == CONV_OUT_OF_RANGE);
    if (st != CONV_OK)
        return;
    FUZZ_CHECK(isfinite(r->value));
    FUZZ_CHECK(r->sev >= SEV_OK && r->sev <= SEV_UNKNOWN);
    FUZZ_CHECK(fuzz_terminated(r->text, sizeof r->text));
    FUZZ_CHECK(!r->text[0] || text_is_valid(r->text, PUSH_TEXT_MAX));
    FUZZ_CHECK(!m->has_range || m->en || (r->value >= m->range_lo && r->value <= m->range_hi));
    push_batch *b = push_batch_new("fuzz", 1);
    push_sample s;
    FUZZ_CHECK(b && push_sample_set(&s, "dev", m->name, "", r->value, m->unit, FUZZ_NOW) == 0);
    snprintf(s.text, sizeof s.text, "%s", r->text);
    s.sev = r->sev;
    FUZZ_CHECK(push_batch_add(b, &s) == 0);
    char *text = push_batch_encode(b);
    FUZZ_CHECK(text != NULL);
    free(text);
    push_batch_free(b);
}

static void fuzz_check_expand(const char *tmpl, const oid *idx, size_t len)
{
    char small[INSTANCE_MAX_LEN + 1], big[OID_TEXT_MAX];
    memset(small, 'x', sizeof small);
    if (profile_expand_index(tmpl, idx, len, small, sizeof small) == 0)
        FUZZ_CHECK(fuzz_terminated(small, sizeof small));
    memset(big, 'x', sizeof big);
    if (profile_expand_index(tmpl, idx, len, big, sizeof big) == 0)
        FUZZ_CHECK(fuzz_terminated(big, sizeof big));
    char one[1] = {'x'};
    if (profile_expand_index(tmpl, idx, len, one, sizeof one) == 0)
        FUZZ_CHECK(one[0] == '\0');
}

/* Sample values through every source of every metric of a profile loaded from the input. */
static void fuzz_exercise_profile(const profile *p)
{
    static const double nums[] = {0, 1, -1, 2, 3, 100, 65535, 2147483647, 4294967295.0, -2147483648.0, 1e15};
    static const char *const strs[] = {"", "N/A", "12.5 C", "-0", "\x01\xff", "1e308", "0x10", "OL"};
    static const double factors[] = {1, 0.01, -1e-300};
    oid idx3[3] = {1, 2, 3}, idxbig[MAX_OID_LEN];
    for (size_t i = 0; i < MAX_OID_LEN; i++)
        idxbig[i] = 4294967295UL;
    for (size_t i = 0; i < p->nmetrics; i++) {
        const prof_metric *m = &p->metrics[i];
        FUZZ_CHECK(m->name && metric_name_is_valid(m->name) && m->unit);
        FUZZ_CHECK(m->nsources >= 1 && m->nsources <= PROF_MAX_SOURCES && m->nfilters <= PROF_MAX_FILTERS);
        const char *tmpls[2 + PROF_MAX_FILTERS] = {m->instance_tmpl, m->label_index_tmpl};
        for (size_t f = 0; f < m->nfilters; f++)
            tmpls[2 + f] = m->filters[f].index_tmpl;
        for (size_t t = 0; t < 2 + m->nfilters; t++) {
            if (!tmpls[t])
                continue;
            fuzz_check_expand(tmpls[t], idx3, 3);
            fuzz_check_expand(tmpls[t], idx3, 0);
            fuzz_check_expand(tmpls[t], idxbig, MAX_OID_LEN);
        }
        if (m->instance_tmpl) { /* the instances of a table's rows go into pushes as they are */
            char inst[INSTANCE_MAX_LEN + 1];
            if (profile_expand_index(m->instance_tmpl, idx3, 3, inst, sizeof inst) == 0)
                FUZZ_CHECK(!inst[0] || text_is_valid(inst, INSTANCE_MAX_LEN));
        }
        for (size_t s = 0; s < m->nsources; s++) {
            const prof_source *src = &m->sources[s];
            FUZZ_CHECK(src->oid.len >= 2 && src->scale != 0 && isfinite(src->scale));
            FUZZ_CHECK(!src->instance || !src->instance[0] || text_is_valid(src->instance, INSTANCE_MAX_LEN));
            for (size_t f = 0; f < sizeof factors / sizeof factors[0]; f++) {
                raw_value raw;
                conv_result r;
                memset(&raw, 0, sizeof raw);
                FUZZ_CHECK(snmp_value_convert(m, src, &raw, factors[f], &r) == CONV_ABSENT);
                for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
                    memset(&raw, 0, sizeof raw);
                    raw.kind = RAW_NUMBER;
                    raw.asn_type = ASN_INTEGER;
                    raw.number = nums[k];
                    fuzz_check_conv(m, snmp_value_convert(m, src, &raw, factors[f], &r), &r);
                }
                for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
                    memset(&raw, 0, sizeof raw);
                    raw.kind = RAW_STRING;
                    raw.asn_type = ASN_OCTET_STR;
                    snprintf(raw.str, sizeof raw.str, "%s", strs[k]);
                    raw.str_len = strlen(raw.str);
                    fuzz_check_conv(m, snmp_value_convert(m, src, &raw, factors[f], &r), &r);
                }
            }
        }
    }
}

static bool fuzz_probe_yes(void *ctx, const prof_oid *probe)
{
    (void)ctx;
    FUZZ_CHECK(probe && probe->len >= 2);
    return true;
}

int fuzz_profile(const uint8_t *data, size_t size)
{
    fuzz_require_init();
    if (fuzz_write_file(fz.profile_path, data, size) != 0)
        abort();
    vg_err err;
    err.msg[0] = '\0';
    profile_set *set = profile_set_load(fz.dir, &err);
    if (!set) {
        FUZZ_CHECK(err.msg[0]);
    } else {
        FUZZ_CHECK(profile_set_count(set) == 1);
        const profile *p = profile_set_at(set, 0);
        FUZZ_CHECK(p->name && p->cls && p->file && profile_set_find(set, p->name) == p);
        FUZZ_CHECK(p->priority >= 0 && p->priority <= 1000);
        for (size_t i = 0; i < p->nmatch_soid; i++)
            FUZZ_CHECK(p->match_soid[i].len >= 2 && p->match_soid[i].len <= MAX_OID_LEN);
        fuzz_exercise_profile(p);
        for (size_t i = 0; i < p->ntraps; i++) {
            const prof_trap *t = &p->traps[i], *found = profile_find_trap(p, t->oid.ids, t->oid.len);
            FUZZ_CHECK(t->oid.len >= 2 && t->metric && metric_name_is_valid(t->metric) && t->unit);
            FUZZ_CHECK(isfinite(t->value) && t->sev >= SEV_OK && t->sev <= SEV_UNKNOWN);
            FUZZ_CHECK(t->text && (!t->text[0] || text_is_valid(t->text, PUSH_TEXT_MAX)));
            FUZZ_CHECK(t->instance && (!t->instance[0] || text_is_valid(t->instance, INSTANCE_MAX_LEN)));
            FUZZ_CHECK(found && found->oid.len == t->oid.len &&
                       memcmp(found->oid.ids, t->oid.ids, t->oid.len * sizeof(oid)) == 0);
        }
        if (p->nmatch_soid) {
            const profile *found = profile_set_detect(set, p->match_soid[0].ids, p->match_soid[0].len,
                                                      fuzz_probe_yes, NULL);
            FUZZ_CHECK(found == p);
        }
    }
    /* --check-profiles judges the folder as the loader does */
    int problems = profile_set_check(fz.dir, fz.devnull);
    FUZZ_CHECK((problems == 0) == (set != NULL));
    profile_set_free(set);
    return 0;
}

/* ---- SNMP values ----------------------------------------------------------------------------- *
 * Input: byte 0 the varbind's ASN type; bytes 1-2 a metric of mibs/ (little-endian, modulo their
 * number); byte 3 bits 0-2 the source, bits 3-4 the row factor (1, 10^-d, 1/(d+1), -1/2^(8d)),
 * bits 5-7 d; byte 4 the value's length L; then L bytes of value; then "OID|TEMPLATE" text for
 * oid_parse and profile_expand_index (without '|', the same text for both). */

static void fuzz_oid_text(const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        abort();
    char *bar = strchr(copy, '|');
    const char *tmpl = bar ? bar + 1 : text;
    if (bar)
        *bar = '\0';
    oid o[MAX_OID_LEN];
    size_t len = 0;
    for (size_t max = 0; max <= MAX_OID_LEN; max += MAX_OID_LEN / 2) {
        if (oid_parse(copy, o, max, &len) == 0) {
            FUZZ_CHECK(len >= 2 && len <= max);
            for (size_t i = 0; i < len; i++)
                FUZZ_CHECK(o[i] <= 0xffffffffUL);
            /* formatting and parsing again gives the same OID */
            char buf[OID_TEXT_MAX], buf2[OID_TEXT_MAX];
            oid o2[MAX_OID_LEN];
            size_t len2;
            oid_format(o, len, buf, sizeof buf);
            FUZZ_CHECK(oid_parse(buf, o2, MAX_OID_LEN, &len2) == 0 && len2 == len);
            FUZZ_CHECK(memcmp(o, o2, len * sizeof(oid)) == 0);
            FUZZ_CHECK(oid_has_prefix(o, len, o2, len2) && oid_has_prefix(o, len, o2, 1));
            oid_format(o2, len2, buf2, 8); /* truncated, but terminated */
            FUZZ_CHECK(fuzz_terminated(buf2, 8));
            fuzz_check_expand(tmpl, o, len);
            for (size_t i = 0; i < profile_set_count(fz.mibs); i++) {
                const profile *p = profile_set_at(fz.mibs, i);
                const prof_trap *t = profile_find_trap(p, o, len);
                FUZZ_CHECK(!t || (t->oid.len == len && memcmp(t->oid.ids, o, len * sizeof(oid)) == 0));
            }
        }
    }
    fuzz_check_expand(tmpl, NULL, 0);
    free(copy);
}

static void fuzz_counters(const uint8_t *v, size_t n)
{
    uint64_t a = 0, b = 0;
    memcpy(&a, v, n < 8 ? n : 8);
    if (n > 8)
        memcpy(&b, v + 8, n - 8 < 8 ? n - 8 : 8);
    double dts[] = {1, 60, 0.001, 0, -1};
    for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
        for (int is64 = 0; is64 < 2; is64++) {
            double rate = -1;
            uint64_t prev = is64 ? a : (a & 0xffffffffULL), cur = is64 ? b : (b & 0xffffffffULL);
            if (snmp_value_counter_rate(prev, cur, is64, dts[i], &rate) == 0)
                FUZZ_CHECK(rate >= 0 && isfinite(rate) && dts[i] > 0);
        }
    }
}

int fuzz_snmp_value(const uint8_t *data, size_t size)
{
    fuzz_require_init();
    if (size < 5)
        return 0;
    u_char type = data[0];
    const prof_metric *m = fz.metrics[(size_t)(data[1] | data[2] << 8) % fz.nmetrics].m;
    const prof_source *src = &m->sources[(data[3] & 7) % m->nsources];
    unsigned d = data[3] >> 5;
    double factors[] = {1, pow(10, -(double)d), 1.0 / (d + 1), -1.0 / pow(2, 8 * d)};
    double factor = factors[(data[3] >> 3) & 3];
    size_t vlen = data[4] < size - 5 ? data[4] : size - 5;
    const uint8_t *val = data + 5;

    /* an aligned copy: net-snmp reads integers through the pointer it is given */
    union {
        long l;
        struct counter64 c;
        oid o[64];
        uint8_t b[256];
    } buf;
    memset(&buf, 0, sizeof buf);
    memcpy(buf.b, val, vlen);
    fuzz_counters(val, vlen);

    netsnmp_variable_list vb;
    memset(&vb, 0, sizeof vb);
    if (snmp_set_var_typed_value(&vb, type, vlen ? buf.b : NULL, vlen) == 0) {
        raw_value raw;
        memset(&raw, 0xa5, sizeof raw);
        int rc = snmp_value_decode(&vb, &raw);
        FUZZ_CHECK(raw.asn_type == type);
        if (rc != 0) {
            FUZZ_CHECK(raw.kind == RAW_NONE);
        } else {
            FUZZ_CHECK(raw.kind == RAW_NUMBER || raw.kind == RAW_STRING);
            if (raw.kind == RAW_NUMBER)
                FUZZ_CHECK(isfinite(raw.number));
            else
                FUZZ_CHECK(raw.str_len < RAW_STR_MAX && raw.str[raw.str_len] == '\0');
        }
        conv_result r;
        conv_status st = snmp_value_convert(m, src, &raw, factor, &r);
        if (rc != 0)
            FUZZ_CHECK(st == CONV_ABSENT);
        fuzz_check_conv(m, st, &r);
        (void)snmp_value_in_list(&m->absent, &raw);
        for (size_t f = 0; f < m->nfilters; f++)
            (void)snmp_value_in_list(&m->filters[f].values, &raw);
    }
    snmp_free_var_internals(&vb);

    char *text = fuzz_cstr(val + vlen, size - 5 - vlen, 4096);
    fuzz_oid_text(text);
    free(text);
    return 0;
}

/* ---- traps ----------------------------------------------------------------------------------- *
 * Input: byte 0 bits 0-1 the PDU (v1 Trap, v2c Trap2, v2c Inform, v3 Trap2), bit 2 a wrong community,
 * bits 3-5 the source (the address of device 1 to 5, an unknown IPv4 or IPv6 address, or device 1 as
 * ::ffff:10.0.0.1); byte 1 the v1 generic-trap (signed), bytes 2-3 the v1 specific-trap; then lines:
 * the enterprise (v1) or the snmpTrapOID.0 value (v2; an empty line: none), then one varbind per
 * line, "OID" (an INTEGER) or "OID TEXT" (an OCTET STRING). */

static oid *fuzz_oid_dup(const char *text, size_t *len)
{
    oid o[MAX_OID_LEN];
    if (oid_parse(text, o, MAX_OID_LEN, len) != 0)
        return NULL;
    oid *copy = malloc(*len * sizeof(oid));
    if (!copy)
        abort();
    memcpy(copy, o, *len * sizeof(oid));
    return copy;
}

int fuzz_traps(const uint8_t *data, size_t size)
{
    fuzz_require_init();
    if (size < 4)
        return 0;
    static const int commands[] = {SNMP_MSG_TRAP, SNMP_MSG_TRAP2, SNMP_MSG_INFORM, SNMP_MSG_TRAP2};
    static const long versions[] = {SNMP_VERSION_1, SNMP_VERSION_2c, SNMP_VERSION_2c, SNMP_VERSION_3};
    static const char *const sources[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "fd00::5",
                                          "192.0.2.7", "2001:db8::1:2", "::ffff:10.0.0.1"};
    int kind = data[0] & 3;
    bool wrong_community = data[0] & 4;
    const char *src = sources[(data[0] >> 3) & 7];
    netsnmp_pdu *pdu = snmp_pdu_create(commands[kind]);
    if (!pdu)
        abort();
    pdu->version = versions[kind];
    const char *community = wrong_community ? "privatex" : "public";
    pdu->community = (u_char *)strdup(community);
    pdu->community_len = strlen(community);
    if (!pdu->community)
        abort();
    pdu->trap_type = (signed char)data[1];
    pdu->specific_type = data[2] | data[3] << 8;

    char *text = fuzz_cstr(data + 4, size - 4, 8192), *save = NULL;
    bool first = true;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *value = strchr(line, ' ');
        if (value)
            *value++ = '\0';
        size_t len;
        oid *o = fuzz_oid_dup(line, &len);
        if (first) {
            first = false;
            if (kind == 0) {
                pdu->enterprise = o;
                pdu->enterprise_length = o ? len : 0;
                continue;
            }
            static const oid uptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0}, trap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
            long ticks = 4242;
            snmp_pdu_add_variable(pdu, uptime, OID_LENGTH(uptime), ASN_TIMETICKS, &ticks, sizeof ticks);
            if (o)
                snmp_pdu_add_variable(pdu, trap_oid, OID_LENGTH(trap_oid), ASN_OBJECT_ID, o, len * sizeof(oid));
            free(o);
            continue;
        }
        if (!o)
            continue;
        if (value) {
            snmp_pdu_add_variable(pdu, o, len, ASN_OCTET_STR, value, strlen(value));
        } else {
            long one = 1;
            snmp_pdu_add_variable(pdu, o, len, ASN_INTEGER, &one, sizeof one);
        }
        free(o);
    }
    free(text);

    oid toid[MAX_OID_LEN];
    size_t tlen = 0;
    int has_oid = traps_pdu_oid(pdu, toid, MAX_OID_LEN, &tlen);
    if (has_oid == 0)
        FUZZ_CHECK(tlen >= 2 && tlen <= MAX_OID_LEN);
    int rc = traps_handle(fz.traps, src, pdu, FUZZ_NOW);
    FUZZ_CHECK(rc == -1 || rc == 1);
    if (rc == 1)
        FUZZ_CHECK(has_oid == 0 && (kind == 3 || !wrong_community));
    FUZZ_CHECK(traps_pending(fz.traps) == (rc == 1 ? 1u : 0u));
    push_batch *b = traps_take(fz.traps);
    FUZZ_CHECK((b != NULL) == (rc == 1));
    if (b) {
        /* what the agent pushes for a trap must be what the server accepts: else the batch is
         * refused, and the trap lost */
        for (size_t i = 0; i < push_batch_count(b); i++) {
            const push_sample *s = push_batch_at(b, i);
            fuzz_check_sample(s);
            FUZZ_CHECK(s->ts == FUZZ_NOW);
        }
        push_batch_set_seq(b, 7);
        char *body = push_batch_encode(b);
        FUZZ_CHECK(body != NULL);
        vg_err err;
        push_batch *back = push_batch_decode(body, strlen(body), FUZZ_NOW, &err);
        if (!back)
            fprintf(stderr, "fuzz: the server refuses the trap's batch: %s: %s\n%s\n", err.field, err.msg, body);
        FUZZ_CHECK(back && push_batch_count(back) == push_batch_count(b));
        push_batch_free(back);
        free(body);
        push_batch_free(b);
    }
    snmp_free_pdu(pdu);
    return 0;
}

/* ---- names ----------------------------------------------------------------------------------- */

fuzz_target_fn fuzz_target_by_name(const char *name)
{
    static const struct {
        const char *name;
        fuzz_target_fn fn;
    } targets[] = {{"push", fuzz_push}, {"config", fuzz_config}, {"profile", fuzz_profile},
                   {"snmp_value", fuzz_snmp_value}, {"traps", fuzz_traps}};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (strcmp(targets[i].name, name) == 0)
            return targets[i].fn;
    return NULL;
}
