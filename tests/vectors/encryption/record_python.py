"""Records envelopes made by the Python middleware (PyPI inngest_encryption,
pinned in requirements.txt) for the plaintexts and keys of vectors.json, and
checks that it opens every envelope the npm middleware recorded there.
Run through record_python.sh; prints the vectors as JSON on stdout."""

import json
import sys
from importlib.metadata import version

import inngest
from inngest_encryption import EncryptionMiddleware

js = json.load(open(sys.argv[1], encoding="utf-8"))
keys = js["keys"]
client = inngest.Inngest(app_id="encryption-vectors", is_production=False)


def middleware(key, fallbacks=None):
    return EncryptionMiddleware(client, None, key, fallback_decryption_keys=fallbacks)


current = middleware(keys["current"])
values = []
for case in js["values"]:
    if case["encrypted_with"] != "current":
        continue  # the Python package hashes a key untrimmed: only the plain keys compare
    envelope = current._encrypt(case["plaintext"])
    if current._decrypt(envelope) != case["plaintext"]:
        raise SystemExit(f"round trip failed: {case['name']}")
    values.append({"name": case["name"], "encrypted_with": "current", "decrypt_keys": ["current"],
                   "plaintext": case["plaintext"], "envelope": envelope})
old = middleware(keys["old"])
plaintext = {"token": "rw_tok_example", "account": 7}
values.append({"name": "old key, read through the fallback", "encrypted_with": "old",
               "decrypt_keys": ["current", "old"], "plaintext": plaintext,
               "envelope": old._encrypt(plaintext)})

# The other direction: the Python middleware opens what npm sealed.
rotated = middleware(keys["current"], [keys["old"]])
opened = 0
for case in js["values"]:
    if case["encrypted_with"] not in ("current", "old"):
        continue
    if rotated._decrypt(case["envelope"]) != case["plaintext"]:
        raise SystemExit(f"the Python middleware does not open npm's {case['name']}")
    opened += 1

json.dump({
    "comment": "Recorded by tests/vectors/encryption/record_python.sh with the Python middleware; see README.md",
    "packages": {name: version(name) for name in ("inngest_encryption", "inngest", "PyNaCl")}
    | {"python": sys.version.split()[0]},
    "strategy": "inngest/libsodium",
    "keys": {"current": keys["current"], "old": keys["old"]},
    "values": values,
    "npm_envelopes_opened_by_python": opened,
}, sys.stdout, indent=2, ensure_ascii=False)
sys.stdout.write("\n")
