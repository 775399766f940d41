/*
 * inngest.h — the one public header of the inngest-fcgi SDK.
 *
 * A user writes functions in C and lists them in a table of `struct ing_function`;
 * the SDK serves that table at /api/inngest (FastCGI behind nginx), syncs it with
 * an Inngest server and runs each function step by step as the server asks.
 *
 * Control flow.  A function runs from the top on every call request.  Each
 * ing_step_*() either returns the step's memoized value or, when the step is
 * new, ends the request: it unwinds the user's function (longjmp back to the
 * dispatcher) after recording what the server must do next.  So user code never
 * checks a return code after a step, and must not hold resources across a step
 * call that are not registered on the request (see ing_keep / ing_defer).
 *
 * Memory and ownership of JSON values (json-c):
 *   - Every value the SDK hands you (event, event data, step results, errors) is
 *     BORROWED: it lives until the request ends.  Never json_object_put() it.
 *   - Every value you hand the SDK (a handler's or step's return value, event
 *     payloads, invoke payloads) is also BORROWED by the SDK: it takes its own
 *     reference when it needs one, and never releases yours.
 *   - So a value you create must be released by someone: create it with the
 *     ing_json_*() helpers below (or pass it through ing_keep()) and the request
 *     arena releases it when the request ends, even if a step unwinds first.
 *   - json_object_object_add()/array_add() steal a reference as usual in json-c:
 *     to put a kept or borrowed value inside another, use ing_json_set() /
 *     ing_json_push(), which take their own reference.
 * Strings returned by the SDK (const char *) are borrowed the same way.
 */
#ifndef INNGEST_H
#define INNGEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

/* The header compiles as C99, C11 and C++ (it is tested with gcc -std=c99
 * -Wpedantic, -std=c11 and g++ -std=c++17): the attributes below take the
 * spelling each of them knows. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define ING_NORETURN [[noreturn]]
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define ING_NORETURN _Noreturn
#elif defined(__GNUC__)
#define ING_NORETURN __attribute__((noreturn))
#else
#define ING_NORETURN
#endif
/* ING_API marks what the SDK exports: it is built with -fvisibility=hidden,
 * so a function of the shared library that is not declared here with ING_API
 * stays internal (tests/e2e/test_public_symbols.sh checks both directions). */
#if defined(__GNUC__)
#define ING_API __attribute__((visibility("default")))
#else
#define ING_API
#endif
#if defined(__GNUC__)
#define ING_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ING_PRINTF(fmt, args)
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ING_SDK_NAME "inngest-fcgi"
#define ING_SDK_VERSION "0.1.0"

struct ing_ctx;

typedef json_object *(*ing_handler_fn)(struct ing_ctx *c);
typedef json_object *(*ing_step_fn)(struct ing_ctx *c, void *arg);

/* ------------------------------------------------------------------------ */
/* Function configuration, declared as data.                                 */
/* Every field is optional except id, name, a trigger and the handler; a     */
/* zero value means "not set" (the server's default applies).                */
/* ------------------------------------------------------------------------ */

#define ING_MAX_TRIGGERS 10    /* the server's MaxTriggers */
#define ING_MAX_CONCURRENCY 2  /* the server accepts at most two limits */
#define ING_MAX_CANCEL 5       /* the server accepts at most five cancellations */

struct ing_trigger {
    const char *event;      /* event name, or NULL for a cron trigger */
    const char *expression; /* optional CEL filter on `event` */
    const char *cron;       /* "0 * * * *", optionally prefixed "TZ=Area/City " */
    const char *jitter;     /* optional, cron only: "30s" */
    bool production_only;   /* registered only in production (cloud mode, INNGEST_ENV unset or "production") */
};

#define ING_EVENT(name) { .event = (name) }
#define ING_EVENT_IF(name, expr) { .event = (name), .expression = (expr) }
#define ING_CRON(spec) { .cron = (spec) }

struct ing_retries { bool set; int count; };
/* retries are the number of retries after the first attempt (0..20); unset → server default (4) */
#define ING_RETRIES(n) { .set = true, .count = (n) }

struct ing_concurrency { int limit; const char *key; const char *scope; /* "fn" (default), "env", "account" */ };
struct ing_throttle { int limit; const char *period; int burst; const char *key; };
struct ing_rate_limit { int limit; const char *period; const char *key; };
struct ing_debounce { const char *period; const char *key; const char *timeout; };
struct ing_batch { int max_size; const char *timeout; const char *key; const char *if_expr; };
struct ing_cancel { const char *event; const char *if_expr; const char *timeout; };
struct ing_timeouts { const char *start; const char *finish; };
struct ing_singleton { const char *key; const char *mode; /* "skip" or "cancel" */ };

