/* vigie-agent: polls a site's equipment over SNMP and pushes samples to vigie-server. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check/check.h"
#include "config/agent_config.h"
#include "log.h"
#include "push/outbox.h"
#include "snmp/engine.h"
#include "probe/probe.h"
#include "record/record.h"
#include "discover/discover.h"
#include "profile/profile.h"
#include "push.h"
#include "push/push_client.h"
#include "push/pusher.h"
#include "push/spool.h"
#include "vocab_names.h"
#include "watchdog/watchdog.h"
#include "snmp/traps.h"

#ifndef VIGIE_MIBS_DIR
#define VIGIE_MIBS_DIR "/usr/share/vigie/mibs"
#endif
#ifndef VIGIE_SYSCONF_DIR
#define VIGIE_SYSCONF_DIR "/etc/vigie"
#endif


static volatile sig_atomic_t agent_stop;

static volatile sig_atomic_t agent_reload; /* SIGHUP: agent_run ends its cycle, main reads agent.yaml again */
static void agent_on_signal(int sig)
{
    if (sig == SIGHUP)
        agent_reload = 1;
    else
        agent_stop = sig;
}

static void agent_usage(FILE *f)
{
    fprintf(f,
            "Usage: vigie-agent [OPTION]...\n"
            "       vigie-agent --probe HOST[:PORT] [--community C] [--version 1|2c|3] [--profile NAME] [--json]\n"
            "       vigie-agent --record HOST[:PORT] -o FILE.snmprec [--community C] [--version 1|2c|3] ...\n"
            "       vigie-agent --discover CIDR --community C [--rate N] [--yaml] ...\n"
            "       vigie-agent --check-profiles [DIR]\n"
            "Poll a site's UPS, PDUs, cooling units, OLTs and sensors over SNMP and push the samples\n"
            "to vigie-server.\n\n"
            "  -c, --config FILE       agent configuration (default " VIGIE_SYSCONF_DIR "/agent.yaml)\n"
            "      --once              poll and push once, then exit\n"
            "      --check-config      check the configuration and the profiles, then exit\n"
            "      --spool-status      print what the spool holds (waiting, dead/, corrupt/, rejected/,\n"
            "                          duplicate/, dropped), the last push's outcome, what each\n"
            "                          server lacks (several servers) and the trap counts\n"
            "                          (received, dropped), then exit\n"
            "      --profiles DIR      device profiles folder (default " VIGIE_MIBS_DIR ")\n"
            "      --log-level LEVEL   error, warn, info (default) or debug\n\n"
            "Trying a device:\n"
            "      --probe HOST[:PORT] poll one device once and print what was found\n"
            "      --port N            SNMP port (default 161)\n"
            "      --community C       SNMP v1/v2c community (default public)\n"
            "      --version V         SNMP version: 1, 2c (default) or 3 (also --snmp-version V)\n"
            "      --user U, --level L, --auth-protocol P, --auth-password S,\n"
            "      --priv-protocol P, --priv-password S, --context C\n"
            "                          SNMPv3 (default authPriv, SHA-256, AES, default context)\n"
            "      --timeout S         seconds per try (default 2)\n"
            "      --retries N         retries after a timeout (default 1)\n"
            "      --profile NAME      use this profile instead of detecting one\n"
            "      --json              print JSON instead of a table\n\n"
            "Recording a device (for a developer; the SNMP options above apply):\n"
            "      --record HOST[:PORT] walk the subtrees a profile could need (standard MIBs, the\n"
            "                          profiles' subtrees, the device's enterprise) into an snmpsim file\n"
            "  -o, --output FILE       the .snmprec file to write (required; never replaced without --force)\n"
            "      --force             replace FILE if it exists\n"
            "      --max-time S        stop after S seconds (default 300)\n"
            "      --max-oids N        stop after N OIDs (default 200000)\n"
            "                          a bound reached still writes FILE, with exit status 3\n\n"
            "Finding the devices of a subnet (the SNMP options above apply; see vigie-agent(8), \"Discovery\"):\n"
            "      --discover CIDR     ask every address of an IPv4 range (at most a /16) for sysObjectID,\n"
            "                          sysDescr and sysName, and detect the profiles of those that answer\n"
            "      --rate N            requests a second at most, retries included (default 100, max 1000)\n"
            "      --yaml              print agent.yaml devices: entries with suggested names\n"
            "                          (SNMPv3 passwords as placeholders)\n\n"
            "      --check-profiles [DIR]  validate every profile (default " VIGIE_MIBS_DIR ")\n"
            "  -h, --help              show this help\n"
            "  -V, --version           show the version\n\n"
            "Exit status: 0 on success, 1 on a runtime failure, 2 on bad arguments or configuration.\n"
            "See vigie-agent(8).\n");
}

