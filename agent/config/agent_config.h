/* agent_config: agent.yaml, the one file that tells an agent who it is, where to push and what to
 * poll. Every key is checked; an unknown key or a bad value stops the agent with file:line:column.
 * See conf/agent.yaml for a commented example. */
#ifndef VIGIE_AGENT_CONFIG_H
#define VIGIE_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "names.h"

#define AGENT_HOST_MAX 255
#define AGENT_SECRET_MAX 255
#define AGENT_URL_MAX 1024
#define AGENT_PATH_MAX 1024
#define AGENT_MAX_DEVICES 5000

typedef enum { SNMP_V1 = 1, SNMP_V2C = 2, SNMP_V3 = 3 } agent_snmp_version;

/* A device's SNMPv3 (USM) settings. Kept apart from agent_device and allocated for version-3 devices
 * only: its four secret-sized strings are 1 kB, and most devices of an estate speak v2c. */
typedef struct {
    char user[AGENT_SECRET_MAX + 1];
    char level[16];          /* noAuthNoPriv | authNoPriv | authPriv */
    char auth_proto[16];     /* SHA-256, SHA-512, SHA, MD5 ... */
    char auth_pass[AGENT_SECRET_MAX + 1];
    char priv_proto[16];     /* AES, AES-192, AES-256, DES */
    char priv_pass[AGENT_SECRET_MAX + 1];
    char context[AGENT_SECRET_MAX + 1]; /* SNMPv3 context name (empty: default context) */
} agent_usm;

typedef struct {
    char name[NAME_MAX_LEN + 1];
    char host[AGENT_HOST_MAX + 1];
    int port;
    agent_snmp_version version;
    char community[AGENT_SECRET_MAX + 1];
    agent_usm *usm;                 /* version 3: never NULL (owned by the config); else NULL */
    char profile[NAME_MAX_LEN + 1]; /* empty: detect */
    char cls[16];                   /* empty: the profile's */
    int cls_line, cls_column;       /* where agent.yaml says it, for agent_config_check_classes */
    double timeout;                 /* seconds per try */
    int retries;
    int max_oids;                   /* varbinds per request */
    int sweep_requests;             /* requests a cycle for its swept columns (snmp/sweep.h) */
} agent_device;

/* sweep_requests: the default, and its bounds */
#define AGENT_SWEEP_REQUESTS 8
#define AGENT_SWEEP_REQUESTS_MAX 1000

#define AGENT_MAX_TRAP_USERS 64

/* Active checks (agent.yaml `checks:`, or the server's target list: check/check.h). A check target is
 * a device like the SNMP ones, named by `name`, which never sends device.reachable. */
#define AGENT_MAX_CHECKS 5000
#define AGENT_CHECK_HOSTS 4  /* addresses of a target (a public site may have several links) */
#define AGENT_CHECK_PORTS 8  /* TCP ports of a target */
#define AGENT_CHECK_HTTP 4   /* HTTP(S) GETs of a target */
#define AGENT_CHECK_ADDR_MAX 45 /* an IPv4 or IPv6 address in text (INET6_ADDRSTRLEN - 1) */

typedef struct {
    char name[NAME_MAX_LEN + 1]; /* the instance of link.http* ("http" by default) */
    char *url;                   /* http:// or https://, at most AGENT_URL_MAX; owned */
    int expect;                  /* the status that means up (default 200) */
} agent_http_check;

typedef struct {
    char name[NAME_MAX_LEN + 1];                          /* the device name */
    char cls[16];                                         /* default "link" */
    char hosts[AGENT_CHECK_HOSTS][AGENT_CHECK_ADDR_MAX + 1]; /* IP addresses; TCP and HTTP use the first */
    size_t nhosts;
    bool icmp;
    int ports[AGENT_CHECK_PORTS];
    size_t nports;
    agent_http_check http[AGENT_CHECK_HTTP];
    size_t nhttp;
    int line, column; /* where agent.yaml declares it (0: from the server) */
} agent_check;

/* Frees what a check owns (its URLs), not the check itself. */
void agent_check_clear(agent_check *c);
/* Whether s is an IPv4 or IPv6 address in text (never a name: nothing is resolved on the loop). */
bool agent_check_addr_is_valid(const char *s);
/* Whether s is an http:// or https:// URL a check can GET (at most AGENT_URL_MAX, no blank or control). */
bool agent_check_url_is_valid(const char *s);

/* An SNMPv3 user allowed to send traps and informs (agent.yaml `trap_users:`). A v3 trap is
 * authenticated with keys localised to its sender's engine ID, given here in hex; informs use the
 * agent's own engine ID and work without it. */
typedef struct {
    agent_usm usm;      /* its context is unused: traps name none */
    char engine_id[72]; /* "0x8000..." or "8000...", empty: informs only */
} agent_trap_user;

/* The servers an agent pushes to (agent.yaml `server:`, a URL or a list of them, same token and
 * ca_file): each batch waits in the spool until every one has stored it (push/spool.h). */