struct ing_function {
    const char *id;   /* short id; the server sees "<app id>-<id>" */
    const char *name; /* human name, required */
    struct ing_trigger triggers[ING_MAX_TRIGGERS];
    struct ing_retries retries;
    struct ing_concurrency concurrency[ING_MAX_CONCURRENCY];
    struct ing_throttle throttle;
    struct ing_rate_limit rate_limit;
    struct ing_debounce debounce;
    struct ing_batch batch_events;
    const char *priority_run;  /* CEL returning seconds of priority */
    struct ing_cancel cancel_on[ING_MAX_CANCEL];
    struct ing_timeouts timeouts;
    const char *idempotency;   /* CEL key: at most one run per key per 24 h */
    struct ing_singleton singleton;
    ing_handler_fn handler;
    /* Synced as a second function "<id>-failure", triggered by
     * inngest/function.failed for this function only; retries once. */
    ing_handler_fn on_failure;
};

/* An extra HTTP route served by the same program (the product app's API). */
struct ing_http_request {
    const char *method;
    const char *path;          /* without the query string */
    const char *query;         /* may be "" */
    const char *body;          /* NUL-terminated; body_len bytes */
    size_t body_len;
    struct ing_ctx *ctx;       /* the request's arena and settings */
    char **params;             /* the CGI parameters; read them with ing_http_header */
};
/* A request header by its HTTP name ("Stripe-Signature"), NULL when absent. */
ING_API const char *ing_http_header(const struct ing_http_request *req, const char *name);
/* The client's address as nginx reports it (REMOTE_ADDR). */
ING_API const char *ing_http_remote_addr(const struct ing_http_request *req);
#define ING_HTTP_MAX_HEADERS 8
/* The client's address: REMOTE_ADDR, or, with INNGEST_TRUST_FORWARDED=1 and a
 * REMOTE_ADDR in INNGEST_TRUSTED_PROXIES (default loopback), the right-most
 * X-Forwarded-For entry that is not a trusted proxy.  NULL when unknown. */
ING_API const char *ing_http_client_ip(const struct ing_http_request *req);
struct ing_http_response {
    int status;
    json_object *body;         /* borrowed; NULL → no body */
    const char *content_type;  /* NULL → application/json */
    const char *extra_header;  /* one "Name: value" line, or NULL */
    /* more "Name: value" lines (unused slots NULL); a line with a CR or LF
     * is dropped */
    const char *headers[ING_HTTP_MAX_HEADERS];
};
/* Adds a "Name: value" line to res->headers; false when they are full. */
ING_API bool ing_http_add_header(struct ing_http_response *res, const char *line);
typedef void (*ing_route_fn)(const struct ing_http_request *req, struct ing_http_response *res);
struct ing_route {
    const char *path;
    ing_route_fn handler;
    size_t max_body;           /* 0 → ING_ROUTE_DEFAULT_MAX_BODY */
    /* path ends with '/' and matches every longer path below it
     * ("/api/views/" → "/api/views/hello"), which the handler reads from
     * req->path; exact routes of the table are tried first */
    bool prefix;
};

/* One app: its default id and its tables.  Each program defines exactly one. */
struct ing_app {
    const char *default_app_id;           /* INNGEST_APP_ID overrides it */
    const struct ing_function *functions;
    size_t function_count;
    const struct ing_route *routes;       /* may be NULL */
    size_t route_count;                   /* 0 → routes ends with an entry whose path is NULL */
    /* Called once at start-up, before workers fork: say which optional
     * settings are missing (by name, never a value). */
    void (*on_start)(void);
    /* Called in each worker before it serves (after fork): open per-worker
     * resources such as database connections.  Its result is what
     * ing_app_state() returns; NULL is allowed.  worker_stop releases it. */
    void *(*worker_start)(void);
    void (*worker_stop)(void *state);
    /* Your app's version ("1.4.2"), printed by `--version` after the app id:
     * "myapp 1.4.2 (inngest-fcgi 0.1.0)".  NULL → only the app id and the SDK's. */
    const char *version;
};
/* The calling worker's app state (the value worker_start returned). */
ING_API void *ing_app_state(const struct ing_ctx *c);
/* Traces: time one operation of your own (a database call) as a span under
 * the step running now.  begin marks the start; end records the span, named
 * `operation`, with db.system.name = system (may be NULL) and, when error is
 * not NULL, an error status whose type is `error` (a short kind, never data).
 * Both do nothing outside a traced call request. */