enum {
    OPT_ONCE = 256, OPT_CHECK_CONFIG, OPT_PROFILES, OPT_LOG_LEVEL, OPT_PROBE, OPT_PORT, OPT_COMMUNITY,
    OPT_SNMPVER, OPT_USER, OPT_LEVEL, OPT_AUTHP, OPT_AUTHS, OPT_PRIVP, OPT_PRIVS, OPT_TIMEOUT, OPT_RETRIES,
    OPT_PROFILE, OPT_JSON, OPT_CHECK_PROFILES, OPT_CONTEXT, OPT_SPOOL_STATUS, OPT_RECORD, OPT_FORCE, OPT_MAX_TIME,
    OPT_MAX_OIDS, OPT_DISCOVER, OPT_RATE, OPT_YAML
};

typedef struct {
    const char *config;
    const char *profiles;
    const char *probe;
    const char *profile;
    const char *record; /* --record HOST; its options in rec */
    record_opts rec;
    bool once, check_config, json, check_profiles, spool_status;
    const char *discover; /* --discover CIDR; --rate and --yaml go with it */
    double rate;
    bool yaml, community_set;
    agent_device dev;
    agent_usm usm; /* --user and the other SNMPv3 options: dev.usm points here with --version 3 */
} agent_args;

static int agent_bad_arg(const char *msg, const char *val)
{
    fprintf(stderr, "vigie-agent: %s%s%s\nTry 'vigie-agent --help'.\n", msg, val ? ": " : "", val ? val : "");
    return 2;
}

static int agent_copy_arg(char *dst, size_t size, const char *val, const char *opt)
{
    if (strlen(val) >= size)
        return agent_bad_arg("argument too long for", opt);
    snprintf(dst, size, "%s", val);
    return 0;
}

