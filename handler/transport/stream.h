/*
 * stream.h — keeping a long call request alive through proxies
 * (INNGEST_STREAMING, PROTOCOL.md §13).
 *
 * The user's function runs synchronously in the worker, so a second thread
 * watches the clock while it runs: if the call is still running after
 * STREAM_KEEPALIVE_MS it sends the 201 head (with X-Accel-Buffering: no, so
 * nginx passes bytes on as they come) and then one space per interval.  When
 * the function is done the worker stops the thread and, if the 201 went out,
 * writes the real answer as the JSON envelope {"status","headers","body"}
 * the executor unwraps; a call that ends before the first tick is answered
 * exactly as without streaming.
 *
 * The thread only ever writes to the FastCGI output stream, and only until
 * stream_end() returns: from then on the worker alone owns the stream, so the
 * two never write at once.  It never touches the request's arena or json-c.
 */
#ifndef ING_STREAM_H
#define ING_STREAM_H

#include <pthread.h>
#include <stdbool.h>

#include <fcgiapp.h>

struct response;

/* Below every read timeout a proxy is likely to have (nginx's default is
 * 60 s, load balancers' 30–60 s, our tests' 2 s), and one byte a second per
 * long call costs nothing. */
#define STREAM_KEEPALIVE_MS 1000

struct stream_keepalive {
    FCGX_Stream *out;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool running;      /* the thread was started */
    bool done;         /* set by stream_end under the lock */
    bool head_sent;    /* the 201 head went out: the answer must be the envelope */
    unsigned keepalives;
};

/* Starts the watcher for one request.  false (and no thread) when a thread
 * cannot be created: the call is then served without keep-alives. */
bool stream_begin(struct stream_keepalive *s, FCGX_Stream *out);

/* Stops and joins the watcher.  Returns true when the 201 head was sent. */
bool stream_end(struct stream_keepalive *s);

/* Writes the final envelope for an answer whose 201 head is already out. */
void stream_write_envelope(FCGX_Stream *out, const struct response *res);

#endif
