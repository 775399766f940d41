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
 *   - THE RULE, in one line: the SDK never takes your reference and never
 *     gives you one.  Build values with ing_json_*() / ing_json_pack() /
 *     ing_event_new() (the request owns them) and put one value inside
 *     another with ing_json_set() / ing_json_push() / ing_json_pack's `o`,
 *     which take a reference of their own.  json-c's own
 *     json_object_object_add()/json_object_array_add() STEAL a reference instead: using
 *     them on a request-owned value releases it twice.  Code outside any
 *     request (a per-worker cache, a store) may own json-c values of its own;
 *     it hands each one to a request with ing_keep(), and from then on the
 *     rule above applies.  (The repo's apps keep to this:
 *     tests/e2e/test_json_ownership.sh.)
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
/* The client's address: REMOTE_ADDR, or, with INNGEST_TRUST_FORWARDED=1 and a
 * REMOTE_ADDR in INNGEST_TRUSTED_PROXIES (default loopback), the right-most
 * X-Forwarded-For entry that is not a trusted proxy.  NULL when unknown. */
ING_API const char *ing_http_client_ip(const struct ing_http_request *req);
/* The most bytes a route's own header lines take together (each line with
 * its CR LF).  nginx answers 502 for the whole answer when the header block
 * it gets from the program is larger than its fastcgi_buffer_size (32k in
 * nginx/inngest-fcgi.conf); half of that leaves room for the SDK's lines. */
#define ING_HTTP_MAX_HEADER_BYTES 16384
struct ing_http_response {
    int status;
    json_object *body;         /* borrowed; NULL → no body */
    const char *content_type;  /* NULL → application/json */
    /* The answer's other headers: header_count "Name: value" lines, in the
     * order ing_http_add_header added them; as many as fit in
     * ING_HTTP_MAX_HEADER_BYTES.  Read them here; add them only with
     * ing_http_add_header, which grows the list in the request's memory.
     * The router writes every line, a repeated name as often as it was
     * added (two Set-Cookie lines are two headers) but the same line twice
     * once; a Content-Type line replaces content_type. */
    const char *const *headers;
    size_t header_count;
    /* The SDK's own: the request the list lives in (set before the route
     * runs), the list's room and its lines' bytes so far. */
    struct ing_ctx *ctx;
    size_t header_room, header_bytes;
};
/* Adds a "Name: value" line to res->headers (the line must live until the
 * answer is written: a literal or request memory such as ing_sprintf's).
 * Refuses, with false and a warning in the log naming the reason, a line that
 * is NULL, has no "Name:" (a name of token characters before the colon),
 * holds a CR, LF or other control character (which could split the header
 * block), or names Status or Content-Length (the SDK writes those itself);
 * and, with false and a warning, a line that would take the answer's lines
 * past ING_HTTP_MAX_HEADER_BYTES, or a res the SDK did not hand to a route
 * (res->ctx NULL: there is no request memory to keep the list in). */
ING_API bool ing_http_add_header(struct ing_http_response *res, const char *line);
typedef void (*ing_route_fn)(const struct ing_http_request *req, struct ing_http_response *res);
/* A durable route's handler: a function with steps (ing_step_run, sleeps,
 * waits …) started by an HTTP request rather than an event.  Its value is
 * the JSON body of the 200 the client gets.  Steps run inline and each is
 * checkpointed to Inngest before the next starts; when one must wait (a
 * sleep, a retry after a failure) the client is answered 302 to the run's
 * output and Inngest carries the run on by calling this route again (same
 * method, path, query and body).  ing_event_data(c) is the run's
 * inngest/http.request event; ing_attempt(c) is always 0 here, since a call
 * Inngest makes to a route does not say its attempt.  Memory, errors and
 * steps follow the rules of a function. */