static int agent_parse_args(int argc, char **argv, agent_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"once", no_argument, NULL, OPT_ONCE},
        {"check-config", no_argument, NULL, OPT_CHECK_CONFIG}, {"profiles", required_argument, NULL, OPT_PROFILES},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL}, {"probe", required_argument, NULL, OPT_PROBE},
        {"port", required_argument, NULL, OPT_PORT}, {"community", required_argument, NULL, OPT_COMMUNITY},
        {"snmp-version", required_argument, NULL, OPT_SNMPVER}, {"version", no_argument, NULL, 'V'}, {"user", required_argument, NULL, OPT_USER},
        {"level", required_argument, NULL, OPT_LEVEL}, {"auth-protocol", required_argument, NULL, OPT_AUTHP},
        {"auth-password", required_argument, NULL, OPT_AUTHS}, {"priv-protocol", required_argument, NULL, OPT_PRIVP},
        {"priv-password", required_argument, NULL, OPT_PRIVS}, {"context", required_argument, NULL, OPT_CONTEXT}, {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"retries", required_argument, NULL, OPT_RETRIES}, {"profile", required_argument, NULL, OPT_PROFILE},
        {"json", no_argument, NULL, OPT_JSON}, {"spool-status", no_argument, NULL, OPT_SPOOL_STATUS}, {"check-profiles", no_argument, NULL, OPT_CHECK_PROFILES},
        {"record", required_argument, NULL, OPT_RECORD}, {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, OPT_FORCE}, {"max-time", required_argument, NULL, OPT_MAX_TIME},
        {"max-oids", required_argument, NULL, OPT_MAX_OIDS},
        {"discover", required_argument, NULL, OPT_DISCOVER}, {"rate", required_argument, NULL, OPT_RATE},
        {"yaml", no_argument, NULL, OPT_YAML},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    agent_device *d = &a->dev;
    d->port = 161;
    d->version = SNMP_V2C;
    d->timeout = 2;
    d->retries = 1;
    d->max_oids = 32;
    snprintf(d->community, sizeof d->community, "public");
    snprintf(d->name, sizeof d->name, "probe");
    a->rec.max_time = 300;
    a->rec.max_oids = 200000;
    int c, rc = 0;
    char *end;
    opterr = 0;
    /* "--version 2c" is the SNMP version (as with snmpget -v); "--version" alone is ours */
    for (int i = 1; i + 1 < argc; i++) {
        agent_snmp_version v;
        if (strcmp(argv[i], "--version") == 0 && agent_snmp_version_parse(argv[i + 1], &v) == 0)
            argv[i] = (char *)"--snmp-version";
    }
    while (rc == 0 && (c = getopt_long(argc, argv, "c:o:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->config = optarg; break;
        case OPT_ONCE: a->once = true; break;
        case OPT_CHECK_CONFIG: a->check_config = true; break;
        case OPT_SPOOL_STATUS: a->spool_status = true; break;
        case OPT_PROFILES: a->profiles = optarg; break;
        case OPT_LOG_LEVEL: {
            log_level l;
            if (log_level_parse(optarg, &l) != 0)
                return agent_bad_arg("--log-level must be error, warn, info or debug, not", optarg);
            log_set_level(l);
            break;
        }
        case OPT_PROBE: a->probe = optarg; break;
        case OPT_PORT:
            d->port = (int)strtol(optarg, &end, 10);
            if (*end || d->port < 1 || d->port > 65535)
                return agent_bad_arg("--port must be 1-65535, not", optarg);
            break;
        case OPT_COMMUNITY:
            a->community_set = true;
            rc = agent_copy_arg(d->community, sizeof d->community, optarg, "--community");
            break;
        case OPT_DISCOVER: a->discover = optarg; break;
        case OPT_YAML: a->yaml = true; break;
        case OPT_RATE:
            a->rate = strtod(optarg, &end);
            if (*end || !(a->rate >= 1 && a->rate <= DISCOVER_RATE_MAX))
                return agent_bad_arg("--rate must be 1 to 1000 requests a second, not", optarg);
            break;
        case OPT_SNMPVER:
            if (agent_snmp_version_parse(optarg, &d->version) != 0)
                return agent_bad_arg("--version must be 1, 2c or 3, not", optarg);
            break;
        case OPT_USER: rc = agent_copy_arg(a->usm.user, sizeof a->usm.user, optarg, "--user"); break;
        case OPT_LEVEL: rc = agent_copy_arg(a->usm.level, sizeof a->usm.level, optarg, "--level"); break;
        case OPT_AUTHP: rc = agent_copy_arg(a->usm.auth_proto, sizeof a->usm.auth_proto, optarg, "--auth-protocol"); break;
        case OPT_AUTHS: rc = agent_copy_arg(a->usm.auth_pass, sizeof a->usm.auth_pass, optarg, "--auth-password"); break;
        case OPT_PRIVP: rc = agent_copy_arg(a->usm.priv_proto, sizeof a->usm.priv_proto, optarg, "--priv-protocol"); break;
        case OPT_PRIVS: rc = agent_copy_arg(a->usm.priv_pass, sizeof a->usm.priv_pass, optarg, "--priv-password"); break;
        case OPT_CONTEXT: rc = agent_copy_arg(a->usm.context, sizeof a->usm.context, optarg, "--context"); break;
        case OPT_TIMEOUT:
            d->timeout = strtod(optarg, &end);
            if (*end || d->timeout <= 0 || d->timeout > 60)
                return agent_bad_arg("--timeout must be in (0, 60] seconds, not", optarg);
            break;
        case OPT_RETRIES:
            d->retries = (int)strtol(optarg, &end, 10);
            if (*end || d->retries < 0 || d->retries > 10)
                return agent_bad_arg("--retries must be 0-10, not", optarg);
            break;
        case OPT_PROFILE: a->profile = optarg; break;
        case OPT_JSON: a->json = true; break;
        case OPT_RECORD: a->record = optarg; break;
        case 'o': a->rec.path = optarg; break;
        case OPT_FORCE: a->rec.force = true; break;
        case OPT_MAX_TIME:
            a->rec.max_time = strtod(optarg, &end);
            if (*end || !(a->rec.max_time > 0 && a->rec.max_time <= 86400))
                return agent_bad_arg("--max-time must be in (0, 86400] seconds, not", optarg);
            break;
        case OPT_MAX_OIDS: {
            long long n = strtoll(optarg, &end, 10);
            if (*end || n < 1 || n > 10000000)
                return agent_bad_arg("--max-oids must be 1-10000000, not", optarg);
            a->rec.max_oids = (size_t)n;
            break;
        }
        case OPT_CHECK_PROFILES: a->check_profiles = true; break;
        case 'h': agent_usage(stdout); exit(0);
        case 'V': printf("vigie-agent %s\n", PACKAGE_VERSION); exit(0);
        default:
            return agent_bad_arg("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (a->check_profiles && optind < argc)
        a->profiles = argv[optind++];
    if (optind < argc)
        return agent_bad_arg("unexpected argument", argv[optind]);
    return 0;
}

/* "host", "host:port", "[v6]:port" → dev->host and dev->port */
static int agent_parse_probe_host(const char *arg, agent_device *d)
{
    const char *colon = strrchr(arg, ':');
    size_t hlen = strlen(arg);
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close)
            return -1;
        hlen = (size_t)(close - arg - 1);
        arg++;
        colon = close[1] == ':' ? close + 1 : NULL;
    } else if (colon && strchr(arg, ':') != colon) {
        colon = NULL; /* a bare IPv6 address */
    } else if (colon) {
        hlen = (size_t)(colon - arg);
    }
    if (hlen == 0 || hlen > AGENT_HOST_MAX)
        return -1;
    memcpy(d->host, arg, hlen);
    d->host[hlen] = '\0';
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (*end || port < 1 || port > 65535)
            return -1;
        d->port = (int)port;
    }
    return 0;
}

