/* server_config: server.yaml — where to listen, where the data goes, which agents may push (with
 * their token and the site they serve), the sites themselves, and the API's read tokens.
 * Every key is checked; see conf/server.yaml for a commented example. */
#ifndef VIGIE_SERVER_CONFIG_H
#define VIGIE_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "names.h"
#include "sla/site_model.h"
#include "energy/energy_config.h"
#include "alerting/smtp.h"
#include "cluster/cluster_config.h"

#define SERVER_SECRET_MAX 255
#define SERVER_PATH_MAX 1024
#define SERVER_MAX_AGENTS 2000
#define SERVER_MAX_SITES 2000
#define SERVER_PEM_MAX (1024 * 1024) /* a certificate chain or a key file, bytes */

typedef struct {
    char id[NAME_MAX_LEN + 1];
    char token[SERVER_SECRET_MAX + 1];
    char site[NAME_MAX_LEN + 1];
    char (*devices)[NAME_MAX_LEN + 1]; /* sorted; NULL: any device name, within its site */
    size_t ndevices;
} server_agent;

/* Whether the agent may write this device (its `devices` list, when it has one). */
bool server_agent_may_write(const server_agent *a, const char *device);

/* Below this share of its eligible time monitored (known up or down), a period has no verdict:
 * "insufficient data", neither met nor missed (doc/report.md, "Coverage"). */
#define SERVER_MIN_COVERAGE_DEFAULT 90.0

/* What a public site (kind "public": a school, a town hall, a police station... on the FTTH network)
 * has beyond a site: where it is, what it hangs from, what to check and under which contract. Read from
 * the CSV of server.yaml's `public_sites:` (config/public_sites.h, `vigie-server --import-sites`). */
#define PUBLIC_MAX_ADDRESSES 4
#define PUBLIC_CHECKS_MAX 256
typedef struct {
    char commune[64];
    char epci[64];
    char category[32];               /* school, town_hall, police, traffic, camera, other */
    char nro[NAME_MAX_LEN + 1];      /* the NRO site it hangs from ("": none) */
    char contract[NAME_MAX_LEN + 1]; /* its contract class (contract/contract.h) */
    char agent[NAME_MAX_LEN + 1];    /* the agent that checks it */
    char addresses[PUBLIC_MAX_ADDRESSES][256]; /* what is checked: host names or IP addresses */
    size_t naddresses;
    char checks[PUBLIC_CHECKS_MAX];  /* "icmp", "icmp tcp:554", "http:https://host/path=200" */
} server_public_info;

typedef struct {
    char id[NAME_MAX_LEN + 1];
    char name[128];
    char kind[32];      /* datacenter | nro | pop | core | public */
    char timezone[64];
    double target;      /* availability target, percent */
    double min_coverage; /* percent of the eligible time that must be monitored for a verdict */
    site_model model;   /* critical services; the kind's defaults when none is declared */
    energy_site_config *energy; /* energy, power_redundancy, trends (energy/energy_config.h); NULL: defaults */
    server_public_info *pub;    /* kind public: its place, NRO, checks and contract; NULL for the others */
    int shard;          /* index in cluster.shards (cluster/shard.h); 0 when the estate is not sharded */
} server_site;

/* A bootstrap API token of server.yaml's api_tokens (personal tokens are in the database: auth/auth.h). */
#define SERVER_SCOPE_MAX 2048
typedef struct {
    char name[NAME_MAX_LEN + 1];
    char token[SERVER_SECRET_MAX + 1];
    int role;                        /* auth_role: 1 read, 2 operator (acknowledge, silence, maintenance), 3 admin */
    char scope[SERVER_SCOPE_MAX + 1]; /* auth_scope_parse's text; "" every site */
} server_reader;

/* The `report:` section: who receives the monthly SLA report (`vigie report --send`), in which
 * language by default. */
#define SERVER_MAX_RECIPIENTS 32
typedef struct {
    char recipients[SERVER_MAX_RECIPIENTS][256];
    size_t nrecipients;
    char lang[4];       /* fr (default) | en */
} server_report;

/* The `http:` section: how many connections the HTTP front holds, so that idle or slow clients cannot
 * take every slot (http.c). */
#define SERVER_HTTP_MAX_CONNECTIONS 512
#define SERVER_HTTP_MAX_PER_IP 32
#define SERVER_HTTP_TIMEOUT 60
typedef struct {
    int max_connections;        /* in all (default 512) */
    int max_connections_per_ip; /* from one client address (default 32) */
    int timeout;                /* seconds a connection may stay idle (default 60) */
} server_http;

