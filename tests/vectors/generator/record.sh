#!/usr/bin/env bash
# record.sh [OUT_DIR] — records the protocol vectors again with the official
# TypeScript SDK (npm package inngest, pinned in package.json beside this
# script).  The SDK is installed from the npm registry by name into a work
# directory under build/ (never into the checkout); the scripts run there and
# write the JSON files into OUT_DIR (default: tests/vectors, i.e. in place).
# Needs node (20 was used) and npm; the app listens on 127.0.0.1:3939 and the
# recording fake Inngest API on 127.0.0.1:8299, both only for the run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$(mkdir -p "${1:-$root/tests/vectors}" && cd "${1:-$root/tests/vectors}" && pwd)
work=${VECTOR_RECORDER_DIR:-$root/build/vector-recorder}
mkdir -p "$work"
cp "$here"/*.mjs "$here/package.json" "$work/"
cd "$work"
npm install --no-audit --no-fund --loglevel=error
node gen_crypto.mjs "$out"   # signatures.json, bearer_tokens.json, step_ids.json
node scenarios.mjs "$out"    # every scenario file
echo "record.sh: vectors written to $out"