#define AGENT_SERVERS_MAX 4
#define AGENT_WATCHDOG_TO_MAX 8

/* agent.yaml `watchdog:` (watchdog/watchdog.h): the agent's own alert when no server has stored a
 * batch for `after` seconds while batches wait; off while after is 0. */
typedef struct {
    int after, repeat;                 /* seconds (repeat 0: once) */
    char webhook[AGENT_URL_MAX + 1];   /* POSTed a JSON message ("" for none); an SMS gateway is one */
    char webhook_ca[AGENT_PATH_MAX + 1];
    char smtp_url[AGENT_URL_MAX + 1];  /* smtp:// or smtps:// ("" for no mail) */
    char smtp_user[AGENT_SECRET_MAX + 1], smtp_password[AGENT_SECRET_MAX + 1];
    char smtp_from[AGENT_SECRET_MAX + 1];
    char smtp_ca[AGENT_PATH_MAX + 1];
    char smtp_to[AGENT_WATCHDOG_TO_MAX][AGENT_SECRET_MAX + 1];
    size_t nsmtp_to;
    bool smtp_starttls;                /* required on smtp:// unless false (a relay on this machine) */
    int timeout;                       /* seconds per message */
} agent_watchdog;

typedef struct {
    char path[AGENT_PATH_MAX + 1];
    char id[NAME_MAX_LEN + 1];
    char site[NAME_MAX_LEN + 1];
    char server[AGENT_URL_MAX + 1];     /* the first of servers[] (the server that gives targets) */
    char servers[AGENT_SERVERS_MAX][AGENT_URL_MAX + 1];
    size_t nservers;
    int server_backlog_mb;              /* what a server may lack before it is behind (0: 3/4 of spool_max_mb) */
    agent_watchdog watchdog;
    char token[AGENT_SECRET_MAX + 1];
    char ca_file[AGENT_PATH_MAX + 1];
    char profiles[AGENT_PATH_MAX + 1];
    int interval;
    double timeout;
    int retries;
    int sweep_requests;                 /* the default of the devices */
    char spool_dir[AGENT_PATH_MAX + 1]; /* batches not yet stored by the server (see spool.h) */
    int spool_max_mb;                   /* bound of the batches waiting there */
    /* `spool_retention:` of the folders set aside (rejected/, corrupt/, dead/, duplicate/), each: files
     * older than keep_days (since set aside), and the oldest beyond keep_files or keep_mb, are deleted */
    int spool_keep_days, spool_keep_files, spool_keep_mb;
    agent_device *devices;
    size_t ndevices;
    /* SNMP traps and informs (see traps.h): off while trap_listen is empty */
    char trap_listen[AGENT_HOST_MAX + 8];    /* "0.0.0.0:162", "[::]:162" */
    char trap_community[AGENT_SECRET_MAX + 1]; /* v1/v2c traps with another community are dropped */
    int trap_rate, trap_source_rate;           /* traps a second accepted, agent and address (0: trap_limit.h) */
    agent_trap_user *trap_users;             /* SNMPv3 senders */
    size_t ntrap_users;
    /* active checks (check/check.h): agent.yaml's `checks:` and the server's targets */
    agent_check *checks;
    size_t nchecks;
    int check_interval;       /* seconds, 10..3600 (default: interval, at least 10) */
    int check_pings;          /* echoes per target per cycle, 1..100 */
    double check_timeout;     /* seconds an echo or a connect may take */
    double check_http_timeout; /* seconds a GET may take (check_timeout when given, else 5) */
    bool targets_from_server; /* GET /api/v1/agent/targets too */
} agent_config;

/* agent_servers.c: `server:` (a URL or a list), `server_backlog_mb:` and `watchdog:`. */
vg_code agent_servers_read(const conf_doc *d, const conf_node *root, agent_config *cfg, vg_err *err);
/* The bound of a server's backlog in bytes: server_backlog_mb, or 3/4 of spool_max_mb. */
unsigned long long agent_server_backlog_bytes(const agent_config *cfg);

/* Loads and checks a file. `default_profiles` is used when the file gives no `profiles:`. */
agent_config *agent_config_load(const char *path, const char *default_profiles, vg_err *err);
void agent_config_free(agent_config *cfg);
/* Checks the devices' classes against the vocabulary of the profiles (vocab.h), which the file names:
 * VG_E_INVALID "FILE: device D: key 'class': ...". */
struct vocab;
vg_code agent_config_check_classes(const agent_config *cfg, const struct vocab *v, vg_err *err);

/* Parses "1", "2c" or "3" (VG_E_INVALID for anything else). */
vg_code agent_snmp_version_parse(const char *s, agent_snmp_version *out);

/* Fills the unset level and protocols of `u` with their defaults (authPriv, SHA-256, AES). */
void agent_usm_defaults(agent_usm *u);

#endif
