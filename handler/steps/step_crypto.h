/*
 * step_crypto.h — where step data crosses the encryption layer (encryption.h):
 * a step's output is sealed on its way out (the StepRun op, checkpointed or
 * not) and memoized step data is opened on its way in, so that user code only
 * sees plain values and Inngest only stores envelopes; the function's result
 * is sealed the same way, and the events a run starts with are opened before
 * the function sees them.  All are no-ops when
 * INNGEST_ENCRYPTION_KEY is unset.
 */
#ifndef ING_STEP_CRYPTO_H
#define ING_STEP_CRYPTO_H

#include <json-c/json.h>

struct ing_ctx;

/* The value a StepRun op (or the function's result) carries for `value`: an
 * envelope (owned by the request's arena) when encryption is on, else
 * `value` itself.  null is sent as null, as the middleware does (it holds
 * nothing to protect). */
json_object *step_crypto_outgoing(struct ing_ctx *c, json_object *value);

/* The value user code receives for memoized data `value`: opened when it is
 * an envelope and encryption is on (owned by the arena), else `value`.  An
 * envelope no configured key opens fails the run without retry
 * (DecryptionError, naming the strategy): a stored value cannot change. */
json_object *step_crypto_incoming(struct ing_ctx *c, json_object *value);

/* Opens, in place, every top-level member of event.data that is an envelope
 * (the middleware seals data.encrypted; like it, we open whatever member is
 * sealed), for the triggering event and each event of `events`.  Called
 * before user code runs; an envelope no key opens fails the run without
 * retry (DecryptionError).  A no-op when encryption is off. */
void step_crypto_open_events(struct ing_ctx *c);

/* The same for one event (a waitForEvent match), in place. */
void step_crypto_open_event(struct ing_ctx *c, json_object *event);

/* An invoke payload ({"data": …}) with data.encrypted sealed, as for an
 * event: a sealed copy (the caller's reference to `payload` is released),
 * or `payload` itself when there is nothing to seal or encryption is off.
 * Takes and returns one reference; the user's object is never changed. */
json_object *step_crypto_invoke_payload(struct ing_ctx *c, json_object *payload);

#endif