/* --probe and --record: the device of HOST[:PORT] (opt says which) with the SNMP options, and the profiles */
static int agent_one_device(agent_args *a, const char *host, const char *opt, profile_set **set)
{
    agent_device *d = &a->dev;
    if (agent_parse_probe_host(host, d) != 0) {
        fprintf(stderr, "vigie-agent: %s takes HOST or HOST:PORT, not: %s\nTry 'vigie-agent --help'.\n", opt, host);
        return 2;
    }
    if (d->version == SNMP_V3) {
        if (!a->usm.user[0])
            return agent_bad_arg("SNMPv3 needs --user", NULL);
        agent_usm_defaults(&a->usm);
        d->usm = &a->usm;
    }
    vg_err err;
    *set = profile_set_load(a->profiles ? a->profiles : VIGIE_MIBS_DIR, &err);
    if (!*set) {
        fprintf(stderr, "vigie-agent: %s\n", err.msg);
        return 2;
    }
    return 0;
}

static int agent_probe(agent_args *a)
{
    profile_set *set;
    int rc = agent_one_device(a, a->probe, "--probe", &set);
    if (rc)
        return rc;
    rc = probe_run(set, &a->dev, a->profile, a->json);
    profile_set_free(set);
    return rc;
}

static int agent_record(agent_args *a)
{
    if (a->probe)
        return agent_bad_arg("--record and --probe cannot be given together", NULL);
    if (!a->rec.path || !a->rec.path[0])
        return agent_bad_arg("--record needs -o FILE (the .snmprec file to write)", NULL);
    profile_set *set;
    int rc = agent_one_device(a, a->record, "--record", &set);
    if (rc)
        return rc;
    rc = record_run(set, &a->dev, &a->rec);
    profile_set_free(set);
    return rc;
}

/* --discover CIDR: no default community here, so that a subnet is never swept with "public" unasked */
static int agent_discover(agent_args *a)
{
    if (a->probe || a->record)
        return agent_bad_arg("--discover cannot be given with --probe or --record", NULL);
    if (a->dev.version != SNMP_V3 && !a->community_set)
        return agent_bad_arg("--discover needs --community C (SNMP v1/v2c), or --version 3 --user U ...", NULL);
    if (a->profile || a->json)
        return agent_bad_arg("--profile and --json do not go with --discover (see --yaml)", NULL);
    if (a->dev.version == SNMP_V3) {
        if (!a->usm.user[0])
            return agent_bad_arg("SNMPv3 needs --user", NULL);
        agent_usm_defaults(&a->usm);
        a->dev.usm = &a->usm;
    }
    vg_err err;
    profile_set *set = profile_set_load(a->profiles ? a->profiles : VIGIE_MIBS_DIR, &err);
    if (!set) {
        fprintf(stderr, "vigie-agent: %s\n", err.msg);
        return 2;
    }
    discover_opts o = {.cidr = a->discover, .dev = &a->dev, .rate = a->rate ? a->rate : DISCOVER_RATE, .yaml = a->yaml};
    int rc = discover_run(set, &o);
    profile_set_free(set);
    return rc;
}

