/* push_client: sends encoded batches to vigie-server over HTTP(S) with libcurl.
 *
 * One curl handle is kept for the agent's life so that the connection (and TLS session) is reused.
 * The token goes in an Authorization header and never into a log line. */
#ifndef VIGIE_PUSH_CLIENT_H
#define VIGIE_PUSH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct push_client push_client;

typedef enum {
    PUSH_SENT = 0,     /* 2xx: the server has stored the batch */
    PUSH_RETRY = -1,   /* network error or 5xx: keep the batch and send it again later */
    PUSH_REJECTED = -2, /* 400, 413, 422: the server will never accept this batch as it is (401 and 403
                         * are retried: a token can be fixed on the server side) */
    PUSH_FAILED = -3,   /* another 5xx than 503: the server could not store it; retried, and set aside
                         * when that keeps happening for the same reason (spool.h) */
    PUSH_DUPLICATE = -4, /* 2xx with "duplicate": true: the server already holds a batch of this number */
    PUSH_CLOCK = -5     /* 409 with "retry": "clock": refused only for its samples' times (a clock stepped):
                         * kept and sent again, never set aside (pusher.c) */
} push_result;

/* `server` is the base URL (http://host:port); the batch goes to server/api/v1/ingest. NULL when out
 * of memory, or when the token holds a control character (utf8.h) or is too long for a header. */
push_client *push_client_new(const char *server, const char *token, const char *ca_file, long timeout_s);
void push_client_free(push_client *c);
/* On failure, why[] says what happened (HTTP status and the server's message). */
push_result push_client_send(push_client *c, const char *body, size_t len, char *why, size_t why_size);
/* Clocks: each send carries the agent's wall clock (PUSH_CLOCK_HEADER, push.h) taken as it starts,
 * and the server's reply its own, from which the agent's skew is learnt: agent clock - server clock,
 * at the midpoint of the exchange. false before a reply with the server's clock. */
bool push_client_skew(const push_client *c, double *skew);

/* From any thread: the send under way, and every later one, end at once with PUSH_RETRY. */
void push_client_abort(push_client *c);

#endif
