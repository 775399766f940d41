// Records envelopes made by the official encryption middleware's own code
// (@inngest/middleware-encryption, pinned in package.json) for the C unit
// test tests/unit/test_encryption.c.  Run through record.sh, which installs
// the pinned packages under build/; prints the vectors as JSON on stdout.
"use strict";
const sodium = require("libsodium-wrappers");
const { encryptionMiddleware } = require("@inngest/middleware-encryption");
const fs = require("fs");
const path = require("path");
// Read from disk: a package's "exports" may hide its package.json from require().
const pkg = (name) => {
  for (const dir of (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean)) {
    const f = path.join(dir, name, "package.json");
    if (fs.existsSync(f)) return JSON.parse(fs.readFileSync(f, "utf8")).version;
  }
  throw new Error(`${name} is not installed`);
};

// Test keys only: they protect nothing.
const KEYS = {
  current: "vector-key-current-0123456789abcdef",
  old: "vector-key-old-fedcba9876543210-rotated",
  other: "vector-key-nobody-configured-this-one!!",
  padded: "  vector-key-with-spaces-around-it-0001 \n",
};

// One middleware instance per key set, driven through its hooks: wrapStepHandler
// (a step's output on its way out), wrapStep (memoized data on its way in) and
// transformSendEvent (an event's designated field).
const middleware = (key, fallbackDecryptionKeys, extra = {}) => {
  const M = encryptionMiddleware({ key, fallbackDecryptionKeys, ...extra });
  return new M({ client: {} });
};
const encrypt = (m, value) => m.wrapStepHandler({ next: async () => value });
const decrypt = (m, envelope) => m.wrapStep({ next: async () => envelope });

const VALUES = [
  ["object with non-ASCII text", { name: "Zoë Åkesson", email: "zoe@example.org", message: "héllo — 👋" }],
  ["string", "a plain string"],
  ["integer", 42],
  ["fraction", 3.25],
  ["true", true],
  ["nested array", [1, [2, [3, { deep: ["x", null, false] }]], "end"]],
  ["empty object", {}],
  ["empty string", ""],
  ["escapes", { quote: "\"", backslash: "\\", slash: "/", newline: "a\nb", tab: "\t", nul: "\u0000" }],
  ["long text", { text: "0123456789abcdef".repeat(256) }],
];

(async () => {
  await sodium.ready;
  const derived = {};
  for (const [name, k] of Object.entries(KEYS))
    derived[name] = sodium.to_hex(sodium.crypto_generichash(sodium.crypto_secretbox_KEYBYTES, k.trim()));

  const cur = middleware(KEYS.current);
  const rotated = middleware(KEYS.current, [KEYS.old]);
  const oldOnly = middleware(KEYS.old);
  const padded = middleware(KEYS.padded);

  const values = [];
  for (const [name, plaintext] of VALUES) {
    const envelope = await encrypt(cur, plaintext);
    const back = await decrypt(cur, envelope);
    if (JSON.stringify(back) !== JSON.stringify(plaintext)) throw new Error(`round trip failed: ${name}`);
    values.push({ name, encrypted_with: "current", decrypt_keys: ["current"], plaintext, envelope });
  }
  // Rotation: written with the old key, read by a service whose current key
  // is new and whose fallback is the old one.
  {
    const plaintext = { token: "rw_tok_example", account: 7 };
    const envelope = await encrypt(oldOnly, plaintext);
    await decrypt(rotated, envelope);
    values.push({ name: "old key, read through the fallback", encrypted_with: "old",
                  decrypt_keys: ["current", "old"], plaintext, envelope });
  }
  // The middleware trims keys before hashing them.
  {
    const plaintext = { trimmed: true };
    const envelope = await encrypt(padded, plaintext);
    values.push({ name: "key with surrounding whitespace", encrypted_with: "padded",
                  decrypt_keys: ["padded"], plaintext, envelope });
  }

  // Envelopes no configured key opens.
  const undecryptable = [];
  undecryptable.push({ name: "written with a key nobody configured", decrypt_keys: ["current", "old"],
                       envelope: await encrypt(middleware(KEYS.other), { secret: 1 }) });
  {
    const e = await encrypt(cur, { secret: 2 });
    const raw = Buffer.from(e.data, "base64");
    raw[raw.length - 1] ^= 1; // one bit of the ciphertext
    undecryptable.push({ name: "ciphertext altered", decrypt_keys: ["current"],
                         envelope: { ...e, data: raw.toString("base64") } });
  }
  {
    const e = await encrypt(cur, { secret: 3 });
    undecryptable.push({ name: "shorter than a nonce and a tag", decrypt_keys: ["current"],
                         envelope: { ...e, data: Buffer.from(e.data, "base64").subarray(0, 30).toString("base64") } });
  }
  // The 0.x format (AES via crypto-js, no __STRATEGY__), which 2.0.0 still
  // reads and writes when asked (legacyV0Service.forceEncryptWithV0).
  undecryptable.push({ name: "legacy v0 AES envelope (no strategy marker)", decrypt_keys: ["current"],
                       envelope: await encrypt(middleware(KEYS.current, [], { legacyV0Service: { forceEncryptWithV0: true } }),
                                               { secret: 4 }) });

  // Events: only the designated top-level field of data is encrypted.
  const plainEvents = [
    { name: "contact/form.submitted", data: { encrypted: { email: "ada@example.org", name: "Ada" }, form: "contact", n: 1 } },
    { name: "readwise/sync.requested", data: { account: 7 } },
  ];
  const sent = await cur.transformSendEvent({ events: JSON.parse(JSON.stringify(plainEvents)) });
  const events = plainEvents.map((plain, i) => ({ encrypted_with: "current", plain, sent: sent.events[i] }));

  process.stdout.write(JSON.stringify({
    comment: "Recorded by tests/vectors/encryption/record.sh with the official middleware; see README.md",
    packages: {
      "@inngest/middleware-encryption": pkg("@inngest/middleware-encryption"),
      "inngest": pkg("inngest"),
      "libsodium-wrappers": pkg("libsodium-wrappers"),
      node: process.versions.node,
    },
    strategy: "inngest/libsodium",
    keys: KEYS,
    derived_keys_hex: derived,
    values,
    undecryptable,
    events,
  }, null, 2) + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