/* ---- the daemon ---------------------------------------------------------------------------- */

/* The servers of agent.yaml, in the spool: each batch waits until all of them stored it (spool.h). */
static int agent_set_servers(const agent_config *cfg, spool *sp)
{
    const char *urls[AGENT_SERVERS_MAX];
    for (size_t k = 0; k < cfg->nservers; k++)
        urls[k] = cfg->servers[k];
    vg_err err;
    if (spool_set_servers(sp, urls, cfg->nservers, agent_server_backlog_bytes(cfg), &err) != VG_OK) {
        log_error("spool", "%s", err.msg);
        return -1;
    }
    return 0;
}

/* With several servers: agent.server.behind and agent.server.backlog of each (instance: its place in
 * agent.yaml's list, from 1), on the agent's own device, so that the servers that do store show the
 * one that lags. Pushed when a server's behind changed, and at every cycle while one is behind. */
static void agent_push_servers(const agent_config *cfg, spool *sp, outbox *ob, int64_t now)
{
    static bool was[AGENT_SERVERS_MAX];
    if (cfg->nservers < 2)
        return;
    bool any = false, changed = false;
    spool_server_info si[AGENT_SERVERS_MAX];
    for (size_t k = 0; k < cfg->nservers; k++) {
        spool_server_get(sp, k, &si[k]);
        any = any || si[k].behind;
        changed = changed || si[k].behind != was[k];
        was[k] = si[k].behind;
    }
    if (!any && !changed)
        return;
    push_batch *b = push_batch_new(cfg->id, 0);
    for (size_t k = 0; b && k < cfg->nservers; k++) {
        push_sample s, n;
        char inst[8];
        snprintf(inst, sizeof inst, "%zu", k + 1);
        if (push_sample_set(&s, cfg->id, VOCAB_AGENT_SERVER_BEHIND, inst, si[k].behind ? 1 : 0, "bool", now) != 0 ||
            push_sample_set(&n, cfg->id, VOCAB_AGENT_SERVER_BACKLOG, inst, (double)si[k].waiting, "count", now) != 0 ||
            push_batch_add(b, &s) != 0 || push_batch_add(b, &n) != 0) {
            push_batch_free(b);
            b = NULL;
        }
    }
    if (!b || outbox_put_batch(ob, b, now) != VG_OK)
        log_error("spool", "the servers' state could not be pushed (out of memory)");
    push_batch_free(b);
}

/* Batches the spool could not take go to the pusher, which sends them after the spooled ones. */
static void agent_hand_over(outbox *ob, pusher *pu)
{
    for (char *body; (body = outbox_take_unspooled(ob));)
        pusher_give(pu, body);
    pusher_kick(pu);
}

static double agent_now(void);

/* agent.yaml and the profiles it names, checked whole: every device's forced profile exists, every
 * check's class is known. */
static vg_code agent_load(const char *path, const char *profiles, agent_config **cfg_out, profile_set **set_out,
                          vg_err *err)
{
    agent_config *cfg = agent_config_load(path, profiles ? profiles : VIGIE_MIBS_DIR, err);
    if (!cfg)
        return err->code ? err->code : VG_E_INVALID;
    if (profiles)
        snprintf(cfg->profiles, sizeof cfg->profiles, "%s", profiles);
    profile_set *set = profile_set_load(cfg->profiles, err);
    vg_code rc = set ? agent_config_check_classes(cfg, profile_set_vocab(set), err) : VG_E_INVALID;
    for (size_t i = 0; rc == VG_OK && i < cfg->ndevices; i++) {
        const agent_device *d = &cfg->devices[i];
        if (d->profile[0] && !profile_set_find(set, d->profile))
            rc = vg_fail(err, VG_E_INVALID, "%s: device %s: key 'profile': no profile '%s' in %s", cfg->path, d->name,
                         d->profile, cfg->profiles);
    }
    if (rc != VG_OK) {
        profile_set_free(set);
        agent_config_free(cfg);
        return rc;
    }
    *cfg_out = cfg;
    *set_out = set;
    return VG_OK;
}

/* SIGHUP: the new agent.yaml replaces the running one when it is good, else the running one goes on.
 * The agent's id and spool folder stay: the spool's batches and numbers are the running agent's. */
