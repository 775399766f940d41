/*
 * limits.h — every bound the SDK enforces, in one place, with the reason for each.
 */
#ifndef ING_LIMITS_H
#define ING_LIMITS_H

/* The executor never sends a call request over 4 MiB (MaxSDKRequestBodySize):
 * larger runs arrive with use_api and the state stripped.  1 MiB of slack covers
 * the envelope; anything larger is not from Inngest and gets 413. */
#define ING_MAX_CALL_BODY (5u * 1024u * 1024u)

/* Product routes take small JSON forms and webhooks (Stripe caps events at
 * a few hundred KB). */
#define ING_ROUTE_DEFAULT_MAX_BODY (64u * 1024u)

/* json-c's default depth (32) rejects ordinary user data once wrapped in the
 * call envelope (body → steps → {data} → user value is already 4 levels).  256
 * leaves users 250 levels while bounding the parser's and serializer's
 * recursion (json-c frees and prints recursively) far below stack limits. */
#define ING_JSON_MAX_DEPTH 256

/* The executor rejects a step output over 4 MiB and a response over 8 MiB. */
#define ING_MAX_STEP_OUTPUT (4u * 1024u * 1024u)

/* Answers we read from Inngest's API: the run state fetched with use_api can be
 * up to the server's 32 MiB state limit. */
#define ING_MAX_API_RESPONSE (33u * 1024u * 1024u)
/* Answers from the Event API and the register endpoint are small JSON. */
#define ING_MAX_SMALL_RESPONSE (1u * 1024u * 1024u)

/* Signatures are accepted within 5 minutes either way (the protocol's window). */
#define ING_SIGNATURE_WINDOW_SECONDS 300

/* Only bodies up to this size get the second, canonical-form signature check:
 * the executor signs call requests over the exact bytes it sends, and only the
 * small sync PUT needs the canonical form.  Canonicalizing megabytes costs
 * hundreds of milliseconds, which a forged request could otherwise demand. */
#define ING_MAX_JCS_VERIFY_BODY (64u * 1024u)

/* The server's sync round trip times out after 10 s, so our register call must
 * finish inside it, a second attempt with the fallback key included. */
#define ING_REGISTER_TIMEOUT_MS 4500
#define ING_API_TIMEOUT_MS 10000
#define ING_EVENT_API_TIMEOUT_MS 5000

/* Steps in one run: the executor's absolute maximum. */
#define ING_MAX_STEPS_PER_REQUEST 10000
/* Ops in one 206: the executor fails the run above 1000. */
#define ING_MAX_OPS_PER_RESPONSE 1000

/* Header values we read (signature, host, query string). */
#define ING_MAX_HEADER_VALUE 4096

/* One arena chunk; larger allocations get a chunk of their own.  The
 * allocation-failure test compiles arena.c again with a tiny chunk so that
 * nearly every arena allocation is a heap allocation it can make fail. */
#ifndef ING_ARENA_CHUNK
#define ING_ARENA_CHUNK (64u * 1024u)
#endif

#endif