typedef json_object *(*ing_durable_fn)(struct ing_ctx *c, const struct ing_http_request *req);
struct ing_route {
    const char *path;
    ing_route_fn handler;
    size_t max_body;           /* 0 → ING_ROUTE_DEFAULT_MAX_BODY */
    /* path ends with '/' and matches every longer path below it
     * ("/api/views/" → "/api/views/hello"), which the handler reads from
     * req->path; exact routes of the table are tried first */
    bool prefix;
    /* the route is a durable endpoint (see ing_durable_fn); a handler set
     * next to it is its gate: it sees each client's request first, and an
     * answer it gives (res->status set) is sent instead of starting a run */
    ing_durable_fn durable;
    struct ing_retries retries; /* durable only: retries of each step; unset → 4 */
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

/* ing_http_fetch: the request, made now by this worker through the SDK's own
 * HTTP client (the one that talks to Inngest), and its answer.
 *
 * true: an answer arrived, whatever its status: res->status is the HTTP
 *   status (a 404 or a 503 is true too: the caller decides what it means;
 *   ing_http_transient() says what the SDK would do), res->body the body
 *   (NUL-terminated, "" when empty), res->headers every response header
 *   ({lower-case name: value}, repeated names joined with ", ").
 * false: no answer.  Either the request was refused before anything was
 *   sent (the method is not one of GET HEAD OPTIONS PUT DELETE POST PATCH;
 *   the URL is not an absolute http:// or https:// URL with a host, or holds
 *   a space or control byte, or is over 8 KiB; a header line is not
 *   "Name: value", holds CR or LF, or sets Content-Length or
 *   Transfer-Encoding; a GET or HEAD has a body; timeout_ms < 0), or the
 *   transport failed after the retries below (DNS, connect, TLS, timeout,
 *   an answer over ING_FETCH_MAX_RESPONSE bytes).  Then res->status is 0,
 *   res->headers NULL and res->body the reason, one line that names at most
 *   the URL's scheme, host and port (never its path, query, credentials or
 *   a header value).  No exception is raised: nothing unwinds.
 *
 * Timeouts: timeout_ms (0: ING_FETCH_DEFAULT_TIMEOUT_MS) bounds the whole
 *   call, retries and pauses included; connecting gets at most 3 s of it.
 * Body: at most ING_FETCH_MAX_RESPONSE bytes are read (the executor's limit
 *   on a step's output); a larger answer is a failure, not a truncation.
 * Retries, the SDK's one rule: only idempotent methods (GET HEAD OPTIONS PUT
 *   DELETE) are retried, up to ING_FETCH_ATTEMPTS tries in all, when no
 *   answer arrived (other than too large) or the status is 408, 429 or 5xx;
 *   100 ms then 200 ms apart, or after the answer's Retry-After when it is at
 *   most 1 s.  A longer Retry-After ends the retries at once and the answer
 *   is returned (ing_http_retry_after() reads it: fail the step with
 *   ing_fail_retry_after so the executor waits, not the worker).  POST and
 *   PATCH go exactly once.  Redirects are not followed.
 * Called inside a step body, the step's own retries (the executor's) come on
 * top; outside one, the call is made again on every call request.  Headers
 * are sent as given (keys included) and never logged; User-Agent defaults to
 * "inngest-fcgi:v<version>".  Memory is the request's: nothing to free. */
#define ING_FETCH_MAX_RESPONSE (4u * 1024u * 1024u)
#define ING_FETCH_ATTEMPTS 3
ING_API bool ing_http_fetch(struct ing_ctx *c, const struct ing_fetch_request *req,
                            struct ing_fetch_response *res);
/* The SDK's rule for "may this succeed if sent again?": status 0 (no answer),
 * 408, 429 and 5xx are transient; anything else will be answered the same. */
ING_API bool ing_http_transient(int status);
/* The answer's Retry-After in seconds from now (a number of seconds or an
 * HTTP date in GMT); -1 when absent or unreadable. */
ING_API long ing_http_retry_after(const struct ing_fetch_response *res);

/* A URL split by the SDK's URL parser (libcurl's, RFC 3986), for apps that
 * read URLs from their settings (a database URL, a service's base URL): any
 * scheme.  Parts are malloc'd (free()-compatible), NULL when absent: user and
 * password percent-decoded (a stray '%' or an encoded control byte is
 * refused), host decoded and without IPv6 brackets, port as written, path
 * ("/" at least), query and fragment raw.  Usable outside a request. */
struct ing_url {
    char *scheme, *user, *password, *host, *port, *path, *query, *fragment;
};
/* false: *out is empty and err (when given) says why in a few words that
 * never quote the URL (it may hold a password): "no host", "the port must
 * be …", "the password is malformed …", "not a URL (…)". */
ING_API bool ing_url_parse(const char *url, struct ing_url *out, char *err, size_t err_size);
/* Frees the parts, wiping user and password first; NULL is fine. */
ING_API void ing_url_free(struct ing_url *u);

/* step.fetch: the Inngest server makes the request (the Gateway opcode) and
 * stores the answer, so no worker waits for it.  New: the step is reported
 * and the request ends.  Memoized: true with *res filled (status, headers,
 * body; any status, 4xx and 5xx included, is an answer), or false when the
 * server could not get an answer at all (refused, unreachable, timed out)
 * after the function's retries: then res->status is 0 and res->body holds
 * the server's message.  The request is checked before it leaves: an
 * http(s) URL, a method that is an HTTP token, header lines "Name: value"
 * without CR, LF or a repeated name, a body of UTF-8 text without NUL bytes
 * (the op carries it as a JSON string); anything else fails the run at once
 * (NonRetriableError).  A body that is itself valid JSON is sent as is; the
 * executor sends any other body as a JSON string ("hello" arrives as
 * "\"hello\"").  timeout_ms does not travel: the server applies its own
 * bound (2 h).  res may be NULL when only the side effect matters. */
ING_API bool ing_step_fetch(struct ing_ctx *c, const char *id, const struct ing_fetch_request *req,
                            struct ing_fetch_response *res);

/* step.ai.infer: the Inngest server calls a model provider (the AIGateway
 * opcode) with `body` (the provider's own request JSON) and stores the
 * provider's JSON answer, which the step returns (borrowed).  The format
 * decides how the server passes the key: Bearer token (openai-chat),
 * x-api-key (anthropic), ?key= (gemini), the Authorization header as given
 * (bedrock).  A provider status above 299 or no answer is retried like a
 * failed step; when the retries are spent the stored AIGatewayError fails
 * the run (ing_step_ai_infer_catch returns NULL and fills *err instead, the
 * provider's answer in err->raw's "data").  The key goes only into the
 * op for the server; the SDK never logs it. */
enum ing_ai_format {
    ING_AI_OPENAI_CHAT, /* "openai-chat": OpenAI and OpenAI-compatible chat completions */
    ING_AI_ANTHROPIC,   /* "anthropic": the Messages API */
    ING_AI_GEMINI,      /* "gemini": generateContent */
    ING_AI_BEDROCK,     /* "bedrock": Converse, with a ready Authorization value */
};
struct ing_ai_model {
    enum ing_ai_format format;
    /* the endpoint; NULL → https://api.openai.com/v1/chat/completions
     * (openai-chat) or https://api.anthropic.com/v1/messages (anthropic);
     * gemini and bedrock need one */
    const char *url;
    const char *auth_key;                        /* may be NULL (a keyless local server) */
    const char *headers[ING_FETCH_MAX_HEADERS];  /* extra "Name: value" lines */
};
ING_API json_object *ing_step_ai_infer(struct ing_ctx *c, const char *id,
                                       const struct ing_ai_model *model, json_object *body);
ING_API json_object *ing_step_ai_infer_catch(struct ing_ctx *c, const char *id,
                                             const struct ing_ai_model *model, json_object *body,
                                             struct ing_error *err);
/* step.ai.wrap: a run step for a model call the function makes itself;
 * `input` (what was asked, any JSON) is recorded with the step, so the
 * dashboard shows it as the step's input.  fn and arg as for ing_step_run. */
ING_API json_object *ing_step_ai_wrap(struct ing_ctx *c, const char *id, json_object *input,
                                      ing_step_fn fn, void *arg);

/* Parallel steps: steps called between begin and end are planned together (as
 * Promise.all does).  Inside the group, a step that has no result yet returns
 * NULL instead of unwinding; ing_parallel_end() unwinds if any of them was new,
 * so the values are all valid after it returns.  Every begin needs its end
 * before the function returns: a group still open then fails the run
 * (NonRetriableError "ing_parallel_begin without ing_parallel_end"). */
ING_API void ing_parallel_begin(struct ing_ctx *c);
ING_API void ing_parallel_end(struct ing_ctx *c);
/* A race: the group ends when its first step finishes ("parallelMode":
 * "race").  Steps are planned as above; the executor asks again as soon as
 * any one of them finishes, and ing_parallel_end_race() then returns the id
 * of the one that finished first (by the order the server recorded, so every
 * later request agrees) with its value in *value (may be NULL).  The others
 * are not planned again; their results, when they come, are ignored by the
 * race (the step calls still return them).  While they still run, the steps
 * after the race say "race" too, so the executor carries on at once instead
 * of waiting for them (a race against a 1-hour sleep does not hold the run
 * for the hour).  A winner that failed fails the run as an uncaught step
 * error, unless its call was a _catch variant. */
ING_API void ing_parallel_begin_race(struct ing_ctx *c);
ING_API const char *ing_parallel_end_race(struct ing_ctx *c, json_object **value);

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

/* ing_json_pack: a whole value in one call, from a format and its arguments
 * (in the manner of jansson's json_pack).  The format:
 *   {s:V, s:V, …}   an object; each key is a `s` argument (const char *, not NULL)
 *   [V, V, …]       an array
 *   s    const char *   a string; NULL fails (see below)
 *   s?   const char *   a string, or JSON null when the argument is NULL
 *   i    int            an integer          I   int64_t   an integer
 *   f    double         a number            b   int/bool  true or false
 *   n    (no argument)  null
 *   o    json_object *  a value you have (borrowed, like ing_json_set: the
 *                       SDK takes its own reference; NULL is JSON null)
 * Spaces may stand between tokens; ':' after each key and ',' between members
 * are required, so a typo is caught instead of shifting the arguments after
 * it.  The arguments must match the format as printf's do (an int64_t for I,
 * a double for f: write 1.0, not 1).  The value belongs to the request.
 * A bad format (an unknown letter, a missing ':' or ',', unbalanced brackets,
 * text after the value), a NULL format, key or `s` string, or a NaN or
 * infinite `f` fails the run (or the step it is called in) as a
 * NonRetriableError naming the format and the argument, after an error line
 * in the log; in a route it answers 500.
 *
 *     json_object *out = ing_json_pack(c, "{s:s, s:i, s:b, s:[s, s], s:o}",
 *                                      "email", email, "count", n, "vip", is_vip,
 *                                      "tags", "new", "web", "receipt", receipt);
 */
ING_API json_object *ing_json_pack(struct ing_ctx *c, const char *fmt, ...);

/* An event to send (ing_step_send_event, ing_send_events):
 * {"name": name, "data": data}.  data is borrowed (NULL → {}) and must be a
 * JSON object; a NULL or empty name or a data that is not an object fails the
 * run as a NonRetriableError.  ing_event_new_id adds an "id" formatted like
 * printf: Inngest keeps one event per id (24 h), so a send retried after its
 * answer was lost is not doubled. */
ING_API json_object *ing_event_new(struct ing_ctx *c, const char *name, json_object *data);
ING_API json_object *ing_event_new_id(struct ing_ctx *c, const char *name, json_object *data,
                                      const char *id_fmt, ...) ING_PRINTF(4, 5);

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

/* End-to-end encryption (INNGEST_ENCRYPTION_KEY, the official middleware's
 * format): the SDK seals data.encrypted of every event it sends, step
 * outputs and the function's result, and opens them on the way in, so user
 * code sees plain values.  Put what Inngest must not read under
 * data.encrypted when ing_encrypting() says it is on.  One value stays
 * sealed: the original event inside an inngest/function.failed event
 * (data.event.data.encrypted), which ing_decrypt() opens. */
ING_API bool ing_encrypting(const struct ing_ctx *c);
/* value opened when it is a sealed envelope (request-owned), else value
 * itself.  An envelope no configured key opens (or any envelope when
 * INNGEST_ENCRYPTION_KEY is unset) fails the run without retry
 * (DecryptionError naming the strategy; inside a step's body, that step). */
ING_API json_object *ing_decrypt(struct ing_ctx *c, json_object *value);

/* ------------------------------------------------------------------------ */
/* Signals: a run waits for a named signal; anyone with the signing key      */
/* (a route, a step, another program) sends it through POST /v1/signals.     */
/* ------------------------------------------------------------------------ */

/* When a second run starts waiting for a signal another run already waits
 * for: FAIL (the default, as on the server) fails the newcomer's run without
 * retry; REPLACE moves the signal to the newcomer, and the earlier run keeps
 * waiting until its timeout, then gets NULL. */
enum ing_signal_conflict { ING_SIGNAL_CONFLICT_FAIL = 0, ING_SIGNAL_CONFLICT_REPLACE };

/* step.waitForSignal: the data the signal was sent with (borrowed; a signal
 * sent without data gives an empty object), or NULL when `timeout` (an
 * Inngest duration, required) passed first.  At most one run waits for a
 * given signal name at a time: see on_conflict.  With
 * INNGEST_ENCRYPTION_KEY set, sealed signal data is opened before you see it. */
ING_API json_object *ing_step_wait_for_signal(struct ing_ctx *c, const char *id, const char *signal,
                                              const char *timeout,
                                              enum ing_signal_conflict on_conflict);

/* Sends a signal with `data` (NULL → {}) from anywhere: a route (pass
 * req->ctx), a step body, background code.  Authenticated with
 * INNGEST_SIGNING_KEY (its fallback on 401/403).  With INNGEST_ENCRYPTION_KEY
 * set, the data is sent sealed as a whole (only our functions read it).
 * true on success: *run_id (may be NULL) is the run that resumed, or NULL when
 * no run was waiting for that signal (not an error: signals are not queued).
 * false with err (name "SignalSendError", or "InvalidSignalError" for a name
 * we refuse before sending) and *http_status (0 when unreachable).
 * Network errors and 5xx are tried three times in all. */
ING_API bool ing_send_signal(struct ing_ctx *c, const char *signal, json_object *data,
                             const char **run_id, struct ing_error *err, int *http_status);

/* The same as a durable step (step.sendSignal): sent once, memoized.  Returns
 * the resumed run's id, or NULL when no run was waiting. */
ING_API const char *ing_step_send_signal(struct ing_ctx *c, const char *id, const char *signal,
                                         json_object *data);

/* ------------------------------------------------------------------------ */
/* Realtime: publish to a channel and topic; browsers subscribe with a token  */
/* ------------------------------------------------------------------------ */

/* Channel and topic names: 1 to ING_REALTIME_MAX_NAME bytes, no control
 * characters.  A message's JSON may be at most 512 KiB (the server's limit). */
#define ING_REALTIME_MAX_NAME 256
#define ING_REALTIME_MAX_TOPICS 16

/* Publishes `data` (NULL → null) now, from a route (req->ctx), a step body
 * or background code; inside a run the message is tagged with the run's id.
 * Not durable: a function's code outside step bodies runs again on every
 * call request, so publish there with ing_step_realtime_publish instead.
 * With INNGEST_ENCRYPTION_KEY set, the member "encrypted" of an object is
 * sealed, as for events; every other member stays readable (a browser has
 * no key).  false with err ("RealtimePublishError", or
 * "InvalidRealtimeError" for a name or size we refuse) and *http_status. */
ING_API bool ing_realtime_publish(struct ing_ctx *c, const char *channel, const char *topic,
                                  json_object *data, struct ing_error *err, int *http_status);

/* The same as a durable step (step.realtime.publish): published once. */
ING_API void ing_step_realtime_publish(struct ing_ctx *c, const char *id, const char *channel,
                                       const char *topic, json_object *data);

/* A subscription token for `channel` and its `topics` (1 to
 * ING_REALTIME_MAX_TOPICS), from the server's token endpoint: a JWT that lets
 * a browser read those topics and nothing else, to be used to connect within
 * a minute.  The JWT (in the request's memory), or NULL with err and
 * *http_status. */
ING_API const char *ing_realtime_token(struct ing_ctx *c, const char *channel,
                                       const char *const *topics, size_t topic_count,
                                       struct ing_error *err, int *http_status);

/* A route helper: answers `res` with 200 {"key": <token>, "channel": …,
 * "topics": […], "apiBaseUrl": <the Inngest API's origin>} (the arguments the
 * official subscribe() of inngest/realtime takes), or 502/503 {"error": …}
 * when the server refused or could not be reached.  The channel is the
 * app's choice: derive it from what the caller may see, never take it from
 * the request unchecked. */
ING_API bool ing_http_realtime_token(const struct ing_http_request *req, struct ing_http_response *res,
                                     const char *channel, const char *const *topics,
                                     size_t topic_count);

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
 *        "InvokeFunction", "Gateway" (ing_step_fetch), "AIGateway"
 *        (ing_step_ai_infer).
 *   400  the function failed for good (no_retry true); 500: it will be retried.
 *        json is {"name", "message", …}.
 * Memoized steps are a JSON object keyed by the step's hash
 * (ing_test_step_hash, or the "id" of the op that planned it), listed in the
 * order the steps finished (it becomes ctx.stack, which decides a race):
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

/*
 * ing_test_run() plays the executor for a whole run: it makes the discovery
 * call, memoizes what the answer reports, and calls again until the function
 * ends, as Inngest would (one ing_test_call per request).  For each op of a
 * 206 answer:
 *   StepRun          memoized as {"data": its value}
 *   StepFailed       memoized as {"error": …} (the step failed for good)
 *   StepError        the next call retries it with attempt + 1
 *   StepPlanned      a parallel step: called on its own (its hash as step_id,
 *                    immediate execution off) before the next discovery call
 *   Sleep            resumed at once ({"data": null})
 *   WaitForEvent     given opts->wait_result, or null (the wait timed out)
 *   InvokeFunction   given opts->invoke_result, or null
 * and an op of another kind needs opts->supply.  An answer other than 206 ends
 * the run, unless it is a 5xx the SDK did not mark no-retry and the function
 * has attempts left (its .retries + 1; 5 by default), which is retried with
 * the next attempt.  Everything else is as in ing_test_call (the environment
 * read, events sent to a stand-in Event API only).
 *
 * The "greet" test above, as one call:
 *
 *     struct ing_test_run_result r;
 *     struct ing_test_run_options o = {
 *         .event = "{\"name\":\"app/user.signup\",\"data\":{\"name\":\"Ada\"}}"};
 *     assert_int_equal(ing_test_run(&ing_app_definition, "greet", &o, &r), 0);
 *     assert_int_equal(r.status, 200);
 *     assert_int_equal(r.calls, 2);  // the step ran, then the function returned
 *     assert_string_equal(ing_json_get_string(r.output, "text"), "Hi Ada");
 *     ing_test_run_free(&r);
 */
/* Supplies a step's result in the executor's place: called with each op of
 * each 206 answer (borrowed), before the default handling above.  Return the
 * memoized entry as JSON text ({"data": value} or {"error": {"name": …,
 * "message": …}}), read before the next call, or NULL to leave the op to the
 * default handling. */
typedef const char *(*ing_test_supply_fn)(void *arg, json_object *op);
struct ing_test_run_options {
    const char *event;          /* the triggering event, JSON text; NULL → {"name":"test","data":{}} */
    const char *wait_result;    /* JSON text: the event every step.waitForEvent receives; NULL → null */
    const char *invoke_result;  /* JSON text: what every step.invoke returns; NULL → null */
    ing_test_supply_fn supply;  /* optional, see above */
    void *supply_arg;
    int max_calls;              /* a bound on the calls; 0 → 200 */
};
struct ing_test_run_result {
    int status;                 /* the last answer's: 200 returned, 400 failed for good, 500 out of attempts */
    json_object *output;        /* its body: the function's value (200) or its error */
    bool no_retry;              /* its X-Inngest-No-Retry */
    char retry_after[64];       /* its Retry-After, "" if none */
    int calls;                  /* how many call requests were made */
    /* every call's answer, in order: {"status", "step_id" (null for a
     * discovery call, else the targeted step's hash), "attempt", "body" (the
     * parsed answer), "no_retry", "retry_after"} */
    json_object *answers;
    json_object *ops;           /* every op of every 206 answer, in order */
    json_object *steps;         /* the memoized steps at the end, by step hash */
};
/* Runs function fn_id of `app` to its end.  0 with *out filled (free it with
 * ing_test_run_free, also after -1), or -1 with the reason on stderr: a call
 * could not be made, an option or a supplied result is not JSON, an op had
 * no result to give, or the run did not end within max_calls. */
ING_API int ing_test_run(const struct ing_app *app, const char *fn_id,
                         const struct ing_test_run_options *opts, struct ing_test_run_result *out);
ING_API void ing_test_run_free(struct ing_test_run_result *r);

#ifdef __cplusplus
}
#endif

#endif