static void agent_reload_config(const char *path, const char *profiles, agent_config **cfg, profile_set **set)
{
    agent_config *next;
    profile_set *next_set;
    vg_err err;
    if (agent_load(path, profiles, &next, &next_set, &err) != VG_OK) {
        log_error("config", "reload refused, the running configuration is kept: %s", err.msg);
        return;
    }
    if (strcmp(next->id, (*cfg)->id) != 0 || strcmp(next->spool_dir, (*cfg)->spool_dir) != 0) {
        log_warn("config", "%s: agent and spool_dir changed: a running agent keeps them until it restarts", path);
        snprintf(next->id, sizeof next->id, "%s", (*cfg)->id);
        snprintf(next->spool_dir, sizeof next->spool_dir, "%s", (*cfg)->spool_dir);
    }
    log_info("config", "%s reloaded: %zu device(s), %zu check(s), %zu profile(s)", path, next->ndevices,
             next->nchecks, profile_set_count(next_set));
    profile_set_free(*set);
    agent_config_free(*cfg);
    *cfg = next;
    *set = next_set;
}

/* The traps' batch when it is due (traps.h: a burst is one batch), through the spool like a poll's
 * push; final: what waits when the agent stops. */
static void agent_push_traps(traps *tr, outbox *ob, pusher *pu, bool final)
{
    push_batch *b = traps_take_due(tr, agent_now(), final);
    if (!b)
        return;
    outbox_retry(ob);
    outbox_put_batch(ob, b, (int64_t)time(NULL));
    push_batch_free(b);
    agent_hand_over(ob, pu);
}

static const profile *agent_device_profile(void *p, size_t i) { return poller_device_profile(p, i); }

static int agent_add_devices(const agent_config *cfg, const profile_set *set, poller *p)
{
    for (size_t i = 0; i < cfg->ndevices; i++) {
        const agent_device *d = &cfg->devices[i];
        /* a forced profile exists: agent_load checked each before the configuration was taken */
        const profile *forced = d->profile[0] ? profile_set_find(set, d->profile) : NULL;
        if (poller_add(p, d, forced) != 0)
            return 1;
    }
    return 0;
}

static double agent_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* --once: the check cycle started with the poll, waited for (its echoes, connects and GETs are bounded
 * by the timeouts agent_checks.c checks against check_interval). */
static void agent_finish_checks(checker *ck, const agent_config *cfg)
{
    double until = agent_now() + cfg->check_interval;
    while (ck && checker_busy(ck) && !agent_stop && agent_now() < until)
        poller_wait(NULL, 0.5);
}