ING_API void ing_trace_op_begin(struct ing_ctx *c);
ING_API void ing_trace_op_end(struct ing_ctx *c, const char *system, const char *operation,
                              const char *error);
/* The same for an HTTP request your code makes with a client of its own
 * (requests made through the SDK are traced already): the span has the
 * method, the URL's host and port (never its path, query or user info) and
 * the status; status 0 means no answer came. */
ING_API void ing_trace_http_end(struct ing_ctx *c, const char *method, const char *url, long status);
extern const struct ing_app ing_app_definition;
/* The program: the command line (--listen, --workers, --max-requests, --check,
 * --version, --help), start-up checks, then the worker pool serving `app`.
 * Returns the exit status.  The SDK's main() is `return ing_main(&ing_app_definition,
 * argc, argv);` (libinngest-fcgi-main.a); call it yourself from a main of your own. */
ING_API int ing_main(const struct ing_app *app, int argc, char **argv);

#define ING_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* ------------------------------------------------------------------------ */
/* Inside a function                                                          */
/* ------------------------------------------------------------------------ */

ING_API json_object *ing_event(struct ing_ctx *c);       /* the triggering event, borrowed */
ING_API json_object *ing_event_data(struct ing_ctx *c);  /* its "data" object (never NULL) */
ING_API json_object *ing_events(struct ing_ctx *c);      /* all events of a batch (array) */
/* Zero-based attempt of the step this request runs, as the protocol counts
 * it (ctx.attempt): every step starts again at 0, and so does the code after
 * the last step.  So inside a step's body it is that step's attempt; it is
 * not a count of the run's requests, nor of the function's retries overall. */
ING_API int ing_attempt(const struct ing_ctx *c);
ING_API int ing_max_attempts(const struct ing_ctx *c);   /* retries + 1: the last attempt is max - 1 */
ING_API const char *ing_run_id(const struct ing_ctx *c);
ING_API const char *ing_app_id(const struct ing_ctx *c);
/* The process environment's value of `name` (getenv), NULL when unset or
 * empty.  Read at each call, not copied at start-up: the SDK never changes the
 * environment, so in a served program every request sees the same value. */
ING_API const char *ing_env(const struct ing_ctx *c, const char *name);

/* A step or function error: what the server stored, or what ended a step. */
struct ing_error {
    const char *name;     /* "Error", "NonRetriableError", "InngestInvokeTimeoutError", … */
    const char *message;
    json_object *raw;     /* the error object as stored, borrowed (may be NULL) */
};

/* step.run: returns the step's value (borrowed; json NULL for JSON null).
 * A memoized failure unwinds the function as an uncaught step error. */
ING_API json_object *ing_step_run(struct ing_ctx *c, const char *id, ing_step_fn fn, void *arg);
/* The same, but a memoized failure returns NULL and fills *err instead. */
ING_API json_object *ing_step_run_catch(struct ing_ctx *c, const char *id, ing_step_fn fn, void *arg,
                                        struct ing_error *err);

/* Durations (sleep, waitForEvent and invoke timeouts) are Inngest time
 * strings: numbers each followed by a unit ns us ms s m h d w ("30s",
 * "2h30m", "1.5h", "7d").  A step given anything else ("3 seconds",
 * "forever", "10") fails the run at once with a NonRetriableError that names
 * the step and the value; it is never sent to the server. */

/* step.sleep: duration "1s", "2h30m", "1d". */
ING_API void ing_step_sleep(struct ing_ctx *c, const char *id, const char *duration);
/* step.sleepUntil: a UTC time. */
ING_API void ing_step_sleep_until(struct ing_ctx *c, const char *id, time_t when);

/* step.waitForEvent: the matched event (borrowed) or NULL on timeout. */
struct ing_wait { const char *event; const char *if_expr; const char *timeout; };
ING_API json_object *ing_step_wait_for_event(struct ing_ctx *c, const char *id, const struct ing_wait *w);

/* step.invoke: the invoked function's result.  function_id is the composite id
 * ("<app id>-<fn id>"; ing_function_ref() builds it for this app).  payload is
 * {"data":…} (NULL → {"data":{}}); timeout NULL → server default. */
