/*
 * encryption.h — end-to-end encryption of values Inngest stores, in the
 * envelope of the official middleware (@inngest/middleware-encryption 2.x,
 * strategy "inngest/libsodium"; PROTOCOL.md §18).
 *
 * A value is sealed as {"__ENCRYPTED__": true, "__STRATEGY__":
 * "inngest/libsodium", "data": base64(nonce ‖ secretbox(JSON text))}, the key
 * being BLAKE2b-256 of the configured secret.  The current key seals; every
 * configured key (current first, then the fallbacks in order) is tried to
 * open.  Keys are kept only as their derived form and are never printed.
 */
#ifndef ING_ENCRYPTION_H
#define ING_ENCRYPTION_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define ENC_MARKER "__ENCRYPTED__"
#define ENC_STRATEGY_MARKER "__STRATEGY__"
#define ENC_STRATEGY "inngest/libsodium"
/* The one top-level field of an event's data the middleware encrypts. */
#define ENC_EVENT_FIELD "encrypted"
/* Our floor for a configured secret (the middleware has none): the secret
 * is hashed, not stretched, so its length is all that stands against a guess. */
#define ENC_MIN_KEY_CHARS 32
/* The current key and up to seven fallbacks. */
#define ENC_MAX_KEYS 8
#define ENC_KEY_BYTES 32

struct enc_keys {
    size_t count; /* 0: encryption is off */
    unsigned char key[ENC_MAX_KEYS][ENC_KEY_BYTES];
};

/* Derives the keys from INNGEST_ENCRYPTION_KEY (`current`) and
 * INNGEST_ENCRYPTION_KEY_FALLBACKS (`fallbacks`, comma-separated), either
 * NULL when unset.  Each secret is trimmed of surrounding white space, as the
 * middleware does.  false + a message naming the setting (never a key) when a
 * secret is shorter than ENC_MIN_KEY_CHARS, two secrets are the same, there
 * are too many, or fallbacks are set without a current key. */
bool enc_keys_load(struct enc_keys *k, const char *current, const char *fallbacks, char *err,
                   size_t err_size);

/* Whether `v` is an envelope: "__ENCRYPTED__" true and a string "data"
 * (with or without a strategy, so that an envelope we cannot open is
 * reported rather than handed to user code as if it were data). */
bool enc_is_envelope(json_object *v);

/* A new envelope holding `value` (JSON null included) sealed with the
 * current key; NULL when out of memory.  The caller owns the result. */
json_object *enc_seal(const struct enc_keys *k, json_object *value);

/* Seals event.data.encrypted (ENC_EVENT_FIELD) in place, as the middleware
 * does for the events it sends; every other member stays readable.  Does
 * nothing when encryption is off, the member is absent, or it is already an
 * envelope.  false only when out of memory (the event is then unchanged). */
bool enc_seal_event(const struct enc_keys *k, json_object *event);

/* Opens an envelope: true and *out (a new reference the caller owns; NULL
 * for JSON null).  false and a message naming the strategy when it cannot be
 * opened with any key, is not of our strategy, or is out of memory. */
bool enc_open(const struct enc_keys *k, json_object *envelope, json_object **out, char *err,
              size_t err_size);

#endif