static int agent_run(const agent_config *cfg, const profile_set *set, bool once)
{
    poller *p = poller_new(set);
    push_client *pcs[AGENT_SERVERS_MAX] = {NULL}; /* one per server, each used by its own push thread */
    bool pcs_ok = true;
    for (size_t k = 0; k < cfg->nservers; k++)
        pcs_ok = (pcs[k] = push_client_new(cfg->servers[k], cfg->token, cfg->ca_file, 30)) && pcs_ok;
    if (!p || !pcs_ok) {
        log_error("agent", "out of memory");
        poller_free(p);
        for (size_t k = 0; k < cfg->nservers; k++)
            push_client_free(pcs[k]);
        return 1;
    }
    int rc = agent_add_devices(cfg, set, p);
    vg_err err;
    uint64_t max_bytes = (uint64_t)cfg->spool_max_mb << 20;
    spool *sp = rc ? NULL : spool_open(cfg->spool_dir, cfg->id, max_bytes, &err);
    if (rc == 0 && !sp) {
        log_error("spool", "%s", err.msg);
        rc = 1;
    }
    if (sp && agent_set_servers(cfg, sp) != 0)
        rc = 1;
    if (sp) /* the folders set aside are purged at the first poll, then hourly (spool_housekeep) */
        spool_set_retention(sp, &(spool_retention){cfg->spool_keep_days, (unsigned)cfg->spool_keep_files,
                                                   (uint64_t)cfg->spool_keep_mb << 20});
    if (sp)
        log_info("agent", "%s: polling %zu device(s) every %d s, pushing to %s%s; spool %s (%zu batch(es) waiting)",
                 cfg->id, cfg->ndevices, cfg->interval, cfg->server, cfg->nservers > 1 ? " and the others listed" : "",
                 spool_dir(sp), spool_count(sp));
    traps *tr = NULL; /* traps and informs, pushed as they come (agent.yaml trap_listen) */
    if (rc == 0 && !once && cfg->trap_listen[0]) {
        tr = traps_new(cfg, set, agent_device_profile, p);
        if (!tr || traps_listen(tr, &err) != VG_OK) {
            log_error("trap", "%s", tr ? err.msg : "out of memory");
            rc = 1;
        } else {
            log_info("trap", "listening for traps and informs on %s", cfg->trap_listen);
        }
    }
    outbox *ob = rc == 0 ? outbox_new(sp, cfg->id, 0) : NULL;
    pusher *pu = rc == 0 ? pusher_new_multi(sp, pcs, cfg->nservers) : NULL;
    if (rc == 0 && (!ob || !pu)) {
        log_error("agent", "out of memory");
        rc = 1;
    }
    /* the pushes run on their own thread: a server that hangs never delays a poll (--once: in turn) */
    if (rc == 0 && !once && pusher_start(pu, &err) != VG_OK) {
        log_error("push", "%s", err.msg);
        rc = 1;
    }
    watchdog *wd = NULL; /* the agent's own alert when no server stores (watchdog.h) */
    if (rc == 0 && !once && !(wd = watchdog_new(cfg, sp, &err)) && err.code != VG_OK) {
        log_error("watchdog", "%s", err.msg);
        rc = 1;
    }
    if (wd && watchdog_start(wd, &err) != VG_OK) {
        log_error("watchdog", "%s", err.msg);
        rc = 1;
    }
    checker *ck = NULL; /* active checks, from the same loop (check.h) */
    if (rc == 0 && (cfg->nchecks || cfg->targets_from_server)) {
        if (!(ck = checker_new(cfg, sp, pu, &err))) {
            log_error("check", "%s", err.msg);
            rc = 1;
        } else {
            checker_attach(ck);
            log_info("check", "checking %zu target(s)%s every %d s (%d echoes, %g s timeout)", cfg->nchecks,
                     cfg->targets_from_server ? " and the server's list" : "", cfg->check_interval,
                     cfg->check_pings, cfg->check_timeout);
            if (once)
                checker_start_now(ck);
        }
    }
    while (rc == 0 && !agent_stop && !agent_reload) {
        double start = agent_now();
        outbox_retry(ob); /* the pushes held for want of a recorded number go first */
        poll_sink sink = outbox_sink(ob, (int64_t)start);
        int answered = poller_cycle(p, &sink, (int64_t)start, cfg->interval * 0.9);
        size_t values = outbox_end_cycle(ob);
        malloc_trim(0); /* the cycle's answers and texts are gone: give their pages back */
        spool_housekeep(sp, (time_t)start);
        /* the poll time and count are what the soak (tests/soak/) counts as sent */
        log_debug("agent", "cycle at %lld: %d of %zu devices answered, %zu values in %.3f s (spooled)",
                  (long long)start, answered, cfg->ndevices, values, agent_now() - start);
        double next = (double)((long long)start / cfg->interval + 1) * cfg->interval;
        if (once) {
            agent_finish_checks(ck, cfg);
            for (char *body; (body = outbox_take_unspooled(ob));)
                pusher_give(pu, body);
            bool all_sent = pusher_run_once(pu);
            /* a number that could not be recorded fails --once even when the batch went out later */
            if (outbox_seq_failures(ob) > 0)
                log_error("spool", "--once: %" PRIu64 " time(s) no sequence number could be recorded in %s; "
                                   "%zu batch(es) held in memory, not sent",
                          outbox_seq_failures(ob), spool_dir(sp), outbox_held(ob));
            if (spool_duplicates(sp) || spool_dead(sp))
                log_error("spool", "--once: %" PRIu64 " batch(es) set aside in %s/duplicate/, %" PRIu64 " in %s/dead/",
                          spool_duplicates(sp), spool_dir(sp), spool_dead(sp), spool_dir(sp));
            rc = all_sent && outbox_held(ob) == 0 && outbox_seq_failures(ob) == 0 && spool_duplicates(sp) == 0 &&
                         spool_dead(sp) == 0
                     ? 0
                     : 1;
            break;
        }
        agent_push_servers(cfg, sp, ob, (int64_t)start);
        agent_hand_over(ob, pu);
        for (;;) { /* until the next poll: traps that came during the cycle, then as they come */
            agent_push_traps(tr, ob, pu, false);
            if (agent_stop || agent_reload || agent_now() >= next)
                break;
            if (next - agent_now() > cfg->interval) /* the wall clock stepped back: the new time's grid */
                next = (double)((long long)agent_now() / cfg->interval + 1) * cfg->interval;
            traps_wait(tr, next - agent_now());
        }
    }
    if (agent_stop)
        log_info("agent", "stopping on signal %d", (int)agent_stop);
    else if (agent_reload) /* what is on its way goes into the spool as at a stop; the next run sends it */
        log_info("agent", "SIGHUP: reading %s again", cfg->path);
    if (tr && ob && pu)
        agent_push_traps(tr, ob, pu, true); /* into the spool: the pusher's last pass may send it */
    if (sp && spool_count(sp))
        log_info("agent", "%zu batch(es) left in %s, sent at the next start", spool_count(sp), spool_dir(sp));
    checker_attach(NULL);
    checker_free(ck); /* before the pusher it gives to */
    watchdog_free(wd); /* it reads the spool */
    pusher_free(pu); /* stops the push threads first: they use the spool and the clients */
    if (ob && outbox_held(ob))
        log_error("agent", "DATA LOST: %zu batch(es) held in memory without a sequence number when the agent stopped",
                  outbox_held(ob));
    traps_free(tr);
    outbox_free(ob);
    spool_close(sp);
    poller_free(p);
    for (size_t k = 0; k < cfg->nservers; k++)
        push_client_free(pcs[k]);
    return rc;
}

