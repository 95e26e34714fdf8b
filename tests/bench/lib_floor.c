/* lib_floor: the memory of a program that does nothing but what every SNMP-polling, HTTPS-pushing
 * daemon built on Debian's Net-SNMP and libcurl must do. It initialises Net-SNMP as vigie-agent does,
 * asks one device for its sysObjectID, initialises libcurl and POSTs one small JSON document, parses
 * one line of YAML, then prints its peak RSS, its own memory and its file-backed pages (kB).
 *
 * The benchmark (make bench) runs it beside vigie-agent: the agent's peak RSS minus this floor is what
 * the agent's own code and data cost. Most of the floor is pages of shared libraries (libcrypto,
 * GnuTLS and the others Debian's libcurl links), touched while they load and initialise.
 *
 *   lib_floor HOST:PORT COMMUNITY URL */
#include "config.h"

#include <curl/curl.h>
#include <jansson.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "snmp/engine.h"

static long floor_status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0)
            kb = strtol(line + n, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static int floor_snmp_get(const char *peer, const char *community)
{
    poller_snmp_init(); /* the agent's own set-up */
    netsnmp_session s;
    snmp_sess_init(&s);
    s.peername = (char *)peer;
    s.version = SNMP_VERSION_2c;
    s.community = (u_char *)community;
    s.community_len = strlen(community);
    netsnmp_session *ss = snmp_open(&s);
    if (!ss)
        return -1;
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
    oid sys_object_id[] = {1, 3, 6, 1, 2, 1, 1, 2, 0};
    snmp_add_null_var(pdu, sys_object_id, OID_LENGTH(sys_object_id));
    int rc = snmp_synch_response(ss, pdu, &resp) == STAT_SUCCESS && resp && resp->errstat == SNMP_ERR_NOERROR ? 0 : -1;
    if (resp)
        snmp_free_pdu(resp);
    snmp_close(ss);
    return rc;
}

static int floor_post(const char *url)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    json_t *doc = json_pack("{s:s, s:i}", "agent", "lib-floor", "seq", 1);
    char *body = json_dumps(doc, JSON_COMPACT);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(body);
    json_decref(doc);
    curl_global_cleanup();
    return rc == CURLE_OK ? 0 : -1;
}

static void floor_yaml(void)
{
    const char *text = "agent: lib-floor\n";
    yaml_parser_t p;
    yaml_document_t d;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
    if (yaml_parser_load(&p, &d))
        yaml_document_delete(&d);
    yaml_parser_delete(&p);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: lib_floor HOST:PORT COMMUNITY URL\n");
        return 2;
    }
    floor_yaml();
    if (floor_snmp_get(argv[1], argv[2]) != 0) {
        fprintf(stderr, "lib_floor: no SNMP answer from %s\n", argv[1]);
        return 1;
    }
    if (floor_post(argv[3]) != 0) {
        fprintf(stderr, "lib_floor: POST to %s failed\n", argv[3]);
        return 1;
    }
    printf("hwm_kb %ld anon_kb %ld file_kb %ld\n", floor_status_kb("VmHWM:"), floor_status_kb("RssAnon:"),
           floor_status_kb("RssFile:"));
    return 0;
}