/* The `retention:` section: days each growing table keeps (0: for ever); see conf/server.yaml. Events
 * and health runs are what past months' availability is computed from: at least 397 days (13 months). */
#define SERVER_RETENTION_MIN_HISTORY 397
typedef struct {
    int batches;       /* accepted batches (replay detection), default 90 */
    int notifications; /* sent or failed notifications, default 90 */
    int alerts;        /* resolved alerts and their notifications, ended silences, default 400 */
    int events;        /* state change events and ended maintenance windows, default 400 */
    int health_runs;   /* health runs ended before, default 400 */
    int late_samples;  /* samples kept for being older than their RRD file's last update, default 400 */
    int audit;         /* audit trail entries (audit/audit.h), default 400, else 0 or at least 397 */
} server_retention;

typedef struct server_config_s {
    char path[SERVER_PATH_MAX + 1];
    char listen_addr[64];
    int port;
    char data_dir[SERVER_PATH_MAX + 1];
    /* `database:` the store (store/sq.h): "" for DATA_DIR/vigie.db, "sqlite:PATH", or PostgreSQL's
     * "postgresql://..." URI or conninfo (it may hold a password: never logged, see doc/postgresql.md) */
    char database[1024];
    char rrdcached[256];    /* "" or the rrdcached address the RRD writes go through */
    int step;           /* RRD step: the agents' poll interval, seconds */
    /* HTTPS: both paths or neither (then plain HTTP). The PEM files are read by server_config_load,
     * so that an unreadable file is a configuration error; the key's copy is wiped on free. */
    char tls_cert[SERVER_PATH_MAX + 1];
    char tls_key[SERVER_PATH_MAX + 1];
    char *tls_cert_pem; /* NUL-terminated contents, NULL without TLS */
    char *tls_key_pem;
    server_agent *agents;
    size_t nagents;
    server_site *sites;
    size_t nsites;
    size_t *site_order;  /* indexes of sites by id, made once all are read (server_config_site) */
    size_t nsite_order;  /* nsites when site_order was made: sites added since are looked up one by one */
    server_reader *readers;
    size_t nreaders;
    smtp_config smtp;                    /* the `smtp:` section (smtp.h); configured false without it */
    server_report report;                /* the `report:` section */
    server_http http;                    /* the `http:` section */
    server_retention retention;          /* the `retention:` section */
    bool metrics_public;                 /* GET /metrics without an API token (default false) */
    /* ingest quotas: a sample of a new series past them is refused alone (http/ingest_filter.c) */
    int max_series_per_device;           /* default 2000 */
    int max_series_per_agent;            /* series in the agent's site folder, default 20000 */
    int disk_reserve_mb;                 /* no new RRD file below this much free space, default 1024 */
    int max_clock_skew;                  /* seconds an agent's clock may be off before an alert (skew.h), 30 */
    char web_dir[SERVER_PATH_MAX + 1];   /* the dashboard's files (default: the installed ones) */
    char mibs_dir[SERVER_PATH_MAX + 1];  /* where vocabulary.yaml is (default: the installed mibs/) */
    struct vocab *vocab;                 /* mibs_dir/vocabulary.yaml (vocab.h); always set */
    struct alerting_config *alerting;    /* the `alerting:` section (alert_config.h); always set */
    struct contract_set *contracts;      /* `contracts:` and `calendars:` (contract/contract.h); always set */
    int dependency_grace;                /* seconds around a public site's outage start its NRO's counts (default 2 × step) */
    char public_sites[SERVER_PATH_MAX + 1]; /* `public_sites: {file:}`: the CSV the public sites are read from */
    char public_agent[NAME_MAX_LEN + 1];    /* `public_sites: {agent:}`: who checks a row that names no agent */
    server_cluster cluster;                 /* `cluster:` (cluster/cluster_config.h): a server of a pair */
} server_config;

server_config *server_config_load(const char *path, vg_err *err);
/* The same without reading the public sites' CSV (cfg->public_sites is only its path): for
 * `vigie-server --import-sites`, which replaces that file (config/public_sites.h). */
server_config *server_config_load_base(const char *path, vg_err *err);
void server_config_free(server_config *cfg);

const server_site *server_config_site(const server_config *cfg, const char *id);

/* Constant-time comparison of a presented token with each configured one. */
const server_agent *server_config_agent_by_token(const server_config *cfg, const char *token);
const server_reader *server_config_reader_by_token(const server_config *cfg, const char *token);

#endif
