#!/usr/bin/env bash
# Our envelopes, opened by the official middleware: the unit test binary
# (test_encryption with ENCRYPTION_PRINT_ENVELOPES=1) seals every plaintext of
# tests/vectors/encryption/vectors.json with our C code, and
# tests/vectors/encryption/open_ours.js opens each one with
# @inngest/middleware-encryption's own hook (the pinned versions of
# tests/vectors/encryption/package.json, installed from npm under build/):
# with the same key, through a fallback key, and not with a key nobody used.
# The other direction (our C code opening the middleware's envelopes) is
# tests/unit/test_encryption.c.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
# shellcheck source=tests/lib/encryption_node.sh
source "$(dirname "$0")/../lib/encryption_node.sh"
e2e_init

e2e_program bin tests/test_encryption
vec=$ENC_VEC
node_dir=$ENC_NODE_DIR

enc_node_install

ENCRYPTION_PRINT_ENVELOPES=1 VECTORS_DIR=$E2E_ROOT/tests/vectors ${TEST_PREFIX:-} "$bin" >"$E2E_DIR/ours.jsonl" ||
	abort "test_encryption prints the envelopes it sealed"
want=$(jq '.values | length' "$vec/vectors.json")
got=$(wc -l <"$E2E_DIR/ours.jsonl")
expect_eq "our C code sealed one envelope per recorded plaintext" "$got" "$want"
if ((want < 12)); then fail "vectors.json holds $want plaintexts; this test was written for at least 12"; fi

NODE_PATH=$node_dir/node_modules node "$vec/open_ours.js" "$vec/vectors.json" <"$E2E_DIR/ours.jsonl" >"$E2E_DIR/opened.txt" 2>"$E2E_DIR/node.err" ||
	{ cat "$E2E_DIR/node.err" >&2; abort "the middleware's opener runs"; }
while IFS= read -r line; do
	case $line in
	"ok "*) pass "middleware: ${line#ok }" ;;
	*) fail "middleware: ${line#FAIL }" ;;
	esac
done <"$E2E_DIR/opened.txt"
# four checks per envelope: a missing line is a failure, not a pass
expect_eq "the middleware checked every envelope four ways" "$(wc -l <"$E2E_DIR/opened.txt")" "$((want * 4))"
summary
