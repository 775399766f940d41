/*
 * encryption.c — sealing and opening values in the official middleware's
 * envelope with libsodium (crypto_secretbox: XSalsa20-Poly1305).
 *
 * Wire format, as @inngest/middleware-encryption 2.0.0 writes it: the value's
 * JSON text is sealed with a fresh 24-byte random nonce, and "data" is the
 * standard base64 (with padding) of the nonce followed by the box (16-byte
 * tag, then ciphertext).  The key is crypto_generichash (BLAKE2b, unkeyed,
 * 32 bytes) of the trimmed secret's bytes.
 */
#include "core/encryption.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/json_strict.h"
#include "base/limits.h"
#include "core/response.h"

/* [*p, *p + *n) without surrounding white space */
static void trim(const char **p, size_t *n)
{
    while (*n && isspace((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

/* Adds one secret; `what` names where it came from, for messages. */
static bool add_key(struct enc_keys *k, const char *secret, size_t n, const char *what, char *err,
                    size_t err_size)
{
    trim(&secret, &n);
    if (n == 0)
        return true; /* an empty list item, as the middleware skips it */
    if (n < ENC_MIN_KEY_CHARS) {
        snprintf(err, err_size,
                 "%s is shorter than %d characters; use a long random secret (e.g. openssl rand "
                 "-base64 32)",
                 what, ENC_MIN_KEY_CHARS);
        return false;
    }
    if (k->count == ENC_MAX_KEYS) {
        snprintf(err, err_size, "INNGEST_ENCRYPTION_KEY_FALLBACKS lists more than %d keys",
                 ENC_MAX_KEYS - 1);
        return false;
    }
    unsigned char derived[ENC_KEY_BYTES];
    crypto_generichash(derived, sizeof(derived), (const unsigned char *)secret, n, NULL, 0);
    for (size_t i = 0; i < k->count; i++) {
        if (sodium_memcmp(derived, k->key[i], sizeof(derived)) == 0) {
            sodium_memzero(derived, sizeof(derived));
            snprintf(err, err_size,
                     "%s is the same as %s: each encryption key must differ from the others", what,
                     i == 0 ? "INNGEST_ENCRYPTION_KEY" : "an earlier fallback");
            return false;
        }
    }
    memcpy(k->key[k->count++], derived, sizeof(derived));
    sodium_memzero(derived, sizeof(derived));
    return true;
}

bool enc_keys_load(struct enc_keys *k, const char *current, const char *fallbacks, char *err,
                   size_t err_size)
{
    memset(k, 0, sizeof(*k));
    if (sodium_init() < 0) {
        snprintf(err, err_size, "libsodium cannot start (sodium_init failed)");
        return false;
    }
    bool has_current = false;
    if (current) {
        const char *p = current;
        size_t n = strlen(current);
        trim(&p, &n);
        has_current = n > 0;
    }
    if (!has_current) {
        if (fallbacks && strspn(fallbacks, " \t\r\n,") != strlen(fallbacks)) {
            snprintf(err, err_size, "INNGEST_ENCRYPTION_KEY_FALLBACKS is set but "
                                    "INNGEST_ENCRYPTION_KEY is not: set the current key too");
            return false;
        }
        return true; /* encryption off */
    }
    if (!add_key(k, current, strlen(current), "INNGEST_ENCRYPTION_KEY", err, err_size))
        goto refuse;
    int index = 0;
    for (const char *p = fallbacks; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char what[96];
        snprintf(what, sizeof(what), "key %d of INNGEST_ENCRYPTION_KEY_FALLBACKS", ++index);
        if (!add_key(k, p, n, what, err, err_size))
            goto refuse;
        p = comma ? comma + 1 : p + n;
    }
    return true;
refuse:
    sodium_memzero(k, sizeof(*k));
    return false;
}

bool enc_is_envelope(json_object *v)
{
    json_object *marker, *data;
    return v && json_object_is_type(v, json_type_object) &&
           json_object_object_get_ex(v, ENC_MARKER, &marker) &&
           json_object_is_type(marker, json_type_boolean) && json_object_get_boolean(marker) &&
           json_object_object_get_ex(v, "data", &data) && json_object_is_type(data, json_type_string);
}

json_object *enc_seal(const struct enc_keys *k, json_object *value)
{
    if (!k->count)
        return NULL;
    size_t len = 0;
    const char *text = value ? json_object_to_json_string_length(value, ING_JSON_FLAGS, &len) : "null";
    if (!value)
        len = 4;
    if (!text)
        return NULL;
    size_t raw_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    unsigned char *raw = malloc(raw_len);
    size_t b64_len = sodium_base64_encoded_len(raw_len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64_len);
    json_object *env = NULL;
    if (!raw || !b64)
        goto out;
    randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, (const unsigned char *)text, len, raw,
                          k->key[0]);
    sodium_bin2base64(b64, b64_len, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
    env = json_object_new_object();
    if (!env || json_object_object_add(env, ENC_MARKER, json_object_new_boolean(1)) != 0 ||
        json_object_object_add(env, ENC_STRATEGY_MARKER, json_object_new_string(ENC_STRATEGY)) != 0 ||
        json_object_object_add(env, "data", json_object_new_string_len(b64, (int)(b64_len - 1))) != 0) {
        json_object_put(env);
        env = NULL;
        goto out;
    }
    /* json_object_new_* may return NULL inside add: check the members landed */
    json_object *m;
    if (!json_object_object_get_ex(env, ENC_MARKER, &m) || !m ||
        !json_object_object_get_ex(env, ENC_STRATEGY_MARKER, &m) || !m ||
        !json_object_object_get_ex(env, "data", &m) || !m) {
        json_object_put(env);
        env = NULL;
    }
out:
    free(raw);
    free(b64);
    return env;
}

bool enc_seal_event(const struct enc_keys *k, json_object *event)
{
    json_object *data = NULL, *field = NULL;
    if (!k->count || !json_object_object_get_ex(event, "data", &data) ||
        !json_object_is_type(data, json_type_object) ||
        !json_object_object_get_ex(data, ENC_EVENT_FIELD, &field) || enc_is_envelope(field))
        return true;
    json_object *envelope = enc_seal(k, field);
    if (!envelope)
        return false;
    if (json_object_object_add(data, ENC_EVENT_FIELD, envelope) != 0) {
        json_object_put(envelope);
        return false;
    }
    return true;
}

/* Parses decrypted text as one strict RFC 8259 value, with the depth bound
 * of every other input; JSON null is a success with *out NULL. */
static bool parse_plain(const char *text, size_t len, json_object **out)
{
    if (len > INT32_MAX || !json_text_valid(text, len, ING_JSON_MAX_DEPTH))
        return false;
    json_tokener *tok = json_tokener_new_ex(ING_JSON_MAX_DEPTH);
    if (!tok)
        return false;
    json_object *v = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    bool ok;
    if (e == json_tokener_continue) {
        json_object_put(v);
        v = json_tokener_parse_ex(tok, "", 1); /* a bare number ends at the end of input */
        ok = json_tokener_get_error(tok) == json_tokener_success;
    } else {
        /* one value and nothing after it but white space */
        size_t end = json_tokener_get_parse_end(tok);
        ok = e == json_tokener_success && strspn(text + end, " \t\r\n") == len - end;
    }
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(v);
        return false;
    }
    *out = v;
    return true;
}

bool enc_open(const struct enc_keys *k, json_object *envelope, json_object **out, char *err,
              size_t err_size)
{
    *out = NULL;
    json_object *strategy_v = NULL, *data_v = NULL;
    if (!enc_is_envelope(envelope)) {
        snprintf(err, err_size, "not an encrypted value (no \"%s\": true with a string \"data\")",
                 ENC_MARKER);
        return false;
    }
    json_object_object_get_ex(envelope, "data", &data_v);
    if (!json_object_object_get_ex(envelope, ENC_STRATEGY_MARKER, &strategy_v)) {
        snprintf(err, err_size,
                 "the value is encrypted in the middleware's legacy v0 format (AES, no \"%s\"), "
                 "which this SDK does not read; only strategy \"%s\" is supported",
                 ENC_STRATEGY_MARKER, ENC_STRATEGY);
        return false;
    }
    const char *strategy =
        json_object_is_type(strategy_v, json_type_string) ? json_object_get_string(strategy_v) : NULL;
    if (!strategy || strcmp(strategy, ENC_STRATEGY) != 0) {
        snprintf(err, err_size, "the value is encrypted with strategy \"%.64s\", which this SDK does "
                                "not read; only \"%s\" is supported",
                 strategy ? strategy : "(not a string)", ENC_STRATEGY);
        return false;
    }
    if (!k->count) {
        snprintf(err, err_size, "the value is encrypted (strategy \"%s\") but no "
                                "INNGEST_ENCRYPTION_KEY is set", ENC_STRATEGY);
        return false;
    }
    const char *b64 = json_object_get_string(data_v);
    size_t b64_len = (size_t)json_object_get_string_len(data_v);
    size_t raw_cap = b64_len / 4 * 3 + 3;
    unsigned char *raw = malloc(raw_cap);
    if (!raw) {
        snprintf(err, err_size, "out of memory decrypting a value (strategy \"%s\")", ENC_STRATEGY);
        return false;
    }
    size_t raw_len = 0;
    const char *end = NULL;
    if (sodium_base642bin(raw, raw_cap, b64, b64_len, NULL, &raw_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != b64 + b64_len) {
        free(raw);
        snprintf(err, err_size, "cannot decrypt a value (strategy \"%s\"): its data is not base64",
                 ENC_STRATEGY);
        return false;
    }
    if (raw_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        free(raw);
        snprintf(err, err_size,
                 "cannot decrypt a value (strategy \"%s\"): its data is %zu bytes, shorter than a "
                 "nonce and a tag", ENC_STRATEGY, raw_len);
        return false;
    }
    size_t plain_len = raw_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    unsigned char *plain = malloc(plain_len + 1);
    if (!plain) {
        free(raw);
        snprintf(err, err_size, "out of memory decrypting a value (strategy \"%s\")", ENC_STRATEGY);
        return false;
    }
    bool opened = false;
    for (size_t i = 0; i < k->count && !opened; i++)
        opened = crypto_secretbox_open_easy(plain, raw + crypto_secretbox_NONCEBYTES,
                                            raw_len - crypto_secretbox_NONCEBYTES, raw,
                                            k->key[i]) == 0;
    free(raw);
    bool ok = false;
    plain[plain_len] = '\0';
    if (!opened) {
        snprintf(err, err_size,
                 "cannot decrypt a value (strategy \"%s\"): none of the %zu configured key(s) "
                 "opens it (INNGEST_ENCRYPTION_KEY, then INNGEST_ENCRYPTION_KEY_FALLBACKS)",
                 ENC_STRATEGY, k->count);
    } else if (!(ok = parse_plain((const char *)plain, plain_len, out))) {
        snprintf(err, err_size, "decrypted a value (strategy \"%s\") that is not JSON",
                 ENC_STRATEGY);
    }
    sodium_memzero(plain, plain_len + 1);
    free(plain);
    return ok;
}