ING_API json_object *ing_step_invoke(struct ing_ctx *c, const char *id, const char *function_id,
                                     json_object *payload, const char *timeout);
ING_API json_object *ing_step_invoke_catch(struct ing_ctx *c, const char *id, const char *function_id,
                                           json_object *payload, const char *timeout,
                                           struct ing_error *err);
ING_API const char *ing_function_ref(struct ing_ctx *c, const char *fn_id);

/* step.sendEvent: one event object or an array of them; returns the ids array.
 * Events the SDK or the Event API refuses (no name, a 4xx answer) fail the
 * step without retry, with the reason (the API's own message) in the step's
 * error and in the log line; a network error or a 5xx is retried. */
ING_API json_object *ing_step_send_event(struct ing_ctx *c, const char *id, json_object *events);

/* An HTTP request made for the app: by this worker (ing_http_fetch, the
 * outbound layer's timeouts, limits and retry rule) or by the Inngest server
 * as a step (ing_step_fetch, so a slow call holds no worker).  The same
 * description serves both, so switching is one word.  Headers are
 * "Name: value" lines; a line with CR or LF is refused. */
#define ING_FETCH_MAX_HEADERS 16
#define ING_FETCH_DEFAULT_TIMEOUT_MS 30000
struct ing_fetch_request {
    const char *method;                          /* NULL → "GET" */
    const char *url;                             /* absolute http:// or https:// URL */
    const char *headers[ING_FETCH_MAX_HEADERS];  /* unused slots NULL */
    const char *body;                            /* NULL → no body */
    size_t body_len;                             /* 0 with a body → strlen(body) */
    int timeout_ms;                              /* 0 → ING_FETCH_DEFAULT_TIMEOUT_MS */
};
struct ing_fetch_response {
    int status;                 /* the HTTP status */
    const char *body;           /* NUL-terminated, in the request's memory; never NULL */
    size_t body_len;
    json_object *headers;       /* {lower-case name: value}, in the request's memory */
};

/* Parallel steps: steps called between begin and end are planned together (as
 * Promise.all does).  Inside the group, a step that has no result yet returns
 * NULL instead of unwinding; ing_parallel_end() unwinds if any of them was new,
 * so the values are all valid after it returns.  Every begin needs its end
 * before the function returns: a group still open then fails the run
 * (NonRetriableError "ing_parallel_begin without ing_parallel_end"). */
ING_API void ing_parallel_begin(struct ing_ctx *c);
ING_API void ing_parallel_end(struct ing_ctx *c);

/* Errors: each one ends the current step (inside a step body) or the function
 * (outside any step).  They never return. */
ING_NORETURN ING_API void ing_fail(struct ing_ctx *c, const char *fmt, ...)
    ING_PRINTF(2, 3);
ING_NORETURN ING_API void ing_fail_nonretriable(struct ing_ctx *c, const char *fmt, ...)
    ING_PRINTF(2, 3);
ING_NORETURN ING_API void ing_fail_retry_after(struct ing_ctx *c, long seconds, const char *fmt, ...)
    ING_PRINTF(3, 4);
ING_NORETURN ING_API void ing_fail_retry_at(struct ing_ctx *c, time_t when, const char *fmt, ...)
    ING_PRINTF(3, 4);
/* Re-raise a caught step error as this function's (or step's) error. */
ING_NORETURN ING_API void ing_fail_with(struct ing_ctx *c, const struct ing_error *err, bool retriable);

/* ------------------------------------------------------------------------ */
/* Request memory                                                             */
/* ------------------------------------------------------------------------ */

ING_API void *ing_alloc(struct ing_ctx *c, size_t size);            /* zeroed, never NULL (fails the step) */
ING_API char *ing_strdup(struct ing_ctx *c, const char *s);
ING_API char *ing_sprintf(struct ing_ctx *c, const char *fmt, ...) ING_PRINTF(2, 3);
/* Runs fn(arg) when the request ends, however it ends (last registered, first run). */
ING_API void ing_defer(struct ing_ctx *c, void (*fn)(void *), void *arg);
/* Hands a json-c value you own to the request: released when the request ends. */
ING_API json_object *ing_keep(struct ing_ctx *c, json_object *value);

/* NULL handling, once for all: a NULL json_object * is JSON null wherever the
 * SDK takes a value (ing_json_set, ing_json_push, a step's or handler's
 * return value); the lookups below take a NULL object and answer "absent";
 * ing_strdup(c, NULL) and ing_json_parse(c, NULL) return NULL.  A NULL or
 * empty step id fails the run (NonRetriableError); a NULL ctx is not checked. */