int main(int argc, char **argv)
{
    agent_args a = {0};
    /* The poller and the push thread; libcurl's resolver threads are short-lived. One malloc arena keeps them
     * from each reserving a heap of their own that the agent then carries. */
    mallopt(M_ARENA_MAX, 1);
    /* one-shot commands print their result; only problems go to the log */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--probe") == 0 || strcmp(argv[i], "--check-profiles") == 0 || strcmp(argv[i], "--record") == 0 ||
            strcmp(argv[i], "--discover") == 0)
            log_set_level(LOG_LVL_WARN);
    int rc = agent_parse_args(argc, argv, &a);
    if (rc)
        return rc;
    if (a.check_profiles) {
        const char *dir = a.profiles ? a.profiles : VIGIE_MIBS_DIR;
        return profile_set_check(dir, stdout) == 0 ? 0 : 2;
    }
    if (a.record)
        return agent_record(&a);
    if (a.rec.path || a.rec.force || a.rec.max_time != 300 || a.rec.max_oids != 200000)
        return agent_bad_arg("-o, --force, --max-time and --max-oids go with --record", NULL);
    if (a.discover)
        return agent_discover(&a);
    if (a.rate || a.yaml)
        return agent_bad_arg("--rate and --yaml go with --discover", NULL);
    if (a.probe)
        return agent_probe(&a);

    const char *path = a.config ? a.config : VIGIE_SYSCONF_DIR "/agent.yaml";
    vg_err err;
    agent_config *cfg;
    profile_set *set;
    if (agent_load(path, a.profiles, &cfg, &set, &err) != VG_OK) {
        fprintf(stderr, "vigie-agent: %s\n", err.msg);
        return 2;
    }
    if (a.spool_status) {
        rc = spool_status_print(cfg->spool_dir, stdout, &err) == VG_OK &&
                     trap_limit_print(cfg->spool_dir, stdout, &err) == VG_OK
                 ? 0
                 : 1;
        if (rc)
            fprintf(stderr, "vigie-agent: %s\n", err.msg);
    } else if (a.check_config) {
        poller *p = poller_new(set);
        rc = p ? agent_add_devices(cfg, set, p) : 1;
        poller_free(p);
        if (rc == 0)
            printf("%s: valid, %zu device(s), %zu check(s)%s, %zu profile(s)\n", path, cfg->ndevices, cfg->nchecks,
                   cfg->targets_from_server ? " and the server's targets" : "", profile_set_count(set));
    } else {
        struct sigaction sa = {0};
        sa.sa_handler = agent_on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        for (;;) {
            rc = agent_run(cfg, set, a.once);
            if (rc != 0 || a.once || agent_stop || !agent_reload)
                break;
            agent_reload = 0;
            agent_reload_config(path, a.profiles, &cfg, &set);
        }
    }
    profile_set_free(set);
    agent_config_free(cfg);
    return rc;
}
