/* http: the HTTP(S) front of vigie-server (libmicrohttpd, with GnuTLS for HTTPS). It bounds the
 * connections (server.yaml http:: in all, per client address, idle timeout), asks api_admit() about
 * each request on its headers alone (route, method, token) before it reads a body, reads bodies within
 * PUSH_MAX_BODY, routes requests to the handlers of api.h and writes their replies; nothing else. */
#ifndef VIGIE_HTTP_H
#define VIGIE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "http/api.h"

typedef struct http_server http_server;

/* Whether this libmicrohttpd can serve HTTPS (Debian's is built with GnuTLS). */
bool http_tls_supported(void);

/* Whether addr (a numeric IPv4 or IPv6 address) is a loopback one: 127.0.0.0/8 or ::1. */
bool http_addr_is_loopback(const char *addr);

/* Listens on addr:port; with cert_pem and key_pem (PEM text, both or neither) over HTTPS, TLS 1.2
 * or later. NULL on error, with err filled in. */
http_server *http_start(api_ctx *ctx, const char *addr, int port, const char *cert_pem, const char *key_pem,
                        char *err, size_t err_size);
void http_stop(http_server *h);

#endif