ING_API json_object *ing_json_object(struct ing_ctx *c);
ING_API json_object *ing_json_array(struct ing_ctx *c);
/* A string value; NULL s gives NULL (JSON null), never "". */
ING_API json_object *ing_json_string(struct ing_ctx *c, const char *s);
ING_API json_object *ing_json_int(struct ing_ctx *c, int64_t v);
ING_API json_object *ing_json_double(struct ing_ctx *c, double v);
ING_API json_object *ing_json_bool(struct ing_ctx *c, bool v);
/* Parses text (bounded depth); NULL on a syntax error. */
ING_API json_object *ing_json_parse(struct ing_ctx *c, const char *text);
/* Parses untrusted text strictly (RFC 8259, bounded depth): refuses NaN,
 * Infinity, comments, trailing bytes, invalid UTF-8, lone surrogates, a
 * non-finite number (1e999) and an integer outside int64 (json-c would clamp
 * it).  true with *out (NULL for JSON null), or false with *out NULL. */
ING_API bool ing_json_parse_strict(struct ing_ctx *c, const char *text, size_t len, json_object **out);
/* obj[key] = value, taking a reference of its own (value may be NULL → JSON null;
 * a NULL obj or key does nothing).
 * false when obj is not an object (array) or there was no memory to store it:
 * the key is then absent, so check it where a missing key would mislead. */
ING_API bool ing_json_set(json_object *obj, const char *key, json_object *value);
ING_API bool ing_json_push(json_object *array, json_object *value);
/* Borrowed lookups that tolerate missing keys and wrong types. */
ING_API json_object *ing_json_get(json_object *obj, const char *key);
ING_API const char *ing_json_get_string(json_object *obj, const char *key); /* NULL unless a string */
ING_API bool ing_json_get_int(json_object *obj, const char *key, int64_t *out); /* false unless an integer */

/* ------------------------------------------------------------------------ */
/* Sending events from anywhere (routes, steps, background code)              */
/* ------------------------------------------------------------------------ */

/* POSTs one event or an array to the Event API.  On success returns true and
 * *ids (borrowed, may be NULL) holds the ids the API returned.  On failure
 * returns false with err->message set; *http_status is the Event API's status
 * (0 when it could not be reached), so a route can answer 503 or 502.
 * err->name says which: "InvalidEventError" when the SDK refused the events
 * before sending them (no name, a reserved name, data not an object: sending
 * them again cannot help), "EventSendError" otherwise. */
ING_API bool ing_send_events(struct ing_ctx *c, json_object *events, json_object **ids,
                             struct ing_error *err, int *http_status);

/* ------------------------------------------------------------------------ */
/* Logging (to stderr; never pass a secret)                                   */
/* ------------------------------------------------------------------------ */

enum ing_log_level { ING_LOG_DEBUG, ING_LOG_INFO, ING_LOG_WARN, ING_LOG_ERROR };
ING_API void ing_log(enum ing_log_level level, const char *fmt, ...) ING_PRINTF(2, 3);

/* ------------------------------------------------------------------------ */
/* Testing a function without a server (like @inngest/test)                   */
/* ------------------------------------------------------------------------ */

