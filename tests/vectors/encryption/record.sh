#!/usr/bin/env bash
# Re-records vectors.json with the official middleware, at the versions
# package.json pins.  Installs them from npm under build/ (never in the tree);
# not run by make check, which only reads the recorded file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work="$root/build/node/encryption-vectors"
mkdir -p "$work"
cp "$here/package.json" "$work/package.json"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
NODE_PATH="$work/node_modules" node "$here/record.js" >"$work/vectors.json"
mv "$work/vectors.json" "$here/vectors.json"
echo "recorded $here/vectors.json"
