#include "config.h"
#include "store/db_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_internal.h"

/* What a thread's key holds: the destructor at thread exit needs the pool to unlist the connection. */
typedef struct db_slot {
    db_pool *pool;
    db *d;
    struct db_slot *next;
} db_slot;

struct db_pool {
    char *path;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards slots */
    db_slot *slots;
    size_t n;
};

static void db_pool_unlist(db_pool *p, db_slot *s)
{
    pthread_mutex_lock(&p->lock);
    for (db_slot **at = &p->slots; *at; at = &(*at)->next)
        if (*at == s) {
            *at = s->next;
            p->n--;
            break;
        }
    pthread_mutex_unlock(&p->lock);
}

/* Thread exit: its connection is closed with it. */
static void db_pool_thread_end(void *arg)
{
    db_slot *s = arg;
    db_pool_unlist(s->pool, s);
    db_close(s->d);
    free(s);
}

vg_code db_pool_new(const char *path, db_pool **out, vg_err *err)
{
    *out = NULL;
    db_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return vg_fail(err, VG_E_NOMEM, "out of memory");
    }
    if (pthread_key_create(&p->key, db_pool_thread_end) != 0) {
        free(p->path);
        free(p);
        return vg_fail(err, VG_E_INTERNAL, "cannot make a thread key for the database connections");
    }
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return VG_OK;
}

db *db_pool_get(db_pool *p, vg_err *err)
{
    db_slot *s = pthread_getspecific(p->key);
    if (s)
        return s->d;
    s = calloc(1, sizeof *s);
    if (!s) {
        vg_fail(err, VG_E_NOMEM, "out of memory");
        return NULL;
    }
    if (db_open(p->path, &s->d, err) != VG_OK) {
        free(s);
        return NULL;
    }
    s->pool = p;
    if (pthread_setspecific(p->key, s) != 0) {
        db_close(s->d);
        free(s);
        vg_fail(err, VG_E_INTERNAL, "cannot keep this thread's database connection");
        return NULL;
    }
    pthread_mutex_lock(&p->lock);
    s->next = p->slots;
    p->slots = s;
    p->n++;
    pthread_mutex_unlock(&p->lock);
    return s->d;
}

size_t db_pool_size(db_pool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->n;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void db_pool_free(db_pool *p)
{
    if (!p)
        return;
    /* the calling thread's own slot would otherwise be freed again at its exit */
    if (pthread_getspecific(p->key))
        pthread_setspecific(p->key, NULL);
    pthread_key_delete(p->key);
    for (db_slot *s = p->slots, *next; s; s = next) {
        next = s->next;
        db_close(s->d);
        free(s);
    }
    pthread_mutex_destroy(&p->lock);
    free(p->path);
    free(p);
}

vg_code db_read_begin(db *d, bool *began, vg_err *err)
{
    *began = false;
    if (!(!sq_in_transaction(d->sql)))
        return VG_OK; /* already inside a transaction: its snapshot is the one */
    /* one snapshot for the whole request: SQLite's read transaction, PostgreSQL's REPEATABLE READ (its
     * default, READ COMMITTED, would show each statement the rows committed since the one before) */
    if (sq_exec(d->sql, db_is_postgres(d) ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN DEFERRED") != SQ_OK)
        return db_io(d, err, "BEGIN");
    *began = true;
    return VG_OK;
}

void db_read_end(db *d, bool began)
{
    if (began && !(!sq_in_transaction(d->sql)))
        sq_exec(d->sql, "COMMIT");
}
