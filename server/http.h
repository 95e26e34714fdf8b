/* http: the HTTP front of vigie-server (libmicrohttpd). It reads request bodies within bounds,
 * routes them to the handlers of api.h and writes their replies; nothing else. */
#ifndef VIGIE_HTTP_H
#define VIGIE_HTTP_H

#include "api.h"

typedef struct http_server http_server;

/* Listens on addr:port. NULL on error, with err filled in. */
http_server *http_start(api_ctx *ctx, const char *addr, int port, char *err, size_t err_size);
void http_stop(http_server *h);

#endif
