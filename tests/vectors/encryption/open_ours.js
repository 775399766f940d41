// Opens envelopes our C code sealed (one JSON line each on stdin:
// {"key", "plaintext", "envelope"}) with the official middleware's own hook
// (wrapStep, which decrypts memoized step data), for
// tests/e2e/test_encryption_interop.sh.  For each line it prints
//   ok <n> <what>   or   FAIL <n> <what>: <reason>
// checking three readers: the key it was sealed with; a rotated service
// (a new current key, ours as fallback); and a key nobody used (must fail).
"use strict";
const fs = require("fs");
const { encryptionMiddleware, isEncryptedValue } = require("@inngest/middleware-encryption");

const vectors = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const K = vectors.keys;
const reader = (key, fallbackDecryptionKeys) => {
  const M = encryptionMiddleware({ key, fallbackDecryptionKeys });
  return new M({ client: {} });
};
const open = (m, envelope) => m.wrapStep({ next: async () => envelope });
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

(async () => {
  const lines = fs.readFileSync(0, "utf8").split("\n").filter(Boolean);
  let n = 0;
  for (const line of lines) {
    n++;
    const { key, plaintext, envelope } = JSON.parse(line);
    const report = (ok, what, why) => console.log(ok ? `ok ${n} ${what}` : `FAIL ${n} ${what}: ${why}`);
    report(isEncryptedValue(envelope), "is an envelope to the middleware (isEncryptedValue)", JSON.stringify(envelope).slice(0, 200));
    try {
      const got = await open(reader(K[key]), envelope);
      report(same(got, plaintext), "opens to the plaintext with the same key", `got ${JSON.stringify(got).slice(0, 200)}`);
    } catch (e) {
      report(false, "opens to the plaintext with the same key", String(e));
    }
    try {
      const got = await open(reader(K.old, [K[key]]), envelope);
      report(same(got, plaintext), "opens through a fallback key", `got ${JSON.stringify(got).slice(0, 200)}`);
    } catch (e) {
      report(false, "opens through a fallback key", String(e));
    }
    try {
      await open(reader(K.other), envelope);
      report(false, "a key nobody used does not open it", "it opened");
    } catch (e) {
      report(true, "a key nobody used does not open it");
    }
  }
})().catch((e) => { console.error(e); process.exit(1); });