/*
 * ing_test_call() runs one function in your process exactly as the executor
 * would call it once, through the same code that answers a real request, and
 * gives you the answer.  A run of several steps is several calls: each time
 * you pass back, as memoized `steps`, what the earlier calls produced.
 *
 * The answer, by status (the protocol's, see handler/PROTOCOL.md):
 *   200  the function returned: json is its return value (sealed in the
 *        encryption envelope when INNGEST_ENCRYPTION_KEY is set).
 *   206  steps: json is an array of ops, each {"op", "id" (the step's hash),
 *        "displayName" (your step id), "data" (a StepRun's value), "opts",
 *        "error" (StepError/StepFailed)}.  op is "StepRun" (a step.run body
 *        ran: its value is in "data"), "StepError" (its body failed and will
 *        be retried), "StepFailed" (failed for good), "StepPlanned" (found in
 *        a parallel group, not run yet), "Sleep", "WaitForEvent",
 *        "InvokeFunction".
 *   400  the function failed for good (no_retry true); 500: it will be retried.
 *        json is {"name", "message", …}.
 * Memoized steps are a JSON object keyed by the step's hash
 * (ing_test_step_hash, or the "id" of the op that planned it):
 *   {"<hash>": {"data": <its value>}}   a finished step (for a sleep: null;
 *                                       for waitForEvent: the event or null)
 *   {"<hash>": {"error": {"name": "Error", "message": "…"}}}   a failed one
 *
 * Sending events from a test: step.sendEvent and ing_send_events post to the
 * Event API named by INNGEST_EVENT_API_BASE_URL (or INNGEST_BASE_URL) in the
 * test's environment, so point it at a stand-in server on 127.0.0.1.  With
 * neither set, a send fails (a StepError saying so) and nothing leaves the
 * process.  INNGEST_APP_ID, INNGEST_EVENT_KEY and INNGEST_ENCRYPTION_KEY (and
 * _FALLBACKS) are read the same way; the test always runs in dev mode (no
 * signing key).
 *
 * A complete test (cmocka here, any framework will do), for a function
 *   "greet" whose body is:  step.run "compose" → returns {"text": "Hi <name>"}
 *                            then returns that step's value.
 *
 *     #include <stdarg.h>
 *     #include <stddef.h>
 *     #include <setjmp.h>
 *     #include <stdio.h>
 *     #include <cmocka.h>
 *     #include <inngest.h>
 *
 *     static void greet_runs_its_step_then_returns(void **state)
 *     {
 *         (void)state;
 *         struct ing_test_result r;
 *         struct ing_test_options o = {
 *             .event = "{\"name\":\"app/user.signup\",\"data\":{\"name\":\"Ada\"}}"};
 *         // 1st call: the step is new, so its body runs and is reported.
 *         assert_int_equal(ing_test_call(&ing_app_definition, "greet", &o, &r), 0);
 *         assert_int_equal(r.status, 206);
 *         json_object *op = json_object_array_get_idx(r.json, 0);
 *         assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
 *         assert_string_equal(ing_json_get_string(op, "displayName"), "compose");
 *         // 2nd call: the step's result is memoized, so the function returns.
 *         char hash[41], steps[256];
 *         ing_test_step_hash("compose", 0, hash);
 *         snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":%s}}", hash,
 *                  json_object_to_json_string(ing_json_get(op, "data")));
 *         ing_test_result_free(&r);
 *         o.steps = steps;
 *         assert_int_equal(ing_test_call(&ing_app_definition, "greet", &o, &r), 0);
 *         assert_int_equal(r.status, 200);
 *         assert_string_equal(ing_json_get_string(r.json, "text"), "Hi Ada");
 *         ing_test_result_free(&r);
 *     }
 *
 *     int main(void)
 *     {
 *         const struct CMUnitTest tests[] = {
 *             cmocka_unit_test(greet_runs_its_step_then_returns)};
 *         return cmocka_run_group_tests(tests, NULL, NULL);
 *     }
 *
 * Build it with the same pkg-config line as the app, plus -lcmocka: the test's
 * own main() takes the place of the SDK's.  (`make new-app` writes this test.)
 */

/* What the SDK would answer to one call request. */
struct ing_test_result {
    int status;            /* 200, 206, 400, 500 … */
    char *body;            /* malloc'd JSON text; free with ing_test_result_free */
    json_object *json;     /* parsed body (owned by the result) */
    bool no_retry;         /* X-Inngest-No-Retry */
    char retry_after[64];  /* Retry-After, "" if none */
};
/* One call request.  Every field may be left zero. */
struct ing_test_options {
    const char *event;     /* the triggering event, JSON text; NULL → {"name":"test","data":{}} */
    const char *steps;     /* memoized steps, JSON object text (above); NULL → {} */
    const char *step_id;   /* NULL or "step": a discovery call (the function runs from the
                            * top, a new step.run runs at once); a step's hash: run that step only */
    int attempt;           /* ctx.attempt: the attempt of the step being run (0 = first) */
    bool disable_immediate_execution; /* plan new steps instead of running them */
};
/* Runs function fn_id (the short id of your table, not "<app>-<id>") of
 * `app` once.  0 and *out filled (free it with ing_test_result_free), or -1
 * when the call could not be made (the reason on stderr). */
ING_API int ing_test_call(const struct ing_app *app, const char *fn_id,
                          const struct ing_test_options *opts, struct ing_test_result *out);
ING_API void ing_test_result_free(struct ing_test_result *r);
/* hash of a step id as the protocol defines it (id, or "id:n" for the n-th repeat) */
ING_API void ing_test_step_hash(const char *id, int repeat, char out[41]);

#ifdef __cplusplus
}
#endif

#endif
